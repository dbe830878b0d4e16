//! HTTP foundations shared by the three planes: errors, pages, sessions, CSRF,
//! security headers, the tenant gate, health checks and static assets.

pub mod assets;
pub mod categories;
pub mod charts;
pub mod client;
pub mod csrf;
pub mod device;
pub mod error;
pub mod forms;
pub mod foyer;
pub mod health;
pub mod identity;
pub mod legal;
pub mod logging;
pub mod metrics;
pub mod openapi;
pub mod principal;
pub mod render;
pub mod routes;
pub mod security;
pub mod session;
pub mod sheet;
pub mod steps;
pub mod tenant;
pub mod tx;
pub mod upload;

pub use error::AppError;
pub use render::{Layout, Renderer};

/// Runs blocking work (the database, argon2) off the async executor.
pub async fn blocking<T, F>(f: F) -> Result<T, AppError>
where
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    actix_web::web::block(f)
        .await
        .map_err(|e| AppError::Internal(format!("tâche interrompue : {e}")))?
}

/// What the server registered for every request (the store, the pages…),
/// or an internal error naming `what` is missing.
pub fn app_data<T: 'static>(
    req: &actix_web::HttpRequest,
    what: &str,
) -> Result<actix_web::web::Data<T>, AppError> {
    req.app_data::<actix_web::web::Data<T>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(format!("{what} absent de l’application")))
}

/// A message from the core (lower case, no final stop) as a sentence.
pub fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let mut s: String = first.to_uppercase().chain(chars).collect();
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

/// A PDF made for the person asking (a receipt, a certificate, a printout):
/// never cached, shown by the browser and saved under `filename`.
pub fn pdf(bytes: Vec<u8>, filename: &str) -> actix_web::HttpResponse {
    use actix_web::http::header;
    actix_web::HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{filename}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}

/// A refusal as the page that was sent says it: its status, and its words
/// as sentences (each field's message, the conflict's, the file's). Other
/// errors are not refusals and go on as they are.
pub fn refusal(e: AppError) -> Result<(actix_web::http::StatusCode, String), AppError> {
    let status = actix_web::ResponseError::status_code(&e);
    let message = match e {
        AppError::Invalid(fields) => fields
            .iter()
            .map(|f| sentence(&f.message))
            .collect::<Vec<_>>()
            .join(" "),
        AppError::Conflict(m) | AppError::BadRequest(m) | AppError::TooLarge(m) => sentence(&m),
        AppError::FilesUnavailable(detail) => {
            tracing::error!(%detail, "stockage des fichiers injoignable");
            "Le stockage des fichiers ne répond pas : rien n’a été enregistré. Réessayez dans quelques minutes.".to_owned()
        }
        other => return Err(other),
    };
    Ok((status, message))
}
