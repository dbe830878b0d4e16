//! The audit trails: a collectivité's (who did what, when, before and after)
//! and the platform's. Their rows are the store's (`repo::audit`); here, which
//! trail an event goes to.

use crate::sessions::{Plane, SessionPrincipal};
use crate::store::{Store, StoreError};
use crate::tenancy::TenantId;

pub use crate::store::repo::audit::{
    recent, recent_platform, record, record_platform, AuditEvent, Change,
};

/// A sign-in or sign-out (`action`: "session.sign-in", "session.sign-out"):
/// into the collectivité's trail for its agents and households, into the
/// platform's for super-admins.
pub fn session_event(
    store: &Store,
    who: &SessionPrincipal,
    actor: &str,
    action: &str,
    plane: Plane,
) -> Result<(), StoreError> {
    let detail = serde_json::json!({ "plane": plane.as_str() });
    match who.tenant {
        None => store.platform_write(|c| {
            record_platform(c, actor, action, "session", &who.id, Some(detail))
        }),
        Some(t) => store.write(TenantId::from_row(t), |tx| {
            record(
                tx,
                Change {
                    actor,
                    action,
                    object_type: "session",
                    object_id: &who.id,
                    before: None,
                    after: Some(detail),
                },
            )
            .map(drop)
        }),
    }
}
