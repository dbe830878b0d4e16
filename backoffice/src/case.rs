//! A request's page in the back office: opening it takes its lock; the
//! state, the messages, the take-over and the release are forms of it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_cases::casework::{self, Opened};
use guichet_core::Error;
use guichet_web::csrf::VerifiedForm;
use guichet_web::{AppError, Layout};
use serde::{Deserialize, Serialize};

use crate::desk::{Office, Section as Nav};

#[derive(Serialize)]
struct RequestPage {
    layout: Layout,
    o: Opened,
    csrf_token: String,
    error: Option<String>,
    viewer: Option<Viewer>,
}

/// The page of a justificatif shown beside the request's data, with the
/// links to the others.
#[derive(Serialize)]
struct Viewer {
    /// Where the browser reads the page from (inline, framed by this site).
    src: String,
    /// Where it is downloaded.
    download: String,
    /// « Justificatif de domicile, page 1 sur 2 : facture.pdf ».
    caption: String,
    image: bool,
    previous: Option<String>,
    next: Option<String>,
}

impl Viewer {
    /// The page `chosen` (or the first one) of the request's justificatifs.
    fn of(o: &Opened, chosen: Option<i64>) -> Option<Viewer> {
        let pages: Vec<_> = o
            .justificatifs
            .documents
            .iter()
            .flat_map(|d| {
                let count = d.document.pages.len();
                d.document.pages.iter().map(move |p| (d, p, count))
            })
            .collect();
        let at = chosen
            .and_then(|f| pages.iter().position(|(_, p, _)| p.file_id == f))
            .unwrap_or(0);
        let (d, p, count) = pages.get(at)?;
        let id = o.case.id;
        let href = |i: usize| {
            pages.get(i).map(|(_, p, _)| {
                format!("/backoffice/demandes/{id}?voir={}#visionneuse", p.file_id)
            })
        };
        Some(Viewer {
            src: format!("/backoffice/demandes/{id}/pages/{}/voir", p.file_id),
            download: format!("/backoffice/demandes/{id}/pages/{}", p.file_id),
            caption: format!(
                "{}, page {} sur {count} : {}",
                d.document.type_label, p.position, p.filename
            ),
            image: p.content_type.starts_with("image/"),
            previous: at.checked_sub(1).and_then(href),
            next: href(at + 1),
        })
    }
}

use guichet_web::render::{see_other, see_other_with};

pub(crate) use guichet_web::tenant::base_url;

/// Opens the request (taking its lock) and draws its page, with the
/// refusal of a form sent from it, if any.
pub(crate) async fn show(
    office: &Office,
    id: i64,
    refused: Option<AppError>,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    let Shown { page: chosen } = shown;
    // Reading the request takes nothing: no lock, no write.
    let (desk, opened) = office
        .read(move |t, desk| casework::open(t, desk, id))
        .await?;
    let (status, error) = match refused {
        None => (StatusCode::OK, None),
        Some(e) => {
            let (status, message) = guichet_web::refusal(e)?;
            (status, Some(message))
        }
    };
    let number = opened.case.number.unwrap_or_default();
    let title = format!("Demande n° {number}");
    let title = guichet_web::render::title(&title, error.is_some());
    let mut layout = office.layout(&desk, &title, Nav::Requests)?;
    layout.wide = true;
    // The status is the refusal's, when there is one: not `office.page`.
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(office.pages.render(
            "backoffice/request",
            &RequestPage {
                layout,
                viewer: Viewer::of(&opened, chosen),
                o: opened,
                csrf_token: office.csrf()?,
                error,
            },
        )?))
}

/// What the request's page shows besides the request: the justificatif's
/// page chosen for the viewer.
#[derive(Default)]
pub(crate) struct Shown {
    page: Option<i64>,
}

#[derive(Deserialize)]
pub(crate) struct Chosen {
    /// The justificatif's page to show beside the data.
    voir: Option<i64>,
}

