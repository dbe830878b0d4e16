//! The JSON API of the provisioning plane, under `/api/v1`, documented by the
//! OpenAPI document at `/api/openapi.json`. Authentication: HTTP Basic with a
//! login (`uid@slug` for a referential admin) and password, or a bearer token
//! from `guichet admin token`. Errors are `application/problem+json`.

pub(crate) mod agents;
pub(crate) mod authorities;
pub(crate) mod categories;
pub(crate) mod facilities;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use base64::Engine;
use guichet_core::agents::principal::{self, Principal};
use guichet_core::auth::throttle::Throttle;
use guichet_core::directory::Directory;
use guichet_core::store::{Store, TenantTx};
use guichet_core::Error;
use guichet_web::client::ClientAddr;

use crate::auth::Reach;
use guichet_web::{blocking, tx, AppError};

const OPENAPI: &str = include_str!("../../openapi.json");

/// The API document, its patterns and enumerations filled from the very
/// constants the server checks with.
static DOCUMENT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| guichet_web::openapi::document(OPENAPI));

/// Malformed JSON bodies and query strings answer a problem document.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    let json = web::JsonConfig::default()
        .limit(256 * 1024)
        .error_handler(|err, _| {
            AppError::BadRequest(format!("corps JSON invalide : {err}")).into()
        });
    let query = web::QueryConfig::default().error_handler(|err, _| {
        AppError::BadRequest(format!("paramètres invalides : {err}")).into()
    });
    let path = web::PathConfig::default()
        .error_handler(|err, _| AppError::BadRequest(format!("adresse invalide : {err}")).into());
    cfg.app_data(json).app_data(query).app_data(path);
}

pub(crate) async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT.as_str())
}

/// The authenticated caller of an API request.
pub(crate) struct ApiUser(pub Principal);

impl FromRequest for ApiUser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let authorization = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let store = req.app_data::<web::Data<Store>>().cloned();
        let directory = req.app_data::<web::Data<Directory>>().cloned();
        let throttle = req.app_data::<web::Data<Throttle>>().cloned();
        let client = ClientAddr::of(req);
        Box::pin(async move {
            let (Some(store), Some(directory), Some(throttle)) = (store, directory, throttle)
            else {
                return Err(AppError::Internal("état du provisioning absent".into()).into());
            };
            let Some(authorization) = authorization else {
                return Err(AppError::Unauthorized.into());
            };
            let found = if let Some(token) = authorization.strip_prefix("Bearer ") {
                let store = store.into_inner();
                let token = token.trim().to_owned();
                blocking(move || Ok(principal::authenticate_token(&store, &token)?)).await?
            } else if let Some(encoded) = authorization.strip_prefix("Basic ") {
                let (login, password) = decode_basic(encoded.trim())?;
                crate::auth::sign_in(
                    &store, &directory, &throttle, &login, &password, client, false,
                )
                .await?
            } else {
                return Err(AppError::Unauthorized.into());
            };
            found
                .map(ApiUser)
                .ok_or_else(|| AppError::Unauthorized.into())
        })
    }
}

fn decode_basic(encoded: &str) -> Result<(String, String), AppError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| AppError::Unauthorized)?;
    let text = String::from_utf8(bytes).map_err(|_| AppError::Unauthorized)?;
    let (login, password) = text.split_once(':').ok_or(AppError::Unauthorized)?;
    Ok((login.to_owned(), password.to_owned()))
}

/// `201 Created` with the new resource's address.
fn created<T: serde::Serialize>(location: &str, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(body)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Search {
    #[serde(default)]
    q: String,
    limit: Option<i64>,
}

impl Search {
    /// 100 by default, from 1 to 1 000.
    fn limit(&self) -> Result<i64, AppError> {
        match self.limit {
            None => Ok(100),
            Some(n) if (1..=1000).contains(&n) => Ok(n),
            Some(n) => Err(AppError::BadRequest(format!(
                "limit = {n} : un nombre de 1 à 1000 est attendu"
            ))),
        }
    }
}

/// Runs `f` in a read transaction of the collectivité within reach.
async fn read_in<T, E, F>(store: &web::Data<Store>, reach: &Reach, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut TenantTx<'_>) -> Result<T, E> + Send + 'static,
    E: Into<Error>,
    T: Send + 'static,
{
    tx::read(store, reach, |t| f(t).map_err(Into::<Error>::into)).await
}

/// Runs `f` in a write transaction of the collectivité within reach.
async fn write_in<T, E, F>(store: &web::Data<Store>, reach: &Reach, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut TenantTx<'_>) -> Result<T, E> + Send + 'static,
    E: Into<Error>,
    T: Send + 'static,
{
    tx::write(store, reach, |t| f(t).map_err(Into::<Error>::into)).await
}
