//! The back office's work on requests: what an agent may see (their rights,
//! made once into a filter that every query carries: no check row by row),
//! the task board and the search.

pub mod alerts;
pub(crate) mod case;
pub mod counter;
pub mod data;
pub mod export;
pub mod foyers;
pub mod justificatifs;
mod mails;
mod record;

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use crate::agents::rights::Access;
use crate::agents::Desk;
use crate::domain::requests::{Delays, Quality, RequestState};
use crate::domain::{text, time};
use crate::error::{Checks, Error};
use crate::store::repo::casework::{self as rows, CaseRow, Cursor, Filter, Order, Window};
use crate::store::repo::{categories, offer};
use crate::store::TenantTx;

pub use case::{
    act, apply, batch_one, certificate, note, open, printable, process, release, take_over,
    BatchAction, Entry, FoyerBrief, Lock, Message, Move, Opened,
};
pub use foyers::{
    foyer, search_foyers, set_enabled, set_state, EditableMember, FoyerEvent, FoyerLine, FoyerMove,
    FoyerQuery, FoyerView, FoyersFound, MemberView,
};
pub use justificatifs::{Justificatifs, Review};
pub use record::{record, Event, NoteRecord, RequestRecord};

/// A request as lists show it to agents.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub id: i64,
    pub number: Option<i64>,
    pub teleservice: String,
    pub requester: String,
    pub subject: String,
    pub state: String,
    pub state_code: String,
    pub submitted: String,
    /// The same, in RFC 3339 (UTC), for the API.
    pub submitted_at: Option<String>,
    /// For requests still under instruction.
    pub quality: Option<Quality>,
    pub quality_label: Option<&'static str>,
    pub foyer: i64,
}

/// The téléservices of the collectivité, by id: labels and delays (their
/// own, or the collectivité's defaults, kept for the unknown).
pub(crate) struct Teleservices(HashMap<i64, (String, Delays)>, Delays);

impl Teleservices {
    fn load(tx: &mut TenantTx<'_>) -> Result<Teleservices, Error> {
        let settings = crate::collectivite::settings::current(tx)?;
        let defaults = Delays::of(
            Some(settings.max_delay_days),
            Some(settings.alert_delay_days),
            Delays::DEFAULT,
        );
        Ok(Teleservices(
            offer::teleservices(tx)?
                .into_iter()
                .map(|t| {
                    let delays = Delays::of(t.max_delay_days, t.alert_delay_days, defaults);
                    (t.id, (t.label, delays))
                })
                .collect(),
            defaults,
        ))
    }

    fn delays(&self, teleservice: i64) -> Delays {
        self.0.get(&teleservice).map_or(self.1, |(_, d)| *d)
    }

    pub(crate) fn label(&self, teleservice: i64) -> String {
        self.0
            .get(&teleservice)
            .map(|(l, _)| l.clone())
            .unwrap_or_default()
    }

    fn case(&self, r: CaseRow, now: NaiveDateTime) -> Case {
        let state = RequestState::parse(&r.state).unwrap_or(RequestState::Pending);
        let (label, delays) = self
            .0
            .get(&r.teleservice_id)
            .cloned()
            .unwrap_or_else(|| (String::new(), self.1));
        let quality = r
            .submitted_at
            .filter(|_| state.under_instruction())
            .map(|s| delays.quality(s, now));
        Case {
            id: r.id,
            number: r.number,
            teleservice: label,
            requester: r.requester_name,
            subject: r.subject_name,
            state: state.label().into(),
            state_code: r.state,
            submitted: r.submitted_at.map(time::datetime_fr).unwrap_or_default(),
            submitted_at: r.submitted_at.map(time::rfc3339),
            quality,
            quality_label: quality.map(Quality::label),
            foyer: r.household_id,
        }
    }

