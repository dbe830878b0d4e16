//! The outbox of a collectivité (`mail_outbox`).

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::mail_outbox;
use crate::{StoreError, TenantTx};

#[derive(Debug, Clone, Queryable)]
pub struct OutgoingMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub secret: bool,
    /// What to join when the message is sent (see `guichet_core::mail`).
    pub attachment_json: Option<String>,
}

const COLUMNS: (
    mail_outbox::id,
    mail_outbox::recipient,
    mail_outbox::subject,
    mail_outbox::body_text,
    mail_outbox::state,
    mail_outbox::attempts,
    mail_outbox::last_error,
    mail_outbox::created_at,
    mail_outbox::secret,
    mail_outbox::attachment_json,
) = (
    mail_outbox::id,
    mail_outbox::recipient,
    mail_outbox::subject,
    mail_outbox::body_text,
    mail_outbox::state,
    mail_outbox::attempts,
    mail_outbox::last_error,
    mail_outbox::created_at,
    mail_outbox::secret,
    mail_outbox::attachment_json,
);

/// Sets what a queued message carries with it.
pub fn set_attachment(tx: &mut TenantTx<'_>, id: i64, json: &str) -> Result<(), StoreError> {
    diesel::update(tx.rows(mail_outbox::table).filter(mail_outbox::id.eq(id)))
        .set(mail_outbox::attachment_json.eq(Some(json)))
        .execute(tx.conn())?;
    Ok(())
}

/// A pending message; returns its id.
pub fn insert(
    tx: &mut TenantTx<'_>,
    recipient: &str,
    subject: &str,
    body: &str,
    secret: bool,
) -> Result<i64, StoreError> {
    let id = tx.next_id()?;
    let now = Utc::now().naive_utc();
    diesel::insert_into(mail_outbox::table)
        .values((
            tx.tenant_of(mail_outbox::table),
            mail_outbox::id.eq(id),
            mail_outbox::recipient.eq(recipient),
            mail_outbox::subject.eq(subject),
            mail_outbox::body_text.eq(body),
            mail_outbox::state.eq("pending"),
            mail_outbox::attempts.eq(0),
            mail_outbox::created_at.eq(now),
            mail_outbox::secret.eq(secret),
        ))
        .execute(tx.conn())?;
    Ok(id)
}

/// Messages not sent yet (pending or failed), oldest first.
pub fn unsent(tx: &mut TenantTx<'_>, limit: i64) -> Result<Vec<OutgoingMail>, StoreError> {
    Ok(tx
        .rows(mail_outbox::table)
        .filter(mail_outbox::state.ne("sent"))
        .select(COLUMNS)
        .order(mail_outbox::id)
        .limit(limit)
        .load(tx.conn())?)
}

pub fn get(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<OutgoingMail>, StoreError> {
    Ok(tx
        .rows(mail_outbox::table)
        .filter(mail_outbox::id.eq(id))
        .select(COLUMNS)
        .get_result(tx.conn())
        .optional()?)
}

/// Marks a message sent; a secret one's body becomes `blanked`.
pub fn mark_sent(tx: &mut TenantTx<'_>, id: i64, blanked: &str) -> Result<(), StoreError> {
    diesel::update(tx.rows(mail_outbox::table).filter(mail_outbox::id.eq(id)))
        .set((
            mail_outbox::state.eq("sent"),
            mail_outbox::sent_at.eq(Some(Utc::now().naive_utc())),
            mail_outbox::attempts.eq(mail_outbox::attempts + 1),
        ))
        .execute(tx.conn())?;
    diesel::update(
        tx.rows(mail_outbox::table)
            .filter(mail_outbox::id.eq(id))
            .filter(mail_outbox::secret.eq(true)),
    )
    .set(mail_outbox::body_text.eq(blanked))
    .execute(tx.conn())?;
    Ok(())
}

/// Records a failed attempt (the job plans the next one); `last`: it was the
/// last one, the message is marked failed for an agent to see.
pub fn mark_attempt_failed(
    tx: &mut TenantTx<'_>,
    mail: &OutgoingMail,
    error: &str,
    last: bool,
) -> Result<(), StoreError> {
    let attempts = mail.attempts + 1;
    let state = if last { "failed" } else { "pending" };
    diesel::update(
        tx.rows(mail_outbox::table)
            .filter(mail_outbox::id.eq(mail.id)),
    )
    .set((
        mail_outbox::state.eq(state),
        mail_outbox::attempts.eq(attempts),
        mail_outbox::last_error.eq(Some(error)),
    ))
    .execute(tx.conn())?;
    Ok(())
}

/// Deletes the messages sent before `before`; returns how many.
pub fn purge_sent(tx: &mut TenantTx<'_>, before: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        tx.rows(mail_outbox::table)
            .filter(mail_outbox::state.eq("sent"))
            .filter(mail_outbox::sent_at.le(before)),
    )
    .execute(tx.conn())?)
}
