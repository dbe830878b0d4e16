//! The form studio: a collectivité's own téléservice forms, made without a
//! developer. Each is edited as a working copy (from scratch, from a shipped
//! form, or from a definition another collectivité exported), saved over the
//! revision its author saw, so that two agents editing at once never
//! overwrite each other; checked (the engine's problems, the remarks on what
//! hurts households, its scenarios); published as a new version, which never
//! changes afterwards.

use serde::Serialize;

use crate::agents::Desk;
use crate::audit::{self, Change};
use crate::domain::forms::{self, FormDefinition, Outcome, Scenario, Step};
use crate::domain::time;
use crate::error::Error;
use crate::store::repo::studio::{self as rows, DraftRow, VersionRow};
use crate::store::{StoreError, TenantTx};

/// Where a new working copy starts from.
#[derive(Debug, Clone)]
pub enum Start {
    /// An empty form with this label.
    Blank { label: String },
    /// A copy of a shipped form (its latest version and its scenarios).
    Shipped { code: String },
    /// A definition exported elsewhere, as JSON.
    Import { json: Vec<u8> },
}

/// A working copy as the studio shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Draft {
    pub code: String,
    pub definition: FormDefinition,
    pub scenarios: Vec<Scenario>,
    /// What a save must name: the revision its author saw.
    pub revision: i64,
    pub updated_on: String,
    pub updated_by: String,
    /// The newest version published, if any.
    pub published: Option<u32>,
}

/// What the studio says before publishing.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What makes the form invalid: publishing is refused.
    pub problems: Vec<String>,
    /// What would hurt households: said, the author decides.
    pub remarks: Vec<String>,
    pub scenarios: Vec<Outcome>,
}

impl Check {
    /// Sound, with scenarios, every one of them passed.
    pub fn publishable(&self) -> bool {
        self.problems.is_empty()
            && !self.scenarios.is_empty()
            && self.scenarios.iter().all(|s| s.passed)
    }

    /// Why it cannot be published, in sentences.
    pub fn blockers(&self) -> Vec<String> {
        let mut out = self.problems.clone();
        if self.scenarios.is_empty() {
            out.push(
                "il n’a aucun scénario (une demande type et ce qu’elle doit donner) ; il en faut au moins un"
                    .into(),
            );
        }
        for s in self.scenarios.iter().filter(|s| !s.passed) {
            out.push(format!("scénario « {} » : {}", s.name, s.said.join(" ; ")));
        }
        out
    }
}

/// New forms are the administrators'.
fn author(desk: &Desk) -> Result<(), Error> {
    desk.as_administrator()
}

/// A form is its administrators', and, once it is a téléservice placed in a
/// category, that category's managers' too; nobody else's (not found).
fn author_of(tx: &mut TenantTx<'_>, desk: &Desk, code: &str) -> Result<(), Error> {
    if desk.administers() {
        return Ok(());
    }
    let t = crate::store::repo::offer::teleservice(tx, code)?.ok_or(Error::NotFound)?;
    desk.rights
        .permit(crate::agents::rights::Action::Configure, t.category_id)
        .map(drop)
        .map_err(|_| Error::NotFound)
}

/// A form's code made of its label: lower-case letters and dashes.
fn code_of(label: &str) -> String {
    let mut code = String::new();
    for c in label.chars().flat_map(char::to_lowercase) {
        let plain = match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'œ' => 'o',
            c if c.is_ascii_lowercase() => c,
            _ => '-',
        };
        if plain != '-' || !code.ends_with('-') {
            code.push(plain);
        }
    }
    let code: String = code.trim_matches('-').chars().take(48).collect();
    let code = code.trim_end_matches('-');
    if code.is_empty() {
        "formulaire".into()
    } else {
        code.into()
    }
}

/// `code`, or `code-2`, `code-3`… if a shipped form or a working copy of
/// this collectivité has it.
fn free_code(tx: &mut TenantTx<'_>, code: &str) -> Result<String, Error> {
    for n in 1..1000 {
        let candidate = if n == 1 {
            code.to_owned()
        } else {
            format!("{code}-{}", letters(n))
        };
        let shipped = forms::latest(&candidate).is_some();
        if !shipped && rows::draft(tx, &candidate)?.is_none() {
            return Ok(candidate);
        }
    }
    Err(Error::Conflict(
        "trop de formulaires portent déjà ce nom : choisissez-en un autre".into(),
    ))
}