    /// The windows of submission that make a request of each téléservice
    /// `quality` at `now`.
    pub(crate) fn windows(&self, quality: Quality, now: NaiveDateTime) -> Vec<Window> {
        self.0
            .iter()
            .map(|(id, (_, d))| {
                let (from, before) = match quality {
                    Quality::Late => (None, Some(d.late_before(now))),
                    Quality::Urgent => (Some(d.late_before(now)), Some(d.urgent_before(now))),
                    Quality::OnTime => (Some(d.urgent_before(now)), None),
                };
                Window {
                    teleservice: *id,
                    from,
                    before,
                }
            })
            .collect()
    }
}

pub(crate) fn under_instruction() -> Vec<String> {
    RequestState::ALL
        .into_iter()
        .filter(|s| s.under_instruction())
        .map(|s| s.code().to_owned())
        .collect()
}

/// A search, as its URL says it: every field optional, kept as typed so that
/// the form shows it back.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Query {
    /// Requester's or subject's name.
    pub nom: String,
    pub numero: String,
    pub foyer: String,
    /// Submitted from this day (Paris), `AAAA-MM-JJ`.
    pub du: String,
    /// Submitted until this day, included.
    pub au: String,
    pub categorie: String,
    pub teleservice: String,
    pub etat: String,
    /// `moi`, or an agent's id.
    pub agent: String,
    pub qualite: String,
    /// `anciennes` (default), `recentes`, `modifiees`.
    pub tri: String,
    /// Where the page starts (from the previous page's link).
    pub apres: String,
}

impl Query {
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Query {
        let mut q = Query::default();
        for (k, v) in pairs {
            let v = v.trim().to_owned();
            match k {
                "nom" => q.nom = v,
                "numero" => q.numero = v,
                "foyer" => q.foyer = v,
                "du" => q.du = v,
                "au" => q.au = v,
                "categorie" => q.categorie = v,
                "teleservice" => q.teleservice = v,
                "etat" => q.etat = v,
                "agent" => q.agent = v,
                "qualite" => q.qualite = v,
                "tri" => q.tri = v,
                "apres" => q.apres = v,
                _ => {}
            }
        }
        q
    }

    /// The query string of this search (without the page's start).
    pub fn to_url(&self) -> String {
        let fields = [
            ("nom", &self.nom),
            ("numero", &self.numero),
            ("foyer", &self.foyer),
            ("du", &self.du),
            ("au", &self.au),
            ("categorie", &self.categorie),
            ("teleservice", &self.teleservice),
            ("etat", &self.etat),
            ("agent", &self.agent),
            ("qualite", &self.qualite),
            ("tri", &self.tri),
        ];
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            if !v.is_empty() {
                out.append_pair(k, v);
            }
        }
        out.finish()
    }

    fn order(&self) -> Result<Order, &'static str> {
        match self.tri.as_str() {
            "" | "anciennes" => Ok(Order::OldestFirst),
            "recentes" => Ok(Order::NewestFirst),
            "modifiees" => Ok(Order::RecentlyChanged),
            _ => Err("choisissez un tri de la liste"),
        }
    }
}

fn whole(v: &str, message: &'static str) -> Result<Option<i64>, &'static str> {
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(Some)
        .ok_or(message)
}

fn day(v: &str) -> Result<Option<NaiveDate>, &'static str> {
    if v.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| "indiquez une date au format AAAA-MM-JJ, par exemple 2026-06-02")
}

fn cursor(v: &str) -> Result<Option<Cursor>, &'static str> {
    if v.is_empty() {
        return Ok(None);
    }
    let bad = "ce lien de page n’est plus valable : relancez la recherche";
    let (at, id) = v.split_once('.').ok_or(bad)?;
    let nanos: i64 = at.parse().map_err(|_| bad)?;
    let at = chrono::DateTime::from_timestamp_nanos(nanos).naive_utc();
    Ok(Some(Cursor {
        at,
        id: id.parse().map_err(|_| bad)?,
    }))
}

fn cursor_text(c: Cursor) -> String {
    // Nanoseconds: SQLite keeps the instants as written, to the nanosecond.
    let nanos = c.at.and_utc().timestamp_nanos_opt().unwrap_or_default();
    format!("{nanos}.{}", c.id)
}

