//! Régies, what foyers owe (invoices, fees, deposit accounts) and payments.

mod fees;
pub use fees::{
    categories_for, fee_of, fee_of_request, fees_of_regie, regie_of, set_categories, set_fee,
};
mod search;
pub use search::{
    invoices_of_regie, search_payments, validated_between, PaymentFilter, PaymentSort,
};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{
    categories, deposit_accounts, deposit_movements, invoice_lines, invoices, payment_events,
    payment_items, payments, regies, settings, teleservices,
};
use crate::{StoreError, TenantTx};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = regies)]
pub struct RegieRow {
    pub tenant_id: i64,
    pub id: i64,
    pub label: String,
    pub label_key: String,
    pub numcli: String,
    pub mode: String,
    pub email: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn regies(tx: &mut TenantTx<'_>) -> Result<Vec<RegieRow>, StoreError> {
    Ok(tx
        .rows(regies::table)
        .order(regies::label_key)
        .select(RegieRow::as_select())
        .load(tx.conn())?)
}

pub fn regie(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<RegieRow>, StoreError> {
    Ok(tx
        .rows(regies::table)
        .filter(regies::id.eq(id))
        .select(RegieRow::as_select())
        .first(tx.conn())
        .optional()?)
}

/// True when another régie than `except` has this label (folded).
pub fn regie_label_taken(
    tx: &mut TenantTx<'_>,
    key: &str,
    except: Option<i64>,
) -> Result<bool, StoreError> {
    let mut q = tx
        .rows(regies::table)
        .filter(regies::label_key.eq(key))
        .select(regies::id)
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(regies::id.ne(id));
    }
    Ok(q.first::<i64>(tx.conn()).optional()?.is_some())
}

pub fn insert_regie(tx: &mut TenantTx<'_>, row: &RegieRow) -> Result<(), StoreError> {
    let row = RegieRow {
        tenant_id: tx.tenant_key(),
        ..row.clone()
    };
    diesel::insert_into(regies::table)
        .values(&row)
        .execute(tx.conn())?;
    Ok(())
}

pub fn update_regie(tx: &mut TenantTx<'_>, row: &RegieRow) -> Result<(), StoreError> {
    let row = RegieRow {
        tenant_id: tx.tenant_key(),
        ..row.clone()
    };
    diesel::update(tx.rows(regies::table).filter(regies::id.eq(row.id)))
        .set(&row)
        .execute(tx.conn())?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = invoices)]
pub struct InvoiceRow {
    pub tenant_id: i64,
    pub id: i64,
    pub household_id: i64,
    pub regie_id: i64,
    pub kind: String,
    pub reference: String,
    pub label: String,
    pub amount_cents: i64,
    pub issued_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub request_id: Option<i64>,
    pub state: String,
    pub payment_id: Option<i64>,
    pub paid_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = invoice_lines)]
pub struct InvoiceLineRow {
    pub tenant_id: i64,
    pub invoice_id: i64,
    pub position: i32,
    pub label: String,
    pub quantity: i32,
    pub unit_cents: i64,
    pub amount_cents: i64,
}

pub fn insert_invoice(
    tx: &mut TenantTx<'_>,
    row: &InvoiceRow,
    lines: &[InvoiceLineRow],
) -> Result<(), StoreError> {
    let tenant = tx.tenant_key();
    let row = InvoiceRow {
        tenant_id: tenant,
        ..row.clone()
    };
    diesel::insert_into(invoices::table)
        .values(&row)
        .execute(tx.conn())?;
    for line in lines {
        let line = InvoiceLineRow {
            tenant_id: tenant,
            invoice_id: row.id,
            ..line.clone()
        };
        diesel::insert_into(invoice_lines::table)
            .values(&line)
            .execute(tx.conn())?;
    }
    Ok(())
}

