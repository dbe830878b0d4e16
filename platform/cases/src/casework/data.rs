//! An agent corrects a request's data, one step at a time, while the
//! request is under instruction (in progress, incomplete, rectified): with
//! the household's own validation rules, under the lock and version checks
//! of the request's page, each change kept in the history with what the
//! answers were before and after (agent-only steps stay out of the
//! household's view).

use serde_json::{json, Map, Value};

use super::case::{touched, version, writable};
use crate::agents::Desk;
use crate::domain::forms::{validate_step, Context, Input, Step};
use crate::domain::requests::{ActionKind, RequestState};
use crate::error::Error;
use crate::foyers;
use crate::history;
use crate::requests::{self, Filed};
use crate::store::TenantTx;

/// What the agent's step form needs: the request, what its choices draw
/// from, the page's version.
pub struct Editing {
    pub filed: Filed,
    pub ctx: Context,
    pub version: String,
}

fn editable(row_state: &str) -> Result<(), Error> {
    let state = RequestState::parse(row_state).unwrap_or(RequestState::Pending);
    if state.editable_by_agent() {
        Ok(())
    } else {
        Err(Error::Refused(format!(
            "les données d’une demande « {} » ne se modifient pas : passez-la d’abord « en cours de traitement »",
            state.label().to_lowercase()
        )))
    }
}

fn step<'a>(f: &'a Filed, key: &str) -> Result<&'a Step, Error> {
    f.form
        .steps
        .iter()
        .find(|s| s.key == key)
        .ok_or(Error::NotFound)
}

/// The request's step as the agent's form shows it; refused outside
/// instruction or to an agent who may not process it now.
pub fn editing(tx: &mut TenantTx<'_>, desk: &Desk, id: i64, key: &str) -> Result<Editing, Error> {
    let row = writable(tx, desk, id, None)?;
    editable(&row.state)?;
    let filed = requests::filed(tx, row.household_id, id)?;
    step(&filed, key)?;
    let foyer = foyers::foyer(tx, row.household_id)?;
    let ctx = requests::context(tx, &filed.offer, Some(&foyer), true)?;
    Ok(Editing {
        version: version(&row),
        filed,
        ctx,
    })
}

/// Saves the agent's correction of a step: all of it or nothing; on
/// refusal, the messages by field. Nothing changed, nothing recorded.
pub fn edit_step(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    seen: &str,
    key: &str,
    input: &Input,
) -> Result<(), Error> {
    let row = writable(tx, desk, id, Some(seen))?;
    editable(&row.state)?;
    let f = requests::filed(tx, row.household_id, id)?;
    let step = step(&f, key)?;
    let foyer = foyers::foyer(tx, row.household_id)?;
    let ctx = requests::context(tx, &f.offer, Some(&foyer), true)?;
    let mut data = f.data.clone();
    for field in &step.fields {
        data.remove(&field.key);
    }
    let values = match validate_step(step, input, &data, &ctx) {
        Ok(v) => v,
        Err(errors) => return Err(Error::Invalid(errors)),
    };
    let (mut before, mut after) = (Map::new(), Map::new());
    for field in &step.fields {
        let (old, new) = (f.data.get(&field.key), values.get(&field.key));
        if old != new {
            before.insert(field.key.clone(), old.cloned().unwrap_or(Value::Null));
            after.insert(field.key.clone(), new.cloned().unwrap_or(Value::Null));
        }
    }
    if after.is_empty() {
        return Ok(());
    }
    data.extend(values);
    let note = requests::worded_changes(&f, &f.data, &data, &ctx, step);
    let mut updated = row.clone();
    updated.data_json = Value::Object(data).to_string();
    crate::store::repo::requests::update(tx, &updated)?;
    let state = RequestState::parse(&row.state).unwrap_or(RequestState::Pending);
    let snapshot = json!({ "step": key, "before": before, "after": after }).to_string();
    history::write(
        tx,
        history::Line::Request {
            request: id,
            kind: ActionKind::Modification,
            actor: &super::case::me(desk),
            state,
            note: &note,
            public: !step.agent_only,
            snapshot: Some(snapshot),
        },
    )?;
    touched(tx, desk, &updated)?;
    Ok(())
}

/// The agent's verdict on the request's data: checked, or to be corrected;
/// given once, while they wait to be checked (sending the request again
/// puts them back to « à vérifier »).
pub fn check_data(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    seen: &str,
    verdict: &str,
) -> Result<(), Error> {
    let row = writable(tx, desk, id, Some(seen))?;
    let note = match verdict {
        "Valid" => "Données vérifiées",
        "Invalid" => "Données à corriger",
        _ => {
            return Err(crate::error::invalid(
                "data_state",
                "choisissez « données vérifiées » ou « données à corriger »",
            ))
        }
    };
    if row.data_state != "Pending" {
        return Err(Error::Refused(
            "les données de cette demande sont déjà vérifiées : elles seront à vérifier de nouveau si le foyer la renvoie".into(),
        ));
    }
    let mut updated = row.clone();
    updated.data_state = verdict.to_owned();
    crate::store::repo::requests::update(tx, &updated)?;
    let state = RequestState::parse(&row.state).unwrap_or(RequestState::Pending);
    let me = super::case::me(desk);
    history::write(
        tx,
        history::Line::Request {
            request: id,
            kind: ActionKind::DataCheck,
            actor: &me,
            state,
            note,
            public: false,
            snapshot: None,
        },
    )?;
    touched(tx, desk, &updated)
}
