//! The catalogue: the collectivité's online téléservices by section, with a
//! search box; a téléservice's page, where a request starts.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use guichet_cases::requests;
use guichet_core::catalogue::offer::Offer;
use guichet_core::store::Store;
use guichet_domain::forms::DisplayGroup;
use guichet_domain::{text, time};
use guichet_web::principal::SignedInHousehold;
use guichet_web::tenant::CurrentTenant;
use guichet_web::{csrf, tx, AppError, Layout, Renderer};
use serde::{Deserialize, Serialize};

use crate::page::{layout, me_in, render, Me, Section as Nav};

#[derive(Serialize)]
struct Card {
    code: String,
    label: String,
    summary: String,
    account_needed: bool,
    window: Option<String>,
    closed: Option<String>,
    /// The justificatifs asked for, by label.
    justificatifs: Vec<String>,
}

#[derive(Serialize)]
struct Group {
    label: &'static str,
    cards: Vec<Card>,
}

#[derive(Serialize)]
struct Home {
    layout: Layout,
    name: String,
    q: String,
    groups: Vec<Group>,
    count: usize,
    signed_in: bool,
}

fn card(
    o: &Offer,
    asked: &[guichet_core::catalogue::offer::Asked],
    today: chrono::NaiveDate,
) -> Card {
    Card {
        justificatifs: asked.iter().map(|a| a.label.clone()).collect(),
        code: o.teleservice.code.clone(),
        label: o.teleservice.label.clone(),
        summary: o.form.summary.clone(),
        account_needed: o.form.account_needed,
        window: o
            .open_season(today)
            .map(|s| guichet_core::catalogue::offer::dates(s).window_fr()),
        closed: o.closed_reason(today),
    }
}

#[derive(Deserialize)]
pub(crate) struct Search {
    #[serde(default)]
    q: String,
}

/// The signed-in household, if any (pages open to everyone).
async fn maybe_me(
    req: &HttpRequest,
    store: &Store,
) -> Result<Option<(SignedInHousehold, Me)>, AppError> {
    let Ok(who) = SignedInHousehold::extract(req).await else {
        return Ok(None);
    };
    let id = who.account_id;
    match tx::read(store, &who, move |t| me_in(t, id)).await {
        Ok(me) => Ok(Some((who, me))),
        Err(_) => Ok(None),
    }
}

pub(crate) async fn home(
    req: HttpRequest,
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    search: web::Query<Search>,
) -> Result<HttpResponse, AppError> {
    let me = maybe_me(&req, &store).await?;
    let offers = tx::read(&store, &tenant, guichet_core::catalogue::offer::offers).await?;
    let q = search.q.trim().to_owned();
    let wanted = text::search_key(&q);
    let today = time::today();
    let mut groups: Vec<(DisplayGroup, Vec<Card>)> = Vec::new();
    let mut count = 0;
    for o in &offers {
        let asked = &guichet_core::catalogue::offer::asked(o);
        let hay = text::search_key(&format!("{} {}", o.teleservice.label, o.form.summary));
        if !wanted.split_whitespace().all(|w| hay.contains(w)) {
            continue;
        }
        count += 1;
        match groups.iter_mut().find(|(g, _)| *g == o.form.group) {
            Some((_, cards)) => cards.push(card(o, asked, today)),
            None => groups.push((o.form.group, vec![card(o, asked, today)])),
        }
    }
    groups.sort_by_key(|(g, _)| *g);
    let title = if q.is_empty() {
        "Démarches en ligne".to_owned()
    } else {
        format!("Recherche « {q} »")
    };
    let layout = layout(
        &tenant,
        &title,
        Nav::Catalogue,
        me.as_ref().map(|(_, m)| m),
        &session,
    )?;
    render(
        &pages,
        StatusCode::OK,
        "portal/home",
        &Home {
            layout,
            name: tenant.name.clone(),
            q,
            groups: groups
                .into_iter()
                .map(|(g, cards)| Group {
                    label: g.label(),
                    cards,
                })
                .collect(),
            count,
            signed_in: me.is_some(),
        },
    )
}

#[derive(Serialize)]
struct Subject {
    id: String,
    value: String,
    name: String,
    first: bool,
}

#[derive(Serialize)]
struct Show {
    layout: Layout,
    card: Card,
    justificatifs: Vec<guichet_core::catalogue::offer::Asked>,
    signed_in: bool,
    csrf_token: String,
    subjects: Vec<Subject>,
    /// Why nobody of the foyer can file now.
    refused: Option<String>,
    sign_in_link: String,
}

pub(crate) async fn show(
    req: HttpRequest,
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let me = maybe_me(&req, &store).await?;
    let code = code.into_inner();
    let foyer = me.as_ref().map(|(_, m)| m.foyer.clone());
    // Taken offline with a message: the message, instead of « not found ».
    let c = code.clone();
    if let Some((label, message)) = tx::read(&store, &tenant, move |t| {
        guichet_core::catalogue::offer::offline(t, &c)
    })
    .await?
    {
        return crate::account::message_page(
            &pages,
            &tenant,
            &session,
            &label,
            &format!("Ce service en ligne est fermé pour le moment. {message}"),
            Some(("/", "Retour aux démarches")),
        );
    }
    let (offer, asked, eligible) = tx::read(&store, &tenant, move |t| {
        let offer = guichet_core::catalogue::offer::offer(t, &code)?;
        let asked = guichet_core::catalogue::offer::asked(&offer);
        let eligible = foyer
            .as_ref()
            .map(|f| requests::eligibility(t, &offer, f, time::today()));
        Ok::<_, guichet_core::Error>((offer, asked, eligible))
    })
    .await?;
    let (subjects, refused) = match eligible {
        Some(Ok((list, _))) => (
            list.into_iter()
                .enumerate()
                .map(|(i, e)| Subject {
                    id: format!("subject-{}", i + 1),
                    value: e.subject.map(|s| s.to_string()).unwrap_or_default(),
                    name: e.name,
                    first: i == 0,
                })
                .collect(),
            None,
        ),
        Some(Err(guichet_core::Error::Refused(m))) => (Vec::new(), Some(guichet_web::sentence(&m))),
        Some(Err(e)) => return Err(e.into()),
        None => (Vec::new(), offer.closed_reason(time::today())),
    };
    let card = card(&offer, &asked, time::today());
    // A form token for households only: a visitor's reading opens no session.
    let csrf_token = if me.is_some() {
        csrf::token(&session)?
    } else {
        String::new()
    };
    let layout = layout(
        &tenant,
        &card.label,
        Nav::Catalogue,
        me.as_ref().map(|(_, m)| m),
        &session,
    )?;
    render(
        &pages,
        StatusCode::OK,
        "portal/teleservice",
        &Show {
            layout,
            sign_in_link: format!("/connexion?suite=/demarches/{}", card.code),
            card,
            justificatifs: asked,
            signed_in: me.is_some(),
            csrf_token,
            subjects,
            refused,
        },
    )
}
