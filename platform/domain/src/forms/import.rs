//! A definition brought from elsewhere (exported by another collectivité,
//! written by hand): read as JSON, bounded, every fault said in French.

use super::definition::FormDefinition;

/// The largest definition read: the biggest shipped form is under 30 kB.
pub const IMPORT_MAX_BYTES: usize = 1024 * 1024;

impl FormDefinition {
    /// The definition in `json`, checked ([`FormDefinition::problems`]); or
    /// what is wrong with it, each fault in words its reader can act on.
    pub fn import(json: &[u8]) -> Result<FormDefinition, Vec<String>> {
        if json.len() > IMPORT_MAX_BYTES {
            return Err(vec![format!(
                "le fichier fait {} ko ; une définition en fait au plus {} : est-ce bien une définition de téléservice ?",
                json.len() / 1024,
                IMPORT_MAX_BYTES / 1024
            )]);
        }
        let def: FormDefinition = serde_json::from_slice(json).map_err(|e| vec![said(&e)])?;
        let problems = def.problems();
        if problems.is_empty() {
            Ok(def)
        } else {
            Err(problems)
        }
    }

    /// The definition as JSON, as [`FormDefinition::import`] reads it.
    pub fn export(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// serde's message, in French, with where it was met.
fn said(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let raw = e.to_string();
    let quoted = |after: &str| {
        raw.split_once(after)
            .and_then(|(_, rest)| rest.split('`').next())
            .unwrap_or("")
            .to_owned()
    };
    let what = match e.classify() {
        Category::Eof => "le fichier s’arrête au milieu d’une définition".to_owned(),
        Category::Syntax => "ce n’est pas du JSON valide".to_owned(),
        Category::Io => "le fichier n’a pas pu être lu".to_owned(),
        Category::Data if raw.starts_with("unknown variant") => {
            format!("valeur inconnue « {} »", quoted("unknown variant `"))
        }
        Category::Data if raw.starts_with("unknown field") => {
            format!("attribut inconnu « {} »", quoted("unknown field `"))
        }
        Category::Data if raw.starts_with("missing field") => {
            format!("attribut « {} » manquant", quoted("missing field `"))
        }
        Category::Data if raw.starts_with("duplicate field") => {
            format!("attribut « {} » en double", quoted("duplicate field `"))
        }
        Category::Data => "une valeur n’a pas le type attendu".to_owned(),
    };
    if e.line() == 0 {
        what
    } else {
        format!("ligne {}, colonne {} : {what}", e.line(), e.column())
    }
}
