//! Requests as households file them: drafts saved at every step
//! (`drafts`), submission (`submission`: number, history, receipt, e-mails,
//! in one transaction), their receipts and certificates (`documents`),
//! follow-up, notes, cancellation and moves (`lifecycle`), following one
//! filed without an account (`follow`). This module holds what they share:
//! a request of the foyer with its form, who may be its subject, what its
//! choices draw from. The back office processes the same rows.

pub mod follow;
pub mod mails;

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::catalogue::library::{self, Form};
use crate::catalogue::offer::{asked, ensure_seeded, lists, Offer};
use crate::collectivite::settings::Settings;
use crate::domain::forms::{
    self, summarize, validate_data, validate_step, Context, FieldError, Input, Prefill,
    StepSummary, SubjectPolicy,
};
use crate::domain::requests::{
    lock_alive, ActionKind, Actor as Who, Channel, ContactDetails, MeansOfContact, RequestState,
};
use crate::domain::{text, time};
use crate::error::Error;
use crate::foyers::{self, Foyer};
use crate::history::{self, Actor};
use crate::mail::outbox;
use crate::store::repo::offer;
use crate::store::repo::requests::{self as repo, NoteRow, RequestRow};
use crate::store::TenantTx;

mod documents;
use documents::certify;
pub(crate) use documents::push_answers;
pub use documents::{certificate, draw_receipt, receipt, Certificate, Receipt};
mod drafts;
pub(crate) use drafts::worded_changes;
use drafts::{changes_since_asked, editable, household_actor, tell_agents_of_change};
pub use drafts::{
    delete_draft, register, resume, save_step, save_step_told, send_resume_link, start, start_by,
    tend_drafts, Filer, RESUME_DAYS,
};
mod lifecycle;
pub mod revisions;
pub(crate) use lifecycle::kind_label;
pub use lifecycle::{add_note, cancel, dashboard, follow, transition, Event, Followed, Line, Note};
mod submission;
pub use submission::{means_offered, submit, Sending, Submitted};

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// What a form's choices draw from, for this foyer. With `past`, retired
/// paramètres and inactive facilities too (to read what was filed).
pub fn context(
    tx: &mut TenantTx<'_>,
    offer: &Offer,
    foyer: Option<&Foyer>,
    past: bool,
) -> Result<Context, Error> {
    use crate::directory::FacilityKind;
    use crate::facilities;
    let entries = offer::entries(tx, offer.teleservice.id)?;
    let mut lists = lists(&entries, past);
    if offer.teleservice.seeded_at.is_none() {
        // Not used yet: the form's defaults, as they will be seeded.
        for l in &offer.form.lists {
            lists
                .entry(l.name.clone())
                .or_insert_with(|| l.entries.clone());
        }
    }
    let mut facility = |kind| -> Result<Vec<(i64, String)>, Error> {
        Ok(facilities::search(tx, kind, "")?
            .into_iter()
            .filter(|f| past || f.active)
            .map(|f| (f.id, f.name))
            .collect())
    };
    let schools = facility(FacilityKind::School)?;
    let leisure_centres = facility(FacilityKind::RecreationCenter)?;
    let (adults, children) = foyer.map(members_of).unwrap_or_default();
    let me = tx.tenant();
    let documents = crate::tenancy::find_by_id(tx.conn(), me)?
        .map(|t| t.appearance.0.into_keys().collect())
        .unwrap_or_default();
    Ok(Context {
        lists,
        schools,
        leisure_centres,
        adults,
        children,
        today: time::today(),
        documents,
    })
}

/// Members as a form offers them: id and name.
type Choices = Vec<(i64, String)>;

/// A foyer's adults and children, as a form's choices of members.
pub(crate) fn members_of(f: &Foyer) -> (Choices, Choices) {
    (
        f.adults().map(|m| (m.id, m.name.clone())).collect(),
        f.children().map(|m| (m.id, m.name.clone())).collect(),
    )
}

/// The commune's name and postal code, read from the last line of the
/// collectivité's postal address (« 13200 Arles »); its name otherwise.
pub fn commune(tenant: &crate::tenancy::Tenant) -> (String, String) {
    let last = tenant
        .postal_address
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let mut words = last.split_whitespace();
    match words.next() {
        Some(code) if code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit()) => {
            let city: Vec<&str> = words.collect();
            (city.join(" "), code.to_owned())
        }
        _ => (tenant.name.clone(), String::new()),
    }
}

