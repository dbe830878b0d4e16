//! The platform's super-admins.

use chrono::Utc;
use diesel::prelude::*;

use crate::schema::super_admins;
use crate::{DbConnection, StoreError};

/// A new super-admin; [`StoreError::Conflict`] when the login is taken.
pub fn insert(conn: &mut DbConnection, login: &str, password_hash: &str) -> Result<(), StoreError> {
    let now = Utc::now().naive_utc();
    diesel::insert_into(super_admins::table)
        .values((
            super_admins::login.eq(login),
            super_admins::password_hash.eq(password_hash),
            super_admins::created_at.eq(now),
            super_admins::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn exists(conn: &mut DbConnection, login: &str) -> Result<bool, StoreError> {
    Ok(super_admins::table
        .filter(super_admins::login.eq(login))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// The stored password hash of a super-admin; check it once the transaction
/// is over.
pub fn password_hash(conn: &mut DbConnection, login: &str) -> Result<Option<String>, StoreError> {
    Ok(super_admins::table
        .filter(super_admins::login.eq(login))
        .select(super_admins::password_hash)
        .get_result(conn)
        .optional()?)
}

/// A super-admin's row id by login.
pub fn id_of(conn: &mut DbConnection, login: &str) -> Result<Option<i64>, StoreError> {
    Ok(super_admins::table
        .filter(super_admins::login.eq(login))
        .select(super_admins::id)
        .get_result(conn)
        .optional()?)
}

/// A super-admin's login by row id.
pub fn login_of(conn: &mut DbConnection, id: i64) -> Result<Option<String>, StoreError> {
    Ok(super_admins::table
        .find(id)
        .select(super_admins::login)
        .get_result(conn)
        .optional()?)
}
