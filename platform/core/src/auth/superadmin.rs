//! Super-admins of the platform: they use the provisioning plane only.

use chrono::Utc;
use diesel::prelude::*;

use super::password::{self, PasswordError};
use crate::store::schema::super_admins;
use crate::store::{DbConnection, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum SuperAdminError {
    #[error("l’identifiant doit compter de 1 à 100 caractères : lettres, chiffres, « . », « - » ou « _ »")]
    Login,
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("l’identifiant « {0} » est déjà pris")]
    LoginTaken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for SuperAdminError {
    fn from(e: diesel::result::Error) -> Self {
        SuperAdminError::Store(e.into())
    }
}

fn check_login(login: &str) -> Result<(), SuperAdminError> {
    let ok = !login.is_empty()
        && login.len() <= 100
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    ok.then_some(()).ok_or(SuperAdminError::Login)
}

pub fn create(conn: &mut DbConnection, login: &str, password: &str) -> Result<(), SuperAdminError> {
    check_login(login)?;
    password::check_strength(password)?;
    if exists(conn, login)? {
        return Err(SuperAdminError::LoginTaken(login.to_owned()));
    }
    let now = Utc::now().naive_utc();
    diesel::insert_into(super_admins::table)
        .values((
            super_admins::login.eq(login),
            super_admins::password_hash.eq(password::hash(password)),
            super_admins::created_at.eq(now),
            super_admins::updated_at.eq(now),
        ))
        .execute(conn)
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => SuperAdminError::LoginTaken(login.to_owned()),
            other => other.into(),
        })?;
    Ok(())
}

pub fn exists(conn: &mut DbConnection, login: &str) -> Result<bool, StoreError> {
    Ok(super_admins::table
        .filter(super_admins::login.eq(login))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// The stored password hash of a super-admin; check it with
/// [`password::verify_or_dummy`] once the transaction is over.
pub fn password_hash(conn: &mut DbConnection, login: &str) -> Result<Option<String>, StoreError> {
    Ok(super_admins::table
        .filter(super_admins::login.eq(login))
        .select(super_admins::password_hash)
        .first(conn)
        .optional()?)
}

/// A super-admin's row id by login.
pub fn id_of(conn: &mut DbConnection, login: &str) -> Result<Option<i64>, StoreError> {
    Ok(super_admins::table
        .filter(super_admins::login.eq(login))
        .select(super_admins::id)
        .first(conn)
        .optional()?)
}

/// A super-admin's login by row id.
pub fn login_of(conn: &mut DbConnection, id: i64) -> Result<Option<String>, StoreError> {
    Ok(super_admins::table
        .find(id)
        .select(super_admins::login)
        .first(conn)
        .optional()?)
}
