//! A household's online payment, from its basket to its settlement.
//!
//! `start` records the payment (Initialized) with what it pays, then opens
//! it at the provider; the provider down leaves it Cancelled, nothing owed
//! touched. `check` asks the provider what became of it — on a
//! notification, on the browser's return, or from the poller — and settles
//! it at most once: the change of state is a conditional update in the same
//! transaction as its effects (invoices paid, deposit accounts credited,
//! the receipt queued), so however many notifications, returns and polls
//! arrive, on however many processes, one of them applies it.

mod views;
pub use views::{
    draw_receipt, events, overview, receipt, view, views, EventView, ItemView, Overview,
    PaymentView,
};

use chrono::{Datelike, NaiveDateTime, Utc};
use serde::Serialize;

use super::{Provider, ProviderError, StartRequest};
use crate::domain::money::Money;
use crate::domain::payments::{self, Outcome, PaymentMode, PaymentState};
use crate::domain::time;
use crate::error::Error;
use crate::history;
use crate::jobs::{Job, JobError, Runner};
use crate::mail::outbox;
use crate::store::repo::payments::{self as rows, ItemRow, PaymentRow};
use crate::store::{Store, TenantTx};
use crate::tenancy::{self, TenantId};

/// The provider's name in the payments' rows.
pub const PAYFIP: &str = "payfip";
/// The job that settles the payments whose notification never came.
pub const POLL: &str = "payments.poll";

/// What the household chose to pay.
#[derive(Debug, Clone, Default)]
pub struct Basket {
    pub invoices: Vec<i64>,
    /// Deposit accounts to top up, with the amount typed.
    pub top_ups: Vec<(i64, String)>,
}

/// Who pays.
#[derive(Debug, Clone)]
pub struct Payer {
    pub household: i64,
    pub name: String,
    pub email: String,
}

/// Where the provider sends its notification and the browser back, for a
/// payment's id.
pub trait Addresses {
    fn notify(&self) -> String;
    fn back(&self, payment: i64) -> String;
}

/// The collectivité's payment settings.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PaymentSettings {
    pub off_from: Option<chrono::NaiveDate>,
    pub off_until: Option<chrono::NaiveDate>,
    pub off_message: String,
    pub show_in_progress: bool,
    pub show_history: bool,
}

pub fn settings(tx: &mut TenantTx<'_>) -> Result<PaymentSettings, Error> {
    Ok(match rows::payment_settings(tx)? {
        None => PaymentSettings {
            off_from: None,
            off_until: None,
            off_message: String::new(),
            show_in_progress: true,
            show_history: true,
        },
        Some(r) => PaymentSettings {
            off_from: r.payments_off_from,
            off_until: r.payments_off_until,
            off_message: r.payments_off_message,
            show_in_progress: r.show_payments_in_progress,
            show_history: r.show_payment_history,
        },
    })
}

impl PaymentSettings {
    /// The message households read while online payment is off today.
    pub fn off_today(&self) -> Option<String> {
        let today = time::today();
        let on = |d: Option<chrono::NaiveDate>| d.is_some();
        if !on(self.off_from) && !on(self.off_until) {
            return None;
        }
        let after_start = self.off_from.is_none_or(|f| today >= f);
        let before_end = self.off_until.is_none_or(|u| today <= u);
        (after_start && before_end).then(|| {
            if self.off_message.trim().is_empty() {
                "Le paiement en ligne est momentanément suspendu ; revenez dans quelques jours ou payez à l’accueil de la mairie.".to_owned()
            } else {
                self.off_message.clone()
            }
        })
    }
}

/// A payment open at the provider: where to send the payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub payment: i64,
    pub url: String,
}

