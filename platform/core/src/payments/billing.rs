//! What foyers owe: invoices (written by an agent, or imported as CSV from
//! the collectivité's billing software) and deposit accounts. Amounts are
//! `Money` in code and cents in the database; a fraction of a cent, a
//! negative or empty amount is refused, never rounded.

use chrono::{NaiveDate, Utc};
use serde::Serialize;

use crate::audit::{self, Change};
use crate::domain::contact;
use crate::domain::forms::parse_date;
use crate::domain::money::{Money, MoneyError};
use crate::domain::time;
use crate::error::{Checks, Error};
use crate::store::repo::foyers as foyer_rows;
use crate::store::repo::payments::{self as rows, AccountRow, InvoiceLineRow, InvoiceRow};
use crate::store::TenantTx;

/// The largest amount one invoice may carry.
const MAX_CENTS: i64 = 10_000_000;

/// An invoice as an agent types it, or as a CSV line gives it.
#[derive(Debug, Clone, Default)]
pub struct InvoiceInput {
    /// The foyer's number.
    pub household: String,
    pub reference: String,
    pub label: String,
    /// Empty when lines are given: their total.
    pub amount: String,
    pub issued_on: String,
    pub due_on: String,
    /// Its detail, one line per row: « label ; quantity ; unit price ».
    pub lines: String,
}

/// A line of an invoice's detail.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Line {
    pub label: String,
    pub quantity: i32,
    pub unit: String,
    pub amount: String,
}

/// The detail an agent typed: (label, quantity, unit price in cents) for
/// each row, or what is wrong with the first bad one.
fn parse_lines(raw: &str) -> Result<Vec<(String, i32, i64)>, String> {
    let mut out = Vec::new();
    for (i, row) in raw
        .lines()
        .enumerate()
        .filter(|(_, r)| !r.trim().is_empty())
    {
        let n = i + 1;
        let cells: Vec<&str> = row.split(';').map(str::trim).collect();
        let [label, quantity, unit] = cells.as_slice() else {
            return Err(format!(
                "ligne {n} du détail : écrivez « libellé ; quantité ; prix unitaire », par exemple « Repas ; 12 ; 3,50 »"
            ));
        };
        let label = contact::label(label, 200).map_err(|m| format!("ligne {n} du détail : {m}"))?;
        let quantity: i32 = quantity
            .parse()
            .ok()
            .filter(|q| (1..=10_000).contains(q))
            .ok_or_else(|| {
                format!("ligne {n} du détail : la quantité est un nombre entier de 1 à 10 000")
            })?;
        let unit = amount_cents(unit).map_err(|m| format!("ligne {n} du détail : {m}"))?;
        out.push((label, quantity, unit));
    }
    if out.len() > 100 {
        return Err("le détail compte 100 lignes au plus".into());
    }
    Ok(out)
}

