//! A request's data in words: each step's questions with the answers as
//! people read them (labels of choices, names of people and schools). What
//! the summary page, the receipt and the back office show.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::definition::{Choice, Field, FieldKind, FormDefinition};
use super::validate::Context;
use crate::foyer::Address;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub label: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepSummary {
    pub key: String,
    pub title: String,
    pub answers: Vec<Answer>,
}

/// The household's steps with their answers; fields without a value are
/// left out. `agent_steps` adds the steps agents fill.
pub fn summarize(
    def: &FormDefinition,
    data: &Map<String, Value>,
    ctx: &Context,
    agent_steps: bool,
) -> Vec<StepSummary> {
    def.steps
        .iter()
        .filter(|s| agent_steps || !s.agent_only)
        .map(|step| StepSummary {
            key: step.key.clone(),
            title: step.title.clone(),
            answers: step
                .fields
                .iter()
                .filter_map(|f| {
                    data.get(&f.key).map(|v| Answer {
                        label: f.label.clone(),
                        text: text_of(f, v, ctx),
                    })
                })
                .collect(),
        })
        .collect()
}

/// One value in words.
pub fn text_of(field: &Field, value: &Value, ctx: &Context) -> String {
    match (field.kind, value) {
        (FieldKind::YesNo, Value::Bool(b)) => if *b { "Oui" } else { "Non" }.into(),
        (FieldKind::Consent, Value::Bool(true)) => "Oui".into(),
        (FieldKind::Date, Value::String(s)) => super::parse_date(s)
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|| s.clone()),
        (FieldKind::OneOf, Value::String(k)) => label_of(ctx.choices(field), k),
        (FieldKind::ManyOf, Value::Array(keys)) => keys
            .iter()
            .filter_map(Value::as_str)
            .map(|k| label_of(ctx.choices(field), k))
            .collect::<Vec<_>>()
            .join(", "),
        (FieldKind::Facility, Value::Number(n)) => {
            let kind = field.facility.unwrap_or(super::FacilityKind::School);
            name_of(ctx.facilities(kind), n.as_i64())
        }
        (FieldKind::Individual, Value::Number(n)) => {
            let kind = field.members.unwrap_or(super::MemberKind::Any);
            name_of(&ctx.members(kind), n.as_i64())
        }
        (FieldKind::Address, v) => serde_json::from_value::<Address>(v.clone())
            .map(|a| a.one_line())
            .unwrap_or_default(),
        (FieldKind::Group, Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let parts: Vec<String> = field
                    .fields
                    .iter()
                    .filter_map(|sub| {
                        item.get(&sub.key)
                            .map(|v| format!("{} : {}", sub.label, text_of(sub, v, ctx)))
                    })
                    .collect();
                format!("{} {} — {}", field.item_label, i + 1, parts.join(" ; "))
            })
            .collect::<Vec<_>>()
            .join("\n"),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Number(n)) => n.to_string(),
        (_, other) => other.to_string(),
    }
}

/// A choice's label (a retired one keeps its key, so that it still reads).
fn label_of(choices: &[Choice], key: &str) -> String {
    fn find<'a>(choices: &'a [Choice], key: &str) -> Option<&'a Choice> {
        choices.iter().find_map(|c| {
            if c.key == key {
                Some(c)
            } else {
                find(&c.children, key)
            }
        })
    }
    find(choices, key).map_or_else(|| key.to_owned(), |c| c.label.clone())
}

fn name_of(list: &[(i64, String)], id: Option<i64>) -> String {
    id.and_then(|id| list.iter().find(|(i, _)| *i == id))
        .map_or_else(|| "—".to_owned(), |(_, n)| n.clone())
}