/// Records the payment of `basket` and opens it at the provider.
pub fn start(
    store: &Store,
    tenant: TenantId,
    provider: &dyn Provider,
    payer: &Payer,
    basket: &Basket,
    addresses: &dyn Addresses,
) -> Result<Opened, Error> {
    let now = Utc::now().naive_utc();
    let (id, request) = store.write(tenant, |tx| record(tx, payer, basket, addresses, now))?;
    match provider.start(&request) {
        Ok(started) => {
            store.write(tenant, |tx| {
                rows::set_provider_ref(tx, id, &started.provider_ref)?;
                history::write(
                    tx,
                    history::Line::Payment {
                        payment: id,
                        source: "start",
                        outcome: "opened",
                        state: PaymentState::Initialized,
                        data: serde_json::json!({ "idOp": started.provider_ref }),
                    },
                )
            })?;
            Ok(Opened {
                payment: id,
                url: started.url,
            })
        }
        Err(e) => {
            store.write(tenant, |tx| {
                rows::settle(
                    tx,
                    id,
                    PaymentState::Cancelled.code(),
                    Utc::now().naive_utc(),
                )?;
                history::write(
                    tx,
                    history::Line::Payment {
                        payment: id,
                        source: "start",
                        outcome: "error",
                        state: PaymentState::Cancelled,
                        data: serde_json::json!({ "error": e.to_string() }),
                    },
                )
            })?;
            tracing::warn!(tenant = %tenant, payment = id, error = %e, "paiement non ouvert");
            Err(Error::Refused(match e {
                ProviderError::Unavailable(_) => "le service de paiement ne répond pas : rien n’a été payé ; réessayez dans quelques minutes".into(),
                ProviderError::Refused { code, message } => format!(
                    "le service de paiement a refusé ce paiement ({code} : {message}) ; rien n’a été payé ; contactez la mairie"
                ),
            }))
        }
    }
}

/// Checks the basket and records the payment, Initialized.
fn record(
    tx: &mut TenantTx<'_>,
    payer: &Payer,
    basket: &Basket,
    addresses: &dyn Addresses,
    now: NaiveDateTime,
) -> Result<(i64, StartRequest), Error> {
    if let Some(message) = settings(tx)?.off_today() {
        return Err(Error::Refused(message));
    }
    if basket.invoices.is_empty() && basket.top_ups.is_empty() {
        return Err(crate::error::invalid(
            "facture",
            "choisissez au moins une facture à payer ou un compte à approvisionner",
        ));
    }
    let mut items = Vec::new();
    let mut regie = None;
    let mut same_regie = |r: i64| -> Result<(), Error> {
        match regie {
            None => {
                regie = Some(r);
                Ok(())
            }
            Some(x) if x == r => Ok(()),
            Some(_) => Err(Error::Refused(
                "un paiement ne règle que ce qui est dû à une même régie : payez ces factures en plusieurs fois".into(),
            )),
        }
    };
    // An invoice waits for a payment of it still open (being opened at the
    // bank, or open there), unless the payer abandoned it.
    let busy = |open: Vec<PaymentRow>| open.iter().any(|p| holds_invoices(p, now));
    // Each invoice once, locked until commit (in one order, against
    // deadlocks): two payers at once cannot both find it free and open two
    // payments of it at the bank.
    let mut invoices = basket.invoices.clone();
    invoices.sort_unstable();
    invoices.dedup();
    for &id in &invoices {
        tx.lock_id("invoices", id)?;
    }
    for &id in &invoices {
        // Another foyer's invoice, or another collectivité's: not found.
        let invoice = rows::invoice(tx, id)?
            .filter(|i| i.household_id == payer.household)
            .ok_or(Error::NotFound)?;
        if invoice.state != "owed" {
            return Err(Error::Refused(format!(
                "la facture {} n’est plus à payer",
                invoice.reference
            )));
        }
        if busy(rows::open_payments_with(tx, Some(id), None)?) {
            return Err(Error::Refused(format!(
                "un paiement de la facture {} est en cours : terminez-le avec « Reprendre le paiement », ou abandonnez-le, puis recommencez",
                invoice.reference
            )));
        }
        same_regie(invoice.regie_id)?;
        items.push(ItemRow {
            tenant_id: 0,
            payment_id: 0,
            position: items.len() as i32,
            kind: "invoice".into(),
            invoice_id: Some(id),
            account_id: None,
            label: format!("Facture {} : {}", invoice.reference, invoice.label),
            amount_cents: invoice.amount_cents,
        });
    }
    for (id, raw) in &basket.top_ups {
        let account = rows::account(tx, *id)?
            .filter(|a| a.household_id == payer.household)
            .ok_or(Error::NotFound)?;
        let cents = super::billing::amount_cents(raw)
            .map_err(|m| crate::error::invalid(&format!("compte_{id}"), m))?;
        if cents < 100 {
            return Err(crate::error::invalid(
                &format!("compte_{id}"),
                "un approvisionnement est d’un euro au moins",
            ));
        }
        same_regie(account.regie_id)?;
        items.push(ItemRow {
            tenant_id: 0,
            payment_id: 0,
            position: items.len() as i32,
            kind: "deposit".into(),
            invoice_id: None,
            account_id: Some(*id),
            label: format!("Approvisionnement : {}", account.label),
            amount_cents: cents,
        });
    }
    let regie = rows::regie(tx, regie.unwrap_or_default())?.ok_or(Error::NotFound)?;
    let total: i64 = items.iter().map(|i| i.amount_cents).sum();
    payments::payfip_amount(Money::from_cents(total)).map_err(|m| Error::Refused(m.into()))?;
    if !payments::mel_ok(&payer.email) {
        return Err(Error::Refused(
            "le service de paiement demande une adresse électronique (6 à 80 caractères) : indiquez-la dans votre compte".into(),
        ));
    }
    let id = tx.next_id()?;
    let row = PaymentRow {
        tenant_id: 0,
        id,
        household_id: payer.household,
        regie_id: regie.id,
        reference: payments::refdet(id),
        provider: PAYFIP.into(),
        provider_ref: None,
        amount_cents: total,
        state: PaymentState::Initialized.code().into(),
        mode: PaymentMode::Internet.code().into(),
        email: payer.email.clone(),
        payer_name: payer.name.clone(),
        started_at: now,
        ended_at: None,
        checked_at: None,
        abandoned_at: None,
    };
    let objet = payments::objet(&match items.as_slice() {
        [one] => one.label.clone(),
        many => format!("{} articles, paiement {}", many.len(), row.reference),
    });
    rows::insert_payment(tx, &row, &items)?;
    let request = StartRequest {
        numcli: regie.numcli,
        mode: crate::domain::payments::RegieMode::parse(&regie.mode)
            .unwrap_or(crate::domain::payments::RegieMode::Test),
        exer: now.year(),
        refdet: row.reference,
        amount_cents: total,
        mel: payer.email.clone(),
        objet,
        notify_url: addresses.notify(),
        return_url: addresses.back(id),
    };
    Ok((id, request))
}

