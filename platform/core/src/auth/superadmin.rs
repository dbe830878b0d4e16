//! Super-admins of the platform: they use the provisioning plane only.

use super::password::{self, PasswordError};
use crate::store::repo::superadmins;
use crate::store::{DbConnection, StoreError};

// Check a stored hash with `password::verify_or_dummy`, outside the transaction.
pub use superadmins::{exists, id_of, login_of, password_hash};

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
    superadmins::insert(conn, login, &password::hash(password)).map_err(|e| match e {
        StoreError::Conflict(_) => SuperAdminError::LoginTaken(login.to_owned()),
        other => other.into(),
    })
}
