//! Bearer tokens of the APIs (a platform table), each for one API (its
//! scope): only their digests are kept.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::api_tokens;
use crate::{DbConnection, StoreError};

/// Whose token: a super-admin's row, or an agent's row of a collectivité.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    SuperAdmin(i64),
    Agent { tenant_id: i64, agent_id: i64 },
}

#[derive(Debug, Clone, Queryable)]
pub struct TokenRow {
    pub id: i64,
    pub super_admin_id: Option<i64>,
    pub tenant_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub last_used_at: Option<NaiveDateTime>,
    /// The API it opens: `backoffice` or `provisioning`.
    pub scope: String,
}

pub fn insert(
    conn: &mut DbConnection,
    digest: &str,
    holder: Holder,
    scope: &str,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    let (super_admin, tenant, agent) = match holder {
        Holder::SuperAdmin(id) => (Some(id), None, None),
        Holder::Agent {
            tenant_id,
            agent_id,
        } => (None, Some(tenant_id), Some(agent_id)),
    };
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::token_digest.eq(digest),
            api_tokens::super_admin_id.eq(super_admin),
            api_tokens::tenant_id.eq(tenant),
            api_tokens::agent_id.eq(agent),
            api_tokens::created_at.eq(created_at),
            api_tokens::expires_at.eq(expires_at),
            api_tokens::scope.eq(scope),
        ))
        .execute(conn)?;
    Ok(())
}

/// The token with this digest, unless it expired by `now`.
pub fn valid(
    conn: &mut DbConnection,
    digest: &str,
    now: NaiveDateTime,
) -> Result<Option<TokenRow>, StoreError> {
    Ok(api_tokens::table
        .filter(api_tokens::token_digest.eq(digest))
        .filter(api_tokens::expires_at.gt(now))
        .select((
            api_tokens::id,
            api_tokens::super_admin_id,
            api_tokens::tenant_id,
            api_tokens::agent_id,
            api_tokens::last_used_at,
            api_tokens::scope,
        ))
        .get_result(conn)
        .optional()?)
}

pub fn touch(conn: &mut DbConnection, id: i64, used_at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(Some(used_at)))
        .execute(conn)?;
    Ok(())
}

/// Deletes every token of a holder; returns how many there were.
pub fn delete_of(conn: &mut DbConnection, holder: Holder) -> Result<usize, StoreError> {
    Ok(match holder {
        Holder::SuperAdmin(id) => {
            diesel::delete(api_tokens::table.filter(api_tokens::super_admin_id.eq(id)))
                .execute(conn)?
        }
        Holder::Agent {
            tenant_id,
            agent_id,
        } => diesel::delete(
            api_tokens::table
                .filter(api_tokens::tenant_id.eq(tenant_id))
                .filter(api_tokens::agent_id.eq(agent_id)),
        )
        .execute(conn)?,
    })
}
