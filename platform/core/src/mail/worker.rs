//! Delivery of the outbox, as jobs: "mail.send" sends one message, at least
//! once (a process that dies between sending and recording leaves the job to
//! run again when its lease ends); its `Message-ID` is the same at each
//! attempt, so that receivers can drop a duplicate. "mail.purge" deletes sent
//! messages after the retention period.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;

use super::outbox;
use super::smtp::{Mail, SmtpSender};
use crate::files::FileStore;
use crate::jobs::{until_recorded, Job, JobError, Runner, Stopping};
use crate::store::Store;
use crate::tenancy::{self, TenantId, TenantState};

/// Sent messages are kept this long, then deleted.
pub const RETENTION_DAYS: i64 = 90;

/// A suspended collectivité's messages wait this long before another look.
const SUSPENDED_WAIT: Duration = Duration::from_secs(3600);

pub fn send(
    store: &Store,
    sender: &SmtpSender,
    files: &FileStore,
    drawers: &Drawers,
    stop: &Stopping,
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
            vec![drawers.draw(store, files, tenant, &attachment)?]
        }
    };
    let html = super::html::from_text(&mail.body_text);
    let message = Mail {
        recipient: &mail.recipient,
        subject: &mail.subject,
        body_text: &mail.body_text,
        body_html: &html,
    };
    match sender.send(message, &message_id, &files) {
        // Accepted: recorded whatever the database does meanwhile, or the
        // next attempt would send it again.
        Ok(()) => {
            until_recorded(stop, "courriel envoyé", || {
                store.write(tenant, |tx| outbox::mark_sent(tx, mail.id))
            })?;
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

/// Draws an attachment's file at sending time, from what its context holds
/// then (a request's receipt, a payment's, a courrier).
pub type Draw =
    fn(&Store, &FileStore, TenantId, &outbox::Attachment) -> Result<outbox::File, JobError>;

/// The drawers of every attachment kind, registered by the contexts that own
/// them (see `crate::registry`), so that the mail worker calls up into none.
#[derive(Clone, Default)]
pub struct Drawers(HashMap<&'static str, Draw>);

impl Drawers {
    pub fn with(mut self, kind: &'static str, draw: Draw) -> Drawers {
        self.0.insert(kind, draw);
        self
    }

    /// Whether `kind` has its drawer.
    pub fn draws(&self, kind: &str) -> bool {
        self.0.contains_key(kind)
    }

    fn draw(
        &self,
        store: &Store,
        files: &FileStore,
        tenant: TenantId,
        attachment: &outbox::Attachment,
    ) -> Result<outbox::File, JobError> {
        let draw = self.0.get(attachment.kind()).ok_or_else(|| {
            JobError::Fail(format!(
                "pièce jointe « {} » sans dessin",
                attachment.kind()
            ))
        })?;
        draw(store, files, tenant, attachment)
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
/// what the attachments draw, `drawers` draw them) and the purge.
pub fn register(
    runner: Runner,
    sender: Option<SmtpSender>,
    files: FileStore,
    drawers: Drawers,
) -> Runner {
    let runner = runner.every(
        "mail.purge",
        Duration::from_secs(24 * 3600),
        |s: &Store, _: &Job| purge(s),
    );
    match sender {
        Some(sender) => {
            let stop = runner.stopping();
            runner.handle(outbox::SEND, move |s: &Store, j: &Job| {
                send(s, &sender, &files, &drawers, &stop, j)
            })
        }
        None => runner,
    }
}
