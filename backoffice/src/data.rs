//! An agent corrects a step of a request: the portal's step drawn by the
//! kit's step engine, sent with the page's version.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_cases::casework::data::{self, Editing};
use guichet_core::domain::forms::{to_input, FieldError, Input};
use guichet_core::store::Store;
use guichet_core::Error;
use guichet_web::csrf::{self, VerifiedForm};
use guichet_web::forms::{form_page, Form};
use guichet_web::principal::SignedInAgent;
use guichet_web::render::see_other_with;
use guichet_web::steps::step_form;
use guichet_web::{tx, AppError, Renderer};

use crate::case::{show, Shown};
use crate::desk::{self, Section as Nav};

/// The step's form, with what was typed and the refusals, if any.
#[allow(clippy::too_many_arguments)]
fn draw(
    agent: &SignedInAgent,
    session: &Session,
    pages: &Renderer,
    desk: &guichet_core::agents::Desk,
    e: &Editing,
    key: &str,
    input: Option<&Input>,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let f = &e.filed;
    let step = f
        .form
        .steps
        .iter()
        .find(|s| s.key == key)
        .ok_or(AppError::NotFound)?;
    let all: Vec<_> = f.form.fields().collect();
    let input = input.cloned().unwrap_or_else(|| to_input(step, &f.data));
    let id = f.row.id;
    let mut form: Form = step_form(
        step,
        &all,
        &f.data,
        &input,
        &e.ctx,
        &format!("/backoffice/demandes/{id}/etapes/{key}"),
        csrf::token(session)?,
        "Enregistrer les corrections",
    )
    .hidden("_version", &e.version)
    .cancel(
        &format!("/backoffice/demandes/{id}"),
        "Revenir à la demande",
    );
    form.field_errors(errors);
    let number = f.row.number.unwrap_or_default();
    let heading = format!("Demande n° {number} : corriger « {} »", step.title);
    let layout = desk::layout(agent, desk, &heading, Nav::Requests, session)?;
    let intro = "Chaque correction est gardée dans l’historique de la demande, avec la réponse d’avant et la nouvelle.";
    form_page(pages, status, layout, &heading, Some(intro), form)
}

async fn load(
    store: &Store,
    agent: &SignedInAgent,
    id: i64,
    key: &str,
) -> Result<(guichet_core::agents::Desk, Editing), AppError> {
    let (me, key) = (agent.agent_id, key.to_owned());
    tx::write(store, agent, move |t| {
        let desk = desk::open(t, me)?;
        let editing = data::editing(t, &desk, id, &key)?;
        Ok::<_, Error>((desk, editing))
    })
    .await
    .map_err(desk::signed_in)
}

pub(crate) async fn page(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, key) = path.into_inner();
    match load(&store, &agent, id, &key).await {
        Ok((desk, e)) => draw(
            &agent,
            &session,
            &pages,
            &desk,
            &e,
            &key,
            None,
            Vec::new(),
            StatusCode::OK,
        ),
        Err(e @ AppError::Conflict(_)) => {
            show(
                &agent,
                &session,
                &store,
                &pages,
                id,
                Some(e),
                Shown::default(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn save(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    path: web::Path<(i64, String)>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, key) = path.into_inner();
    let seen = pairs
        .iter()
        .find(|(k, _)| k == "_version")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    // The kit's own fields are not the form's.
    let input = guichet_web::steps::answers(pairs);
    let (me, k, given) = (agent.agent_id, key.clone(), input.clone());
    let saved = tx::write(&store, &agent, move |t| {
        let desk = desk::open(t, me)?;
        data::edit_step(t, &desk, id, &seen, &k, &given)
    })
    .await
    .map_err(desk::signed_in);
    match saved {
        Ok(()) => see_other_with(
            &session,
            format!("/backoffice/demandes/{id}"),
            crate::case::notice("donnees"),
        ),
        Err(AppError::Invalid(errors)) => {
            let (desk, e) = load(&store, &agent, id, &key).await?;
            draw(
                &agent,
                &session,
                &pages,
                &desk,
                &e,
                &key,
                Some(&input),
                errors,
                StatusCode::BAD_REQUEST,
            )
        }
        Err(e @ AppError::Conflict(_)) => {
            show(
                &agent,
                &session,
                &store,
                &pages,
                id,
                Some(e),
                Shown::default(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct Verdict {
    #[serde(default)]
    version: String,
    #[serde(default)]
    data_state: String,
}

/// The agent's check of the request's data.
pub(crate) async fn check(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    id: web::Path<i64>,
    VerifiedForm(form): VerifiedForm<Verdict>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    crate::case::written(
        agent,
        session,
        store,
        pages,
        id,
        "verification",
        move |t, d| data::check_data(t, d, id, &form.version, &form.data_state),
    )
    .await
}
