//! The collectivité's logos and documents, for its back office's
//! administrators: each kind's current file and the previous one, a new one
//! sent (its type read from its content), the previous one restored. Agents
//! read the documents meant for them.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::collectivite::appearance::{self, Kind, KindView};
use guichet_core::files::FileStore;
use guichet_core::tenancy;
use guichet_web::csrf::VerifiedForm;
use guichet_web::render::see_other_with;
use guichet_web::{upload, AppError, Layout};
use serde::Serialize;

use crate::desk::{administrator, Office, Section as Nav};

const TITLE: &str = "Apparence et documents";

#[derive(Serialize)]
struct Page {
    layout: Layout,
    kinds: Vec<KindView>,
    csrf_token: String,
    error: Option<String>,
}

async fn show(office: &Office, refused: Option<AppError>) -> Result<HttpResponse, AppError> {
    let (desk, kinds) = office
        .read(|t, desk| {
            administrator(desk)?;
            appearance::overview(t)
        })
        .await?;
    let (status, error) = match refused {
        None => (StatusCode::OK, None),
        Some(e) => {
            let (status, message) = guichet_web::refusal(e)?;
            (status, Some(message))
        }
    };
    let title = guichet_web::render::title(TITLE, error.is_some());
    let layout = office.layout(&desk, &title, Nav::Appearance)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(office.pages.render(
            "backoffice/appearance",
            &Page {
                layout,
                kinds,
                csrf_token: office.csrf()?,
                error,
            },
        )?))
}

pub(crate) async fn page(office: Office) -> Result<HttpResponse, AppError> {
    show(&office, None).await
}

fn back(office: &Office) -> Result<HttpResponse, AppError> {
    see_other_with(
        &office.session,
        "/backoffice/apparence",
        "C’est enregistré ; le portail et l’espace des agents l’affichent dès maintenant.",
    )
}

/// A new file for a kind: kept only if recorded; the file it pushes out of
/// the previous slot is removed once the change is committed.
pub(crate) async fn replace(
    office: Office,
    files: web::Data<FileStore>,
    code: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let kind = Kind::parse(&code).ok_or(AppError::NotFound)?;
    // Only administrators may store anything here.
    office.read(|_, desk| administrator(desk)).await?;
    let form = match upload::receive(
        payload,
        &office.session,
        &files,
        office.agent.tenant.id,
        upload::Accept::new("file", kind.limits()),
    )
    .await
    {
        Ok(form) => form,
        Err(
            e @ (AppError::TooLarge(_) | AppError::BadRequest(_) | AppError::FilesUnavailable(_)),
        ) => return show(&office, Some(e)).await,
        Err(e) => return Err(e),
    };
    let Some(received) = form.files.first().cloned() else {
        let e = AppError::BadRequest("Choisissez le fichier à envoyer.".into());
        return show(&office, Some(e)).await;
    };
    let keys = form.keys();
    let recorded = office
        .write(move |t, desk| {
            administrator(desk)?;
            appearance::replace(t, &desk.name, kind, &received.stored, &received.filename)
        })
        .await;
    match recorded {
        Ok(dropped) => {
            tenancy::changed();
            if let Some(key) = dropped {
                upload::discard(&files, &[key]).await;
            }
            back(&office)
        }
        Err(e) => {
            upload::discard(&files, &keys).await;
            match e {
                e @ (AppError::Invalid(_) | AppError::Conflict(_)) => show(&office, Some(e)).await,
                e => Err(e),
            }
        }
    }
}

pub(crate) async fn restore(
    office: Office,
    code: web::Path<String>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let kind = Kind::parse(&code).ok_or(AppError::NotFound)?;
    let restored = office
        .write(move |t, desk| {
            administrator(desk)?;
            appearance::restore(t, &desk.name, kind)
        })
        .await;
    match restored {
        Ok(()) => {
            tenancy::changed();
            back(&office)
        }
        Err(e @ AppError::Conflict(_)) => show(&office, Some(e)).await,
        Err(e) => Err(e),
    }
}

/// A kind's current or previous file, for the administrators to look at.
pub(crate) async fn file(
    office: Office,
    files: web::Data<FileStore>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (code, slot) = path.into_inner();
    let kind = Kind::parse(&code).ok_or(AppError::NotFound)?;
    let slot = match slot.as_str() {
        "actuel" => "current",
        "precedent" => "previous",
        _ => return Err(AppError::NotFound),
    };
    let (_, (f, format)) = office
        .read(move |t, desk| {
            administrator(desk)?;
            appearance::file(t, kind, slot)
        })
        .await?;
    upload::download(&files, &f.key, &f.filename, format).await
}

/// A document for the agents (every document of the collectivité).
pub(crate) async fn document(
    office: Office,
    files: web::Data<FileStore>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let kind = Kind::parse(&code)
        .filter(|k| k.is_document())
        .ok_or(AppError::NotFound)?;
    let (_, (f, format)) = office
        .read(move |t, _| appearance::file(t, kind, "current"))
        .await?;
    upload::download(&files, &f.key, &format!("{}.pdf", kind.code()), format).await
}
