//! Delivery over SMTP (lettre): `smtp://host:port` in clear on a trusted
//! network, `smtp://…?tls=required` for STARTTLS, `smtps://` for TLS.

use std::time::Duration;

use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart};
use lettre::{Message, SmtpTransport, Transport};

/// A file attached to a message.
#[derive(Debug, Clone)]
pub struct File {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What a message says, to whom.
#[derive(Debug, Clone, Copy)]
pub struct Mail<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    /// The same words in HTML, sent as the text's alternative.
    pub body_html: &'a str,
}

pub struct SmtpSender {
    transport: SmtpTransport,
    from: Mailbox,
}

impl SmtpSender {
    pub fn new(url: &url::Url, from: &str) -> Result<SmtpSender, String> {
        let transport = SmtpTransport::from_url(url.as_str())
            .map_err(|e| format!("GUICHET_SMTP_URL : {e}"))?
            .timeout(Some(Duration::from_secs(15)))
            .build();
        let from = from
            .parse()
            .map_err(|e| format!("GUICHET_SMTP_FROM « {from} » : {e}"))?;
        Ok(SmtpSender { transport, from })
    }

    /// Sends `mail` with `Message-ID: <{id}@{sender's domain}>`: the same id at
    /// each attempt, so that a message sent twice can be recognised.
    pub fn send(&self, mail: Mail<'_>, id: &str, files: &[File]) -> Result<(), String> {
        let to: Mailbox = mail
            .recipient
            .parse()
            .map_err(|e| format!("destinataire « {} » : {e}", mail.recipient))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .message_id(Some(format!("<{id}@{}>", self.from.email.domain())));
        let words =
            MultiPart::alternative_plain_html(mail.body_text.to_owned(), mail.body_html.to_owned());
        let message = if files.is_empty() {
            builder.multipart(words)
        } else {
            let mut parts = MultiPart::mixed().multipart(words);
            for f in files {
                let kind =
                    ContentType::parse(&f.content_type).map_err(|e| format!("type : {e}"))?;
                parts = parts
                    .singlepart(Attachment::new(f.filename.clone()).body(f.bytes.clone(), kind));
            }
            builder.multipart(parts)
        }
        .map_err(|e| format!("message : {e}"))?;
        self.transport
            .send(&message)
            .map(drop)
            .map_err(|e| format!("SMTP : {e}"))
    }
}