/// A page of results.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    pub cases: Vec<Case>,
    /// All the requests the search finds, on every page.
    pub count: i64,
    /// The next page's start, when there is one.
    pub next: Option<String>,
}

pub const PAGE: i64 = 50;

/// Runs a search within the agent's reach. Bad fields are all reported at
/// once, each with what to type instead.
pub fn search(tx: &mut TenantTx<'_>, desk: &Desk, q: &Query) -> Result<Found, Error> {
    run(tx, desk, q, PAGE)
}

/// A search's query made into what the store runs, within the agent's reach.
pub(crate) struct Criteria {
    pub filter: Filter,
    pub order: Order,
    pub after: Option<Cursor>,
    pub teleservices: Teleservices,
    pub now: NaiveDateTime,
}

fn run(tx: &mut TenantTx<'_>, desk: &Desk, q: &Query, limit: i64) -> Result<Found, Error> {
    let Criteria {
        filter,
        order,
        after,
        teleservices,
        now,
    } = criteria(tx, desk, q)?;
    let mut page = rows::search(tx, &filter, order, after, limit + 1)?;
    let more = page.len() as i64 > limit;
    page.truncate(limit as usize);
    let next = if more {
        page.last().map(|r| {
            cursor_text(Cursor {
                at: match order {
                    Order::RecentlyChanged => r.updated_at,
                    _ => r.submitted_at.unwrap_or(r.updated_at),
                },
                id: r.id,
            })
        })
    } else {
        None
    };
    let count = rows::count(tx, &filter)?;
    Ok(Found {
        cases: page
            .into_iter()
            .map(|r| teleservices.case(r, now))
            .collect(),
        count,
        next,
    })
}

/// The query checked (every bad field reported at once, each with what to
/// type instead) and made into the store's filter, within the agent's reach.
pub(crate) fn criteria(tx: &mut TenantTx<'_>, desk: &Desk, q: &Query) -> Result<Criteria, Error> {
    let mut checks = Checks::default();
    let number = checks.take(
        "numero",
        whole(&q.numero, "indiquez un numéro de demande (des chiffres)"),
    );
    let household = checks.take(
        "foyer",
        whole(&q.foyer, "indiquez un numéro de foyer (des chiffres)"),
    );
    let from = checks.take("du", day(&q.du));
    let until = checks.take("au", day(&q.au));
    if let (Some(f), Some(u)) = (from, until) {
        if u < f {
            checks.add("au", "la date de fin précède la date de début");
        }
    }
    let category = checks.take(
        "categorie",
        whole(&q.categorie, "choisissez une catégorie de la liste"),
    );
    let state = match q.etat.as_str() {
        "" => None,
        code => match RequestState::parse(code).filter(|s| *s != RequestState::Draft) {
            Some(s) => Some(s),
            None => {
                checks.add("etat", "choisissez un état de la liste");
                None
            }
        },
    };
    let last_agent = match q.agent.as_str() {
        "" => None,
        "moi" => Some(desk.agent_id),
        other => checks.take("agent", whole(other, "choisissez un agent de la liste")),
    };
    let quality = match q.qualite.as_str() {
        "" => None,
        code => {
            let found = Quality::parse(code);
            if found.is_none() {
                checks.add("qualite", "choisissez une qualité de service de la liste");
            }
            found
        }
    };
    let order = checks
        .take("tri", q.order().map(Some))
        .unwrap_or(Order::OldestFirst);
    let after = checks.take("apres", cursor(&q.apres));
    let teleservices = Teleservices::load(tx)?;
    let teleservice = match q.teleservice.as_str() {
        "" => None,
        code => match offer::teleservice(tx, code)? {
            Some(t) => Some(t.id),
            None => {
                checks.add("teleservice", "choisissez un téléservice de la liste");
                None
            }
        },
    };
    checks.finish()?;
    let now = Utc::now().naive_utc();
    let mut states: Vec<String> = state.iter().map(|s| s.code().to_owned()).collect();
    let windows = quality.map(|qy| {
        if states.is_empty() {
            states = under_instruction();
        } else if !state.is_some_and(|s| s.under_instruction()) {
            // A closed request has no quality of service: nothing matches.
            states = vec!["Draft".into()];
        }
        teleservices.windows(qy, now)
    });
    let filter = Filter {
        categories: desk.readable.clone(),
        name: Some(text::search_key(&q.nom)).filter(|n| !n.is_empty()),
        number,
        household,
        submitted_from: from.map(time::day_start),
        submitted_until: until.map(|d| time::day_start(d + chrono::Duration::days(1))),
        category,
        teleservice,
        states,
        last_agent,
        windows,
    };
    Ok(Criteria {
        filter,
        order,
        after,
        teleservices,
        now,
    })
}

