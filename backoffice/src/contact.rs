//! « Contacter le demandeur » from a request's page, and the contacts of
//! its history with the letter sent (its page, its PDF).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use guichet_cases::courriers;
use guichet_cases::courriers::contact::{self, ContactForm, ContactInput, Sent};
use guichet_core::files::FileStore;
use guichet_core::Error;
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::{sealed, Field, Form, Pairs, Section};
use guichet_web::render::see_other_with;
use guichet_web::{AppError, Layout};
use serde::Serialize;

use crate::case::base_url;
use crate::desk::{Office, Section as Nav};

/// Whether the platform has an SMS gateway (`GUICHET_SMS_*`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sms(pub bool);

#[derive(Serialize)]
struct ContactPage {
    layout: Layout,
    id: i64,
    f: ContactForm,
    unavailable: Vec<String>,
    form: Form,
}

fn form(id: i64, csrf_token: String, f: &ContactForm, v: &ContactInput) -> Form {
    let means = f
        .means
        .iter()
        .filter(|m| m.possible)
        .map(|m| {
            let chosen = if v.means.is_empty() {
                m.chosen
            } else {
                v.means == m.code
            };
            (
                m.code.to_owned(),
                format!("{} ({})", m.label, m.detail),
                chosen,
            )
        })
        .collect();
    let mut courriers = vec![(
        String::new(),
        "Aucun : le message seul".to_owned(),
        v.courrier.is_empty(),
    )];
    courriers.extend(f.courriers.iter().map(|c| {
        (
            c.id.to_string(),
            c.short_label.clone(),
            v.courrier == c.id.to_string(),
        )
    }));
    Form::new(
        &format!("/backoffice/demandes/{id}/contacter"),
        csrf_token,
        "Envoyer ou enregistrer le contact",
        vec![Section::plain(vec![
            Field::radios("means", "Moyen de contact", means)
                .hint("Celui que le demandeur a choisi est coché, s’il est possible."),
            Field::select("courrier", "Courrier type (courriel, courrier postal, accueil)", courriers)
                .hint("Le message remplace alors la variable {{RQ_OBSERV}} du courrier."),
            Field::textarea("message", "Message", &v.message).hint(
                "Le texte du courriel, de la lettre ou du SMS (480 caractères au plus), ou ce qui a été dit au téléphone.",
            ),
            Field::textarea("note", "Note interne, pour les agents seulement", &v.note).optional(),
        ])],
    )
}

async fn show(
    office: &Office,
    sms: bool,
    id: i64,
    sent: Option<(ContactInput, Option<AppError>)>,
) -> Result<HttpResponse, AppError> {
    // The desk comes back for the page's layout.
    let (desk, f) = office
        .write(move |t, desk| {
            let f = contact::form(t, desk, id, sms)?;
            Ok((desk.clone(), f))
        })
        .await?;
    let token = office.csrf()?;
    let (mut form, status) = match sent {
        None => (
            form(id, token, &f, &ContactInput::default()),
            StatusCode::OK,
        ),
        Some((given, None)) => (form(id, token, &f, &given), StatusCode::OK),
        Some((given, Some(e))) => {
            let mut form = form(id, token, &f, &given);
            let status = form.refused(e)?;
            (form, status)
        }
    };
    form = sealed(form);
    let heading = format!("Contacter le demandeur : demande n° {}", f.number);
    let title = guichet_web::render::title(&heading, form.has_errors());
    let layout = office.layout(&desk, &title, Nav::Requests)?;
    // The status is the refusal's, when there is one: not `office.page`.
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(
            office.pages.render(
                "backoffice/contact",
                &ContactPage {
                    layout,
                    id,
                    unavailable: f
                        .means
                        .iter()
                        .filter(|m| !m.possible)
                        .map(|m| format!("{} : {}", m.label, m.detail))
                        .collect(),
                    f,
                    form,
                },
            )?,
        ))
}

pub(crate) async fn page(
    office: Office,
    sms: web::Data<Sms>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    show(&office, sms.0, *id, None).await
}

