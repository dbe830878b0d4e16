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
    agent: ureq::Agent,
}

impl Brevo {
    pub fn new(config: SmsConfig) -> Brevo {
        Brevo {
            config,
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(20))
                .build(),
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
        match self
            .agent
            .post(self.config.url.as_str())
            .set("api-key", &self.config.api_key)
            .set("accept", "application/json")
            .send_json(body)
        {
            Ok(response) => {
                let accepted: Accepted = response
                    .into_json()
                    .map_err(|e| SendError::Unavailable(format!("réponse illisible : {e}")))?;
                Ok(match accepted.message_id {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                })
            }
            // 4xx but throttling: this message as sent will never pass.
            Err(ureq::Error::Status(status, response)) => {
                let detail = response.into_string().unwrap_or_default();
                let message = format!("passerelle SMS : {status} {}", detail.trim());
                if status == 429 || status >= 500 {
                    Err(SendError::Unavailable(message))
                } else {
                    Err(SendError::Refused(message))
                }
            }
            Err(e) => Err(SendError::Unavailable(format!("passerelle SMS : {e}"))),
        }
    }
}
