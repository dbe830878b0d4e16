//! Drafts: a request started, saved at every step (a change the agents
//! asked for told to them once per burst), deleted, tended (a notice, then
//! deletion) and resumed from the e-mailed link.

use super::*;
use crate::domain::host::Site;

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
    pub(super) fn note(&self, what: &str) -> String {
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
    ensure_seeded(tx, &offer.teleservice, &offer.form)?;
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
    history::write(
        tx,
        history::Line::Request {
            request: id,
            kind: ActionKind::Creation,
            actor: &actor,
            state: RequestState::Draft,
            note: &note,
            public: true,
            snapshot: details,
        },
    )?;
    Ok(id)
}

pub(super) fn household_actor(m: &foyers::Member) -> Actor {
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

/// Refuses a change when the household may not make it now.
pub(super) fn editable(tx: &mut TenantTx<'_>, f: &Filed) -> Result<(), Error> {
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
        summarize(&f.form, data, ctx, true)
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
/// agents are told (`told`: the collectivité whose portal the links point to).
pub fn save_step(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
    step_key: &str,
    input: &Input,
    foyer: &Foyer,
) -> Result<(), Error> {
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
    told: Option<&Site>,
) -> Result<(), Error> {
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
        Err(errors) => return Err(Error::Invalid(errors)),
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
        history::write(
            tx,
            history::Line::Request {
                request: id,
                kind: ActionKind::Modification,
                actor: &actor,
                state: f.state(),
                note: &note,
                public: true,
                snapshot: Some(snapshot.to_string()),
            },
        )?;
        // One e-mail per burst of changes: none while the request waits for
        // the household (the agents hear of it when it comes back), none
        // when they were told of a change a moment ago.
        let quiet = f.state().awaits_household() || just_told(tx, id)?;
        if let Some(here) = told.filter(|_| !quiet) {
            tell_agents_of_change(tx, &row, &f.offer, Change::Modified, &note, here)?;
        }
    }
    Ok(())
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
pub(super) fn changes_since_asked(tx: &mut TenantTx<'_>, id: i64) -> Result<Vec<String>, Error> {
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

pub(super) fn tell_agents_of_change(
    tx: &mut TenantTx<'_>,
    row: &RequestRow,
    offer: &Offer,
    what: Change,
    note: &str,
    here: &Site,
) -> Result<(), Error> {
    let last = match row.last_agent_id {
        Some(agent) => crate::store::repo::agents::get_by_id(tx, agent)?
            .map(|a| vec![a.email])
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let to = if !last.is_empty() && !last[0].is_empty() {
        last
    } else if crate::collectivite::settings::current(tx)?.notify_agents {
        match offer.teleservice.category_id {
            Some(category) => crate::agents::rights::agent_emails(tx, category)?,
            None => Vec::new(),
        }
    } else {
        Vec::new()
    };
    let number = row.number.unwrap_or_default();
    for email in to.iter().filter(|e| !e.is_empty()) {
        let changed = mails::ChangedByFoyer {
            site: &here.name,
            number,
            completed: matches!(what, Change::Completed),
            teleservice: &offer.teleservice.label,
            note,
            link: format!("{}/backoffice/demandes/{}", here.url, row.id),
        };
        outbox::send(tx, email, &changed).map_err(Error::from)?;
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

/// How long a request filed without an account can be resumed.
pub const RESUME_DAYS: i64 = 14;

/// Mails the link that resumes a draft filed without an account; the link
/// sent before stops working (only the last one sent is valid).
pub fn send_resume_link(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
    here: &Site,
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
    let email = mails::ResumeLink {
        site: &here.name,
        teleservice: &f.offer.teleservice.label,
        link: format!("{}/reprendre/{secret}", here.url),
        days: RESUME_DAYS,
    };
    outbox::send_secret(tx, &person.email, &email).map_err(Error::from)?;
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
pub fn tend_drafts(tx: &mut TenantTx<'_>, here: &Site) -> Result<(usize, usize), Error> {
    let settings = crate::collectivite::settings::current(tx)?;
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
            let email = mails::DraftExpiring {
                site: &here.name,
                teleservice: &label,
                started: time::date_fr(time::paris(row.created_at).date_naive()),
                on: &on,
                link: format!("{}/mes-demandes/{}", here.url, row.id),
            };
            outbox::send(tx, &p.email, &email).map_err(Error::from)?;
        }
        row.draft_notified_at = Some(at);
        repo::update(tx, &row)?;
        history::write(
            tx,
            history::Line::Request {
                request: row.id,
                kind: ActionKind::DraftDeleteNotification,
                actor: &Actor::system(),
                state: RequestState::Draft,
                note: "",
                public: true,
                snapshot: None,
            },
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
                    let here = Site {
                        url: tenant.public_url(port),
                        name: tenant.name.clone(),
                    };
                    let (n, d) = s
                        .write(tenant.id, |tx| tend_drafts(tx, &here))
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
