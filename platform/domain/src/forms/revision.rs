//! Carrying a request from one version of its form to the next: its answers
//! that still fit are kept, answers to questions gone are set aside (the
//! request's history keeps them), a step with a new question to answer is
//! asked again; a request whose answer no longer fits stays where it is,
//! with why.

use serde_json::{Map, Value};

use super::definition::FormDefinition;
use super::validate::{to_input, validate_step, Context};

/// What a move gives.
#[derive(Debug, Clone, PartialEq)]
pub enum Move {
    Moved(Moved),
    /// It stays on its version: each reason in words an agent reads.
    Stays(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Moved {
    /// The answers on the new version.
    pub data: Map<String, Value>,
    /// The steps still done (those asked again left out).
    pub steps_done: Vec<String>,
    /// Answers to questions the new version no longer asks (or hides):
    /// key, the old label, the answer.
    pub set_aside: Vec<(String, String, Value)>,
    /// Household steps with a question to answer: key and title.
    pub asked: Vec<(String, String)>,
}

/// Moves `data` (filed with `old`, its household steps in `steps_done`) onto
/// `new`, as [`Move`] says.
pub fn carry(
    old: &FormDefinition,
    new: &FormDefinition,
    data: &Map<String, Value>,
    steps_done: &[String],
    ctx: &Context,
) -> Move {
    let label_in_old = |key: &str| {
        old.field(key)
            .map_or_else(|| key.to_owned(), |f| f.label.clone())
    };
    let mut kept = Map::new();
    let mut stays = Vec::new();
    let mut asked = Vec::new();
    let agent_keys: Vec<&str> = new
        .steps
        .iter()
        .filter(|s| s.agent_only)
        .flat_map(|s| s.fields.iter().map(|f| f.key.as_str()))
        .collect();
    // What conditions may look at: the answers the new version still asks.
    let earlier: Map<String, Value> = data
        .iter()
        .filter(|(k, _)| new.field(k).is_some())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for step in new.household_steps() {
        let input = to_input(step, data);
        match validate_step(step, &input, &earlier, ctx) {
            Ok(values) => kept.extend(values),
            Err(errors) => {
                let mut unanswered = true;
                for e in &errors {
                    let key = e.field.split('.').next().unwrap_or_default();
                    if data.contains_key(key) {
                        unanswered = false;
                        stays.push(format!(
                            "« {} » : la réponse donnée ne convient plus à la nouvelle version ({})",
                            label_in_old(key),
                            e.message
                        ));
                    }
                }
                if unanswered {
                    // New questions only: a step done is asked again (one
                    // not done yet will be anyway), and what was answered in
                    // it is kept.
                    if steps_done.contains(&step.key) {
                        asked.push((step.key.clone(), step.title.clone()));
                    }
                    for f in &step.fields {
                        if let Some(v) = data.get(&f.key) {
                            kept.insert(f.key.clone(), v.clone());
                        }
                    }
                }
            }
        }
    }
    if !stays.is_empty() {
        return Move::Stays(stays);
    }
    // Agents' own answers go on where their fields remain.
    for key in agent_keys {
        if let Some(v) = data.get(key) {
            kept.insert(key.to_owned(), v.clone());
        }
    }
    let set_aside = data
        .iter()
        .filter(|(k, _)| !kept.contains_key(*k))
        .map(|(k, v)| (k.clone(), label_in_old(k), v.clone()))
        .collect();
    let steps_done = steps_done
        .iter()
        .filter(|s| new.step(s).is_some() && !asked.iter().any(|(k, _)| k == *s))
        .cloned()
        .collect();
    Move::Moved(Moved {
        data: kept,
        steps_done,
        set_aside,
        asked,
    })
}
