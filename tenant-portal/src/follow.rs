//! « Mes demandes »: the foyer's requests and drafts, a request followed
//! (its state in plain words, its public history, messages), the receipt,
//! cancelling, deleting a draft.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_cases::requests::{self, Followed, Line};
use guichet_core::store::Store;
use guichet_core::Error;
use guichet_web::csrf::{self, VerifiedForm};
use guichet_web::principal::SignedInHousehold;
use guichet_web::{blocking, tx, AppError, Layout, Renderer};
use serde::{Deserialize, Serialize};

use crate::page::{layout, me, me_in, render, see_other, signed_in, Section as Nav};

#[derive(Serialize)]
struct ListPage {
    layout: Layout,
    drafts: Vec<Line>,
    sent: Vec<Line>,
    csrf_token: String,
    keep_days: i64,
}

pub(crate) async fn list(
    who: SignedInHousehold,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let account = who.account_id;
    let (me, lines, keep) = tx::read(&store, &who, move |t| {
        let me = me_in(t, account)?;
        let lines = requests::dashboard(t, me.household())?;
        let keep = guichet_core::collectivite::settings::current(t)?.draft_keep_days;
        Ok::<_, Error>((me, lines, keep))
    })
    .await
    .map_err(signed_in)?;
    let (drafts, sent): (Vec<Line>, Vec<Line>) = lines.into_iter().partition(|l| l.draft);
    render(
        &pages,
        StatusCode::OK,
        "portal/requests",
        &ListPage {
            layout: layout(
                &who.tenant,
                "Mes demandes",
                Nav::Requests,
                Some(&me),
                &session,
            )?,
            drafts,
            sent,
            csrf_token: csrf::token(&session)?,
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

async fn follow(store: &Store, who: &SignedInHousehold, id: i64) -> Result<Loaded, AppError> {
    let account = who.account_id;
    tx::read(store, who, move |t| {
        let me = me_in(t, account)?;
        let r = requests::follow(t, me.household(), id, &me.foyer)?;
        let fee = guichet_core::payments::fees::of_request(t, me.household(), id)?;
        let f = requests::filed(t, me.household(), id)?;
        let next = if r.editable {
            Some(match f.next_step() {
                Some(s) => format!("/mes-demandes/{id}/etapes/{}", s.key),
                None => format!("/mes-demandes/{id}/envoi"),
            })
        } else {
            None
        };
        Ok::<_, Error>((me, r, fee, next))
    })
    .await
    .map_err(signed_in)
}

/// The signed-in household, its request, the request's fee, where to go on.
type Loaded = (
    crate::page::Me,
    Followed,
    Option<guichet_core::payments::billing::Invoice>,
    Option<String>,
);

fn show_view(
    pages: &Renderer,
    who: &SignedInHousehold,
    session: &Session,
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
    render(
        pages,
        status,
        "portal/request",
        &ShowPage {
            layout: layout(&who.tenant, &title, Nav::Requests, Some(&me), session)?,
            r,
            fee,
            continue_link: next,
            csrf_token: csrf::token(session)?,
            without_account,
            note_error,
        },
    )
}

pub(crate) async fn show(
    who: SignedInHousehold,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let loaded = follow(&store, &who, id.into_inner()).await?;
    show_view(&pages, &who, &session, loaded, None, StatusCode::OK)
}

pub(crate) async fn receipt(
    who: SignedInHousehold,
    store: web::Data<Store>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, account) = (id.into_inner(), who.account_id);
    let receipt = tx::read(&store, &who, move |t| {
        let me = me_in(t, account)?;
        requests::receipt(t, Some(me.household()), id)
    })
    .await
    .map_err(signed_in)?;
    let site = who.tenant.name.clone();
    let number = receipt.number;
    let bytes = blocking(move || Ok(receipt.document(&site).render())).await?;
    Ok(guichet_web::pdf(
        bytes,
        &format!("Recu_Demande_{number}.pdf"),
    ))
}

/// The certificate of the decision on the request.
pub(crate) async fn certificate(
    who: SignedInHousehold,
    store: web::Data<Store>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, account) = (id.into_inner(), who.account_id);
    let certificate = tx::read(&store, &who, move |t| {
        let me = me_in(t, account)?;
        requests::certificate(t, Some(me.household()), id)
    })
    .await
    .map_err(signed_in)?;
    let site = who.tenant.name.clone();
    let number = certificate.number;
    let bytes = blocking(move || Ok(certificate.document(&site).render())).await?;
    Ok(guichet_web::pdf(
        bytes,
        &format!("Attestation_Demande_{number}.pdf"),
    ))
}

/// « Annuler la demande » asks first: nothing is cancelled on one click.
pub(crate) async fn cancel_page(
    who: SignedInHousehold,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (me, r, _, _) = follow(&store, &who, id).await?;
    if !r.cancellable || r.draft {
        return Ok(see_other(format!("/mes-demandes/{id}")));
    }
    let heading = format!("Annuler la demande n° {}", r.number.unwrap_or_default());
    let layout = layout(&who.tenant, &heading, Nav::Requests, Some(&me), &session)?;
    guichet_web::forms::form_page(
        &pages,
        StatusCode::OK,
        layout,
        &heading,
        Some("La mairie ne la traitera pas : c’est définitif. Pour une nouvelle demande, il faudra tout refaire."),
        guichet_web::forms::confirmation(
            &format!("/mes-demandes/{id}/annuler"),
            csrf::token(&session)?,
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
    who: SignedInHousehold,
    store: web::Data<Store>,
    id: web::Path<i64>,
    VerifiedForm(form): VerifiedForm<Confirmed>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    if form.confirme != "oui" {
        // Another foyer's request is not found, asked or not.
        follow(&store, &who, id).await?;
        return Ok(see_other(format!("/mes-demandes/{id}/annuler")));
    }
    let me = me(&store, &who).await?;
    let (household, foyer) = (me.household(), me.foyer.clone());
    tx::write(&store, &who, move |t| {
        requests::cancel(t, household, id, &foyer)
    })
    .await?;
    Ok(see_other(format!("/mes-demandes/{id}")))
}

pub(crate) async fn delete(
    who: SignedInHousehold,
    store: web::Data<Store>,
    id: web::Path<i64>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let me = me(&store, &who).await?;
    let household = me.household();
    tx::write(&store, &who, move |t| {
        requests::delete_draft(t, household, id)
    })
    .await?;
    Ok(see_other("/mes-demandes"))
}

#[derive(Deserialize)]
pub(crate) struct NoteForm {
    #[serde(default)]
    body: String,
}

pub(crate) async fn note(
    who: SignedInHousehold,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    id: web::Path<i64>,
    VerifiedForm(form): VerifiedForm<NoteForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let me = me(&store, &who).await?;
    let (household, person, body) = (me.household(), me.person.clone(), form.body);
    match tx::write(&store, &who, move |t| {
        requests::add_note(t, household, id, &person, &body)
    })
    .await
    {
        Ok(()) => Ok(see_other(format!("/mes-demandes/{id}#messages"))),
        Err(AppError::Invalid(errors)) => {
            let message = errors.first().map(|e| guichet_web::sentence(&e.message));
            let loaded = follow(&store, &who, id).await?;
            show_view(
                &pages,
                &who,
                &session,
                loaded,
                message,
                StatusCode::BAD_REQUEST,
            )
        }
        Err(e) => Err(e),
    }
}
