//! A foyer's justificatifs and their pages.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{document_pages, documents, files};
use crate::{StoreError, TenantTx};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = documents)]
pub struct DocumentRow {
    pub tenant_id: i64,
    pub id: i64,
    pub household_id: i64,
    pub individual_id: Option<i64>,
    pub document_type: String,
    pub state: String,
    pub valid_until: Option<NaiveDate>,
    pub agent_comment: String,
    pub origin: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A page: its position and the stored file's id, name, type and size.
#[derive(Debug, Clone, Queryable)]
pub struct PageRow {
    pub document_id: i64,
    pub position: i32,
    pub file_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
}

pub fn insert(tx: &mut TenantTx<'_>, row: &DocumentRow, files: &[i64]) -> Result<(), StoreError> {
    let tenant = tx.tenant_key();
    let row = DocumentRow {
        tenant_id: tenant,
        ..row.clone()
    };
    diesel::insert_into(documents::table)
        .values(&row)
        .execute(tx.conn())?;
    for (i, file) in files.iter().enumerate() {
        diesel::insert_into(document_pages::table)
            .values((
                tx.tenant_of(document_pages::table),
                document_pages::document_id.eq(row.id),
                document_pages::position.eq(i as i32 + 1),
                document_pages::file_id.eq(file),
            ))
            .execute(tx.conn())?;
    }
    Ok(())
}

/// The foyer's documents, newest first.
pub fn of_household(tx: &mut TenantTx<'_>, household: i64) -> Result<Vec<DocumentRow>, StoreError> {
    Ok(tx
        .rows(documents::table)
        .filter(documents::household_id.eq(household))
        .order((documents::created_at.desc(), documents::id.desc()))
        .select(DocumentRow::as_select())
        .load(tx.conn())?)
}

/// One document of `household` (none if it is another foyer's).
pub fn get(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
) -> Result<Option<DocumentRow>, StoreError> {
    Ok(tx
        .rows(documents::table)
        .filter(documents::household_id.eq(household))
        .filter(documents::id.eq(id))
        .select(DocumentRow::as_select())
        .get_result(tx.conn())
        .optional()?)
}

/// The pages of these documents, in order.
pub fn pages(tx: &mut TenantTx<'_>, documents: &[i64]) -> Result<Vec<PageRow>, StoreError> {
    Ok(document_pages::table
        .inner_join(
            files::table.on(files::tenant_id
                .eq(document_pages::tenant_id)
                .and(files::id.eq(document_pages::file_id))),
        )
        .filter(tx.tenant_of(document_pages::table))
        .filter(document_pages::document_id.eq_any(documents))
        .order((document_pages::document_id, document_pages::position))
        .select((
            document_pages::document_id,
            document_pages::position,
            files::id,
            files::filename,
            files::content_type,
            files::size,
        ))
        .load(tx.conn())?)
}

pub fn set_state(
    tx: &mut TenantTx<'_>,
    id: i64,
    state: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(tx.rows(documents::table).filter(documents::id.eq(id)))
        .set((documents::state.eq(state), documents::updated_at.eq(at)))
        .execute(tx.conn())?;
    Ok(())
}

/// Documents past their end of validity, not yet marked so.
pub fn outdated(tx: &mut TenantTx<'_>, today: NaiveDate) -> Result<Vec<i64>, StoreError> {
    Ok(tx
        .rows(documents::table)
        .filter(documents::valid_until.lt(today))
        .filter(documents::state.ne("Outdated"))
        .filter(documents::state.ne("Refused"))
        .select(documents::id)
        .load(tx.conn())?)
}

/// An agent's review of a document: its state, end of validity, comment.
pub fn review(
    tx: &mut TenantTx<'_>,
    id: i64,
    state: &str,
    valid_until: Option<NaiveDate>,
    comment: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(tx.rows(documents::table).filter(documents::id.eq(id)))
        .set((
            documents::state.eq(state),
            documents::valid_until.eq(valid_until),
            documents::agent_comment.eq(comment),
            documents::updated_at.eq(at),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// Appends a page to a document.
pub fn add_page(tx: &mut TenantTx<'_>, document: i64, file: i64) -> Result<(), StoreError> {
    let last: Option<i32> = tx
        .rows(document_pages::table)
        .filter(document_pages::document_id.eq(document))
        .select(diesel::dsl::max(document_pages::position))
        .get_result(tx.conn())?;
    diesel::insert_into(document_pages::table)
        .values((
            tx.tenant_of(document_pages::table),
            document_pages::document_id.eq(document),
            document_pages::position.eq(last.unwrap_or(0) + 1),
            document_pages::file_id.eq(file),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// What foyer `household` uploaded on `day`: (files, bytes).
pub fn upload_usage(
    tx: &mut TenantTx<'_>,
    household: i64,
    day: chrono::NaiveDate,
) -> Result<(i64, i64), StoreError> {
    use crate::schema::upload_usage as u;
    Ok(tx
        .rows(u::table)
        .filter(u::household_id.eq(household))
        .filter(u::day.eq(day))
        .select((u::files, u::bytes))
        .get_result(tx.conn())
        .optional()?
        .unwrap_or((0, 0)))
}

/// Adds to what foyer `household` uploaded on `day`; the new totals.
pub fn add_upload_usage(
    tx: &mut TenantTx<'_>,
    household: i64,
    day: chrono::NaiveDate,
    files: i64,
    bytes: i64,
) -> Result<(i64, i64), StoreError> {
    use crate::schema::upload_usage as u;
    let (rows, tenant) = (tx.rows(u::table), tx.tenant_of(u::table));
    super::update_or_insert(
        tx.conn(),
        |c| {
            diesel::update(
                rows.filter(u::household_id.eq(household))
                    .filter(u::day.eq(day)),
            )
            .set((u::files.eq(u::files + files), u::bytes.eq(u::bytes + bytes)))
            .returning((u::files, u::bytes))
            .get_result(c)
            .optional()
        },
        |c| {
            diesel::insert_into(u::table)
                .values((
                    tenant,
                    u::household_id.eq(household),
                    u::day.eq(day),
                    u::files.eq(files),
                    u::bytes.eq(bytes),
                ))
                .execute(c)
                .map(|_| (files, bytes))
        },
    )
}
