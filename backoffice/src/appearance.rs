//! The collectivité's logos and documents, for its back office's
//! administrators: each kind's current file and the previous one, a new one
//! sent (its type read from its content), the previous one restored. Agents
//! read the documents meant for them.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::collectivite::appearance::{self, Kind, KindView};
use guichet_core::files::FileStore;
use guichet_core::store::Store;
use guichet_core::{tenancy, Error};
use guichet_web::csrf::{self, VerifiedForm};
use guichet_web::principal::SignedInAgent;
use guichet_web::render::see_other_with;
use guichet_web::{tx, upload, AppError, Layout, Renderer};
use serde::Serialize;

use crate::desk::{self, administrator, Section as Nav};

const TITLE: &str = "Apparence et documents";

#[derive(Serialize)]
struct Page {
    layout: Layout,
    kinds: Vec<KindView>,
    csrf_token: String,
    error: Option<String>,
}

async fn show(
    agent: &SignedInAgent,
    session: &Session,
    store: &Store,
    pages: &Renderer,
    refused: Option<AppError>,
) -> Result<HttpResponse, AppError> {
    let me = agent.agent_id;
    let (desk, kinds) = tx::read(store, agent, move |t| {
        let desk = desk::open(t, me)?;
        administrator(&desk)?;
        Ok::<_, Error>((desk, appearance::overview(t)?))
    })
    .await
    .map_err(desk::signed_in)?;
    let (status, error) = match refused {
        None => (StatusCode::OK, None),
        Some(e) => {
            let (status, message) = guichet_web::refusal(e)?;
            (status, Some(message))
        }
    };
    let title = guichet_web::render::title(TITLE, error.is_some());
    let layout = desk::layout(agent, &desk, &title, Nav::Appearance, session)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(pages.render(
            "backoffice/appearance",
            &Page {
                layout,
                kinds,
                csrf_token: csrf::token(session)?,
                error,
            },
        )?))
}

pub(crate) async fn page(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
) -> Result<HttpResponse, AppError> {
    show(&agent, &session, &store, &pages, None).await
}

fn back(session: &Session) -> Result<HttpResponse, AppError> {
    see_other_with(
        session,
        "/backoffice/apparence",
        "C’est enregistré ; le portail et l’espace des agents l’affichent dès maintenant.",
    )
}

/// A new file for a kind: kept only if recorded; the file it pushes out of
/// the previous slot is removed once the change is committed.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn replace(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    files: web::Data<FileStore>,
    code: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let kind = Kind::parse(&code).ok_or(AppError::NotFound)?;
    let me = agent.agent_id;
    // Only administrators may store anything here.
    tx::read(&store, &agent, move |t| administrator(&desk::open(t, me)?))
        .await
        .map_err(desk::signed_in)?;
    let form = match upload::receive(
        payload,
        &session,
        &files,
        agent.tenant.id,
        upload::Accept::new("file", kind.limits()),
    )
    .await
    {
        Ok(form) => form,
        Err(
            e @ (AppError::TooLarge(_) | AppError::BadRequest(_) | AppError::FilesUnavailable(_)),
        ) => return show(&agent, &session, &store, &pages, Some(e)).await,
        Err(e) => return Err(e),
    };
    let Some(received) = form.files.first().cloned() else {
        let e = AppError::BadRequest("Choisissez le fichier à envoyer.".into());
        return show(&agent, &session, &store, &pages, Some(e)).await;
    };
    let keys = form.keys();
    let recorded = tx::write(&store, &agent, move |t| {
        let desk = desk::open(t, me)?;
        administrator(&desk)?;
        appearance::replace(t, &desk.name, kind, &received.stored, &received.filename)
    })
    .await
    .map_err(desk::signed_in);
    match recorded {
        Ok(dropped) => {
            tenancy::changed();
            if let Some(key) = dropped {
                upload::discard(&files, &[key]).await;
            }
            back(&session)
        }
        Err(e) => {
            upload::discard(&files, &keys).await;
            match e {
                e @ (AppError::Invalid(_) | AppError::Conflict(_)) => {
                    show(&agent, &session, &store, &pages, Some(e)).await
                }
                e => Err(e),
            }
        }
    }
}

pub(crate) async fn restore(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    code: web::Path<String>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let kind = Kind::parse(&code).ok_or(AppError::NotFound)?;
    let me = agent.agent_id;
    let restored = tx::write(&store, &agent, move |t| {
        let desk = desk::open(t, me)?;
        administrator(&desk)?;
        appearance::restore(t, &desk.name, kind)
    })
    .await
    .map_err(desk::signed_in);
    match restored {
        Ok(()) => {
            tenancy::changed();
            back(&session)
        }
        Err(e @ AppError::Conflict(_)) => show(&agent, &session, &store, &pages, Some(e)).await,
        Err(e) => Err(e),
    }
}

/// A kind's current or previous file, for the administrators to look at.
pub(crate) async fn file(
    agent: SignedInAgent,
    store: web::Data<Store>,
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
    let me = agent.agent_id;
    let (f, format) = tx::read(&store, &agent, move |t| {
        administrator(&desk::open(t, me)?)?;
        appearance::file(t, kind, slot)
    })
    .await
    .map_err(desk::signed_in)?;
    upload::download(&files, &f.key, &f.filename, format).await
}

/// A document for the agents (every document of the collectivité).
pub(crate) async fn document(
    agent: SignedInAgent,
    store: web::Data<Store>,
    files: web::Data<FileStore>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let kind = Kind::parse(&code)
        .filter(|k| k.is_document())
        .ok_or(AppError::NotFound)?;
    let me = agent.agent_id;
    let (f, format) = tx::read(&store, &agent, move |t| {
        desk::open(t, me)?;
        appearance::file(t, kind, "current")
    })
    .await
    .map_err(desk::signed_in)?;
    upload::download(&files, &f.key, &format!("{}.pdf", kind.code()), format).await
}
