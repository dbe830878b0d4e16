//! Brevo's transactional SMS API (`POST /v3/transactionalSMS/sms`, JSON, the
//! key in the `api-key` header), a gateway French collectivités commonly use.

use std::time::Duration;

use serde::Deserialize;

/// The platform's gateway settings (`GUICHET_SMS_*`).
#[derive(Clone)]
pub struct SmsConfig {
    pub url: url::Url,
    pub api_key: String,
    /// The sender's name households see (3 to 11 letters and digits).
    pub sender: String,
}

impl std::fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsConfig")
            .field("url", &self.url.as_str())
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

pub const DEFAULT_URL: &str = "https://api.brevo.com/v3/transactionalSMS/sms";

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The gateway is unreachable or failing: try again later.
    Unavailable(String),
    /// The gateway refused this message (a number it does not take…).
    Refused(String),
}

/// Brevo's transactional SMS API.
pub struct Brevo {
    config: SmsConfig,
    http: crate::http::Client,
}

impl Brevo {
    pub fn new(config: SmsConfig) -> Brevo {
        Brevo {
            config,
            http: crate::http::Client::new(Duration::from_secs(5), Duration::from_secs(20)),
        }
    }
}

#[derive(Deserialize)]
struct Accepted {
    #[serde(rename = "messageId")]
    message_id: serde_json::Value,
}

impl Brevo {
    /// Sends `text` to `recipient` (international form); answers the
    /// gateway's reference of the message.
    pub fn send(&self, recipient: &str, text: &str, tag: &str) -> Result<String, SendError> {
        let body = serde_json::json!({
            "type": "transactional",
            "unicodeEnabled": true,
            "sender": self.config.sender,
            "recipient": recipient,
            "content": text,
            "tag": tag,
        });
        let answer = self
            .http
            .post(
                self.config.url.as_str(),
                &[
                    ("api-key", &self.config.api_key),
                    ("accept", "application/json"),
                    ("content-type", "application/json"),
                ],
                body.to_string(),
            )
            .map_err(|e| SendError::Unavailable(format!("passerelle SMS : {e}")))?;
        if answer.is_success() {
            let accepted: Accepted = serde_json::from_str(&answer.body)
                .map_err(|e| SendError::Unavailable(format!("réponse illisible : {e}")))?;
            return Ok(match accepted.message_id {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            });
        }
        // 4xx but throttling: this message as sent will never pass.
        let message = format!("passerelle SMS : {} {}", answer.status, answer.body.trim());
        if answer.status == 429 || answer.status >= 500 {
            Err(SendError::Unavailable(message))
        } else {
            Err(SendError::Refused(message))
        }
    }
}