pub(crate) async fn send(
    office: Office,
    req: HttpRequest,
    sms: web::Data<Sms>,
    id: web::Path<i64>,
    VerifiedForm(form): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let p = Pairs(form);
    let input = ContactInput {
        means: p.get("means"),
        courrier: p.get("courrier"),
        message: p.get("message"),
        note: p.get("note"),
    };
    let (id, sms) = (*id, sms.0);
    // Back from the preview to change it: the form, as it was.
    if p.get("modifier") == "oui" {
        return show(&office, sms, id, Some((input, None))).await;
    }
    // A message that leaves (e-mail, SMS) is seen before it is sent.
    let leaves = matches!(input.means.as_str(), "Email" | "Sms");
    if leaves && p.get("confirme") != "oui" {
        return preview(&office, sms, id, input).await;
    }
    let (base, site, given) = (
        base_url(&req),
        office.agent.tenant.name.clone(),
        input.clone(),
    );
    let done = office
        .write(move |t, desk| {
            let action = contact::contact(t, desk, id, &given, sms, &site, &base)?;
            let letter = contact::sent(t, Some(desk), id, action)?.letter.is_some();
            Ok((action, letter))
        })
        .await;
    let (to, notice) = match done {
        Ok((action, true)) => (
            format!("/backoffice/demandes/{id}/contacts/{action}"),
            if input.means == "Email" {
                "Le contact est enregistré dans l’historique de la demande ; le courriel part avec le courrier en PDF."
            } else {
                "Le contact est enregistré dans l’historique de la demande."
            },
        ),
        Ok((_, false)) => (
            format!("/backoffice/demandes/{id}"),
            crate::case::notice("contact"),
        ),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            return show(&office, sms, id, Some((input, Some(e)))).await
        }
        Err(e) => return Err(e),
    };
    see_other_with(&office.session, to, notice)
}

#[derive(Serialize)]
struct PreviewPage {
    layout: Layout,
    id: i64,
    s: Sent,
    means: &'static str,
    objet: bool,
    given: ContactInput,
    csrf_token: String,
}

/// The contact as it will leave, to send or to change.
async fn preview(
    office: &Office,
    sms: bool,
    id: i64,
    input: ContactInput,
) -> Result<HttpResponse, AppError> {
    let given = input.clone();
    let built = office
        .write(move |t, desk| {
            let s = contact::preview(t, desk, id, &given, sms)?;
            Ok((desk.clone(), s))
        })
        .await;
    let (desk, s) = match built {
        Ok(b) => b,
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            return show(office, sms, id, Some((input, Some(e)))).await
        }
        Err(e) => return Err(e),
    };
    let layout = office.layout(&desk, "Aperçu avant envoi", Nav::Requests)?;
    office.page(
        "backoffice/contact_preview",
        &PreviewPage {
            layout,
            id,
            means: guichet_core::domain::requests::MeansOfContact::parse(&s.means)
                .map_or("", |m| m.label()),
            objet: s
                .letter
                .as_ref()
                .is_some_and(|l| l.model == guichet_core::domain::courriers::Model::Letter),
            s,
            given: input,
            csrf_token: office.csrf()?,
        },
    )
}

#[derive(Serialize)]
struct SentPage {
    layout: Layout,
    id: i64,
    action: i64,
    s: Sent,
    means: &'static str,
    objet: bool,
}

/// A contact of the history: what was sent, the letter as the household
/// reads it.
pub(crate) async fn sent(
    office: Office,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    let (desk, s) = office
        .read(move |t, desk| contact::sent(t, Some(desk), id, action))
        .await?;
    let title = match &s.letter {
        Some(l) => format!("Courrier « {} »", l.title),
        None => "Contact".to_owned(),
    };
    let layout = office.layout(&desk, &title, Nav::Requests)?;
    let means =
        guichet_core::domain::requests::MeansOfContact::parse(&s.means).map_or("", |m| m.label());
    office.page(
        "backoffice/contact_sent",
        &SentPage {
            layout,
            id,
            action,
            objet: s
                .letter
                .as_ref()
                .is_some_and(|l| l.model == guichet_core::domain::courriers::Model::Letter),
            s,
            means,
        },
    )
}

/// The letter of a contact, as the PDF sent or to print.
pub(crate) async fn letter_pdf(
    office: Office,
    files: web::Data<FileStore>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    let (_, (letter, logo)) = office
        .read(move |t, desk| {
            let letter = contact::sent(t, Some(desk), id, action)?
                .letter
                .ok_or(Error::NotFound)?;
            let logo = courriers::logo_key(t, &letter)?;
            Ok((letter, logo))
        })
        .await?;
    crate::courriers::letter_pdf(&files, letter, logo).await
}
