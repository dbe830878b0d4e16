//! A collectivité's own text of its legal pages (`legal_pages`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::legal_pages;
use crate::{StoreError, TenantTx};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = legal_pages)]
pub struct LegalPageRow {
    pub kind: String,
    pub body: String,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

pub fn get(tx: &mut TenantTx<'_>, kind: &str) -> Result<Option<LegalPageRow>, StoreError> {
    Ok(tx
        .rows(legal_pages::table)
        .filter(legal_pages::kind.eq(kind))
        .select(LegalPageRow::as_select())
        .first(tx.conn())
        .optional()?)
}

/// The page's text, in place of the one before, if any.
pub fn put(
    tx: &mut TenantTx<'_>,
    kind: &str,
    body: &str,
    at: NaiveDateTime,
    by: &str,
) -> Result<(), StoreError> {
    remove(tx, kind)?;
    diesel::insert_into(legal_pages::table)
        .values((
            tx.tenant_of(legal_pages::table),
            legal_pages::kind.eq(kind),
            legal_pages::body.eq(body),
            legal_pages::updated_at.eq(at),
            legal_pages::updated_by.eq(by),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// Back to the text made from the settings.
pub fn remove(tx: &mut TenantTx<'_>, kind: &str) -> Result<(), StoreError> {
    diesel::delete(
        tx.rows(legal_pages::table)
            .filter(legal_pages::kind.eq(kind)),
    )
    .execute(tx.conn())?;
    Ok(())
}
