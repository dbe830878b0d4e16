//! Amounts of money: `rust_decimal` in code, integer cents in the database.

use rust_decimal::Decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Money(Decimal);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("un montant ne peut pas avoir plus de deux décimales")]
    TooPrecise,
    #[error("montant illisible : écrivez par exemple 12,50")]
    Unreadable,
    #[error("montant hors limites")]
    OutOfRange,
}

impl Money {
    pub fn from_cents(cents: i64) -> Money {
        Money(Decimal::new(cents, 2))
    }

    /// Refuses fractions of a cent rather than rounding them away.
    pub fn new(amount: Decimal) -> Result<Money, MoneyError> {
        if amount.normalize().scale() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        Ok(Money(amount))
    }

    /// Reads what a person types: `12,50`, `12.5`, `1 234,00`, `12 €`.
    pub fn parse_fr(raw: &str) -> Result<Money, MoneyError> {
        let cleaned: String = raw
            .trim()
            .trim_end_matches('€')
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{202f}')
            .map(|c| if c == ',' { '.' } else { c })
            .collect();
        let amount: Decimal = cleaned.parse().map_err(|_| MoneyError::Unreadable)?;
        Money::new(amount)
    }

    pub fn cents(self) -> Result<i64, MoneyError> {
        let cents = (self.0 * Decimal::ONE_HUNDRED).normalize();
        i64::try_from(cents).map_err(|_| MoneyError::OutOfRange)
    }

    pub fn amount(self) -> Decimal {
        self.0
    }

    /// `1 234,50 €`, as French pages show amounts.
    pub fn format_fr(self) -> String {
        let s = format!("{:.2}", self.0.abs());
        let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push('\u{202f}');
            }
            grouped.push(c);
        }
        let sign = if self.0.is_sign_negative() && !self.0.is_zero() {
            "-"
        } else {
            ""
        };
        format!("{sign}{grouped},{frac}\u{a0}€")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_cents() {
        for c in [0, 1, 99, 100, 123_456, -250] {
            assert_eq!(Money::from_cents(c).cents(), Ok(c));
        }
    }

    #[test]
    fn parses_french_input() {
        assert_eq!(Money::parse_fr("12,50").unwrap().cents(), Ok(1250));
        assert_eq!(Money::parse_fr(" 1 234,5 € ").unwrap().cents(), Ok(123_450));
        assert_eq!(Money::parse_fr("3.1"), Money::new(Decimal::new(31, 1)));
        assert_eq!(Money::parse_fr("0,001"), Err(MoneyError::TooPrecise));
        assert_eq!(Money::parse_fr("douze"), Err(MoneyError::Unreadable));
    }

    #[test]
    fn formats_french_amounts() {
        assert_eq!(
            Money::from_cents(123_450).format_fr(),
            "1\u{202f}234,50\u{a0}€"
        );
        assert_eq!(Money::from_cents(5).format_fr(), "0,05\u{a0}€");
        assert_eq!(Money::from_cents(-100).format_fr(), "-1,00\u{a0}€");
    }
}
