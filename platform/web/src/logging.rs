//! The root span of every request: its id (from tracing-actix-web) and the
//! slug of the collectivité, filled in by the tenant gate, on every log line.
//! Secrets carried in paths (set-password links) are not written to the logs.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::HttpMessage;
use tracing::field::Empty;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

pub struct GuichetRootSpan;

/// Paths whose last segment is a secret token.
const SECRET_PATHS: &[&str] = &["/backoffice/mot-de-passe/"];

/// The request target as logged: secret tokens replaced by `…`.
pub fn loggable_target(target: &str) -> String {
    for prefix in SECRET_PATHS {
        if target.starts_with(prefix) {
            return format!("{prefix}…");
        }
    }
    target.to_owned()
}

impl RootSpanBuilder for GuichetRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let target = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("");
        let route = request.match_pattern().unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            // What the client cannot choose: the Host header itself, and the
            // socket peer or what a trusted proxy forwarded.
            http.host = %request
                .headers()
                .get(actix_web::http::header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
            http.client_ip = %super::client::ClientAddr::of(request.request())
                .0
                .map(|ip| ip.to_string())
                .unwrap_or_default(),
            http.target = %loggable_target(target),
            http.status_code = Empty,
            otel.status_code = Empty,
            request_id = %request_id,
            tenant = Empty,
            exception.message = Empty,
            exception.details = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn set_password_tokens_stay_out_of_the_logs() {
        assert_eq!(
            super::loggable_target("/backoffice/mot-de-passe/abcdef"),
            "/backoffice/mot-de-passe/…"
        );
        assert_eq!(
            super::loggable_target("/backoffice/?q=1"),
            "/backoffice/?q=1"
        );
    }
}
