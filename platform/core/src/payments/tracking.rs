//! Payments as the collectivité's administrators follow them: the search
//! (state, régie, mode; by payer, foyer or date), its CSV for the
//! accounting service, the daily reconciliation of each régie (paid online
//! against what was recorded), and the payment settings.

use chrono::NaiveDate;
use serde::Serialize;

use super::online::{self, PaymentSettings, PaymentView};
use crate::audit::{self, Change};
use crate::domain::contact;
use crate::domain::forms::parse_date;
use crate::domain::money::Money;
use crate::domain::payments::{PaymentMode, PaymentState};
use crate::domain::sheet::Cell;
use crate::domain::time;
use crate::error::{Checks, Error};
use crate::store::repo::payments::{self as rows, PaymentFilter, PaymentSettingsRow, PaymentSort};
use crate::store::TenantTx;

/// What the search page sends (every field may be empty).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PaymentQuery {
    pub etat: String,
    pub regie: String,
    pub mode: String,
    /// `usager`, `compte` or `date` (the default).
    pub tri: String,
    pub page: String,
}

impl PaymentQuery {
    fn filter(&self) -> PaymentFilter {
        PaymentFilter {
            state: PaymentState::parse(&self.etat).map(|s| s.code().to_owned()),
            regie: self.regie.parse().ok(),
            mode: PaymentMode::parse(&self.mode).map(|m| m.code().to_owned()),
        }
    }

    fn sort(&self) -> PaymentSort {
        match self.tri.as_str() {
            "usager" => PaymentSort::Payer,
            "compte" => PaymentSort::Household,
            _ => PaymentSort::Started,
        }
    }

    pub fn page(&self) -> i64 {
        self.page.parse().unwrap_or(1).max(1)
    }
}

pub const PAGE_SIZE: i64 = 50;

/// A page of the payments found, and how many there are.
pub fn search(tx: &mut TenantTx<'_>, q: &PaymentQuery) -> Result<(Vec<PaymentView>, i64), Error> {
    let (found, total) = rows::search_payments(
        tx,
        &q.filter(),
        q.sort(),
        PAGE_SIZE,
        (q.page() - 1) * PAGE_SIZE,
    )?;
    Ok((online::views(tx, found)?, total))
}

/// The columns of the payments' export, for the accounting service.
pub const EXPORT_COLUMNS: [&str; 12] = [
    "Référence",
    "Référence bancaire",
    "Régie",
    "Foyer",
    "Payeur",
    "Courriel",
    "Mode",
    "État",
    "Début",
    "Fin",
    "Montant",
    "Détail",
];

/// Payments read per transaction by an export.
pub const EXPORT_PAGE: i64 = 1000;

/// A page of every payment the search finds, from `offset`, one row each
/// with its items ([`EXPORT_COLUMNS`]); empty past the last.
pub fn export_page(
    tx: &mut TenantTx<'_>,
    q: &PaymentQuery,
    offset: i64,
) -> Result<Vec<Vec<Cell>>, Error> {
    let (found, _) = rows::search_payments(tx, &q.filter(), q.sort(), EXPORT_PAGE, offset)?;
    // The moments as dates a spreadsheet sorts, not as the pages say them.
    let times: Vec<_> = found.iter().map(|p| (p.started_at, p.ended_at)).collect();
    Ok(online::views(tx, found)?
        .into_iter()
        .zip(times)
        .map(|(v, (started, ended))| {
            vec![
                v.reference.into(),
                v.provider_ref.unwrap_or_default().into(),
                v.regie.into(),
                Cell::Number(v.household_id),
                v.payer_name.into(),
                v.email.into(),
                v.mode_label.into(),
                v.state_label.into(),
                Cell::at_utc(started),
                ended.map_or_else(|| Cell::Text(String::new()), Cell::at_utc),
                Cell::Euros(v.amount_cents),
                v.items
                    .iter()
                    .map(|i| format!("{} ({})", i.label, i.amount))
                    .collect::<Vec<_>>()
                    .join(" ; ")
                    .into(),
            ]
        })
        .collect())
}

