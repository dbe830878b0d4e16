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
    let tenant = tx.tenant_key();
    Ok(legal_pages::table
        .filter(legal_pages::tenant_id.eq(tenant))
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
    let tenant = tx.tenant_key();
    diesel::insert_into(legal_pages::table)
        .values((
            legal_pages::tenant_id.eq(tenant),
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
    let tenant = tx.tenant_key();
    diesel::delete(
        legal_pages::table
            .filter(legal_pages::tenant_id.eq(tenant))
            .filter(legal_pages::kind.eq(kind)),
    )
    .execute(tx.conn())?;
    Ok(())
}
