//! The collectivité's logos, banner, style sheet and public documents, for
//! anyone on its portal.

use actix_web::{web, HttpResponse};
use guichet_core::collectivite::appearance::{self, Kind};
use guichet_core::files::FileStore;
use guichet_core::store::Store;
use guichet_web::tenant::CurrentTenant;
use guichet_web::{tx, upload, AppError};

/// What pages load: a logo (the portal's, the back office's, the letters'),
/// the banner, the style sheet.
pub(crate) async fn logo(
    tenant: CurrentTenant,
    store: web::Data<Store>,
    files: web::Data<FileStore>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let kind = Kind::parse(&code)
        .filter(|k| k.is_resource())
        .ok_or(AppError::NotFound)?;
    let (file, format) = tx::read(&store, &tenant, move |t| {
        appearance::file(t, kind, "current")
    })
    .await?;
    upload::public(&files, &file.key, format).await
}

/// A document for households (help, FAQ, legal notices, terms of use).
pub(crate) async fn document(
    tenant: CurrentTenant,
    store: web::Data<Store>,
    files: web::Data<FileStore>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let kind = Kind::parse(&code)
        .filter(|k| k.public())
        .ok_or(AppError::NotFound)?;
    let (file, format) = tx::read(&store, &tenant, move |t| {
        appearance::file(t, kind, "current")
    })
    .await?;
    upload::download(&files, &file.key, &format!("{}.pdf", kind.code()), format).await
}
