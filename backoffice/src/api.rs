//! The back office's JSON API, under `/api/v1` of the collectivité's host,
//! documented at `/api/openapi.json`: requests (search, read, transition,
//! notes) and foyers (search, read), for an agent's bearer token, with the
//! agent's rights as in their pages. Errors are `application/problem+json`.

use actix_web::{web, HttpRequest, HttpResponse};
use guichet_cases::casework::{self, BatchAction, FoyerQuery, Query};
use guichet_core::agents::Desk;
use guichet_core::store::{Store, TenantTx};
use guichet_core::Error;
use guichet_web::principal::ApiAgent;
use guichet_web::routes::{RouteTable, Who::*};
use guichet_web::{tx, AppError};
use serde::Deserialize;

const OPENAPI: &str = include_str!("../openapi.json");

/// The document, its enumerations filled from the server's own lists.
static DOCUMENT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| guichet_web::openapi::document(OPENAPI));

/// The API's routes, relative to `/api`.
pub fn routes() -> RouteTable {
    RouteTable::new()
        .get("/openapi.json", Anyone, "api.describe", openapi)
        .get("/v1/requests", Agent, "api.requests.search", search)
        .get("/v1/requests/{id}", Agent, "api.request.read", read)
        .post(
            "/v1/requests/{id}/transitions",
            Agent,
            "api.request.transition",
            transition,
        )
        .post("/v1/requests/{id}/notes", Agent, "api.request.note", note)
        .get("/v1/foyers", Agent, "api.foyers.search", foyers)
        .get("/v1/foyers/{id}", Agent, "api.foyer.read", foyer)
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT.as_str())
}

/// The query string's pairs, as the search pages read them.
fn pairs(req: &HttpRequest) -> Result<Vec<(String, String)>, AppError> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| AppError::BadRequest(format!("paramètres invalides : {e}")))
}

/// Runs `f` with the agent's desk, in one transaction.
async fn with_desk<T, F>(store: &Store, agent: &ApiAgent, write: bool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut TenantTx<'_>, &Desk) -> Result<T, Error> + Send + 'static,
    T: Send + 'static,
{
    let me = agent.agent_id;
    let run = move |t: &mut TenantTx<'_>| {
        // An agent out of the back office's groups since the token was made.
        let desk = guichet_core::agents::desk(t, me).map_err(|e| match e {
            Error::NotFound => {
                Error::Refused("ce compte n’a plus accès à l’espace des agents".into())
            }
            other => other,
        })?;
        f(t, &desk)
    };
    if write {
        tx::write(store, &agent.tenant, run).await
    } else {
        tx::read(store, &agent.tenant, run).await
    }
}

async fn search(
    agent: ApiAgent,
    req: HttpRequest,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let pairs = pairs(&req)?;
    let query = Query::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let found = with_desk(&store, &agent, false, move |t, d| {
        casework::search(t, d, &query)
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

async fn read(
    agent: ApiAgent,
    store: web::Data<Store>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let record = with_desk(&store, &agent, false, move |t, d| {
        casework::record(t, d, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(record))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransitionBody {
    to: String,
    #[serde(default)]
    reason: String,
    /// The request's `version` the caller decided on; a changed request is
    /// then refused (409).
    version: Option<String>,
}

/// Writes to the request, then answers it as it now is.
async fn written(
    agent: &ApiAgent,
    store: &Store,
    id: i64,
    seen: Option<String>,
    what: BatchAction,
) -> Result<HttpResponse, AppError> {
    let here = agent.tenant.site();
    let record = with_desk(store, agent, true, move |t, d| {
        casework::apply(t, d, id, None, seen.as_deref(), &what, &here)?;
        casework::record(t, d, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(record))
}

async fn transition(
    agent: ApiAgent,
    store: web::Data<Store>,
    id: web::Path<i64>,
    body: web::Json<TransitionBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let what = BatchAction::Move {
        to: body.to,
        reason: body.reason,
    };
    written(&agent, &store, *id, body.version, what).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    body: String,
    /// Sent to the household (e-mailed, shown in its space); otherwise an
    /// internal note.
    #[serde(default)]
    public: bool,
}

async fn note(
    agent: ApiAgent,
    store: web::Data<Store>,
    id: web::Path<i64>,
    body: web::Json<NoteBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let what = BatchAction::Note {
        body: body.body,
        to_household: body.public,
    };
    written(&agent, &store, *id, None, what).await
}

async fn foyers(
    agent: ApiAgent,
    req: HttpRequest,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let pairs = pairs(&req)?;
    let query = FoyerQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let found = with_desk(&store, &agent, false, move |t, d| {
        casework::search_foyers(t, d, &query)
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

async fn foyer(
    agent: ApiAgent,
    store: web::Data<Store>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let found = with_desk(&store, &agent, false, move |t, d| casework::foyer(t, d, id)).await?;
    Ok(HttpResponse::Ok().json(found))
}
