//! A collectivité's logos and documents (`appearance_files`): per kind, the
//! current file and the previous one.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::appearance_files;
use crate::{StoreError, TenantTx};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = appearance_files)]
pub struct SlotRow {
    pub tenant_id: i64,
    pub kind: String,
    /// `current` or `previous`.
    pub slot: String,
    pub file_id: i64,
    pub uploaded_at: NaiveDateTime,
    pub uploaded_by: String,
}

pub fn all(tx: &mut TenantTx<'_>) -> Result<Vec<SlotRow>, StoreError> {
    Ok(tx
        .rows(appearance_files::table)
        .select(SlotRow::as_select())
        .load(tx.conn())?)
}

pub fn delete(tx: &mut TenantTx<'_>, kind: &str, slot: &str) -> Result<(), StoreError> {
    diesel::delete(
        tx.rows(appearance_files::table)
            .filter(appearance_files::kind.eq(kind))
            .filter(appearance_files::slot.eq(slot)),
    )
    .execute(tx.conn())?;
    Ok(())
}

pub fn insert(tx: &mut TenantTx<'_>, row: &SlotRow) -> Result<(), StoreError> {
    let row = SlotRow {
        tenant_id: tx.tenant_key(),
        ..row.clone()
    };
    diesel::insert_into(appearance_files::table)
        .values(&row)
        .execute(tx.conn())?;
    Ok(())
}
