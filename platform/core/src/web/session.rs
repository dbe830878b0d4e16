//! Server-side sessions. The cookie (encrypted and signed, so that nobody
//! forges one) holds only a random key; the `sessions` table holds, under the
//! key's digest, the plane, the collectivité and the principal the session
//! belongs to, and when it started, was last used and must end.
//!
//! A session ends after `GUICHET_SESSION_IDLE_MINUTES` without a request and
//! `GUICHET_SESSION_MAX_HOURS` after it began; it is deleted at sign-out, and
//! [`revoke`] deletes a principal's sessions when their password changes, when
//! they lose the role, or when they are removed. Each plane has its own cookie.
//! The extractors of the planes' principals check [`SessionPrincipal`] against
//! the collectivité the tenant gate resolved, so that a session of one
//! collectivité replayed under another's host name is worth nothing.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_session::{Session, SessionExt, SessionMiddleware};
use actix_web::body::MessageBody;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use base64::Engine;
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AppError;
use crate::store::schema::sessions;
use crate::store::{DbConnection, Store, StoreError};
use crate::tenancy::TenantId;

/// The three planes, each with its own session cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plane {
    Portal,
    Backoffice,
    Provisioning,
}

impl Plane {
    pub fn as_str(self) -> &'static str {
        match self {
            Plane::Portal => "portal",
            Plane::Backoffice => "backoffice",
            Plane::Provisioning => "provisioning",
        }
    }

    /// `__Host-` cookies (HTTPS only, this host only, path `/`) when secure.
    pub fn cookie_name(self, secure: bool) -> String {
        let base = match self {
            Plane::Portal => "guichet_portail",
            Plane::Backoffice => "guichet_agents",
            Plane::Provisioning => "guichet_provisioning",
        };
        if secure {
            format!("__Host-{base}")
        } else {
            base.to_owned()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKind {
    SuperAdmin,
    Agent,
    Household,
}

impl PrincipalKind {
    fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::SuperAdmin => "superadmin",
            PrincipalKind::Agent => "agent",
            PrincipalKind::Household => "household",
        }
    }
}

/// Who a session belongs to: kept in the session's state and, for revocation,
/// in the row's own columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionPrincipal {
    pub kind: PrincipalKind,
    /// `None` for the platform's super-admins.
    pub tenant: Option<i64>,
    /// The principal's id within its collectivité (an agent's row id, a
    /// household's account id) or a super-admin's login.
    pub id: String,
}

impl SessionPrincipal {
    pub fn agent(tenant: TenantId, agent_id: i64) -> SessionPrincipal {
        SessionPrincipal {
            kind: PrincipalKind::Agent,
            tenant: Some(tenant.get()),
            id: agent_id.to_string(),
        }
    }

    pub fn super_admin(login: &str) -> SessionPrincipal {
        SessionPrincipal {
            kind: PrincipalKind::SuperAdmin,
            tenant: None,
            id: login.to_owned(),
        }
    }

    /// True when this principal belongs to that collectivité.
    pub fn belongs_to(&self, tenant: TenantId) -> bool {
        self.tenant == Some(tenant.get())
    }
}

const WHO: &str = "who";

/// Signs `who` in, under a new session key: a key known before sign-in is
/// worth nothing after it.
pub fn sign_in(session: &Session, who: &SessionPrincipal) -> Result<(), AppError> {
    session.renew();
    session
        .insert(WHO, who)
        .map_err(|e| AppError::Internal(format!("session : {e}")))
}

/// The principal of this session, if one signed in.
pub fn who(session: &Session) -> Option<SessionPrincipal> {
    session.get::<SessionPrincipal>(WHO).ok().flatten()
}

/// Signs out: the row is deleted, so that the old cookie opens nothing.
pub fn sign_out(session: &Session) {
    session.purge();
}

