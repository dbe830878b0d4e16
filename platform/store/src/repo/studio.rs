//! The form studio's rows: working copies (`form_drafts`) and published
//! versions (`form_versions`, which are only ever inserted).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{form_drafts, form_versions};
use crate::{StoreError, TenantTx};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = form_drafts)]
pub struct DraftRow {
    pub code: String,
    pub definition: String,
    pub scenarios: String,
    pub revision: i64,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = form_versions)]
pub struct VersionRow {
    pub code: String,
    pub version: i32,
    pub definition: String,
    pub scenarios: String,
    pub published_at: NaiveDateTime,
    pub published_by: String,
}

pub fn draft(tx: &mut TenantTx<'_>, code: &str) -> Result<Option<DraftRow>, StoreError> {
    Ok(tx
        .rows(form_drafts::table)
        .filter(form_drafts::code.eq(code))
        .select(DraftRow::as_select())
        .get_result(tx.conn())
        .optional()?)
}

pub fn drafts(tx: &mut TenantTx<'_>) -> Result<Vec<DraftRow>, StoreError> {
    Ok(tx
        .rows(form_drafts::table)
        .order(form_drafts::code)
        .select(DraftRow::as_select())
        .load(tx.conn())?)
}

/// A new working copy, at revision 1; a conflict when the code is taken.
pub fn insert_draft(tx: &mut TenantTx<'_>, row: &DraftRow) -> Result<(), StoreError> {
    diesel::insert_into(form_drafts::table)
        .values((
            tx.tenant_of(form_drafts::table),
            form_drafts::code.eq(&row.code),
            form_drafts::definition.eq(&row.definition),
            form_drafts::scenarios.eq(&row.scenarios),
            form_drafts::revision.eq(row.revision),
            form_drafts::updated_at.eq(row.updated_at),
            form_drafts::updated_by.eq(&row.updated_by),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// Saves the working copy over revision `seen`, as revision `seen + 1`;
/// false when it is no longer at `seen` (someone saved in between).
pub fn save_draft(
    tx: &mut TenantTx<'_>,
    code: &str,
    seen: i64,
    definition: &str,
    scenarios: &str,
    at: NaiveDateTime,
    by: &str,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        tx.rows(form_drafts::table)
            .filter(form_drafts::code.eq(code))
            .filter(form_drafts::revision.eq(seen)),
    )
    .set((
        form_drafts::definition.eq(definition),
        form_drafts::scenarios.eq(scenarios),
        form_drafts::revision.eq(seen + 1),
        form_drafts::updated_at.eq(at),
        form_drafts::updated_by.eq(by),
    ))
    .execute(tx.conn())?;
    Ok(n == 1)
}

/// Every published version of `code`, oldest first.
pub fn versions(tx: &mut TenantTx<'_>, code: &str) -> Result<Vec<VersionRow>, StoreError> {
    Ok(tx
        .rows(form_versions::table)
        .filter(form_versions::code.eq(code))
        .order(form_versions::version)
        .select(VersionRow::as_select())
        .load(tx.conn())?)
}

pub fn version(
    tx: &mut TenantTx<'_>,
    code: &str,
    version: i32,
) -> Result<Option<VersionRow>, StoreError> {
    Ok(tx
        .rows(form_versions::table)
        .filter(form_versions::code.eq(code))
        .filter(form_versions::version.eq(version))
        .select(VersionRow::as_select())
        .get_result(tx.conn())
        .optional()?)
}

/// The newest published version of `code`.
pub fn latest_version(tx: &mut TenantTx<'_>, code: &str) -> Result<Option<i32>, StoreError> {
    Ok(tx
        .rows(form_versions::table)
        .filter(form_versions::code.eq(code))
        .select(diesel::dsl::max(form_versions::version))
        .get_result::<Option<i32>>(tx.conn())?)
}

/// A version published; a conflict when it exists already (published by
/// someone else at the same moment).
pub fn insert_version(tx: &mut TenantTx<'_>, row: &VersionRow) -> Result<(), StoreError> {
    diesel::insert_into(form_versions::table)
        .values((
            tx.tenant_of(form_versions::table),
            form_versions::code.eq(&row.code),
            form_versions::version.eq(row.version),
            form_versions::definition.eq(&row.definition),
            form_versions::scenarios.eq(&row.scenarios),
            form_versions::published_at.eq(row.published_at),
            form_versions::published_by.eq(&row.published_by),
        ))
        .execute(tx.conn())?;
    Ok(())
}
