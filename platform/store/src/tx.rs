//! Transactions: platform-wide, or scoped to one collectivité.

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::schema::id_sequences;
use super::{DbConnection, StoreError};
use crate::tenancy::TenantId;

/// A transaction scoped to one collectivité. Repository functions of tenant
/// tables take it, filter on [`TenantTx::tenant`], and write it into the rows.
pub struct TenantTx<'c> {
    tenant: TenantId,
    conn: &'c mut DbConnection,
}

impl<'c> TenantTx<'c> {
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// The tenant's id as stored in `tenant_id` columns.
    pub fn tenant_key(&self) -> i64 {
        self.tenant.get()
    }

    pub fn conn(&mut self) -> &mut DbConnection {
        self.conn
    }

    /// The platform transaction that has just registered a collectivité,
    /// scoped to it, so that its first rows land in the same transaction.
    pub fn enter(conn: &'c mut DbConnection, tenant: TenantId) -> Result<Self, StoreError> {
        set_tenant(conn, tenant)?;
        Ok(TenantTx { tenant, conn })
    }

    /// Locks, until commit, the rows of `table` (of this collectivité) whose
    /// `column` equals `value`, so that two changes of one object take turns
    /// (PostgreSQL `FOR UPDATE`; on SQLite a write transaction already holds
    /// the only write lock). `table` and `column` are names from our code.
    pub fn lock_rows(
        &mut self,
        table: &'static str,
        column: &'static str,
        value: &str,
    ) -> Result<(), StoreError> {
        if let DbConnection::Postgres(pg) = &mut *self.conn {
            diesel::sql_query(format!(
                "SELECT 1 FROM {table} WHERE tenant_id = $1 AND {column} = $2 FOR UPDATE"
            ))
            .bind::<diesel::sql_types::BigInt, _>(self.tenant.get())
            .bind::<Text, _>(value)
            .execute(pg)?;
        }
        Ok(())
    }

    /// Locks, until commit, the row of `table` (of this collectivité) with
    /// this id, as [`TenantTx::lock_rows`] does.
    pub fn lock_id(&mut self, table: &'static str, id: i64) -> Result<(), StoreError> {
        if let DbConnection::Postgres(pg) = &mut *self.conn {
            diesel::sql_query(format!(
                "SELECT 1 FROM {table} WHERE tenant_id = $1 AND id = $2 FOR UPDATE"
            ))
            .bind::<diesel::sql_types::BigInt, _>(self.tenant.get())
            .bind::<diesel::sql_types::BigInt, _>(id)
            .execute(pg)?;
        }
        Ok(())
    }

    /// A new id for a tenant row, unique across the platform: from a
    /// PostgreSQL sequence, which locks no row (ADR 0002); from a one-row
    /// counter on SQLite, whose writers take turns anyway.
    pub fn next_id(&mut self) -> Result<i64, StoreError> {
        #[derive(QueryableByName)]
        struct Next {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        let next: Next = match &mut *self.conn {
            DbConnection::Postgres(pg) => {
                diesel::sql_query("SELECT nextval('guichet_ids') AS id").get_result(pg)?
            }
            DbConnection::Sqlite(lite) => diesel::sql_query(
                "UPDATE global_ids SET last_value = last_value + 1 WHERE id = 1 RETURNING last_value AS id",
            )
            .get_result(lite)?,
        };
        Ok(next.id)
    }

    /// The next value of the collectivité's counter `name` (1, 2, 3…): for
    /// the numbers people read (a request's n°) only. It locks the counter's
    /// row until commit: take it last in the transaction.
    pub fn next_value(&mut self, name: &str) -> Result<i64, StoreError> {
        use id_sequences::dsl as s;
        let tenant = self.tenant_key();
        let bump = |conn: &mut DbConnection| {
            diesel::update(
                s::id_sequences
                    .filter(s::tenant_id.eq(tenant))
                    .filter(s::name.eq(name)),
            )
            .set(s::last_value.eq(s::last_value + 1))
            .returning(s::last_value)
            .get_result::<i64>(conn)
            .optional()
        };
        if let Some(v) = bump(self.conn)? {
            return Ok(v);
        }
        // First use: create the counter in a savepoint, so that losing the race
        // to another transaction leaves ours usable.
        let created = self.conn.transaction(|c| {
            diesel::insert_into(s::id_sequences)
                .values((
                    s::tenant_id.eq(tenant),
                    s::name.eq(name),
                    s::last_value.eq(1i64),
                ))
                .execute(c)
        });
        match created {
            Ok(_) => Ok(1),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => bump(self.conn)?.ok_or(StoreError::NotFound),
            Err(e) => Err(e.into()),
        }
    }
}

pub(super) fn tenant<T, E>(
    conn: &mut DbConnection,
    tenant: TenantId,
    for_write: bool,
    f: impl FnOnce(&mut TenantTx<'_>) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    begin(conn, Some(tenant), for_write).map_err(StoreError::from)?;
    finish_tenant(conn, tenant, f)
}

/// On PostgreSQL, names the transaction's collectivité for row-level security.
fn set_tenant(conn: &mut DbConnection, tenant: TenantId) -> Result<(), StoreError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT set_config('app.tenant_id', $1, true)")
            .bind::<Text, _>(tenant.get().to_string())
            .execute(pg)?;
    }
    Ok(())
}

/// Begins a transaction, scoped to `tenant` when given, in one round trip:
/// on PostgreSQL `BEGIN` and the collectivité's setting for row-level
/// security go together (the id is a number, written by us). A write
/// transaction on SQLite begins with `BEGIN IMMEDIATE`, which takes the write
/// lock at once: a deferred one that starts writing late fails when another
/// writer went first.
pub(super) fn begin(
    conn: &mut DbConnection,
    tenant: Option<TenantId>,
    for_write: bool,
) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(lite) => AnsiTransactionManager::begin_transaction_sql(
            lite,
            if for_write {
                "BEGIN IMMEDIATE"
            } else {
                "BEGIN"
            },
        ),
        DbConnection::Postgres(pg) => match tenant {
            Some(t) => AnsiTransactionManager::begin_transaction_sql(
                pg,
                &format!(
                    "BEGIN; SELECT set_config('app.tenant_id', '{}', true)",
                    t.get()
                ),
            ),
            None => AnsiTransactionManager::begin_transaction_sql(pg, "BEGIN"),
        },
    }
}

/// Whether `e` says the connection itself is gone (the server closed it),
/// rather than that the statement failed.
pub(super) fn is_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as K, Error as E};
    matches!(
        e,
        E::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, _)
    )
}

/// Marks a connection that was found dead, so that the pool drops it
/// instead of handing it out again.
pub(super) fn discard(conn: &mut DbConnection) {
    if let DbConnection::Postgres(pg) = conn {
        AnsiTransactionManager::transaction_manager_status_mut(pg).set_in_error();
    }
}

/// Runs `f` in the transaction [`begin`] opened, then commits, or rolls back
/// when `f` fails.
pub(super) fn finish<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    match f(conn) {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn)
                .map_err(StoreError::from)?;
            Ok(value)
        }
        Err(e) => {
            // The original error matters more than a failed rollback, which
            // marks the connection broken and makes the pool drop it.
            let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
            Err(e)
        }
    }
}

/// [`finish`] for a transaction begun scoped to `tenant`.
pub(super) fn finish_tenant<T, E>(
    conn: &mut DbConnection,
    tenant: TenantId,
    f: impl FnOnce(&mut TenantTx<'_>) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    finish(conn, |conn| f(&mut TenantTx { tenant, conn }))
}
