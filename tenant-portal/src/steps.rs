//! A request's step in the portal: drawn by the kit's step engine
//! (`guichet_web::steps`), saved, and the progress through the steps.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_cases::requests::{self, Filed};
use guichet_core::auth::rate;
use guichet_core::Error;
use guichet_domain::forms::{to_input, Context, Field as Def, FieldError, Input};
use guichet_web::client::within;
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::{sealed, Form};
use guichet_web::steps::step_form;
use guichet_web::{tx, AppError, Layout};
use serde::Serialize;

use crate::page::{see_other, see_other_with, Home, Me, Section as Nav};

/// What « Enregistrer et reprendre plus tard » says once done.
const DRAFT_SAVED: &str =
    "Votre brouillon est enregistré : vous pouvez le reprendre quand vous voulez.";

#[derive(Serialize)]
pub(crate) struct StepLink {
    pub title: String,
    pub href: Option<String>,
    pub current: bool,
    pub done: bool,
}

/// The request's steps, for the progress list at the top of each.
pub(crate) fn progress(f: &Filed, current: &str, has_documents: bool) -> Vec<StepLink> {
    let done = f.steps_done();
    let next = f.next_step().map(|s| s.key.clone());
    let mut out: Vec<StepLink> = f
        .form
        .household_steps()
        .map(|s| {
            let is_done = done.contains(&s.key.as_str());
            let reachable = is_done || next.as_deref() == Some(&s.key);
            StepLink {
                title: s.title.clone(),
                href: reachable.then(|| format!("/mes-demandes/{}/etapes/{}", f.row.id, s.key)),
                current: s.key == current,
                done: is_done,
            }
        })
        .collect();
    let all_done = next.is_none();
    if has_documents {
        out.push(StepLink {
            title: "Justificatifs".into(),
            href: all_done.then(|| format!("/mes-demandes/{}/justificatifs", f.row.id)),
            current: current == "justificatifs",
            done: false,
        });
    }
    out.push(StepLink {
        title: "Vérification et envoi".into(),
        href: all_done.then(|| format!("/mes-demandes/{}/envoi", f.row.id)),
        current: current == "envoi",
        done: false,
    });
    out
}

#[derive(Serialize)]
struct StepPage {
    layout: Layout,
    label: String,
    subject: String,
    title: String,
    intro: String,
    number: usize,
    total: usize,
    steps: Vec<StepLink>,
    form: Form,
}

/// Loads the request, its step and what its choices draw from.
async fn load(home: &Home, id: i64, step: &str) -> Result<(Me, Filed, Context, bool), AppError> {
    let step = step.to_owned();
    let (me, (f, ctx, documents)) = home
        .read(move |t, me| {
            let f = requests::filed(t, me.foyer_id(), id)?;
            if !f.form.household_steps().any(|s| s.key == step) {
                return Err(Error::NotFound);
            }
            let ctx = requests::context(t, &f.offer, Some(&me.foyer), false)?;
            let documents = !guichet_core::catalogue::offer::asked(&f.offer).is_empty();
            Ok((f, ctx, documents))
        })
        .await?;
    Ok((me, f, ctx, documents))
}

#[allow(clippy::too_many_arguments)]
fn show(
    home: &Home,
    me: &Me,
    f: &Filed,
    ctx: &Context,
    documents: bool,
    step_key: &str,
    input: &Input,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let step = f
        .form
        .household_steps()
        .find(|s| s.key == step_key)
        .ok_or(AppError::NotFound)?;
    let all: Vec<&Def> = f.form.fields().collect();
    let action = format!("/mes-demandes/{}/etapes/{}", f.row.id, step.key);
    let mut form = step_form(
        step,
        &all,
        &f.data,
        input,
        ctx,
        &action,
        home.csrf()?,
        "Enregistrer et continuer",
    )
    .secondary("_then", "later", "Enregistrer et finir plus tard");
    form.field_errors(errors);
    let form = sealed(form);
    let steps = progress(f, step_key, documents);
    let number = f
        .form
        .household_steps()
        .position(|s| s.key == step_key)
        .unwrap_or(0)
        + 1;
    let title = guichet_web::render::title(
        &format!("{} — {}", step.title, f.offer.teleservice.label),
        form.has_errors(),
    );
    home.render(
        status,
        "portal/step",
        &StepPage {
            layout: home.layout(&title, Nav::Requests, me)?,
            label: f.offer.teleservice.label.clone(),
            subject: f.row.subject_name.clone(),
            title: step.title.clone(),
            intro: step.intro.clone(),
            number,
            total: steps.len(),
            steps,
            form,
        },
    )
}

