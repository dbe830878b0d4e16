//! The téléservices' configuration pages, for the agents who manage their
//! category: online or not, their delays, their seasons.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::agents::Desk;
use guichet_core::catalogue::teleservices::{self as admin, SeasonInput, TeleserviceView};
use guichet_core::store::TenantTx;
use guichet_core::Error;
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::Pairs;
use guichet_web::render::see_other_with;
use guichet_web::{AppError, Layout};
use serde::Serialize;

use crate::desk::{Office, Section as Nav};

#[derive(Serialize)]
struct ListPage {
    layout: Layout,
    teleservices: Vec<TeleserviceView>,
}

pub(crate) async fn list(office: Office) -> Result<HttpResponse, AppError> {
    let (desk, teleservices) = office.read(admin::list).await?;
    let layout = office.layout(&desk, "Téléservices", Nav::Teleservices)?;
    office.page(
        "backoffice/teleservices",
        &ListPage {
            layout,
            teleservices,
        },
    )
}

#[derive(Serialize)]
struct Page {
    layout: Layout,
    t: TeleserviceView,
    csrf_token: String,
    error: Option<String>,
    /// What the new season's form was sent with, after a refusal.
    new_season: SeasonFields,
}

#[derive(Serialize, Default)]
struct SeasonFields {
    label: String,
    registration_start: String,
    registration_end: String,
    validation_start: String,
    effect_start: String,
    effect_end: String,
}

async fn show(
    office: &Office,
    code: String,
    refused: Option<AppError>,
    new_season: SeasonFields,
) -> Result<HttpResponse, AppError> {
    let (desk, t) = office
        .read(move |x, desk| admin::show(x, desk, &code))
        .await?;
    let (status, error) = match refused {
        None => (StatusCode::OK, None),
        Some(e) => {
            let (status, message) = guichet_web::refusal(e)?;
            (status, Some(message))
        }
    };
    let title = guichet_web::render::title(&t.label, error.is_some());
    let layout = office.layout(&desk, &title, Nav::Teleservices)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(office.pages.render(
            "backoffice/teleservice",
            &Page {
                layout,
                t,
                csrf_token: office.csrf()?,
                error,
                new_season,
            },
        )?))
}

pub(crate) async fn page(
    office: Office,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show(&office, code.into_inner(), None, SeasonFields::default()).await
}

/// Runs a change of the page, then shows it again: redirected when it
/// worked, with the refusal when not.
async fn changed(
    office: &Office,
    code: String,
    kept: SeasonFields,
    change: impl FnOnce(&mut TenantTx<'_>, &Desk) -> Result<(), Error> + Send + 'static,
) -> Result<HttpResponse, AppError> {
    let result = office.write(change).await;
    match result {
        Ok(()) => see_other_with(
            &office.session,
            format!("/backoffice/teleservices/{code}"),
            "La modification est enregistrée.",
        ),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            show(office, code, Some(e), kept).await
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn online(
    office: Office,
    code: web::Path<String>,
    VerifiedForm(form): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (code, p) = (code.into_inner(), Pairs(form));
    let (on, message, c) = (p.get("online") == "oui", p.get("message"), code.clone());
    // Taking it off line stops every household: asked first.
    if !on && p.get("confirme") != "oui" {
        let (desk, ()) = office.read(|_, _| Ok(())).await?;
        let heading = "Mettre le téléservice hors ligne";
        let layout = office.layout(&desk, heading, Nav::Teleservices)?;
        return guichet_web::forms::form_page(
            &office.pages,
            StatusCode::OK,
            layout,
            heading,
            Some("Les foyers ne pourront plus faire cette démarche ni envoyer leurs brouillons tant qu’il restera hors ligne."),
            guichet_web::forms::confirmation(
                &format!("/backoffice/teleservices/{code}/en-ligne"),
                office.csrf()?,
                "Oui, mettre hors ligne",
                (&format!("/backoffice/teleservices/{code}"), "Non, le laisser en ligne"),
                &[("online", "non"), ("message", &message)],
            ),
        );
    }
    changed(&office, code, SeasonFields::default(), move |t, d| {
        admin::set_online(t, d, &c, on, &message)
    })
    .await
}

pub(crate) async fn delays(
    office: Office,
    code: web::Path<String>,
    VerifiedForm(form): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (code, p) = (code.into_inner(), Pairs(form));
    let (max, alert, c) = (
        p.get("max_delay_days"),
        p.get("alert_delay_days"),
        code.clone(),
    );
    changed(&office, code, SeasonFields::default(), move |t, d| {
        admin::set_delays(t, d, &c, &max, &alert)
    })
    .await
}

fn season_input(p: &Pairs) -> SeasonInput {
    SeasonInput {
        label: p.get("label"),
        registration_start: p.get("registration_start"),
        registration_end: p.get("registration_end"),
        validation_start: p.get("validation_start"),
        effect_start: p.get("effect_start"),
        effect_end: p.get("effect_end"),
    }
}

pub(crate) async fn add_season(
    office: Office,
    code: web::Path<String>,
    VerifiedForm(form): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (code, p) = (code.into_inner(), Pairs(form));
    let input = season_input(&p);
    let kept = SeasonFields {
        label: input.label.clone(),
        registration_start: input.registration_start.clone(),
        registration_end: input.registration_end.clone(),
        validation_start: input.validation_start.clone(),
        effect_start: input.effect_start.clone(),
        effect_end: input.effect_end.clone(),
    };
    let c = code.clone();
    changed(&office, code, kept, move |t, d| {
        admin::add_season(t, d, &c, &input).map(|_| ())
    })
    .await
}

pub(crate) async fn change_season(
    office: Office,
    path: web::Path<(String, i64)>,
    VerifiedForm(form): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let ((code, id), p) = (path.into_inner(), Pairs(form));
    let (input, c) = (season_input(&p), code.clone());
    changed(&office, code, SeasonFields::default(), move |t, d| {
        admin::change_season(t, d, &c, id, &input)
    })
    .await
}

pub(crate) async fn delete_season(
    office: Office,
    path: web::Path<(String, i64)>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let (code, id) = path.into_inner();
    let c = code.clone();
    changed(&office, code, SeasonFields::default(), move |t, d| {
        admin::delete_season(t, d, &c, id)
    })
    .await
}

pub(crate) async fn put_requirement(
    office: Office,
    code: web::Path<String>,
    VerifiedForm(form): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (code, p) = (code.into_inner(), Pairs(form));
    let (kind, reason, c) = (p.get("document_type"), p.get("reason"), code.clone());
    let (special, required) = (p.get("special") == "oui", p.get("required") == "oui");
    changed(&office, code, SeasonFields::default(), move |t, d| {
        admin::put_requirement(t, d, &c, &kind, special, &reason, required)
    })
    .await
}

pub(crate) async fn remove_requirement(
    office: Office,
    path: web::Path<(String, String)>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let (code, kind) = path.into_inner();
    let c = code.clone();
    changed(&office, code, SeasonFields::default(), move |t, d| {
        admin::remove_requirement(t, d, &c, &kind)
    })
    .await
}
