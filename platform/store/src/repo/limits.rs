//! Counters of anonymous actions per time window (`rate_counts`, a platform
//! table): every process counts in the same rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::rate_counts;
use crate::{DbConnection, StoreError};

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

/// Forgets the windows that started before `before`.
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(rate_counts::table.filter(rate_counts::window_start.lt(before)))
            .execute(conn)?,
    )
}
