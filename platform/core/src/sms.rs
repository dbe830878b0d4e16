//! Text messages to households. Like e-mail, each message is written in the
//! transaction of the contact that sends it, with the job that delivers it
//! ("sms.send"), retried with a growing wait while the gateway is down.
//!
//! The gateway is a trait this module owns; the one protocol implemented is
//! Brevo's transactional SMS API (`guichet_adapters::sms`).

use std::time::Duration;

pub use guichet_adapters::sms::{Brevo, SendError, SmsConfig, DEFAULT_URL};

use crate::jobs::{self, Job, JobError, Runner};
use crate::store::repo::courriers as rows;
use crate::store::{Store, TenantTx};
use crate::tenancy::{self, TenantState};

/// The job kind that delivers a message.
pub const SEND: &str = "sms.send";
/// The longest text sent (three concatenated messages' worth, at most).
pub const MAX_TEXT: usize = 480;
const MAX_ATTEMPTS: i32 = 8;

/// Something that sends a text message and answers the gateway's reference.
pub trait Gateway: Send + Sync {
    fn send(&self, recipient: &str, text: &str, tag: &str) -> Result<String, SendError>;
}

impl Gateway for Brevo {
    fn send(&self, recipient: &str, text: &str, tag: &str) -> Result<String, SendError> {
        Brevo::send(self, recipient, text, tag)
    }
}

/// A French mobile number as a gateway takes it (`33612345678`); `None`
/// when the number is not a mobile one.
pub fn international(number: &str) -> Option<String> {
    let digits: String = number
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    let national = if let Some(rest) = digits.strip_prefix("+33") {
        format!("0{rest}")
    } else if let Some(rest) = digits.strip_prefix("0033") {
        format!("0{rest}")
    } else {
        digits
    };
    let mobile = national.len() == 10
        && (national.starts_with("06") || national.starts_with("07"))
        && national.chars().all(|c| c.is_ascii_digit());
    mobile.then(|| format!("33{}", &national[1..]))
}

/// Queues a message, in the caller's transaction.
pub fn enqueue(
    tx: &mut TenantTx<'_>,
    request: Option<i64>,
    recipient: &str,
    text: &str,
) -> Result<i64, crate::Error> {
    let id = rows::insert_sms(tx, request, recipient, text)?;
    let tenant = tx.tenant();
    jobs::enqueue(
        tx.conn(),
        jobs::NewJob {
            max_attempts: MAX_ATTEMPTS,
            ..jobs::NewJob::now(SEND, Some(tenant), serde_json::json!({ "sms_id": id }))
        },
    )?;
    tracing::info!(tenant = %tx.tenant(), sms_id = id, "SMS mis en file d’envoi");
    Ok(id)
}

fn send(store: &Store, gateway: &dyn Gateway, job: &Job) -> Result<(), JobError> {
    let tenant = job
        .tenant
        .ok_or_else(|| JobError::Fail("SMS sans collectivité".into()))?;
    let id = job
        .payload
        .get("sms_id")
        .and_then(|v| v.as_i64())
        .ok_or_else(|| JobError::Fail("SMS sans identifiant".into()))?;
    match store.platform_read(|c| tenancy::state_of(c, tenant))? {
        None => return Err(JobError::Fail("collectivité supprimée".into())),
        Some(TenantState::Suspended) => return Err(JobError::Postpone(Duration::from_secs(3600))),
        Some(TenantState::Active) => {}
    }
    let Some(sms) = store.read(tenant, |tx| rows::sms(tx, id))? else {
        return Err(JobError::Fail(format!("SMS {id} introuvable")));
    };
    if sms.state != "pending" {
        return Ok(());
    }
    match gateway.send(
        &sms.recipient,
        &sms.body,
        &format!("guichet-{}", tenant.get()),
    ) {
        Ok(reference) => {
            store.write(tenant, |tx| rows::sms_sent(tx, id, &reference))?;
            Ok(())
        }
        Err(SendError::Unavailable(e)) => {
            let last = job.is_last_attempt();
            store.write(tenant, |tx| rows::sms_failed(tx, id, &e, last))?;
            Err(JobError::Retry(e))
        }
        Err(SendError::Refused(e)) => {
            store.write(tenant, |tx| rows::sms_failed(tx, id, &e, true))?;
            Err(JobError::Fail(e))
        }
    }
}

/// The runner's SMS job, when a gateway is configured.
pub fn register(runner: Runner, gateway: Option<std::sync::Arc<dyn Gateway>>) -> Runner {
    match gateway {
        Some(g) => runner.handle(SEND, move |s: &Store, j: &Job| send(s, g.as_ref(), j)),
        None => runner,
    }
}

#[cfg(test)]
mod tests {
    use super::international;

    #[test]
    fn mobile_numbers_in_international_form() {
        assert_eq!(
            international("06 12 34 56 78").as_deref(),
            Some("33612345678")
        );
        assert_eq!(
            international("+33 7 12 34 56 78").as_deref(),
            Some("33712345678")
        );
        assert_eq!(
            international("0033612345678").as_deref(),
            Some("33612345678")
        );
        assert_eq!(international("01 23 45 67 89"), None);
        assert_eq!(international("06 12"), None);
    }
}
