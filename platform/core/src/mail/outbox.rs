//! The outbox table of a collectivité.

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::store::schema::mail_outbox;
use crate::store::{StoreError, TenantTx};

/// After this many failed attempts a message is marked failed for an agent to see.
pub const MAX_ATTEMPTS: i32 = 8;

#[derive(Debug, Clone, Queryable)]
pub struct OutgoingMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: NaiveDateTime,
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("adresse électronique invalide : « {0} »")]
    Recipient(String),
    #[error("le sujet d’un courriel ne peut être vide ni contenir de retour à la ligne")]
    Subject,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for OutboxError {
    fn from(e: diesel::result::Error) -> Self {
        OutboxError::Store(e.into())
    }
}

/// A plausible single address: one `@`, no spaces, no header injection.
pub fn is_plausible_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')
        })
        && !domain.contains('@')
        && address.len() <= 254
}

/// Queues a message, in the caller's transaction.
pub fn enqueue(
    tx: &mut TenantTx<'_>,
    recipient: &str,
    subject: &str,
    body: &str,
) -> Result<i64, OutboxError> {
    if !is_plausible_address(recipient) {
        return Err(OutboxError::Recipient(recipient.to_owned()));
    }
    if subject.trim().is_empty() || subject.contains(['\r', '\n']) {
        return Err(OutboxError::Subject);
    }
    let id = tx.next_value("mail_outbox")?;
    let tenant = tx.tenant_key();
    let now = Utc::now().naive_utc();
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::tenant_id.eq(tenant),
            mail_outbox::id.eq(id),
            mail_outbox::recipient.eq(recipient),
            mail_outbox::subject.eq(subject),
            mail_outbox::body_text.eq(body),
            mail_outbox::state.eq("pending"),
            mail_outbox::attempts.eq(0),
            mail_outbox::next_attempt_at.eq(now),
            mail_outbox::created_at.eq(now),
        ))
        .execute(tx.conn())?;
    tracing::info!(tenant = %tenant, mail_id = id, %recipient, %subject, "courriel mis en file d’envoi");
    Ok(id)
}

const COLUMNS: (
    mail_outbox::id,
    mail_outbox::recipient,
    mail_outbox::subject,
    mail_outbox::body_text,
    mail_outbox::state,
    mail_outbox::attempts,
    mail_outbox::last_error,
    mail_outbox::next_attempt_at,
) = (
    mail_outbox::id,
    mail_outbox::recipient,
    mail_outbox::subject,
    mail_outbox::body_text,
    mail_outbox::state,
    mail_outbox::attempts,
    mail_outbox::last_error,
    mail_outbox::next_attempt_at,
);

/// Messages not sent yet (pending or failed), oldest first.
pub fn unsent(tx: &mut TenantTx<'_>, limit: i64) -> Result<Vec<OutgoingMail>, StoreError> {
    let tenant = tx.tenant_key();
    Ok(mail_outbox::table
        .filter(mail_outbox::tenant_id.eq(tenant))
        .filter(mail_outbox::state.ne("sent"))
        .select(COLUMNS)
        .order(mail_outbox::id)
        .limit(limit)
        .load(tx.conn())?)
}

/// How long a claimed message is left to its sender before another may retry it.
const CLAIM: Duration = Duration::minutes(10);

/// Takes the due messages for sending: each one's next attempt is pushed past
/// the claim period, and only the messages this claim updated are returned, so
/// that two workers never send the same message at the same time.
pub fn claim_due(
    tx: &mut TenantTx<'_>,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OutgoingMail>, StoreError> {
    let tenant = tx.tenant_key();
    let due: Vec<OutgoingMail> = mail_outbox::table
        .filter(mail_outbox::tenant_id.eq(tenant))
        .filter(mail_outbox::state.eq("pending"))
        .filter(mail_outbox::next_attempt_at.le(now))
        .select(COLUMNS)
        .order(mail_outbox::id)
        .limit(limit)
        .load(tx.conn())?;
    let mut claimed = Vec::with_capacity(due.len());
    for mail in due {
        let updated = diesel::update(
            mail_outbox::table
                .filter(mail_outbox::tenant_id.eq(tenant))
                .filter(mail_outbox::id.eq(mail.id))
                .filter(mail_outbox::next_attempt_at.eq(mail.next_attempt_at)),
        )
        .set(mail_outbox::next_attempt_at.eq(now + CLAIM))
        .execute(tx.conn())?;
        if updated == 1 {
            claimed.push(mail);
        }
    }
    Ok(claimed)
}

pub fn get(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<OutgoingMail>, StoreError> {
    let tenant = tx.tenant_key();
    Ok(mail_outbox::table
        .filter(mail_outbox::tenant_id.eq(tenant))
        .filter(mail_outbox::id.eq(id))
        .select(COLUMNS)
        .first(tx.conn())
        .optional()?)
}

pub fn mark_sent(tx: &mut TenantTx<'_>, id: i64) -> Result<(), StoreError> {
    let tenant = tx.tenant_key();
    diesel::update(
        mail_outbox::table
            .filter(mail_outbox::tenant_id.eq(tenant))
            .filter(mail_outbox::id.eq(id)),
    )
    .set((
        mail_outbox::state.eq("sent"),
        mail_outbox::sent_at.eq(Some(Utc::now().naive_utc())),
        mail_outbox::attempts.eq(mail_outbox::attempts + 1),
    ))
    .execute(tx.conn())?;
    Ok(())
}

/// Records a failed attempt; the next one waits longer each time (1, 2, 4… minutes),
/// counted from the attempt.
pub fn mark_attempt_failed(
    tx: &mut TenantTx<'_>,
    mail: &OutgoingMail,
    error: &str,
) -> Result<(), StoreError> {
    let tenant = tx.tenant_key();
    let attempts = mail.attempts + 1;
    let state = if attempts >= MAX_ATTEMPTS {
        "failed"
    } else {
        "pending"
    };
    let wait = Duration::minutes(1i64 << (attempts - 1).clamp(0, 10));
    diesel::update(
        mail_outbox::table
            .filter(mail_outbox::tenant_id.eq(tenant))
            .filter(mail_outbox::id.eq(mail.id)),
    )
    .set((
        mail_outbox::state.eq(state),
        mail_outbox::attempts.eq(attempts),
        mail_outbox::last_error.eq(Some(error)),
        mail_outbox::next_attempt_at.eq(Utc::now().naive_utc() + wait),
    ))
    .execute(tx.conn())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_plausible_address;

    #[test]
    fn addresses() {
        assert!(is_plausible_address("marie.dupont@exemple.fr"));
        for bad in [
            "",
            "a",
            "a@b",
            "@b.fr",
            "a@.fr",
            "a b@c.fr",
            "a@b.fr\r\nBcc: x@y.fr",
            "a@b@c.fr",
            "a@b.fr,c@d.fr",
        ] {
            assert!(!is_plausible_address(bad), "{bad}");
        }
    }
}
