//! Filing a request: starting the draft, the justificatifs step, the summary
//! and the submission.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_cases::requests::{self, Filed, Sending};
use guichet_core::catalogue::offer::Asked;
use guichet_core::files::{FileStore, Limits};
use guichet_core::foyers;
use guichet_core::justificatifs::{self, Justificatif};
use guichet_core::Error;
use guichet_domain::forms::{summarize, StepSummary};
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::{sealed, Field, Form, Section};
use guichet_web::upload;
use guichet_web::{tx, AppError, Layout};
use serde::{Deserialize, Serialize};

use crate::justificatifs::{deposit_form, refused_upload};
use crate::page::{see_other, see_other_with, Home, Me, Section as Nav};
use crate::steps::{after_step, progress, StepLink};

#[derive(Deserialize)]
pub(crate) struct Start {
    #[serde(default)]
    subject: String,
}

pub(crate) async fn start(
    home: Home,
    code: web::Path<String>,
    VerifiedForm(form): VerifiedForm<Start>,
) -> Result<HttpResponse, AppError> {
    let me = home.me().await?;
    let code = code.into_inner();
    let subject = match form.subject.trim() {
        "" => None,
        s => Some(s.parse::<i64>().map_err(|_| {
            AppError::BadRequest(
                "Personne concernée inconnue : choisissez-la dans la liste.".into(),
            )
        })?),
    };
    let tenant = home.who.tenant.clone();
    let (foyer, requester) = (me.foyer.clone(), me.person.id);
    let id = tx::write(&home.store, &home.who, move |t| {
        let settings = guichet_core::collectivite::settings::current(t)?;
        let (city, postal) = requests::commune(&tenant);
        requests::start(
            t,
            &code,
            &foyer,
            requester,
            subject,
            &settings,
            (&city, &postal),
        )
    })
    .await?;
    let first = {
        let household = me.foyer_id();
        tx::read(&home.store, &home.who, move |t| {
            requests::filed(t, household, id)
        })
        .await?
    };
    Ok(see_other(after_step(
        id,
        first.next_step().map(|s| s.key.as_str()),
        false,
    )))
}

#[derive(Serialize)]
struct AskedView {
    label: String,
    special: bool,
    required: bool,
    reason: String,
    attached: Vec<Justificatif>,
    reusable: Vec<Justificatif>,
}

#[derive(Serialize)]
struct DocumentsPage {
    layout: Layout,
    id: i64,
    label: String,
    subject: String,
    steps: Vec<StepLink>,
    asked: Vec<AskedView>,
    form: Form,
    csrf_token: String,
    error: Option<String>,
}

async fn load_documents(
    home: &Home,
    id: i64,
) -> Result<(Me, Filed, Vec<Asked>, Vec<Justificatif>, Vec<Justificatif>), AppError> {
    let (me, (f, asked, attached, all)) = home
        .read(move |t, me| {
            let f = requests::filed(t, me.foyer_id(), id)?;
            let asked = guichet_core::catalogue::offer::asked(&f.offer);
            let attached = justificatifs::of_request(t, me.foyer_id(), id)?;
            let all = justificatifs::of_foyer(t, me.foyer_id())?;
            Ok((f, asked, attached, all))
        })
        .await?;
    Ok((me, f, asked, attached, all))
}

fn documents_view(
    home: &Home,
    loaded: (Me, Filed, Vec<Asked>, Vec<Justificatif>, Vec<Justificatif>),
    form: Option<Form>,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (me, f, asked, attached, all) = loaded;
    let id = f.row.id;
    let types: Vec<(String, String)> = asked
        .iter()
        .map(|a| (a.document_type.clone(), a.label.clone()))
        .collect();
    let form = sealed(form.unwrap_or_else(|| {
        deposit_form(
            &format!("/mes-demandes/{id}/justificatifs"),
            home.csrf().unwrap_or_default(),
            &types,
            "",
        )
    }));
    let title = guichet_web::render::title("Justificatifs", form.has_errors() || error.is_some());
    let asked = asked
        .into_iter()
        .map(|a| AskedView {
            required: a.required,
            attached: attached
                .iter()
                .filter(|d| d.document_type == a.document_type)
                .cloned()
                .collect(),
            reusable: all
                .iter()
                .filter(|d| {
                    d.document_type == a.document_type
                        && d.reusable
                        && !attached.iter().any(|x| x.id == d.id)
                })
                .cloned()
                .collect(),
            label: a.label,
            special: a.special,
            reason: a.reason,
        })
        .collect();
    home.render(
        status,
        "portal/request_documents",
        &DocumentsPage {
            layout: home.layout(&title, Nav::Requests, &me)?,
            id,
            label: f.offer.teleservice.label.clone(),
            subject: f.row.subject_name.clone(),
            steps: progress(&f, "justificatifs", true),
            asked,
            form,
            csrf_token: home.csrf()?,
            error,
        },
    )
}

