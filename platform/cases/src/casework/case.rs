//! A request opened by an agent: its zones (data, history, notes, foyer), its
//! lock, the transitions it may take and the notes of its thread.
//!
//! Reading a request takes nothing. An agent who may process it takes its
//! lock with their first change, or with « Traiter cette demande »; then the
//! other agents read it only (and may add an internal note), and so does the
//! household — unless the request waits for the household, which is then
//! theirs. Every write checks, under the request's row lock, that nobody
//! else holds the lock and that the request is the one the agent's page
//! showed (`version`): two agents acting at once never both write.

use crate::domain::host::Site;
use chrono::{NaiveDateTime, Utc};
use serde::Serialize;

use super::Teleservices;
use crate::agents::rights::{Access, Action};
use crate::agents::Desk;
use crate::domain::forms::{summarize, StepSummary};
use crate::domain::requests::{ActionKind, Actor as Who, RequestState};
use crate::domain::time;
use crate::error::{invalid, Error};
use crate::foyers;
use crate::history;
use crate::history::Actor;
use crate::requests::{self, kind_label};
use crate::store::repo::requests::{self as repo, NoteRow, RequestRow};
use crate::store::repo::{agents as agent_rows, foyers as foyer_rows};
use crate::store::TenantTx;

pub(crate) fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// What the page shows of the version it was drawn from; a write with
/// another version was decided on a stale page.
pub(crate) fn version(row: &RequestRow) -> String {
    row.updated_at
        .and_utc()
        .timestamp_nanos_opt()
        .unwrap_or_default()
        .to_string()
}

/// The request, if the agent's categories reach it (drafts never do).
pub(crate) fn reach(tx: &mut TenantTx<'_>, desk: &Desk, id: i64) -> Result<RequestRow, Error> {
    let row = repo::get(tx, id)?.ok_or(Error::NotFound)?;
    let seen = row.state != RequestState::Draft.code()
        && match &desk.readable {
            None => true,
            Some(list) => row.category_id.is_some_and(|c| list.contains(&c)),
        };
    if seen {
        Ok(row)
    } else {
        Err(Error::NotFound)
    }
}

fn agent_name(tx: &mut TenantTx<'_>, id: i64) -> Result<String, Error> {
    Ok(agent_rows::get_by_id(tx, id)?
        .map(|a| format!("{} {}", a.first_name, a.last_name))
        .unwrap_or_else(|| "un agent".to_owned()))
}

pub(crate) fn me(desk: &Desk) -> Actor {
    Actor {
        kind: "agent",
        id: Some(desk.agent_id),
        name: desk.name.clone(),
    }
}

/// Who holds the request's lock.
#[derive(Debug, Clone, Serialize)]
pub struct Lock {
    pub mine: bool,
    pub holder: String,
    pub since: String,
}

/// A line of the request's whole history.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub at: String,
    pub what: String,
    pub note: String,
    pub state: String,
    pub by: String,
    /// Shown to the household too.
    pub public: bool,
    /// The letter sent with a contact: its page's path.
    pub letter: Option<String>,
}

/// A message of the request's thread.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub at: String,
    pub by: String,
    pub from_household: bool,
    /// Seen by the household.
    pub public: bool,
    pub body: String,
}

/// A transition the agent may make.
#[derive(Debug, Clone, Serialize)]
pub struct Move {
    pub code: &'static str,
    pub label: &'static str,
    pub needs_reason: bool,
}