/// Not answered, not given up, and within the time the bank keeps a
/// payment open: its invoices wait for it.
fn holds_invoices(p: &PaymentRow, now: NaiveDateTime) -> bool {
    p.state == PaymentState::Initialized.code()
        && p.abandoned_at.is_none()
        && now - p.started_at < chrono::Duration::minutes(payments::PAYFIP_OPEN_MINUTES)
}

/// Open at the bank for its payer: [`holds_invoices`], and opened there.
fn is_open(p: &PaymentRow, now: NaiveDateTime) -> bool {
    holds_invoices(p, now) && p.provider_ref.is_some()
}

/// The payer gives up a payment the bank has not answered: the bank is
/// asked first (paid, it is settled); still open there, its invoices are
/// payable again at once. The bank is still asked later, by the poller: a
/// payment made anyway is recorded (the reconciliation shows an invoice
/// paid twice). `household`: only that foyer's payment.
pub fn abandon(
    store: &Store,
    tenant: TenantId,
    provider: &dyn Provider,
    household: i64,
    payment: i64,
) -> Result<PaymentState, Error> {
    let row = store
        .read(tenant, |tx| rows::payment(tx, payment))?
        .filter(|p| p.household_id == household)
        .ok_or(Error::NotFound)?;
    // The bank unreachable: abandoned all the same, the poller asks later.
    let state =
        settle(store, tenant, provider, row, "abandon").unwrap_or(PaymentState::Initialized);
    if state != PaymentState::Initialized {
        return Ok(state);
    }
    store.write(tenant, |tx| {
        if rows::abandon(tx, payment, Utc::now().naive_utc())? {
            history::write(
                tx,
                history::Line::Payment {
                    payment,
                    source: "abandon",
                    outcome: "abandoned",
                    state: PaymentState::Initialized,
                    data: serde_json::json!({}),
                },
            )?;
        }
        Ok::<_, Error>(())
    })?;
    Ok(PaymentState::Initialized)
}

