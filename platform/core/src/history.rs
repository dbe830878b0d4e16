//! The histories: what happened to a request, to a foyer, to an online
//! payment, and who did it. Every context writes its lines through [`write`],
//! one typed entry point, so that none calls another to record one (payments,
//! alerts, the contact and the requests themselves) and each line lands in the
//! caller's transaction with the change it tells. The collectivité's and the
//! platform's audit trails (`audit`) are the operators' record, not a
//! history people read, and keep their own shape.

use chrono::Utc;

use crate::domain::payments::PaymentState;
use crate::domain::requests::{ActionKind, RequestState};
use crate::error::Error;
use crate::store::repo::foyers::{self as foyer_rows, HouseholdEventRow};
use crate::store::repo::payments::{self as payment_rows, EventRow};
use crate::store::repo::requests::{self as request_rows, ActionRow};
use crate::store::TenantTx;

/// Who made a change, as the history shows it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub kind: &'static str,
    pub id: Option<i64>,
    pub name: String,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            kind: "system",
            id: None,
            name: "Guichet".into(),
        }
    }
}

/// What changed in a foyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoyerChange {
    Creation,
    Modification,
    Deletion,
    /// The foyer or a member archived, restored, merged.
    StateChange,
}

impl FoyerChange {
    pub fn code(self) -> &'static str {
        match self {
            FoyerChange::Creation => "Creation",
            FoyerChange::Modification => "Modification",
            FoyerChange::Deletion => "Deletion",
            FoyerChange::StateChange => "StateChange",
        }
    }
}

/// One line of a history, by what it is about.
pub enum Line<'a> {
    /// A move or an event of a request, with the state it left the request
    /// in; `public` lines are the household's to read too; `snapshot` keeps
    /// what the line is about (the data as sent, a courrier, a change's
    /// before and after).
    Request {
        request: i64,
        kind: ActionKind,
        actor: &'a Actor,
        state: RequestState,
        note: &'a str,
        public: bool,
        snapshot: Option<String>,
    },
    /// A change to a foyer, or to one of its members (`individual`).
    Foyer {
        household: i64,
        individual: Option<i64>,
        change: FoyerChange,
        actor: &'a Actor,
        summary: String,
        detail: Option<String>,
    },
    /// A step of an online payment: who told it (`source`: the household's
    /// return, the provider's notification, the poller), what they said, and
    /// the state it led to. The provider's words are kept as they came.
    Payment {
        payment: i64,
        source: &'a str,
        outcome: &'a str,
        state: PaymentState,
        data: serde_json::Value,
    },
}

/// Writes one line in the caller's transaction: the change and its line
/// land together or not at all. Returns the line's id.
pub fn write(tx: &mut TenantTx<'_>, line: Line<'_>) -> Result<i64, Error> {
    let at = Utc::now().naive_utc();
    let id = tx.next_id()?;
    match line {
        Line::Request {
            request,
            kind,
            actor,
            state,
            note,
            public,
            snapshot,
        } => request_rows::insert_action(
            tx,
            &ActionRow {
                tenant_id: 0,
                id,
                request_id: request,
                kind: kind.code().into(),
                actor_kind: actor.kind.into(),
                actor_id: actor.id,
                actor_name: actor.name.clone(),
                resulting_state: state.code().into(),
                note: note.into(),
                public,
                snapshot_json: snapshot,
                file_id: None,
                occurred_at: at,
            },
        )?,
        Line::Foyer {
            household,
            individual,
            change,
            actor,
            summary,
            detail,
        } => foyer_rows::insert_event(
            tx,
            &HouseholdEventRow {
                tenant_id: 0,
                id,
                household_id: household,
                individual_id: individual,
                kind: change.code().into(),
                actor_kind: actor.kind.into(),
                actor_id: actor.id,
                actor_name: actor.name.clone(),
                summary,
                detail_json: detail,
                occurred_at: at,
            },
        )?,
        Line::Payment {
            payment,
            source,
            outcome,
            state,
            data,
        } => payment_rows::insert_event(
            tx,
            &EventRow {
                tenant_id: 0,
                id,
                payment_id: payment,
                occurred_at: at,
                source: source.into(),
                outcome: outcome.into(),
                state: state.code().into(),
                data: data.to_string(),
            },
        )?,
    }
    Ok(id)
}
