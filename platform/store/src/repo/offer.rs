//! What a collectivité offers online: its téléservices with their seasons,
//! paramètre lists and justificatifs.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{
    categories, parameter_entries, seasons, teleservice_requirements, teleservices,
};
use crate::{StoreError, TenantTx};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = teleservices)]
pub struct TeleserviceRow {
    pub id: i64,
    pub code: String,
    pub label: String,
    pub category_id: Option<i64>,
    pub active: bool,
    pub max_delay_days: Option<i32>,
    pub alert_delay_days: Option<i32>,
    pub seeded_at: Option<NaiveDateTime>,
    /// What the portal says of it while it is offline.
    pub offline_message: String,
    /// The régie collecting its fee, and the fee (cents), if any.
    pub regie_id: Option<i64>,
    pub fee_cents: Option<i64>,
}

pub fn teleservices(tx: &mut TenantTx<'_>) -> Result<Vec<TeleserviceRow>, StoreError> {
    Ok(tx
        .rows(teleservices::table)
        .order(teleservices::label)
        .select(TeleserviceRow::as_select())
        .load(tx.conn())?)
}

pub fn teleservice(
    tx: &mut TenantTx<'_>,
    code: &str,
) -> Result<Option<TeleserviceRow>, StoreError> {
    Ok(tx
        .rows(teleservices::table)
        .filter(teleservices::code.eq(code))
        .select(TeleserviceRow::as_select())
        .get_result(tx.conn())
        .optional()?)
}

pub fn set_active(tx: &mut TenantTx<'_>, id: i64, active: bool) -> Result<(), StoreError> {
    diesel::update(tx.rows(teleservices::table).filter(teleservices::id.eq(id)))
        .set(teleservices::active.eq(active))
        .execute(tx.conn())?;
    Ok(())
}

