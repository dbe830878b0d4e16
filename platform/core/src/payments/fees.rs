//! Request fees: a téléservice may cost a fee, collected by a régie. When a
//! household sends a request of it, the fee becomes an invoice of its foyer
//! (kind `fee`, tied to the request); once paid, the request's history says
//! so.

use chrono::Utc;
use serde::Serialize;

use crate::audit::{self, Change};
use crate::domain::money::Money;
use crate::domain::requests::{ActionKind, RequestState};
use crate::domain::time;
use crate::error::{invalid, Error};
use crate::history::Actor;
use crate::store::repo::payments::{self as rows, InvoiceRow};
use crate::store::repo::{offer, requests as request_rows};
use crate::store::TenantTx;

#[derive(Debug, Clone, Serialize)]
pub struct Fee {
    pub code: String,
    pub label: String,
    pub amount: String,
}

/// The téléservices whose fee the régie collects.
pub fn of_regie(tx: &mut TenantTx<'_>, regie: i64) -> Result<Vec<Fee>, Error> {
    Ok(rows::fees_of_regie(tx, regie)?
        .into_iter()
        .map(|(code, label, cents)| Fee {
            code,
            label,
            amount: Money::from_cents(cents).format_fr(),
        })
        .collect())
}

/// Sets the fee of a téléservice this régie collects for: directly, or
/// through its category (then the fee follows the category's régie). A
/// téléservice collected by no régie is attached to this one. An empty
/// amount removes the fee; at least 1 €, what PayFiP takes.
pub fn set(
    tx: &mut TenantTx<'_>,
    actor: &str,
    regie: i64,
    code: &str,
    amount: &str,
) -> Result<(), Error> {
    rows::regie(tx, regie)?.ok_or(Error::NotFound)?;
    let teleservice = offer::teleservice(tx, code)?
        .ok_or_else(|| invalid("teleservice", "choisissez un téléservice de la liste"))?;
    let collector = rows::regie_of(tx, code)?;
    if collector.is_some_and(|r| r != regie) {
        return Err(Error::Refused(
            "une autre régie encaisse pour ce téléservice : changez ses frais depuis celle-ci"
                .into(),
        ));
    }
    let fee = if amount.trim().is_empty() {
        None
    } else {
        let cents = super::billing::amount_cents(amount).map_err(|m| invalid("amount", m))?;
        if cents < 100 {
            return Err(invalid(
                "amount",
                "des frais de dossier sont d’un euro au moins",
            ));
        }
        Some(cents)
    };
    // Collected through its category: the téléservice keeps no régie of its own.
    let own = match (teleservice.regie_id, collector) {
        (Some(r), _) => Some(r),
        (None, Some(_)) => None,
        (None, None) => fee.map(|_| regie),
    };
    rows::set_fee(tx, code, fee, own)?;
    audit::record(
        tx,
        Change {
            actor,
            action: "teleservice.fee",
            object_type: "teleservice",
            object_id: code,
            before: Some(
                serde_json::json!({ "fee_cents": teleservice.fee_cents, "regie": teleservice.regie_id }),
            ),
            after: Some(serde_json::json!({ "fee_cents": fee, "regie": own })),
        },
    )?;
    Ok(())
}

/// The categories this régie collects for, chosen by an administrator.
pub fn set_categories(
    tx: &mut TenantTx<'_>,
    actor: &str,
    regie: i64,
    ids: &[i64],
) -> Result<(), Error> {
    rows::regie(tx, regie)?.ok_or(Error::NotFound)?;
    let known: Vec<i64> = rows::categories_for(tx, regie)?
        .iter()
        .map(|c| c.0)
        .collect();
    if ids.iter().any(|id| !known.contains(id)) {
        return Err(invalid(
            "categorie",
            "choisissez des catégories de la liste",
        ));
    }
    rows::set_categories(tx, regie, ids)?;
    audit::record(
        tx,
        Change {
            actor,
            action: "regie.categories",
            object_type: "regie",
            object_id: &regie.to_string(),
            before: None,
            after: Some(serde_json::json!({ "categories": ids })),
        },
    )?;
    Ok(())
}

/// When a request is sent: its téléservice's fee, owed by its foyer, as an
/// invoice tied to it. Answers the amount, to tell the household.
pub fn on_submission(
    tx: &mut TenantTx<'_>,
    request: i64,
    number: i64,
    teleservice_label: &str,
    actor: &str,
) -> Result<Option<String>, Error> {
    let row = request_rows::get(tx, request)?.ok_or(Error::NotFound)?;
    let Some((cents, regie)) = rows::fee_of(tx, row.teleservice_id)? else {
        return Ok(None);
    };
    let now = Utc::now().naive_utc();
    let invoice = InvoiceRow {
        tenant_id: 0,
        id: tx.next_id()?,
        household_id: row.household_id,
        regie_id: regie,
        kind: "fee".into(),
        reference: format!("DEM{number}"),
        label: format!("Frais de dossier : {teleservice_label} (demande n° {number})"),
        amount_cents: cents,
        issued_on: time::today(),
        due_on: None,
        request_id: Some(request),
        state: "owed".into(),
        payment_id: None,
        paid_at: None,
        created_by: actor.to_owned(),
        created_at: now,
    };
    rows::insert_invoice(tx, &invoice, &[])?;
    Ok(Some(Money::from_cents(cents).format_fr()))
}

/// A fee paid: the request's history says so, for the household and the agents.
pub fn paid(tx: &mut TenantTx<'_>, invoice: i64, reference: &str) -> Result<(), Error> {
    let Some(inv) = rows::invoice(tx, invoice)? else {
        return Ok(());
    };
    let Some(request) = inv.request_id else {
        return Ok(());
    };
    let Some(row) = request_rows::get(tx, request)? else {
        return Ok(());
    };
    crate::history::write(
        tx,
        crate::history::Line::Request {
            request,
            kind: ActionKind::Payment,
            actor: &Actor::system(),
            state: RequestState::parse(&row.state).unwrap_or(RequestState::Pending),
            note: &format!(
                "Frais de dossier de {} payés en ligne (paiement {reference})",
                Money::from_cents(inv.amount_cents).format_fr()
            ),
            public: true,
            snapshot: None,
        },
    )?;
    Ok(())
}

/// The fee of a foyer's request, if it has one (owed or paid).
pub fn of_request(
    tx: &mut TenantTx<'_>,
    household: i64,
    request: i64,
) -> Result<Option<super::billing::Invoice>, Error> {
    Ok(rows::fee_of_request(tx, request)?
        .filter(|i| i.household_id == household)
        .map(super::billing::invoice_view))
}