/// A suffix in letters (codes take no digits): 2 → « b », 27 → « aa ».
fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'a' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn scenarios_of(text: &str) -> Vec<Scenario> {
    serde_json::from_str(text).unwrap_or_default()
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Starts a working copy; its code.
pub fn create(tx: &mut TenantTx<'_>, desk: &Desk, start: Start) -> Result<String, Error> {
    author(desk)?;
    let (mut def, scenarios) = match start {
        Start::Blank { label } => {
            let label = label.trim().to_owned();
            if label.is_empty() {
                return Err(Error::Refused(
                    "donnez un nom au téléservice, tel que les usagers le liront".into(),
                ));
            }
            let def = FormDefinition {
                code: code_of(&label),
                version: 1,
                summary: String::new(),
                group: forms::DisplayGroup::Technical,
                subject: forms::SubjectPolicy::Foyer,
                account_needed: true,
                seasonal: false,
                several_per_subject: true,
                justificatifs: Vec::new(),
                lists: Vec::new(),
                steps: vec![Step {
                    key: "demande".into(),
                    title: "Votre demande".into(),
                    intro: String::new(),
                    agent_only: false,
                    fields: Vec::new(),
                }],
                label,
            };
            (def, Vec::new())
        }
        Start::Shipped { code } => {
            let def = forms::latest(&code).ok_or(Error::NotFound)?.clone();
            (def, forms::shipped_scenarios(&code))
        }
        Start::Import { json } => {
            let def = FormDefinition::import(&json)
                .map_err(|faults| Error::Refused(faults.join(" ; ")))?;
            (def, Vec::new())
        }
    };
    def.code = free_code(tx, &def.code)?;
    def.version = 1;
    let now = chrono::Utc::now().naive_utc();
    let row = DraftRow {
        code: def.code.clone(),
        definition: json(&def),
        scenarios: json(&scenarios),
        revision: 1,
        updated_at: now,
        updated_by: desk.name.clone(),
    };
    rows::insert_draft(tx, &row).map_err(|e| match e {
        StoreError::Conflict(_) => Error::Conflict(
            "un autre agent vient de créer un formulaire de ce nom : recommencez".into(),
        ),
        e => e.into(),
    })?;
    audit::record(
        tx,
        Change {
            actor: &desk.name,
            action: "form.create",
            object_type: "form",
            object_id: &def.code,
            before: None,
            after: Some(serde_json::Value::from(def.label.clone())),
        },
    )?;
    Ok(def.code)
}

/// The working copy of `code`.
pub fn draft(tx: &mut TenantTx<'_>, desk: &Desk, code: &str) -> Result<Draft, Error> {
    author_of(tx, desk, code)?;
    let row = rows::draft(tx, code)?.ok_or(Error::NotFound)?;
    draft_of(tx, row)
}

fn draft_of(tx: &mut TenantTx<'_>, row: DraftRow) -> Result<Draft, Error> {
    let published = rows::latest_version(tx, &row.code)?.map(|v| v as u32);
    Ok(Draft {
        definition: serde_json::from_str(&row.definition).map_err(|_| Error::NotFound)?,
        scenarios: scenarios_of(&row.scenarios),
        code: row.code,
        revision: row.revision,
        updated_on: time::datetime_fr(row.updated_at),
        updated_by: row.updated_by,
        published,
    })
}

/// The working copies the agent may author: all of them for an
/// administrator, those of the categories they manage for the others.
pub fn drafts(tx: &mut TenantTx<'_>, desk: &Desk) -> Result<Vec<Draft>, Error> {
    if !desk.configures_some() {
        return Err(Error::NotFound);
    }
    let mut out = Vec::new();
    for row in rows::drafts(tx)? {
        match author_of(tx, desk, &row.code) {
            Ok(()) => out.push(draft_of(tx, row)?),
            Err(Error::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Saves the working copy over revision `seen`; the new revision. Refused,
/// with nothing written, when someone saved in between: the author's text
/// stays with them (the page shows it again) and they are told by whom.
pub fn save(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    seen: i64,
    mut definition: FormDefinition,
    scenarios: &[Scenario],
) -> Result<i64, Error> {
    author_of(tx, desk, code)?;
    let current = rows::draft(tx, code)?.ok_or(Error::NotFound)?;
    if current.revision != seen {
        return Err(Error::Conflict(format!(
            "{} a enregistré ce formulaire le {} pendant que vous le modifiiez : vos changements ne sont pas enregistrés ; ouvrez sa dernière version dans un autre onglet et reportez-les",
            current.updated_by,
            time::datetime_fr(current.updated_at)
        )));
    }
    // The code is the form's name in every request filed with it: fixed.
    definition.code = code.to_owned();
    definition.version = rows::latest_version(tx, code)?.map_or(1, |v| v as u32 + 1);
    let saved = rows::save_draft(
        tx,
        code,
        seen,
        &json(&definition),
        &json(&scenarios),
        chrono::Utc::now().naive_utc(),
        &desk.name,
    )?;
    if !saved {
        return Err(Error::Conflict(
            "un autre agent enregistre ce formulaire au même moment : recommencez dans un instant"
                .into(),
        ));
    }
    Ok(seen + 1)
}

impl Draft {
    /// What the studio says of it before publishing: its problems, its
    /// remarks, its scenarios run.
    pub fn check(&self) -> Check {
        Check {
            problems: self.definition.problems(),
            remarks: self.definition.remarks(),
            scenarios: self
                .scenarios
                .iter()
                .map(|s| s.run(&self.definition))
                .collect(),
        }
    }
}

/// Publishes the working copy the author saw (revision `seen`) as a new
/// version; its number. Nothing is published when the check refuses it,
/// or when someone saved or published in between.
pub fn publish(tx: &mut TenantTx<'_>, desk: &Desk, code: &str, seen: i64) -> Result<u32, Error> {
    let d = draft(tx, desk, code)?;
    if d.revision != seen {
        return Err(Error::Conflict(format!(
            "{} a modifié ce formulaire le {} : relisez-le avant de le publier",
            d.updated_by, d.updated_on
        )));
    }
    let check = d.check();
    if !check.publishable() {
        return Err(Error::Refused(format!(
            "le formulaire n’est pas publié : {}",
            check.blockers().join(" ; ")
        )));
    }
    let version = d.published.map_or(1, |v| v + 1);
    let mut def = d.definition;
    def.version = version;
    rows::insert_version(
        tx,
        &VersionRow {
            code: code.to_owned(),
            version: version as i32,
            definition: json(&def),
            scenarios: json(&d.scenarios),
            published_at: chrono::Utc::now().naive_utc(),
            published_by: desk.name.clone(),
        },
    )
    .map_err(|e| match e {
        StoreError::Conflict(_) => Error::Conflict(
            "un autre agent vient de publier ce formulaire : relisez-le avant de le publier".into(),
        ),
        e => e.into(),
    })?;
    // Its first version makes it a téléservice of the collectivité, offline
    // and outside any category until an administrator places it.
    if crate::store::repo::offer::teleservice(tx, code)?.is_none() {
        crate::store::repo::teleservices::seed(tx, &[(code, def.label.as_str())])?;
    }
    // The working copy goes on as the next version.
    def.version = version + 1;
    rows::save_draft(
        tx,
        code,
        seen,
        &json(&def),
        &json(&d.scenarios),
        chrono::Utc::now().naive_utc(),
        &desk.name,
    )?;
    audit::record(
        tx,
        Change {
            actor: &desk.name,
            action: "form.publish",
            object_type: "form",
            object_id: code,
            before: None,
            after: Some(serde_json::Value::from(version)),
        },
    )?;
    Ok(version)
}

/// The working copy as JSON, for another collectivité to import.
pub fn export(tx: &mut TenantTx<'_>, desk: &Desk, code: &str) -> Result<String, Error> {
    Ok(draft(tx, desk, code)?.definition.export())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_made_of_labels() {
        assert_eq!(
            code_of("Réservation d’une salle municipale"),
            "reservation-d-une-salle-municipale"
        );
        assert_eq!(
            code_of("  Permis de végétaliser !"),
            "permis-de-vegetaliser"
        );
        assert_eq!(code_of("2027"), "formulaire");
        assert_eq!(letters(2), "b");
        assert_eq!(letters(26), "z");
        assert_eq!(letters(27), "aa");
    }
}
