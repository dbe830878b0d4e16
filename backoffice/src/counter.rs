//! Counter mode in pages: a foyer opened for a citizen at the counter; a
//! request started for a foyer, its steps filled with the portal's forms,
//! then sent for it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_cases::casework::counter;
use guichet_cases::requests::{self, Sending};
use guichet_core::domain::forms::{summarize, to_input, FieldError, Input, StepSummary};
use guichet_core::domain::foyer::Title;
use guichet_core::domain::requests::Channel;
use guichet_core::domain::time;
use guichet_core::foyers;
use guichet_core::Error;
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::{form_page, person_form, sealed, Field, Form, Pairs, Section};
use guichet_web::steps::{address_fields, step_form};
use guichet_web::{AppError, Layout};
use serde::Serialize;

use crate::desk::{Office, Section as Nav};

use guichet_web::render::{see_other, see_other_with};

/// A refusal of the whole form (the request changed, the season closed…).
fn refusal(message: String) -> Vec<FieldError> {
    vec![FieldError::new("", message)]
}

async fn layout(office: &Office, title: &str) -> Result<Layout, AppError> {
    let (desk, ()) = office.read(|_, _| Ok(())).await?;
    office.layout(&desk, title, Nav::Foyers)
}

/// The form that opens a foyer: the responsible adult, how to reach them,
/// the address.
fn foyer_form(csrf_token: String, p: &Pairs) -> Form {
    let title = p.get("title");
    let titles = Title::ALL
        .into_iter()
        .map(|t| (t.code().to_owned(), t.label().to_owned(), title == t.code()))
        .collect();
    Form::new(
        "/backoffice/foyers/nouveau",
        csrf_token,
        "Créer le foyer",
        vec![
            Section::titled(
                "Le responsable du foyer",
                Some("L’adulte présent au guichet ; les autres membres s’ajoutent ensuite depuis le portail ou avec le foyer."),
                vec![
                    Field::radios("title", "Civilité", titles),
                    Field::text("last_name", "Nom", &p.get("last_name")),
                    Field::text("first_name", "Prénom", &p.get("first_name")),
                    Field::date("birth_date", "Date de naissance", &p.get("birth_date")).optional(),
                ],
            ),
            Section::titled(
                "Le joindre",
                Some("Au moins un numéro de téléphone."),
                vec![
                    Field::email("email", "Adresse électronique", &p.get("email"))
                        .optional()
                        .hint("Avec elle, le foyer reçoit un lien pour choisir son mot de passe et suivre ses demandes en ligne ; sans elle, il fait ses démarches au guichet."),
                    Field::tel("mobile_phone", "Téléphone portable", &p.get("mobile_phone"))
                        .hint("10 chiffres, par exemple 06 12 34 56 78."),
                    Field::tel("home_phone", "Téléphone du domicile", &p.get("home_phone")),
                    Field::tel("office_phone", "Téléphone du travail", &p.get("office_phone")),
                ],
            ),
            Section::titled(
                "L’adresse du foyer",
                None,
                address_fields("address", |k| p.get(k), true, false),
            ),
        ],
    )
    .cancel("/backoffice/foyers", "Revenir à la recherche des foyers")
}

const NEW_FOYER: &str = "Créer un foyer au guichet";

pub(crate) async fn new_foyer_page(office: Office) -> Result<HttpResponse, AppError> {
    let layout = layout(&office, NEW_FOYER).await?;
    let form = foyer_form(office.csrf()?, &Pairs(Vec::new()));
    form_page(&office.pages, StatusCode::OK, layout, NEW_FOYER, None, form)
}

pub(crate) async fn create_foyer(
    office: Office,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let p = Pairs(pairs);
    let here = office.agent.tenant.site();
    let checked = foyers::check_at_counter(|k| p.get(k), &person_form(&p), time::today());
    let result = match checked {
        Ok(account) => {
            office
                .write(move |t, d| counter::open_foyer(t, d, &account, &here))
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(id) => see_other_with(
            &office.session,
            format!("/backoffice/foyers/{id}"),
            "Le foyer est créé. Vous pouvez maintenant déposer une demande pour lui.",
        ),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let mut form = foyer_form(office.csrf()?, &p);
            let status = form.refused(e)?;
            let layout = layout(&office, NEW_FOYER).await?;
            form_page(&office.pages, status, layout, NEW_FOYER, None, form)
        }
        Err(e) => Err(e),
    }
}

