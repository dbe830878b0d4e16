//! A request as data, for the JSON API: its fields, its answers as stored,
//! its justificatifs, its thread, and its history as events. Each line of
//! the history is one event (`ActionKind`), the unit the webhooks will
//! carry. Reading takes no lock.

use serde::Serialize;
use serde_json::Value;

use super::case::{reach, version};
use crate::agents::Desk;
use crate::domain::requests::RequestState;
use crate::domain::time;
use crate::error::Error;
use crate::justificatifs;
use crate::store::repo::requests::{self as repo, ActionRow};
use crate::store::TenantTx;

/// Who did something: an agent, the household, the platform.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub kind: String,
    /// Left out, never null, for the platform: an identifier is never null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: String,
}

/// A line of a request's history.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: i64,
    pub request_id: i64,
    /// The `ActionKind` code: `StateChange`, `Modification`…
    #[serde(rename = "type")]
    pub kind: String,
    pub at: String,
    pub actor: Actor,
    /// The request's state after it.
    pub state: String,
    pub note: String,
    /// Seen by the household.
    pub public: bool,
    /// What the event keeps: a receipt, a certificate, the answers before
    /// and after a correction.
    pub details: Option<Value>,
}

impl Event {
    pub fn of(row: ActionRow) -> Event {
        Event {
            id: row.id,
            request_id: row.request_id,
            kind: row.kind,
            at: time::rfc3339(row.occurred_at),
            actor: Actor {
                kind: row.actor_kind,
                id: row.actor_id,
                name: row.actor_name,
            },
            state: row.resulting_state,
            note: row.note,
            public: row.public,
            details: row
                .snapshot_json
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NoteRecord {
    pub id: i64,
    pub at: String,
    pub author: Actor,
    /// Seen by the household (an agent's note to it, or its own message).
    pub public: bool,
    pub body: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentRecord {
    pub id: i64,
    pub document_type: String,
    pub state: String,
    pub valid_until: Option<String>,
    pub comment: String,
    pub pages: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    pub id: i64,
    pub number: Option<i64>,
    pub teleservice: String,
    /// Left out outside every category: an identifier is never null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_id: Option<i64>,
    pub foyer_id: i64,
    pub requester: String,
    pub subject: String,
    pub state: String,
    pub data_state: String,
    pub submitted_at: Option<String>,
    pub updated_at: String,
    /// Give it back with a transition to refuse it on a changed request.
    pub version: String,
    /// An agent holds the request's lock.
    pub locked: bool,
    /// The household's message for the mairie, typed when sending.
    pub household_note: String,
    /// The answers, by field key, as stored.
    pub data: Value,
    pub documents: Vec<DocumentRecord>,
    pub notes: Vec<NoteRecord>,
    pub events: Vec<Event>,
}

/// A request the agent reaches, as data.
pub fn record(tx: &mut TenantTx<'_>, desk: &Desk, id: i64) -> Result<RequestRecord, Error> {
    let row = reach(tx, desk, id)?;
    let teleservice = crate::store::repo::offer::teleservices(tx)?
        .into_iter()
        .find(|t| t.id == row.teleservice_id)
        .map(|t| t.code)
        .unwrap_or_default();
    let locked = crate::requests::live_lock(tx, id)?.is_some();
    let documents = justificatifs::of_request(tx, row.household_id, id)?
        .into_iter()
        .map(|d| DocumentRecord {
            id: d.id,
            document_type: d.document_type,
            state: d.state_code,
            valid_until: d.valid_until_date.map(|v| v.to_string()),
            comment: d.comment,
            pages: d.pages.len(),
        })
        .collect();
    let notes = repo::notes(tx, id, "agent")?
        .into_iter()
        .map(|n| NoteRecord {
            id: n.id,
            at: time::rfc3339(n.created_at),
            author: Actor {
                kind: n.author_kind,
                id: Some(n.author_id),
                name: n.author_name,
            },
            public: n.public,
            body: n.body,
        })
        .collect();
    let events = repo::actions(tx, id, false)?
        .into_iter()
        .map(Event::of)
        .collect();
    Ok(RequestRecord {
        id: row.id,
        number: row.number,
        teleservice,
        category_id: row.category_id,
        foyer_id: row.household_id,
        requester: row.requester_name.clone(),
        subject: row.subject_name.clone(),
        state: RequestState::parse(&row.state)
            .map_or_else(|| row.state.clone(), |s| s.code().to_owned()),
        data_state: row.data_state.clone(),
        submitted_at: row.submitted_at.map(time::rfc3339),
        updated_at: time::rfc3339(row.updated_at),
        version: version(&row),
        locked,
        household_note: row.household_note.clone(),
        data: serde_json::from_str(&row.data_json).unwrap_or(Value::Null),
        documents,
        notes,
        events,
    })
}