pub fn invoice(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<InvoiceRow>, StoreError> {
    Ok(tx
        .rows(invoices::table)
        .filter(invoices::id.eq(id))
        .select(InvoiceRow::as_select())
        .first(tx.conn())
        .optional()?)
}

pub fn invoice_by_reference(
    tx: &mut TenantTx<'_>,
    regie: i64,
    reference: &str,
) -> Result<Option<InvoiceRow>, StoreError> {
    Ok(tx
        .rows(invoices::table)
        .filter(invoices::regie_id.eq(regie))
        .filter(invoices::reference.eq(reference))
        .select(InvoiceRow::as_select())
        .first(tx.conn())
        .optional()?)
}

/// A foyer's invoices, the owed first, newest first.
pub fn invoices_of(tx: &mut TenantTx<'_>, household: i64) -> Result<Vec<InvoiceRow>, StoreError> {
    Ok(tx
        .rows(invoices::table)
        .filter(invoices::household_id.eq(household))
        .order((invoices::issued_on.desc(), invoices::id.desc()))
        .select(InvoiceRow::as_select())
        .load(tx.conn())?)
}

pub fn lines(tx: &mut TenantTx<'_>, invoice: i64) -> Result<Vec<InvoiceLineRow>, StoreError> {
    Ok(tx
        .rows(invoice_lines::table)
        .filter(invoice_lines::invoice_id.eq(invoice))
        .order(invoice_lines::position)
        .select(InvoiceLineRow::as_select())
        .load(tx.conn())?)
}

/// Marks an owed invoice paid by `payment`; false when it was not owed.
pub fn mark_paid(
    tx: &mut TenantTx<'_>,
    invoice: i64,
    payment: i64,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        tx.rows(invoices::table)
            .filter(invoices::id.eq(invoice))
            .filter(invoices::state.eq("owed")),
    )
    .set((
        invoices::state.eq("paid"),
        invoices::payment_id.eq(Some(payment)),
        invoices::paid_at.eq(Some(at)),
    ))
    .execute(tx.conn())?
        == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = deposit_accounts)]
pub struct AccountRow {
    pub tenant_id: i64,
    pub id: i64,
    pub household_id: i64,
    pub regie_id: i64,
    pub reference: String,
    pub label: String,
    pub balance_cents: i64,
    pub updated_at: NaiveDateTime,
}

pub fn insert_account(tx: &mut TenantTx<'_>, row: &AccountRow) -> Result<(), StoreError> {
    let row = AccountRow {
        tenant_id: tx.tenant_key(),
        ..row.clone()
    };
    diesel::insert_into(deposit_accounts::table)
        .values(&row)
        .execute(tx.conn())?;
    Ok(())
}

pub fn account(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<AccountRow>, StoreError> {
    Ok(tx
        .rows(deposit_accounts::table)
        .filter(deposit_accounts::id.eq(id))
        .select(AccountRow::as_select())
        .first(tx.conn())
        .optional()?)
}

pub fn account_by_reference(
    tx: &mut TenantTx<'_>,
    regie: i64,
    reference: &str,
) -> Result<Option<AccountRow>, StoreError> {
    Ok(tx
        .rows(deposit_accounts::table)
        .filter(deposit_accounts::regie_id.eq(regie))
        .filter(deposit_accounts::reference.eq(reference))
        .select(AccountRow::as_select())
        .first(tx.conn())
        .optional()?)
}

/// A régie's accounts, by label.
pub fn accounts_of_regie(tx: &mut TenantTx<'_>, regie: i64) -> Result<Vec<AccountRow>, StoreError> {
    Ok(tx
        .rows(deposit_accounts::table)
        .filter(deposit_accounts::regie_id.eq(regie))
        .order((deposit_accounts::household_id, deposit_accounts::label))
        .select(AccountRow::as_select())
        .load(tx.conn())?)
}

pub fn accounts_of(tx: &mut TenantTx<'_>, household: i64) -> Result<Vec<AccountRow>, StoreError> {
    Ok(tx
        .rows(deposit_accounts::table)
        .filter(deposit_accounts::household_id.eq(household))
        .order(deposit_accounts::label)
        .select(AccountRow::as_select())
        .load(tx.conn())?)
}

/// Adds a movement to an account and moves its balance, in one step.
pub fn credit(
    tx: &mut TenantTx<'_>,
    account: i64,
    amount_cents: i64,
    label: &str,
    payment: Option<i64>,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let id = tx.next_id()?;
    diesel::insert_into(deposit_movements::table)
        .values((
            tx.tenant_of(deposit_movements::table),
            deposit_movements::id.eq(id),
            deposit_movements::account_id.eq(account),
            deposit_movements::amount_cents.eq(amount_cents),
            deposit_movements::label.eq(label),
            deposit_movements::payment_id.eq(payment),
            deposit_movements::occurred_at.eq(at),
        ))
        .execute(tx.conn())?;
    diesel::update(
        tx.rows(deposit_accounts::table)
            .filter(deposit_accounts::id.eq(account)),
    )
    .set((
        deposit_accounts::balance_cents.eq(deposit_accounts::balance_cents + amount_cents),
        deposit_accounts::updated_at.eq(at),
    ))
    .execute(tx.conn())?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = payments)]
pub struct PaymentRow {
    pub tenant_id: i64,
    pub id: i64,
    pub household_id: i64,
    pub regie_id: i64,
    pub reference: String,
    pub provider: String,
    pub provider_ref: Option<String>,
    pub amount_cents: i64,
    pub state: String,
    pub mode: String,
    pub email: String,
    pub payer_name: String,
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub checked_at: Option<NaiveDateTime>,
    /// The payer gave it up before the bank answered.
    pub abandoned_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = payment_items)]
