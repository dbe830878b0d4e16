//! « Mes documents »: the foyer's justificatifs, a new one deposited (its
//! pages uploaded whole or not at all), a page downloaded.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::files::{FileKind, FileStore, Limits};
use guichet_core::justificatifs::{self, Document};
use guichet_core::store::Store;
use guichet_core::Error;
use guichet_domain::documents::DOCUMENT_TYPES;
use guichet_web::forms::{sealed, Field, Form, Section};
use guichet_web::principal::SignedInHousehold;
use guichet_web::upload::{self, UploadForm};
use guichet_web::{csrf, tx, AppError, Layout, Renderer};
use serde::Serialize;

use crate::page::{layout, me_in, render, see_other_with, signed_in, Me, Section as Nav};

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
    documents: Vec<Document>,
    form: Form,
}

#[allow(clippy::too_many_arguments)]
fn list_page(
    pages: &Renderer,
    who: &SignedInHousehold,
    session: &Session,
    me: &Me,
    documents: Vec<Document>,
    form: Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let form = sealed(form);
    let title = guichet_web::render::title("Mes documents", form.has_errors());
    render(
        pages,
        status,
        "portal/documents",
        &ListPage {
            layout: layout(&who.tenant, &title, Nav::Documents, Some(me), session)?,
            documents,
            form,
        },
    )
}

async fn load(store: &Store, who: &SignedInHousehold) -> Result<(Me, Vec<Document>), AppError> {
    let id = who.account_id;
    tx::read(store, who, move |t| {
        let me = me_in(t, id)?;
        let docs = justificatifs::of_household(t, me.household())?;
        Ok::<_, Error>((me, docs))
    })
    .await
    .map_err(signed_in)
}

pub(crate) async fn list(
    who: SignedInHousehold,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let (me, docs) = load(&store, &who).await?;
    let form = deposit_form("/mes-documents", csrf::token(&session)?, &every_type(), "");
    list_page(&pages, &who, &session, &me, docs, form, StatusCode::OK)
}

/// Receives a deposit: the form's files stored, then the document recorded;
/// if the record fails, the stored files are removed (nothing half-kept).
pub(crate) async fn receive_deposit(
    payload: Multipart,
    session: &Session,
    files: &FileStore,
    store: &Store,
    who: &SignedInHousehold,
    household: i64,
) -> Result<Result<i64, (String, AppError)>, AppError> {
    let allowance = tx::read(store, who, move |t| justificatifs::allowance(t, household)).await?;
    let accept = upload::Accept::new("pages", &Limits::DOCUMENTS).within(allowance);
    let form: UploadForm = match upload::receive(payload, session, files, who.tenant.id, accept)
        .await
    {
        Ok(f) => f,
        Err(
            e @ (AppError::TooLarge(_) | AppError::BadRequest(_) | AppError::FilesUnavailable(_)),
        ) => return Ok(Err((String::new(), e))),
        Err(e) => return Err(e),
    };
    let chosen = form.field("document_type");
    let pages = form.pages("pages");
    let keys = form.keys();
    let t = chosen.clone();
    let recorded = tx::write(store, who, move |x| {
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
    who: SignedInHousehold,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    files: web::Data<FileStore>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let (me, _) = load(&store, &who).await?;
    match receive_deposit(payload, &session, &files, &store, &who, me.household()).await? {
        Ok(_) => see_other_with(
            &session,
            "/mes-documents",
            "Votre document est déposé. La mairie le vérifiera avec votre prochaine demande.",
        ),
        Err((chosen, e)) => {
            let (me, docs) = load(&store, &who).await?;
            let mut form = deposit_form(
                "/mes-documents",
                csrf::token(&session)?,
                &every_type(),
                &chosen,
            );
            let status = refused_upload(&mut form, e)?;
            list_page(&pages, &who, &session, &me, docs, form, status)
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
    who: SignedInHousehold,
    store: web::Data<Store>,
    files: web::Data<FileStore>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (file_id, account) = (id.into_inner(), who.account_id);
    let record = tx::read(&store, &who, move |t| {
        let me = me_in(t, account)?;
        justificatifs::page(t, me.household(), file_id)
    })
    .await
    .map_err(signed_in)?;
    let kind = FileKind::of(&record).unwrap_or(FileKind::Pdf);
    upload::download(&files, &record.key, &record.filename, kind).await
}
