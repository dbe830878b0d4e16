//! The task board and the search of requests. The search is a GET form: its
//! fields are in the URL, so that a search can be bookmarked and shared.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use guichet_core::domain::requests::{Quality, RequestState};
use guichet_core::processing::{self, Choices, Found, Pile, Query};
use guichet_core::store::Store;
use guichet_core::Error;
use guichet_web::forms::{sealed, Field, Form, Section};
use guichet_web::principal::SignedInAgent;
use guichet_web::{tx, AppError, Layout, Renderer};
use serde::Serialize;

use crate::desk::{self, Section as Nav};

#[derive(Serialize)]
struct BoardPage {
    layout: Layout,
    /// Member of the back office's groups: may process requests.
    back_office: bool,
    piles: Vec<Pile>,
}

pub(crate) async fn board(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
) -> Result<HttpResponse, AppError> {
    let id = agent.agent_id;
    let (desk, piles) = tx::read(&store, &agent, move |t| {
        let desk = desk::open(t, id)?;
        let piles = processing::board(t, &desk)?;
        Ok::<_, Error>((desk, piles))
    })
    .await
    .map_err(desk::signed_in)?;
    let layout = desk::layout(&agent, &desk, "Tableau de bord", Nav::Board, &session)?;
    pages.page(
        "backoffice/board",
        &BoardPage {
            layout,
            back_office: desk.rights.back_office,
            piles,
        },
    )
}

#[derive(Serialize)]
struct SearchPage {
    layout: Layout,
    form: Form,
    found: Option<Found>,
    next_href: Option<String>,
}

fn options(
    all: &str,
    chosen: &str,
    items: impl IntoIterator<Item = (String, String)>,
) -> Vec<(String, String, bool)> {
    let mut out = vec![(String::new(), all.to_owned(), chosen.is_empty())];
    out.extend(items.into_iter().map(|(v, l)| {
        let on = v == chosen;
        (v, l, on)
    }));
    out
}

fn search_form(q: &Query, choices: &Choices) -> Form {
    let states = RequestState::ALL
        .into_iter()
        .filter(|s| *s != RequestState::Draft)
        .map(|s| (s.code().to_owned(), s.label().to_owned()));
    let qualities = Quality::ALL
        .into_iter()
        .map(|qy| (qy.code().to_owned(), qy.label().to_owned()));
    let sorts = [
        ("anciennes", "Envoi : les plus anciennes d’abord"),
        ("recentes", "Envoi : les plus récentes d’abord"),
        ("modifiees", "Dernière modification d’abord"),
    ];
    let sort = if q.tri.is_empty() {
        "anciennes"
    } else {
        &q.tri
    };
    let fields = vec![
        Field::text("nom", "Nom du demandeur ou de l’enfant", &q.nom)
            .optional()
            .hint("Le début du nom ou du prénom suffit."),
        Field::number("numero", "Numéro de demande", &q.numero).optional(),
        Field::number("foyer", "Numéro de foyer", &q.foyer).optional(),
        Field::date("du", "Envoyée à partir du", &q.du).optional(),
        Field::date("au", "Envoyée jusqu’au", &q.au).optional(),
        Field::select(
            "categorie",
            "Catégorie",
            options(
                "Toutes",
                &q.categorie,
                choices
                    .categories
                    .iter()
                    .map(|(id, name)| (id.to_string(), name.clone())),
            ),
        )
        .optional(),
        Field::select(
            "teleservice",
            "Téléservice",
            options("Tous", &q.teleservice, choices.teleservices.iter().cloned()),
        )
        .optional(),
        Field::select("etat", "État", options("Tous", &q.etat, states)).optional(),
        Field::select(
            "agent",
            "Dernier agent",
            options("Tous", &q.agent, [("moi".to_owned(), "Moi".to_owned())]),
        )
        .optional(),
        Field::select(
            "qualite",
            "Qualité de service",
            options("Toutes", &q.qualite, qualities),
        )
        .optional(),
        Field::select(
            "tri",
            "Trier par",
            sorts
                .into_iter()
                .map(|(v, l)| (v.to_owned(), l.to_owned(), v == sort))
                .collect(),
        ),
    ];
    Form::search(
        "/backoffice/demandes",
        "Rechercher",
        vec![Section::plain(fields)],
    )
    .with_id("recherche")
}

pub(crate) async fn search(
    agent: SignedInAgent,
    req: HttpRequest,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
) -> Result<HttpResponse, AppError> {
    let pairs: Vec<(String, String)> =
        web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map(|q| q.into_inner())
            .unwrap_or_default();
    let query = Query::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let id = agent.agent_id;
    let q = query.clone();
    let (desk, choices, found) = tx::read(&store, &agent, move |t| {
        let desk = desk::open(t, id)?;
        let choices = processing::choices(t, &desk)?;
        let found = processing::search(t, &desk, &q);
        Ok::<_, Error>((desk, choices, found))
    })
    .await
    .map_err(desk::signed_in)?;
    let mut form = search_form(&query, &choices);
    let (status, found) = match found {
        Ok(found) => (StatusCode::OK, Some(found)),
        Err(e) => (form.refused(e.into())?, None),
    };
    let title = if found.is_none() {
        "Erreur : rechercher des demandes"
    } else {
        "Rechercher des demandes"
    };
    let next_href = found.as_ref().and_then(|f| f.next.as_ref()).map(|next| {
        let base = query.to_url();
        let sep = if base.is_empty() { "" } else { "&" };
        format!("/backoffice/demandes?{base}{sep}apres={next}")
    });
    let layout = desk::layout(&agent, &desk, title, Nav::Requests, &session)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(pages.render(
            "backoffice/search",
            &SearchPage {
                layout,
                form: sealed(form),
                found,
                next_href,
            },
        )?))
}
