//! Who is using the provisioning plane: a super-admin of the platform, or the
//! referential admin of one collectivité (an agent in its `referential-admin`
//! group, who signs in as `uid@slug`). Sign-in by password, or, for the JSON
//! API, by a bearer token made by `guichet admin token`.

use base64::Engine;
use chrono::Utc;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::agents;
use crate::agents::groups;
use crate::audit;
use crate::auth::{password, superadmin};
use crate::directory::Directory;
use crate::error::Error;
use crate::sessions::SessionPrincipal;
use crate::store::repo::api_tokens::{self, Holder};
use crate::store::{Store, StoreError};
use crate::tenancy::{self, Tenant, TenantId, TenantState};

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
) -> Result<Option<Principal>, Error> {
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
    #[error("la durée de validité d’un jeton va de 1 à 365 jours")]
    Validity,
    #[error("un super-administrateur n’a pas d’accès à l’API du back office : choisissez la portée « provisioning »")]
    Scope,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whom a token is for: a super-admin, or any agent of an active
/// collectivité (`uid@slug`); what the token opens is decided when it is
/// used, from the agent's groups and rights then.
fn holder(store: &Store, login: &str) -> Result<Holder, TokenError> {
    if login.contains('@') {
        let unknown = || TokenError::UnknownLogin(login.to_owned());
        let (uid, slug) = split_login(login).ok_or_else(unknown)?;
        let tenant = store
            .platform_read(|c| tenancy::find_by_slug(c, slug))?
            .filter(|t| t.state == TenantState::Active)
            .ok_or_else(unknown)?;
        let agent = store
            .read(tenant.id, |tx| agents::get(tx, uid))?
            .ok_or_else(unknown)?;
        return Ok(Holder::Agent {
            tenant_id: tenant.id.get(),
            agent_id: agent.id,
        });
    }
    store
        .platform_read(|c| superadmin::id_of(c, login))?
        .map(Holder::SuperAdmin)
        .ok_or_else(|| TokenError::UnknownLogin(login.to_owned()))
}

/// The API a bearer token opens: one only, so that a token given to a
/// script of the back office cannot administer the collectivité.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The back office's API, with the agent's rights (`/api/v1` of the
    /// collectivité's host).
    Backoffice,
    /// The provisioning API (super-admins, referential admins).
    Provisioning,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Backoffice => "backoffice",
            Scope::Provisioning => "provisioning",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "backoffice" => Some(Scope::Backoffice),
            "provisioning" => Some(Scope::Provisioning),
            _ => None,
        }
    }
}

/// [`issue_scoped_token`] for the API its holder uses by default: the
/// provisioning API for a super-admin, the back office's for an agent.
pub fn issue_token(
    store: &Store,
    login: &str,
    days: i64,
    actor: &str,
) -> Result<String, TokenError> {
    issue_scoped_token(store, login, None, days, actor)
}

/// Makes a bearer token for `login` (a super-admin, or `uid@slug`) opening
/// the API of `scope`, valid `days` days. The token is shown once; only its
/// digest is kept. Audited in the platform's trail, `actor` being who asked.
pub fn issue_scoped_token(
    store: &Store,
    login: &str,
    scope: Option<Scope>,
    days: i64,
    actor: &str,
) -> Result<String, TokenError> {
    if !(1..=365).contains(&days) {
        return Err(TokenError::Validity);
    }
    let holder = holder(store, login)?;
    let scope = match (holder, scope) {
        (Holder::SuperAdmin(_), None | Some(Scope::Provisioning)) => Scope::Provisioning,
        (Holder::SuperAdmin(_), Some(Scope::Backoffice)) => return Err(TokenError::Scope),
        (Holder::Agent { .. }, scope) => scope.unwrap_or(Scope::Backoffice),
    };
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = format!(
        "gch_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let now = Utc::now().naive_utc();
    let expires = now + chrono::Duration::days(days);
    store.platform_write(|c| {
        api_tokens::insert(c, &digest(&token), holder, scope.as_str(), now, expires)?;
        audit::record_platform(
            c,
            actor,
            "api-token.issue",
            "principal",
            login,
            Some(serde_json::json!({
                "expires_at": expires.and_utc().to_rfc3339(),
                "scope": scope.as_str(),
            })),
        )
    })?;
    Ok(token)
}

/// Last-use times are written at most this often.
const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

/// The principal a bearer token was made for, if the token has not expired
/// and its holder still holds that role.
pub fn authenticate_token(store: &Store, token: &str) -> Result<Option<Principal>, StoreError> {
    let now = Utc::now().naive_utc();
    let Some(row) = store
        .platform_read(|c| api_tokens::valid(c, &digest(token), now))?
        .filter(|r| r.scope == Scope::Provisioning.as_str())
    else {
        return Ok(None);
    };
    let principal = match (row.super_admin_id, row.tenant_id, row.agent_id) {
        (Some(id), _, _) => store
            .platform_read(|c| superadmin::login_of(c, id))?
            .map(|login| Principal::SuperAdmin { login }),
        (None, Some(tenant), Some(agent)) => {
            let tenant = TenantId::from_row(tenant);
            let Some(t) = store.platform_read(|c| tenancy::find_by_id(c, tenant))? else {
                return Ok(None);
            };
            let agent = store.read(tenant, |tx| agents::get_by_id(tx, agent))?;
            agent
                .filter(|a| a.groups.iter().any(|g| g == groups::REFERENTIAL_ADMIN))
                .filter(|_| t.state == TenantState::Active)
                .map(|a| Principal::ReferentialAdmin {
                    slug: t.slug.clone(),
                    uid: a.uid,
                })
        }
        _ => None,
    };
    if principal.is_some() && row.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY) {
        store.platform_write(|c| api_tokens::touch(c, row.id, now))?;
    }
    Ok(principal)
}

/// The agent a bearer token was made for, with their collectivité, if the
/// token has not expired and the collectivité is active: the back office's
/// API then applies the agent's rights as in their pages.
pub fn authenticate_agent_token(
    store: &Store,
    token: &str,
) -> Result<Option<(TenantId, i64)>, StoreError> {
    let now = Utc::now().naive_utc();
    let Some(row) = store
        .platform_read(|c| api_tokens::valid(c, &digest(token), now))?
        .filter(|r| r.scope == Scope::Backoffice.as_str())
    else {
        return Ok(None);
    };
    let (Some(tenant), Some(agent)) = (row.tenant_id, row.agent_id) else {
        return Ok(None);
    };
    let tenant = TenantId::from_row(tenant);
    let active = store
        .platform_read(|c| tenancy::find_by_id(c, tenant))?
        .is_some_and(|t| t.state == TenantState::Active);
    if !active
        || store
            .read(tenant, |tx| agents::get_by_id(tx, agent))?
            .is_none()
    {
        return Ok(None);
    }
    if row.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY) {
        store.platform_write(|c| api_tokens::touch(c, row.id, now))?;
    }
    Ok(Some((tenant, agent)))
}

/// Revokes every bearer token of `login`; returns how many there were.
/// Audited in the platform's trail.
pub fn revoke_tokens(store: &Store, login: &str, actor: &str) -> Result<usize, TokenError> {
    let holder = holder(store, login)?;
    Ok(store.platform_write(|c| {
        let n = api_tokens::delete_of(c, holder)?;
        audit::record_platform(
            c,
            actor,
            "api-token.revoke",
            "principal",
            login,
            Some(serde_json::json!({ "revoked": n })),
        )?;
        Ok::<_, StoreError>(n)
    })?)
}
