//! Payments as households and agents read them: a payment with its items
//! and what the bank said, a foyer's overview, and the receipt of a
//! validated payment (as PDF, and as an e-mail's attachment).

use super::*;

/// A validated payment's receipt (`household`: only if it is that foyer's):
/// its reference and the PDF.
pub fn receipt(
    tx: &mut TenantTx<'_>,
    household: Option<i64>,
    payment: i64,
) -> Result<(String, crate::pdf::Document), Error> {
    use crate::pdf::{Block, Document};
    let p = rows::payment(tx, payment)?
        .filter(|p| household.is_none_or(|h| h == p.household_id))
        .filter(|p| p.state == PaymentState::Validated.code())
        .ok_or(Error::NotFound)?;
    let me = tx.tenant();
    let tenant = tenancy::find_by_id(tx.conn(), me)?.ok_or(Error::NotFound)?;
    let regie = rows::regie(tx, p.regie_id)?.ok_or(Error::NotFound)?;
    let how = rows::events(tx, payment)?
        .iter()
        .rev()
        .find_map(|e| match e.outcome.as_str() {
            "paid_card" => Some("carte bancaire"),
            "paid_direct_debit" => Some("prélèvement"),
            _ => None,
        })
        .unwrap_or("en ligne");
    let mut doc = Document::new(format!("Reçu de paiement {}", p.reference));
    doc.letterhead = std::iter::once(tenant.name.clone())
        .chain(
            tenant
                .postal_address
                .lines()
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty()),
        )
        .collect();
    doc.push(Block::Title(format!("Reçu de paiement {}", p.reference)));
    for (label, value) in [
        (
            "Payé le",
            p.ended_at.map(time::datetime_fr).unwrap_or_default(),
        ),
        ("Montant", Money::from_cents(p.amount_cents).format_fr()),
        ("Moyen de paiement", how.to_owned()),
        ("Régie", regie.label.clone()),
        ("Payeur", p.payer_name.clone()),
        ("Foyer n°", p.household_id.to_string()),
    ] {
        doc.push(Block::Field {
            label: label.into(),
            value,
        });
    }
    doc.push(Block::Heading("Ce qui est payé".into()));
    for item in rows::items(tx, payment)? {
        doc.push(Block::Field {
            label: item.label,
            value: Money::from_cents(item.amount_cents).format_fr(),
        });
    }
    Ok((p.reference, doc))
}

/// A payment as pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentView {
    pub id: i64,
    pub household_id: i64,
    pub reference: String,
    pub regie: String,
    pub amount: String,
    pub amount_cents: i64,
    pub state: String,
    pub state_label: &'static str,
    pub mode_label: &'static str,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub payer_name: String,
    pub email: String,
    pub provider_ref: Option<String>,
    pub items: Vec<ItemView>,
    pub validated: bool,
    pub initialized: bool,
    /// Open at the bank: the payer may go back to it, or give it up.
    pub open: bool,
    pub abandoned: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub label: String,
    pub amount: String,
}

/// What the provider said, for agents.
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub at: String,
    pub source: &'static str,
    pub outcome: &'static str,
    pub state_label: &'static str,
    pub data: String,
}

/// Payments as pages show them: the régies and the items of them all read
/// in two queries, whatever their number.
pub fn views(tx: &mut TenantTx<'_>, payments: Vec<PaymentRow>) -> Result<Vec<PaymentView>, Error> {
    let regies: std::collections::HashMap<i64, String> = rows::regies(tx)?
        .into_iter()
        .map(|r| (r.id, r.label))
        .collect();
    let ids: Vec<i64> = payments.iter().map(|p| p.id).collect();
    let now = Utc::now().naive_utc();
    let mut items: std::collections::HashMap<i64, Vec<ItemView>> = std::collections::HashMap::new();
    for i in rows::items_of(tx, &ids)? {
        items.entry(i.payment_id).or_default().push(ItemView {
            label: i.label,
            amount: Money::from_cents(i.amount_cents).format_fr(),
        });
    }
    Ok(payments
        .into_iter()
        .map(|p| {
            let state = PaymentState::parse(&p.state).unwrap_or(PaymentState::Initialized);
            let (open, abandoned) = (is_open(&p, now), p.abandoned_at.is_some());
            PaymentView {
                id: p.id,
                household_id: p.household_id,
                reference: p.reference,
                regie: regies.get(&p.regie_id).cloned().unwrap_or_default(),
                amount: Money::from_cents(p.amount_cents).format_fr(),
                amount_cents: p.amount_cents,
                state_label: state.label(),
                state: p.state,
                mode_label: PaymentMode::parse(&p.mode)
                    .unwrap_or(PaymentMode::Internet)
                    .label(),
                started_at: time::datetime_fr(p.started_at),
                ended_at: p.ended_at.map(time::datetime_fr),
                payer_name: p.payer_name,
                email: p.email,
                provider_ref: p.provider_ref,
                items: items.remove(&p.id).unwrap_or_default(),
                validated: state == PaymentState::Validated,
                initialized: state == PaymentState::Initialized,
                open,
                abandoned,
            }
        })
        .collect())
}