fn outcome_code(o: &Outcome) -> &'static str {
    match o {
        Outcome::Paid {
            direct_debit: false,
        } => "paid_card",
        Outcome::Paid { direct_debit: true } => "paid_direct_debit",
        Outcome::Refused => "refused",
        Outcome::Cancelled => "cancelled",
        Outcome::Waiting => "waiting",
        Outcome::Expired => "expired",
    }
}

/// Asks the provider what became of the payment and settles it, once.
/// `source`: "notification", "return" or "poll". Answers its state.
pub fn check(
    store: &Store,
    tenant: TenantId,
    provider: &dyn Provider,
    payment: i64,
    source: &str,
) -> Result<PaymentState, Error> {
    let row = store
        .read(tenant, |tx| rows::payment(tx, payment))?
        .ok_or(Error::NotFound)?;
    settle(store, tenant, provider, row, source)
}

/// [`check`] for the payment the provider knows by `provider_ref` (a
/// notification, a return): not found when this collectivité has none.
pub fn check_notified(
    store: &Store,
    tenant: TenantId,
    provider: &dyn Provider,
    provider_ref: &str,
    source: &str,
) -> Result<(i64, PaymentState), Error> {
    let row = store
        .read(tenant, |tx| {
            rows::payment_by_provider_ref(tx, PAYFIP, provider_ref)
        })?
        .ok_or(Error::NotFound)?;
    let id = row.id;
    Ok((id, settle(store, tenant, provider, row, source)?))
}

fn settle(
    store: &Store,
    tenant: TenantId,
    provider: &dyn Provider,
    row: PaymentRow,
    source: &str,
) -> Result<PaymentState, Error> {
    let payment = row.id;
    let state = PaymentState::parse(&row.state).unwrap_or(PaymentState::Initialized);
    let Some(provider_ref) = row.provider_ref.clone() else {
        return Ok(state);
    };
    if state != PaymentState::Initialized {
        return Ok(state);
    }
    let now = Utc::now().naive_utc();
    let detail = match provider.detail(&provider_ref, row.started_at, now) {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(tenant = %tenant, payment, error = %e, "état du paiement non lu");
            return Err(Error::Refused(
                "le service de paiement ne répond pas : l’état de votre paiement sera relu dans quelques minutes".into(),
            ));
        }
    };
    store.write(tenant, |tx| {
        let outcome = outcome_code(&detail.outcome);
        // Each step of the payment in its history, with PayFiP's words.
        let told = |outcome, state| history::Line::Payment {
            payment,
            source,
            outcome,
            state,
            data: detail.data.clone(),
        };
        // What PayFiP says was paid must be this payment, to the cent.
        if matches!(detail.outcome, Outcome::Paid { .. })
            && (detail.refdet != row.reference || detail.amount_cents != Some(row.amount_cents))
        {
            history::write(tx, told("mismatch", PaymentState::Initialized))?;
            tracing::error!(tenant = %tenant, payment, "paiement : la banque décrit un autre paiement");
            return Ok(PaymentState::Initialized);
        }
        let Some(next) = detail.outcome.state() else {
            rows::touch_checked(tx, payment, now)?;
            history::write(tx, told(outcome, PaymentState::Initialized))?;
            return Ok(PaymentState::Initialized);
        };
        if !rows::settle(tx, payment, next.code(), now)? {
            // Settled meanwhile by another notification, return or poll.
            return Ok(rows::payment(tx, payment)?
                .and_then(|p| PaymentState::parse(&p.state))
                .unwrap_or(next));
        }
        history::write(tx, told(outcome, next))?;
        if next == PaymentState::Validated {
            apply(tx, &row, now)?;
        }
        Ok(next)
    })
}

/// The e-mail that comes with a payment's receipt (and its copy to the régie).
#[derive(serde::Serialize)]
struct Receipt {
    copy: bool,
    reference: String,
    payer: String,
    amount: String,
    collectivite: String,
    when: String,
    lines: Vec<ReceiptLine>,
}

#[derive(serde::Serialize)]
struct ReceiptLine {
    label: String,
    amount: String,
}

impl crate::mail::Email for Receipt {
    const NAME: &'static str = "payments/online/mails/receipt.hbs";
    const TEMPLATE: &'static str = include_str!("mails/receipt.hbs");
}