/// Online or not, with what the portal says while it is not.
pub fn set_online_state(
    tx: &mut TenantTx<'_>,
    id: i64,
    active: bool,
    message: &str,
) -> Result<(), StoreError> {
    diesel::update(tx.rows(teleservices::table).filter(teleservices::id.eq(id)))
        .set((
            teleservices::active.eq(active),
            teleservices::offline_message.eq(message),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// A téléservice's own instruction delays (`None`: the collectivité's).
pub fn set_delays(
    tx: &mut TenantTx<'_>,
    id: i64,
    max_days: Option<i32>,
    alert_days: Option<i32>,
) -> Result<(), StoreError> {
    diesel::update(tx.rows(teleservices::table).filter(teleservices::id.eq(id)))
        .set((
            teleservices::max_delay_days.eq(max_days),
            teleservices::alert_delay_days.eq(alert_days),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// The category's name and contact, by id.
pub fn category_names(tx: &mut TenantTx<'_>) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(tx
        .rows(categories::table)
        .select((categories::id, categories::name))
        .load(tx.conn())?)
}

/// Locks the téléservice's row until commit (its seasons change in turn).
pub fn lock(tx: &mut TenantTx<'_>, id: i64) -> Result<(), StoreError> {
    tx.lock_id("teleservices", id)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = parameter_entries)]
pub struct EntryRow {
    pub tenant_id: i64,
    pub teleservice_id: i64,
    pub list: String,
    pub key: String,
    pub label: String,
    pub parent_key: Option<String>,
    pub position: i32,
    pub retired: bool,
}

/// The entries of the téléservice's lists, in order (retired ones too).
pub fn entries(tx: &mut TenantTx<'_>, teleservice: i64) -> Result<Vec<EntryRow>, StoreError> {
    Ok(tx
        .rows(parameter_entries::table)
        .filter(parameter_entries::teleservice_id.eq(teleservice))
        .order((parameter_entries::list, parameter_entries::position))
        .select(EntryRow::as_select())
        .load(tx.conn())?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = teleservice_requirements)]
pub struct RequirementRow {
    pub tenant_id: i64,
    pub teleservice_id: i64,
    pub document_type: String,
    pub special: bool,
    pub reason: String,
    pub position: i32,
    /// The request is not sent without it.
    pub required: bool,
}

/// The justificatifs asked for by one téléservice, or by all of them
/// (`None`), in order.
pub fn requirements(
    tx: &mut TenantTx<'_>,
    teleservice: Option<i64>,
) -> Result<Vec<RequirementRow>, StoreError> {
    let mut q = tx
        .rows(teleservice_requirements::table)
        .order((
            teleservice_requirements::teleservice_id,
            teleservice_requirements::position,
        ))
        .select(RequirementRow::as_select())
        .into_boxed();
    if let Some(t) = teleservice {
        q = q.filter(teleservice_requirements::teleservice_id.eq(t));
    }
    Ok(q.load(tx.conn())?)
}

/// Sets a téléservice's lists and justificatifs from its form's defaults,
/// once: true if it did (false: it had been done).
pub fn seed(
    tx: &mut TenantTx<'_>,
    teleservice: i64,
    entries: &[EntryRow],
    requirements: &[RequirementRow],
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let tenant = tx.tenant_key();
    let claimed = diesel::update(
        tx.rows(teleservices::table)
            .filter(teleservices::id.eq(teleservice))
            .filter(teleservices::seeded_at.is_null()),
    )
    .set(teleservices::seeded_at.eq(Some(at)))
    .execute(tx.conn())?;
    if claimed == 0 {
        return Ok(false);
    }
    for e in entries {
        let row = EntryRow {
            tenant_id: tenant,
            teleservice_id: teleservice,
            ..e.clone()
        };
        diesel::insert_into(parameter_entries::table)
            .values(&row)
            .execute(tx.conn())?;
    }
    for r in requirements {
        let row = RequirementRow {
            tenant_id: tenant,
            teleservice_id: teleservice,
            ..r.clone()
        };
        diesel::insert_into(teleservice_requirements::table)
            .values(&row)
            .execute(tx.conn())?;
    }
    Ok(true)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = seasons)]
pub struct SeasonRow {
    pub tenant_id: i64,
    pub id: i64,
    pub teleservice_id: i64,
    pub label: String,
    pub registration_start: NaiveDate,
    pub registration_end: NaiveDate,
    pub validation_start: NaiveDate,
    pub effect_start: NaiveDate,
    pub effect_end: NaiveDate,
    pub created_at: NaiveDateTime,
}

/// The seasons of every téléservice (or one), by start of registration.
pub fn seasons(
    tx: &mut TenantTx<'_>,
    teleservice: Option<i64>,
) -> Result<Vec<SeasonRow>, StoreError> {
    let mut q = tx
        .rows(seasons::table)
        .order((seasons::teleservice_id, seasons::registration_start))
        .select(SeasonRow::as_select())
        .into_boxed();
    if let Some(t) = teleservice {
        q = q.filter(seasons::teleservice_id.eq(t));
    }
    Ok(q.load(tx.conn())?)
}

pub fn insert_season(tx: &mut TenantTx<'_>, row: &SeasonRow) -> Result<(), StoreError> {
    let row = SeasonRow {
        tenant_id: tx.tenant_key(),
        ..row.clone()
    };
    diesel::insert_into(seasons::table)
        .values(&row)
        .execute(tx.conn())?;
    Ok(())
}

pub fn update_season(tx: &mut TenantTx<'_>, row: &SeasonRow) -> Result<(), StoreError> {
    diesel::update(tx.rows(seasons::table).filter(seasons::id.eq(row.id)))
        .set((
            seasons::label.eq(&row.label),
            seasons::registration_start.eq(row.registration_start),
            seasons::registration_end.eq(row.registration_end),
            seasons::validation_start.eq(row.validation_start),
            seasons::effect_start.eq(row.effect_start),
            seasons::effect_end.eq(row.effect_end),
        ))
        .execute(tx.conn())?;
    Ok(())
}

pub fn delete_season(tx: &mut TenantTx<'_>, id: i64) -> Result<(), StoreError> {
    diesel::delete(tx.rows(seasons::table).filter(seasons::id.eq(id))).execute(tx.conn())?;
    Ok(())
}

/// Whether a request (a draft included) was filed on the season.
pub fn season_used(tx: &mut TenantTx<'_>, id: i64) -> Result<bool, StoreError> {
    use crate::schema::requests;
    Ok(diesel::select(diesel::dsl::exists(
        tx.rows(requests::table).filter(requests::season_id.eq(id)),
    ))
    .get_result(tx.conn())?)
}

/// Adds a justificatif to a téléservice's, or changes it (last in order
/// when new).
pub fn put_requirement(tx: &mut TenantTx<'_>, row: &RequirementRow) -> Result<(), StoreError> {
    let tenant = tx.tenant_key();
    let updated = diesel::update(
        tx.rows(teleservice_requirements::table)
            .filter(teleservice_requirements::teleservice_id.eq(row.teleservice_id))
            .filter(teleservice_requirements::document_type.eq(&row.document_type)),
    )
    .set((
        teleservice_requirements::special.eq(row.special),
        teleservice_requirements::reason.eq(&row.reason),
        teleservice_requirements::required.eq(row.required),
    ))
    .execute(tx.conn())?;
    if updated == 0 {
        let last: Option<i32> = tx
            .rows(teleservice_requirements::table)
            .filter(teleservice_requirements::teleservice_id.eq(row.teleservice_id))
            .select(diesel::dsl::max(teleservice_requirements::position))
            .get_result(tx.conn())?;
        diesel::insert_into(teleservice_requirements::table)
            .values(&RequirementRow {
                tenant_id: tenant,
                position: last.map_or(0, |p| p + 1),
                ..row.clone()
            })
            .execute(tx.conn())?;
    }
    Ok(())
}

pub fn remove_requirement(
    tx: &mut TenantTx<'_>,
    teleservice: i64,
    document_type: &str,
) -> Result<bool, StoreError> {
    Ok(diesel::delete(
        tx.rows(teleservice_requirements::table)
            .filter(teleservice_requirements::teleservice_id.eq(teleservice))
            .filter(teleservice_requirements::document_type.eq(document_type)),
    )
    .execute(tx.conn())?
        > 0)
}

/// Adds an entry at the end of its list (its position after the last one).
pub fn insert_entry(tx: &mut TenantTx<'_>, row: &EntryRow) -> Result<(), StoreError> {
    let tenant = tx.tenant_key();
    let last: Option<i32> = tx
        .rows(parameter_entries::table)
        .filter(parameter_entries::teleservice_id.eq(row.teleservice_id))
        .filter(parameter_entries::list.eq(&row.list))
        .select(diesel::dsl::max(parameter_entries::position))
        .get_result(tx.conn())?;
    diesel::insert_into(parameter_entries::table)
        .values(&EntryRow {
            tenant_id: tenant,
            position: last.map_or(1, |p| p + 1),
            ..row.clone()
        })
        .execute(tx.conn())?;
    Ok(())
}

/// Sets an entry's label, position and retired flag as given.
pub fn update_entry(tx: &mut TenantTx<'_>, row: &EntryRow) -> Result<(), StoreError> {
    diesel::update(
        tx.rows(parameter_entries::table)
            .filter(parameter_entries::teleservice_id.eq(row.teleservice_id))
            .filter(parameter_entries::list.eq(&row.list))
            .filter(parameter_entries::key.eq(&row.key)),
    )
    .set((
        parameter_entries::label.eq(&row.label),
        parameter_entries::position.eq(row.position),
        parameter_entries::retired.eq(row.retired),
    ))
    .execute(tx.conn())?;
    Ok(())
}

pub fn delete_entry(
    tx: &mut TenantTx<'_>,
    teleservice: i64,
    list: &str,
    key: &str,
) -> Result<(), StoreError> {
    diesel::delete(
        tx.rows(parameter_entries::table)
            .filter(parameter_entries::teleservice_id.eq(teleservice))
            .filter(parameter_entries::list.eq(list))
            .filter(parameter_entries::key.eq(key)),
    )
    .execute(tx.conn())?;
    Ok(())
}

/// The data of the téléservice's requests (drafts too) that may hold this
/// text: a coarse filter, the caller reads them for the real answer.
pub fn data_mentioning(
    tx: &mut TenantTx<'_>,
    teleservice: i64,
    text: &str,
) -> Result<Vec<String>, StoreError> {
    use crate::schema::requests;
    let pattern = format!("%\"{}\"%", text.replace(['%', '\\'], ""));
    Ok(tx
        .rows(requests::table)
        .filter(requests::teleservice_id.eq(teleservice))
        .filter(requests::data_json.like(pattern))
        .select(requests::data_json)
        .load(tx.conn())?)
}
