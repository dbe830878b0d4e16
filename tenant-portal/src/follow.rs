//! « Mes demandes »: the foyer's requests and drafts, a request followed
//! (its state in plain words, its public history, messages), the receipt,
//! cancelling, deleting a draft.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_cases::requests::{self, Followed, Line};
use guichet_web::csrf::VerifiedForm;
use guichet_web::{blocking, AppError, Layout};
use serde::{Deserialize, Serialize};

use crate::page::{see_other, Home, Section as Nav};

#[derive(Serialize)]
struct ListPage {
    layout: Layout,
    drafts: Vec<Line>,
    sent: Vec<Line>,
    csrf_token: String,
    keep_days: i64,
}

pub(crate) async fn list(home: Home) -> Result<HttpResponse, AppError> {
    let (me, (lines, keep)) = home
        .read(move |t, me| {
            let lines = requests::dashboard(t, me.foyer_id())?;
            let keep = guichet_core::collectivite::settings::current(t)?.draft_keep_days;
            Ok((lines, keep))
        })
        .await?;
    let (drafts, sent): (Vec<Line>, Vec<Line>) = lines.into_iter().partition(|l| l.draft);
    home.render(
        StatusCode::OK,
        "portal/requests",
        &ListPage {
            layout: home.layout("Mes demandes", Nav::Requests, &me)?,
            drafts,
            sent,
            csrf_token: home.csrf()?,
            keep_days: keep,
        },
    )
}

#[derive(Serialize)]
struct ShowPage {
    layout: Layout,
    r: Followed,
    /// Its fee, owed or paid.
    fee: Option<guichet_core::payments::billing::Invoice>,
    continue_link: Option<String>,
    csrf_token: String,
    /// Sent without an account: it may be kept in an account.
    without_account: bool,
    note_error: Option<String>,
}

async fn follow(home: &Home, id: i64) -> Result<Loaded, AppError> {
    let (me, (r, fee, next)) = home
        .read(move |t, me| {
            let r = requests::follow(t, me.foyer_id(), id, &me.foyer)?;
            let fee = guichet_core::payments::fees::of_request(t, me.foyer_id(), id)?;
            let f = requests::filed(t, me.foyer_id(), id)?;
            let next = if r.editable {
                Some(match f.next_step() {
                    Some(s) => format!("/mes-demandes/{id}/etapes/{}", s.key),
                    None => format!("/mes-demandes/{id}/envoi"),
                })
            } else {
                None
            };
            Ok((r, fee, next))
        })
        .await?;
    Ok((me, r, fee, next))
}

/// The signed-in household, its request, the request's fee, where to go on.
type Loaded = (
    crate::page::Me,
    Followed,
    Option<guichet_core::payments::billing::Invoice>,
    Option<String>,
);

fn show_view(
    home: &Home,
    loaded: Loaded,
    note_error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (me, r, fee, next) = loaded;
    let without_account = me.foyer.temporary && !r.draft;
    let title = match r.number {
        Some(n) => format!("Demande n° {n} — {}", r.label),
        None => format!("Brouillon — {}", r.label),
    };
    let title = guichet_web::render::title(&title, note_error.is_some());
    home.render(
        status,
        "portal/request",
        &ShowPage {
            layout: home.layout(&title, Nav::Requests, &me)?,
            r,
            fee,
            continue_link: next,
            csrf_token: home.csrf()?,
            without_account,
            note_error,
        },
    )
}

pub(crate) async fn show(home: Home, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let loaded = follow(&home, id.into_inner()).await?;
    show_view(&home, loaded, None, StatusCode::OK)
}

pub(crate) async fn receipt(home: Home, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (_, receipt) = home
        .read(move |t, me| requests::receipt(t, Some(me.foyer_id()), id))
        .await?;
    let site = home.who.tenant.name.clone();
    let number = receipt.number;
    let bytes = blocking(move || Ok(receipt.document(&site).render())).await?;
    Ok(guichet_web::pdf(
        bytes,
        &format!("Recu_Demande_{number}.pdf"),
    ))
}

/// The certificate of the decision on the request.
pub(crate) async fn certificate(home: Home, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (_, certificate) = home
        .read(move |t, me| requests::certificate(t, Some(me.foyer_id()), id))
        .await?;
    let site = home.who.tenant.name.clone();
    let number = certificate.number;
    let bytes = blocking(move || Ok(certificate.document(&site).render())).await?;
    Ok(guichet_web::pdf(
        bytes,
        &format!("Attestation_Demande_{number}.pdf"),
    ))
}

/// « Annuler la demande » asks first: nothing is cancelled on one click.
pub(crate) async fn cancel_page(home: Home, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (me, r, _, _) = follow(&home, id).await?;
    if !r.cancellable || r.draft {
        return Ok(see_other(format!("/mes-demandes/{id}")));
    }
    let heading = format!("Annuler la demande n° {}", r.number.unwrap_or_default());
    let layout = home.layout(&heading, Nav::Requests, &me)?;
    guichet_web::forms::form_page(
        &home.pages,
        StatusCode::OK,
        layout,
        &heading,
        Some("La mairie ne la traitera pas : c’est définitif. Pour une nouvelle demande, il faudra tout refaire."),
        guichet_web::forms::confirmation(
            &format!("/mes-demandes/{id}/annuler"),
            home.csrf()?,
            "Oui, annuler la demande",
            (&format!("/mes-demandes/{id}"), "Non, garder la demande"),
            &[],
        ),
    )
}

#[derive(Deserialize)]
pub(crate) struct Confirmed {
    #[serde(default)]
    confirme: String,
}

pub(crate) async fn cancel(
    home: Home,
    id: web::Path<i64>,
    VerifiedForm(form): VerifiedForm<Confirmed>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    if form.confirme != "oui" {
        // Another foyer's request is not found, asked or not.
        follow(&home, id).await?;
        return Ok(see_other(format!("/mes-demandes/{id}/annuler")));
    }
    home.write(move |t, me| requests::cancel(t, me.foyer_id(), id, &me.foyer))
        .await?;
    Ok(see_other(format!("/mes-demandes/{id}")))
}

pub(crate) async fn delete(
    home: Home,
    id: web::Path<i64>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    home.write(move |t, me| requests::delete_draft(t, me.foyer_id(), id))
        .await?;
    Ok(see_other("/mes-demandes"))
}

#[derive(Deserialize)]
pub(crate) struct NoteForm {
    #[serde(default)]
    body: String,
}

pub(crate) async fn note(
    home: Home,
    id: web::Path<i64>,
    VerifiedForm(form): VerifiedForm<NoteForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let body = form.body;
    match home
        .write(move |t, me| requests::add_note(t, me.foyer_id(), id, &me.person, &body))
        .await
    {
        Ok(()) => Ok(see_other(format!("/mes-demandes/{id}#messages"))),
        Err(AppError::Invalid(errors)) => {
            let message = errors.first().map(|e| guichet_web::sentence(&e.message));
            let loaded = follow(&home, id).await?;
            show_view(&home, loaded, message, StatusCode::BAD_REQUEST)
        }
        Err(e) => Err(e),
    }
}
