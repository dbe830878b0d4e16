//! The agents of a collectivité, as mirrored from the directory, and their
//! links to choose a password.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use guichet_domain::text::{like_prefix, search_key};

use crate::schema::{agent_password_tokens, agent_sign_in, agents};
use crate::{StoreError, TenantTx};

/// An agent's row; its groups are [`super::groups::names_of`].
#[derive(Debug, Clone, Queryable)]
pub struct AgentRow {
    pub id: i64,
    pub uid: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub profile: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

const COLUMNS: (
    agents::id,
    agents::uid,
    agents::first_name,
    agents::last_name,
    agents::email,
    agents::phone,
    agents::profile,
    agents::created_at,
    agents::updated_at,
) = (
    agents::id,
    agents::uid,
    agents::first_name,
    agents::last_name,
    agents::email,
    agents::phone,
    agents::profile,
    agents::created_at,
    agents::updated_at,
);

/// What the directory says of an agent.
pub struct AgentFields<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
}

/// Agents whose uid, first name or last name starts with `q` (case and
/// accents ignored); all of them for an empty `q`. Sorted by name.
pub fn search(tx: &mut TenantTx<'_>, q: &str, limit: i64) -> Result<Vec<AgentRow>, StoreError> {
    let q = search_key(q.trim());
    let mut query = tx
        .rows(agents::table)
        .select(COLUMNS)
        .order((agents::last_key, agents::first_key, agents::uid))
        .limit(limit)
        .into_boxed();
    if !q.is_empty() {
        let p = like_prefix(&q);
        query = query.filter(
            agents::uid
                .like(p.clone())
                .escape('\\')
                .or(agents::first_key.like(p.clone()).escape('\\'))
                .or(agents::last_key.like(p).escape('\\')),
        );
    }
    Ok(query.load(tx.conn())?)
}

pub fn get(tx: &mut TenantTx<'_>, uid: &str) -> Result<Option<AgentRow>, StoreError> {
    Ok(tx
        .rows(agents::table)
        .filter(agents::uid.eq(uid))
        .select(COLUMNS)
        .get_result(tx.conn())
        .optional()?)
}

