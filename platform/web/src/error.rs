//! One error type for every handler, rendered once, at the edge: a French page
//! for people, `application/problem+json` (RFC 9457) under `/api/`.

use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use serde::Serialize;

use super::render::{Layout, Renderer};
use super::tenant::CurrentTenant;
use guichet_core::directory::DirectoryError;
use guichet_core::error::{Error as CoreError, FieldError};
use guichet_core::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page introuvable")]
    NotFound,
    #[error("collectivité inconnue")]
    UnknownTenant,
    /// The message says, in French, what to correct.
    #[error("{0}")]
    BadRequest(String),
    /// Fields of a form or JSON body, each with what to correct.
    #[error("données invalides")]
    Invalid(Vec<FieldError>),
    #[error("authentification requise")]
    Unauthorized,
    /// A page that needs a signed-in principal: sent to this sign-in page.
    #[error("connexion requise")]
    SignInRequired(&'static str),
    /// The signed-in person is gone since sign-in; each plane sends them to
    /// its sign-in page ([`AppError::SignInRequired`]), or 401 if none does.
    #[error("connexion requise")]
    SignedOut,
    #[error("accès refusé")]
    Forbidden,
    #[error("méthode non autorisée")]
    MethodNotAllowed,
    #[error("formulaire expiré")]
    Csrf,
    #[error("{0}")]
    Conflict(String),
    #[error("trop de tentatives")]
    TooManyRequests,
    /// An upload over the route's limit; the message says the limit.
    #[error("{0}")]
    TooLarge(String),
    /// The object store cannot be reached; nothing was stored.
    #[error("stockage des fichiers indisponible : {0}")]
    FilesUnavailable(String),
    #[error("service indisponible : {0}")]
    Unavailable(String),
    /// The LDAP directory cannot be reached; nothing was changed.
    #[error("annuaire indisponible : {0}")]
    DirectoryUnavailable(String),
    /// Logged in full; people see a reference, never the detail.
    #[error("erreur interne : {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(m) => AppError::Unavailable(m),
            StoreError::Busy => AppError::Unavailable("base de données occupée".into()),
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(constraint) => {
                // The constraint's name is for the log, not for people.
                tracing::info!(%constraint, "écriture refusée par une contrainte d’unicité");
                AppError::Conflict(
                    "Un enregistrement identique existe déjà : vérifiez les informations saisies."
                        .into(),
                )
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<CoreError> for AppError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Invalid(errors) => AppError::Invalid(errors),
            CoreError::Conflict(m) => AppError::Conflict(m),
            CoreError::NotFound => AppError::NotFound,
            CoreError::Refused(m) => AppError::Conflict(m),
            CoreError::SignedOut => AppError::SignedOut,
            CoreError::Directory(d) => d.into(),
            CoreError::Files(f) => f.into(),
            CoreError::Store(s) => s.into(),
        }
    }
}

impl From<DirectoryError> for AppError {
    fn from(e: DirectoryError) -> Self {
        match e {
            DirectoryError::Unavailable(m) => AppError::DirectoryUnavailable(m),
            DirectoryError::AlreadyExists(_) => AppError::Conflict(e.to_string()),
            // Entries' names and the server's own words go to the log only.
            DirectoryError::NoSuchEntry(dn) => {
                tracing::warn!(%dn, "entrée absente de l’annuaire");
                AppError::Conflict(
                    "L’annuaire et Guichet diffèrent pour cet enregistrement : un administrateur doit lancer « guichet ldap sync ».".into(),
                )
            }
            DirectoryError::Refused(detail) => {
                tracing::warn!(%detail, "l’annuaire a refusé la modification");
                AppError::BadRequest(
                    "L’annuaire a refusé la modification : vérifiez les informations saisies, ou demandez à l’administrateur de l’annuaire.".into(),
                )
            }
        }
    }
}

/// What people are told about an error.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The fields to correct, for invalid input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    fn new(code: &str, status: StatusCode, title: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("urn:guichet:problem:{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            instance: None,
            request_id: None,
            errors: Vec::new(),
        }
    }
}

