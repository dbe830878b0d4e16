//! Counters of anonymous actions per time window (`rate_counts`) and of
//! failed sign-ins (`sign_in_failures`), platform tables: every process
//! counts in the same rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{rate_counts, sign_in_failures};
use crate::{DbConnection, StoreError};

/// The failed sign-ins counted under one key.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = sign_in_failures)]
pub struct FailureRow {
    pub key: String,
    pub failures: i32,
    pub first_at: NaiveDateTime,
    pub last_at: NaiveDateTime,
    /// When the next attempt of this key may be checked.
    pub next_at: NaiveDateTime,
}

/// The counts under these keys.
pub fn failures(conn: &mut DbConnection, keys: &[&str]) -> Result<Vec<FailureRow>, StoreError> {
    Ok(sign_in_failures::table
        .filter(sign_in_failures::key.eq_any(keys))
        .select(FailureRow::as_select())
        .load(conn)?)
}

/// Writes a key's count, new or not.
pub fn put_failures(conn: &mut DbConnection, row: &FailureRow) -> Result<(), StoreError> {
    super::update_or_insert(
        conn,
        |c| {
            diesel::update(sign_in_failures::table.find(&row.key))
                .set(row)
                .execute(c)
                .map(|n| (n > 0).then_some(()))
        },
        |c| {
            diesel::insert_into(sign_in_failures::table)
                .values(row)
                .execute(c)
                .map(drop)
        },
    )
}

/// Forgets the counts under these keys.
pub fn forget_failures(conn: &mut DbConnection, keys: &[&str]) -> Result<(), StoreError> {
    diesel::delete(sign_in_failures::table.filter(sign_in_failures::key.eq_any(keys)))
        .execute(conn)?;
    Ok(())
}

/// Counts one more `key` in the window starting at `window_start`; the
/// count, this one included.
pub fn hit(
    conn: &mut DbConnection,
    key: &str,
    window_start: NaiveDateTime,
) -> Result<i64, StoreError> {
    super::update_or_insert(
        conn,
        |c| {
            diesel::update(
                rate_counts::table
                    .filter(rate_counts::key.eq(key))
                    .filter(rate_counts::window_start.eq(window_start)),
            )
            .set(rate_counts::hits.eq(rate_counts::hits + 1i64))
            .returning(rate_counts::hits)
            .get_result(c)
            .optional()
        },
        |c| {
            diesel::insert_into(rate_counts::table)
                .values((
                    rate_counts::key.eq(key),
                    rate_counts::window_start.eq(window_start),
                    rate_counts::hits.eq(1i64),
                ))
                .execute(c)
                .map(|_| 1)
        },
    )
}

/// Forgets the windows that started before `before`, and the failures
/// last counted before it.
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize, StoreError> {
    let windows = diesel::delete(rate_counts::table.filter(rate_counts::window_start.lt(before)))
        .execute(conn)?;
    let failures =
        diesel::delete(sign_in_failures::table.filter(sign_in_failures::last_at.lt(before)))
            .execute(conn)?;
    Ok(windows + failures)
}
