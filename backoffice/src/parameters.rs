//! A téléservice's paramètre list, for the agents who manage its category:
//! its entries added, renamed, moved, removed (retired when in use) and
//! offered again.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::catalogue::parameters::{self as admin, ListView, Removed};
use guichet_core::store::{Store, TenantTx};
use guichet_core::Error;
use guichet_web::csrf::{self, VerifiedForm};
use guichet_web::forms::Pairs;
use guichet_web::principal::SignedInAgent;
use guichet_web::render::see_other_with;
use guichet_web::{tx, AppError, Layout, Renderer};
use serde::Serialize;

use crate::desk::{self, Section as Nav};
use guichet_core::agents::Desk;

#[derive(Serialize)]
struct Page {
    layout: Layout,
    l: ListView,
    csrf_token: String,
    error: Option<String>,
    /// What the new entry's form was sent with, after a refusal.
    key: String,
    label: String,
}

#[allow(clippy::too_many_arguments)]
async fn show(
    agent: &SignedInAgent,
    session: &Session,
    store: &Store,
    pages: &Renderer,
    (code, list): (String, String),
    refused: Option<AppError>,
    kept: (String, String),
) -> Result<HttpResponse, AppError> {
    let me = agent.agent_id;
    // Opening a list seeds it from the form's defaults the first time.
    let (desk, l) = tx::write(store, agent, move |x| {
        let desk = desk::open(x, me)?;
        let l = admin::show(x, &desk, &code, &list)?;
        Ok::<_, Error>((desk, l))
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
    let title = format!("{} : {}", l.label, l.teleservice);
    let title = guichet_web::render::title(&title, error.is_some());
    let layout = desk::layout(agent, &desk, &title, Nav::Teleservices, session)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(pages.render(
            "backoffice/parameters",
            &Page {
                layout,
                l,
                csrf_token: csrf::token(session)?,
                error,
                key: kept.0,
                label: kept.1,
            },
        )?))
}

pub(crate) async fn page(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    show(
        &agent,
        &session,
        &store,
        &pages,
        path.into_inner(),
        None,
        Default::default(),
    )
    .await
}

/// Runs a change of the list, then shows it again: redirected when it
/// worked (with what it did), with the refusal when not.
async fn changed(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    (code, list): (String, String),
    kept: (String, String),
    change: impl FnOnce(&mut TenantTx<'_>, &Desk) -> Result<&'static str, Error> + Send + 'static,
) -> Result<HttpResponse, AppError> {
    let me = agent.agent_id;
    let result = tx::write(&store, &agent, move |t| {
        let desk = desk::open(t, me)?;
        change(t, &desk)
    })
    .await
    .map_err(desk::signed_in);
    match result {
        Ok(done) => see_other_with(
            &session,
            format!("/backoffice/teleservices/{code}/listes/{list}"),
            match done {
                "retiree" => "Des demandes ont choisi cette entrée : elle est retirée (plus proposée, toujours lisible dans ces demandes).",
                "supprimee" => "L’entrée est supprimée ; aucune demande ne l’avait choisie.",
                _ => "La liste est enregistrée ; le portail la propose ainsi dès maintenant.",
            },
        ),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            show(
                &agent,
                &session,
                &store,
                &pages,
                (code, list),
                Some(e),
                kept,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn add(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    path: web::Path<(String, String)>,
    VerifiedForm(form): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let ((code, list), p) = (path.into_inner(), Pairs(form));
    let (key, label, parent) = (p.get("key"), p.get("label"), p.get("parent"));
    let kept = (key.clone(), label.clone());
    let (c, l) = (code.clone(), list.clone());
    changed(
        agent,
        session,
        store,
        pages,
        (code, list),
        kept,
        move |t, d| admin::add(t, d, &c, &l, &key, &label, &parent).map(|()| "ajoutee"),
    )
    .await
}

pub(crate) async fn rename(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    path: web::Path<(String, String, String)>,
    VerifiedForm(form): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let ((code, list, key), p) = (path.into_inner(), Pairs(form));
    let label = p.get("label");
    let (c, l) = (code.clone(), list.clone());
    changed(
        agent,
        session,
        store,
        pages,
        (code, list),
        Default::default(),
        move |t, d| admin::rename(t, d, &c, &l, &key, &label).map(|()| "renommee"),
    )
    .await
}

pub(crate) async fn act(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    path: web::Path<(String, String, String, String)>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let (code, list, key, action) = path.into_inner();
    let (c, l) = (code.clone(), list.clone());
    changed(
        agent,
        session,
        store,
        pages,
        (code, list),
        Default::default(),
        move |t, d| match action.as_str() {
            "monter" => admin::shift(t, d, &c, &l, &key, true).map(|()| "deplacee"),
            "descendre" => admin::shift(t, d, &c, &l, &key, false).map(|()| "deplacee"),
            "retirer" => admin::remove(t, d, &c, &l, &key).map(|r| match r {
                Removed::Deleted => "supprimee",
                Removed::Retired => "retiree",
            }),
            "proposer" => admin::restore(t, d, &c, &l, &key).map(|()| "proposee"),
            _ => Err(Error::NotFound),
        },
    )
    .await
}
