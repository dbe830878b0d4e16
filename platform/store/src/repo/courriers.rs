//! Courriers types (`courriers`) and the text messages sent to households
//! (`sms_messages`).

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::{categories, courriers, sms_messages};
use crate::{StoreError, TenantTx};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = courriers)]
pub struct CourrierRow {
    pub tenant_id: i64,
    pub id: i64,
    pub teleservice_id: i64,
    pub short_label: String,
    pub label: String,
    pub model: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A téléservice's courriers, by short label.
pub fn list(tx: &mut TenantTx<'_>, teleservice: i64) -> Result<Vec<CourrierRow>, StoreError> {
    Ok(tx
        .rows(courriers::table)
        .filter(courriers::teleservice_id.eq(teleservice))
        .order(courriers::short_label)
        .select(CourrierRow::as_select())
        .load(tx.conn())?)
}

pub fn get(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<CourrierRow>, StoreError> {
    Ok(tx
        .rows(courriers::table)
        .filter(courriers::id.eq(id))
        .select(CourrierRow::as_select())
        .first(tx.conn())
        .optional()?)
}

/// True when another courrier of the téléservice has this short label.
pub fn short_label_taken(
    tx: &mut TenantTx<'_>,
    teleservice: i64,
    short_label: &str,
    except: Option<i64>,
) -> Result<bool, StoreError> {
    let ids: Vec<i64> = tx
        .rows(courriers::table)
        .filter(courriers::teleservice_id.eq(teleservice))
        .filter(courriers::short_label.eq(short_label))
        .select(courriers::id)
        .load(tx.conn())?;
    Ok(ids.into_iter().any(|id| Some(id) != except))
}

pub fn insert(tx: &mut TenantTx<'_>, row: &CourrierRow) -> Result<(), StoreError> {
    let row = CourrierRow {
        tenant_id: tx.tenant_key(),
        ..row.clone()
    };
    diesel::insert_into(courriers::table)
        .values(&row)
        .execute(tx.conn())?;
    Ok(())
}

pub fn update(tx: &mut TenantTx<'_>, row: &CourrierRow) -> Result<(), StoreError> {
    diesel::update(tx.rows(courriers::table).filter(courriers::id.eq(row.id)))
        .set((
            courriers::short_label.eq(&row.short_label),
            courriers::label.eq(&row.label),
            courriers::model.eq(&row.model),
            courriers::body.eq(&row.body),
            courriers::updated_at.eq(row.updated_at),
        ))
        .execute(tx.conn())?;
    Ok(())
}

pub fn delete(tx: &mut TenantTx<'_>, id: i64) -> Result<bool, StoreError> {
    Ok(
        diesel::delete(tx.rows(courriers::table).filter(courriers::id.eq(id)))
            .execute(tx.conn())?
            > 0,
    )
}

/// A category's e-mail address (empty: none set).
pub fn category_email(tx: &mut TenantTx<'_>, category: i64) -> Result<String, StoreError> {
    Ok(tx
        .rows(categories::table)
        .filter(categories::id.eq(category))
        .select(categories::email)
        .first(tx.conn())
        .optional()?
        .unwrap_or_default())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sms_messages)]
pub struct SmsRow {
    pub id: i64,
    pub request_id: Option<i64>,
    pub recipient: String,
    pub body: String,
    pub state: String,
    pub attempts: i32,
    pub last_error: String,
    pub provider_ref: String,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

pub fn insert_sms(
    tx: &mut TenantTx<'_>,
    request: Option<i64>,
    recipient: &str,
    body: &str,
) -> Result<i64, StoreError> {
    let id = tx.next_id()?;
    diesel::insert_into(sms_messages::table)
        .values((
            tx.tenant_of(sms_messages::table),
            sms_messages::id.eq(id),
            sms_messages::request_id.eq(request),
            sms_messages::recipient.eq(recipient),
            sms_messages::body.eq(body),
            sms_messages::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(tx.conn())?;
    Ok(id)
}

pub fn sms(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<SmsRow>, StoreError> {
    Ok(tx
        .rows(sms_messages::table)
        .filter(sms_messages::id.eq(id))
        .select(SmsRow::as_select())
        .first(tx.conn())
        .optional()?)
}

/// The gateway took it: its reference kept.
pub fn sms_sent(tx: &mut TenantTx<'_>, id: i64, reference: &str) -> Result<(), StoreError> {
    diesel::update(tx.rows(sms_messages::table).filter(sms_messages::id.eq(id)))
        .set((
            sms_messages::state.eq("sent"),
            sms_messages::provider_ref.eq(reference),
            sms_messages::sent_at.eq(Some(Utc::now().naive_utc())),
            sms_messages::attempts.eq(sms_messages::attempts + 1),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// An attempt failed; `last`: no more will be made.
pub fn sms_failed(
    tx: &mut TenantTx<'_>,
    id: i64,
    error: &str,
    last: bool,
) -> Result<(), StoreError> {
    diesel::update(tx.rows(sms_messages::table).filter(sms_messages::id.eq(id)))
        .set((
            sms_messages::state.eq(if last { "failed" } else { "pending" }),
            sms_messages::last_error.eq(error),
            sms_messages::attempts.eq(sms_messages::attempts + 1),
        ))
        .execute(tx.conn())?;
    Ok(())
}