/// What the request's page says once a write of it is done.
pub(crate) fn notice(done: &str) -> &'static str {
    match done {
        "etat" => "L’état de la demande est changé ; le foyer en est informé.",
        "message" => "Le message est enregistré.",
        "contact" => "Le contact est enregistré dans l’historique de la demande ; le SMS ou le courriel part dans un instant.",
        "reprise" => "Vous traitez maintenant cette demande.",
        "justificatif" => "Le justificatif est enregistré.",
        "verification" => "La vérification des données est enregistrée.",
        "deposee" => "La demande est déposée pour le foyer ; son reçu lui est envoyé s’il a une adresse électronique.",
        "donnees" => "Les corrections sont enregistrées dans la demande et son historique.",
        "retrait" => "Le justificatif est retiré de la demande ; il reste dans les documents du foyer.",
        _ => "C’est enregistré.",
    }
}

pub(crate) async fn page(
    office: Office,
    id: web::Path<i64>,
    chosen: web::Query<Chosen>,
) -> Result<HttpResponse, AppError> {
    show(&office, *id, None, Shown { page: chosen.voir }).await
}

/// Runs a write of the request's page, then shows the page again: after a
/// redirect when it worked, with the refusal when it did not.
pub(crate) async fn written(
    office: &Office,
    id: i64,
    done: &str,
    write: impl FnOnce(
            &mut guichet_core::store::TenantTx<'_>,
            &guichet_core::agents::Desk,
        ) -> Result<(), Error>
        + Send
        + 'static,
) -> Result<HttpResponse, AppError> {
    // A write of the request's page, in one transaction.
    let result = office.write(write).await;
    answer(office, id, done, result).await
}

/// The page after a write: redirected with its notice, or drawn again
/// with the refusal.
pub(crate) async fn answer(
    office: &Office,
    id: i64,
    done: &str,
    result: Result<(), AppError>,
) -> Result<HttpResponse, AppError> {
    match result {
        Ok(()) => see_other_with(
            &office.session,
            format!("/backoffice/demandes/{id}"),
            notice(done),
        ),
        Err(
            e @ (AppError::Invalid(_)
            | AppError::Conflict(_)
            | AppError::BadRequest(_)
            | AppError::TooLarge(_)
            | AppError::FilesUnavailable(_)),
        ) => show(office, id, Some(e), Shown::default()).await,
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub(crate) struct Transition {
    #[serde(default)]
    version: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn transition(
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(form): VerifiedForm<Transition>,
) -> Result<HttpResponse, AppError> {
    let here = office.agent.tenant.site();
    let id = *id;
    written(&office, id, "etat", move |t, d| {
        casework::act(t, d, id, &form.version, &form.to, &form.reason, &here)
    })
    .await
}

#[derive(Deserialize)]
pub(crate) struct NoteForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    au_foyer: String,
}

pub(crate) async fn note(
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(form): VerifiedForm<NoteForm>,
) -> Result<HttpResponse, AppError> {
    let here = office.agent.tenant.site();
    let id = *id;
    let public = form.au_foyer == "oui";
    written(&office, id, "message", move |t, d| {
        casework::note(t, d, id, &form.body, public, &here)
    })
    .await
}

/// « Traiter cette demande »: the agent takes its lock before any change.
pub(crate) async fn process(
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    written(&office, id, "reprise", move |t, d| {
        casework::process(t, d, id)
    })
    .await
}

pub(crate) async fn take_over(
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    written(&office, id, "reprise", move |t, d| {
        casework::take_over(t, d, id)
    })
    .await
}

pub(crate) async fn release(
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    office
        .write(move |t, desk| casework::release(t, desk, id))
        .await?;
    Ok(see_other("/backoffice/"))
}

/// The request as a PDF, to print or hand over.
pub(crate) async fn print(office: Office, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = *id;
    let site = office.agent.tenant.name.clone();
    let (_, (number, doc)) = office
        .read(move |t, desk| casework::printable(t, desk, id, &site))
        .await?;
    let bytes = guichet_web::blocking(move || Ok(doc.render())).await?;
    // Named by the number agents and households know, not the internal id.
    Ok(guichet_web::pdf(bytes, &format!("Demande_{number}.pdf")))
}

/// The certificate of the decision on the request, as the household has it.
pub(crate) async fn certificate(
    office: Office,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let (_, certificate) = office
        .read(move |t, desk| casework::certificate(t, desk, id))
        .await?;
    let site = office.agent.tenant.name.clone();
    let number = certificate.number;
    let bytes = guichet_web::blocking(move || Ok(certificate.document(&site).render())).await?;
    Ok(guichet_web::pdf(
        bytes,
        &format!("Attestation_Demande_{number}.pdf"),
    ))
}
