//! Rows of the stored files of a collectivité (`files`); the objects
//! themselves are in the object store.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::files;
use crate::{StoreError, TenantTx};

/// A file's row: what the collectivité's records point to.
#[derive(Debug, Clone, Queryable)]
pub struct FileRecord {
    pub id: i64,
    pub key: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: NaiveDateTime,
}

/// What is recorded of a file just stored.
pub struct NewFile<'a> {
    pub key: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
}

/// Records a stored file; returns its id.
pub fn insert(tx: &mut TenantTx<'_>, file: NewFile<'_>) -> Result<i64, StoreError> {
    let id = tx.next_id()?;
    diesel::insert_into(files::table)
        .values((
            tx.tenant_of(files::table),
            files::id.eq(id),
            files::key.eq(file.key),
            files::filename.eq(file.filename),
            files::content_type.eq(file.content_type),
            files::size.eq(file.size),
            files::sha256.eq(file.sha256),
            files::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(tx.conn())?;
    Ok(id)
}

/// A file of this collectivité by id.
pub fn get(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<FileRecord>, StoreError> {
    Ok(tx
        .rows(files::table)
        .filter(files::id.eq(id))
        .select((
            files::id,
            files::key,
            files::filename,
            files::content_type,
            files::size,
            files::sha256,
            files::created_at,
        ))
        .get_result(tx.conn())
        .optional()?)
}

/// Forgets a file's row (the caller removes its content from the store).
pub fn delete(tx: &mut TenantTx<'_>, id: i64) -> Result<(), StoreError> {
    diesel::delete(tx.rows(files::table).filter(files::id.eq(id))).execute(tx.conn())?;
    Ok(())
}

/// Which of `keys` a row of this collectivité records.
pub fn recorded_keys(
    tx: &mut TenantTx<'_>,
    keys: &[String],
) -> Result<std::collections::HashSet<String>, StoreError> {
    let mut found = std::collections::HashSet::new();
    for chunk in keys.chunks(500) {
        let rows: Vec<String> = tx
            .rows(files::table)
            .filter(files::key.eq_any(chunk))
            .select(files::key)
            .load(tx.conn())?;
        found.extend(rows);
    }
    Ok(found)
}
