//! An agent corrects a step of a request: the portal's step drawn by the
//! kit's step engine, sent with the page's version.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_cases::casework::data::{self, Editing};
use guichet_core::domain::forms::{to_input, FieldError, Input};
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::{form_page, Form};
use guichet_web::render::see_other_with;
use guichet_web::steps::step_form;
use guichet_web::AppError;

use crate::case::{show, Shown};
use crate::desk::{Office, Section as Nav};

/// The step's form, with what was typed and the refusals, if any.
fn draw(
    office: &Office,
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
        office.csrf()?,
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
    let layout = office.layout(desk, &heading, Nav::Requests)?;
    let intro = "Chaque correction est gardée dans l’historique de la demande, avec la réponse d’avant et la nouvelle.";
    form_page(&office.pages, status, layout, &heading, Some(intro), form)
}

async fn load(
    office: &Office,
    id: i64,
    key: &str,
) -> Result<(guichet_core::agents::Desk, Editing), AppError> {
    let key = key.to_owned();
    // The desk comes back for the page's layout.
    office
        .write(move |t, desk| {
            let editing = data::editing(t, desk, id, &key)?;
            Ok((desk.clone(), editing))
        })
        .await
}

pub(crate) async fn page(
    office: Office,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, key) = path.into_inner();
    match load(&office, id, &key).await {
        Ok((desk, e)) => draw(&office, &desk, &e, &key, None, Vec::new(), StatusCode::OK),
        Err(e @ AppError::Conflict(_)) => show(&office, id, Some(e), Shown::default()).await,
        Err(e) => Err(e),
    }
}

pub(crate) async fn save(
    office: Office,
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
    let (k, given) = (key.clone(), input.clone());
    let saved = office
        .write(move |t, desk| data::edit_step(t, desk, id, &seen, &k, &given))
        .await;
    match saved {
        Ok(()) => see_other_with(
            &office.session,
            format!("/backoffice/demandes/{id}"),
            crate::case::notice("donnees"),
        ),
        Err(AppError::Invalid(errors)) => {
            let (desk, e) = load(&office, id, &key).await?;
            draw(
                &office,
                &desk,
                &e,
                &key,
                Some(&input),
                errors,
                StatusCode::BAD_REQUEST,
            )
        }
        Err(e @ AppError::Conflict(_)) => show(&office, id, Some(e), Shown::default()).await,
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
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(form): VerifiedForm<Verdict>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    crate::case::written(&office, id, "verification", move |t, d| {
        data::check_data(t, d, id, &form.version, &form.data_state)
    })
    .await
}