/// A list of the task board: its count, its first requests, and the search
/// that shows them all.
#[derive(Debug, Clone, Serialize)]
pub struct Pile {
    pub key: &'static str,
    pub title: &'static str,
    pub count: i64,
    pub cases: Vec<Case>,
    pub search: String,
}

/// How many requests each list of the board shows.
pub const BOARD_LINES: i64 = 10;

/// The task board: new requests, urgent, late, the last ones I processed,
/// validated; oldest first where work waits.
pub fn board(tx: &mut TenantTx<'_>, desk: &Desk) -> Result<Vec<Pile>, Error> {
    let piles: [(&'static str, &'static str, Query); 5] = [
        (
            "nouvelles",
            "Nouvelles demandes",
            Query {
                etat: "Pending".into(),
                ..Query::default()
            },
        ),
        (
            "retard",
            "En retard",
            Query {
                qualite: "late".into(),
                ..Query::default()
            },
        ),
        (
            "urgentes",
            "Urgentes",
            Query {
                qualite: "urgent".into(),
                ..Query::default()
            },
        ),
        (
            "miennes",
            "Mes dernières demandes traitées",
            Query {
                agent: "moi".into(),
                tri: "modifiees".into(),
                ..Query::default()
            },
        ),
        (
            "validees",
            "Demandes validées",
            Query {
                etat: "Validated".into(),
                tri: "recentes".into(),
                ..Query::default()
            },
        ),
    ];
    let mut out = Vec::with_capacity(piles.len());
    for (key, title, query) in piles {
        let found = run(tx, desk, &query, BOARD_LINES)?;
        out.push(Pile {
            key,
            title,
            count: found.count,
            cases: found.cases,
            search: format!("/backoffice/demandes?{}", query.to_url()),
        });
    }
    Ok(out)
}

/// What the search's lists offer the agent: the categories and téléservices
/// within their reach.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// `(id, name)`.
    pub categories: Vec<(i64, String)>,
    /// `(code, label)`.
    pub teleservices: Vec<(String, String)>,
}

pub fn choices(tx: &mut TenantTx<'_>, desk: &Desk) -> Result<Choices, Error> {
    let reach = |c: Option<i64>| match &desk.readable {
        None => true,
        Some(list) => c.is_some_and(|c| list.contains(&c)),
    };
    Ok(Choices {
        categories: categories::list(tx)?
            .into_iter()
            .filter(|c| reach(Some(c.id)))
            .map(|c| (c.id, c.name))
            .collect(),
        teleservices: offer::teleservices(tx)?
            .into_iter()
            .filter(|t| reach(t.category_id))
            .map(|t| (t.code, t.label))
            .collect(),
    })
}

/// Whether the agent may process the requests of téléservice `code` (what
/// offers a search's batch actions).
pub fn may_process(tx: &mut TenantTx<'_>, desk: &Desk, code: &str) -> Result<bool, Error> {
    Ok(offer::teleservice(tx, code)?
        .is_some_and(|t| desk.rights.access(t.category_id) >= Access::Write))
}
