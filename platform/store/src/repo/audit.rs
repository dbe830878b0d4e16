//! The audit trails: a collectivité's, and the platform's.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::schema::{audit_events, platform_audit_events};
use crate::{DbConnection, StoreError, TenantTx};

/// What changed: the object, and its values before and after (JSON).
pub struct Change<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Queryable)]
pub struct AuditEvent {
    pub id: i64,
    #[serde(serialize_with = "guichet_domain::time::serde_rfc3339::serialize")]
    pub occurred_at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// Records a change, in the caller's transaction: the change and its trace
/// land together or not at all.
pub fn record(tx: &mut TenantTx<'_>, change: Change<'_>) -> Result<i64, StoreError> {
    let id = tx.next_id()?;
    diesel::insert_into(audit_events::table)
        .values((
            tx.tenant_of(audit_events::table),
            audit_events::id.eq(id),
            audit_events::occurred_at.eq(Utc::now().naive_utc()),
            audit_events::actor.eq(change.actor),
            audit_events::action.eq(change.action),
            audit_events::object_type.eq(change.object_type),
            audit_events::object_id.eq(change.object_id),
            audit_events::before_json.eq(change.before.map(|v| v.to_string())),
            audit_events::after_json.eq(change.after.map(|v| v.to_string())),
        ))
        .execute(tx.conn())?;
    Ok(id)
}

/// The latest events first.
pub fn recent(tx: &mut TenantTx<'_>, limit: i64) -> Result<Vec<AuditEvent>, StoreError> {
    Ok(tx
        .rows(audit_events::table)
        .select((
            audit_events::id,
            audit_events::occurred_at,
            audit_events::actor,
            audit_events::action,
            audit_events::object_type,
            audit_events::object_id,
            audit_events::before_json,
            audit_events::after_json,
        ))
        .order(audit_events::id.desc())
        .limit(limit)
        .load(tx.conn())?)
}

/// Records a platform-level event (a super-admin's action, a token issued),
/// in the caller's transaction.
pub fn record_platform(
    conn: &mut DbConnection,
    actor: &str,
    action: &str,
    object_type: &str,
    object_id: &str,
    detail: Option<serde_json::Value>,
) -> Result<(), StoreError> {
    diesel::insert_into(platform_audit_events::table)
        .values((
            platform_audit_events::occurred_at.eq(Utc::now().naive_utc()),
            platform_audit_events::actor.eq(actor),
            platform_audit_events::action.eq(action),
            platform_audit_events::object_type.eq(object_type),
            platform_audit_events::object_id.eq(object_id),
            platform_audit_events::detail_json.eq(detail.map(|v| v.to_string())),
        ))
        .execute(conn)?;
    Ok(())
}

/// The platform's latest events first: (when, actor, action, object id).
pub fn recent_platform(
    conn: &mut DbConnection,
    limit: i64,
) -> Result<Vec<(NaiveDateTime, String, String, String)>, StoreError> {
    Ok(platform_audit_events::table
        .select((
            platform_audit_events::occurred_at,
            platform_audit_events::actor,
            platform_audit_events::action,
            platform_audit_events::object_id,
        ))
        .order(platform_audit_events::id.desc())
        .limit(limit)
        .load(conn)?)
}
