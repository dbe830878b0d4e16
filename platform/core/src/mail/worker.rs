//! Delivery of the outbox, as jobs: "mail.send" sends one message, at least
//! once (a process that dies between sending and recording leaves the job to
//! run again when its lease ends); its `Message-ID` is the same at each
//! attempt, so that receivers can drop a duplicate. "mail.purge" deletes sent
//! messages after the retention period.

use std::time::Duration;

use chrono::Utc;

use super::outbox;
use super::smtp::{File, SmtpSender};
use crate::files::{FileStore, Limits};
use crate::jobs::{Job, JobError, Runner};
use crate::store::Store;
use crate::tenancy::{self, TenantState};

/// Sent messages are kept this long, then deleted.
pub const RETENTION_DAYS: i64 = 90;

/// A suspended collectivité's messages wait this long before another look.
const SUSPENDED_WAIT: Duration = Duration::from_secs(3600);

pub fn send(
    store: &Store,
    sender: &SmtpSender,
    files: &FileStore,
    job: &Job,
) -> Result<(), JobError> {
    let (Some(tenant), Some(mail_id)) = (job.tenant, job.payload["mail_id"].as_i64()) else {
        return Err(JobError::Fail(
            "tâche d’envoi sans collectivité ni message".into(),
        ));
    };
    let state = store.platform_read(|c| tenancy::state_of(c, tenant))?;
    match state {
        None => return Err(JobError::Fail("collectivité supprimée".into())),
        Some(TenantState::Suspended) => return Err(JobError::Postpone(SUSPENDED_WAIT)),
        Some(TenantState::Active) => {}
    }
    let Some(mail) = store.read(tenant, |tx| outbox::get(tx, mail_id))? else {
        return Err(JobError::Fail(format!("courriel {mail_id} introuvable")));
    };
    if mail.state != "pending" {
        return Ok(());
    }
    let message_id = format!("mail-{}-{}", tenant.get(), mail.id);
    let files = match &mail.attachment_json {
        None => Vec::new(),
        Some(json) => {
            let attachment: outbox::Attachment = serde_json::from_str(json)
                .map_err(|e| JobError::Fail(format!("pièce jointe illisible : {e}")))?;
            vec![attachment_file(store, files, tenant, &attachment)?]
        }
    };
    match sender.send(&mail, &message_id, &files) {
        Ok(()) => {
            store.write(tenant, |tx| outbox::mark_sent(tx, mail.id))?;
            Ok(())
        }
        Err(e) => {
            let last = job.is_last_attempt();
            store.write(tenant, |tx| {
                outbox::mark_attempt_failed(tx, &mail, &e, last)
            })?;
            Err(JobError::Retry(e))
        }
    }
}

/// Makes an attachment's file, as it is at sending time.
fn attachment_file(
    store: &Store,
    files: &FileStore,
    tenant: crate::tenancy::TenantId,
    attachment: &outbox::Attachment,
) -> Result<File, JobError> {
    match attachment {
        outbox::Attachment::Receipt { request } => {
            let site = store
                .platform_read(|c| tenancy::name_of(c, tenant))?
                .unwrap_or_default();
            let receipt = store
                .read(tenant, |tx| crate::requests::receipt(tx, None, *request))
                .map_err(|e| JobError::Fail(format!("reçu de la demande {request} : {e}")))?;
            Ok(File {
                filename: format!("Recu_Demande_{}.pdf", receipt.number),
                content_type: "application/pdf".into(),
                bytes: receipt.document(&site).render(),
            })
        }
        outbox::Attachment::PaymentReceipt { payment } => {
            let (reference, document) = store
                .read(tenant, |tx| {
                    crate::payments::online::receipt(tx, None, *payment)
                })
                .map_err(|e| JobError::Fail(format!("reçu du paiement {payment} : {e}")))?;
            Ok(File {
                filename: format!("Recu_Paiement_{reference}.pdf"),
                content_type: "application/pdf".into(),
                bytes: document.render(),
            })
        }
        outbox::Attachment::Courrier { request, action } => {
            use crate::courriers::{self, contact};
            let (letter, logo) = store
                .read(tenant, |tx| {
                    let letter = contact::sent(tx, None, *request, *action)?
                        .letter
                        .ok_or(crate::Error::NotFound)?;
                    let logo = courriers::logo_key(tx, &letter)?;
                    Ok::<_, crate::Error>((letter, logo))
                })
                .map_err(|e| JobError::Fail(format!("courrier de la demande {request} : {e}")))?;
            // The logo the letter was written with; the store down is waited for.
            let logo = courriers::drawn_logo(
                logo.map(|key| files.read_blocking(&key, Limits::LOGOS.max_bytes)),
            )
            .map_err(|e| JobError::Retry(e.to_string()))?;
            Ok(File {
                filename: courriers::filename(&letter),
                content_type: "application/pdf".into(),
                bytes: courriers::document(&letter, logo).render(),
            })
        }
    }
}

/// Deletes, collectivité by collectivité, the messages sent more than
/// [`RETENTION_DAYS`] ago (a daily job: its work follows the number of
/// collectivités, the runner's ticks do not).
pub fn purge(store: &Store) -> Result<(), JobError> {
    let before = Utc::now().naive_utc() - chrono::Duration::days(RETENTION_DAYS);
    for tenant in store.platform_read(tenancy::ids)? {
        let n = store.write(tenant, |tx| outbox::purge_sent(tx, before))?;
        if n > 0 {
            tracing::info!(tenant = %tenant, purged = n, "courriels envoyés supprimés");
        }
    }
    Ok(())
}

/// The runner's mail jobs: sending (when SMTP is configured; `files` holds
/// what the attachments draw) and the purge.
pub fn register(runner: Runner, sender: Option<SmtpSender>, files: FileStore) -> Runner {
    let runner = runner.every(
        "mail.purge",
        Duration::from_secs(24 * 3600),
        |s: &Store, _: &Job| purge(s),
    );
    match sender {
        Some(sender) => runner.handle(outbox::SEND, move |s: &Store, j: &Job| {
            send(s, &sender, &files, j)
        }),
        None => runner,
    }
}
