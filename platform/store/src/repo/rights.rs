//! The agents' explicit rights on categories (`category_rights`); the rule
//! that reads them is `guichet-core`'s.

use diesel::prelude::*;

use crate::schema::{agents, category_rights};
use crate::{StoreError, TenantTx};

/// The explicit rights given on a category: (uid, access), by uid.
pub fn of_category(
    tx: &mut TenantTx<'_>,
    category: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    Ok(category_rights::table
        .inner_join(
            agents::table.on(agents::tenant_id
                .eq(category_rights::tenant_id)
                .and(agents::id.eq(category_rights::agent_id))),
        )
        .filter(tx.tenant_of(category_rights::table))
        .filter(category_rights::category_id.eq(category))
        .select((agents::uid, category_rights::access))
        .order(agents::uid)
        .load(tx.conn())?)
}

/// An agent's explicit rights: (category id, access).
pub fn of_agent(tx: &mut TenantTx<'_>, agent_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(tx
        .rows(category_rights::table)
        .filter(category_rights::agent_id.eq(agent_id))
        .select((category_rights::category_id, category_rights::access))
        .load(tx.conn())?)
}

/// An agent's explicit right on a category, if one was given.
pub fn get(
    tx: &mut TenantTx<'_>,
    category: i64,
    agent_id: i64,
) -> Result<Option<String>, StoreError> {
    Ok(tx
        .rows(category_rights::table)
        .filter(category_rights::category_id.eq(category))
        .filter(category_rights::agent_id.eq(agent_id))
        .select(category_rights::access)
        .get_result(tx.conn())
        .optional()?)
}

/// Gives an agent a right on a category, replacing the previous one.
pub fn set(
    tx: &mut TenantTx<'_>,
    category: i64,
    agent_id: i64,
    access: &str,
) -> Result<(), StoreError> {
    clear(tx, category, agent_id)?;
    diesel::insert_into(category_rights::table)
        .values((
            tx.tenant_of(category_rights::table),
            category_rights::category_id.eq(category),
            category_rights::agent_id.eq(agent_id),
            category_rights::access.eq(access),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// Removes an agent's explicit right on a category.
pub fn clear(tx: &mut TenantTx<'_>, category: i64, agent_id: i64) -> Result<(), StoreError> {
    diesel::delete(
        tx.rows(category_rights::table)
            .filter(category_rights::category_id.eq(category))
            .filter(category_rights::agent_id.eq(agent_id)),
    )
    .execute(tx.conn())?;
    Ok(())
}
