//! A téléservice's paramètre list, for the agents who manage its category:
//! its entries added, renamed, moved, removed (retired when in use) and
//! offered again.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::catalogue::parameters::{self as admin, ListView, Removed};
use guichet_core::store::TenantTx;
use guichet_core::Error;
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::Pairs;
use guichet_web::render::see_other_with;
use guichet_web::{AppError, Layout};
use serde::Serialize;

use crate::desk::{Office, Section as Nav};
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

async fn show(
    office: &Office,
    (code, list): (String, String),
    refused: Option<AppError>,
    kept: (String, String),
) -> Result<HttpResponse, AppError> {
    // Opening a list seeds it from the form's defaults the first time: a
    // write, whose desk comes back for the layout.
    let (desk, l) = office
        .write(move |x, desk| {
            let l = admin::show(x, desk, &code, &list)?;
            Ok((desk.clone(), l))
        })
        .await?;
    let (status, error) = match refused {
        None => (StatusCode::OK, None),
        Some(e) => {
            let (status, message) = guichet_web::refusal(e)?;
            (status, Some(message))
        }
    };
    let title = format!("{} : {}", l.label, l.teleservice);
    let title = guichet_web::render::title(&title, error.is_some());
    let layout = office.layout(&desk, &title, Nav::Teleservices)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(office.pages.render(
            "backoffice/parameters",
            &Page {
                layout,
                l,
                csrf_token: office.csrf()?,
                error,
                key: kept.0,
                label: kept.1,
            },
        )?))
}

pub(crate) async fn page(
    office: Office,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    show(&office, path.into_inner(), None, Default::default()).await
}

/// Runs a change of the list, then shows it again: redirected when it
/// worked (with what it did), with the refusal when not.
async fn changed(
    office: &Office,
    (code, list): (String, String),
    kept: (String, String),
    change: impl FnOnce(&mut TenantTx<'_>, &Desk) -> Result<&'static str, Error> + Send + 'static,
) -> Result<HttpResponse, AppError> {
    let result = office.write(change).await;
    match result {
        Ok(done) => see_other_with(
            &office.session,
            format!("/backoffice/teleservices/{code}/listes/{list}"),
            match done {
                "retiree" => "Des demandes ont choisi cette entrée : elle est retirée (plus proposée, toujours lisible dans ces demandes).",
                "supprimee" => "L’entrée est supprimée ; aucune demande ne l’avait choisie.",
                _ => "La liste est enregistrée ; le portail la propose ainsi dès maintenant.",
            },
        ),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            show(office, (code, list), Some(e), kept).await
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn add(
    office: Office,
    path: web::Path<(String, String)>,
    VerifiedForm(form): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let ((code, list), p) = (path.into_inner(), Pairs(form));
    let (key, label, parent) = (p.get("key"), p.get("label"), p.get("parent"));
    let kept = (key.clone(), label.clone());
    let (c, l) = (code.clone(), list.clone());
    changed(&office, (code, list), kept, move |t, d| {
        admin::add(t, d, &c, &l, &key, &label, &parent).map(|()| "ajoutee")
    })
    .await
}

pub(crate) async fn rename(
    office: Office,
    path: web::Path<(String, String, String)>,
    VerifiedForm(form): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let ((code, list, key), p) = (path.into_inner(), Pairs(form));
    let label = p.get("label");
    let (c, l) = (code.clone(), list.clone());
    changed(&office, (code, list), Default::default(), move |t, d| {
        admin::rename(t, d, &c, &l, &key, &label).map(|()| "renommee")
    })
    .await
}

pub(crate) async fn act(
    office: Office,
    path: web::Path<(String, String, String, String)>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let (code, list, key, action) = path.into_inner();
    let (c, l) = (code.clone(), list.clone());
    changed(
        &office,
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
