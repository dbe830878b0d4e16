//! Executable scenarios: what a household types, step by step, and what the
//! engine must accept or refuse. Each téléservice carries at least one; the
//! studio runs them before publishing a version, the test suite runs the
//! shipped ones (`platform/domain/forms/scenarios/{code}.toml`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Map;

use super::definition::{Choice, Field, FieldKind, FormDefinition, MemberKind, READABLE};
use super::validate::{validate_step, Context, Input};
use crate::foyer::ADDRESS_PARTS;

/// One scenario.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What it shows, as a sentence (« sans date de collecte, refusée »).
    pub name: String,
    /// By step key: each input's name (as the step's form sends it:
    /// `place.city`, `contacts.0.last_name`) and what is typed or ticked.
    #[serde(default)]
    pub steps: BTreeMap<String, BTreeMap<String, Typed>>,
    /// The inputs that must be refused; none: the request is accepted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<String>,
}

/// What one input receives: a value, or the boxes ticked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Typed {
    One(String),
    Many(Vec<String>),
}

/// The scenarios of one form code.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scenarios {
    pub code: String,
    #[serde(default)]
    pub scenario: Vec<Scenario>,
}

/// A scenario run: whether the engine did what it says, and if not, why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Outcome {
    pub name: String,
    pub passed: bool,
    pub said: Vec<String>,
}

/// The day scenarios are run on, so that their dates mean the same every day.
pub fn scenario_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 3, 15).expect("a date")
}

/// The world a scenario runs in: a foyer of two adults and a child, an école
/// and a centre de loisirs, the form's lists with the entries it declares,
/// the collectivité's readable documents.
pub fn scenario_context(def: &FormDefinition) -> Context {
    Context {
        lists: def
            .lists
            .iter()
            .map(|l| (l.name.clone(), l.entries.clone()))
            .collect(),
        schools: vec![(1, "École Jules-Ferry".into())],
        leisure_centres: vec![(2, "Centre de loisirs des Tilleuls".into())],
        adults: vec![(10, "Marie Durand".into()), (11, "Paul Durand".into())],
        children: vec![(12, "Léo Durand".into())],
        today: scenario_day(),
        documents: READABLE.iter().map(|d| (*d).to_owned()).collect(),
    }
}

impl Scenario {
    /// Runs the scenario on `def`: each household step in order, as if typed.
    pub fn run(&self, def: &FormDefinition) -> Outcome {
        let ctx = scenario_context(def);
        let mut said = Vec::new();
        for key in self.steps.keys() {
            if !def.household_steps().any(|s| &s.key == key) {
                said.push(format!("étape « {key} » inconnue du formulaire"));
            }
        }
        let mut data = Map::new();
        let mut refused: Vec<String> = Vec::new();
        for step in def.household_steps() {
            let input = self.steps.get(&step.key).map(input_of).unwrap_or_default();
            match validate_step(step, &input, &data, &ctx) {
                Ok(values) => data.extend(values),
                Err(errors) => refused.extend(errors.into_iter().map(|e| {
                    if e.field.is_empty() {
                        e.message
                    } else {
                        e.field
                    }
                })),
            }
        }
        for name in &refused {
            if !self.refused.contains(name) {
                said.push(format!("« {name} » refusé, contrairement au scénario"));
            }
        }
        for name in &self.refused {
            if !refused.contains(name) {
                said.push(format!("« {name} » accepté, le scénario le voulait refusé"));
            }
        }
        Outcome {
            name: self.name.clone(),
            passed: said.is_empty(),
            said,
        }
    }

    /// A first scenario for `def`, that a household filling every field
    /// shown with a plausible answer would make: what the studio proposes to
    /// start from. A text under a rule is left for the author to write.
    pub fn sample(def: &FormDefinition) -> Scenario {
        let ctx = scenario_context(def);
        let mut steps = BTreeMap::new();
        let mut data = Map::new();
        for step in def.household_steps() {
            let mut typed = BTreeMap::new();
            for field in &step.fields {
                if let Some(cond) = &field.show_if {
                    let here = typed_value(def, &cond.field, &typed);
                    if !cond.holds(data.get(&cond.field).or(here.as_ref())) {
                        continue;
                    }
                }
                sample_field(field, &field.key, &ctx, &mut typed);
            }
            if let Ok(values) = validate_step(step, &Input::new(pairs(&typed)), &data, &ctx) {
                data.extend(values);
            }
            steps.insert(step.key.clone(), typed);
        }
        Scenario {
            name: format!(
                "une demande « {} » remplie en entier est acceptée",
                def.label
            ),
            steps,
            refused: Vec::new(),
        }
    }
}

