//! Who is using the provisioning plane: a super-admin of the platform, or the
//! referential admin of one collectivité (an agent in its `referential-admin`
//! group, who signs in as `uid@slug`). Sign-in by password, or, for the JSON
//! API, by a bearer token made by `guichet admin token`.

use base64::Engine;
use chrono::Utc;
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{agents, groups, ProvisioningError};
use crate::auth::{password, superadmin};
use crate::directory::Directory;
use crate::store::schema::api_tokens;
use crate::store::{Store, StoreError};
use crate::tenancy::{self, Tenant, TenantId, TenantState};
use crate::web::session::SessionPrincipal;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Principal {
    SuperAdmin { login: String },
    ReferentialAdmin { slug: String, uid: String },
}

impl Principal {
    /// As the audit trail names them.
    pub fn actor(&self) -> String {
        match self {
            Principal::SuperAdmin { login } => format!("superadmin:{login}"),
            Principal::ReferentialAdmin { slug, uid } => format!("{uid}@{slug}"),
        }
    }

    pub fn display_name(&self) -> String {
        match self {
            Principal::SuperAdmin { login } => login.clone(),
            Principal::ReferentialAdmin { slug, uid } => format!("{uid}@{slug}"),
        }
    }

    /// The session's binding: a super-admin by login; a referential admin as
    /// the agent row of their collectivité (gone with it). `None` when that
    /// row is gone.
    pub fn session_principal(&self, store: &Store) -> Result<Option<SessionPrincipal>, StoreError> {
        match self {
            Principal::SuperAdmin { login } => Ok(Some(SessionPrincipal::super_admin(login))),
            Principal::ReferentialAdmin { slug, uid } => {
                let Some(tenant) = store.platform_read(|c| tenancy::find_by_slug(c, slug))? else {
                    return Ok(None);
                };
                let agent = store.read(tenant.id, |tx| agents::get(tx, uid))?;
                Ok(agent.map(|a| SessionPrincipal::agent(tenant.id, a.id)))
            }
        }
    }

    pub fn is_super_admin(&self) -> bool {
        matches!(self, Principal::SuperAdmin { .. })
    }

    /// True when this collectivité is within reach. Out of reach is reported
    /// as "not found", so that its existence does not leak.
    pub fn reaches(&self, tenant: &Tenant) -> bool {
        match self {
            Principal::SuperAdmin { .. } => true,
            Principal::ReferentialAdmin { slug, .. } => {
                *slug == tenant.slug && tenant.state == TenantState::Active
            }
        }
    }
}

/// Splits `uid@slug`.
fn split_login(login: &str) -> Option<(&str, &str)> {
    let (uid, slug) = login.rsplit_once('@')?;
    (!uid.is_empty() && !slug.is_empty()).then_some((uid, slug))
}

/// The active collectivité and the referential admin named by `uid@slug`.
fn referential_admin(store: &Store, login: &str) -> Result<Option<(Tenant, String)>, StoreError> {
    let Some((uid, slug)) = split_login(login) else {
        return Ok(None);
    };
    let Some(tenant) = store.platform_read(|c| tenancy::find_by_slug(c, slug))? else {
        return Ok(None);
    };
    if tenant.state != TenantState::Active {
        return Ok(None);
    }
    let agent = store.read(tenant.id, |tx| agents::get(tx, uid))?;
    Ok(agent
        .filter(|a| a.groups.iter().any(|g| g == groups::REFERENTIAL_ADMIN))
        .map(|a| (tenant, a.uid)))
}

/// Checks a login and password; `None` when they do not match.
pub fn authenticate(
    store: &Store,
    directory: &Directory,
    login: &str,
    password: &str,
) -> Result<Option<Principal>, ProvisioningError> {
    if login.contains('@') {
        let Some((tenant, uid)) = referential_admin(store, login)? else {
            let (uid, slug) = split_login(login).unwrap_or((login, ""));
            agents::check_unknown(directory, slug, uid, password);
            return Ok(None);
        };
        let ok = agents::check_password(store, directory, &tenant, &uid, password)?;
        return Ok(ok.then_some(Principal::ReferentialAdmin {
            slug: tenant.slug,
            uid,
        }));
    }
    let stored = store.platform_read(|c| superadmin::password_hash(c, login))?;
    let ok = password::verify_or_dummy(password, stored.as_deref());
    Ok(ok.then_some(Principal::SuperAdmin {
        login: login.to_owned(),
    }))
}

fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("aucun super-administrateur ni administrateur du référentiel « {0} »")]
    UnknownLogin(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Makes a bearer token for `login` (a super-admin, or `uid@slug`). The token
/// is shown once; only its digest is kept.
pub fn issue_token(store: &Store, login: &str) -> Result<String, TokenError> {
    let tenant_id: Option<TenantId> = if login.contains('@') {
        match referential_admin(store, login)? {
            Some((tenant, _)) => Some(tenant.id),
            None => return Err(TokenError::UnknownLogin(login.to_owned())),
        }
    } else if store.platform_read(|c| superadmin::exists(c, login))? {
        None
    } else {
        return Err(TokenError::UnknownLogin(login.to_owned()));
    };
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = format!(
        "gch_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    store.platform_write(|c| {
        diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::token_digest.eq(digest(&token)),
                api_tokens::login.eq(login),
                api_tokens::tenant_id.eq(tenant_id.map(TenantId::get)),
                api_tokens::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(c)
            .map_err(StoreError::from)
    })?;
    Ok(token)
}

/// The principal a bearer token was made for, if it still holds that role.
pub fn authenticate_token(store: &Store, token: &str) -> Result<Option<Principal>, StoreError> {
    let login: Option<String> = store.platform_read(|c| {
        api_tokens::table
            .filter(api_tokens::token_digest.eq(digest(token)))
            .select(api_tokens::login)
            .first(c)
            .optional()
            .map_err(StoreError::from)
    })?;
    let Some(login) = login else {
        return Ok(None);
    };
    if login.contains('@') {
        return Ok(referential_admin(store, &login)?.map(|(tenant, uid)| {
            Principal::ReferentialAdmin {
                slug: tenant.slug,
                uid,
            }
        }));
    }
    let exists = store.platform_read(|c| superadmin::exists(c, &login))?;
    Ok(exists.then_some(Principal::SuperAdmin { login }))
}

/// Revokes every bearer token made for `login`; returns how many there were.
pub fn revoke_tokens(store: &Store, login: &str) -> Result<usize, StoreError> {
    store.platform_write(|c| {
        diesel::delete(api_tokens::table.filter(api_tokens::login.eq(login)))
            .execute(c)
            .map_err(StoreError::from)
    })
}
