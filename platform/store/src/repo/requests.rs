//! Requests (drafts included), their history, notes, justificatifs and lock.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{
    request_actions, request_documents, request_locks, request_notes, requests, teleservices,
};
use crate::{StoreError, TenantTx};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = requests, treat_none_as_null = true)]
pub struct RequestRow {
    pub tenant_id: i64,
    pub id: i64,
    pub number: Option<i64>,
    pub teleservice_id: i64,
    pub category_id: Option<i64>,
    pub form_code: String,
    pub form_version: i32,
    pub season_id: Option<i64>,
    pub household_id: i64,
    pub requester_id: i64,
    pub requester_name: String,
    pub requester_key: String,
    pub subject_id: Option<i64>,
    pub subject_name: String,
    pub subject_key: String,
    pub state: String,
    pub data_state: String,
    pub means_of_contact: Option<String>,
    pub data_json: String,
    pub steps_done: String,
    pub household_note: String,
    pub submit_key: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub validated_at: Option<NaiveDateTime>,
    pub last_agent_id: Option<i64>,
    pub orange_alert: bool,
    pub red_alert: bool,
    pub draft_expires_at: Option<NaiveDateTime>,
    pub draft_notified_at: Option<NaiveDateTime>,
}

pub fn insert(tx: &mut TenantTx<'_>, row: &RequestRow) -> Result<(), StoreError> {
    let row = RequestRow {
        tenant_id: tx.tenant_key(),
        ..row.clone()
    };
    diesel::insert_into(requests::table)
        .values(&row)
        .execute(tx.conn())?;
    Ok(())
}

/// Writes every column of the request.
pub fn update(tx: &mut TenantTx<'_>, row: &RequestRow) -> Result<(), StoreError> {
    let tenant = tx.tenant_key();
    let row = RequestRow {
        tenant_id: tenant,
        ..row.clone()
    };
    diesel::update(tx.rows(requests::table).filter(requests::id.eq(row.id)))
        .set(&row)
        .execute(tx.conn())?;
    Ok(())
}

/// A request of `household` (none if it is another foyer's).
pub fn of_household(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
) -> Result<Option<RequestRow>, StoreError> {
    Ok(tx
        .rows(requests::table)
        .filter(requests::household_id.eq(household))
        .filter(requests::id.eq(id))
        .select(RequestRow::as_select())
        .get_result(tx.conn())
        .optional()?)
}

/// The requests filed with form `code` before version `below`, in one of
/// `states`, oldest first: those a new version may carry along.
pub fn of_form_before(
    tx: &mut TenantTx<'_>,
    code: &str,
    below: i32,
    states: &[&str],
) -> Result<Vec<RequestRow>, StoreError> {
    Ok(tx
        .rows(requests::table)
        .filter(requests::form_code.eq(code))
        .filter(requests::form_version.lt(below))
        .filter(requests::state.eq_any(states))
        .order(requests::id)
        .select(RequestRow::as_select())
        .load(tx.conn())?)
}