/// One payment of a reconciliation: paid online, and what was recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Reconciled {
    pub id: i64,
    pub reference: String,
    pub payer_name: String,
    pub paid: String,
    pub recorded: String,
    pub matches: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reconciliation {
    pub regie: String,
    pub day: String,
    pub count: usize,
    pub paid: String,
    pub recorded: String,
    pub matches: bool,
    pub payments: Vec<Reconciled>,
}

/// The régie's day: the payments validated that day (Paris time) against
/// what they recorded — invoices paid, accounts credited. A difference is a
/// payment whose invoice was paid otherwise meanwhile.
pub fn reconcile(
    tx: &mut TenantTx<'_>,
    regie: i64,
    day: NaiveDate,
) -> Result<Reconciliation, Error> {
    let r = rows::regie(tx, regie)?.ok_or(Error::NotFound)?;
    let (from, to) = (
        time::day_start(day),
        time::day_start(day + chrono::Duration::days(1)),
    );
    let mut payments = Vec::new();
    let (mut paid, mut recorded) = (0i64, 0i64);
    for p in rows::validated_between(tx, regie, from, to)? {
        let rec = rows::recorded(tx, p.id)?;
        paid += p.amount_cents;
        recorded += rec;
        payments.push(Reconciled {
            id: p.id,
            reference: p.reference,
            payer_name: p.payer_name,
            paid: Money::from_cents(p.amount_cents).format_fr(),
            recorded: Money::from_cents(rec).format_fr(),
            matches: rec == p.amount_cents,
        });
    }
    Ok(Reconciliation {
        regie: r.label,
        day: time::date_fr(day),
        count: payments.len(),
        paid: Money::from_cents(paid).format_fr(),
        recorded: Money::from_cents(recorded).format_fr(),
        matches: paid == recorded,
        payments,
    })
}

/// The payment settings as an administrator types them.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub off_from: String,
    pub off_until: String,
    pub off_message: String,
    pub show_in_progress: bool,
    pub show_history: bool,
}

pub fn input_of(s: &PaymentSettings) -> SettingsInput {
    let iso = |d: Option<NaiveDate>| {
        d.map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    SettingsInput {
        off_from: iso(s.off_from),
        off_until: iso(s.off_until),
        off_message: s.off_message.clone(),
        show_in_progress: s.show_in_progress,
        show_history: s.show_history,
    }
}

/// Saves the payment settings, checked field by field; audited.
pub fn save_settings(
    tx: &mut TenantTx<'_>,
    actor: &str,
    input: &SettingsInput,
) -> Result<(), Error> {
    let mut checks = Checks::default();
    let date = |raw: &str| -> Result<Option<NaiveDate>, &'static str> {
        if raw.trim().is_empty() {
            Ok(None)
        } else {
            parse_date(raw.trim())
                .map(Some)
                .ok_or("date illisible : écrivez-la comme 30/11/2026")
        }
    };
    let from = checks.take("off_from", date(&input.off_from));
    let until = checks.take("off_until", date(&input.off_until));
    if let (Some(f), Some(u)) = (from, until) {
        if u < f {
            checks.add(
                "off_until",
                "la fin de la suspension ne peut précéder son début",
            );
        }
    }
    let message = if input.off_message.trim().is_empty() {
        String::new()
    } else {
        checks.take("off_message", contact::free_text(&input.off_message, 2000))
    };
    checks.finish()?;
    let before = online::settings(tx)?;
    // The settings row is the collectivité's: written with its defaults first.
    let current = crate::collectivite::settings::current(tx)?;
    crate::collectivite::settings::replace(tx, &current)?;
    rows::save_payment_settings(
        tx,
        &PaymentSettingsRow {
            payments_off_from: from,
            payments_off_until: until,
            payments_off_message: message,
            show_payments_in_progress: input.show_in_progress,
            show_payment_history: input.show_history,
        },
    )?;
    let after = online::settings(tx)?;
    audit::record(
        tx,
        Change {
            actor,
            action: "payments.settings",
            object_type: "settings",
            object_id: "payments",
            before: Some(serde_json::to_value(&before).unwrap_or_default()),
            after: Some(serde_json::to_value(&after).unwrap_or_default()),
        },
    )?;
    Ok(())
}
