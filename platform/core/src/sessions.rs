//! Sessions as data: who a session belongs to, its row in the `sessions`
//! table, revocation and purge. The HTTP side (cookie, actix-session store,
//! extractors) is `web::session`.

use std::collections::HashMap;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::repo::sessions::{self as rows, Owner};
use crate::store::{DbConnection, Store, StoreError};
use crate::tenancy::TenantId;

pub use rows::purge_ended;

/// The three planes, each with its own session cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plane {
    Portal,
    Backoffice,
    Provisioning,
}

impl Plane {
    pub fn as_str(self) -> &'static str {
        match self {
            Plane::Portal => "portal",
            Plane::Backoffice => "backoffice",
            Plane::Provisioning => "provisioning",
        }
    }

    /// `__Host-` cookies (HTTPS only, this host only, path `/`) when secure.
    pub fn cookie_name(self, secure: bool) -> String {
        let base = match self {
            Plane::Portal => "guichet_portail",
            Plane::Backoffice => "guichet_agents",
            Plane::Provisioning => "guichet_provisioning",
        };
        if secure {
            format!("__Host-{base}")
        } else {
            base.to_owned()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKind {
    SuperAdmin,
    Agent,
    Household,
}

impl PrincipalKind {
    fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::SuperAdmin => "superadmin",
            PrincipalKind::Agent => "agent",
            PrincipalKind::Household => "household",
        }
    }
}

/// Who a session belongs to: kept in the session's state and, for revocation,
/// in the row's own columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionPrincipal {
    pub kind: PrincipalKind,
    /// `None` for the platform's super-admins.
    pub tenant: Option<i64>,
    /// The principal's id within its collectivité (an agent's row id, a
    /// household's account id) or a super-admin's login.
    pub id: String,
}

impl SessionPrincipal {
    pub fn agent(tenant: TenantId, agent_id: i64) -> SessionPrincipal {
        SessionPrincipal {
            kind: PrincipalKind::Agent,
            tenant: Some(tenant.get()),
            id: agent_id.to_string(),
        }
    }

    /// A household's session: the id of the person signed in.
    pub fn household(tenant: TenantId, individual: i64) -> SessionPrincipal {
        SessionPrincipal {
            kind: PrincipalKind::Household,
            tenant: Some(tenant.get()),
            id: individual.to_string(),
        }
    }

    pub fn super_admin(login: &str) -> SessionPrincipal {
        SessionPrincipal {
            kind: PrincipalKind::SuperAdmin,
            tenant: None,
            id: login.to_owned(),
        }
    }

    /// True when this principal belongs to that collectivité.
    pub fn belongs_to(&self, tenant: TenantId) -> bool {
        self.tenant == Some(tenant.get())
    }
}

/// The state key under which a session keeps its principal.
pub const WHO: &str = "who";

/// Deletes the sessions of a principal, on every plane or on one; returns how many.
pub fn revoke(
    conn: &mut DbConnection,
    who: &SessionPrincipal,
    plane: Option<Plane>,
) -> Result<usize, StoreError> {
    rows::delete_of(
        conn,
        who.kind.as_str(),
        &who.id,
        who.tenant,
        plane.map(Plane::as_str),
    )
}

/// The row id of a session key: its SHA-256, in hex.
pub fn digest(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Last-seen times are written at most this often, to spare a write per request.
const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

/// The principal a state names, for the row's own columns.
fn owner(state: &HashMap<String, String>) -> Owner<'static> {
    match state
        .get(WHO)
        .and_then(|v| serde_json::from_str::<SessionPrincipal>(v).ok())
    {
        Some(who) => Owner {
            tenant_id: who.tenant,
            principal_kind: Some(who.kind.as_str()),
            principal_id: Some(who.id),
        },
        None => Owner {
            tenant_id: None,
            principal_kind: None,
            principal_id: None,
        },
    }
}

/// The state of session `id` of `plane`, if it has not ended (an ended one
/// is deleted on the way); its last-seen time is refreshed.
pub fn load(
    store: &Store,
    id: &str,
    plane: Plane,
    idle: chrono::Duration,
) -> Result<Option<HashMap<String, String>>, StoreError> {
    let now = Utc::now().naive_utc();
    let Some(row) = store.platform_lookup(|c| rows::get(c, id))? else {
        return Ok(None);
    };
    if row.plane != plane.as_str() {
        return Ok(None);
    }
    if row.expires_at <= now || row.last_seen_at + idle <= now {
        delete(store, id)?;
        return Ok(None);
    }
    if now - row.last_seen_at >= TOUCH_EVERY {
        store.platform_write(|c| rows::touch(c, id, now))?;
    }
    Ok(serde_json::from_str(&row.state).ok())
}

/// A new session row; it ends at the latest `max` from now.
pub fn insert(
    store: &Store,
    id: &str,
    plane: Plane,
    state: &HashMap<String, String>,
    max: chrono::Duration,
) -> Result<(), StoreError> {
    let text = serde_json::to_string(state).unwrap_or_else(|_| "{}".into());
    store.platform_write(|c| rows::insert(c, id, plane.as_str(), owner(state), &text, max))
}

/// Replaces a session's state; false when the row is gone (revoked meanwhile).
pub fn update(
    store: &Store,
    id: &str,
    state: &HashMap<String, String>,
) -> Result<bool, StoreError> {
    let text = serde_json::to_string(state).unwrap_or_else(|_| "{}".into());
    let n = store.platform_write(|c| rows::update(c, id, owner(state), &text))?;
    Ok(n == 1)
}

pub fn delete(store: &Store, id: &str) -> Result<(), StoreError> {
    store.platform_write(|c| rows::delete(c, id))
}
