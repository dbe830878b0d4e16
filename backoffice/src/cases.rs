//! The task board and the search of requests. The search is a GET form: its
//! fields are in the URL, so that a search can be bookmarked and shared.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use guichet_cases::casework::{self, BatchAction, Choices, Found, Pile, Query};
use guichet_core::domain::requests::{Actor as Who, Quality, RequestState};
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::{sealed, Field, Form, Pairs, Section};
use guichet_web::{tx, AppError, Layout};
use serde::Serialize;

use crate::desk::{Office, Section as Nav};

#[derive(Serialize)]
struct BoardPage {
    layout: Layout,
    /// Member of the back office's groups: may process requests.
    back_office: bool,
    piles: Vec<Pile>,
}

pub(crate) async fn board(office: Office) -> Result<HttpResponse, AppError> {
    let (desk, piles) = office.read(casework::board).await?;
    let layout = office.layout(&desk, "Tableau de bord", Nav::Board)?;
    office.page(
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
    /// Offered when the search is of one téléservice the agent processes.
    batch: Option<Batch>,
    csrf_token: String,
    /// The search's query string, for its downloads.
    export: Option<String>,
    /// The search is of one téléservice: its downloads carry the answers.
    with_answers: bool,
}

#[derive(Serialize)]
struct Batch {
    teleservice: String,
    /// The search, to come back to.
    retour: String,
    /// Every state an agent may move a request to (each request is checked).
    moves: Vec<(&'static str, &'static str)>,
}

/// A select's options: « all » first, then the items, the chosen one marked.
pub(crate) fn options(
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

/// A search's query, as its URL says it.
pub(crate) fn query_of(req: &HttpRequest) -> Query {
    let pairs: Vec<(String, String)> =
        web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map(|q| q.into_inner())
            .unwrap_or_default();
    Query::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

pub(crate) async fn search(office: Office, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let query = query_of(&req);
    let q = query.clone();
    let (desk, (choices, found, may_batch)) = office
        .report(move |t, desk| {
            let choices = casework::choices(t, desk)?;
            let found = casework::search(t, desk, &q);
            let may_batch =
                !q.teleservice.is_empty() && casework::may_process(t, desk, &q.teleservice)?;
            Ok((choices, found, may_batch))
        })
        .await?;
    let mut form = search_form(&query, &choices);
    let (status, found) = match found {
        Ok(found) => (StatusCode::OK, Some(found)),
        Err(e) => (form.refused(e.into())?, None),
    };
    let title = &guichet_web::render::title("Rechercher des demandes", found.is_none());
    let next_href = found.as_ref().and_then(|f| f.next.as_ref()).map(|next| {
        let base = query.to_url();
        let sep = if base.is_empty() { "" } else { "&" };
        format!("/backoffice/demandes?{base}{sep}apres={next}")
    });
    let batch = found
        .as_ref()
        .filter(|f| may_batch && !f.cases.is_empty())
        .map(|f| {
            // Only the states one of the listed requests may move to.
            let states: Vec<RequestState> = f
                .cases
                .iter()
                .filter_map(|c| RequestState::parse(&c.state_code))
                .collect();
            Batch {
                teleservice: query.teleservice.clone(),
                retour: query.to_url(),
                moves: RequestState::ALL
                    .into_iter()
                    .filter(|to| states.iter().any(|from| from.may_become(*to, Who::Agent)))
                    .map(|to| (to.code(), to.label()))
                    .collect(),
            }
        })
        .filter(|b| !b.moves.is_empty());
    let layout = office.layout(&desk, title, Nav::Requests)?;
    // The status is the refused search's, when it is: not `office.page`.
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(office.pages.render(
            "backoffice/search",
            &SearchPage {
                layout,
                form: sealed(form),
                found,
                next_href,
                batch,
                csrf_token: office.csrf()?,
                // Whole exports are for those who manage (as statistics).
                export: desk.configures_some().then(|| query.to_url()),
                with_answers: !query.teleservice.is_empty(),
            },
        )?))
}

#[derive(Serialize)]
struct Outcome {
    id: i64,
    number: String,
    done: bool,
    message: String,
}

#[derive(Serialize)]
struct BatchPage {
    layout: Layout,
    outcomes: Vec<Outcome>,
    done: usize,
    back: String,
}

/// A batch action on the requests checked in a search of one téléservice:
/// each request in a transaction of its own, the outcome listed per request.
pub(crate) async fn batch(
    office: Office,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let p = Pairs(pairs);
    let what = match p.get("action").as_str() {
        "etat" => BatchAction::Move {
            to: p.get("to"),
            reason: p.get("reason"),
        },
        "message" => BatchAction::Note {
            body: p.get("body"),
            to_household: p.get("au_foyer") == "oui",
        },
        _ => {
            return Err(AppError::BadRequest(
                "choisissez l’action à appliquer".into(),
            ))
        }
    };
    let ids: Vec<i64> = p.all("ids").iter().filter_map(|v| v.parse().ok()).collect();
    if ids.is_empty() {
        return Err(AppError::BadRequest(
            "cochez au moins une demande dans la liste, puis recommencez".into(),
        ));
    }
    let code = p.get("teleservice");
    let back = format!(
        "/backoffice/demandes?{}",
        Query::from_pairs(
            url::form_urlencoded::parse(p.get("retour").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect::<Vec<_>>()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
        )
        .to_url()
    );
    let here = office.agent.tenant.site();
    let asked = ids.clone();
    let (desk, found) = office
        .read(move |t, _| {
            let Some(teleservice) =
                guichet_core::store::repo::offer::teleservice(t, &code)?.map(|t| t.id)
            else {
                return Ok(None);
            };
            // Each request named by its number, as agents know it (those of
            // the téléservice only: another id checked by hand stays unnamed).
            let mut numbers = std::collections::HashMap::new();
            for id in asked {
                if let Some(r) = guichet_core::store::repo::requests::get(t, id)? {
                    if let (Some(n), true) = (r.number, r.teleservice_id == teleservice) {
                        numbers.insert(id, n);
                    }
                }
            }
            Ok(Some((teleservice, numbers)))
        })
        .await?;
    let (teleservice, numbers) = found.ok_or_else(|| {
        AppError::BadRequest("une action groupée porte sur les demandes d’un téléservice : choisissez-le dans la recherche".into())
    })?;
    let mut outcomes = Vec::with_capacity(ids.len());
    for id in ids {
        let (d, w, here) = (desk.clone(), what.clone(), here.clone());
        // With the desk read above: a transaction of its own, not reopening it.
        let result = tx::write(&office.store, &office.agent, move |t| {
            casework::batch_one(t, &d, id, teleservice, &w, &here)
        })
        .await;
        let number = numbers.get(&id).map(|n| n.to_string()).unwrap_or_default();
        outcomes.push(match result {
            Ok(()) => Outcome {
                id,
                number,
                done: true,
                message: "Fait.".into(),
            },
            Err(e) => Outcome {
                id,
                number,
                done: false,
                message: match e {
                    AppError::NotFound => "Demande introuvable.".into(),
                    other => guichet_web::refusal(other)?.1,
                },
            },
        });
    }
    let done = outcomes.iter().filter(|o| o.done).count();
    let layout = office.layout(&desk, "Action groupée", Nav::Requests)?;
    office.page(
        "backoffice/batch",
        &BatchPage {
            layout,
            outcomes,
            done,
            back,
        },
    )
}
