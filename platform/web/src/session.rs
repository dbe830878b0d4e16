//! Server-side sessions over HTTP. The cookie (encrypted and signed, so that
//! nobody forges one) holds only a random key; the `sessions` table holds,
//! under the key's digest, the plane, the collectivité and the principal the
//! session belongs to, and when it started, was last used and must end (see
//! `guichet_core::sessions`).
//!
//! A session ends after `GUICHET_SESSION_IDLE_MINUTES` without a request and
//! `GUICHET_SESSION_MAX_HOURS` after it began; it is deleted at sign-out, and
//! revoked when its principal's password changes, when they lose the role, or
//! when they are removed. Each plane has its own cookie. The extractors of the
//! planes' principals check [`SessionPrincipal`] against the collectivité the
//! tenant gate resolved, so that a session of one collectivité replayed under
//! another's host name is worth nothing.

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
use rand::RngCore;

use guichet_core::sessions::{self as rows, digest, WHO};
pub use guichet_core::sessions::{purge_ended, revoke, Plane, PrincipalKind, SessionPrincipal};
use guichet_core::store::{Store, StoreError};

use super::AppError;

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
const FLASH: &str = "flash";

/// A one-shot message for the next page shown (after a redirect): set by
/// `render::see_other_with`, drawn by the layout, the one way either is done.
pub(crate) fn set_flash(session: &Session, message: String) -> Result<(), AppError> {
    session
        .insert(FLASH, message)
        .map_err(|e| AppError::Internal(format!("session : {e}")))
}

/// The one-shot message, taken (shown once). Only a message there is
/// removed: removing marks the session changed, and a changed session is
/// written back, which no page that merely shows may cost.
pub(crate) fn take_flash(session: &Session) -> Option<String> {
    session.get::<String>(FLASH).ok().flatten()?;
    session.remove_as::<String>(FLASH).and_then(Result::ok)
}

pub fn sign_out(session: &Session) {
    session.purge();
}

fn new_key() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

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

async fn run<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> anyhow::Result<T> {
    Ok(actix_web::web::block(f).await??)
}

/// The state of a session nobody signed in to (a form's CSRF token, a
/// pending OpenID Connect state, a one-shot message) travels in the cookie
/// itself, encrypted and signed by the middleware: visiting a page writes no
/// row. Its key is that state as JSON, told from a random key by its `{`.
const ANONYMOUS_STATE_MAX: usize = 1024;

fn anonymous_key(state: &HashMap<String, String>) -> Option<SessionKey> {
    if state.contains_key(WHO) {
        return None;
    }
    let json = serde_json::to_string(state).ok()?;
    (json.len() <= ANONYMOUS_STATE_MAX)
        .then(|| SessionKey::try_from(json).ok())
        .flatten()
}

fn is_anonymous(key: &SessionKey) -> bool {
    key.as_ref().starts_with('{')
}

impl SessionStore for DbSessionStore {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        if is_anonymous(session_key) {
            // Never a principal: a cookie cannot sign anybody in.
            return Ok(
                serde_json::from_str::<HashMap<String, String>>(session_key.as_ref())
                    .ok()
                    .filter(|state| !state.contains_key(WHO)),
            );
        }
        let (store, id, plane, idle) = (
            self.store.clone(),
            digest(session_key.as_ref()),
            self.plane,
            self.idle,
        );
        run(move || rows::load(&store, &id, plane, idle))
            .await
            .map_err(LoadError::Other)
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        _ttl: &actix_web::cookie::time::Duration,
    ) -> Result<SessionKey, SaveError> {
        if let Some(key) = anonymous_key(&state) {
            return Ok(key);
        }
        let key = new_key();
        let (store, id, plane, max) = (self.store.clone(), digest(&key), self.plane, self.max);
        run(move || rows::insert(&store, &id, plane, &state, max))
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
        let state = if is_anonymous(&session_key) {
            state
        } else {
            let (store, id) = (self.store.clone(), digest(session_key.as_ref()));
            let kept = state.clone();
            let updated = run(move || rows::update(&store, &id, &kept))
                .await
                .map_err(UpdateError::Other)?;
            if updated {
                return Ok(session_key);
            }
            // Revoked meanwhile: nothing of it is saved back (a principal a
            // plane keeps beside `who` included), the browser starts afresh.
            HashMap::new()
        };
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
        if is_anonymous(session_key) {
            return Ok(());
        }
        let (store, id) = (self.store.clone(), digest(session_key.as_ref()));
        run(move || rows::delete(&store, &id)).await
    }
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
