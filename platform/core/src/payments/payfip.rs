//! Payments through PayFiP (the DGFiP's payment service for public bodies):
//! what its answers mean for a payment. The SOAP protocol itself is
//! `guichet_adapters::payfip`. Notifications and returns carry only the
//! idOp: the detail call is the only word trusted; its fault P5 means the
//! payment is still open, P1 that PayFiP forgot it.

use chrono::NaiveDateTime;
use guichet_adapters::payfip::{create_envelope, detail_envelope, get, Creation, Fault};
pub use guichet_adapters::payfip::{leaves, PayFiP, DEFAULT_URL};

use super::{Detail, Provider, ProviderError, StartRequest, Started};
use crate::domain::payments::{self, Outcome, OPEN_MINUTES};

impl From<Fault> for ProviderError {
    fn from(fault: Fault) -> ProviderError {
        match fault {
            Fault::Unavailable(m) => ProviderError::Unavailable(m),
            Fault::Refused { code, message } => ProviderError::Refused { code, message },
        }
    }
}

impl Provider for PayFiP {
    fn start(&self, r: &StartRequest) -> Result<Started, ProviderError> {
        let creation = Creation {
            exer: r.exer,
            mel: &r.mel,
            amount_cents: r.amount_cents,
            numcli: &r.numcli,
            objet: &r.objet,
            refdet: &r.refdet,
            saisie: r.mode.saisie(),
            notify_url: &r.notify_url,
            return_url: &r.return_url,
        };
        let leaves = self.call("creerPaiementSecurise", &create_envelope(&creation))?;
        let id_op = get(&leaves, "idOp")
            .filter(|s| !s.is_empty() && s.len() <= 64)
            .ok_or_else(|| ProviderError::Unavailable("PayFiP : réponse sans idOp".into()))?
            .to_owned();
        Ok(Started {
            url: PayFiP::page_url(self, &id_op),
            provider_ref: id_op,
        })
    }

    fn page_origin(&self) -> String {
        PayFiP::page_origin(self)
    }

    fn page_url(&self, provider_ref: &str) -> String {
        PayFiP::page_url(self, provider_ref)
    }

    fn detail(
        &self,
        provider_ref: &str,
        started_at: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<Detail, ProviderError> {
        let open = now - started_at < chrono::Duration::minutes(OPEN_MINUTES);
        match self
            .call(
                "recupererDetailPaiementSecurise",
                &detail_envelope(provider_ref),
            )
            .map_err(ProviderError::from)
        {
            Ok(leaves) => {
                let code = get(&leaves, "resultrans").unwrap_or_default();
                let outcome = payments::resultrans(code).ok_or_else(|| {
                    ProviderError::Unavailable(format!("PayFiP : resultrans inconnu « {code} »"))
                })?;
                let data: serde_json::Map<String, serde_json::Value> = leaves
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect();
                Ok(Detail {
                    outcome,
                    refdet: get(&leaves, "refdet").unwrap_or_default().to_owned(),
                    amount_cents: get(&leaves, "montant").and_then(|m| m.parse().ok()),
                    data: serde_json::Value::Object(data),
                })
            }
            // Not paid yet: open for 15 minutes; past 20, it never will be.
            Err(ProviderError::Refused { code, message }) if code == "P5" => Ok(Detail::bare(
                if open {
                    Outcome::Waiting
                } else {
                    Outcome::Expired
                },
                serde_json::json!({ "code": code, "libelle": message }),
            )),
            // Forgotten (the nightly cleaning) or never known.
            Err(ProviderError::Refused { code, message }) if code == "P1" => Ok(Detail::bare(
                Outcome::Expired,
                serde_json::json!({ "code": code, "libelle": message }),
            )),
            Err(e) => Err(e),
        }
    }
}