/// The detail of each invoice (those without one are absent).
pub fn lines_of(
    tx: &mut TenantTx<'_>,
    invoices: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<Line>>, Error> {
    let mut out = std::collections::HashMap::new();
    for &id in invoices {
        let lines: Vec<Line> = rows::lines(tx, id)?
            .into_iter()
            .map(|l| Line {
                label: l.label,
                quantity: l.quantity,
                unit: Money::from_cents(l.unit_cents).format_fr(),
                amount: Money::from_cents(l.amount_cents).format_fr(),
            })
            .collect();
        if !lines.is_empty() {
            out.insert(id, lines);
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Invoice {
    pub id: i64,
    pub household_id: i64,
    pub regie_id: i64,
    pub kind: String,
    pub reference: String,
    pub label: String,
    pub amount_cents: i64,
    pub amount: String,
    pub issued_on: String,
    pub due_on: Option<String>,
    pub state: String,
    pub state_label: &'static str,
    pub payment_id: Option<i64>,
    pub paid_at: Option<String>,
    /// Its detail, when asked for ([`with_lines`]).
    pub lines: Vec<Line>,
}

/// The invoices with their detail.
pub fn with_lines(
    tx: &mut TenantTx<'_>,
    mut invoices: Vec<Invoice>,
) -> Result<Vec<Invoice>, Error> {
    let ids: Vec<i64> = invoices.iter().map(|i| i.id).collect();
    let mut lines = lines_of(tx, &ids)?;
    for i in &mut invoices {
        i.lines = lines.remove(&i.id).unwrap_or_default();
    }
    Ok(invoices)
}

pub fn invoice_view(r: InvoiceRow) -> Invoice {
    Invoice {
        id: r.id,
        household_id: r.household_id,
        regie_id: r.regie_id,
        kind: r.kind,
        reference: r.reference,
        label: r.label,
        amount_cents: r.amount_cents,
        amount: Money::from_cents(r.amount_cents).format_fr(),
        issued_on: time::date_fr(r.issued_on),
        due_on: r.due_on.map(time::date_fr),
        state_label: match r.state.as_str() {
            "paid" => "Payée",
            "cancelled" => "Annulée",
            _ => "À payer",
        },
        state: r.state,
        payment_id: r.payment_id,
        paid_at: r.paid_at.map(time::datetime_fr),
        lines: Vec::new(),
    }
}

/// An amount people type, in cents: positive, two decimals at most.
pub fn amount_cents(raw: &str) -> Result<i64, String> {
    if raw.trim().is_empty() {
        return Err("indiquez le montant, par exemple 12,50".into());
    }
    let money = Money::parse_fr(raw).map_err(|e| match e {
        MoneyError::TooPrecise => {
            "un montant a deux décimales au plus (les centimes), par exemple 12,50".to_owned()
        }
        other => other.to_string(),
    })?;
    let cents = money.cents().map_err(|e| e.to_string())?;
    if cents <= 0 {
        return Err("le montant doit être positif".into());
    }
    if cents > MAX_CENTS {
        return Err("le montant ne peut dépasser 100 000 €".into());
    }
    Ok(cents)
}

fn date(raw: &str, required: bool) -> Result<Option<NaiveDate>, &'static str> {
    if raw.trim().is_empty() {
        return if required {
            Err("indiquez la date, par exemple 30/11/2026")
        } else {
            Ok(None)
        };
    }
    parse_date(raw.trim())
        .map(Some)
        .ok_or("date illisible : écrivez-la comme 30/11/2026")
}

fn reference(raw: &str) -> Result<String, &'static str> {
    let r = raw.trim();
    let ok = (1..=40).contains(&r.len())
        && r.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'));
    if ok {
        Ok(r.to_owned())
    } else {
        Err("la référence compte 1 à 40 lettres, chiffres, tirets, points ou barres obliques")
    }
}

/// The foyer of this number (0, with the error noted, if there is none).
pub(super) fn foyer_number(
    tx: &mut TenantTx<'_>,
    raw: &str,
    checks: &mut Checks,
) -> Result<i64, Error> {
    match raw.trim().parse::<i64>() {
        Ok(id) if foyer_rows::household(tx, id)?.is_some() => Ok(id),
        _ => {
            checks.add(
                "household",
                "aucun foyer de la collectivité ne porte ce numéro",
            );
            Ok(0)
        }
    }
}

/// A new invoice of the régie for a foyer, owed at once.
pub fn create_invoice(
    tx: &mut TenantTx<'_>,
    actor: &str,
    regie: i64,
    input: &InvoiceInput,
) -> Result<Invoice, Error> {
    rows::regie(tx, regie)?.ok_or(Error::NotFound)?;
    let mut checks = Checks::default();
    let household = foyer_number(tx, &input.household, &mut checks)?;
    let reference = checks.take("reference", reference(&input.reference));
    let label = checks.take("label", contact::label(&input.label, 200));
    let lines = checks.take("lines", parse_lines(&input.lines));
    let total: i64 = lines.iter().map(|(_, q, u)| i64::from(*q) * u).sum();
    let amount = if input.amount.trim().is_empty() && !lines.is_empty() {
        total
    } else {
        checks.take("amount", amount_cents(&input.amount))
    };
    if !lines.is_empty() && amount != 0 && amount != total {
        checks.add(
            "amount",
            format!(
                "le montant ({}) n’est pas le total du détail ({}) : corrigez l’un ou l’autre, ou laissez le montant vide",
                Money::from_cents(amount).format_fr(),
                Money::from_cents(total).format_fr()
            ),
        );
    }
    if total > MAX_CENTS {
        checks.add("lines", "le total du détail ne peut dépasser 100 000 €");
    }
    let issued_on = checks.take("issued_on", date(&input.issued_on, true));
    let due_on = checks.take("due_on", date(&input.due_on, false));
    if let (Some(i), Some(d)) = (issued_on, due_on) {
        if d < i {
            checks.add("due_on", "l’échéance ne peut précéder l’émission");
        }
    }
    if !reference.is_empty() && rows::invoice_by_reference(tx, regie, &reference)?.is_some() {
        checks.add(
            "reference",
            format!("une facture de cette régie porte déjà la référence « {reference} »"),
        );
    }
    checks.finish()?;
    let row = InvoiceRow {
        tenant_id: 0,
        id: tx.next_id()?,
        household_id: household,
        regie_id: regie,
        kind: "invoice".into(),
        reference,
        label,
        amount_cents: amount,
        issued_on: issued_on.unwrap_or_else(time::today),
        due_on,
        request_id: None,
        state: "owed".into(),
        payment_id: None,
        paid_at: None,
        created_by: actor.to_owned(),
        created_at: Utc::now().naive_utc(),
    };
    let lines: Vec<InvoiceLineRow> = lines
        .into_iter()
        .enumerate()
        .map(|(i, (label, quantity, unit))| InvoiceLineRow {
            tenant_id: 0,
            invoice_id: row.id,
            position: i as i32,
            label,
            quantity,
            unit_cents: unit,
            amount_cents: i64::from(quantity) * unit,
        })
        .collect();
    rows::insert_invoice(tx, &row, &lines)?;
    let made = invoice_view(row);
    audit::record(
        tx,
        Change {
            actor,
            action: "invoice.create",
            object_type: "invoice",
            object_id: &made.id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&made).unwrap_or_default()),
        },
    )?;
    Ok(made)
}

