//! The outbox of a collectivité: each message is written in the transaction
//! of the change that causes it, with the job that will deliver it
//! ("mail.send", see [`super::worker`]).

use super::template::{self, Email};
use crate::jobs;
use crate::store::repo::mail as rows;
use crate::store::{StoreError, TenantTx};

pub use rows::{get, mark_attempt_failed, purge_sent, unsent, OutgoingMail};

/// After this many failed attempts a message is marked failed for an agent to see.
pub const MAX_ATTEMPTS: i32 = 8;

/// The job kind that delivers a message.
pub const SEND: &str = "mail.send";

/// A file joined to a message, made when it is sent (so that the outbox
/// holds no copy of it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Attachment {
    /// The receipt of a request, as sent.
    Receipt { request: i64 },
    /// A courrier sent to the requester (a contact of the request's history).
    Courrier { request: i64, action: i64 },
    /// The receipt of a validated payment.
    PaymentReceipt { payment: i64 },
}

impl Attachment {
    /// The kind's name, as stored and as drawers register it.
    pub fn kind(&self) -> &'static str {
        match self {
            Attachment::Receipt { .. } => "receipt",
            Attachment::Courrier { .. } => "courrier",
            Attachment::PaymentReceipt { .. } => "payment_receipt",
        }
    }
}

/// An attached file, as the contexts draw it for the worker.
pub use super::smtp::File;

/// Joins `attachment` to a queued message, in the caller's transaction.
pub fn attach(
    tx: &mut TenantTx<'_>,
    mail: i64,
    attachment: &Attachment,
) -> Result<(), OutboxError> {
    let json = serde_json::to_string(attachment).expect("an attachment serialises");
    rows::set_attachment(tx, mail, &json)?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("adresse électronique invalide : « {0} »")]
    Recipient(String),
    #[error("le sujet d’un courriel ne peut être vide ni contenir de retour à la ligne")]
    Subject,
    /// A template that does not fit its values: a fault of the platform.
    #[error("modèle de courriel : {0}")]
    Template(String),
    #[error(transparent)]
    Store(#[from] StoreError),
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

/// Writes `email` with its template and queues it to `recipient`, in the
/// caller's transaction.
pub fn send<E: Email>(
    tx: &mut TenantTx<'_>,
    recipient: &str,
    email: &E,
) -> Result<i64, OutboxError> {
    let written = template::write(email).map_err(OutboxError::Template)?;
    enqueue(tx, recipient, &written.subject, &written.body)
}

/// [`send`] for a message that carries a secret (a link to set a password,
/// to follow a request): its body is blanked once sent, so that the
/// database keeps no usable link.
pub fn send_secret<E: Email>(
    tx: &mut TenantTx<'_>,
    recipient: &str,
    email: &E,
) -> Result<i64, OutboxError> {
    let written = template::write(email).map_err(OutboxError::Template)?;
    insert(tx, recipient, &written.subject, &written.body, true)
}

/// Queues a message already written, in the caller's transaction (the
/// contexts write theirs with [`send`]).
pub fn enqueue(
    tx: &mut TenantTx<'_>,
    recipient: &str,
    subject: &str,
    body: &str,
) -> Result<i64, OutboxError> {
    insert(tx, recipient, subject, body, false)
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
    let id = rows::insert(tx, recipient, subject, body, secret)?;
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
    tracing::info!(tenant = %tx.tenant(), mail_id = id, "courriel mis en file d’envoi");
    Ok(id)
}

/// Marks a message sent; a secret link is not kept once it has left.
pub fn mark_sent(tx: &mut TenantTx<'_>, id: i64) -> Result<(), StoreError> {
    rows::mark_sent(tx, id, SECRET_SENT)
}

/// What a sent secret message's body becomes.
pub const SECRET_SENT: &str = "(contenu effacé après l’envoi : il contenait un lien personnel)";

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