/// One payment (`household`: only if it is that foyer's).
pub fn view(tx: &mut TenantTx<'_>, household: Option<i64>, id: i64) -> Result<PaymentView, Error> {
    let p = rows::payment(tx, id)?
        .filter(|p| household.is_none_or(|h| h == p.household_id))
        .ok_or(Error::NotFound)?;
    Ok(views(tx, vec![p])?.remove(0))
}

/// Every word of the provider on a payment, for agents.
pub fn events(tx: &mut TenantTx<'_>, id: i64) -> Result<Vec<EventView>, Error> {
    Ok(rows::events(tx, id)?
        .into_iter()
        .map(|e| EventView {
            at: time::datetime_fr(e.occurred_at),
            source: match e.source.as_str() {
                "start" => "ouverture",
                "notification" => "notification de la banque",
                "return" => "retour du payeur",
                "abandon" => "abandon par le payeur",
                _ => "relecture automatique",
            },
            state_label: PaymentState::parse(&e.state)
                .unwrap_or(PaymentState::Initialized)
                .label(),
            outcome: match e.outcome.as_str() {
                "opened" => "paiement ouvert à la banque",
                "error" => "banque injoignable, ou refus à l’ouverture",
                "paid_card" => "payé par carte",
                "paid_direct_debit" => "payé par prélèvement",
                "refused" => "refusé",
                "cancelled" => "abandonné par le payeur",
                "waiting" => "pas encore de réponse",
                "expired" => "expiré sans paiement",
                "mismatch" => "réponse décrivant un autre paiement, ignorée",
                "abandoned" => "abandonné dans « Mes paiements » avant la réponse de la banque",
                _ => "réponse inconnue",
            },
            data: e.data,
        })
        .collect())
}

/// « Mes paiements »: what the foyer owes, its accounts, its payments in
/// progress and done, as the collectivité's settings allow.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub owed: Vec<crate::payments::billing::Invoice>,
    pub accounts: Vec<crate::payments::billing::Account>,
    pub in_progress: Vec<PaymentView>,
    pub history: Vec<PaymentView>,
    pub paid: Vec<crate::payments::billing::Invoice>,
    /// Online payment off today: what households read instead.
    pub off: Option<String>,
    pub show_in_progress: bool,
    pub show_history: bool,
}

pub fn overview(tx: &mut TenantTx<'_>, household: i64) -> Result<Overview, Error> {
    let s = settings(tx)?;
    let invoices = rows::invoices_of(tx, household)?;
    let (owed, paid): (Vec<_>, Vec<_>) = invoices
        .into_iter()
        .filter(|i| i.state != "cancelled")
        .map(crate::payments::billing::invoice_view)
        .partition(|i| i.state == "owed");
    let accounts = rows::accounts_of(tx, household)?
        .into_iter()
        .map(crate::payments::billing::account_view)
        .collect();
    let mine = rows::payments_of(tx, household)?;
    let (in_progress, history): (Vec<_>, Vec<_>) =
        views(tx, mine)?.into_iter().partition(|v| v.initialized);
    let owed = crate::payments::billing::with_lines(tx, owed)?;
    Ok(Overview {
        owed,
        accounts,
        in_progress: if s.show_in_progress {
            in_progress
        } else {
            Vec::new()
        },
        history: if s.show_history { history } else { Vec::new() },
        paid: if s.show_history { paid } else { Vec::new() },
        off: s.off_today(),
        show_in_progress: s.show_in_progress,
        show_history: s.show_history,
    })
}

/// Draws the receipt a payment's e-mail carries, as it is at sending time.
pub fn draw_receipt(
    store: &Store,
    _: &crate::files::FileStore,
    tenant: crate::tenancy::TenantId,
    attachment: &outbox::Attachment,
) -> Result<outbox::File, JobError> {
    let outbox::Attachment::PaymentReceipt { payment } = attachment else {
        return Err(JobError::Fail("pièce jointe d’un autre genre".into()));
    };
    let (reference, document) = store
        .read(tenant, |tx| receipt(tx, None, *payment))
        .map_err(|e| JobError::Fail(format!("reçu du paiement {payment} : {e}")))?;
    Ok(outbox::File {
        filename: format!("Recu_Paiement_{reference}.pdf"),
        content_type: "application/pdf".into(),
        bytes: document.render(),
    })
}
