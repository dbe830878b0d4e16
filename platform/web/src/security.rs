//! Security headers on every response, and refusal of cross-site form posts.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::{DefaultHeaders, Next};

use super::AppError;

/// No inline script or style anywhere, so the policy can stay this strict.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

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
