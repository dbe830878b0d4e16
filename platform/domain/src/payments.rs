//! Payments: what households pay the collectivité online, through a régie,
//! and the rules of PayFiP (the DGFiP's payment service for public bodies)
//! on what is sent to it and what its answers mean.

use serde::{Deserialize, Serialize};

use crate::money::Money;

/// Where a payment is: sent to the provider, then validated, refused or
/// cancelled, once, by what the provider says (never by the browser).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentState {
    Initialized,
    Validated,
    Refused,
    Cancelled,
}

impl PaymentState {
    pub const ALL: [PaymentState; 4] = [
        PaymentState::Initialized,
        PaymentState::Validated,
        PaymentState::Refused,
        PaymentState::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PaymentState::Initialized => "initialized",
            PaymentState::Validated => "validated",
            PaymentState::Refused => "refused",
            PaymentState::Cancelled => "cancelled",
        }
    }

    pub fn parse(code: &str) -> Option<PaymentState> {
        PaymentState::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentState::Initialized => "En cours",
            PaymentState::Validated => "Payé",
            PaymentState::Refused => "Refusé",
            PaymentState::Cancelled => "Annulé",
        }
    }
}

/// How it was paid: online, or by card at a kiosk of the collectivité.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentMode {
    Internet,
    Card,
}

impl PaymentMode {
    pub const ALL: [PaymentMode; 2] = [PaymentMode::Internet, PaymentMode::Card];

    pub fn code(self) -> &'static str {
        match self {
            PaymentMode::Internet => "internet",
            PaymentMode::Card => "card",
        }
    }

    pub fn parse(code: &str) -> Option<PaymentMode> {
        PaymentMode::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentMode::Internet => "Par internet",
            PaymentMode::Card => "Par carte, à une borne",
        }
    }
}

/// A régie's PayFiP mode: `saisie` T (test), X (activation: the DGFiP's
/// check before going live), W (production).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegieMode {
    Test,
    Activation,
    Production,
}

impl RegieMode {
    pub const ALL: [RegieMode; 3] = [
        RegieMode::Test,
        RegieMode::Activation,
        RegieMode::Production,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RegieMode::Test => "test",
            RegieMode::Activation => "activation",
            RegieMode::Production => "production",
        }
    }

    pub fn parse(code: &str) -> Option<RegieMode> {
        RegieMode::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            RegieMode::Test => "Test",
            RegieMode::Activation => "Activation (vérification par la DGFiP)",
            RegieMode::Production => "Production",
        }
    }

    /// PayFiP's `saisie`.
    pub fn saisie(self) -> &'static str {
        match self {
            RegieMode::Test => "T",
            RegieMode::Activation => "X",
            RegieMode::Production => "W",
        }
    }
}

/// PayFiP's client number of a régie: six digits given by the DGFiP.
pub fn numcli(raw: &str) -> Result<String, &'static str> {
    let s = raw.trim();
    if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err("le numéro de client PayFiP compte six chiffres, donnés par la DGFiP")
    }
}

/// A payment's reference at PayFiP (`refdet`): 6 to 30 letters and digits
/// (PayFiP refuses shorter ones with R3), ours from the payment's id.
pub fn refdet(payment_id: i64) -> String {
    format!("GU{payment_id:010}")
}

pub fn refdet_ok(s: &str) -> bool {
    (6..=30).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// PayFiP's `objet`: letters without accents, digits and spaces, 100 at
/// most; apostrophes and hyphens become spaces.
pub fn objet(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let plain = match c {
            '\'' | '’' | '-' | '‐' | '–' => " ".to_owned(),
            c if c.is_ascii_alphanumeric() || c == ' ' => c.to_string(),
            c => {
                let folded = crate::text::fold(&c.to_string());
                if c.is_uppercase() {
                    folded.to_uppercase()
                } else {
                    folded
                }
            }
        };
        out.extend(
            plain
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == ' '),
        );
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    let joined = words.join(" ");
    joined
        .chars()
        .take(100)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// PayFiP's `mel`: the payer's address, 6 to 80 characters with an `@`
/// (PayFiP refuses others with A2).
pub fn mel_ok(s: &str) -> bool {
    (6..=80).contains(&s.chars().count()) && s.contains('@')
}

/// What PayFiP takes in one payment: 1 € to 100 000 €.
pub fn payfip_amount(amount: Money) -> Result<i64, &'static str> {
    let cents = amount.cents().map_err(|_| "montant hors limites")?;
    if (100..=10_000_000).contains(&cents) {
        Ok(cents)
    } else {
        Err("un paiement en ligne va de 1 € à 100 000 €")
    }
}