impl AppError {
    pub fn problem(&self) -> Problem {
        let s = self.status_code();
        match self {
            AppError::NotFound => Problem::new(
                "not-found",
                s,
                "Page introuvable",
                "La page demandée n’existe pas ou n’est plus disponible.",
            ),
            AppError::UnknownTenant => Problem::new(
                "unknown-local-authority",
                s,
                "Collectivité inconnue",
                "Aucune collectivité ne propose ses services en ligne à cette adresse. Vérifiez l’adresse saisie.",
            ),
            AppError::BadRequest(m) => Problem::new("invalid-input", s, "Demande incorrecte", m.clone()),
            AppError::Invalid(errors) => {
                let mut p = Problem::new(
                    "invalid-input",
                    s,
                    "Données invalides",
                    errors
                        .iter()
                        .map(|e| format!("{} : {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join(" ; "),
                );
                p.errors = errors.clone();
                p
            }
            AppError::Unauthorized | AppError::SignInRequired(_) | AppError::SignedOut => Problem::new(
                "unauthorized",
                s,
                "Connexion requise",
                "Connectez-vous pour accéder à cette page.",
            ),
            AppError::MethodNotAllowed => Problem::new(
                "method-not-allowed",
                s,
                "Méthode non autorisée",
                "Cette adresse n’accepte pas cette méthode.",
            ),
            AppError::Forbidden => Problem::new(
                "forbidden",
                s,
                "Accès refusé",
                "Vous n’avez pas les droits nécessaires pour cette action.",
            ),
            AppError::Csrf => Problem::new(
                "form-expired",
                s,
                "Formulaire expiré",
                "Pour votre sécurité, ce formulaire a expiré. Rechargez la page et recommencez : rien n’a été enregistré.",
            ),
            AppError::Conflict(m) => Problem::new("conflict", s, "Conflit", m.clone()),
            AppError::TooManyRequests => Problem::new(
                "too-many-requests",
                s,
                "Trop de tentatives",
                "Trop de tentatives en peu de temps. Patientez quelques minutes avant de réessayer.",
            ),
            AppError::Unavailable(_) => Problem::new(
                "unavailable",
                s,
                "Service momentanément indisponible",
                "Le service est momentanément indisponible. Rien de ce que vous aviez enregistré n’est perdu : réessayez dans quelques minutes.",
            ),
            AppError::TooLarge(m) => {
                Problem::new("payload-too-large", s, "Fichier trop volumineux", m.clone())
            }
            AppError::FilesUnavailable(_) => Problem::new(
                "files-unavailable",
                s,
                "Stockage des fichiers momentanément indisponible",
                "Le stockage des fichiers ne répond pas : rien n’a été enregistré. Réessayez dans quelques minutes.",
            ),
            AppError::DirectoryUnavailable(_) => Problem::new(
                "directory-unavailable",
                s,
                "Annuaire momentanément indisponible",
                "L’annuaire des agents (LDAP) ne répond pas : rien n’a été modifié. Réessayez dans quelques minutes.",
            ),
            AppError::Internal(_) => Problem::new(
                "internal",
                s,
                "Erreur interne",
                "Une erreur inattendue s’est produite. Réessayez ; si elle persiste, contactez la mairie en indiquant la référence ci-dessous.",
            ),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::UnknownTenant => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) | AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized | AppError::SignedOut => StatusCode::UNAUTHORIZED,
            AppError::SignInRequired(_) => StatusCode::SEE_OTHER,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::FilesUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unavailable(_) | AppError::DirectoryUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A plain fallback; [`render_errors`] turns it into a page or a problem.
    fn error_response(&self) -> HttpResponse {
        if let AppError::SignInRequired(page) = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, *page))
                .finish();
        }
        let mut res = HttpResponse::build(self.status_code());
        if matches!(self, AppError::Unauthorized) {
            // Only the JSON API answers 401; pages redirect to their sign-in form.
            // Bearer only: a browser offered "Basic" would ask for a password
            // and then send it along with cross-site requests.
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"Guichet\""));
        }
        res.content_type("text/plain; charset=utf-8")
            .body(self.problem().detail)
    }
}

/// The problem for an error that is not ours (a malformed body, an unknown route).
fn foreign_problem(status: StatusCode, error: Option<&actix_web::Error>) -> Problem {
    match status {
        StatusCode::NOT_FOUND => AppError::NotFound.problem(),
        StatusCode::METHOD_NOT_ALLOWED => Problem::new(
            "method-not-allowed",
            status,
            "Méthode non autorisée",
            "Cette adresse n’accepte pas cette méthode.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
            "payload-too-large",
            status,
            "Envoi trop volumineux",
            "Les données envoyées dépassent la taille autorisée.",
        ),
        s if s.is_client_error() => Problem::new(
            "invalid-input",
            s,
            "Demande incorrecte",
            match error {
                Some(e) => format!("Les données envoyées sont illisibles : {e}"),
                None => "Les données envoyées sont illisibles.".to_owned(),
            },
        ),
        s => Problem::new(
            "internal",
            s,
            "Erreur interne",
            AppError::Internal(String::new()).problem().detail,
        ),
    }
}

/// True for the JSON API, whose errors are problem documents.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/") || path == "/api"
}

#[derive(Serialize)]
struct ErrorPage<'a> {
    layout: Layout,
    problem: &'a Problem,
}

/// How long a client is asked to wait before trying again after a 503.
pub const RETRY_AFTER_SECONDS: u32 = 30;