/// A validated payment's effects: its invoices paid, its accounts credited,
/// its receipt queued.
fn apply(tx: &mut TenantTx<'_>, payment: &PaymentRow, now: NaiveDateTime) -> Result<(), Error> {
    for item in rows::items(tx, payment.id)? {
        if let Some(invoice) = item.invoice_id {
            if rows::mark_paid(tx, invoice, payment.id, now)? {
                super::fees::paid(tx, invoice, &payment.reference)?;
            } else {
                // Paid meanwhile otherwise: the reconciliation shows it.
                tracing::warn!(payment = payment.id, invoice, "facture déjà réglée");
            }
        }
        if let Some(account) = item.account_id {
            rows::credit(
                tx,
                account,
                item.amount_cents,
                &item.label,
                Some(payment.id),
                now,
            )?;
        }
    }
    let me = tx.tenant();
    let site = tenancy::find_by_id(tx.conn(), me)?
        .map(|t| t.name)
        .unwrap_or_default();
    let mut email = Receipt {
        copy: false,
        reference: payment.reference.clone(),
        payer: payment.payer_name.clone(),
        amount: Money::from_cents(payment.amount_cents).format_fr(),
        collectivite: site,
        when: time::datetime_fr(now),
        lines: rows::items(tx, payment.id)?
            .into_iter()
            .map(|i| ReceiptLine {
                label: i.label,
                amount: Money::from_cents(i.amount_cents).format_fr(),
            })
            .collect(),
    };
    // The payer's receipt, and its copy to the régie.
    let regie_email = rows::regie(tx, payment.regie_id)?
        .map(|r| r.email)
        .unwrap_or_default();
    for (to, copy) in [
        (payment.email.as_str(), false),
        (regie_email.as_str(), true),
    ] {
        if to.is_empty() {
            continue;
        }
        email.copy = copy;
        let mail = outbox::send(tx, to, &email).map_err(Error::from)?;
        outbox::attach(
            tx,
            mail,
            &outbox::Attachment::PaymentReceipt {
                payment: payment.id,
            },
        )
        .map_err(Error::from)?;
    }
    Ok(())
}

/// Settles, collectivité by collectivité, the payments still open after a
/// minute without a word (their notification lost, their payer gone).
pub fn poll(store: &Store, provider: &dyn Provider) -> Result<(), JobError> {
    let before = Utc::now().naive_utc() - chrono::Duration::minutes(1);
    for tenant in store.platform_read(tenancy::ids)? {
        let waiting = store.read(tenant, |tx| rows::unsettled(tx, before, 100))?;
        for p in waiting {
            if let Err(e) = check(store, tenant, provider, p.id, "poll") {
                tracing::warn!(tenant = %tenant, payment = p.id, error = %e, "paiement non relu");
            }
        }
    }
    Ok(())
}

/// Payments in progress (started at the bank, not settled), by
/// collectivité's slug, for the metrics: one short read in each.
pub fn in_progress(store: &Store) -> Result<Vec<(String, i64)>, Error> {
    let mut counts = Vec::new();
    for tenant in store.platform_read(tenancy::list)? {
        counts.push((
            tenant.slug.clone(),
            store.read(tenant.id, rows::count_in_progress)?,
        ));
    }
    Ok(counts)
}

/// The poller, every minute.
pub fn register(runner: Runner, provider: Option<std::sync::Arc<dyn Provider>>) -> Runner {
    match provider {
        Some(p) => runner.every(
            POLL,
            std::time::Duration::from_secs(60),
            move |s: &Store, _: &Job| poll(s, p.as_ref()),
        ),
        None => runner,
    }
}

/// The platform's payment service, shared by the pages and the jobs.
#[derive(Clone)]
pub struct Online(pub std::sync::Arc<dyn Provider>);

