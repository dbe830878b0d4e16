//! Online payment: a provider is a trait (start a payment, read what became
//! of it); PayFiP's web service is the one implemented (`payfip`). What a
//! payment settles, and when, is decided here from the provider's answer to
//! a detail call alone — never from a notification or a browser's return,
//! which only say « ask now ».

pub mod billing;
pub mod fees;
pub mod online;
pub mod payfip;
pub mod regies;
pub mod tracking;

use chrono::NaiveDateTime;

use crate::domain::payments::{Outcome, RegieMode};

/// What a payment asks of the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRequest {
    pub numcli: String,
    pub mode: RegieMode,
    /// The financial year (PayFiP's `exer`).
    pub exer: i32,
    /// Our reference of the payment (6–30 letters and digits).
    pub refdet: String,
    pub amount_cents: i64,
    /// The payer's e-mail address (the provider sends its receipt there).
    pub mel: String,
    pub objet: String,
    /// Where the provider tells us, server to server.
    pub notify_url: String,
    /// Where the payer's browser comes back.
    pub return_url: String,
}

/// A payment opened at the provider: its reference there and the page to
/// send the payer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub provider_ref: String,
    pub url: String,
}

/// What the provider says of a payment, with what it sent (kept).
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub outcome: Outcome,
    /// The reference and amount it paid, checked against ours.
    pub refdet: String,
    pub amount_cents: Option<i64>,
    pub data: serde_json::Value,
}

impl Detail {
    fn bare(outcome: Outcome, data: serde_json::Value) -> Detail {
        Detail {
            outcome,
            refdet: String::new(),
            amount_cents: None,
            data,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderError {
    /// Unreachable or failing: try again later.
    Unavailable(String),
    /// The provider refused the call (PayFiP's functional errors: `code`).
    Refused { code: String, message: String },
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProviderError::Unavailable(m) => write!(f, "{m}"),
            ProviderError::Refused { code, message } => write!(f, "{code} : {message}"),
        }
    }
}

/// An online payment service.
pub trait Provider: Send + Sync {
    /// Opens a payment.
    fn start(&self, request: &StartRequest) -> Result<Started, ProviderError>;

    /// The origin of the page the payer is sent to (`https://host`): the
    /// portal's payment pages let their forms lead there (CSP `form-action`).
    fn page_origin(&self) -> String;

    /// The payer's page of an open payment, to go back to it.
    fn page_url(&self, provider_ref: &str) -> String;

    /// What became of a payment opened at `started_at`, asked at `now`.
    fn detail(
        &self,
        provider_ref: &str,
        started_at: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<Detail, ProviderError>;
}