pub fn get(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<RequestRow>, StoreError> {
    Ok(tx
        .rows(requests::table)
        .filter(requests::id.eq(id))
        .select(RequestRow::as_select())
        .get_result(tx.conn())
        .optional()?)
}

/// Locks the request's row until commit (two submissions take turns).
pub fn lock(tx: &mut TenantTx<'_>, id: i64) -> Result<(), StoreError> {
    tx.lock_id("requests", id)
}

/// The request a form's one-time key made, if any.
pub fn by_submit_key(tx: &mut TenantTx<'_>, key: &str) -> Result<Option<RequestRow>, StoreError> {
    Ok(tx
        .rows(requests::table)
        .filter(requests::submit_key.eq(key))
        .select(RequestRow::as_select())
        .get_result(tx.conn())
        .optional()?)
}

/// The foyer's requests, newest first (drafts included).
pub fn household_requests(
    tx: &mut TenantTx<'_>,
    household: i64,
    limit: i64,
) -> Result<Vec<RequestRow>, StoreError> {
    Ok(tx
        .rows(requests::table)
        .filter(requests::household_id.eq(household))
        .order((requests::created_at.desc(), requests::id.desc()))
        .limit(limit)
        .select(RequestRow::as_select())
        .load(tx.conn())?)
}

/// A line of the foyer's list of requests: what the list shows, no data.
#[derive(Debug, Clone, Queryable)]
pub struct LineRow {
    pub id: i64,
    pub number: Option<i64>,
    /// The téléservice's label.
    pub label: String,
    pub subject_name: String,
    pub state: String,
    pub created_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub draft_expires_at: Option<NaiveDateTime>,
}

/// The foyer's requests as a list, newest first: all of them (a foyer files
/// a few a year, and retention removes the old ones).
pub fn household_lines(tx: &mut TenantTx<'_>, household: i64) -> Result<Vec<LineRow>, StoreError> {
    Ok(requests::table
        .inner_join(
            teleservices::table.on(teleservices::tenant_id
                .eq(requests::tenant_id)
                .and(teleservices::id.eq(requests::teleservice_id))),
        )
        .filter(tx.tenant_of(requests::table))
        .filter(requests::household_id.eq(household))
        .order((requests::created_at.desc(), requests::id.desc()))
        .select((
            requests::id,
            requests::number,
            teleservices::label,
            requests::subject_name,
            requests::state,
            requests::created_at,
            requests::submitted_at,
            requests::draft_expires_at,
        ))
        .load(tx.conn())?)
}

/// The states of the requests of a téléservice for these subjects (`None`:
/// the foyer itself), in `season` when given: what decides who may file again.
pub fn subjects_states(
    tx: &mut TenantTx<'_>,
    household: i64,
    teleservice: i64,
    season: Option<i64>,
) -> Result<Vec<(Option<i64>, String)>, StoreError> {
    let mut q = tx
        .rows(requests::table)
        .filter(requests::household_id.eq(household))
        .filter(requests::teleservice_id.eq(teleservice))
        .select((requests::subject_id, requests::state))
        .into_boxed();
    if let Some(s) = season {
        q = q.filter(requests::season_id.eq(s));
    }
    Ok(q.load(tx.conn())?)
}

pub fn delete(tx: &mut TenantTx<'_>, household: i64, id: i64) -> Result<bool, StoreError> {
    let n = diesel::delete(
        tx.rows(requests::table)
            .filter(requests::household_id.eq(household))
            .filter(requests::id.eq(id)),
    )
    .execute(tx.conn())?;
    Ok(n > 0)
}

/// Drafts whose time is up: (id, household).
pub fn expired_drafts(
    tx: &mut TenantTx<'_>,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<(i64, i64)>, StoreError> {
    Ok(tx
        .rows(requests::table)
        .filter(requests::state.eq("Draft"))
        .filter(requests::draft_expires_at.le(now))
        .select((requests::id, requests::household_id))
        .limit(limit)
        .load(tx.conn())?)
}

/// Drafts to warn about: expiring before `horizon`, not warned yet.
pub fn drafts_to_notify(
    tx: &mut TenantTx<'_>,
    horizon: NaiveDateTime,
    limit: i64,
) -> Result<Vec<RequestRow>, StoreError> {
    Ok(tx
        .rows(requests::table)
        .filter(requests::state.eq("Draft"))
        .filter(requests::draft_expires_at.le(horizon))
        .filter(requests::draft_notified_at.is_null())
        .select(RequestRow::as_select())
        .limit(limit)
        .load(tx.conn())?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = request_actions)]
pub struct ActionRow {
    pub tenant_id: i64,
    pub id: i64,
    pub request_id: i64,
    pub kind: String,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub resulting_state: String,
    pub note: String,
    pub public: bool,
    pub snapshot_json: Option<String>,
    pub file_id: Option<i64>,
    pub occurred_at: NaiveDateTime,
}

pub fn insert_action(tx: &mut TenantTx<'_>, row: &ActionRow) -> Result<(), StoreError> {
    let row = ActionRow {
        tenant_id: tx.tenant_key(),
        ..row.clone()
    };
    diesel::insert_into(request_actions::table)
        .values(&row)
        .execute(tx.conn())?;
    Ok(())
}

/// A request's history, oldest first; `public_only` for the household.
pub fn actions(
    tx: &mut TenantTx<'_>,
    request: i64,
    public_only: bool,
) -> Result<Vec<ActionRow>, StoreError> {
    let mut q = tx
        .rows(request_actions::table)
        .filter(request_actions::request_id.eq(request))
        .order((
            request_actions::occurred_at.asc(),
            request_actions::id.asc(),
        ))
        .select(ActionRow::as_select())
        .into_boxed();
    if public_only {
        q = q.filter(request_actions::public.eq(true));
    }
    Ok(q.load(tx.conn())?)
}

/// The submission's action (its snapshot makes the receipt).
pub fn submission(tx: &mut TenantTx<'_>, request: i64) -> Result<Option<ActionRow>, StoreError> {
    Ok(tx
        .rows(request_actions::table)
        .filter(request_actions::request_id.eq(request))
        .filter(request_actions::kind.eq(guichet_domain::requests::ActionKind::Creation.code()))
        .filter(request_actions::snapshot_json.is_not_null())
        .order(request_actions::id.desc())
        .select(ActionRow::as_select())
        .first(tx.conn())
        .optional()?)
}

/// The last decision's action (its snapshot makes the certificate).
pub fn decision(tx: &mut TenantTx<'_>, request: i64) -> Result<Option<ActionRow>, StoreError> {
    Ok(tx
        .rows(request_actions::table)
        .filter(request_actions::request_id.eq(request))
        .filter(request_actions::kind.eq(guichet_domain::requests::ActionKind::StateChange.code()))
        .filter(request_actions::resulting_state.eq_any(["Validated", "Rejected", "Cancelled"]))
        .filter(request_actions::snapshot_json.is_not_null())
        .order(request_actions::id.desc())
        .select(ActionRow::as_select())
        .first(tx.conn())
        .optional()?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = request_notes)]
pub struct NoteRow {
    pub tenant_id: i64,
    pub id: i64,
    pub request_id: i64,
    pub author_kind: String,
    pub author_id: i64,
    pub author_name: String,
    pub public: bool,
    pub body: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_note(tx: &mut TenantTx<'_>, row: &NoteRow) -> Result<(), StoreError> {
    let row = NoteRow {
        tenant_id: tx.tenant_key(),
        ..row.clone()
    };
    diesel::insert_into(request_notes::table)
        .values(&row)
        .execute(tx.conn())?;
    Ok(())
}

/// Notes one side reads: public ones, and its own side's internal ones.
pub fn notes(tx: &mut TenantTx<'_>, request: i64, side: &str) -> Result<Vec<NoteRow>, StoreError> {
    Ok(tx
        .rows(request_notes::table)
        .filter(request_notes::request_id.eq(request))
        .filter(
            request_notes::public
                .eq(true)
                .or(request_notes::author_kind.eq(side)),
        )
        .order((request_notes::created_at.asc(), request_notes::id.asc()))
        .select(NoteRow::as_select())
        .load(tx.conn())?)
}

pub fn attach_document(
    tx: &mut TenantTx<'_>,
    request: i64,
    document: i64,
) -> Result<(), StoreError> {
    let exists = tx
        .rows(request_documents::table)
        .filter(request_documents::request_id.eq(request))
        .filter(request_documents::document_id.eq(document))
        .count()
        .get_result::<i64>(tx.conn())?;
    if exists == 0 {
        diesel::insert_into(request_documents::table)
            .values((
                tx.tenant_of(request_documents::table),
                request_documents::request_id.eq(request),
                request_documents::document_id.eq(document),
            ))
            .execute(tx.conn())?;
    }
    Ok(())
}

pub fn detach_document(
    tx: &mut TenantTx<'_>,
    request: i64,
    document: i64,
) -> Result<(), StoreError> {
    diesel::delete(
        tx.rows(request_documents::table)
            .filter(request_documents::request_id.eq(request))
            .filter(request_documents::document_id.eq(document)),
    )
    .execute(tx.conn())?;
    Ok(())
}

pub fn document_ids(tx: &mut TenantTx<'_>, request: i64) -> Result<Vec<i64>, StoreError> {
    Ok(tx
        .rows(request_documents::table)
        .filter(request_documents::request_id.eq(request))
        .select(request_documents::document_id)
        .order(request_documents::document_id)
        .load(tx.conn())?)
}

/// Who holds the request, and since when.
pub fn lock_holder(
    tx: &mut TenantTx<'_>,
    request: i64,
) -> Result<Option<(i64, NaiveDateTime)>, StoreError> {
    Ok(tx
        .rows(request_locks::table)
        .filter(request_locks::request_id.eq(request))
        .select((request_locks::agent_id, request_locks::taken_at))
        .get_result(tx.conn())
        .optional()?)
}

/// Gives the request's lock to `agent` from `at`, whoever held it.
pub fn take_lock(
    tx: &mut TenantTx<'_>,
    request: i64,
    agent: i64,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    release_lock(tx, request)?;
    diesel::insert_into(request_locks::table)
        .values((
            tx.tenant_of(request_locks::table),
            request_locks::request_id.eq(request),
            request_locks::agent_id.eq(agent),
            request_locks::taken_at.eq(at),
        ))
        .execute(tx.conn())?;
    Ok(())
}

pub fn release_lock(tx: &mut TenantTx<'_>, request: i64) -> Result<(), StoreError> {
    diesel::delete(
        tx.rows(request_locks::table)
            .filter(request_locks::request_id.eq(request)),
    )
    .execute(tx.conn())?;
    Ok(())
}

/// A request whose delays run, as the alerts job reads it.
#[derive(Debug, Clone, Queryable)]
pub struct RunningRow {
    pub id: i64,
    pub number: Option<i64>,
    pub teleservice_id: i64,
    pub category_id: Option<i64>,
    pub subject_name: String,
    pub requester_name: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub orange_alert: bool,
    pub red_alert: bool,
}

/// The requests in `states` not yet marked late.
pub fn not_yet_late(tx: &mut TenantTx<'_>, states: &[&str]) -> Result<Vec<RunningRow>, StoreError> {
    Ok(tx
        .rows(requests::table)
        .filter(requests::state.eq_any(states))
        .filter(requests::submitted_at.is_not_null())
        .filter(requests::red_alert.eq(false))
        .select((
            requests::id,
            requests::number,
            requests::teleservice_id,
            requests::category_id,
            requests::subject_name,
            requests::requester_name,
            requests::submitted_at,
            requests::orange_alert,
            requests::red_alert,
        ))
        .load(tx.conn())?)
}

pub fn set_alerts(
    tx: &mut TenantTx<'_>,
    id: i64,
    orange: bool,
    red: bool,
) -> Result<(), StoreError> {
    diesel::update(tx.rows(requests::table).filter(requests::id.eq(id)))
        .set((
            requests::orange_alert.eq(orange),
            requests::red_alert.eq(red),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// The sent request of this collectivité with number `number`.
pub fn by_number(tx: &mut TenantTx<'_>, number: i64) -> Result<Option<RequestRow>, StoreError> {
    Ok(tx
        .rows(requests::table)
        .filter(requests::number.eq(number))
        .select(RequestRow::as_select())
        .get_result(tx.conn())
        .optional()?)
}

/// The latest sent requests filed without an account by a requester whose
/// address is one of `emails`.
pub fn filed_without_account_by(
    tx: &mut TenantTx<'_>,
    emails: &[String],
    limit: i64,
) -> Result<Vec<RequestRow>, StoreError> {
    use crate::schema::{households, individuals};
    Ok(requests::table
        .inner_join(
            households::table.on(households::tenant_id
                .eq(requests::tenant_id)
                .and(households::id.eq(requests::household_id))),
        )
        .inner_join(
            individuals::table.on(individuals::tenant_id
                .eq(requests::tenant_id)
                .and(individuals::id.eq(requests::requester_id))),
        )
        .filter(tx.tenant_of(requests::table))
        .filter(households::temporary.eq(true))
        .filter(requests::number.is_not_null())
        .filter(individuals::email.eq_any(emails))
        .order(requests::submitted_at.desc())
        .limit(limit)
        .select(RequestRow::as_select())
        .load(tx.conn())?)
}