/// Deletes the sessions of a principal, on every plane or on one; returns how many.
pub fn revoke(
    conn: &mut DbConnection,
    who: &SessionPrincipal,
    plane: Option<Plane>,
) -> Result<usize, StoreError> {
    let mut query = diesel::delete(sessions::table)
        .filter(sessions::principal_kind.eq(who.kind.as_str()))
        .filter(sessions::principal_id.eq(&who.id))
        .into_boxed();
    query = match who.tenant {
        Some(t) => query.filter(sessions::tenant_id.eq(t)),
        None => query.filter(sessions::tenant_id.is_null()),
    };
    if let Some(p) = plane {
        query = query.filter(sessions::plane.eq(p.as_str()));
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

fn digest(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_key() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Last-seen times are written at most this often, to spare a write per request.
const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

/// actix-session's storage, in the `sessions` table.
#[derive(Clone)]
pub struct DbSessionStore {
    store: Store,
    plane: Plane,
    idle: chrono::Duration,
    max: chrono::Duration,
}

impl DbSessionStore {
    pub fn new(store: Store, plane: Plane, idle: Duration, max: Duration) -> DbSessionStore {
        DbSessionStore {
            store,
            plane,
            idle: chrono::Duration::from_std(idle).unwrap_or(chrono::Duration::minutes(30)),
            max: chrono::Duration::from_std(max).unwrap_or(chrono::Duration::hours(12)),
        }
    }
}

#[derive(Queryable)]
struct Row {
    plane: String,
    state: String,
    last_seen_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

fn principal_columns(
    state: &HashMap<String, String>,
) -> (Option<i64>, Option<&'static str>, Option<String>) {
    match state
        .get(WHO)
        .and_then(|v| serde_json::from_str::<SessionPrincipal>(v).ok())
    {
        Some(who) => (who.tenant, Some(who.kind.as_str()), Some(who.id)),
        None => (None, None, None),
    }
}

async fn run<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> anyhow::Result<T> {
    Ok(actix_web::web::block(f).await??)
}

impl SessionStore for DbSessionStore {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        let (store, id, plane) = (self.store.clone(), digest(session_key.as_ref()), self.plane);
        let (idle, touch) = (self.idle, TOUCH_EVERY);
        run(move || {
            let now = Utc::now().naive_utc();
            let row: Option<Row> = store.platform_read(|c| {
                sessions::table
                    .find(&id)
                    .select((
                        sessions::plane,
                        sessions::state,
                        sessions::last_seen_at,
                        sessions::expires_at,
                    ))
                    .first(c)
                    .optional()
                    .map_err(StoreError::from)
            })?;
            let Some(row) = row else { return Ok(None) };
            if row.plane != plane.as_str() {
                return Ok(None);
            }
            if row.expires_at <= now || row.last_seen_at + idle <= now {
                store.platform_write(|c| {
                    diesel::delete(sessions::table.find(&id))
                        .execute(c)
                        .map_err(StoreError::from)
                })?;
                return Ok(None);
            }
            if now - row.last_seen_at >= touch {
                store.platform_write(|c| {
                    diesel::update(sessions::table.find(&id))
                        .set(sessions::last_seen_at.eq(now))
                        .execute(c)
                        .map_err(StoreError::from)
                })?;
            }
            Ok(serde_json::from_str(&row.state).ok())
        })
        .await
        .map_err(LoadError::Other)
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        _ttl: &actix_web::cookie::time::Duration,
    ) -> Result<SessionKey, SaveError> {
        let key = new_key();
        let text = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let (store, id, plane, max) = (self.store.clone(), digest(&key), self.plane, self.max);
        run(move || insert(&store, &id, plane, &state, text, max))
            .await
            .map_err(SaveError::Other)?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        state: HashMap<String, String>,
        ttl: &actix_web::cookie::time::Duration,
    ) -> Result<SessionKey, UpdateError> {
        let (store, id) = (self.store.clone(), digest(session_key.as_ref()));
        let text =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let (tenant, kind, principal) = principal_columns(&state);
        let updated = run(move || {
            store.platform_write(|c| {
                diesel::update(sessions::table.find(&id))
                    .set((
                        sessions::state.eq(text),
                        sessions::tenant_id.eq(tenant),
                        sessions::principal_kind.eq(kind),
                        sessions::principal_id.eq(principal),
                        sessions::last_seen_at.eq(Utc::now().naive_utc()),
                    ))
                    .execute(c)
                    .map_err(StoreError::from)
            })
        })
        .await
        .map_err(UpdateError::Other)?;
        if updated == 1 {
            return Ok(session_key);
        }
        // Revoked meanwhile: a new session, without the principal it had.
        let mut state = state;
        state.remove(WHO);
        self.save(state, ttl).await.map_err(|e| match e {
            SaveError::Serialization(e) => UpdateError::Serialization(e),
            SaveError::Other(e) => UpdateError::Other(e),
        })
    }

    async fn update_ttl(
        &self,
        _session_key: &SessionKey,
        _ttl: &actix_web::cookie::time::Duration,
    ) -> anyhow::Result<()> {
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> anyhow::Result<()> {
        let (store, id) = (self.store.clone(), digest(session_key.as_ref()));
        run(move || {
            store.platform_write(|c| {
                diesel::delete(sessions::table.find(&id))
                    .execute(c)
                    .map_err(StoreError::from)
            })
        })
        .await
        .map(drop)
    }
}

fn insert(
    store: &Store,
    id: &str,
    plane: Plane,
    state: &HashMap<String, String>,
    text: String,
    max: chrono::Duration,
) -> Result<(), StoreError> {
    let (tenant, kind, principal) = principal_columns(state);
    let now = Utc::now().naive_utc();
    store.platform_write(|c| {
        diesel::insert_into(sessions::table)
            .values((
                sessions::id.eq(id),
                sessions::plane.eq(plane.as_str()),
                sessions::tenant_id.eq(tenant),
                sessions::principal_kind.eq(kind),
                sessions::principal_id.eq(principal),
                sessions::state.eq(text),
                sessions::created_at.eq(now),
                sessions::last_seen_at.eq(now),
                sessions::expires_at.eq(now + max),
            ))
            .execute(c)
            .map(drop)
            .map_err(StoreError::from)
    })
}

/// The session middleware of one plane. `secure`: cookies over HTTPS only,
/// with the `__Host-` prefix (`GUICHET_SECURE_COOKIES`, behind a TLS proxy).
pub fn middleware(
    store: DbSessionStore,
    key: &Key,
    secure: bool,
) -> SessionMiddleware<DbSessionStore> {
    let name = store.plane.cookie_name(secure);
    SessionMiddleware::builder(store, key.clone())
        .cookie_name(name)
        .cookie_path("/".to_owned())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_secure(secure)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(BrowserSession::default())
        .build()
}

/// Middleware (inside the session one): marks a request that brought a
/// session cookie whose session is gone (ended, revoked), so that a sign-in
/// page can say why.
pub async fn notice_ended(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let brought = [Plane::Portal, Plane::Backoffice, Plane::Provisioning]
        .iter()
        .flat_map(|p| [p.cookie_name(false), p.cookie_name(true)])
        .filter(|name| req.cookie(name).is_some())
        .count();
    if brought > 0 && req.get_session().entries().is_empty() {
        req.extensions_mut().insert(SessionExpired);
    }
    next.call(req).await
}

/// Present in a request's extensions when its session had ended, so that a
/// sign-in page can say why.
#[derive(Debug, Clone, Copy)]
pub struct SessionExpired;

/// The key that signs and encrypts cookies: from `GUICHET_SECRET_KEY`, or made
/// once and kept in `<data dir>/secret_key`.
pub fn load_or_create_key(secret: Option<&str>, data_dir: &Path) -> std::io::Result<Key> {
    if let Some(s) = secret {
        return Ok(Key::derive_from(s.as_bytes()));
    }
    let path = data_dir.join("secret_key");
    match std::fs::read_to_string(&path) {
        Ok(s) if s.trim().len() >= 32 => Ok(Key::derive_from(s.trim().as_bytes())),
        _ => {
            std::fs::create_dir_all(data_dir)?;
            let mut bytes = [0u8; 48];
            rand::thread_rng().fill_bytes(&mut bytes);
            let text = base64::engine::general_purpose::STANDARD.encode(bytes);
            write_private(&path, &text)?;
            Ok(Key::derive_from(text.as_bytes()))
        }
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}
