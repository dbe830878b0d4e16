//! The directory groups every collectivité has; other groups found in the
//! directory are kept as they are.

use diesel::prelude::*;

use crate::directory::GroupRecord;
use crate::store::schema::{directory_groups, group_members};
use crate::store::{StoreError, TenantTx};

/// Manages the collectivité's agents and referentials in provisioning.
pub const REFERENTIAL_ADMIN: &str = "referential-admin";
/// Administers the collectivité's back office.
pub const ADMIN: &str = "admin";
/// Instructs requests in the back office.
pub const AGENT: &str = "agent";

pub fn builtin() -> Vec<GroupRecord> {
    [
        (REFERENTIAL_ADMIN, "Administrateurs du référentiel"),
        (ADMIN, "Administrateurs Guichet"),
        (AGENT, "Agents instructeurs"),
    ]
    .into_iter()
    .map(|(name, label)| GroupRecord {
        name: name.into(),
        label: label.into(),
    })
    .collect()
}

/// The collectivité's groups: (id, name, label), by name.
pub fn list(tx: &mut TenantTx<'_>) -> Result<Vec<(i64, String, String)>, StoreError> {
    let tenant = tx.tenant_key();
    Ok(directory_groups::table
        .filter(directory_groups::tenant_id.eq(tenant))
        .select((
            directory_groups::id,
            directory_groups::name,
            directory_groups::label,
        ))
        .order(directory_groups::name)
        .load(tx.conn())?)
}

pub fn insert(tx: &mut TenantTx<'_>, g: &GroupRecord) -> Result<i64, StoreError> {
    let id = tx.next_id()?;
    let tenant = tx.tenant_key();
    diesel::insert_into(directory_groups::table)
        .values((
            directory_groups::tenant_id.eq(tenant),
            directory_groups::id.eq(id),
            directory_groups::name.eq(&g.name),
            directory_groups::label.eq(&g.label),
        ))
        .execute(tx.conn())?;
    Ok(id)
}

/// Makes the agent a member of exactly these groups (ids).
pub fn set_members_of(
    tx: &mut TenantTx<'_>,
    agent_id: i64,
    group_ids: &[i64],
) -> Result<(), StoreError> {
    let tenant = tx.tenant_key();
    diesel::delete(
        group_members::table
            .filter(group_members::tenant_id.eq(tenant))
            .filter(group_members::agent_id.eq(agent_id)),
    )
    .execute(tx.conn())?;
    for g in group_ids {
        diesel::insert_into(group_members::table)
            .values((
                group_members::tenant_id.eq(tenant),
                group_members::group_id.eq(g),
                group_members::agent_id.eq(agent_id),
            ))
            .execute(tx.conn())?;
    }
    Ok(())
}
