//! The téléservices' configuration pages, for the agents who manage their
//! category: online or not, their delays, their seasons.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::agents::Desk;
use guichet_core::catalogue::teleservices::{self as admin, SeasonInput, TeleserviceView};
use guichet_core::store::{Store, TenantTx};
use guichet_core::Error;
use guichet_web::csrf::{self, VerifiedForm};
use guichet_web::forms::Pairs;
use guichet_web::principal::SignedInAgent;
use guichet_web::render::see_other_with;
use guichet_web::{tx, AppError, Layout, Renderer};
use serde::Serialize;

use crate::desk::{self, Section as Nav};

#[derive(Serialize)]
struct ListPage {
    layout: Layout,
    teleservices: Vec<TeleserviceView>,
}

pub(crate) async fn list(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
) -> Result<HttpResponse, AppError> {
    let me = agent.agent_id;
    let (desk, teleservices) = tx::read(&store, &agent, move |t| {
        let desk = desk::open(t, me)?;
        let list = admin::list(t, &desk)?;
        Ok::<_, Error>((desk, list))
    })
    .await
    .map_err(desk::signed_in)?;
    let layout = desk::layout(&agent, &desk, "Téléservices", Nav::Teleservices, &session)?;
    pages.page(
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

#[allow(clippy::too_many_arguments)]
async fn show(
    agent: &SignedInAgent,
    session: &Session,
    store: &Store,
    pages: &Renderer,
    code: String,
    refused: Option<AppError>,
    new_season: SeasonFields,
) -> Result<HttpResponse, AppError> {
    let me = agent.agent_id;
    let (desk, t) = tx::read(store, agent, move |x| {
        let desk = desk::open(x, me)?;
        let t = admin::show(x, &desk, &code)?;
        Ok::<_, Error>((desk, t))
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
    let title = guichet_web::render::title(&t.label, error.is_some());
    let layout = desk::layout(agent, &desk, &title, Nav::Teleservices, session)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(pages.render(
            "backoffice/teleservice",
            &Page {
                layout,
                t,
                csrf_token: csrf::token(session)?,
                error,
                new_season,
            },
        )?))
}

pub(crate) async fn page(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show(
        &agent,
        &session,
        &store,
        &pages,
        code.into_inner(),
        None,
        SeasonFields::default(),
    )
    .await
}

/// Runs a change of the page, then shows it again: redirected when it
/// worked, with the refusal when not.
async fn changed(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    code: String,
    kept: SeasonFields,
    change: impl FnOnce(&mut TenantTx<'_>, &Desk) -> Result<(), Error> + Send + 'static,
) -> Result<HttpResponse, AppError> {
    let me = agent.agent_id;
    let result = tx::write(&store, &agent, move |t| {
        let desk = desk::open(t, me)?;
        change(t, &desk)
    })
    .await
    .map_err(desk::signed_in);
    match result {
        Ok(()) => see_other_with(
            &session,
            format!("/backoffice/teleservices/{code}"),
            "La modification est enregistrée.",
        ),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            show(&agent, &session, &store, &pages, code, Some(e), kept).await
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn online(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    code: web::Path<String>,
    VerifiedForm(form): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (code, p) = (code.into_inner(), Pairs(form));
    let (on, message, c) = (p.get("online") == "oui", p.get("message"), code.clone());
    // Taking it off line stops every household: asked first.
    if !on && p.get("confirme") != "oui" {
        let me = agent.agent_id;
        let desk = tx::read(&store, &agent, move |t| crate::desk::open(t, me))
            .await
            .map_err(crate::desk::signed_in)?;
        let heading = "Mettre le téléservice hors ligne";
        let layout = crate::desk::layout(&agent, &desk, heading, Nav::Teleservices, &session)?;
        return guichet_web::forms::form_page(
            &pages,
            StatusCode::OK,
            layout,
            heading,
            Some("Les foyers ne pourront plus faire cette démarche ni envoyer leurs brouillons tant qu’il restera hors ligne."),
            guichet_web::forms::confirmation(
                &format!("/backoffice/teleservices/{code}/en-ligne"),
                csrf::token(&session)?,
                "Oui, mettre hors ligne",
                (&format!("/backoffice/teleservices/{code}"), "Non, le laisser en ligne"),
                &[("online", "non"), ("message", &message)],
            ),
        );
    }
    changed(
        agent,
        session,
        store,
        pages,
        code,
        SeasonFields::default(),
        move |t, d| admin::set_online(t, d, &c, on, &message),
    )
    .await
}

pub(crate) async fn delays(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    code: web::Path<String>,
    VerifiedForm(form): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (code, p) = (code.into_inner(), Pairs(form));
    let (max, alert, c) = (
        p.get("max_delay_days"),
        p.get("alert_delay_days"),
        code.clone(),
    );
    changed(
        agent,
        session,
        store,
        pages,
        code,
        SeasonFields::default(),
        move |t, d| admin::set_delays(t, d, &c, &max, &alert),
    )
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
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
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
    changed(agent, session, store, pages, code, kept, move |t, d| {
        admin::add_season(t, d, &c, &input).map(|_| ())
    })
    .await
}

pub(crate) async fn change_season(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    path: web::Path<(String, i64)>,
    VerifiedForm(form): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let ((code, id), p) = (path.into_inner(), Pairs(form));
    let (input, c) = (season_input(&p), code.clone());
    changed(
        agent,
        session,
        store,
        pages,
        code,
        SeasonFields::default(),
        move |t, d| admin::change_season(t, d, &c, id, &input),
    )
    .await
}

pub(crate) async fn delete_season(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    path: web::Path<(String, i64)>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let (code, id) = path.into_inner();
    let c = code.clone();
    changed(
        agent,
        session,
        store,
        pages,
        code,
        SeasonFields::default(),
        move |t, d| admin::delete_season(t, d, &c, id),
    )
    .await
}

pub(crate) async fn put_requirement(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    code: web::Path<String>,
    VerifiedForm(form): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (code, p) = (code.into_inner(), Pairs(form));
    let (kind, reason, c) = (p.get("document_type"), p.get("reason"), code.clone());
    let (special, required) = (p.get("special") == "oui", p.get("required") == "oui");
    changed(
        agent,
        session,
        store,
        pages,
        code,
        SeasonFields::default(),
        move |t, d| admin::put_requirement(t, d, &c, &kind, special, &reason, required),
    )
    .await
}

pub(crate) async fn remove_requirement(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    path: web::Path<(String, String)>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let (code, kind) = path.into_inner();
    let c = code.clone();
    changed(
        agent,
        session,
        store,
        pages,
        code,
        SeasonFields::default(),
        move |t, d| admin::remove_requirement(t, d, &c, &kind),
    )
    .await
}