pub struct ItemRow {
    pub tenant_id: i64,
    pub payment_id: i64,
    pub position: i32,
    pub kind: String,
    pub invoice_id: Option<i64>,
    pub account_id: Option<i64>,
    pub label: String,
    pub amount_cents: i64,
}

pub fn insert_payment(
    tx: &mut TenantTx<'_>,
    row: &PaymentRow,
    items: &[ItemRow],
) -> Result<(), StoreError> {
    let tenant = tx.tenant_key();
    let row = PaymentRow {
        tenant_id: tenant,
        ..row.clone()
    };
    diesel::insert_into(payments::table)
        .values(&row)
        .execute(tx.conn())?;
    for item in items {
        let item = ItemRow {
            tenant_id: tenant,
            payment_id: row.id,
            ..item.clone()
        };
        diesel::insert_into(payment_items::table)
            .values(&item)
            .execute(tx.conn())?;
    }
    Ok(())
}

pub fn payment(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<PaymentRow>, StoreError> {
    Ok(tx
        .rows(payments::table)
        .filter(payments::id.eq(id))
        .select(PaymentRow::as_select())
        .first(tx.conn())
        .optional()?)
}

pub fn payment_by_provider_ref(
    tx: &mut TenantTx<'_>,
    provider: &str,
    provider_ref: &str,
) -> Result<Option<PaymentRow>, StoreError> {
    Ok(tx
        .rows(payments::table)
        .filter(payments::provider.eq(provider))
        .filter(payments::provider_ref.eq(provider_ref))
        .select(PaymentRow::as_select())
        .first(tx.conn())
        .optional()?)
}

pub fn items(tx: &mut TenantTx<'_>, payment: i64) -> Result<Vec<ItemRow>, StoreError> {
    Ok(tx
        .rows(payment_items::table)
        .filter(payment_items::payment_id.eq(payment))
        .order(payment_items::position)
        .select(ItemRow::as_select())
        .load(tx.conn())?)
}

/// The items of several payments, in their order.
pub fn items_of(tx: &mut TenantTx<'_>, payments: &[i64]) -> Result<Vec<ItemRow>, StoreError> {
    Ok(tx
        .rows(payment_items::table)
        .filter(payment_items::payment_id.eq_any(payments))
        .order((payment_items::payment_id, payment_items::position))
        .select(ItemRow::as_select())
        .load(tx.conn())?)
}

/// The provider's reference, once it opened the payment.
pub fn set_provider_ref(
    tx: &mut TenantTx<'_>,
    payment: i64,
    provider_ref: &str,
) -> Result<(), StoreError> {
    diesel::update(tx.rows(payments::table).filter(payments::id.eq(payment)))
        .set(payments::provider_ref.eq(Some(provider_ref)))
        .execute(tx.conn())?;
    Ok(())
}

/// Moves an initialized payment to `state`; false when it was no longer
/// initialized (another process settled it first): exactly once.
pub fn settle(
    tx: &mut TenantTx<'_>,
    payment: i64,
    state: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        tx.rows(payments::table)
            .filter(payments::id.eq(payment))
            .filter(payments::state.eq("initialized")),
    )
    .set((
        payments::state.eq(state),
        payments::ended_at.eq(Some(at)),
        payments::checked_at.eq(Some(at)),
    ))
    .execute(tx.conn())?
        == 1)
}

pub fn touch_checked(
    tx: &mut TenantTx<'_>,
    payment: i64,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(tx.rows(payments::table).filter(payments::id.eq(payment)))
        .set(payments::checked_at.eq(Some(at)))
        .execute(tx.conn())?;
    Ok(())
}

/// A foyer's payments, newest first.
pub fn payments_of(tx: &mut TenantTx<'_>, household: i64) -> Result<Vec<PaymentRow>, StoreError> {
    Ok(tx
        .rows(payments::table)
        .filter(payments::household_id.eq(household))
        .order((payments::started_at.desc(), payments::id.desc()))
        .select(PaymentRow::as_select())
        .load(tx.conn())?)
}

/// Payments started at the bank and not settled yet.
pub fn count_in_progress(tx: &mut TenantTx<'_>) -> Result<i64, StoreError> {
    Ok(tx
        .rows(payments::table)
        .filter(payments::state.eq("initialized"))
        .count()
        .get_result(tx.conn())?)
}

