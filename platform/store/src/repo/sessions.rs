//! Rows of the `sessions` table (a platform table: a session may belong to
//! no collectivité). What a session means is `guichet-core`'s `sessions`.

use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::sessions;
use crate::{DbConnection, StoreError};

/// A session as it is loaded.
#[derive(Debug, Clone, Queryable)]
pub struct SessionRow {
    pub plane: String,
    pub state: String,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Whom a session row belongs to, in its own columns (for revocation); all
/// `None` before sign-in.
pub struct Owner<'a> {
    pub tenant_id: Option<i64>,
    pub principal_kind: Option<&'a str>,
    pub principal_id: Option<String>,
}

pub fn get(conn: &mut DbConnection, id: &str) -> Result<Option<SessionRow>, StoreError> {
    Ok(sessions::table
        .find(id)
        .select((
            sessions::plane,
            sessions::state,
            sessions::last_seen_at,
            sessions::expires_at,
        ))
        .get_result(conn)
        .optional()?)
}

/// A new session row; it ends at the latest `max` from now.
pub fn insert(
    conn: &mut DbConnection,
    id: &str,
    plane: &str,
    owner: Owner<'_>,
    state: &str,
    max: chrono::Duration,
) -> Result<(), StoreError> {
    let now = Utc::now().naive_utc();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::plane.eq(plane),
            sessions::tenant_id.eq(owner.tenant_id),
            sessions::principal_kind.eq(owner.principal_kind),
            sessions::principal_id.eq(owner.principal_id),
            sessions::state.eq(state),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(now + max),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces a session's state and owner, seen now; returns how many rows
/// (0 when it is gone).
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    owner: Owner<'_>,
    state: &str,
) -> Result<usize, StoreError> {
    Ok(diesel::update(sessions::table.find(id))
        .set((
            sessions::state.eq(state),
            sessions::tenant_id.eq(owner.tenant_id),
            sessions::principal_kind.eq(owner.principal_kind),
            sessions::principal_id.eq(owner.principal_id),
            sessions::last_seen_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?)
}

pub fn touch(conn: &mut DbConnection, id: &str, seen_at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(sessions::table.find(id))
        .set(sessions::last_seen_at.eq(seen_at))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, id: &str) -> Result<(), StoreError> {
    diesel::delete(sessions::table.find(id)).execute(conn)?;
    Ok(())
}

/// Deletes the sessions of a principal (of a collectivité, or the
/// platform's for `None`), on every plane or on one; returns how many.
pub fn delete_of(
    conn: &mut DbConnection,
    principal_kind: &str,
    principal_id: &str,
    tenant_id: Option<i64>,
    plane: Option<&str>,
) -> Result<usize, StoreError> {
    let mut query = diesel::delete(sessions::table)
        .filter(sessions::principal_kind.eq(principal_kind))
        .filter(sessions::principal_id.eq(principal_id))
        .into_boxed();
    query = match tenant_id {
        Some(t) => query.filter(sessions::tenant_id.eq(t)),
        None => query.filter(sessions::tenant_id.is_null()),
    };
    if let Some(p) = plane {
        query = query.filter(sessions::plane.eq(p));
    }
    Ok(query.execute(conn)?)
}

/// Deletes the sessions that have ended; returns how many.
pub fn purge_ended(conn: &mut DbConnection, idle: Duration) -> Result<usize, StoreError> {
    let now = Utc::now().naive_utc();
    let idle_since = now - chrono::Duration::from_std(idle).unwrap_or_default();
    Ok(diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .le(now)
                .or(sessions::last_seen_at.le(idle_since)),
        ),
    )
    .execute(conn)?)
}

/// Records `digest` as the key `name` every process must share, unless one
/// is recorded already (or `replace`, to change keys). The recorded one, with
/// when it was set, when it differs.
pub fn agree_on_key(
    conn: &mut DbConnection,
    name: &str,
    digest: &str,
    replace: bool,
    now: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, StoreError> {
    use crate::schema::platform_keys;
    if replace {
        diesel::delete(platform_keys::table.find(name)).execute(conn)?;
    }
    // Two processes starting at once: the first insert wins, the other
    // reads it.
    let inserted = conn.transaction(|c| {
        diesel::insert_into(platform_keys::table)
            .values((
                platform_keys::name.eq(name),
                platform_keys::digest.eq(digest),
                platform_keys::set_at.eq(now),
            ))
            .execute(c)
    });
    match inserted {
        Ok(_) => {}
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {}
        Err(e) => return Err(e.into()),
    }
    let (recorded, set_at): (String, NaiveDateTime) = platform_keys::table
        .find(name)
        .select((platform_keys::digest, platform_keys::set_at))
        .first(conn)?;
    Ok((recorded != digest).then_some(set_at))
}