/// What an import did: invoices created, lines refused with why.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub refused: Vec<RefusedLine>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RefusedLine {
    pub line: usize,
    pub reason: String,
}

/// The columns of an import, in order (`;` or `,` between them; a first
/// line of headers is skipped).
pub const IMPORT_COLUMNS: &str = "foyer;reference;libelle;montant;emission;echeance";

/// Imports a CSV of invoices for the régie: each good line is created, each
/// bad one reported with its number and why (a line already imported is
/// refused by its reference, so importing a file twice creates nothing).
pub fn import(
    tx: &mut TenantTx<'_>,
    actor: &str,
    regie: i64,
    csv: &str,
) -> Result<ImportReport, Error> {
    rows::regie(tx, regie)?.ok_or(Error::NotFound)?;
    let mut report = ImportReport::default();
    for (i, line) in csv.trim_start_matches('\u{feff}').lines().enumerate() {
        let number = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let sep = if line.contains(';') { ';' } else { ',' };
        let cells: Vec<&str> = line
            .split(sep)
            .map(|c| c.trim().trim_matches('"'))
            .collect();
        if number == 1
            && cells
                .first()
                .is_some_and(|c| c.eq_ignore_ascii_case("foyer"))
        {
            continue;
        }
        if cells.len() < 5 {
            report.refused.push(RefusedLine {
                line: number,
                reason: format!("{} colonnes au lieu de 6 ({IMPORT_COLUMNS})", cells.len()),
            });
            continue;
        }
        let cell = |k: usize| cells.get(k).copied().unwrap_or_default().to_owned();
        let input = InvoiceInput {
            household: cell(0),
            reference: cell(1),
            label: cell(2),
            amount: cell(3),
            issued_on: cell(4),
            due_on: cell(5),
            lines: String::new(),
        };
        match create_invoice(tx, actor, regie, &input) {
            Ok(_) => report.created += 1,
            Err(Error::Invalid(errors)) => report.refused.push(RefusedLine {
                line: number,
                reason: errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join(" ; "),
            }),
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub household_id: i64,
    pub regie_id: i64,
    pub reference: String,
    pub label: String,
    pub balance_cents: i64,
    pub balance: String,
}

pub fn account_view(r: AccountRow) -> Account {
    Account {
        id: r.id,
        household_id: r.household_id,
        regie_id: r.regie_id,
        reference: r.reference,
        label: r.label,
        balance_cents: r.balance_cents,
        balance: Money::from_cents(r.balance_cents).format_fr(),
    }
}

/// A deposit account as an agent types it.
#[derive(Debug, Clone, Default)]
pub struct AccountInput {
    /// The foyer's number.
    pub household: String,
    pub reference: String,
    pub label: String,
    /// Its balance now (empty: zero; negative: owed).
    pub balance: String,
}

/// A balance people type: two decimals at most, zero or negative allowed.
fn balance_cents(raw: &str) -> Result<i64, String> {
    if raw.trim().is_empty() {
        return Ok(0);
    }
    let money = Money::parse_fr(raw).map_err(|e| match e {
        MoneyError::TooPrecise => {
            "un montant a deux décimales au plus, par exemple 12,50".to_owned()
        }
        other => other.to_string(),
    })?;
    let cents = money.cents().map_err(|e| e.to_string())?;
    if cents.abs() > MAX_CENTS {
        return Err("le solde ne peut dépasser 100 000 €".into());
    }
    Ok(cents)
}

/// A deposit account of a foyer at the régie, with its current balance.
pub fn create_account(
    tx: &mut TenantTx<'_>,
    actor: &str,
    regie: i64,
    input: &AccountInput,
) -> Result<Account, Error> {
    rows::regie(tx, regie)?.ok_or(Error::NotFound)?;
    let mut checks = Checks::default();
    let household = foyer_number(tx, &input.household, &mut checks)?;
    let reference = checks.take("reference", self::reference(&input.reference));
    let label = checks.take("label", contact::label(&input.label, 200));
    let balance_cents = checks.take("balance", balance_cents(&input.balance));
    if !reference.is_empty() && rows::account_by_reference(tx, regie, &reference)?.is_some() {
        checks.add(
            "reference",
            format!("un compte de cette régie porte déjà la référence « {reference} »"),
        );
    }
    checks.finish()?;
    let row = AccountRow {
        tenant_id: 0,
        id: tx.next_id()?,
        household_id: household,
        regie_id: regie,
        reference,
        label,
        balance_cents,
        updated_at: Utc::now().naive_utc(),
    };
    rows::insert_account(tx, &row)?;
    let made = account_view(row);
    audit::record(
        tx,
        Change {
            actor,
            action: "deposit_account.create",
            object_type: "deposit_account",
            object_id: &made.id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&made).unwrap_or_default()),
        },
    )?;
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::amount_cents;

    #[test]
    fn amounts_are_refused_rather_than_rounded() {
        assert_eq!(amount_cents("12,50"), Ok(1250));
        assert_eq!(amount_cents("1 234,5 €"), Ok(123_450));
        assert!(amount_cents("12,505")
            .unwrap_err()
            .contains("deux décimales"));
        assert!(amount_cents("-3").unwrap_err().contains("positif"));
        assert!(amount_cents("0").unwrap_err().contains("positif"));
        assert!(amount_cents("").unwrap_err().contains("indiquez"));
        assert!(amount_cents("douze").unwrap_err().contains("illisible"));
        assert!(amount_cents("100000,01").unwrap_err().contains("100 000"));
    }
}