/// What the agent chooses to file: the request and its subject, how the
/// household came.
fn start_form(csrf_token: String, id: i64, choices: &[counter::Choice], p: &Pairs) -> Form {
    let chosen = p.get("choice");
    let mut options = vec![(
        String::new(),
        "Choisissez la démarche".to_owned(),
        chosen.is_empty(),
    )];
    options.extend(choices.iter().map(|c| {
        (
            c.value.clone(),
            format!("{} — pour {}", c.teleservice, c.subject),
            chosen == c.value,
        )
    }));
    let channel = p.get("channel");
    let channels = Channel::ALL
        .into_iter()
        .map(|c| {
            let label = match c {
                Channel::Counter => "Au guichet",
                Channel::Phone => "Par téléphone",
                Channel::Mail => "Par courrier",
            };
            (c.code().to_owned(), label.to_owned(), channel == c.code())
        })
        .collect();
    Form::new(
        &format!("/backoffice/foyers/{id}/demandes/nouvelle"),
        csrf_token,
        "Commencer la demande",
        vec![Section::plain(vec![
            Field::select("choice", "Démarche et personne concernée", options),
            Field::radios("channel", "Le foyer s’est adressé à la mairie", channels),
        ])],
    )
    .cancel(&format!("/backoffice/foyers/{id}"), "Revenir au foyer")
}

async fn start_view(
    office: &Office,
    id: i64,
    p: &Pairs,
    refused: Option<AppError>,
) -> Result<HttpResponse, AppError> {
    let (desk, choices) = office.read(move |t, d| counter::choices(t, d, id)).await?;
    let heading = format!("Déposer une demande pour le foyer n° {id}");
    let layout = office.layout(&desk, &heading, Nav::Foyers)?;
    let mut form = start_form(office.csrf()?, id, &choices, p);
    let status = match refused {
        Some(e) => form.refused(e)?,
        None => StatusCode::OK,
    };
    let intro = if choices.is_empty() {
        "Aucune démarche ne peut être déposée pour ce foyer en ce moment dans les catégories que vous traitez (saisons fermées, ou personne concernée)."
    } else {
        "Les formulaires sont ceux du portail, déjà remplis de ce que le foyer a donné ; l’historique de la demande dira qu’elle a été déposée par vous, et comment."
    };
    form_page(&office.pages, status, layout, &heading, Some(intro), form)
}

pub(crate) async fn start_page(
    office: Office,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    start_view(&office, *id, &Pairs(Vec::new()), None).await
}

pub(crate) async fn start(
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, p) = (*id, Pairs(pairs));
    let (choice, channel) = (p.get("choice"), p.get("channel"));
    let (city, postal) = requests::commune(&office.agent.tenant);
    let started = office
        .write(move |t, d| {
            let request = counter::start(t, d, id, &choice, &channel, (&city, &postal))?;
            let (filed, _, _) = counter::draft(t, d, request)?;
            Ok((request, filed.next_step().map(|s| s.key.clone())))
        })
        .await;
    match started {
        Ok((request, Some(step))) => Ok(see_other(format!(
            "/backoffice/guichet/{request}/etapes/{step}"
        ))),
        Ok((request, None)) => Ok(see_other(format!("/backoffice/guichet/{request}/envoi"))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            start_view(&office, id, &p, Some(e)).await
        }
        Err(e) => Err(e),
    }
}

/// A step of the agent's draft: the portal's form for it.
async fn step_view(
    office: &Office,
    id: i64,
    key: &str,
    input: Option<&Input>,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (desk, (filed, foyer, ctx)) = office
        .read(move |t, d| {
            let (filed, foyer, _) = counter::draft(t, d, id)?;
            let ctx = requests::context(t, &filed.offer, Some(&foyer), false)?;
            Ok((filed, foyer, ctx))
        })
        .await?;
    let step = filed
        .form
        .household_steps()
        .find(|s| s.key == key)
        .ok_or(AppError::NotFound)?;
    let all: Vec<_> = filed.form.fields().collect();
    let input = input
        .cloned()
        .unwrap_or_else(|| to_input(step, &filed.data));
    let mut form = step_form(
        step,
        &all,
        &filed.data,
        &input,
        &ctx,
        &format!("/backoffice/guichet/{id}/etapes/{key}"),
        office.csrf()?,
        "Enregistrer et continuer",
    );
    form.field_errors(errors);
    let heading = format!(
        "{} — {} (foyer n° {})",
        step.title, filed.offer.teleservice.label, foyer.id
    );
    let layout = office.layout(&desk, &heading, Nav::Foyers)?;
    form_page(
        &office.pages,
        status,
        layout,
        &heading,
        Some(&step.intro)
            .filter(|i| !i.is_empty())
            .map(String::as_str),
        form,
    )
}

