//! The outbox of a collectivité: each message is written in the transaction
//! of the change that causes it, with the job that will deliver it
//! ("mail.send", see [`super::worker`]).

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::jobs;
use crate::store::schema::mail_outbox;
use crate::store::{StoreError, TenantTx};

/// After this many failed attempts a message is marked failed for an agent to see.
pub const MAX_ATTEMPTS: i32 = 8;

/// The job kind that delivers a message.
pub const SEND: &str = "mail.send";

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
    pub attachment_json: Option<String>,
}

/// A file joined to a message, made when it is sent (so that the outbox
/// holds no copy of it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Attachment {
    /// The receipt of a request, as sent.
    Receipt { request: i64 },
}

/// Joins `attachment` to a queued message, in the caller's transaction.
pub fn attach(
    tx: &mut TenantTx<'_>,
    mail: i64,
    attachment: &Attachment,
) -> Result<(), OutboxError> {
    let tenant = tx.tenant_key();
    let json = serde_json::to_string(attachment).expect("an attachment serialises");
    diesel::update(
        mail_outbox::table
            .filter(mail_outbox::tenant_id.eq(tenant))
            .filter(mail_outbox::id.eq(mail)),
    )
    .set(mail_outbox::attachment_json.eq(Some(json)))
    .execute(tx.conn())?;
    Ok(())
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
    insert(tx, recipient, subject, body, false)
}

/// Queues a message that carries a secret (a link to set a password): its
/// body is blanked once sent, so that the database keeps no usable link.
pub fn enqueue_secret(
    tx: &mut TenantTx<'_>,
    recipient: &str,
    subject: &str,
    body: &str,
) -> Result<i64, OutboxError> {
    insert(tx, recipient, subject, body, true)
}

fn insert(
    tx: &mut TenantTx<'_>,
    recipient: &str,
    subject: &str,
    body: &str,
    secret: bool,
) -> Result<i64, OutboxError> {
    if !is_plausible_address(recipient) {
        return Err(OutboxError::Recipient(recipient.to_owned()));
    }
    if subject.trim().is_empty() || subject.contains(['\r', '\n']) {
        return Err(OutboxError::Subject);
    }
    let id = tx.next_id()?;
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
            mail_outbox::created_at.eq(now),
            mail_outbox::secret.eq(secret),
        ))
        .execute(tx.conn())?;
    let job = jobs::NewJob {
        max_attempts: MAX_ATTEMPTS,
        ..jobs::NewJob::now(
            SEND,
            Some(tx.tenant()),
            serde_json::json!({ "mail_id": id }),
        )
    };
    jobs::enqueue(tx.conn(), job)?;
    // Ids only: addresses and subjects are personal data, kept out of the logs.
    tracing::info!(tenant = %tenant, mail_id = id, "courriel mis en file d’envoi");
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
    // A secret link is not kept once it has left.
    diesel::update(
        mail_outbox::table
            .filter(mail_outbox::tenant_id.eq(tenant))
            .filter(mail_outbox::id.eq(id))
            .filter(mail_outbox::secret.eq(true)),
    )
    .set(mail_outbox::body_text.eq(SECRET_SENT))
    .execute(tx.conn())?;
    Ok(())
}

/// What a sent secret message's body becomes.
pub const SECRET_SENT: &str = "(contenu effacé après l’envoi : il contenait un lien personnel)";

/// Deletes the messages sent before `before`; returns how many.
pub fn purge_sent(tx: &mut TenantTx<'_>, before: NaiveDateTime) -> Result<usize, StoreError> {
    let tenant = tx.tenant_key();
    Ok(diesel::delete(
        mail_outbox::table
            .filter(mail_outbox::tenant_id.eq(tenant))
            .filter(mail_outbox::state.eq("sent"))
            .filter(mail_outbox::sent_at.le(before)),
    )
    .execute(tx.conn())?)
}

/// Records a failed attempt (the job plans the next one); `last`: it was the
/// last one, the message is marked failed for an agent to see.
pub fn mark_attempt_failed(
    tx: &mut TenantTx<'_>,
    mail: &OutgoingMail,
    error: &str,
    last: bool,
) -> Result<(), StoreError> {
    let tenant = tx.tenant_key();
    let attempts = mail.attempts + 1;
    let state = if last { "failed" } else { "pending" };
    diesel::update(
        mail_outbox::table
            .filter(mail_outbox::tenant_id.eq(tenant))
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