pub(crate) async fn page(
    home: Home,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, step_key) = path.into_inner();
    let (me, f, ctx, documents) = load(&home, id, &step_key).await?;
    if !f.state().editable_by_household() {
        return Ok(see_other(format!("/mes-demandes/{id}")));
    }
    let step = f
        .form
        .household_steps()
        .find(|s| s.key == step_key)
        .ok_or(AppError::NotFound)?;
    let input = to_input(step, &f.data);
    show(
        &home,
        &me,
        &f,
        &ctx,
        documents,
        &step_key,
        &input,
        Vec::new(),
        StatusCode::OK,
    )
}

/// Where to go once a step is saved.
pub(crate) fn after_step(f_id: i64, next: Option<&str>, documents: bool) -> String {
    match next {
        Some(step) => format!("/mes-demandes/{f_id}/etapes/{step}"),
        None if documents => format!("/mes-demandes/{f_id}/justificatifs"),
        None => format!("/mes-demandes/{f_id}/envoi"),
    }
}

pub(crate) async fn save(
    home: Home,
    path: web::Path<(i64, String)>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, step_key) = path.into_inner();
    let later = pairs.iter().any(|(k, v)| k == "_then" && v == "later");
    // The kit's own fields are not the form's.
    let input = guichet_web::steps::answers(pairs);
    let (me, f, ctx, documents) = load(&home, id, &step_key).await?;
    let (household, foyer, key, given) = (
        me.foyer_id(),
        me.foyer.clone(),
        step_key.clone(),
        input.clone(),
    );
    let here = home.who.tenant.site();
    let saved = tx::write(&home.store, &home.who, move |t| {
        requests::save_step_told(t, household, id, &key, &given, &foyer, Some(&here))?;
        let next = requests::filed(t, household, id)?
            .next_step()
            .map(|s| s.key.clone());
        Ok::<_, Error>(next)
    })
    .await;
    match saved {
        Ok(_) if later && me.foyer.temporary => {
            // Without an account, the way back is a link sent by e-mail.
            let (household, here) = (me.foyer_id(), home.who.tenant.site());
            // A few links an hour to one address; beyond, the last one sent
            // still works.
            let email = me.person.email.clone();
            if !within(&home.store, rate::RESUME_MAIL, home.who.tenant.id, email).await? {
                return see_other_with(&home.session, format!("/mes-demandes/{id}"), DRAFT_SAVED);
            }
            tx::write(&home.store, &home.who, move |t| {
                requests::send_resume_link(t, household, id, &here)
            })
            .await?;
            see_other_with(
                &home.session,
                format!("/mes-demandes/{id}"),
                "Votre demande est enregistrée. Nous vous avons envoyé par courriel un lien pour la reprendre : seul le dernier lien reçu fonctionne, pendant 14 jours.",
            )
        }
        Ok(_) if later => see_other_with(&home.session, format!("/mes-demandes/{id}"), DRAFT_SAVED),
        Ok(next) => Ok(see_other(after_step(id, next.as_deref(), documents))),
        Err(AppError::Invalid(errors)) => show(
            &home,
            &me,
            &f,
            &ctx,
            documents,
            &step_key,
            &input,
            errors,
            StatusCode::BAD_REQUEST,
        ),
        Err(AppError::Conflict(m)) => show(
            &home,
            &me,
            &f,
            &ctx,
            documents,
            &step_key,
            &input,
            vec![FieldError::new("", m)],
            StatusCode::CONFLICT,
        ),
        Err(e) => Err(e),
    }
}
