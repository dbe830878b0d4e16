//! The histories: who did what to a request, and when. Every context that
//! changes a request writes its line here, so that none calls another to
//! record one (payments, alerts, the contact and the requests themselves).

use chrono::Utc;

use crate::domain::requests::{ActionKind, RequestState};
use crate::error::Error;
use crate::store::repo::requests::{self as repo, ActionRow};
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

/// Writes one line of a request's history; `public` lines are the
/// household's to read too.
#[allow(clippy::too_many_arguments)]
pub fn request_action(
    tx: &mut TenantTx<'_>,
    request: i64,
    kind: ActionKind,
    actor: &Actor,
    state: RequestState,
    note: &str,
    public: bool,
    snapshot: Option<String>,
) -> Result<i64, Error> {
    let id = tx.next_id()?;
    repo::insert_action(
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
            occurred_at: Utc::now().naive_utc(),
        },
    )?;
    Ok(id)
}
