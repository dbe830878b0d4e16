//! The outbox worker: claims due messages of every active collectivité, sends
//! them, records the outcome. At least once: a message whose sending was cut
//! short is sent again when its claim lapses.

use std::time::Duration;

use chrono::NaiveDateTime;

use super::outbox;
use super::smtp::SmtpSender;
use crate::store::{Store, StoreError};
use crate::tenancy::{self, TenantState};

/// Messages taken at once from one collectivité's outbox.
const BATCH: i64 = 50;

/// One pass over every active collectivité; returns the number of messages sent.
pub fn deliver_due(
    store: &Store,
    sender: &SmtpSender,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    let tenants = store.platform_read(tenancy::list)?;
    let mut sent = 0;
    for tenant in tenants.iter().filter(|t| t.state == TenantState::Active) {
        let claimed = store.write(tenant.id, |tx| outbox::claim_due(tx, now, BATCH))?;
        for mail in claimed {
            let outcome = sender.send(&mail);
            store.write(tenant.id, |tx| match &outcome {
                Ok(()) => outbox::mark_sent(tx, mail.id),
                Err(e) => outbox::mark_attempt_failed(tx, &mail, e),
            })?;
            match outcome {
                Ok(()) => sent += 1,
                Err(e) => {
                    tracing::warn!(tenant = %tenant.slug, mail_id = mail.id, error = %e, "envoi de courriel en échec, nouvel essai plus tard")
                }
            }
        }
    }
    Ok(sent)
}

/// Runs [`deliver_due`] every few seconds on its own thread, for the life of the process.
pub fn spawn(store: Store, sender: SmtpSender) {
    std::thread::Builder::new()
        .name("outbox".into())
        .spawn(move || loop {
            match deliver_due(&store, &sender, chrono::Utc::now().naive_utc()) {
                Ok(0) => {}
                Ok(n) => tracing::info!(sent = n, "courriels envoyés"),
                Err(e) => tracing::warn!(error = %e, "file d’envoi des courriels inaccessible"),
            }
            std::thread::sleep(Duration::from_secs(5));
        })
        .expect("the outbox thread starts");
}
