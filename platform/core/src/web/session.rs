//! Sessions in cookies that are signed and encrypted (the browser can neither
//! read nor change them), ended after a period without activity.

use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::CookieSessionStore;
use actix_session::{SessionExt, SessionMiddleware};
use actix_web::body::MessageBody;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use base64::Engine;
use rand::RngCore;
use std::path::Path;

/// Minutes without a request after which one must sign in again.
pub const INACTIVITY_MINUTES: i64 = 30;
const SEEN_KEY: &str = "_seen";

/// `secure`: send the cookie over HTTPS only (`GUICHET_SECURE_COOKIES`, on
/// behind a TLS reverse proxy; off for plain http on loopback).
pub fn middleware(
    key: &Key,
    cookie_name: &str,
    secure: bool,
) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
        .cookie_name(cookie_name.to_owned())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_secure(secure)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(BrowserSession::default())
        .build()
}

/// Middleware (inside the session one): forgets a session idle for too long.
/// The time is kept inside the encrypted cookie, so an old cookie replayed
/// later is refused as well.
pub async fn inactivity_timeout(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let session = req.get_session();
    let now = chrono::Utc::now().timestamp();
    let seen = session.get::<i64>(SEEN_KEY).ok().flatten();
    match seen {
        Some(t) if now - t > INACTIVITY_MINUTES * 60 => {
            session.purge();
            req.extensions_mut().insert(SessionExpired);
        }
        // Refresh at most once a minute, to spare a Set-Cookie on every response.
        Some(t) if now - t < 60 => {}
        _ if !session.entries().is_empty() => {
            let _ = session.insert(SEEN_KEY, now);
        }
        _ => {}
    }
    next.call(req).await
}

use actix_web::HttpMessage;

/// Present in a request's extensions when its session had just expired, so that
/// a sign-in page can say why.
#[derive(Debug, Clone, Copy)]
pub struct SessionExpired;

/// The key that signs and encrypts cookies: from `GUICHET_SECRET_KEY`, or made
/// once and kept in `<data dir>/secret_key`, so that sessions survive restarts.
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
