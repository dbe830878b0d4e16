//! The tenant gate: every request to a collectivité's pages is resolved, from
//! its `Host`, to that collectivité before any handler runs.

use std::future::{ready, Ready};
use std::ops::Deref;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use super::{blocking, AppError};
use crate::store::Store;
use crate::tenancy::{self, Tenant};

/// The collectivité that the gate resolved for this request.
#[derive(Debug, Clone)]
pub struct CurrentTenant(Arc<Tenant>);

impl Deref for CurrentTenant {
    type Target = Tenant;
    fn deref(&self) -> &Tenant {
        &self.0
    }
}

/// Middleware: resolves the collectivité or answers 404; records its slug on
/// the request's log span.
pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let store = req
        .app_data::<web::Data<Store>>()
        .cloned()
        .ok_or_else(|| AppError::Internal("store absent de l’application".into()))?;
    // The Host header itself: never X-Forwarded-Host, which any client can set.
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let tenant =
        match blocking(move || Ok(store.platform_read(|c| tenancy::resolve_host(c, &host))?)).await
        {
            Ok(Some(tenant)) => tenant,
            Ok(None) => {
                return Ok(req
                    .error_response(AppError::UnknownTenant)
                    .map_into_right_body())
            }
            Err(e) => return Ok(req.error_response(e).map_into_right_body()),
        };
    tracing::Span::current().record("tenant", tenant.slug.as_str());
    req.extensions_mut().insert(CurrentTenant(Arc::new(tenant)));
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

impl FromRequest for CurrentTenant {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<CurrentTenant>()
                .cloned()
                .ok_or_else(|| AppError::UnknownTenant.into()),
        )
    }
}
