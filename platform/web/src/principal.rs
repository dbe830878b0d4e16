//! Extractors of the signed-in principals of the collectivités' planes. Each
//! checks the session's principal against the collectivité the tenant gate
//! resolved from the host name: a session opened under one collectivité's
//! host is worth nothing under another's.

use std::future::{ready, Ready};

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use super::error::is_api_path;
use super::session::{self, PrincipalKind, SessionPrincipal};
use super::tenant::CurrentTenant;
use super::AppError;

/// The back office's sign-in page.
pub const AGENT_SIGN_IN: &str = "/backoffice/connexion";
/// The portal's sign-in page.
pub const HOUSEHOLD_SIGN_IN: &str = "/connexion";

/// An agent signed in to the back office of this request's collectivité.
#[derive(Debug, Clone)]
pub struct SignedInAgent {
    pub tenant: CurrentTenant,
    pub agent_id: i64,
}

/// A household signed in to the portal of this request's collectivité.
#[derive(Debug, Clone)]
pub struct SignedInHousehold {
    pub tenant: CurrentTenant,
    pub account_id: i64,
}

/// The session's principal of `kind`, if it belongs to the gate's collectivité.
fn bound(
    req: &HttpRequest,
    kind: PrincipalKind,
    sign_in: &'static str,
) -> Result<(CurrentTenant, i64), AppError> {
    let tenant = req
        .extensions()
        .get::<CurrentTenant>()
        .cloned()
        .ok_or(AppError::UnknownTenant)?;
    let refused = || {
        if is_api_path(req.path()) {
            AppError::Unauthorized
        } else {
            AppError::SignInRequired(sign_in)
        }
    };
    let who: SessionPrincipal = session::who(&req.get_session()).ok_or_else(refused)?;
    if who.kind != kind || !who.belongs_to(tenant.id) {
        tracing::warn!(
            tenant = %tenant.id,
            "session présentée hors de sa collectivité ou de son espace : refusée"
        );
        return Err(refused());
    }
    let id = who.id.parse::<i64>().map_err(|_| refused())?;
    Ok((tenant, id))
}

impl FromRequest for SignedInAgent {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            bound(req, PrincipalKind::Agent, AGENT_SIGN_IN)
                .map(|(tenant, agent_id)| SignedInAgent { tenant, agent_id })
                .map_err(Into::into),
        )
    }
}

impl FromRequest for SignedInHousehold {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            bound(req, PrincipalKind::Household, HOUSEHOLD_SIGN_IN)
                .map(|(tenant, account_id)| SignedInHousehold { tenant, account_id })
                .map_err(Into::into),
        )
    }
}

/// An agent of this request's collectivité calling the back office's JSON
/// API with a bearer token (`guichet admin token uid@slug`). A token made
/// under one collectivité is worth nothing under another's host.
#[derive(Debug, Clone)]
pub struct ApiAgent {
    pub tenant: CurrentTenant,
    pub agent_id: i64,
}

impl FromRequest for ApiAgent {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let tenant = req.extensions().get::<CurrentTenant>().cloned();
        let token = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned());
        let store = req
            .app_data::<actix_web::web::Data<guichet_core::store::Store>>()
            .cloned();
        Box::pin(async move {
            let tenant = tenant.ok_or(AppError::UnknownTenant)?;
            let (Some(token), Some(store)) = (token, store) else {
                return Err(AppError::Unauthorized.into());
            };
            let store = store.into_inner();
            let found = super::blocking(move || {
                Ok(guichet_core::agents::principal::authenticate_agent_token(
                    &store, &token,
                )?)
            })
            .await?;
            match found {
                Some((t, agent_id)) if t == tenant.id => Ok(ApiAgent { tenant, agent_id }),
                Some(_) => {
                    tracing::warn!(tenant = %tenant.id, "jeton présenté hors de sa collectivité : refusé");
                    Err(AppError::Unauthorized.into())
                }
                None => Err(AppError::Unauthorized.into()),
            }
        })
    }
}
