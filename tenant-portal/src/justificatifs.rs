//! « Mes documents »: the foyer's justificatifs, a new one deposited (its
//! pages uploaded whole or not at all), a page downloaded.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::files::{FileKind, FileStore, Limits};
use guichet_core::justificatifs::{self, Justificatif};
use guichet_domain::justificatifs::DOCUMENT_TYPES;
use guichet_web::forms::{sealed, Field, Form, Section};
use guichet_web::upload::{self, UploadForm};
use guichet_web::{tx, AppError, Layout};
use serde::Serialize;

use crate::page::{see_other_with, Home, Me, Section as Nav};

/// The deposit form: a type and its pages. `action` says where it goes
/// (« Mes documents », or a request's justificatifs step).
pub(crate) fn deposit_form(
    action: &str,
    csrf_token: String,
    types: &[(String, String)],
    chosen: &str,
) -> Form {
    let mut options = vec![(
        String::new(),
        "Choisissez le type de document".to_owned(),
        chosen.is_empty(),
    )];
    options.extend(
        types
            .iter()
            .map(|(code, label)| (code.clone(), label.clone(), chosen == code)),
    );
    Form::new(
        action,
        csrf_token,
        "Déposer le document",
        vec![Section::plain(vec![
            Field::select("document_type", "Type de document", options),
            Field::file("pages", "Pages du document", "application/pdf,image/jpeg,image/png", true)
                .hint("Un fichier PDF, JPEG ou PNG par page (10 Mo au plus chacun ; 10 pages et 30 Mo au plus par envoi). Une photo nette prise avec votre téléphone convient."),
        ])],
    )
    .multipart()
    .with_id("depot")
}

fn every_type() -> Vec<(String, String)> {
    DOCUMENT_TYPES
        .iter()
        .map(|t| (t.code.to_owned(), t.label.to_owned()))
        .collect()
}

#[derive(Serialize)]
struct ListPage {
    layout: Layout,
    documents: Vec<Justificatif>,
    form: Form,
}

fn list_page(
    home: &Home,
    me: &Me,
    documents: Vec<Justificatif>,
    form: Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let form = sealed(form);
    let title = guichet_web::render::title("Mes documents", form.has_errors());
    home.render(
        status,
        "portal/documents",
        &ListPage {
            layout: home.layout(&title, Nav::Documents, me)?,
            documents,
            form,
        },
    )
}

async fn load(home: &Home) -> Result<(Me, Vec<Justificatif>), AppError> {
    home.read(move |t, me| justificatifs::of_foyer(t, me.foyer_id()))
        .await
}

pub(crate) async fn list(home: Home) -> Result<HttpResponse, AppError> {
    let (me, docs) = load(&home).await?;
    let form = deposit_form("/mes-documents", home.csrf()?, &every_type(), "");
    list_page(&home, &me, docs, form, StatusCode::OK)
}

/// Receives a deposit: the form's files stored, then the document recorded;
/// if the record fails, the stored files are removed (nothing half-kept).
pub(crate) async fn receive_deposit(
    home: &Home,
    payload: Multipart,
    files: &FileStore,
    household: i64,
) -> Result<Result<i64, (String, AppError)>, AppError> {
    let allowance = tx::read(&home.store, &home.who, move |t| {
        justificatifs::allowance(t, household)
    })
    .await?;
    let accept = upload::Accept::new("pages", &Limits::DOCUMENTS).within(allowance);
    let form: UploadForm =
        match upload::receive(payload, &home.session, files, home.who.tenant.id, accept).await {
            Ok(f) => f,
            Err(
                e @ (AppError::TooLarge(_)
                | AppError::BadRequest(_)
                | AppError::FilesUnavailable(_)),
            ) => return Ok(Err((String::new(), e))),
            Err(e) => return Err(e),
        };
    let chosen = form.field("document_type");
    let pages = form.pages("pages");
    let keys = form.keys();
    let t = chosen.clone();
    let recorded = tx::write(&home.store, &home.who, move |x| {
        justificatifs::deposit(x, household, &t, &pages)
    })
    .await;
    match recorded {
        Ok(id) => Ok(Ok(id)),
        Err(e) => {
            upload::discard(files, &keys).await;
            match e {
                AppError::Invalid(_) | AppError::Conflict(_) => Ok(Err((chosen, e))),
                other => Err(other),
            }
        }
    }
}

pub(crate) async fn deposit(
    home: Home,
    files: web::Data<FileStore>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let (me, _) = load(&home).await?;
    match receive_deposit(&home, payload, &files, me.foyer_id()).await? {
        Ok(_) => see_other_with(
            &home.session,
            "/mes-documents",
            "Votre document est déposé. La mairie le vérifiera avec votre prochaine demande.",
        ),
        Err((chosen, e)) => {
            let (me, docs) = load(&home).await?;
            let mut form = deposit_form("/mes-documents", home.csrf()?, &every_type(), &chosen);
            let status = refused_upload(&mut form, e)?;
            list_page(&home, &me, docs, form, status)
        }
    }
}

/// Puts an upload's refusal next to the file field.
pub(crate) fn refused_upload(form: &mut Form, e: AppError) -> Result<StatusCode, AppError> {
    let status = actix_web::ResponseError::status_code(&e);
    match e {
        AppError::TooLarge(m) | AppError::BadRequest(m) => {
            form.field_errors(vec![guichet_core::error::FieldError::new("pages", m)]);
            Ok(status)
        }
        AppError::FilesUnavailable(detail) => {
            tracing::error!(%detail, "stockage des fichiers injoignable");
            form.general_error("le stockage des fichiers ne répond pas : rien n’a été enregistré ; réessayez dans quelques minutes");
            Ok(status)
        }
        other => form.refused(other),
    }
}

pub(crate) async fn page(
    home: Home,
    files: web::Data<FileStore>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let file_id = id.into_inner();
    let (_, record) = home
        .read(move |t, me| justificatifs::page(t, me.foyer_id(), file_id))
        .await?;
    let kind = FileKind::of(&record).unwrap_or(FileKind::Pdf);
    upload::download(&files, &record.key, &record.filename, kind).await
}