/// Who a request may be filed for, in the foyer, now.
#[derive(Debug, Clone, Serialize)]
pub struct Eligible {
    /// `None`: the foyer itself.
    pub subject: Option<i64>,
    pub name: String,
}

/// The subjects that may be filed for, and the open season; `Err` says why
/// nobody can file now.
pub fn eligibility(
    tx: &mut TenantTx<'_>,
    offer: &Offer,
    foyer: &Foyer,
    day: NaiveDate,
) -> Result<(Vec<Eligible>, Option<i64>), Error> {
    if let Some(reason) = offer.closed_reason(day) {
        return Err(Error::Refused(reason));
    }
    let season = offer.open_season(day).map(|s| s.id);
    let candidates: Vec<Eligible> = match offer.form.subject {
        SubjectPolicy::Foyer => vec![Eligible {
            subject: None,
            name: "Votre foyer".into(),
        }],
        SubjectPolicy::Adult => foyer.adults().map(eligible).collect(),
        SubjectPolicy::Child => foyer.children().map(eligible).collect(),
        SubjectPolicy::Individual => foyer.members.iter().map(eligible).collect(),
    };
    if candidates.is_empty() {
        return Err(Error::Refused(match offer.form.subject {
            SubjectPolicy::Child => {
                "cette démarche concerne un enfant : ajoutez d’abord l’enfant dans « Mon foyer »"
                    .into()
            }
            _ => "aucun membre de votre foyer ne peut être concerné par cette démarche".into(),
        }));
    }
    if offer.form.several_per_subject {
        return Ok((candidates, season));
    }
    let taken = repo::subjects_states(tx, foyer.id, offer.teleservice.id, season)?;
    let free: Vec<Eligible> = candidates
        .into_iter()
        .filter(|c| {
            !taken.iter().any(|(s, state)| {
                *s == c.subject && RequestState::parse(state).is_some_and(RequestState::running)
            })
        })
        .collect();
    if free.is_empty() {
        return Err(Error::Refused(
            "une demande est déjà en cours pour chaque personne concernée : suivez-la dans « Mes demandes »".into(),
        ));
    }
    Ok((free, season))
}

fn eligible(m: &foyers::Member) -> Eligible {
    Eligible {
        subject: Some(m.id),
        name: m.name.clone(),
    }
}

/// A request of the foyer, with its form (`NotFound` for another foyer's).
#[derive(Debug, Clone)]
pub struct Filed {
    pub row: RequestRow,
    pub form: Form,
    pub offer: Offer,
    pub data: Map<String, Value>,
}

impl Filed {
    pub fn state(&self) -> RequestState {
        RequestState::parse(&self.row.state).unwrap_or(RequestState::Draft)
    }

    pub fn steps_done(&self) -> Vec<&str> {
        self.row
            .steps_done
            .split(',')
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// The first household step not filled yet, if any.
    pub fn next_step(&self) -> Option<&forms::Step> {
        let done = self.steps_done();
        self.form
            .household_steps()
            .find(|s| !done.contains(&s.key.as_str()))
    }
}

pub fn filed(tx: &mut TenantTx<'_>, household: i64, id: i64) -> Result<Filed, Error> {
    let row = repo::of_household(tx, household, id)?.ok_or(Error::NotFound)?;
    let form =
        library::find(tx, &row.form_code, row.form_version as u32)?.ok_or(Error::NotFound)?;
    let t = offer::teleservices(tx)?
        .into_iter()
        .find(|t| t.id == row.teleservice_id)
        .ok_or(Error::NotFound)?;
    let seasons = offer::seasons(tx, Some(t.id))?;
    let requirements = offer::requirements(tx, Some(t.id))?;
    let data = match serde_json::from_str(&row.data_json) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    Ok(Filed {
        offer: Offer {
            teleservice: t,
            form: form.clone(),
            seasons,
            requirements,
        },
        row,
        form,
        data,
    })
}

/// Who holds the request's lock and since when, while it holds (the
/// collectivité's lock delay).
pub fn live_lock(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<(i64, NaiveDateTime)>, Error> {
    let Some((agent, since)) = repo::lock_holder(tx, id)? else {
        return Ok(None);
    };
    let minutes = crate::collectivite::settings::current(tx)?.lock_minutes;
    Ok(lock_alive(since, now(), minutes).then_some((agent, since)))
}

/// The agents are told that the household changed a request already sent:
/// the last who processed it, or else, when the collectivité asks for it,
/// those of its category.
/// What the household did to a request it had sent.
#[derive(Clone, Copy)]
enum Change {
    Modified,
    Completed,
}

pub use crate::domain::requests::RequestState as State;
