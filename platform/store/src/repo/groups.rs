//! The directory groups of a collectivité and their members, as mirrored
//! in the database.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::schema::{directory_groups, group_members};
use crate::{StoreError, TenantTx};

/// The collectivité's groups: (id, name, label), by name.
pub fn list(tx: &mut TenantTx<'_>) -> Result<Vec<(i64, String, String)>, StoreError> {
    Ok(tx
        .rows(directory_groups::table)
        .select((
            directory_groups::id,
            directory_groups::name,
            directory_groups::label,
        ))
        .order(directory_groups::name)
        .load(tx.conn())?)
}

/// A new group; returns its id.
pub fn insert(tx: &mut TenantTx<'_>, name: &str, label: &str) -> Result<i64, StoreError> {
    let id = tx.next_id()?;
    diesel::insert_into(directory_groups::table)
        .values((
            tx.tenant_of(directory_groups::table),
            directory_groups::id.eq(id),
            directory_groups::name.eq(name),
            directory_groups::label.eq(label),
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
    diesel::delete(
        tx.rows(group_members::table)
            .filter(group_members::agent_id.eq(agent_id)),
    )
    .execute(tx.conn())?;
    for g in group_ids {
        diesel::insert_into(group_members::table)
            .values((
                tx.tenant_of(group_members::table),
                group_members::group_id.eq(g),
                group_members::agent_id.eq(agent_id),
            ))
            .execute(tx.conn())?;
    }
    Ok(())
}

/// The names of the groups of each of these agents, by name; agents in no
/// group are left out.
pub fn names_of(
    tx: &mut TenantTx<'_>,
    agent_ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>, StoreError> {
    // By chunks: a list of ids is bound parameters, which both backends cap
    // (some 32 000 on SQLite); a directory may hold more agents than that.
    let mut groups_of: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in agent_ids.chunks(1000) {
        let memberships: Vec<(i64, String)> = group_members::table
            .inner_join(
                directory_groups::table.on(directory_groups::tenant_id
                    .eq(group_members::tenant_id)
                    .and(directory_groups::id.eq(group_members::group_id))),
            )
            .filter(tx.tenant_of(group_members::table))
            .filter(group_members::agent_id.eq_any(chunk))
            .select((group_members::agent_id, directory_groups::name))
            .order(directory_groups::name)
            .load(tx.conn())?;
        for (agent, group) in memberships {
            groups_of.entry(agent).or_default().push(group);
        }
    }
    Ok(groups_of)
}

/// True when the agent is a member of one of the groups `names`.
pub fn is_member_of_any(
    tx: &mut TenantTx<'_>,
    agent_id: i64,
    names: &[&str],
) -> Result<bool, StoreError> {
    Ok(group_members::table
        .inner_join(
            directory_groups::table.on(directory_groups::tenant_id
                .eq(group_members::tenant_id)
                .and(directory_groups::id.eq(group_members::group_id))),
        )
        .filter(tx.tenant_of(group_members::table))
        .filter(group_members::agent_id.eq(agent_id))
        .filter(directory_groups::name.eq_any(names))
        .count()
        .get_result::<i64>(tx.conn())?
        > 0)
}
