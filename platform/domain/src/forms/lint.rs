//! What hurts the people who fill a form, beyond what makes it invalid
//! ([`FormDefinition::problems`]): labels that say nothing, a format asked
//! for without a word on it, a condition that can never hold, a step with
//! nothing to fill, a choice of one. Said to the form's author before
//! publishing; each remark can be fixed or knowingly kept.

use serde_json::Value;

use super::definition::{Choice, Condition, Field, FieldKind, FormDefinition};

/// Labels that name no question (compared without case or final colon).
const SAYS_NOTHING: &[&str] = &[
    "champ",
    "texte",
    "question",
    "valeur",
    "réponse",
    "reponse",
    "information",
    "informations",
    "info",
    "infos",
    "divers",
    "autre",
    "saisie",
    "donnée",
    "donnees",
    "données",
    "zone",
    "case",
    "liste",
    "choix",
    "date",
    "nombre",
    "commentaire",
];

impl FormDefinition {
    /// What would hurt a household filling this form, in words its author
    /// reads; empty when nothing does. Invalid definitions are
    /// [`FormDefinition::problems`]' business, not this.
    pub fn remarks(&self) -> Vec<String> {
        let mut out = Vec::new();
        for step in self.household_steps() {
            if step.fields.is_empty() {
                out.push(format!(
                    "étape « {} » : aucun champ à remplir ; retirez-la ou ajoutez-lui des questions",
                    step.title
                ));
            }
        }
        for step in &self.steps {
            for f in &step.fields {
                self.field_remarks(f, &mut out);
                for sub in &f.fields {
                    self.field_remarks(sub, &mut out);
                }
            }
        }
        out
    }

    fn field_remarks(&self, f: &Field, out: &mut Vec<String>) {
        let name = &f.key;
        let mut say = |what: String| out.push(format!("champ « {name} » : {what}"));
        let label = f.label.trim().trim_end_matches(':').trim().to_lowercase();
        if !label.is_empty()
            && (label.chars().filter(|c| c.is_alphabetic()).count() < 3
                || SAYS_NOTHING.contains(&label.as_str())
                || label == f.key.replace('_', " "))
        {
            say(format!(
                "le libellé « {} » ne dit pas ce qui est demandé",
                f.label.trim()
            ));
        }
        if f.required && f.help.trim().is_empty() {
            let format = match f.kind {
                FieldKind::Phone => Some(("un numéro de téléphone demandé", "06 12 34 56 78")),
                FieldKind::Date => Some(("une date demandée", "jj/mm/aaaa")),
                FieldKind::Number => Some(("un nombre demandé", "en chiffres, par exemple 2")),
                FieldKind::Text | FieldKind::LongText if f.rule.is_some() => Some((
                    "un texte d’une forme imposée",
                    "un exemple de la forme attendue",
                )),
                _ => None,
            };
            if let Some((what, example)) = format {
                say(format!(
                    "{what} sans dire sa forme : écrivez-la dans l’aide (« Format attendu : {example} »)"
                ));
            }
        }
        if matches!(f.kind, FieldKind::OneOf | FieldKind::ManyOf)
            && f.list.is_none()
            && leaves(&f.options) == 1
        {
            say(
                "un seul choix possible : une case d’engagement ou un texte conviendrait mieux"
                    .into(),
            );
        }
        if let Some(cond) = &f.show_if {
            if let Some(trigger) = self.field(&cond.field) {
                if never_holds(cond, trigger) {
                    say(format!(
                        "la condition sur « {} » ne peut jamais être remplie : le champ ne sera jamais montré",
                        cond.field
                    ));
                }
            }
        }
    }
}

fn leaves(choices: &[Choice]) -> usize {
    choices
        .iter()
        .map(|c| {
            if c.children.is_empty() {
                1
            } else {
                leaves(&c.children)
            }
        })
        .sum()
}

fn leaf_keys<'a>(choices: &'a [Choice], out: &mut Vec<&'a str>) {
    for c in choices {
        if c.children.is_empty() {
            out.push(&c.key);
        } else {
            leaf_keys(&c.children, out);
        }
    }
}

/// Whether no answer of `trigger` can make `cond` hold. Unknown for a
/// paramètre list (the collectivité adds entries): never said then.
fn never_holds(cond: &Condition, trigger: &Field) -> bool {
    let values: Vec<&Value> = cond.equals.iter().chain(cond.any_of.iter()).collect();
    if values.is_empty() {
        return false;
    }
    let possible: Vec<Value> = match trigger.kind {
        FieldKind::YesNo => vec![Value::Bool(true), Value::Bool(false)],
        FieldKind::OneOf | FieldKind::ManyOf if trigger.list.is_none() => {
            let mut keys = Vec::new();
            leaf_keys(&trigger.options, &mut keys);
            keys.into_iter().map(|k| Value::String(k.into())).collect()
        }
        _ => return false,
    };
    let named = |p: &Value| values.contains(&p);
    if cond.not {
        // « not one of these »: never when every answer is among them and
        // an answer is needed (a one-of left empty would hold).
        trigger.kind != FieldKind::ManyOf && trigger.required && possible.iter().all(named)
    } else {
        !possible.iter().any(named)
    }
}