/// The foyer, as the request's page introduces it.
#[derive(Debug, Clone, Serialize)]
pub struct FoyerBrief {
    pub id: i64,
    pub requester: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Opened {
    pub case: super::Case,
    pub data_state: String,
    /// The data wait for the agent's check.
    pub data_pending: bool,
    pub steps: Vec<StepSummary>,
    pub history: Vec<Entry>,
    pub messages: Vec<Message>,
    pub foyer: FoyerBrief,
    pub lock: Option<Lock>,
    /// The agent may act on it now: the right, and the lock.
    pub may_process: bool,
    /// The household's message for the mairie, typed when sending.
    pub household_note: String,
    /// The agent may add an internal note (their right, whoever holds it).
    pub may_note: bool,
    /// Another agent holds it and this one may take it over.
    pub may_take_over: bool,
    pub moves: Vec<Move>,
    pub version: String,
    pub has_certificate: bool,
    pub justificatifs: super::justificatifs::Justificatifs,
    /// The steps the agent may correct now (under instruction, theirs).
    pub edit_steps: Vec<EditStep>,
}

/// A step of the request's form, to correct.
#[derive(Debug, Clone, Serialize)]
pub struct EditStep {
    pub key: String,
    pub title: String,
}

/// Opens a request to read it (taking no lock) and gathers its zones.
pub fn open(tx: &mut TenantTx<'_>, desk: &Desk, id: i64) -> Result<Opened, Error> {
    let row = reach(tx, desk, id)?;
    let access = desk.rights.access(row.category_id);
    let at = now();
    let lock = match requests::live_lock(tx, id)? {
        Some((agent, since)) => Some(Lock {
            mine: agent == desk.agent_id,
            holder: agent_name(tx, agent)?,
            since: time::datetime_fr(since),
        }),
        None => None,
    };
    // Free, or theirs: the agent who may process it may act.
    let mine = lock.as_ref().is_none_or(|l| l.mine);
    let state = RequestState::parse(&row.state).unwrap_or(RequestState::Pending);
    let filed = requests::filed(tx, row.household_id, id)?;
    let foyer = foyers::foyer(tx, row.household_id)?;
    let ctx = requests::context(tx, &filed.offer, Some(&foyer), true)?;
    let steps = summarize(&filed.form, &filed.data, &ctx, true);
    let history = repo::actions(tx, id, false)?
        .into_iter()
        .map(|a| Entry {
            letter: (a.kind == ActionKind::ContactCitizen.code()
                && a.snapshot_json
                    .as_deref()
                    .is_some_and(|s| s.contains("\"letter\":{")))
            .then(|| format!("/backoffice/demandes/{id}/contacts/{}", a.id)),
            at: time::datetime_fr(a.occurred_at),
            what: kind_label(&a.kind).to_owned(),
            note: a.note,
            state: RequestState::parse(&a.resulting_state)
                .map(|s| s.label().to_owned())
                .unwrap_or_default(),
            by: a.actor_name,
            public: a.public,
        })
        .collect();
    let messages = repo::notes(tx, id, "agent")?
        .into_iter()
        .map(|n| Message {
            at: time::datetime_fr(n.created_at),
            from_household: n.author_kind == "household",
            by: n.author_name,
            public: n.public,
            body: n.body,
        })
        .collect();
    let requester = foyer.member(row.requester_id);
    let brief = FoyerBrief {
        id: foyer.id,
        requester: row.requester_name.clone(),
        email: requester.map(|m| m.email.clone()).unwrap_or_default(),
        phone: requester
            .map(|m| {
                [&m.mobile_phone, &m.home_phone, &m.office_phone]
                    .into_iter()
                    .find(|p| !p.is_empty())
                    .cloned()
                    .unwrap_or_default()
            })
            .unwrap_or_default(),
        address: foyer.address.one_line(),
        members: foyer.members.iter().map(|m| m.name.clone()).collect(),
    };
    let may_process = mine && access >= Access::Write;
    let moves = if may_process {
        state
            .next_for_agent()
            .into_iter()
            .map(|to| Move {
                code: to.code(),
                label: to.label(),
                needs_reason: RequestState::needs_reason(to),
            })
            .collect()
    } else {
        Vec::new()
    };
    let teleservices = Teleservices::load(tx)?;
    Ok(Opened {
        data_pending: row.data_state == "Pending",
        data_state: match row.data_state.as_str() {
            "Valid" => "Données vérifiées",
            "Invalid" => "Données à corriger",
            _ => "Données à vérifier",
        }
        .to_owned(),
        version: version(&row),
        may_take_over: lock.as_ref().is_some_and(|l| !l.mine) && access >= Access::Manage,
        case: teleservices.case(
            crate::store::repo::casework::CaseRow {
                id: row.id,
                number: row.number,
                teleservice_id: row.teleservice_id,
                category_id: row.category_id,
                household_id: row.household_id,
                requester_name: row.requester_name.clone(),
                subject_name: row.subject_name.clone(),
                state: row.state.clone(),
                submitted_at: row.submitted_at,
                updated_at: row.updated_at,
                last_agent_id: row.last_agent_id,
            },
            at,
        ),
        steps,
        history,
        messages,
        foyer: brief,
        lock,
        may_process,
        household_note: row.household_note.clone(),
        may_note: access >= Access::Write,
        moves,
        has_certificate: repo::decision(tx, id)?.is_some(),
        justificatifs: super::justificatifs::zone(tx, &row, &filed.offer)?,
        edit_steps: if may_process && state.editable_by_agent() {
            filed
                .form
                .steps
                .iter()
                .map(|s| EditStep {
                    key: s.key.clone(),
                    title: s.title.clone(),
                })
                .collect()
        } else {
            Vec::new()
        },
    })
}

/// The request, row-locked, if this agent may write to it now: their right,
/// nobody else's lock (theirs is taken if it was free: the first change is
/// the intent to process it), and the page they acted from still current.
pub(crate) fn writable(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    seen: Option<&str>,
) -> Result<RequestRow, Error> {
    repo::lock(tx, id)?;
    let row = reach(tx, desk, id)?;
    desk.rights
        .permit(Action::Process, row.category_id)
        .map_err(|_| {
            Error::Refused(
                "votre droit sur cette catégorie permet de consulter ses demandes, pas de les traiter"
                    .into(),
            )
        })?;
    held_by_another(tx, desk, id)?;
    if seen.is_some_and(|v| v != version(&row)) {
        return Err(Error::Conflict(
            "la demande a changé depuis l’affichage de cette page : elle est affichée à nouveau, vérifiez-la puis recommencez".into(),
        ));
    }
    repo::take_lock(tx, id, desk.agent_id, now())?;
    Ok(row)
}

/// Refuses when another agent holds the request's lock.
fn held_by_another(tx: &mut TenantTx<'_>, desk: &Desk, id: i64) -> Result<(), Error> {
    match requests::live_lock(tx, id)? {
        Some((agent, since)) if agent != desk.agent_id => Err(Error::Refused(format!(
            "{} traite cette demande depuis le {} : vous pouvez la lire et y ajouter une note interne, pas la modifier",
            agent_name(tx, agent)?,
            time::datetime_fr(since)
        ))),
        _ => Ok(()),
    }
}

/// « Traiter cette demande »: the agent who may process it takes its lock
/// before any change, so that nobody else starts on it meanwhile.
pub fn process(tx: &mut TenantTx<'_>, desk: &Desk, id: i64) -> Result<(), Error> {
    writable(tx, desk, id, None).map(drop)
}

/// After an agent's write to the request: the request's new version (its
/// last modification, by them), and their lock, from now.
pub(crate) fn touched(tx: &mut TenantTx<'_>, desk: &Desk, row: &RequestRow) -> Result<(), Error> {
    let at = now();
    let mut row = row.clone();
    row.updated_at = at;
    row.last_agent_id = Some(desk.agent_id);
    repo::update(tx, &row)?;
    repo::take_lock(tx, row.id, desk.agent_id, at)?;
    Ok(())
}

/// Moves the request to state `to` (its code), with a reason where the
/// transition needs one; the household is told.
#[allow(clippy::too_many_arguments)]
pub fn act(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    seen: &str,
    to: &str,
    reason: &str,
    here: &Site,
) -> Result<(), Error> {
    writable(tx, desk, id, Some(seen))?;
    let to = RequestState::parse(to)
        .ok_or_else(|| invalid("to", "choisissez le nouvel état parmi ceux proposés"))?;
    requests::transition(tx, id, to, Who::Agent, &me(desk), reason, here)?;
    // The agent's write is the new version: they keep the lock, from now,
    // unless the request now waits for the household (transition let it go).
    if !to.awaits_household() {
        repo::take_lock(tx, id, desk.agent_id, now())?;
    }
    Ok(())
}

/// Writes to the request's thread: internal (agents only; a colleague may,
/// while another agent holds the request) or to the household, who is
/// e-mailed (that is acting on the request: its lock).
pub fn note(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    body: &str,
    to_household: bool,
    here: &Site,
) -> Result<(), Error> {
    let row = if to_household {
        writable(tx, desk, id, None)?
    } else {
        repo::lock(tx, id)?;
        let row = reach(tx, desk, id)?;
        desk.rights
            .permit(Action::Process, row.category_id)
            .map_err(|_| {
                Error::Refused(
                    "votre droit sur cette catégorie permet de consulter ses demandes, pas d’y écrire"
                        .into(),
                )
            })?;
        row
    };
    let body = body.trim();
    if body.is_empty() {
        return Err(invalid("body", "écrivez le message"));
    }
    if body.chars().count() > 2000 {
        return Err(invalid("body", "2000 caractères au plus"));
    }
    let note_id = tx.next_id()?;
    repo::insert_note(
        tx,
        &NoteRow {
            tenant_id: 0,
            id: note_id,
            request_id: id,
            author_kind: "agent".into(),
            author_id: desk.agent_id,
            author_name: desk.name.clone(),
            public: to_household,
            body: body.to_owned(),
            created_at: now(),
        },
    )?;
    if to_household {
        let email = foyer_rows::individual(tx, row.requester_id)?
            .map(|p| p.email)
            .unwrap_or_default();
        if !email.is_empty() {
            let number = row.number.unwrap_or_default();
            let followed = crate::requests::follow::link(tx, &row, &here.url)?;
            let message = super::mails::Message {
                site: &here.name,
                number,
                message: body,
                followed: &followed,
            };
            crate::requests::follow::mail(tx, &email, &message, &followed)?;
        }
    }
    Ok(())
}

/// A manager takes over a request another agent holds; the history says so.
pub fn take_over(tx: &mut TenantTx<'_>, desk: &Desk, id: i64) -> Result<(), Error> {
    repo::lock(tx, id)?;
    let row = reach(tx, desk, id)?;
    if desk.rights.access(row.category_id) < Access::Manage {
        return Err(Error::Refused(
            "seul un agent qui gère cette catégorie peut reprendre une demande tenue par un autre"
                .into(),
        ));
    }
    let at = now();
    let held = requests::live_lock(tx, id)?;
    if let Some((agent, _)) = held.filter(|(agent, _)| *agent != desk.agent_id) {
        let holder = agent_name(tx, agent)?;
        repo::take_lock(tx, id, desk.agent_id, at)?;
        let state = RequestState::parse(&row.state).unwrap_or(RequestState::Pending);
        history::write(
            tx,
            history::Line::Request {
                request: id,
                kind: ActionKind::LockTakeOver,
                actor: &me(desk),
                state,
                note: &format!("Traitement repris à {holder}"),
                public: false,
                snapshot: None,
            },
        )?;
    }
    Ok(())
}

/// The agent lets the request go before the lock's delay.
pub fn release(tx: &mut TenantTx<'_>, desk: &Desk, id: i64) -> Result<(), Error> {
    reach(tx, desk, id)?;
    if repo::lock_holder(tx, id)?.is_some_and(|(agent, _)| agent == desk.agent_id) {
        repo::release_lock(tx, id)?;
    }
    Ok(())
}

/// What a batch does to each request it selected.
#[derive(Debug, Clone)]
pub enum BatchAction {
    Move { to: String, reason: String },
    Note { body: String, to_household: bool },
}

/// One request of a batch, in a transaction of its own: the same checks as
/// from its page (reach, right, workflow, reason), the lock taken for the
/// time of the write unless another agent holds it, and it must be of the
/// téléservice the batch was made for.
pub fn batch_one(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    teleservice: i64,
    what: &BatchAction,
    here: &Site,
) -> Result<(), Error> {
    apply(tx, desk, id, Some(teleservice), None, what, here)
}

/// One write from outside the request's page (a batch, the API): the lock
/// taken for its time unless another agent holds it; `seen`, when given, is
/// the version the caller decided on.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    teleservice: Option<i64>,
    seen: Option<&str>,
    what: &BatchAction,
    here: &Site,
) -> Result<(), Error> {
    repo::lock(tx, id)?;
    let row = reach(tx, desk, id)?;
    if teleservice.is_some_and(|t| row.teleservice_id != t) {
        return Err(Error::Refused(
            "elle n’est pas du téléservice de la recherche".into(),
        ));
    }
    let held = requests::live_lock(tx, id)?;
    let taken = held.is_none();
    if taken && desk.rights.access(row.category_id) >= Access::Write {
        repo::take_lock(tx, id, desk.agent_id, now())?;
    }
    writable(tx, desk, id, seen)?;
    match what {
        BatchAction::Move { to, reason } => {
            let to = RequestState::parse(to)
                .ok_or_else(|| invalid("to", "choisissez le nouvel état parmi ceux proposés"))?;
            requests::transition(tx, id, to, Who::Agent, &me(desk), reason, here)?;
        }
        BatchAction::Note { body, to_household } => {
            note(tx, desk, id, body, *to_household, here)?;
        }
    }
    if taken {
        repo::release_lock(tx, id)?;
    }
    Ok(())
}