pub(crate) async fn step_page(
    office: Office,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, key) = path.into_inner();
    step_view(&office, id, &key, None, Vec::new(), StatusCode::OK).await
}

pub(crate) async fn save_step(
    office: Office,
    path: web::Path<(i64, String)>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, key) = path.into_inner();
    let input = guichet_web::steps::answers(pairs);
    let (k, given) = (key.clone(), input.clone());
    let saved = office
        .write(move |t, d| counter::save_step(t, d, id, &k, &given))
        .await;
    match saved {
        Ok(Some(next)) => Ok(see_other(format!("/backoffice/guichet/{id}/etapes/{next}"))),
        Ok(None) => Ok(see_other(format!("/backoffice/guichet/{id}/envoi"))),
        Err(AppError::Invalid(errors)) => {
            step_view(
                &office,
                id,
                &key,
                Some(&input),
                errors,
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(AppError::Conflict(m)) => {
            let errors = refusal(m);
            step_view(
                &office,
                id,
                &key,
                Some(&input),
                errors,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Serialize)]
struct SendPage {
    layout: Layout,
    id: i64,
    heading: String,
    steps: Vec<StepSummary>,
    form: Form,
}

/// The summary of the agent's draft and the form that sends it.
async fn send_view(
    office: &Office,
    id: i64,
    p: &Pairs,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (desk, (steps, means, channel, label, foyer)) = office
        .read(move |t, d| {
            let (filed, foyer, channel) = counter::draft(t, d, id)?;
            let ctx = requests::context(t, &filed.offer, Some(&foyer), false)?;
            let settings = guichet_core::collectivite::settings::current(t)?;
            let requester = foyer
                .member(filed.row.requester_id)
                .ok_or(Error::NotFound)?;
            let means = requests::means_offered(&settings, requester, true);
            Ok((
                summarize(&filed.form, &filed.data, &ctx, false),
                means,
                channel,
                filed.offer.teleservice.label.clone(),
                foyer.id,
            ))
        })
        .await?;
    let chosen = p.get("means");
    let means = means
        .into_iter()
        .map(|m| {
            (
                m.code().to_owned(),
                m.label().to_owned(),
                chosen == m.code(),
            )
        })
        .collect();
    let key = match p.get("key") {
        k if k.len() >= 20 => k,
        _ => guichet_core::foyers::new_secret().0,
    };
    let mut form = Form::new(
        &format!("/backoffice/guichet/{id}/envoi"),
        office.csrf()?,
        "Déposer la demande",
        vec![Section::plain(vec![
            Field::radios("means", "Comment la mairie contacte le foyer", means),
            Field::textarea(
                "note",
                "Message du foyer pour la mairie (facultatif)",
                &p.get("note"),
            )
            .optional(),
            Field::checkbox(
                "consent",
                "Le demandeur a relu ces informations et confirme qu’elles sont exactes",
                p.get("consent") == "oui",
            ),
        ])],
    )
    .hidden("key", &key);
    form.field_errors(errors);
    let heading = format!(
        "Déposer « {label} » pour le foyer n° {foyer} ({})",
        channel.label()
    );
    let mut layout = office.layout(&desk, &heading, Nav::Foyers)?;
    let form = sealed(form);
    if form.has_errors() {
        layout.refused();
    }
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(office.pages.render(
            "backoffice/counter_send",
            &SendPage {
                layout,
                id,
                heading,
                steps,
                form,
            },
        )?))
}

pub(crate) async fn send_page(
    office: Office,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    send_view(&office, *id, &Pairs(Vec::new()), Vec::new(), StatusCode::OK).await
}

pub(crate) async fn send(
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, p) = (*id, Pairs(pairs));
    let sending = Sending {
        means: p.get("means"),
        note: p.get("note"),
        consent: p.get("consent") == "oui",
        key: p.get("key"),
        filer: None,
    };
    let here = office.agent.tenant.site();
    let sent = office
        .write(move |t, d| counter::send(t, d, id, sending, &here))
        .await;
    match sent {
        Ok(_) => see_other_with(
            &office.session,
            format!("/backoffice/demandes/{id}"),
            crate::case::notice("deposee"),
        ),
        Err(AppError::Invalid(errors)) => {
            send_view(&office, id, &p, errors, StatusCode::BAD_REQUEST).await
        }
        Err(AppError::Conflict(m)) => {
            let errors = refusal(m);
            send_view(&office, id, &p, errors, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e),
    }
}