/// Middleware: renders every error response of the app, ours or actix's, as a
/// French page or (under `/api/`) as `application/problem+json`; an error a
/// middleware below raises (the sessions' store when the database is down)
/// too, never an empty answer.
pub async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // What a raised error's page needs, taken now: no clone of the request
    // may live across `next.call` (routing needs it unshared).
    let asked = Asked {
        path: req.path().to_owned(),
        request_id: req
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(|id| id.to_string()),
        pages: req.app_data::<web::Data<Renderer>>().cloned(),
        store: req
            .app_data::<web::Data<guichet_core::store::Store>>()
            .cloned(),
    };
    let res = match next.call(req).await {
        Ok(res) => res.map_into_boxed_body(),
        Err(e) => return Err(raised(e, asked).await),
    };
    let status = res.status();
    if status.as_u16() < 400 {
        return Ok(res);
    }
    let empty = matches!(
        res.response().body().size(),
        actix_web::body::BodySize::Sized(0) | actix_web::body::BodySize::None
    );
    let error = res.response().error();
    if error.is_none() && !empty {
        return Ok(res);
    }
    let problem = match error.and_then(|e| e.as_error::<AppError>()) {
        Some(app) => told(app, status),
        None => foreign_problem(status, error),
    };
    let http = res.request().clone();
    let tenant = http
        .extensions()
        .get::<CurrentTenant>()
        .map(|t| t.name.clone());
    let mut builder = HttpResponse::build(status);
    for (name, value) in res.response().headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            builder.insert_header((name.clone(), value.clone()));
        }
    }
    let pages = http.app_data::<web::Data<Renderer>>().cloned();
    let response = respond(
        builder,
        problem,
        &asked.path,
        asked.request_id,
        pages.as_ref().map(|p| p.get_ref()),
        tenant,
    );
    Ok(ServiceResponse::new(http, response))
}

/// What the error page of a request needs of it.
struct Asked {
    path: String,
    request_id: Option<String>,
    pages: Option<web::Data<Renderer>>,
    store: Option<web::Data<guichet_core::store::Store>>,
}

/// Logs an error of ours as what it is, and says it.
fn told(app: &AppError, status: StatusCode) -> Problem {
    match app {
        AppError::Internal(detail)
        | AppError::Unavailable(detail)
        | AppError::FilesUnavailable(detail)
        | AppError::DirectoryUnavailable(detail) => {
            tracing::error!(status = status.as_u16(), %detail, "requête en échec")
        }
        _ => tracing::info!(status = status.as_u16(), error = %app, "requête refusée"),
    }
    app.problem()
}

/// A raised error as the page or problem its status says, carried by the
/// error itself. A server error that is not ours (the sessions' store) while
/// the database does not answer is the database's outage: 503, to retry.
async fn raised(e: actix_web::Error, asked: Asked) -> actix_web::Error {
    let (status, problem) = match e.as_error::<AppError>() {
        Some(app) => (app.status_code(), told(app, app.status_code())),
        None => {
            let status = e.as_response_error().status_code();
            // The database down now, or moments ago (the request waited for
            // a connection while it was: it may be back by now).
            let down = match asked.store.filter(|_| status.is_server_error()) {
                Some(store) if store.failed_within(Duration::from_secs(10)) => true,
                Some(store) => !web::block(move || store.ping()).await.unwrap_or(false),
                None => false,
            };
            if down {
                let app = AppError::Unavailable(e.to_string());
                (app.status_code(), told(&app, app.status_code()))
            } else {
                if status.is_server_error() {
                    tracing::error!(status = status.as_u16(), error = %e, "requête en échec");
                }
                (status, foreign_problem(status, Some(&e)))
            }
        }
    };
    let response = respond(
        HttpResponse::build(status),
        problem,
        &asked.path,
        asked.request_id,
        asked.pages.as_ref().map(|p| p.get_ref()),
        None,
    );
    actix_web::error::InternalError::from_response(e.to_string(), response).into()
}

/// The error's answer: a problem document under `/api/`, a page elsewhere;
/// a 503 says when to try again.
fn respond(
    mut builder: actix_web::HttpResponseBuilder,
    mut problem: Problem,
    path: &str,
    request_id: Option<String>,
    pages: Option<&Renderer>,
    tenant: Option<String>,
) -> HttpResponse {
    problem.instance = Some(path.to_owned());
    problem.request_id = request_id;
    if problem.status == StatusCode::SERVICE_UNAVAILABLE.as_u16() {
        builder.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string()));
    }
    if is_api_path(path) {
        return builder
            .content_type("application/problem+json")
            .body(serde_json::to_string(&problem).unwrap_or_default());
    }
    // Pages say the core's fragments as sentences; the API keeps them as they are.
    problem.detail = super::sentence(&problem.detail);
    let mut layout = Layout::new(&problem.title);
    if let Some(name) = tenant {
        layout.site_name = name;
    }
    let page = pages
        .and_then(|r| {
            r.render(
                "error",
                &ErrorPage {
                    layout,
                    problem: &problem,
                },
            )
            .ok()
        })
        .unwrap_or_else(|| format!("{} — {}", problem.title, problem.detail));
    builder.content_type("text/html; charset=utf-8").body(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Someone signed in who is gone since is asked to sign in again: never
    /// a conflict (409) as a refusal of the business would be.
    #[test]
    fn signed_out_is_not_a_refusal() {
        let e = AppError::from(CoreError::SignedOut);
        assert!(matches!(e, AppError::SignedOut));
        assert_eq!(e.status_code(), StatusCode::UNAUTHORIZED);
        let refused = AppError::from(CoreError::Refused("déjà traitée".into()));
        assert_eq!(refused.status_code(), StatusCode::CONFLICT);
    }
}