pub(crate) async fn documents_page(
    home: Home,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let loaded = load_documents(&home, id.into_inner()).await?;
    if !loaded.1.state().editable_by_household() {
        return Ok(see_other(format!("/mes-demandes/{}", loaded.1.row.id)));
    }
    documents_view(&home, loaded, None, None, StatusCode::OK)
}

/// Joins a document to the request: one of the foyer's (`document`), or a
/// new one deposited with its pages.
pub(crate) async fn add_document(
    home: Home,
    files: web::Data<FileStore>,
    id: web::Path<i64>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (me, allowance) = home
        .read(|t, me| guichet_core::justificatifs::allowance(t, me.foyer_id()))
        .await?;
    let household = me.foyer_id();
    let accept = upload::Accept::new("pages", &Limits::DOCUMENTS).within(allowance);
    let form = match upload::receive(payload, &home.session, &files, home.who.tenant.id, accept)
        .await
    {
        Ok(f) => f,
        Err(
            e @ (AppError::TooLarge(_) | AppError::BadRequest(_) | AppError::FilesUnavailable(_)),
        ) => {
            let loaded = load_documents(&home, id).await?;
            let types: Vec<(String, String)> = loaded
                .2
                .iter()
                .map(|a| (a.document_type.clone(), a.label.clone()))
                .collect();
            let mut f = deposit_form(
                &format!("/mes-demandes/{id}/justificatifs"),
                home.csrf()?,
                &types,
                "",
            );
            let status = refused_upload(&mut f, e)?;
            return documents_view(&home, loaded, Some(f), None, status);
        }
        Err(e) => return Err(e),
    };
    let reuse = form
        .fields
        .get("document")
        .and_then(|d| d.parse::<i64>().ok());
    let chosen = form.field("document_type");
    let new_pages = form.pages("pages");
    let keys = form.keys();
    let t = chosen.clone();
    let done = tx::write(&home.store, &home.who, move |x| {
        let document = match reuse {
            // Pages sent with a document already deposited would be kept
            // for nothing: say so rather than drop them.
            Some(_) if !new_pages.is_empty() => {
                return Err(guichet_core::error::invalid(
                    "pages",
                    "choisissez un document déjà déposé, ou envoyez les pages d’un nouveau document, pas les deux",
                ))
            }
            Some(d) => d,
            None => {
                let f = requests::filed(x, household, id)?;
                if !guichet_core::catalogue::offer::asked(&f.offer)
                    .iter()
                    .any(|a| a.document_type == t)
                {
                    return Err(guichet_core::error::invalid(
                        "document_type",
                        "choisissez le type de document dans la liste",
                    ));
                }
                justificatifs::deposit(x, household, &t, &new_pages)?
            }
        };
        justificatifs::attach(x, household, id, document)
    })
    .await;
    match done {
        Ok(()) => Ok(see_other(format!("/mes-demandes/{id}/justificatifs"))),
        Err(e) => {
            upload::discard(&files, &keys).await;
            let loaded = load_documents(&home, id).await?;
            let types: Vec<(String, String)> = loaded
                .2
                .iter()
                .map(|a| (a.document_type.clone(), a.label.clone()))
                .collect();
            match e {
                AppError::Invalid(_) => {
                    let mut f = deposit_form(
                        &format!("/mes-demandes/{id}/justificatifs"),
                        home.csrf()?,
                        &types,
                        &chosen,
                    );
                    let status = f.refused(e)?;
                    documents_view(&home, loaded, Some(f), None, status)
                }
                AppError::Conflict(m) => documents_view(
                    &home,
                    loaded,
                    None,
                    Some(guichet_web::sentence(&m)),
                    StatusCode::CONFLICT,
                ),
                other => Err(other),
            }
        }
    }
}

pub(crate) async fn remove_document(
    home: Home,
    path: web::Path<(i64, i64)>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let (id, document) = path.into_inner();
    home.write(move |t, me| justificatifs::detach(t, me.foyer_id(), id, document))
        .await?;
    Ok(see_other(format!("/mes-demandes/{id}/justificatifs")))
}

#[derive(Serialize)]
struct SummaryPage {
    layout: Layout,
    id: i64,
    label: String,
    subject: String,
    steps: Vec<StepLink>,
    summary: Vec<StepSummary>,
    has_documents: bool,
    documents: Vec<Justificatif>,
    form: Form,
}

fn new_key() -> String {
    foyers::new_secret().0
}

