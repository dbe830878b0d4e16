//! The téléservices of a collectivité and the category each is in.

use diesel::prelude::*;
use serde::Serialize;

use crate::schema::teleservices;
use crate::{StoreError, TenantTx};

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Queryable)]
pub struct Teleservice {
    #[serde(skip)]
    pub id: i64,
    pub code: String,
    pub label: String,
    /// Left out, not null, outside every category: an identifier is never null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_id: Option<i64>,
    pub active: bool,
}

/// Adds these téléservices (code, label), inactive and outside any category.
pub fn seed(tx: &mut TenantTx<'_>, catalogue: &[(&str, &str)]) -> Result<(), StoreError> {
    for (code, label) in catalogue {
        let id = tx.next_id()?;
        diesel::insert_into(teleservices::table)
            .values((
                tx.tenant_of(teleservices::table),
                teleservices::id.eq(id),
                teleservices::code.eq(code),
                teleservices::label.eq(label),
                teleservices::category_id.eq(None::<i64>),
                teleservices::active.eq(false),
            ))
            .execute(tx.conn())?;
    }
    Ok(())
}

/// All of them, by label.
pub fn list(tx: &mut TenantTx<'_>) -> Result<Vec<Teleservice>, StoreError> {
    Ok(tx
        .rows(teleservices::table)
        .select((
            teleservices::id,
            teleservices::code,
            teleservices::label,
            teleservices::category_id,
            teleservices::active,
        ))
        .order(teleservices::label)
        .load(tx.conn())?)
}

/// The category of the téléservice `code`: `None` for no such téléservice,
/// `Some(None)` for one outside every category.
pub fn category_of(tx: &mut TenantTx<'_>, code: &str) -> Result<Option<Option<i64>>, StoreError> {
    Ok(tx
        .rows(teleservices::table)
        .filter(teleservices::code.eq(code))
        .select(teleservices::category_id)
        .get_result(tx.conn())
        .optional()?)
}

pub fn set_category(
    tx: &mut TenantTx<'_>,
    code: &str,
    category: Option<i64>,
) -> Result<(), StoreError> {
    diesel::update(
        tx.rows(teleservices::table)
            .filter(teleservices::code.eq(code)),
    )
    .set(teleservices::category_id.eq(category))
    .execute(tx.conn())?;
    Ok(())
}