/// Initialized payments last checked before `before` (or never), oldest first.
pub fn unsettled(
    tx: &mut TenantTx<'_>,
    before: NaiveDateTime,
    limit: i64,
) -> Result<Vec<PaymentRow>, StoreError> {
    Ok(tx
        .rows(payments::table)
        .filter(payments::state.eq("initialized"))
        .filter(payments::provider_ref.is_not_null())
        .filter(
            payments::checked_at
                .is_null()
                .or(payments::checked_at.lt(before)),
        )
        .order(payments::started_at)
        .limit(limit)
        .select(PaymentRow::as_select())
        .load(tx.conn())?)
}

/// Initialized payments holding this invoice or account (the item's kind).
/// Marks an open payment abandoned by its payer; false when it is not open
/// any more (settled meanwhile) or was abandoned already.
pub fn abandon(tx: &mut TenantTx<'_>, id: i64, at: NaiveDateTime) -> Result<bool, StoreError> {
    let n = diesel::update(
        tx.rows(payments::table)
            .filter(payments::id.eq(id))
            .filter(payments::state.eq("initialized"))
            .filter(payments::abandoned_at.is_null()),
    )
    .set(payments::abandoned_at.eq(Some(at)))
    .execute(tx.conn())?;
    Ok(n == 1)
}

pub fn open_payments_with(
    tx: &mut TenantTx<'_>,
    invoice: Option<i64>,
    account: Option<i64>,
) -> Result<Vec<PaymentRow>, StoreError> {
    let mut q = payment_items::table
        .inner_join(
            payments::table.on(payments::tenant_id
                .eq(payment_items::tenant_id)
                .and(payments::id.eq(payment_items::payment_id))),
        )
        .filter(tx.tenant_of(payment_items::table))
        .filter(payments::state.eq("initialized"))
        .select(PaymentRow::as_select())
        .into_boxed();
    if let Some(i) = invoice {
        q = q.filter(payment_items::invoice_id.eq(i));
    }
    if let Some(a) = account {
        q = q.filter(payment_items::account_id.eq(a));
    }
    Ok(q.load(tx.conn())?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = payment_events)]
pub struct EventRow {
    pub tenant_id: i64,
    pub id: i64,
    pub payment_id: i64,
    pub occurred_at: NaiveDateTime,
    pub source: String,
    pub outcome: String,
    pub state: String,
    pub data: String,
}

pub fn insert_event(tx: &mut TenantTx<'_>, row: &EventRow) -> Result<(), StoreError> {
    let tenant = tx.tenant_key();
    diesel::insert_into(payment_events::table)
        .values(&EventRow {
            tenant_id: tenant,
            ..row.clone()
        })
        .execute(tx.conn())?;
    Ok(())
}

pub fn events(tx: &mut TenantTx<'_>, payment: i64) -> Result<Vec<EventRow>, StoreError> {
    Ok(tx
        .rows(payment_events::table)
        .filter(payment_events::payment_id.eq(payment))
        .order((payment_events::occurred_at, payment_events::id))
        .select(EventRow::as_select())
        .load(tx.conn())?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = settings, treat_none_as_null = true)]
pub struct PaymentSettingsRow {
    pub payments_off_from: Option<NaiveDate>,
    pub payments_off_until: Option<NaiveDate>,
    pub payments_off_message: String,
    pub show_payments_in_progress: bool,
    pub show_payment_history: bool,
}

/// The collectivité's payment settings (`None`: no settings row yet).
pub fn payment_settings(tx: &mut TenantTx<'_>) -> Result<Option<PaymentSettingsRow>, StoreError> {
    Ok(tx
        .rows(settings::table)
        .select(PaymentSettingsRow::as_select())
        .first(tx.conn())
        .optional()?)
}

/// Saves them on the settings row (which must exist); false if none.
pub fn save_payment_settings(
    tx: &mut TenantTx<'_>,
    row: &PaymentSettingsRow,
) -> Result<bool, StoreError> {
    Ok(diesel::update(tx.rows(settings::table))
        .set(row)
        .execute(tx.conn())?
        == 1)
}

/// What was recorded for a payment: the invoices it paid, the movements of
/// the accounts it credited (cents).
pub fn recorded(tx: &mut TenantTx<'_>, payment: i64) -> Result<i64, StoreError> {
    let invoices: Vec<i64> = tx
        .rows(invoices::table)
        .filter(invoices::payment_id.eq(payment))
        .select(invoices::amount_cents)
        .load(tx.conn())?;
    let movements: Vec<i64> = tx
        .rows(deposit_movements::table)
        .filter(deposit_movements::payment_id.eq(payment))
        .select(deposit_movements::amount_cents)
        .load(tx.conn())?;
    Ok(invoices.iter().sum::<i64>() + movements.iter().sum::<i64>())
}
