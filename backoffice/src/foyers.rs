//! Foyers in the back office: the search (a GET form, its criteria in the
//! URL), a foyer's page, its state and its account.

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use guichet_core::domain::household::UserState;
use guichet_core::processing::{self, FoyerQuery, FoyerView, FoyersFound};
use guichet_core::store::Store;
use guichet_core::Error;
use guichet_web::csrf::{self, VerifiedForm};
use guichet_web::forms::{sealed, Field, Form, Section};
use guichet_web::principal::SignedInAgent;
use guichet_web::{tx, AppError, Layout, Renderer};
use serde::{Deserialize, Serialize};

use crate::desk::{self, Section as Nav};

#[derive(Serialize)]
struct SearchPage {
    layout: Layout,
    form: Form,
    found: Option<FoyersFound>,
}

fn choose(all: &str, chosen: &str, items: &[(&str, &str)]) -> Vec<(String, String, bool)> {
    let mut out = vec![(String::new(), all.to_owned(), chosen.is_empty())];
    out.extend(
        items
            .iter()
            .map(|(v, l)| (v.to_string(), l.to_string(), *v == chosen)),
    );
    out
}

fn search_form(q: &FoyerQuery) -> Form {
    let states: Vec<(&str, &str)> = UserState::ALL
        .iter()
        .map(|s| (s.code(), s.label()))
        .collect();
    let sort = if q.tri.is_empty() { "nom" } else { &q.tri };
    let fields = vec![
        Field::text("nom", "Nom ou prénom", &q.nom)
            .optional()
            .hint("Le début du nom ou du prénom suffit."),
        Field::number("foyer", "Numéro de foyer", &q.foyer).optional(),
        Field::checkbox(
            "responsables",
            "Les responsables du foyer seulement",
            q.responsables == "oui",
        ),
        Field::select("etat", "État du foyer", choose("Tous", &q.etat, &states)).optional(),
        Field::select(
            "compte",
            "Compte",
            choose(
                "Tous",
                &q.compte,
                &[("actif", "Actif"), ("desactive", "Désactivé")],
            ),
        )
        .optional(),
        Field::select(
            "tri",
            "Trier par",
            [("nom", "Nom"), ("foyer", "Foyer, le plus récent d’abord")]
                .into_iter()
                .map(|(v, l)| (v.to_owned(), l.to_owned(), v == sort))
                .collect(),
        ),
    ];
    Form::search(
        "/backoffice/foyers",
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
    let query = FoyerQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let searched = !pairs.is_empty();
    let id = agent.agent_id;
    let q = query.clone();
    let (desk, found) = tx::read(&store, &agent, move |t| {
        let desk = desk::open(t, id)?;
        let found = if searched {
            Some(processing::search_foyers(t, &desk, &q))
        } else {
            None
        };
        Ok::<_, Error>((desk, found))
    })
    .await
    .map_err(desk::signed_in)?;
    let mut form = search_form(&query);
    let (status, found) = match found {
        None => (StatusCode::OK, None),
        Some(Ok(found)) => (StatusCode::OK, Some(found)),
        Some(Err(Error::Refused(m))) => return Err(AppError::Conflict(m)),
        Some(Err(e)) => (form.refused(e.into())?, None),
    };
    let title = if status == StatusCode::OK {
        "Rechercher des foyers"
    } else {
        "Erreur : rechercher des foyers"
    };
    let layout = desk::layout(&agent, &desk, title, Nav::Foyers, &session)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(pages.render(
            "backoffice/foyers",
            &SearchPage {
                layout,
                form: sealed(form),
                found,
            },
        )?))
}

#[derive(Serialize)]
struct FoyerPage {
    layout: Layout,
    f: FoyerView,
    csrf_token: String,
    done: Option<&'static str>,
}

#[derive(Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    fait: String,
}

pub(crate) async fn page(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    id: web::Path<i64>,
    done: web::Query<Done>,
) -> Result<HttpResponse, AppError> {
    let (me, id) = (agent.agent_id, *id);
    let (desk, view) = tx::read(&store, &agent, move |t| {
        let desk = desk::open(t, me)?;
        let view = processing::foyer(t, &desk, id)?;
        Ok::<_, Error>((desk, view))
    })
    .await
    .map_err(desk::signed_in)?;
    let title = format!("Foyer n° {id}");
    let layout = desk::layout(&agent, &desk, &title, Nav::Foyers, &session)?;
    pages.page(
        "backoffice/foyer",
        &FoyerPage {
            layout,
            f: view,
            csrf_token: csrf::token(&session)?,
            done: match done.fait.as_str() {
                "" => None,
                "cree" => {
                    Some("Le foyer est créé. Vous pouvez maintenant déposer une demande pour lui.")
                }
                _ => Some("La modification est enregistrée dans l’historique du foyer."),
            },
        },
    )
}

fn back(id: i64) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/backoffice/foyers/{id}?fait=1")))
        .finish()
}

#[derive(Deserialize)]
pub(crate) struct StateForm {
    #[serde(default)]
    to: String,
}

pub(crate) async fn set_state(
    agent: SignedInAgent,
    store: web::Data<Store>,
    id: web::Path<i64>,
    VerifiedForm(form): VerifiedForm<StateForm>,
) -> Result<HttpResponse, AppError> {
    let (me, id) = (agent.agent_id, *id);
    tx::write(&store, &agent, move |t| {
        let desk = desk::open(t, me)?;
        processing::set_state(t, &desk, id, &form.to)
    })
    .await
    .map_err(desk::signed_in)?;
    Ok(back(id))
}

#[derive(Deserialize)]
pub(crate) struct AccountForm {
    #[serde(default)]
    compte: String,
}

pub(crate) async fn set_account(
    agent: SignedInAgent,
    store: web::Data<Store>,
    id: web::Path<i64>,
    VerifiedForm(form): VerifiedForm<AccountForm>,
) -> Result<HttpResponse, AppError> {
    let (me, id) = (agent.agent_id, *id);
    let enabled = match form.compte.as_str() {
        "activer" => true,
        "desactiver" => false,
        _ => {
            return Err(AppError::BadRequest(
                "choisissez d’activer ou de désactiver le compte".into(),
            ))
        }
    };
    tx::write(&store, &agent, move |t| {
        let desk = desk::open(t, me)?;
        processing::set_enabled(t, &desk, id, enabled)
    })
    .await
    .map_err(desk::signed_in)?;
    Ok(back(id))
}
