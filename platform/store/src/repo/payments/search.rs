//! The back office's reading of payments: the search (every field narrows,
//! ordered and paged), a régie's validated payments of a day, its invoices.

use super::*;

/// What the back office's search of payments asks for; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct PaymentFilter {
    pub state: Option<String>,
    pub regie: Option<i64>,
    pub mode: Option<String>,
}

/// The search's orders: by payer's name, by foyer (account) number, by
/// start (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentSort {
    Payer,
    Household,
    Started,
}

/// A page of the payments found, and how many there are.
pub fn search_payments(
    tx: &mut TenantTx<'_>,
    filter: &PaymentFilter,
    sort: PaymentSort,
    limit: i64,
    offset: i64,
) -> Result<(Vec<PaymentRow>, i64), StoreError> {
    let mine = tx.rows(payments::table);
    let build = || {
        let mut q = mine.into_boxed();
        if let Some(s) = &filter.state {
            q = q.filter(payments::state.eq(s.clone()));
        }
        if let Some(r) = filter.regie {
            q = q.filter(payments::regie_id.eq(r));
        }
        if let Some(m) = &filter.mode {
            q = q.filter(payments::mode.eq(m.clone()));
        }
        q
    };
    let total: i64 = build().count().get_result(tx.conn())?;
    let q = build();
    let q = match sort {
        PaymentSort::Payer => q.order((payments::payer_name, payments::id.desc())),
        PaymentSort::Household => q.order((payments::household_id, payments::id.desc())),
        PaymentSort::Started => q.order((payments::started_at.desc(), payments::id.desc())),
    };
    let rows = q
        .limit(limit)
        .offset(offset)
        .select(PaymentRow::as_select())
        .load(tx.conn())?;
    Ok((rows, total))
}

/// The régie's payments validated between two instants.
pub fn validated_between(
    tx: &mut TenantTx<'_>,
    regie: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<PaymentRow>, StoreError> {
    Ok(tx
        .rows(payments::table)
        .filter(payments::regie_id.eq(regie))
        .filter(payments::state.eq("validated"))
        .filter(payments::ended_at.ge(from))
        .filter(payments::ended_at.lt(to))
        .order(payments::ended_at)
        .select(PaymentRow::as_select())
        .load(tx.conn())?)
}

/// A régie's invoices, newest first, at most `limit`.
pub fn invoices_of_regie(
    tx: &mut TenantTx<'_>,
    regie: i64,
    limit: i64,
) -> Result<Vec<InvoiceRow>, StoreError> {
    Ok(tx
        .rows(invoices::table)
        .filter(invoices::regie_id.eq(regie))
        .order((invoices::created_at.desc(), invoices::id.desc()))
        .limit(limit)
        .select(InvoiceRow::as_select())
        .load(tx.conn())?)
}