pub fn get_by_id(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<AgentRow>, StoreError> {
    Ok(tx
        .rows(agents::table)
        .filter(agents::id.eq(id))
        .select(COLUMNS)
        .get_result(tx.conn())
        .optional()?)
}

pub fn count(tx: &mut TenantTx<'_>) -> Result<i64, StoreError> {
    Ok(tx.rows(agents::table).count().get_result(tx.conn())?)
}

pub fn uid_taken(tx: &mut TenantTx<'_>, uid: &str) -> Result<bool, StoreError> {
    Ok(tx
        .rows(agents::table)
        .filter(agents::uid.eq(uid))
        .count()
        .get_result::<i64>(tx.conn())?
        > 0)
}

/// An agent's row id by uid.
pub fn id_of(tx: &mut TenantTx<'_>, uid: &str) -> Result<Option<i64>, StoreError> {
    Ok(tx
        .rows(agents::table)
        .filter(agents::uid.eq(uid))
        .select(agents::id)
        .get_result(tx.conn())
        .optional()?)
}

/// An agent's row id and profile by uid.
pub fn id_and_profile(
    tx: &mut TenantTx<'_>,
    uid: &str,
) -> Result<Option<(i64, String)>, StoreError> {
    Ok(tx
        .rows(agents::table)
        .filter(agents::uid.eq(uid))
        .select((agents::id, agents::profile))
        .get_result(tx.conn())
        .optional()?)
}

/// The built-in directory's password hash of an agent: `None` for no such
/// agent, `Some(None)` for one without (an LDAP directory's, or before the
/// first password).
pub fn password_hash(
    tx: &mut TenantTx<'_>,
    uid: &str,
) -> Result<Option<Option<String>>, StoreError> {
    Ok(tx
        .rows(agents::table)
        .filter(agents::uid.eq(uid))
        .select(agents::password_hash)
        .get_result(tx.conn())
        .optional()?)
}

/// A new agent; returns its id. [`StoreError::Conflict`] when the uid is taken.
pub fn insert(
    tx: &mut TenantTx<'_>,
    uid: &str,
    fields: &AgentFields<'_>,
    profile: &str,
    password_hash: Option<&str>,
) -> Result<i64, StoreError> {
    let id = tx.next_id()?;
    let now = Utc::now().naive_utc();
    diesel::insert_into(agents::table)
        .values((
            tx.tenant_of(agents::table),
            agents::id.eq(id),
            agents::uid.eq(uid),
            agents::first_name.eq(fields.first_name),
            agents::last_name.eq(fields.last_name),
            agents::first_key.eq(search_key(fields.first_name)),
            agents::last_key.eq(search_key(fields.last_name)),
            agents::email.eq(fields.email),
            agents::phone.eq(fields.phone),
            agents::profile.eq(profile),
            agents::password_hash.eq(password_hash),
            agents::created_at.eq(now),
            agents::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    Ok(id)
}

/// Rewrites an agent's fields, and its profile unless `None`.
pub fn update(
    tx: &mut TenantTx<'_>,
    id: i64,
    fields: &AgentFields<'_>,
    profile: Option<&str>,
) -> Result<(), StoreError> {
    diesel::update(tx.rows(agents::table).filter(agents::id.eq(id)))
        .set((
            agents::first_name.eq(fields.first_name),
            agents::last_name.eq(fields.last_name),
            agents::first_key.eq(search_key(fields.first_name)),
            agents::last_key.eq(search_key(fields.last_name)),
            agents::email.eq(fields.email),
            agents::phone.eq(fields.phone),
            profile.map(|p| agents::profile.eq(p)),
            agents::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(tx.conn())?;
    Ok(())
}

pub fn set_password_hash(tx: &mut TenantTx<'_>, id: i64, hash: &str) -> Result<(), StoreError> {
    diesel::update(tx.rows(agents::table).filter(agents::id.eq(id)))
        .set(agents::password_hash.eq(hash))
        .execute(tx.conn())?;
    Ok(())
}

pub fn delete(tx: &mut TenantTx<'_>, id: i64) -> Result<(), StoreError> {
    diesel::delete(tx.rows(agents::table).filter(agents::id.eq(id))).execute(tx.conn())?;
    Ok(())
}

/// A link to choose a password, kept by its token's digest.
pub fn insert_password_token(
    tx: &mut TenantTx<'_>,
    digest: &str,
    agent_id: i64,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(agent_password_tokens::table)
        .values((
            tx.tenant_of(agent_password_tokens::table),
            agent_password_tokens::token_digest.eq(digest),
            agent_password_tokens::agent_id.eq(agent_id),
            agent_password_tokens::expires_at.eq(expires_at),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// The agent (id) and expiry of the link with this digest.
pub fn password_token(
    tx: &mut TenantTx<'_>,
    digest: &str,
) -> Result<Option<(i64, NaiveDateTime)>, StoreError> {
    Ok(tx
        .rows(agent_password_tokens::table)
        .filter(agent_password_tokens::token_digest.eq(digest))
        .select((
            agent_password_tokens::agent_id,
            agent_password_tokens::expires_at,
        ))
        .get_result(tx.conn())
        .optional()?)
}

/// Spends every link of an agent.
pub fn delete_password_tokens(tx: &mut TenantTx<'_>, agent_id: i64) -> Result<(), StoreError> {
    diesel::delete(
        tx.rows(agent_password_tokens::table)
            .filter(agent_password_tokens::agent_id.eq(agent_id)),
    )
    .execute(tx.conn())?;
    Ok(())
}

/// The agents whose e-mail address is `email` (case aside).
pub fn by_email(tx: &mut TenantTx<'_>, email: &str) -> Result<Vec<AgentRow>, StoreError> {
    let email = email.trim().to_lowercase();
    Ok(tx
        .rows(agents::table)
        .select(COLUMNS)
        .load::<AgentRow>(tx.conn())?
        .into_iter()
        .filter(|a| !email.is_empty() && a.email.trim().to_lowercase() == email)
        .collect())
}

/// Whether the collectivité's agents may sign in with ProConnect.
pub fn proconnect(tx: &mut TenantTx<'_>) -> Result<bool, StoreError> {
    Ok(tx
        .rows(agent_sign_in::table)
        .select(agent_sign_in::proconnect)
        .get_result(tx.conn())
        .optional()?
        .unwrap_or(false))
}

pub fn set_proconnect(tx: &mut TenantTx<'_>, on: bool) -> Result<(), StoreError> {
    let updated = diesel::update(tx.rows(agent_sign_in::table))
        .set(agent_sign_in::proconnect.eq(on))
        .execute(tx.conn())?;
    if updated == 0 {
        diesel::insert_into(agent_sign_in::table)
            .values((
                tx.tenant_of(agent_sign_in::table),
                agent_sign_in::proconnect.eq(on),
            ))
            .execute(tx.conn())?;
    }
    Ok(())
}