/// The certificate of the decision on a request the agent reaches.
pub fn certificate(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
) -> Result<requests::Certificate, Error> {
    reach(tx, desk, id)?;
    requests::certificate(tx, None, id)
}

/// Any request the agent reaches, as a PDF to print: its data, its foyer
/// and its whole history. Reading it takes no lock.
pub fn printable(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    site: &str,
) -> Result<(i64, crate::pdf::Document), Error> {
    use crate::pdf::{Block, Document};
    let row = reach(tx, desk, id)?;
    let filed = requests::filed(tx, row.household_id, id)?;
    let foyer = foyers::foyer(tx, row.household_id)?;
    let ctx = requests::context(tx, &filed.offer, Some(&foyer), true)?;
    let state = RequestState::parse(&row.state).unwrap_or(RequestState::Pending);
    let number = row.number.unwrap_or_default();
    let mut doc = Document::new(format!("Demande n° {number}"));
    doc.letterhead = vec![site.to_owned()];
    doc.push(Block::Title(format!(
        "Demande n° {number} : {}",
        filed.offer.teleservice.label
    )));
    for (label, value) in [
        ("État", state.label().to_owned()),
        ("Demandeur", row.requester_name.clone()),
        ("Pour", row.subject_name.clone()),
        (
            "Envoyée le",
            row.submitted_at.map(time::datetime_fr).unwrap_or_default(),
        ),
        (
            "Foyer",
            format!("n° {}, {}", foyer.id, foyer.address.one_line()),
        ),
    ] {
        doc.push(Block::Field {
            label: label.into(),
            value,
        });
    }
    if !row.household_note.is_empty() {
        doc.push(Block::Field {
            label: "Message du foyer".into(),
            value: row.household_note.clone(),
        });
    }
    requests::push_answers(&mut doc, &summarize(&filed.form, &filed.data, &ctx, true));
    doc.push(Block::Heading("Historique".into()));
    for a in repo::actions(tx, id, false)? {
        let state = RequestState::parse(&a.resulting_state)
            .map(|s| s.label().to_owned())
            .unwrap_or_default();
        let note = if a.note.is_empty() {
            String::new()
        } else {
            format!(" : {}", a.note)
        };
        doc.push(Block::Paragraph(format!(
            "{} — {} ({state}), par {}{note}",
            time::datetime_fr(a.occurred_at),
            kind_label(&a.kind),
            a.actor_name
        )));
    }
    Ok((number, doc))
}
