//! Requests as households file them: the catalogue of téléservices, drafts
//! saved at every step, justificatifs, submission (number, history, receipt,
//! e-mails, in one transaction), follow-up and cancellation. The back office
//! processes the same rows.

pub mod follow;

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::catalogue::offer::{asked, ensure_seeded, lists, Offer};
use crate::domain::forms::{
    self, summarize, validate_data, validate_step, Context, FieldError, FormDefinition, Input,
    Prefill, StepSummary, SubjectPolicy,
};
use crate::domain::requests::{
    lock_alive, ActionKind, Actor as Who, Channel, ContactDetails, MeansOfContact, RequestState,
};
use crate::domain::{text, time};
use crate::error::Error;
use crate::foyers::{self, Foyer, Settings};
use crate::history::{self, Actor};
use crate::mail::outbox;
use crate::store::repo::offer;
use crate::store::repo::requests::{self as repo, NoteRow, RequestRow};
use crate::store::TenantTx;

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
    let (adults, children) = match foyer {
        Some(f) => (
            f.adults().map(|m| (m.id, m.name.clone())).collect(),
            f.children().map(|m| (m.id, m.name.clone())).collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
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

/// Starts a draft for `subject` (`None`: the foyer); its first values come
/// from the foyer. Returns the request's id.
#[allow(clippy::too_many_arguments)]
pub fn start(
    tx: &mut TenantTx<'_>,
    code: &str,
    foyer: &Foyer,
    requester: i64,
    subject: Option<i64>,
    settings: &Settings,
    commune: (&str, &str),
) -> Result<i64, Error> {
    start_by(tx, code, foyer, requester, subject, settings, commune, None)
}

/// An agent filing a request for a household (counter mode), and how the
/// household came: the history says both.
#[derive(Debug, Clone)]
pub struct Filer {
    pub actor: Actor,
    pub channel: Channel,
}

impl Filer {
    fn note(&self, what: &str) -> String {
        format!("{what} {} par {}", self.channel.label(), self.actor.name)
    }
}

/// [`start`], by the household or, with `filer`, by an agent for it.
#[allow(clippy::too_many_arguments)]
pub fn start_by(
    tx: &mut TenantTx<'_>,
    code: &str,
    foyer: &Foyer,
    requester: i64,
    subject: Option<i64>,
    settings: &Settings,
    commune: (&str, &str),
    filer: Option<&Filer>,
) -> Result<i64, Error> {
    let offer = crate::catalogue::offer::offer(tx, code)?;
    if foyer.temporary && offer.form.account_needed {
        return Err(Error::Refused(
            "cette démarche demande un compte : créez-en un pour la faire".into(),
        ));
    }
    ensure_seeded(tx, &offer.teleservice, offer.form)?;
    let (eligible, season) = eligibility(tx, &offer, foyer, time::today())?;
    if !eligible.iter().any(|e| e.subject == subject) {
        return Err(crate::error::invalid(
            "subject",
            "choisissez la personne concernée dans la liste",
        ));
    }
    let requester = foyer
        .member(requester)
        .filter(|m| m.adult)
        .ok_or(Error::NotFound)?;
    let subject_member = subject.and_then(|s| foyer.member(s));
    let at = now();
    let id = tx.next_id()?;
    let mut data = Map::new();
    for field in offer.form.fields() {
        if let Some(p) = field.prefill {
            if let Some(v) = prefill(p, requester, foyer, commune) {
                data.insert(field.key.clone(), v);
            }
        }
    }
    let requester_name = format!("{} {}", requester.last_name, requester.first_name);
    let subject_name = subject_member
        .map(|m| format!("{} {}", m.last_name, m.first_name))
        .unwrap_or_default();
    repo::insert(
        tx,
        &RequestRow {
            tenant_id: 0,
            id,
            number: None,
            teleservice_id: offer.teleservice.id,
            category_id: offer.teleservice.category_id,
            form_code: offer.form.code.clone(),
            form_version: offer.form.version as i32,
            season_id: season,
            household_id: foyer.id,
            requester_id: requester.id,
            requester_key: text::search_key(&requester_name),
            requester_name,
            subject_id: subject,
            subject_key: text::search_key(&subject_name),
            subject_name,
            state: RequestState::Draft.code().into(),
            data_state: "Pending".into(),
            means_of_contact: None,
            data_json: Value::Object(data).to_string(),
            steps_done: String::new(),
            household_note: String::new(),
            submit_key: None,
            created_at: at,
            updated_at: at,
            submitted_at: None,
            validated_at: None,
            last_agent_id: None,
            orange_alert: false,
            red_alert: false,
            draft_expires_at: Some(
                at + Duration::days(if foyer.temporary {
                    settings.draft_keep_days.min(RESUME_DAYS)
                } else {
                    settings.draft_keep_days
                }),
            ),
            draft_notified_at: None,
        },
    )?;
    let (actor, note, details) = match filer {
        Some(f) => (
            f.actor.clone(),
            f.note("Demande commencée"),
            Some(serde_json::json!({ "channel": f.channel.code() }).to_string()),
        ),
        None => (household_actor(requester), String::new(), None),
    };
    history::request_action(
        tx,
        id,
        ActionKind::Creation,
        &actor,
        RequestState::Draft,
        &note,
        true,
        details,
    )?;
    Ok(id)
}

fn household_actor(m: &foyers::Member) -> Actor {
    Actor {
        kind: "household",
        id: Some(m.id),
        name: m.name.clone(),
    }
}

fn prefill(
    p: Prefill,
    requester: &foyers::Member,
    foyer: &Foyer,
    commune: (&str, &str),
) -> Option<Value> {
    let s = |v: &str| (!v.is_empty()).then(|| Value::String(v.to_owned()));
    match p {
        Prefill::RequesterPhone => [
            &requester.mobile_phone,
            &requester.office_phone,
            &requester.home_phone,
        ]
        .into_iter()
        .find(|p| !p.is_empty())
        .and_then(|p| s(p)),
        Prefill::RequesterEmail => s(&requester.email),
        Prefill::FoyerAddress => serde_json::to_value(&foyer.address).ok(),
        Prefill::CollectiviteCity => s(commune.0),
        Prefill::CollectiviteDepartement => s(&commune.1.chars().take(2).collect::<String>()),
    }
}

/// A request of the foyer, with its form (`NotFound` for another foyer's).
#[derive(Debug, Clone)]
pub struct Filed {
    pub row: RequestRow,
    pub form: &'static FormDefinition,
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
    pub fn next_step(&self) -> Option<&'static forms::Step> {
        let done = self.steps_done();
        self.form
            .household_steps()
            .find(|s| !done.contains(&s.key.as_str()))
    }
}

pub fn filed(tx: &mut TenantTx<'_>, household: i64, id: i64) -> Result<Filed, Error> {
    let row = repo::of_household(tx, household, id)?.ok_or(Error::NotFound)?;
    let form = forms::find(&row.form_code, row.form_version as u32).ok_or(Error::NotFound)?;
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
            form,
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
    let minutes = foyers::settings(tx)?.lock_minutes;
    Ok(lock_alive(since, now(), minutes).then_some((agent, since)))
}

/// Refuses a change when the household may not make it now.
fn editable(tx: &mut TenantTx<'_>, f: &Filed) -> Result<(), Error> {
    if !f.state().editable_by_household() {
        return Err(Error::Refused(format!(
            "cette demande ne peut plus être modifiée (état : {})",
            f.state().label().to_lowercase()
        )));
    }
    // Waiting for the household, it is theirs, whoever holds it.
    if !f.state().awaits_household() && live_lock(tx, f.row.id)?.is_some() {
        return Err(Error::Refused(
            "la demande est en cours de traitement par un agent : vous ne pouvez pas la modifier pour l’instant. Réessayez plus tard".into(),
        ));
    }
    Ok(())
}

/// A step's changes in words, as the summary says its answers: « label :
/// before → after », for the history.
pub(crate) fn worded_changes(
    f: &Filed,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    ctx: &Context,
    step: &crate::domain::forms::Step,
) -> String {
    let answers = |data: &Map<String, Value>| -> Vec<(String, String)> {
        summarize(f.form, data, ctx, true)
            .into_iter()
            .find(|s| s.key == step.key)
            .map(|s| s.answers.into_iter().map(|a| (a.label, a.text)).collect())
            .unwrap_or_default()
    };
    let (said_before, said_after) = (answers(before), answers(after));
    let of = |list: &[(String, String)], label: &str| {
        list.iter()
            .find(|(l, _)| l == label)
            .map_or_else(|| "(vide)".to_owned(), |(_, t)| t.clone())
    };
    let mut labels: Vec<&str> = Vec::new();
    for (label, _) in said_before.iter().chain(&said_after) {
        if !labels.contains(&label.as_str()) {
            labels.push(label);
        }
    }
    let changes: Vec<String> = labels
        .into_iter()
        .filter_map(|label| {
            let (was, is) = (of(&said_before, label), of(&said_after, label));
            (was != is).then(|| format!("{label} : {was} → {is}"))
        })
        .collect();
    let changes = if changes.is_empty() {
        "données mises à jour".to_owned()
    } else {
        changes.join(" ; ")
    };
    let mut note = format!("Étape « {} » : {changes}", step.title);
    if note.chars().count() > 2000 {
        note = note.chars().take(1999).collect::<String>() + "…";
    }
    note
}

/// Saves a step: all of it or nothing. On refusal, the messages by field.
/// A request already sent and changed so is a line of its history, with
/// its answers before and after; its data are to be checked again, and the
/// agents are told (`told`: the links' base and the site, from the portal).
pub fn save_step(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
    step_key: &str,
    input: &Input,
    foyer: &Foyer,
) -> Result<Result<(), Vec<FieldError>>, Error> {
    save_step_told(tx, household, id, step_key, input, foyer, None)
}

/// [`save_step`], the agents told by e-mail of a change to a sent request.
pub fn save_step_told(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
    step_key: &str,
    input: &Input,
    foyer: &Foyer,
    told: Option<(&str, &str)>,
) -> Result<Result<(), Vec<FieldError>>, Error> {
    repo::lock(tx, id)?;
    let f = filed(tx, household, id)?;
    editable(tx, &f)?;
    let step = f
        .form
        .household_steps()
        .find(|s| s.key == step_key)
        .ok_or(Error::NotFound)?;
    // A step is filled in order: one further than the next to fill is not
    // reachable (a URL typed by hand).
    if let Some(next) = f.next_step() {
        let order = |k: &str| f.form.household_steps().position(|s| s.key == k);
        if order(step_key) > order(&next.key) {
            return Err(Error::Refused(format!(
                "remplissez d’abord l’étape « {} »",
                next.title
            )));
        }
    }
    let ctx = context(tx, &f.offer, Some(foyer), false)?;
    let mut others = f.data.clone();
    for field in &step.fields {
        others.remove(&field.key);
    }
    let values = match validate_step(step, input, &others, &ctx) {
        Ok(v) => v,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut row = f.row.clone();
    let (mut before, mut after) = (Map::new(), Map::new());
    for field in &step.fields {
        let (old, new) = (f.data.get(&field.key), values.get(&field.key));
        if old != new {
            before.insert(field.key.clone(), old.cloned().unwrap_or(Value::Null));
            after.insert(field.key.clone(), new.cloned().unwrap_or(Value::Null));
        }
    }
    others.extend(values);
    let sent = f.state() != RequestState::Draft;
    let changed_after_sending = sent && !after.is_empty();
    let note = changed_after_sending.then(|| worded_changes(&f, &f.data, &others, &ctx, step));
    row.data_json = Value::Object(others).to_string();
    let mut done: Vec<&str> = f.steps_done();
    if !done.contains(&step_key) {
        done.push(step_key);
    }
    row.steps_done = done.join(",");
    row.updated_at = now();
    if note.is_some() {
        // To be checked again by the agents.
        row.data_state = "Pending".into();
    }
    repo::update(tx, &row)?;
    if let Some(note) = note {
        let requester = foyer.member(row.requester_id).cloned();
        let actor = requester
            .as_ref()
            .map(household_actor)
            .unwrap_or_else(Actor::system);
        let snapshot = serde_json::json!({ "step": step_key, "before": before, "after": after });
        history::request_action(
            tx,
            id,
            ActionKind::Modification,
            &actor,
            f.state(),
            &note,
            true,
            Some(snapshot.to_string()),
        )?;
        // One e-mail per burst of changes: none while the request waits for
        // the household (the agents hear of it when it comes back), none
        // when they were told of a change a moment ago.
        let quiet = f.state().awaits_household() || just_told(tx, id)?;
        if let Some((base_url, site)) = told.filter(|_| !quiet) {
            tell_agents_of_change(tx, &row, &f.offer, Change::Modified, &note, base_url, site)?;
        }
    }
    Ok(Ok(()))
}

/// How long the agents are told of a household's changes only once.
const CHANGES_TOLD_FOR_MINUTES: i64 = 30;

/// The household changed the request a moment ago, nothing else happened
/// since, and the agents were told then.
fn just_told(tx: &mut TenantTx<'_>, id: i64) -> Result<bool, Error> {
    let history = repo::actions(tx, id, false)?;
    // The last line is the one just written.
    let before = history.iter().rev().nth(1);
    Ok(before.is_some_and(|a| {
        a.kind == ActionKind::Modification.code()
            && a.actor_kind == "household"
            && a.occurred_at > now() - chrono::Duration::minutes(CHANGES_TOLD_FOR_MINUTES)
    }))
}

/// The household's changes since the request was last asked to be
/// completed, as its history says them.
fn changes_since_asked(tx: &mut TenantTx<'_>, id: i64) -> Result<Vec<String>, Error> {
    let history = repo::actions(tx, id, false)?;
    let asked = history
        .iter()
        .rposition(|a| {
            a.resulting_state == RequestState::Uncomplete.code()
                && a.kind == ActionKind::StateChange.code()
        })
        .map_or(0, |i| i + 1);
    Ok(history[asked..]
        .iter()
        .filter(|a| a.actor_kind == "household" && a.kind == ActionKind::Modification.code())
        .map(|a| a.note.clone())
        .collect())
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

fn tell_agents_of_change(
    tx: &mut TenantTx<'_>,
    row: &RequestRow,
    offer: &Offer,
    what: Change,
    note: &str,
    base_url: &str,
    site: &str,
) -> Result<(), Error> {
    let last = match row.last_agent_id {
        Some(agent) => crate::store::repo::agents::get_by_id(tx, agent)?
            .map(|a| vec![a.email])
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let to = if !last.is_empty() && !last[0].is_empty() {
        last
    } else if foyers::settings(tx)?.notify_agents {
        match offer.teleservice.category_id {
            Some(category) => crate::agents::rights::agent_emails(tx, category)?,
            None => Vec::new(),
        }
    } else {
        Vec::new()
    };
    let number = row.number.unwrap_or_default();
    for email in to.iter().filter(|e| !e.is_empty()) {
        outbox::enqueue(
            tx,
            email,
            &format!("{site} : demande n° {number} {} par le foyer", match what {
                Change::Modified => "modifiée",
                Change::Completed => "complétée",
            }),
            &format!(
                "Bonjour,\n\nLe foyer a {} sa demande « {} » n° {number} :\n\n{note}\n\nSes données sont à vérifier de nouveau : {base_url}/backoffice/demandes/{}\n",
                match what {
                    Change::Modified => "modifié",
                    Change::Completed => "complété",
                },
                offer.teleservice.label,
                row.id
            ),
        )
        .map_err(Error::from)?;
    }
    Ok(())
}

/// Deletes a draft of the foyer.
pub fn delete_draft(tx: &mut TenantTx<'_>, household: i64, id: i64) -> Result<(), Error> {
    let f = filed(tx, household, id)?;
    if f.state() != RequestState::Draft {
        return Err(Error::Refused(
            "seul un brouillon peut être supprimé ; une demande envoyée peut être annulée".into(),
        ));
    }
    crate::store::repo::foyers::delete_request_tokens(tx, id)?;
    repo::delete(tx, household, id)?;
    Ok(())
}

/// The means of contact the household may choose for a request.
pub fn means_offered(
    settings: &Settings,
    requester: &foyers::Member,
    has_address: bool,
) -> Vec<MeansOfContact> {
    let who = ContactDetails {
        email: requester.email.clone(),
        has_address,
        home_phone: requester.home_phone.clone(),
        office_phone: requester.office_phone.clone(),
        mobile_phone: requester.mobile_phone.clone(),
    };
    MeansOfContact::ALL
        .into_iter()
        .filter(|m| settings.means_of_contact.contains(m) && m.possible(&who))
        .collect()
}

/// What the summary page sends.
#[derive(Debug, Clone, Default)]
pub struct Sending {
    pub means: String,
    pub note: String,
    pub consent: bool,
    /// The form's one-time key: a second submission of it makes nothing new.
    pub key: String,
    /// An agent sending it for the household (counter mode).
    pub filer: Option<Filer>,
}

/// What a submission made.
#[derive(Debug, Clone, Serialize)]
pub struct Submitted {
    pub id: i64,
    pub number: i64,
    pub state: RequestState,
}

/// Sends a request: checks everything again, gives it its number, moves it
/// to « déposée » (or « complétée » when sent again after the agents asked
/// for more), writes its history with the data as sent, the receipt e-mail
/// and the agents' notice, all in the caller's transaction. Sending the same
/// form twice answers the first submission.
#[allow(clippy::too_many_arguments)]
pub fn submit(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
    sending: &Sending,
    foyer: &Foyer,
    settings: &Settings,
    base_url: &str,
    site: &str,
) -> Result<Result<Submitted, Vec<FieldError>>, Error> {
    repo::lock(tx, id)?;
    if let Some(done) = repo::by_submit_key(tx, &sending.key)? {
        if done.household_id == household && done.id == id {
            return Ok(Ok(Submitted {
                id,
                number: done.number.unwrap_or_default(),
                state: RequestState::parse(&done.state).unwrap_or(RequestState::Pending),
            }));
        }
        return Err(Error::NotFound);
    }
    let f = filed(tx, household, id)?;
    editable(tx, &f)?;
    let from = f.state();
    let to = match from {
        RequestState::Draft => RequestState::Pending,
        RequestState::Uncomplete => RequestState::Rectified,
        RequestState::Pending => RequestState::Pending,
        _ => return Err(Error::Refused("cette demande a déjà été envoyée".into())),
    };
    if from == RequestState::Draft {
        if let Some(reason) = f.offer.closed_reason(time::today()) {
            return Err(Error::Refused(reason));
        }
        // Two drafts for one subject: the first sent wins.
        if !f.form.several_per_subject {
            let taken =
                repo::subjects_states(tx, household, f.row.teleservice_id, f.row.season_id)?;
            let running = taken.iter().filter(|(s, state)| {
                *s == f.row.subject_id
                    && RequestState::parse(state).is_some_and(RequestState::running)
            });
            if running.count() > 0 {
                return Err(Error::Refused(
                    "une demande de ce type est déjà en cours pour cette personne : suivez-la dans « Mes demandes »".into(),
                ));
            }
        }
    }
    let ctx = context(tx, &f.offer, Some(foyer), false)?;
    let mut errors: Vec<FieldError> = validate_data(f.form, &f.data, &ctx)
        .into_iter()
        .map(|(step, e)| FieldError {
            name: format!("step.{step}"),
            ..e
        })
        .collect();
    if let Some(next) = f.next_step() {
        errors.push(FieldError {
            name: format!("step.{}", next.key),
            label: next.title.clone(),
            message: "cette étape n’est pas encore remplie".into(),
        });
    }
    let attached = crate::justificatifs::of_request(tx, household, id)?;
    let missing: Vec<String> = asked(&f.offer)
        .into_iter()
        .filter(|a| a.required && !attached.iter().any(|d| d.document_type == a.document_type))
        .map(|a| a.label)
        .collect();
    if !missing.is_empty() {
        errors.push(FieldError {
            name: "step.justificatifs".into(),
            label: "Justificatifs".into(),
            message: format!(
                "joignez {} : sans, la demande ne peut pas être envoyée",
                missing.join(", ")
            ),
        });
    }
    let requester = foyer.member(f.row.requester_id).ok_or(Error::NotFound)?;
    let offered = means_offered(settings, requester, true);
    let means = MeansOfContact::parse(&sending.means).filter(|m| offered.contains(m));
    if means.is_none() {
        errors.push(FieldError {
            name: "means".into(),
            label: "Comment la mairie vous contacte".into(),
            message: "choisissez comment la mairie vous contactera".into(),
        });
    }
    if !sending.consent {
        errors.push(FieldError {
            name: "consent".into(),
            label: "Engagement".into(),
            message: "cochez la case pour confirmer que les informations sont exactes".into(),
        });
    }
    let note = sending.note.trim();
    if note.chars().count() > 2000 {
        errors.push(FieldError {
            name: "note".into(),
            label: "Message pour la mairie".into(),
            message: "2000 caractères au plus".into(),
        });
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let at = now();
    let summary = summarize(f.form, &f.data, &ctx, false);
    let mut row = f.row.clone();
    row.state = to.code().into();
    row.data_state = "Pending".into();
    row.means_of_contact = means.map(|m| m.code().to_owned());
    row.household_note = note.to_owned();
    row.submit_key = (!sending.key.is_empty()).then(|| sending.key.clone());
    row.updated_at = at;
    row.draft_expires_at = None;
    row.draft_notified_at = None;
    if from == RequestState::Draft {
        row.submitted_at = Some(at);
        // Taken last: the counter's row stays locked until commit.
        row.number = Some(tx.next_value("request")?);
    }
    repo::update(tx, &row)?;
    crate::store::repo::foyers::delete_request_tokens(tx, id)?;
    let number = row.number.unwrap_or_default();
    let snapshot = Receipt {
        number,
        teleservice: f.offer.teleservice.label.clone(),
        requester: requester.name.clone(),
        subject: (!row.subject_name.is_empty()).then(|| row.subject_name.clone()),
        submitted_at: time::datetime_fr(at),
        means: means.map(|m| m.label().to_owned()).unwrap_or_default(),
        note: note.to_owned(),
        steps: summary,
    };
    let kind = if from == RequestState::Draft {
        ActionKind::Creation
    } else {
        ActionKind::StateChange
    };
    let label = match to {
        RequestState::Rectified => "Demande complétée et renvoyée",
        _ if from == RequestState::Pending => "Demande modifiée",
        _ => "Demande envoyée",
    };
    let (actor, label) = match &sending.filer {
        Some(f) if from == RequestState::Draft => (f.actor.clone(), f.note("Demande déposée")),
        _ => (household_actor(requester), label.to_owned()),
    };
    history::request_action(
        tx,
        id,
        kind,
        &actor,
        to,
        &label,
        true,
        Some(serde_json::to_string(&snapshot).expect("a receipt serialises")),
    )?;
    // Its téléservice's fee, owed from now on.
    let fee = if from == RequestState::Draft {
        crate::payments::fees::on_submission(tx, id, number, &snapshot.teleservice, &actor.name)?
    } else {
        None
    };
    if from == RequestState::Uncomplete {
        // Completed: its agents hear of every change at once.
        let changes = changes_since_asked(tx, id)?;
        let note = if changes.is_empty() {
            "Renvoyée sans changement de ses réponses (voyez ses justificatifs et ses messages)."
                .to_owned()
        } else {
            changes.join("\n")
        };
        tell_agents_of_change(tx, &row, &f.offer, Change::Completed, &note, base_url, site)?;
    }
    if !requester.email.is_empty() {
        let subject_line = match from {
            RequestState::Uncomplete => {
                format!("{site} : votre demande n° {number} complétée est renvoyée à la mairie")
            }
            RequestState::Pending => {
                format!("{site} : votre demande n° {number} modifiée est bien enregistrée")
            }
            _ => format!("{site} : votre demande n° {number} est bien arrivée"),
        };
        let to_pay = fee
            .map(|amount| format!("Des frais de dossier de {amount} sont à payer dans « Mes paiements » : {base_url}/paiements\n"))
            .unwrap_or_default();
        let followed = crate::requests::follow::link(tx, &row, base_url)?;
        let again = match from {
            RequestState::Uncomplete => ", complétée,",
            RequestState::Pending => ", modifiée,",
            _ => "",
        };
        let body = format!(
            "Bonjour,\n\nVotre demande « {} » n° {number}{again} a bien été reçue le {}.\n\n{}\n{to_pay}Le reçu est joint à ce message.\n\nCe message est envoyé automatiquement ; pour toute question, écrivez à la mairie depuis {}.\n",
            snapshot.teleservice,
            snapshot.submitted_at,
            followed.sentence(),
            followed.space
        );
        let mail =
            crate::requests::follow::mail(tx, &requester.email, &subject_line, &body, &followed)?;
        outbox::attach(tx, mail, &outbox::Attachment::Receipt { request: id })
            .map_err(Error::from)?;
    }
    if settings.notify_agents && from == RequestState::Draft {
        notify_agents(tx, &f.offer, number, id, base_url, site)?;
    }
    Ok(Ok(Submitted {
        id,
        number,
        state: to,
    }))
}

/// Mails the agents who may process requests of the téléservice's category.
fn notify_agents(
    tx: &mut TenantTx<'_>,
    offer: &Offer,
    number: i64,
    id: i64,
    base_url: &str,
    site: &str,
) -> Result<(), Error> {
    let Some(category) = offer.teleservice.category_id else {
        return Ok(());
    };
    for email in crate::agents::rights::agent_emails(tx, category)? {
        outbox::enqueue(
            tx,
            &email,
            &format!("{site} : nouvelle demande n° {number}"),
            &format!(
                "Bonjour,\n\nUne nouvelle demande « {} » n° {number} a été déposée.\n\nPour la traiter : {base_url}/backoffice/demandes/{id}\n",
                offer.teleservice.label
            ),
        )
        .map_err(Error::from)?;
    }
    Ok(())
}

/// A request's answers in a PDF, step by step (the steps left empty out).
pub(crate) fn push_answers(doc: &mut crate::pdf::Document, steps: &[StepSummary]) {
    use crate::pdf::Block;
    for step in steps.iter().filter(|s| !s.answers.is_empty()) {
        doc.push(Block::Heading(step.title.clone()));
        for a in &step.answers {
            doc.push(Block::Field {
                label: a.label.clone(),
                value: a.text.clone(),
            });
        }
    }
}

/// What the receipt says: the request as it was sent.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Receipt {
    pub number: i64,
    pub teleservice: String,
    pub requester: String,
    pub subject: Option<String>,
    pub submitted_at: String,
    pub means: String,
    pub note: String,
    pub steps: Vec<StepSummary>,
}

impl Receipt {
    pub fn document(&self, site: &str) -> crate::pdf::Document {
        use crate::pdf::{Block, Document};
        let mut doc = Document::new(format!("Reçu de la demande n° {}", self.number));
        doc.letterhead = vec![site.to_owned()];
        doc.push(Block::Title(format!(
            "Reçu de votre demande n° {}",
            self.number
        )));
        doc.push(Block::Paragraph(format!(
            "{} — déposée le {}.",
            self.teleservice, self.submitted_at
        )));
        doc.push(Block::Field {
            label: "Demandeur".into(),
            value: self.requester.clone(),
        });
        if let Some(s) = &self.subject {
            doc.push(Block::Field {
                label: "Personne concernée".into(),
                value: s.clone(),
            });
        }
        doc.push(Block::Field {
            label: "Contact choisi".into(),
            value: self.means.clone(),
        });
        push_answers(&mut doc, &self.steps);
        if !self.note.is_empty() {
            doc.push(Block::Heading("Votre message".into()));
            doc.push(Block::Paragraph(self.note.clone()));
        }
        doc.push(Block::Gap);
        doc.push(Block::Paragraph(
            "Conservez ce reçu : son numéro vous sera demandé pour toute question sur votre demande.".into(),
        ));
        doc
    }
}

/// The receipt of a request (of this foyer, or any when `household` is
/// `None`, for the back office and the mail worker).
pub fn receipt(tx: &mut TenantTx<'_>, household: Option<i64>, id: i64) -> Result<Receipt, Error> {
    // The foyer's own request only (any, for the back office and the mailer).
    match household {
        Some(h) => repo::of_household(tx, h, id)?,
        None => repo::get(tx, id)?,
    }
    .ok_or(Error::NotFound)?;
    let action = repo::submission(tx, id)?.ok_or(Error::NotFound)?;
    serde_json::from_str(action.snapshot_json.as_deref().unwrap_or("")).map_err(|_| Error::NotFound)
}

/// What a decision's certificate says: the request as it was decided
/// (accepted, refused, cancelled), kept in the history's line of the
/// decision so that it reads the same later.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Certificate {
    pub number: i64,
    pub teleservice: String,
    pub requester: String,
    pub subject: Option<String>,
    pub submitted_at: String,
    /// « acceptée », « refusée », « annulée ».
    pub decision: String,
    pub decided_at: String,
    pub reason: String,
    pub steps: Vec<StepSummary>,
}

impl Certificate {
    pub fn document(&self, site: &str) -> crate::pdf::Document {
        use crate::pdf::{Block, Document};
        let mut doc = Document::new(format!("Attestation de la demande n° {}", self.number));
        doc.letterhead = vec![site.to_owned()];
        doc.push(Block::Title(format!(
            "Attestation : demande n° {} {}",
            self.number, self.decision
        )));
        doc.push(Block::Paragraph(format!(
            "La demande « {} » n° {}, déposée le {}, a été {} le {}.",
            self.teleservice, self.number, self.submitted_at, self.decision, self.decided_at
        )));
        if !self.reason.is_empty() {
            doc.push(Block::Field {
                label: "Motif".into(),
                value: self.reason.clone(),
            });
        }
        doc.push(Block::Field {
            label: "Demandeur".into(),
            value: self.requester.clone(),
        });
        if let Some(s) = &self.subject {
            doc.push(Block::Field {
                label: "Personne concernée".into(),
                value: s.clone(),
            });
        }
        push_answers(&mut doc, &self.steps);
        doc.push(Block::Gap);
        doc.push(Block::Paragraph(format!(
            "Attestation établie par {site} ; conservez-la avec vos papiers."
        )));
        doc
    }
}

/// The certificate of the decision on a request, when there is one, as
/// the history's line of the decision keeps it.
fn certify(
    tx: &mut TenantTx<'_>,
    row: &RequestRow,
    to: RequestState,
    reason: &str,
    at: NaiveDateTime,
) -> Result<Option<String>, Error> {
    if !to.done() {
        return Ok(None);
    }
    let f = filed(tx, row.household_id, row.id)?;
    let foyer = foyers::foyer(tx, row.household_id)?;
    let ctx = context(tx, &f.offer, Some(&foyer), false)?;
    let certificate = Certificate {
        number: row.number.unwrap_or_default(),
        teleservice: f.offer.teleservice.label.clone(),
        requester: row.requester_name.clone(),
        subject: (!row.subject_name.is_empty()).then(|| row.subject_name.clone()),
        submitted_at: row.submitted_at.map(time::datetime_fr).unwrap_or_default(),
        decision: to.label().to_lowercase(),
        decided_at: time::datetime_fr(at),
        reason: reason.to_owned(),
        steps: summarize(f.form, &f.data, &ctx, false),
    };
    Ok(Some(
        serde_json::to_string(&certificate).expect("a certificate serialises"),
    ))
}

/// The certificate of the last decision on a request (of this foyer, or
/// any when `household` is `None`, for the back office).
pub fn certificate(
    tx: &mut TenantTx<'_>,
    household: Option<i64>,
    id: i64,
) -> Result<Certificate, Error> {
    match household {
        Some(h) => repo::of_household(tx, h, id)?,
        None => repo::get(tx, id)?,
    }
    .ok_or(Error::NotFound)?;
    let action = repo::decision(tx, id)?.ok_or(Error::NotFound)?;
    serde_json::from_str(action.snapshot_json.as_deref().unwrap_or("")).map_err(|_| Error::NotFound)
}

/// A line of « Mes demandes ».
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub id: i64,
    pub number: Option<i64>,
    pub label: String,
    pub subject: String,
    pub state: String,
    pub state_code: String,
    pub meaning: String,
    pub draft: bool,
    pub created: String,
    pub submitted: Option<String>,
    /// Drafts: when they will be deleted.
    pub deleted_on: Option<String>,
}

/// The foyer's requests, newest first.
pub fn dashboard(tx: &mut TenantTx<'_>, household: i64) -> Result<Vec<Line>, Error> {
    Ok(repo::household_lines(tx, household)?
        .into_iter()
        .map(|r| {
            let state = RequestState::parse(&r.state).unwrap_or(RequestState::Draft);
            Line {
                id: r.id,
                number: r.number,
                label: r.label,
                subject: r.subject_name,
                state: state.label().into(),
                state_code: r.state.clone(),
                meaning: state.meaning().into(),
                draft: state == RequestState::Draft,
                created: time::date_fr(time::paris(r.created_at).date_naive()),
                submitted: r.submitted_at.map(time::datetime_fr),
                deleted_on: r
                    .draft_expires_at
                    .map(|d| time::date_fr(time::paris(d).date_naive())),
            }
        })
        .collect())
}

/// A line of a request's public history.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub at: String,
    pub what: String,
    pub state: String,
    pub by: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Note {
    pub at: String,
    pub by: String,
    pub mine: bool,
    pub body: String,
}

/// A request as the household follows it.
#[derive(Debug, Clone, Serialize)]
pub struct Followed {
    pub id: i64,
    pub number: Option<i64>,
    pub label: String,
    pub subject: String,
    pub state: String,
    pub meaning: String,
    pub draft: bool,
    pub editable: bool,
    pub cancellable: bool,
    /// An agent holds it: read-only for now.
    pub locked: bool,
    pub steps: Vec<StepSummary>,
    pub history: Vec<Event>,
    pub notes: Vec<Note>,
    pub has_receipt: bool,
    /// Decided: its certificate can be downloaded.
    pub has_certificate: bool,
}

pub fn follow(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
    foyer: &Foyer,
) -> Result<Followed, Error> {
    let f = filed(tx, household, id)?;
    let ctx = context(tx, &f.offer, Some(foyer), true)?;
    let state = f.state();
    let locked = !state.awaits_household() && live_lock(tx, id)?.is_some();
    let history = repo::actions(tx, id, true)?
        .into_iter()
        .map(|a| Event {
            at: time::datetime_fr(a.occurred_at),
            what: if a.note.is_empty() {
                kind_label(&a.kind).into()
            } else {
                a.note
            },
            state: RequestState::parse(&a.resulting_state)
                .map(|s| s.label().to_owned())
                .unwrap_or_default(),
            by: if a.actor_kind == "agent" {
                "La mairie".into()
            } else {
                a.actor_name
            },
        })
        .collect();
    let notes = repo::notes(tx, id, "household")?
        .into_iter()
        .map(|n: NoteRow| Note {
            at: time::datetime_fr(n.created_at),
            mine: n.author_kind == "household",
            by: if n.author_kind == "agent" {
                "La mairie".into()
            } else {
                n.author_name
            },
            body: n.body,
        })
        .collect();
    Ok(Followed {
        id,
        number: f.row.number,
        label: f.offer.teleservice.label.clone(),
        subject: f.row.subject_name.clone(),
        state: state.label().into(),
        meaning: state.meaning().into(),
        draft: state == RequestState::Draft,
        editable: state.editable_by_household() && !locked,
        cancellable: state.may_become(RequestState::Cancelled, Who::Household) && !locked,
        locked,
        steps: summarize(f.form, &f.data, &ctx, false),
        history,
        notes,
        has_receipt: f.row.number.is_some(),
        has_certificate: state.done() || repo::decision(tx, id)?.is_some(),
    })
}

pub(crate) fn kind_label(kind: &str) -> &'static str {
    ActionKind::parse(kind).map_or("Suivi", ActionKind::label)
}

/// The household cancels a request nobody works on yet.
pub fn cancel(tx: &mut TenantTx<'_>, household: i64, id: i64, foyer: &Foyer) -> Result<(), Error> {
    repo::lock(tx, id)?;
    let f = filed(tx, household, id)?;
    editable(tx, &f)?;
    if !f
        .state()
        .may_become(RequestState::Cancelled, Who::Household)
    {
        return Err(Error::Refused(
            "cette demande ne peut plus être annulée en ligne : contactez la mairie".into(),
        ));
    }
    let requester = foyer.member(f.row.requester_id).ok_or(Error::NotFound)?;
    let mut row = f.row.clone();
    row.state = RequestState::Cancelled.code().into();
    row.updated_at = now();
    repo::update(tx, &row)?;
    let reason = "Demande annulée par le foyer";
    let certificate = certify(tx, &row, RequestState::Cancelled, reason, row.updated_at)?;
    history::request_action(
        tx,
        id,
        ActionKind::StateChange,
        &household_actor(requester),
        RequestState::Cancelled,
        reason,
        true,
        certificate,
    )?;
    Ok(())
}

/// The household writes to the agents about a request.
pub fn add_note(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
    author: &foyers::Member,
    body: &str,
) -> Result<(), Error> {
    let f = filed(tx, household, id)?;
    if f.state() == RequestState::Draft {
        return Err(Error::NotFound);
    }
    let body = body.trim();
    if body.is_empty() {
        return Err(crate::error::invalid("body", "écrivez votre message"));
    }
    if body.chars().count() > 2000 {
        return Err(crate::error::invalid("body", "2000 caractères au plus"));
    }
    let note_id = tx.next_id()?;
    repo::insert_note(
        tx,
        &NoteRow {
            tenant_id: 0,
            id: note_id,
            request_id: id,
            author_kind: "household".into(),
            author_id: author.id,
            author_name: author.name.clone(),
            public: true,
            body: body.to_owned(),
            created_at: now(),
        },
    )?;
    Ok(())
}

/// Moves a request along the workflow for `who` (an agent, the system, an
/// external service): refused when the workflow has no such step, when a
/// reason is needed and missing, or a validation comes before the season
/// allows it. The household is told by e-mail of each change that concerns
/// it.
#[allow(clippy::too_many_arguments)]
pub fn transition(
    tx: &mut TenantTx<'_>,
    id: i64,
    to: RequestState,
    who: Who,
    actor: &Actor,
    reason: &str,
    base_url: &str,
    site: &str,
) -> Result<(), Error> {
    repo::lock(tx, id)?;
    let mut row = repo::get(tx, id)?.ok_or(Error::NotFound)?;
    let from = RequestState::parse(&row.state).unwrap_or(RequestState::Draft);
    if !from.may_become(to, who) {
        return Err(Error::Refused(format!(
            "une demande « {} » ne peut pas passer à « {} »",
            from.label().to_lowercase(),
            to.label().to_lowercase()
        )));
    }
    let reason = reason.trim();
    if RequestState::needs_reason(to) && reason.is_empty() {
        return Err(crate::error::invalid(
            "reason",
            "indiquez le motif : il sera communiqué au foyer",
        ));
    }
    if to == RequestState::Validated {
        if let Some(season) = row.season_id {
            let s = offer::seasons(tx, Some(row.teleservice_id))?
                .into_iter()
                .find(|s| s.id == season);
            if let Some(s) = s.filter(|s| time::today() < s.validation_start) {
                return Err(Error::Refused(format!(
                    "les demandes de la saison « {} » peuvent être acceptées à partir du {}",
                    s.label,
                    time::date_fr(s.validation_start)
                )));
            }
        }
    }
    let at = now();
    row.state = to.code().into();
    row.updated_at = at;
    if to == RequestState::Validated {
        row.validated_at = Some(at);
        row.data_state = "Valid".into();
    }
    if actor.kind == "agent" {
        row.last_agent_id = actor.id;
    }
    repo::update(tx, &row)?;
    if to == RequestState::Validated {
        // An accepted request accepts the justificatifs it was judged on.
        for document in repo::document_ids(tx, id)? {
            crate::justificatifs::accept(tx, row.household_id, document, at)?;
        }
    }
    let certificate = certify(tx, &row, to, reason, at)?;
    history::request_action(
        tx,
        id,
        ActionKind::StateChange,
        actor,
        to,
        reason,
        true,
        certificate,
    )?;
    if to.awaits_household() {
        // Waiting for the household, the request is theirs: no agent holds it.
        repo::release_lock(tx, id)?;
    }
    tell_household(tx, &row, to, reason, base_url, site)?;
    Ok(())
}

/// E-mails the requester a change of state that concerns them (received,
/// in progress, incomplete with what is missing, done).
fn tell_household(
    tx: &mut TenantTx<'_>,
    row: &RequestRow,
    to: RequestState,
    reason: &str,
    base_url: &str,
    site: &str,
) -> Result<(), Error> {
    let what = match to {
        RequestState::Inprogress => "est en cours de traitement",
        RequestState::Complete => "est complète",
        RequestState::Uncomplete => "est incomplète : il manque des informations ou des documents",
        RequestState::Validated => "est acceptée",
        RequestState::Rejected => "est refusée",
        RequestState::Cancelled => "est annulée",
        _ => return Ok(()),
    };
    let Some(requester) = crate::store::repo::foyers::individual(tx, row.requester_id)? else {
        return Ok(());
    };
    if requester.email.is_empty() {
        return Ok(());
    }
    let number = row.number.unwrap_or_default();
    let why = if reason.is_empty() {
        String::new()
    } else {
        format!("\nMessage de la mairie : {reason}\n")
    };
    let followed = crate::requests::follow::link(tx, row, base_url)?;
    let next = if to == RequestState::Uncomplete {
        format!(
            "\nComplétez-la puis renvoyez-la depuis {}.\n",
            followed.space
        )
    } else if to.done() {
        if followed.secret {
            "\nSon attestation (PDF) est sur la page de la demande.\n".to_owned()
        } else {
            format!(
                "\nSon attestation (PDF) est dans votre espace : {base_url}/mes-demandes/{}/attestation.pdf\n",
                row.id
            )
        }
    } else {
        String::new()
    };
    crate::requests::follow::mail(
        tx,
        &requester.email,
        &format!(
            "{site} : votre demande n° {number} {}",
            to.label().to_lowercase()
        ),
        &format!(
            "Bonjour,\n\nVotre demande n° {number} {what}.\n{why}{next}\n{}\n",
            followed.sentence()
        ),
        &followed,
    )?;
    Ok(())
}

/// How long a request filed without an account can be resumed.
pub const RESUME_DAYS: i64 = 14;

/// Mails the link that resumes a draft filed without an account; the link
/// sent before stops working (only the last one sent is valid).
pub fn send_resume_link(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
    base_url: &str,
    site: &str,
) -> Result<(), Error> {
    let f = filed(tx, household, id)?;
    if f.state() != RequestState::Draft {
        return Err(Error::Refused("cette demande est déjà envoyée".into()));
    }
    let person =
        crate::store::repo::foyers::individual(tx, f.row.requester_id)?.ok_or(Error::NotFound)?;
    let (secret, digest) = foyers::new_secret();
    let at = now();
    crate::store::repo::foyers::replace_token(
        tx,
        &crate::store::repo::foyers::TokenRow {
            tenant_id: 0,
            digest,
            purpose: "resume".into(),
            individual_id: Some(person.id),
            request_id: Some(id),
            created_at: at,
            expires_at: at + Duration::days(RESUME_DAYS),
        },
    )?;
    outbox::enqueue_secret(
        tx,
        &person.email,
        &format!("{site} : reprendre votre demande « {} »", f.offer.teleservice.label),
        &format!(
            "Bonjour,\n\nVotre demande « {} » est enregistrée, pas encore envoyée. Pour la reprendre, ouvrez ce lien :\n\n{base_url}/reprendre/{secret}\n\nSeul le dernier lien reçu fonctionne, pendant {RESUME_DAYS} jours ; ensuite la demande est supprimée.\n",
            f.offer.teleservice.label
        ),
    )
    .map_err(Error::from)?;
    Ok(())
}

/// Opens a resume link: the person who filed the draft, and the draft.
pub fn resume(tx: &mut TenantTx<'_>, secret: &str) -> Result<(i64, i64), Error> {
    let token =
        crate::store::repo::foyers::token(tx, &foyers::secret_digest(secret), "resume", now())?
            .ok_or(Error::NotFound)?;
    let (Some(person), Some(request)) = (token.individual_id, token.request_id) else {
        return Err(Error::NotFound);
    };
    let row = repo::get(tx, request)?.ok_or(Error::NotFound)?;
    if row.state != RequestState::Draft.code() || row.requester_id != person {
        return Err(Error::NotFound);
    }
    Ok((person, request))
}

/// Drafts of one collectivité: a notice to those deleted within the notice
/// period (once each), then the deletion of those whose time is up, with
/// the foyers made for them alone. Returns (notices, deletions).
pub fn tend_drafts(
    tx: &mut TenantTx<'_>,
    base_url: &str,
    site: &str,
) -> Result<(usize, usize), Error> {
    let settings = foyers::settings(tx)?;
    let at = now();
    let horizon = at + Duration::days(settings.draft_notice_days);
    let mut notices = 0;
    for mut row in repo::drafts_to_notify(tx, horizon, 500)? {
        let person = crate::store::repo::foyers::individual(tx, row.requester_id)?;
        let on = row
            .draft_expires_at
            .map(|d| time::date_fr(time::paris(d).date_naive()))
            .unwrap_or_default();
        let temporary = crate::store::repo::foyers::household(tx, row.household_id)?
            .is_some_and(|f| f.temporary);
        // Without an account, the resume link already says until when.
        if let Some(p) = person.filter(|p| !p.email.is_empty() && !temporary) {
            let label = offer::teleservices(tx)?
                .into_iter()
                .find(|t| t.id == row.teleservice_id)
                .map(|t| t.label)
                .unwrap_or_default();
            outbox::enqueue(
                tx,
                &p.email,
                &format!("{site} : votre brouillon sera supprimé le {on}"),
                &format!(
                    "Bonjour,\n\nVotre demande « {label} » commencée le {} n’a pas été envoyée. Sans envoi de votre part, ce brouillon sera supprimé le {on}.\n\nPour la reprendre : {base_url}/mes-demandes/{}\n",
                    time::date_fr(time::paris(row.created_at).date_naive()),
                    row.id
                ),
            )
            .map_err(Error::from)?;
        }
        row.draft_notified_at = Some(at);
        repo::update(tx, &row)?;
        history::request_action(
            tx,
            row.id,
            ActionKind::DraftDeleteNotification,
            &Actor::system(),
            RequestState::Draft,
            "",
            true,
            None,
        )?;
        notices += 1;
    }
    let mut deleted = 0;
    for (id, household) in repo::expired_drafts(tx, at, 500)? {
        crate::store::repo::foyers::delete_request_tokens(tx, id)?;
        repo::delete(tx, household, id)?;
        deleted += 1;
        let foyer = crate::store::repo::foyers::household(tx, household)?;
        if foyer.is_some_and(|f| f.temporary)
            && repo::household_requests(tx, household, 1)?.is_empty()
        {
            crate::store::repo::foyers::delete_household(tx, household)?;
        }
    }
    Ok((notices, deleted))
}

/// The requests' timed work: drafts tended every hour, outdated documents
/// marked every day, spent links purged; `port` makes the links of the
/// collectivités without a host name.
pub fn register(runner: crate::jobs::Runner, port: u16) -> crate::jobs::Runner {
    use crate::jobs::{Job, JobError};
    use crate::store::Store;
    let fail = |e: Error| JobError::Retry(e.to_string());
    runner
        .every(
            "drafts.tend",
            std::time::Duration::from_secs(3600),
            move |s: &Store, _: &Job| {
                for tenant in s.platform_read(crate::tenancy::list)? {
                    let base = tenant.public_url(port);
                    let (n, d) = s
                        .write(tenant.id, |tx| tend_drafts(tx, &base, &tenant.name))
                        .map_err(fail)?;
                    if n + d > 0 {
                        tracing::info!(tenant = %tenant.id, notices = n, deleted = d, "brouillons");
                    }
                }
                Ok(())
            },
        )
        .every(
            "documents.outdate",
            std::time::Duration::from_secs(24 * 3600),
            move |s: &Store, _: &Job| {
                for tenant in s.platform_read(crate::tenancy::ids)? {
                    s.write(tenant, crate::justificatifs::outdate)
                        .map_err(fail)?;
                    s.write(tenant, |tx| {
                        crate::store::repo::foyers::purge_tokens(tx, now()).map_err(Error::from)
                    })
                    .map_err(fail)?;
                }
                Ok(())
            },
        )
}

pub use crate::domain::requests::RequestState as State;

/// Draws the receipt a confirmation e-mail carries, as it is at sending time.
pub fn draw_receipt(
    store: &crate::store::Store,
    _: &crate::files::FileStore,
    tenant: crate::tenancy::TenantId,
    attachment: &outbox::Attachment,
) -> Result<outbox::File, crate::jobs::JobError> {
    use crate::jobs::JobError;
    let outbox::Attachment::Receipt { request } = attachment else {
        return Err(JobError::Fail("pièce jointe d’un autre genre".into()));
    };
    let site = store
        .platform_read(|c| crate::tenancy::name_of(c, tenant))?
        .unwrap_or_default();
    let receipt = store
        .read(tenant, |tx| receipt(tx, None, *request))
        .map_err(|e| JobError::Fail(format!("reçu de la demande {request} : {e}")))?;
    Ok(outbox::File {
        filename: format!("Recu_Demande_{}.pdf", receipt.number),
        content_type: "application/pdf".into(),
        bytes: receipt.document(&site).render(),
    })
}
