//! Security headers on every response, and refusal of cross-site form posts.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::HttpResponse;

use super::AppError;

/// No inline script or style anywhere, so the policy can stay this strict.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

/// A page whose forms lead to another origin too (a bank's payment page,
/// an identity provider's sign-out, through the redirection that follows the
/// form): its policy allows that origin in `form-action`, which browsers
/// apply to that redirection too. Added to the response's own policy, if any.
pub fn with_form_action(mut response: HttpResponse, origin: &str) -> HttpResponse {
    allow_form_action(response.headers_mut(), origin);
    response
}

pub fn allow_form_action(headers: &mut header::HeaderMap, origin: &str) {
    let origin: String = origin
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ":/.-[]".contains(*c))
        .collect();
    if origin.is_empty() {
        return;
    }
    let current = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or(CONTENT_SECURITY_POLICY)
        .to_owned();
    let policy = current.replacen(
        "form-action 'self'",
        &format!("form-action 'self' {origin}"),
        1,
    );
    if let Ok(value) = header::HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// `secure`: served over HTTPS (behind a TLS proxy): browsers are told to
/// keep to HTTPS for a year.
pub fn headers(secure: bool) -> DefaultHeaders {
    let headers = if secure {
        DefaultHeaders::new().add((header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"))
    } else {
        DefaultHeaders::new()
    };
    headers
        // Pages carry personal data: kept by no cache (static assets say otherwise).
        .add((header::CACHE_CONTROL, "no-store"))
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
}

/// Middleware: a state-changing request sent by a browser from another site is
/// refused before any handler runs. The per-form token ([`super::csrf`]) is the
/// second check; the JSON API authenticates without cookies and is exempt.
pub async fn same_origin_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // The API too: scripts send no Origin and pass, a browser's cross-site
    // request (with credentials it may have cached) is refused.
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && is_cross_site(&req) {
        return Ok(req.error_response(AppError::Csrf).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

fn is_cross_site(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    !origin_host.eq_ignore_ascii_case(host)
}

/// `target` if it is a path of this site, safe to send as `Location` after a
/// sign-in (a « suite » or return address): it starts with one `/`, never
/// `//` or `/\` (another host), and holds only the characters a URL's path
/// and query are written with — no control character or white space, which
/// browsers strip (`/\t/evil.example` reads as `//evil.example`), no
/// backslash, which they read as `/`.
pub fn local_path(target: &str) -> Option<&str> {
    let rest = target.strip_prefix('/')?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/-._~%!$&'()*+,;=:@?#".contains(c);
    (target.len() <= 2000 && !rest.starts_with('/') && target.chars().all(allowed))
        .then_some(target)
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_of_this_site_are_followed() {
        for ok in [
            "/",
            "/mes-demandes",
            "/demarches/x?etape=2&a=b%20c",
            "/mes-demandes/3#messages",
        ] {
            assert_eq!(local_path(ok), Some(ok), "{ok}");
        }
        for bad in [
            "",
            "mes-demandes",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "\t/evil.example",
            "https://evil.example",
            "/%09/ok-but\u{0}",
            "/é",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
        assert_eq!(local_path(&format!("/{}", "a".repeat(2000))), None);
    }
}
