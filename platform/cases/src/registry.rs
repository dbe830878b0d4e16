//! What each context registers with the machinery they share: the kinds of
//! attachment it draws for the mail worker. One list, read by the server and
//! the tests alike.

use crate::mail::worker::Drawers;

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
