//! The justificatifs zone of a request's page: the review of a document,
//! a document or a page added (uploads kept only if recorded), a document
//! taken off the request, a page looked at.

use actix_multipart::Multipart;
use actix_web::{web, HttpResponse};
use guichet_cases::casework::{justificatifs, Review};
use guichet_core::files::{FileKind, FileRecord, FileStore, Limits};
use guichet_web::csrf::VerifiedForm;
use guichet_web::upload::{self, UploadForm};
use guichet_web::AppError;
use serde::Deserialize;

use crate::case::{answer, show, written, Shown};
use crate::desk::Office;

#[derive(Deserialize)]
pub(crate) struct ReviewForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    comment: String,
}

pub(crate) async fn review(
    office: Office,
    path: web::Path<(i64, i64)>,
    VerifiedForm(form): VerifiedForm<ReviewForm>,
) -> Result<HttpResponse, AppError> {
    let (id, document) = path.into_inner();
    written(&office, id, "justificatif", move |t, d| {
        justificatifs::review(
            t,
            d,
            id,
            &form.version,
            &Review {
                document,
                state: &form.state,
                valid_until: &form.valid_until,
                comment: &form.comment,
            },
        )
    })
    .await
}

#[derive(Deserialize)]
pub(crate) struct Seen {
    #[serde(default)]
    version: String,
}

pub(crate) async fn remove(
    office: Office,
    path: web::Path<(i64, i64)>,
    VerifiedForm(form): VerifiedForm<Seen>,
) -> Result<HttpResponse, AppError> {
    let (id, document) = path.into_inner();
    written(&office, id, "retrait", move |t, d| {
        justificatifs::remove(t, d, id, &form.version, document)
    })
    .await
}

/// Receives an upload of the request's page, then records it with
/// `record`; the stored files are removed if it is refused.
async fn uploaded(
    office: &Office,
    files: web::Data<FileStore>,
    payload: Multipart,
    id: i64,
    (field, limits): (&'static str, &'static Limits),
    record: impl FnOnce(
            &mut guichet_core::store::TenantTx<'_>,
            &guichet_core::agents::Desk,
            UploadForm,
        ) -> Result<(), guichet_core::Error>
        + Send
        + 'static,
) -> Result<HttpResponse, AppError> {
    let form = match upload::receive(
        payload,
        &office.session,
        &files,
        office.agent.tenant.id,
        upload::Accept::new(field, limits),
    )
    .await
    {
        Ok(form) => form,
        Err(
            e @ (AppError::TooLarge(_) | AppError::BadRequest(_) | AppError::FilesUnavailable(_)),
        ) => return show(office, id, Some(e), Shown::default()).await,
        Err(e) => return Err(e),
    };
    let keys = form.keys();
    let result = office.write(move |t, d| record(t, d, form)).await;
    if result.is_err() {
        upload::discard(&files, &keys).await;
    }
    answer(office, id, "justificatif", result).await
}

/// A document brought by the household, added to the request.
pub(crate) async fn add(
    office: Office,
    files: web::Data<FileStore>,
    id: web::Path<i64>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    uploaded(
        &office,
        files,
        payload,
        id,
        ("pages", &Limits::DOCUMENTS),
        move |t, d, form| {
            let kind = form.field("document_type");
            justificatifs::add(
                t,
                d,
                id,
                &form.field("version"),
                &kind,
                &form.pages("pages"),
            )
            .map(|_| ())
        },
    )
    .await
}

/// A page added to a document of the request.
pub(crate) async fn add_page(
    office: Office,
    files: web::Data<FileStore>,
    path: web::Path<(i64, i64)>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let (id, document) = path.into_inner();
    uploaded(
        &office,
        files,
        payload,
        id,
        ("page", &Limits::PAGE),
        move |t, d, form| {
            let Some(page) = form.pages("page").into_iter().next() else {
                return Err(guichet_core::error::invalid(
                    "page",
                    "choisissez le fichier de la page à ajouter (PDF, JPEG ou PNG)",
                ));
            };
            justificatifs::add_page(t, d, id, &form.field("version"), document, &page)
        },
    )
    .await
}

/// The record of a page of a document of the request the agent reaches.
async fn page_record(
    office: &Office,
    id: i64,
    file: i64,
) -> Result<(FileRecord, FileKind), AppError> {
    let (_, record) = office
        .read(move |t, desk| justificatifs::page(t, desk, id, file))
        .await?;
    let kind = FileKind::of(&record).unwrap_or(FileKind::Pdf);
    Ok((record, kind))
}

/// A page of a document of the request, shown in the request's page.
pub(crate) async fn view(
    office: Office,
    files: web::Data<FileStore>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (id, file) = path.into_inner();
    let (record, kind) = page_record(&office, id, file).await?;
    upload::view(&files, &record.key, kind).await
}

/// A page of a document of the request, downloaded to be looked at.
pub(crate) async fn page(
    office: Office,
    files: web::Data<FileStore>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (id, file) = path.into_inner();
    let (record, kind) = page_record(&office, id, file).await?;
    upload::download(&files, &record.key, &record.filename, kind).await
}
