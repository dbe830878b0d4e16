//! What each context registers with the machinery they share: the kinds of
//! job it runs and the kinds of attachment it draws for the mail worker. One
//! list, read by the server and the tests alike.

use std::sync::Arc;

use crate::files::FileStore;
use crate::jobs::Runner;
use crate::mail::smtp::SmtpSender;
use crate::mail::worker::Drawers;
use crate::payments::Provider;
use crate::sms::Gateway;
use crate::store::Store;

/// The adapters the jobs reach, as the server configured them; a job whose
/// adapter is absent is not run here (its jobs wait for a process that has it).
pub struct Wiring {
    /// The port of the links made for collectivités without a host name.
    pub port: u16,
    pub mail: Option<SmtpSender>,
    pub files: FileStore,
    pub sms: Option<Arc<dyn Gateway>>,
    pub payments: Option<Arc<dyn Provider>>,
}

impl Wiring {
    /// No adapter but the files: the timed upkeep runs, nothing is sent.
    pub fn new(port: u16, files: FileStore) -> Wiring {
        Wiring {
            port,
            mail: None,
            files,
            sms: None,
            payments: None,
        }
    }
}

/// Every kind of job with the context that runs it.
pub fn jobs(store: &Store, wiring: Wiring) -> Runner {
    let runner = Runner::new(store.clone());
    let runner = crate::jobs::register(runner);
    let runner = guichet_core::auth::rate::register(runner);
    let runner = crate::foyers::register(runner);
    let runner = wiring.files.clone().register(runner);
    let runner = crate::requests::register(runner, wiring.port);
    let runner = crate::casework::alerts::register(runner, wiring.port);
    let runner = crate::sms::register(runner, wiring.sms);
    let runner = crate::payments::online::register(runner, wiring.payments);
    crate::mail::worker::register(runner, wiring.mail, wiring.files, attachments())
}

/// Every attachment kind with the context that draws it.
pub fn attachments() -> Drawers {
    Drawers::default()
        .with("receipt", crate::requests::draw_receipt)
        .with("payment_receipt", crate::payments::online::draw_receipt)
        .with("courrier", crate::courriers::contact::draw_letter)
}

#[cfg(test)]
mod tests {
    use crate::mail::outbox::Attachment;

    #[test]
    fn every_attachment_kind_has_its_drawer() {
        let drawers = super::attachments();
        for attachment in [
            Attachment::Receipt { request: 1 },
            Attachment::Courrier {
                request: 1,
                action: 2,
            },
            Attachment::PaymentReceipt { payment: 1 },
        ] {
            assert!(drawers.draws(attachment.kind()), "{attachment:?}");
        }
    }
}
