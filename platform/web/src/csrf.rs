//! CSRF tokens: one random token per session, put in every form as the hidden
//! field `csrf_token` and checked by [`VerifiedForm`] before the form is read.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use base64::Engine;
use rand::RngCore;
use serde::de::DeserializeOwned;

use super::AppError;

const SESSION_KEY: &str = "_csrf";
pub const FIELD: &str = "csrf_token";
/// Forms carry names and short texts; uploads have their own route.
const FORM_LIMIT: usize = 64 * 1024;

/// The session's token, created on first use.
pub fn token(session: &Session) -> Result<String, AppError> {
    if let Ok(Some(t)) = session.get::<String>(SESSION_KEY) {
        return Ok(t);
    }
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let t = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    session
        .insert(SESSION_KEY, &t)
        .map_err(|e| AppError::Internal(format!("session : {e}")))?;
    Ok(t)
}

/// True when `given` is this session's token.
pub fn is_valid(session: &Session, given: &str) -> bool {
    session
        .get::<String>(SESSION_KEY)
        .ok()
        .flatten()
        .is_some_and(|expected| matches(&expected, given))
}

/// Compares in constant time, so that timing tells nothing of the token.
fn matches(expected: &str, given: &str) -> bool {
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// An `application/x-www-form-urlencoded` form whose CSRF token was checked.
pub struct VerifiedForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for VerifiedForm<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let body = Bytes::from_request(req, payload);
        let is_form = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        Box::pin(async move {
            if !is_form {
                return Err(AppError::BadRequest("formulaire attendu".into()).into());
            }
            let body = body.await?;
            if body.len() > FORM_LIMIT {
                return Err(AppError::BadRequest("formulaire trop volumineux".into()).into());
            }
            let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
                .map_err(|_| AppError::BadRequest("formulaire illisible".into()))?;
            let given = fields
                .iter()
                .find(|(k, _)| k == FIELD)
                .map(|(_, v)| v.as_str());
            let expected = session.get::<String>(SESSION_KEY).ok().flatten();
            match (expected, given) {
                (Some(e), Some(g)) if matches(&e, g) => {}
                _ => return Err(AppError::Csrf.into()),
            }
            serde_urlencoded::from_bytes(&body)
                .map(VerifiedForm)
                .map_err(|e| AppError::BadRequest(format!("formulaire incomplet : {e}")).into())
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn compares_whole_tokens() {
        assert!(super::matches("abc", "abc"));
        assert!(!super::matches("abc", "abd"));
        assert!(!super::matches("abc", "ab"));
        assert!(!super::matches("abc", ""));
    }
}