/// A payment by card at the collectivité's terminal (a kiosk or the
/// counter), recorded by an agent: the invoices of a foyer at the régie,
/// by their references, paid at once.
pub fn record_card(
    tx: &mut TenantTx<'_>,
    actor: &str,
    regie: i64,
    household: &str,
    references: &str,
    authorisation: &str,
) -> Result<i64, Error> {
    let regie_row = rows::regie(tx, regie)?.ok_or(Error::NotFound)?;
    let mut checks = crate::error::Checks::default();
    let household = super::billing::foyer_number(tx, household, &mut checks)?;
    let wanted: Vec<&str> = references
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|r| !r.is_empty())
        .collect();
    if wanted.is_empty() {
        checks.add("references", "indiquez la référence d’au moins une facture");
    }
    let mut items = Vec::new();
    for reference in &wanted {
        match rows::invoice_by_reference(tx, regie, reference)? {
            Some(i) if household != 0 && i.household_id != household => checks.add(
                "references",
                format!("la facture {reference} n’est pas celle de ce foyer"),
            ),
            Some(i) if i.state != "owed" => checks.add(
                "references",
                format!("la facture {reference} n’est plus à payer"),
            ),
            Some(i) => items.push(ItemRow {
                tenant_id: 0,
                payment_id: 0,
                position: items.len() as i32,
                kind: "invoice".into(),
                invoice_id: Some(i.id),
                account_id: None,
                label: format!("Facture {} : {}", i.reference, i.label),
                amount_cents: i.amount_cents,
            }),
            None => checks.add(
                "references",
                format!("aucune facture de cette régie ne porte la référence {reference}"),
            ),
        }
    }
    let authorisation = authorisation.trim();
    if authorisation.chars().count() > 40 {
        checks.add("authorisation", "40 caractères au plus");
    }
    checks.finish()?;
    let now = Utc::now().naive_utc();
    let payer = crate::foyers::foyer(tx, household)?;
    let responsible = payer.members.iter().find(|m| m.responsible);
    let id = tx.next_id()?;
    let row = PaymentRow {
        tenant_id: 0,
        id,
        household_id: household,
        regie_id: regie_row.id,
        reference: payments::refdet(id),
        provider: "terminal".into(),
        provider_ref: None,
        amount_cents: items.iter().map(|i| i.amount_cents).sum(),
        state: PaymentState::Initialized.code().into(),
        mode: PaymentMode::Card.code().into(),
        email: responsible.map(|m| m.email.clone()).unwrap_or_default(),
        payer_name: responsible.map(|m| m.name.clone()).unwrap_or_default(),
        started_at: now,
        ended_at: None,
        checked_at: None,
        abandoned_at: None,
    };
    rows::insert_payment(tx, &row, &items)?;
    rows::settle(tx, id, PaymentState::Validated.code(), now)?;
    history::write(
        tx,
        history::Line::Payment {
            payment: id,
            source: "start",
            outcome: "paid_card",
            state: PaymentState::Validated,
            data: serde_json::json!({ "agent": actor, "numauto": authorisation }),
        },
    )?;
    apply(tx, &row, now)?;
    crate::audit::record(
        tx,
        crate::audit::Change {
            actor,
            action: "payment.card",
            object_type: "payment",
            object_id: &id.to_string(),
            before: None,
            after: Some(
                serde_json::json!({ "amount_cents": row.amount_cents, "invoices": wanted }),
            ),
        },
    )?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use crate::mail::template::check;

    #[test]
    fn the_receipt_email_lists_what_was_paid() {
        let mut email = super::Receipt {
            copy: false,
            reference: "GU0000000042".into(),
            payer: "Zoé Martin".into(),
            amount: "15,50 €".into(),
            collectivite: "Arles".into(),
            when: "7 décembre 2026 à 14 h 05".into(),
            lines: vec![
                super::ReceiptLine {
                    label: "Cantine".into(),
                    amount: "12,50 €".into(),
                },
                super::ReceiptLine {
                    label: "Garderie".into(),
                    amount: "3,00 €".into(),
                },
            ],
        };
        let written = check(&email);
        assert_eq!(written.subject, "Reçu de votre paiement GU0000000042");
        assert_eq!(
            written.body,
            "Bonjour,\n\nVotre paiement de 15,50 € à Arles est enregistré le 7 décembre 2026 à 14 h 05 (référence GU0000000042).\n\n- Cantine : 12,50 €\n- Garderie : 3,00 €\n\nLe reçu est joint à ce message ; vous le retrouvez aussi dans « Mes paiements ».\n"
        );
        email.copy = true;
        assert_eq!(
            check(&email).subject,
            "Copie : paiement GU0000000042 de Zoé Martin"
        );
    }
}