/// What the provider says of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Paid (by card, or by direct debit).
    Paid {
        direct_debit: bool,
    },
    Refused,
    Cancelled,
    /// Still open at the provider: ask again later.
    Waiting,
    /// The provider no longer knows it, or it stayed open too long: it will
    /// never be paid.
    Expired,
}

impl Outcome {
    /// The state it moves an initialized payment to (`None`: it stays).
    pub fn state(&self) -> Option<PaymentState> {
        match self {
            Outcome::Paid { .. } => Some(PaymentState::Validated),
            Outcome::Refused => Some(PaymentState::Refused),
            Outcome::Cancelled | Outcome::Expired => Some(PaymentState::Cancelled),
            Outcome::Waiting => None,
        }
    }
}

/// PayFiP's `resultrans`: P card paid, V direct debit paid, R card refused,
/// Z direct debit refused, A abandoned; anything else is not an answer.
pub fn resultrans(code: &str) -> Option<Outcome> {
    match code {
        "P" => Some(Outcome::Paid {
            direct_debit: false,
        }),
        "V" => Some(Outcome::Paid { direct_debit: true }),
        "R" | "Z" => Some(Outcome::Refused),
        "A" => Some(Outcome::Cancelled),
        _ => None,
    }
}

/// An idOp is open 15 minutes; after 20 a payment still unknown to PayFiP
/// (fault P5) will never be paid.
pub const OPEN_MINUTES: i64 = 20;

/// How long PayFiP keeps a payment's page open to its payer.
pub const PAYFIP_OPEN_MINUTES: i64 = 15;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payfip_fields_follow_its_rules() {
        assert_eq!(numcli(" 012345 "), Ok("012345".into()));
        assert!(numcli("12345").is_err());
        assert!(numcli("12345a").is_err());
        assert_eq!(refdet(42), "GU0000000042");
        assert!(refdet_ok(&refdet(42)) && refdet_ok(&refdet(i64::MAX)));
        assert!(!refdet_ok("ABCD") && !refdet_ok("ABC-DEF") && !refdet_ok(&"A".repeat(31)));
        assert_eq!(
            objet("Cantine d’Éloïse — novembre 2026 : 12,50 €"),
            "Cantine d Eloise novembre 2026 1250"
        );
        assert_eq!(
            objet("Garderie  péri-scolaire Œuvre"),
            "Garderie peri scolaire OEuvre"
        );
        assert_eq!(objet(&"é".repeat(150)).len(), 100);
        assert!(mel_ok("a@b.fr") && !mel_ok("a@b.f") && !mel_ok("pas-une-adresse"));
        assert_eq!(payfip_amount(Money::from_cents(100)), Ok(100));
        assert!(payfip_amount(Money::from_cents(99)).is_err());
        assert!(payfip_amount(Money::from_cents(10_000_001)).is_err());
        assert_eq!(RegieMode::Activation.saisie(), "X");
    }

    #[test]
    fn resultrans_maps_to_states() {
        assert_eq!(
            resultrans("P").and_then(|o| o.state()),
            Some(PaymentState::Validated)
        );
        assert_eq!(
            resultrans("V").and_then(|o| o.state()),
            Some(PaymentState::Validated)
        );
        assert_eq!(
            resultrans("R").and_then(|o| o.state()),
            Some(PaymentState::Refused)
        );
        assert_eq!(
            resultrans("Z").and_then(|o| o.state()),
            Some(PaymentState::Refused)
        );
        assert_eq!(
            resultrans("A").and_then(|o| o.state()),
            Some(PaymentState::Cancelled)
        );
        assert_eq!(resultrans("X"), None);
        assert_eq!(Outcome::Waiting.state(), None);
        assert_eq!(Outcome::Expired.state(), Some(PaymentState::Cancelled));
    }
}