fn sending_form(
    id: i64,
    csrf_token: String,
    offered: &[guichet_domain::requests::MeansOfContact],
    chosen: &str,
    note: &str,
    key: &str,
) -> Form {
    let means = offered
        .iter()
        .map(|m| {
            (
                m.code().to_owned(),
                m.label().to_owned(),
                chosen == m.code(),
            )
        })
        .collect();
    Form::new(
        &format!("/mes-demandes/{id}/envoi"),
        csrf_token,
        "Envoyer la demande",
        vec![Section::plain(vec![
            Field::radios("means", "Comment la mairie vous contacte-t-elle au sujet de cette demande ?", means),
            Field::textarea("note", "Message pour la mairie", note).optional(),
            Field::checkbox(
                "consent",
                "Je certifie que les informations données sont exactes, et j’accepte qu’elles soient traitées pour cette demande.",
                false,
            ),
        ])],
    )
    .hidden("key", key)
}

type Loaded = (
    Me,
    Filed,
    Vec<StepSummary>,
    bool,
    Vec<Justificatif>,
    Vec<guichet_domain::requests::MeansOfContact>,
);

async fn load_summary(home: &Home, id: i64) -> Result<Loaded, AppError> {
    let (me, (f, summary, has_documents, documents, offered)) = home
        .read(move |t, me| {
            let f = requests::filed(t, me.foyer_id(), id)?;
            let ctx = requests::context(t, &f.offer, Some(&me.foyer), false)?;
            let summary = summarize(&f.form, &f.data, &ctx, false);
            let has_documents = !guichet_core::catalogue::offer::asked(&f.offer).is_empty();
            let documents = justificatifs::of_request(t, me.foyer_id(), id)?;
            let settings = guichet_core::collectivite::settings::current(t)?;
            let requester = me.foyer.member(f.row.requester_id).ok_or(Error::NotFound)?;
            let offered = requests::means_offered(&settings, requester, true);
            Ok((f, summary, has_documents, documents, offered))
        })
        .await?;
    Ok((me, f, summary, has_documents, documents, offered))
}

fn summary_view(
    home: &Home,
    loaded: Loaded,
    form: Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (me, f, summary, has_documents, documents, _) = loaded;
    let form = sealed(form);
    let title = guichet_web::render::title(
        &format!("Vérification et envoi — {}", f.offer.teleservice.label),
        form.has_errors(),
    );
    home.render(
        status,
        "portal/summary",
        &SummaryPage {
            layout: home.layout(&title, Nav::Requests, &me)?,
            id: f.row.id,
            label: f.offer.teleservice.label.clone(),
            subject: f.row.subject_name.clone(),
            steps: progress(&f, "envoi", has_documents),
            summary,
            has_documents,
            documents,
            form,
        },
    )
}

pub(crate) async fn summary_page(home: Home, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let loaded = load_summary(&home, id).await?;
    let f = &loaded.1;
    if !f.state().editable_by_household() {
        return Ok(see_other(format!("/mes-demandes/{id}")));
    }
    if let Some(next) = f.next_step() {
        return Ok(see_other(format!("/mes-demandes/{id}/etapes/{}", next.key)));
    }
    let chosen = f.row.means_of_contact.clone().unwrap_or_else(|| {
        loaded
            .5
            .first()
            .map(|m| m.code().to_owned())
            .unwrap_or_default()
    });
    let form = sending_form(
        id,
        home.csrf()?,
        &loaded.5,
        &chosen,
        &f.row.household_note,
        &new_key(),
    );
    summary_view(&home, loaded, form, StatusCode::OK)
}

#[derive(Deserialize)]
pub(crate) struct Send {
    #[serde(default)]
    means: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    consent: String,
    #[serde(default)]
    key: String,
}

pub(crate) async fn submit(
    home: Home,
    id: web::Path<i64>,
    VerifiedForm(form): VerifiedForm<Send>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let sending = Sending {
        means: form.means.clone(),
        note: form.note.clone(),
        consent: form.consent == "oui",
        // A form without its key (forged) still sends once: the request's
        // row lock and state make a second submission a refusal.
        key: if form.key.len() >= 20 {
            form.key.clone()
        } else {
            new_key()
        },
        filer: None,
    };
    let here = home.who.tenant.site();
    let outcome = home
        .write(move |t, me| {
            let settings = guichet_core::collectivite::settings::current(t)?;
            requests::submit(t, me.foyer_id(), id, &sending, &me.foyer, &settings, &here)
        })
        .await;
    let errors = match outcome {
        Ok(done) => {
            return see_other_with(
                &home.session,
                format!("/mes-demandes/{}", done.id),
                &format!(
                    "Votre demande est envoyée sous le n° {}. Un courriel de confirmation vous a été adressé avec le reçu.",
                    done.number
                ),
            )
        }
        Err(AppError::Invalid(errors)) => errors,
        Err(AppError::Conflict(m)) => vec![guichet_domain::forms::FieldError::new("", m)],
        Err(e) => return Err(e),
    };
    let loaded = load_summary(&home, id).await?;
    let mut f = sending_form(
        id,
        home.csrf()?,
        &loaded.5,
        &form.means,
        &form.note,
        &form.key,
    );
    f.field_errors(errors);
    summary_view(&home, loaded, f, StatusCode::BAD_REQUEST)
}
