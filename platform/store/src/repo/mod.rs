//! The queries of each bounded context, so that the rest of the code never
//! writes SQL. Functions on tenant tables take a [`TenantTx`](crate::TenantTx)
//! and filter on its collectivité; those on platform tables take a
//! [`DbConnection`](crate::DbConnection). The rules (checks, rights, what is
//! audited) stay with their callers in `guichet-core`.

pub mod agents;
pub mod api_tokens;
pub mod appearance;
pub mod audit;
pub mod casework;
pub mod categories;
pub mod courriers;
pub mod facilities;
pub mod files;
pub mod foyers;
pub mod groups;
pub mod jobs;
pub mod justificatifs;
pub mod legal;
pub mod limits;
pub mod mail;
pub mod offer;
pub mod payments;
pub mod requests;
pub mod rights;
pub mod sessions;
pub mod studio;
pub mod superadmins;
pub mod teleservices;

/// An upsert both backends run (diesel's `ON CONFLICT` is not in its
/// multi-backend): `update` the row, or `insert` it in a savepoint when it
/// is missing; a concurrent insert that wins makes `update` run again.
pub(crate) fn update_or_insert<T>(
    conn: &mut crate::DbConnection,
    update: impl Fn(&mut crate::DbConnection) -> diesel::QueryResult<Option<T>>,
    insert: impl FnOnce(&mut crate::DbConnection) -> diesel::QueryResult<T>,
) -> Result<T, crate::StoreError> {
    use diesel::connection::Connection;
    use diesel::result::{DatabaseErrorKind, Error};
    if let Some(v) = update(conn)? {
        return Ok(v);
    }
    match conn.transaction(insert) {
        Ok(v) => Ok(v),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            update(conn)?.ok_or(crate::StoreError::NotFound)
        }
        Err(e) => Err(e.into()),
    }
}
