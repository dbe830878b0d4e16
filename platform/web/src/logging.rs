//! The root span of every request: its id (from tracing-actix-web) and the
//! slug of the collectivité, filled in by the tenant gate, on every log line.
//! What a client sent is logged by its route: secrets carried in paths (links
//! mailed to people) and query strings (OpenID Connect's answers) are not.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::HttpMessage;
use tracing::field::Empty;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

pub struct GuichetRootSpan;

/// Route parameters that carry a secret (a link mailed to someone): never
/// written. A new route with a secret names its parameter so.
const SECRET_PARAMETERS: &[&str] = &["token", "secret"];

/// The request's target as logged, by construction free of secrets: the
/// route's pattern with its parameters filled in, except secret ones
/// ([`SECRET_PARAMETERS`]); never the query string (OpenID Connect's `code`
/// and `state`, searched names); `-` for a path no route matches.
pub fn loggable_target(pattern: Option<&str>, param: impl Fn(&str) -> Option<String>) -> String {
    let Some(pattern) = pattern else {
        return "-".into();
    };
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let inner = &rest[open + 1..open + close];
        let name = inner.split(':').next().unwrap_or(inner);
        match param(name).filter(|_| !SECRET_PARAMETERS.contains(&name)) {
            Some(value) => out.push_str(&value),
            None => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        }
        rest = &rest[open + close + 1..];
    }
    if !rest.contains('{') {
        out.push_str(rest);
    }
    out
}

impl RootSpanBuilder for GuichetRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
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
            // Filled in once routed, when the parameters are known.
            http.target = Empty,
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
        if let Ok(response) = outcome {
            let req = response.request();
            let info = req.match_info();
            let target = loggable_target(req.match_pattern().as_deref(), |name| {
                info.get(name).map(str::to_owned)
            });
            span.record("http.target", target.as_str());
        }
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::loggable_target;

    fn params(name: &str) -> Option<String> {
        match name {
            "id" => Some("42".into()),
            "token" => Some("s3cr3t".into()),
            _ => None,
        }
    }

    #[test]
    fn secrets_stay_out_of_the_logs() {
        assert_eq!(
            loggable_target(Some("/backoffice/mot-de-passe/{token}"), params),
            "/backoffice/mot-de-passe/{token}"
        );
        assert_eq!(
            loggable_target(Some("/mes-demandes/{id}/pieces/{n:\\d+}"), params),
            "/mes-demandes/42/pieces/{n}"
        );
        assert_eq!(loggable_target(None, params), "-");
        assert_eq!(
            loggable_target(Some("/backoffice/"), params),
            "/backoffice/"
        );
    }
}
