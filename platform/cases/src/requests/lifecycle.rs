//! After submission: the household's requests, a request's follow-up,
//! notes, cancellation, and its moves (with the household told).

use super::*;
use crate::domain::host::Site;

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
        steps: summarize(&f.form, &f.data, &ctx, false),
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
    history::write(
        tx,
        history::Line::Request {
            request: id,
            kind: ActionKind::StateChange,
            actor: &household_actor(requester),
            state: RequestState::Cancelled,
            note: reason,
            public: true,
            snapshot: certificate,
        },
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
    here: &Site,
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
    history::write(
        tx,
        history::Line::Request {
            request: id,
            kind: ActionKind::StateChange,
            actor,
            state: to,
            note: reason,
            public: true,
            snapshot: certificate,
        },
    )?;
    if to.awaits_household() {
        // Waiting for the household, the request is theirs: no agent holds it.
        repo::release_lock(tx, id)?;
    }
    tell_household(tx, &row, to, reason, here)?;
    Ok(())
}

/// E-mails the requester a change of state that concerns them (received,
/// in progress, incomplete with what is missing, done).
fn tell_household(
    tx: &mut TenantTx<'_>,
    row: &RequestRow,
    to: RequestState,
    reason: &str,
    here: &Site,
) -> Result<(), Error> {
    if !matches!(
        to,
        RequestState::Inprogress
            | RequestState::Complete
            | RequestState::Uncomplete
            | RequestState::Validated
            | RequestState::Rejected
            | RequestState::Cancelled
    ) {
        return Ok(());
    }
    let Some(requester) = crate::store::repo::foyers::individual(tx, row.requester_id)? else {
        return Ok(());
    };
    if requester.email.is_empty() {
        return Ok(());
    }
    let number = row.number.unwrap_or_default();
    let followed = crate::requests::follow::link(tx, row, &here.url)?;
    let email = mails::StateChanged {
        site: &here.name,
        number,
        state: to.code(),
        state_label: to.label().to_lowercase(),
        reason,
        attestation: to
            .done()
            .then(|| format!("{}/mes-demandes/{}/attestation.pdf", here.url, row.id)),
        followed: &followed,
    };
    crate::requests::follow::mail(tx, &requester.email, &email, &followed)?;
    Ok(())
}