/// The value a condition sees of field `key`, from what the sample typed in
/// the step so far (conditions look at yes/no and choices only).
fn typed_value(
    def: &FormDefinition,
    key: &str,
    typed: &BTreeMap<String, Typed>,
) -> Option<serde_json::Value> {
    use serde_json::Value;
    let field = def.field(key)?;
    Some(match (field.kind, typed.get(key)?) {
        (FieldKind::YesNo, Typed::One(v)) => Value::Bool(v == "oui"),
        (_, Typed::One(v)) => Value::String(v.clone()),
        (_, Typed::Many(vs)) => Value::Array(vs.iter().cloned().map(Value::String).collect()),
    })
}

fn pairs(typed: &BTreeMap<String, Typed>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, t) in typed {
        match t {
            Typed::One(v) => out.push((name.clone(), v.clone())),
            Typed::Many(vs) => out.extend(vs.iter().map(|v| (name.clone(), v.clone()))),
        }
    }
    out
}

fn input_of(typed: &BTreeMap<String, Typed>) -> Input {
    Input::new(pairs(typed))
}

fn first_leaves(choices: &[Choice], n: usize, out: &mut Vec<String>) {
    for c in choices {
        if out.len() >= n {
            return;
        }
        if c.children.is_empty() {
            out.push(c.key.clone());
        } else {
            first_leaves(&c.children, n, out);
        }
    }
}

fn sample_field(field: &Field, name: &str, ctx: &Context, out: &mut BTreeMap<String, Typed>) {
    let mut one = |v: String| {
        out.insert(name.to_owned(), Typed::One(v));
    };
    let day = |d: chrono::Days, later: bool| {
        let today = ctx.today;
        if later {
            today.checked_add_days(d)
        } else {
            today.checked_sub_days(d)
        }
        .unwrap_or(today)
        .format("%d/%m/%Y")
        .to_string()
    };
    use super::definition::DateRule;
    match field.kind {
        FieldKind::Text if field.rule.is_some() => {}
        FieldKind::Text => one("Exemple".into()),
        FieldKind::LongText => one("Un texte d’exemple.".into()),
        FieldKind::Email => one("marie.durand@example.fr".into()),
        FieldKind::Phone => one("0612345678".into()),
        FieldKind::PostalCode => one("75001".into()),
        FieldKind::Date => one(match field.dates.unwrap_or(DateRule::Any) {
            DateRule::Past => day(chrono::Days::new(8 * 365), false),
            DateRule::Future => day(chrono::Days::new(30), true),
            DateRule::Any => day(chrono::Days::new(0), true),
        }),
        FieldKind::Number => {
            let n = field
                .min
                .unwrap_or(1)
                .max(field.max.map_or(1, |m| m.min(1)));
            one(n.to_string());
        }
        FieldKind::YesNo | FieldKind::Consent => one("oui".into()),
        FieldKind::OneOf => {
            let mut keys = Vec::new();
            first_leaves(ctx.choices(field), 1, &mut keys);
            if let Some(k) = keys.pop() {
                one(k);
            }
        }
        FieldKind::ManyOf => {
            let mut keys = Vec::new();
            first_leaves(
                ctx.choices(field),
                field.min.unwrap_or(1).max(1) as usize,
                &mut keys,
            );
            out.insert(name.to_owned(), Typed::Many(keys));
        }
        FieldKind::Facility => {
            let kind = field
                .facility
                .unwrap_or(super::definition::FacilityKind::School);
            if let Some((id, _)) = ctx.facilities(kind).first() {
                one(id.to_string());
            }
        }
        FieldKind::Individual => {
            if let Some((id, _)) = ctx
                .members(field.members.unwrap_or(MemberKind::Any))
                .first()
            {
                one(id.to_string());
            }
        }
        FieldKind::Address => {
            for (part, value) in [
                ("street_number", "1"),
                ("street_name", "rue de la Paix"),
                ("postal_code", "75001"),
                ("city", "Paris"),
            ] {
                debug_assert!(ADDRESS_PARTS.iter().any(|(p, _, _)| *p == part));
                out.insert(format!("{name}.{part}"), Typed::One(value.into()));
            }
        }
        FieldKind::Group => {
            for sub in &field.fields {
                sample_field(sub, &format!("{name}.0.{}", sub.key), ctx, out);
            }
        }
    }
}
