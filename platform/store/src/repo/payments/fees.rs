//! Fees and what each régie collects: the fee of a téléservice, the régie
//! collecting for it (its own, or its category's), a request's fee.

use super::*;

/// A téléservice with its fee and the régie collecting for it: its own, or
/// its category's.
#[derive(Debug, Clone, Queryable)]
struct Collected {
    id: i64,
    code: String,
    label: String,
    fee_cents: Option<i64>,
    regie_id: Option<i64>,
    category_id: Option<i64>,
}

fn collected(tx: &mut TenantTx<'_>) -> Result<Vec<Collected>, StoreError> {
    let services: Vec<Collected> = tx
        .rows(teleservices::table)
        .order(teleservices::label)
        .select((
            teleservices::id,
            teleservices::code,
            teleservices::label,
            teleservices::fee_cents,
            teleservices::regie_id,
            teleservices::category_id,
        ))
        .load(tx.conn())?;
    let by_category: std::collections::HashMap<i64, i64> = tx
        .rows(categories::table)
        .filter(categories::regie_id.is_not_null())
        .select((categories::id, categories::regie_id))
        .load::<(i64, Option<i64>)>(tx.conn())?
        .into_iter()
        .filter_map(|(c, r)| Some((c, r?)))
        .collect();
    Ok(services
        .into_iter()
        .map(|s| Collected {
            regie_id: s
                .regie_id
                .or_else(|| s.category_id.and_then(|c| by_category.get(&c).copied())),
            ..s
        })
        .collect())
}

/// A téléservice's fee and the régie that collects it, if it has one.
pub fn fee_of(tx: &mut TenantTx<'_>, teleservice: i64) -> Result<Option<(i64, i64)>, StoreError> {
    Ok(collected(tx)?
        .into_iter()
        .find(|s| s.id == teleservice)
        .and_then(|s| Some((s.fee_cents.filter(|f| *f > 0)?, s.regie_id?))))
}

/// Sets a téléservice's fee (`None`: none) and its own régie (`None`: its
/// category's).
pub fn set_fee(
    tx: &mut TenantTx<'_>,
    code: &str,
    fee: Option<i64>,
    regie: Option<i64>,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        tx.rows(teleservices::table)
            .filter(teleservices::code.eq(code)),
    )
    .set((
        teleservices::fee_cents.eq(fee),
        teleservices::regie_id.eq(regie),
    ))
    .execute(tx.conn())?
        == 1)
}

/// The régie collecting for a téléservice (its own, or its category's).
pub fn regie_of(tx: &mut TenantTx<'_>, code: &str) -> Result<Option<i64>, StoreError> {
    Ok(collected(tx)?
        .into_iter()
        .find(|s| s.code == code)
        .and_then(|s| s.regie_id))
}

/// The téléservices whose fee this régie collects: (code, label, fee).
pub fn fees_of_regie(
    tx: &mut TenantTx<'_>,
    regie: i64,
) -> Result<Vec<(String, String, i64)>, StoreError> {
    Ok(collected(tx)?
        .into_iter()
        .filter(|s| s.regie_id == Some(regie))
        .filter_map(|s| Some((s.code, s.label, s.fee_cents.filter(|f| *f > 0)?)))
        .collect())
}

/// The categories, with whether this régie collects for them: (id, name, ours).
pub fn categories_for(
    tx: &mut TenantTx<'_>,
    regie: i64,
) -> Result<Vec<(i64, String, bool)>, StoreError> {
    Ok(tx
        .rows(categories::table)
        .order(categories::name_key)
        .select((categories::id, categories::name, categories::regie_id))
        .load::<(i64, String, Option<i64>)>(tx.conn())?
        .into_iter()
        .map(|(id, name, r)| (id, name, r == Some(regie)))
        .collect())
}

/// This régie collects for exactly these categories (the others it held
/// are released; a category another régie held moves to this one).
pub fn set_categories(tx: &mut TenantTx<'_>, regie: i64, ids: &[i64]) -> Result<(), StoreError> {
    diesel::update(
        tx.rows(categories::table)
            .filter(categories::regie_id.eq(regie)),
    )
    .set(categories::regie_id.eq(None::<i64>))
    .execute(tx.conn())?;
    diesel::update(
        tx.rows(categories::table)
            .filter(categories::id.eq_any(ids)),
    )
    .set(categories::regie_id.eq(Some(regie)))
    .execute(tx.conn())?;
    Ok(())
}

/// A request's fee invoice, if it owes one.
pub fn fee_of_request(
    tx: &mut TenantTx<'_>,
    request: i64,
) -> Result<Option<InvoiceRow>, StoreError> {
    Ok(tx
        .rows(invoices::table)
        .filter(invoices::request_id.eq(request))
        .filter(invoices::kind.eq("fee"))
        .select(InvoiceRow::as_select())
        .first(tx.conn())
        .optional()?)
}
