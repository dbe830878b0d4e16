//! Device cookies: a browser that signed in to a login keeps a cookie (encrypted
//! and signed by the server) that says so. The login throttle spares such a
//! browser the slowdown that others' failures on that login cause, so that
//! guessing someone's password from elsewhere never locks them out of their
//! own computer. The cookie holds digests of the logins, never the logins.

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, CookieJar, Key, SameSite};
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

/// Logins a browser remembers at most (the newest kept).
const REMEMBERED: usize = 8;

/// The key and the cookie's settings, shared by the planes.
#[derive(Clone)]
pub struct DeviceCookies {
    key: Key,
    secure: bool,
}

impl DeviceCookies {
    /// A key of its own, derived from the sessions' one.
    pub fn new(master: &Key, secure: bool) -> DeviceCookies {
        DeviceCookies {
            key: Key::derive_from(master.master()),
            secure,
        }
    }

    fn name(&self) -> &'static str {
        if self.secure {
            "__Host-guichet_appareil"
        } else {
            "guichet_appareil"
        }
    }

    fn remembered(&self, req: &HttpRequest) -> Vec<String> {
        let Some(cookie) = req.cookie(self.name()) else {
            return Vec::new();
        };
        let mut jar = CookieJar::new();
        jar.add_original(cookie);
        jar.private(&self.key)
            .get(self.name())
            .map(|c| c.value().split(',').map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// Whether this browser signed in as `login` before.
    pub fn knows(&self, req: &HttpRequest, login: &str) -> bool {
        self.remembered(req).contains(&digest(login))
    }

    /// Remembers, in `response`, that this browser signed in as `login`.
    pub fn remember(&self, req: &HttpRequest, response: &mut HttpResponse, login: &str) {
        let mut logins = self.remembered(req);
        let this = digest(login);
        logins.retain(|l| *l != this);
        logins.insert(0, this);
        logins.truncate(REMEMBERED);
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key).add(
            Cookie::build(self.name(), logins.join(","))
                .path("/")
                .http_only(true)
                .secure(self.secure)
                .same_site(SameSite::Lax)
                .max_age(CookieDuration::days(365))
                .finish(),
        );
        for cookie in jar.delta() {
            let _ = response.add_cookie(cookie);
        }
    }
}

fn digest(login: &str) -> String {
    Sha256::digest(login.trim().to_lowercase().as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}
