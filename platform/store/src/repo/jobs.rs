//! The `jobs` table (a platform table: one due index across collectivités).
//! Claims are leases, taken with `FOR UPDATE SKIP LOCKED` on PostgreSQL
//! (SQLite has one writer).

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

use crate::schema::jobs;
use crate::tenancy::TenantId;
use crate::{DbConnection, StoreError};

/// A new job, to enqueue in the caller's transaction.
pub struct NewJob<'a> {
    pub tenant: Option<TenantId>,
    pub kind: &'a str,
    pub payload: serde_json::Value,
    pub run_at: NaiveDateTime,
    pub max_attempts: i32,
    /// At most one pending job per kind and key: a second enqueue is ignored.
    pub unique_key: Option<&'a str>,
}

impl<'a> NewJob<'a> {
    pub fn now(kind: &'a str, tenant: Option<TenantId>, payload: serde_json::Value) -> Self {
        NewJob {
            tenant,
            kind,
            payload,
            run_at: Utc::now().naive_utc(),
            max_attempts: 8,
            unique_key: None,
        }
    }
}

/// Enqueues a job; returns false when a pending job of that kind and
/// `unique_key` is already there.
pub fn enqueue(conn: &mut DbConnection, job: NewJob<'_>) -> Result<bool, StoreError> {
    let sql_pg = "INSERT INTO jobs (tenant_id, kind, unique_key, payload, state, run_at, attempts, max_attempts, created_at)
                  VALUES ($1, $2, $3, $4, 'pending', $5, 0, $6, $7) ON CONFLICT DO NOTHING";
    let sql_lite = "INSERT INTO jobs (tenant_id, kind, unique_key, payload, state, run_at, attempts, max_attempts, created_at)
                    VALUES (?, ?, ?, ?, 'pending', ?, 0, ?, ?) ON CONFLICT DO NOTHING";
    let tenant = job.tenant.map(TenantId::get);
    let payload = job.payload.to_string();
    let now = Utc::now().naive_utc();
    macro_rules! insert {
        ($sql:expr, $conn:expr) => {
            diesel::sql_query($sql)
                .bind::<Nullable<BigInt>, _>(tenant)
                .bind::<Text, _>(job.kind)
                .bind::<Nullable<Text>, _>(job.unique_key)
                .bind::<Text, _>(&payload)
                .bind::<Timestamp, _>(job.run_at)
                .bind::<Integer, _>(job.max_attempts)
                .bind::<Timestamp, _>(now)
                .execute($conn)?
        };
    }
    let n = match conn {
        DbConnection::Postgres(pg) => insert!(sql_pg, pg),
        DbConnection::Sqlite(lite) => insert!(sql_lite, lite),
    };
    Ok(n == 1)
}

/// A job just claimed, its attempt counted.
#[derive(Debug, Clone, QueryableByName)]
pub struct ClaimedRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub tenant_id: Option<i64>,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub payload: String,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Integer)]
    pub max_attempts: i32,
}

/// Claims up to `limit` jobs of these kinds due at `now`, each until `until`:
/// its attempt is counted and no other runner claims it before then.
pub fn claim(
    conn: &mut DbConnection,
    kinds: &[&str],
    limit: i64,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Vec<ClaimedRow>, StoreError> {
    let kinds_json = serde_json::to_string(kinds).unwrap_or_default();
    Ok(match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(
            "UPDATE jobs SET locked_until = $1, attempts = attempts + 1
              WHERE id IN (SELECT id FROM jobs
                            WHERE state = 'pending' AND run_at <= $2
                              AND (locked_until IS NULL OR locked_until <= $2)
                              AND kind IN (SELECT json_array_elements_text($3::json))
                            ORDER BY run_at, id LIMIT $4
                            FOR UPDATE SKIP LOCKED)
          RETURNING id, tenant_id, kind, payload, attempts, max_attempts",
        )
        .bind::<Timestamp, _>(until)
        .bind::<Timestamp, _>(now)
        .bind::<Text, _>(&kinds_json)
        .bind::<BigInt, _>(limit)
        .load(pg)?,
        DbConnection::Sqlite(lite) => diesel::sql_query(
            "UPDATE jobs SET locked_until = ?, attempts = attempts + 1
              WHERE id IN (SELECT id FROM jobs
                            WHERE state = 'pending' AND run_at <= ?
                              AND (locked_until IS NULL OR locked_until <= ?)
                              AND kind IN (SELECT value FROM json_each(?))
                            ORDER BY run_at, id LIMIT ?)
          RETURNING id, tenant_id, kind, payload, attempts, max_attempts",
        )
        .bind::<Timestamp, _>(until)
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(now)
        .bind::<Text, _>(&kinds_json)
        .bind::<BigInt, _>(limit)
        .load(lite)?,
    })
}

/// Renews the lease of these claimed jobs, still pending, until `until`: a
/// runner keeps what it holds while it works, however long a job takes.
pub fn extend(
    conn: &mut DbConnection,
    ids: &[i64],
    until: NaiveDateTime,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::update(
        jobs::table
            .filter(jobs::id.eq_any(ids))
            .filter(jobs::state.eq("pending")),
    )
    .set(jobs::locked_until.eq(Some(until)))
    .execute(conn)?;
    Ok(())
}

/// How a claimed job's run ended; each releases its lease.
#[derive(Debug, Clone)]
pub enum Ending {
    Done,
    /// Not run: not counted as an attempt, due again at `run_at`.
    Postponed {
        run_at: NaiveDateTime,
    },
    /// Due again at `run_at`.
    Retry {
        run_at: NaiveDateTime,
        error: String,
    },
    /// Kept as failed with its last error.
    Failed {
        error: String,
    },
}

/// Records how a claimed job ended, at `now`.
pub fn finish(
    conn: &mut DbConnection,
    id: i64,
    ending: Ending,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let target = jobs::table.filter(jobs::id.eq(id));
    match ending {
        Ending::Done => diesel::update(target)
            .set((
                jobs::state.eq("done"),
                jobs::locked_until.eq(None::<NaiveDateTime>),
                jobs::finished_at.eq(Some(now)),
            ))
            .execute(conn),
        Ending::Postponed { run_at } => diesel::update(target)
            .set((
                jobs::attempts.eq(jobs::attempts - 1),
                jobs::locked_until.eq(None::<NaiveDateTime>),
                jobs::run_at.eq(run_at),
            ))
            .execute(conn),
        Ending::Retry { run_at, error } => diesel::update(target)
            .set((
                jobs::locked_until.eq(None::<NaiveDateTime>),
                jobs::run_at.eq(run_at),
                jobs::last_error.eq(Some(error)),
            ))
            .execute(conn),
        Ending::Failed { error } => diesel::update(target)
            .set((
                jobs::state.eq("failed"),
                jobs::locked_until.eq(None::<NaiveDateTime>),
                jobs::last_error.eq(Some(error)),
                jobs::finished_at.eq(Some(now)),
            ))
            .execute(conn),
    }?;
    Ok(())
}

/// A job as an operator lists it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub id: i64,
    pub tenant_id: Option<i64>,
    pub kind: String,
    pub state: String,
    pub run_at: NaiveDateTime,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
}

/// Counts per kind and state.
pub fn counts(conn: &mut DbConnection) -> Result<Vec<(String, String, i64)>, StoreError> {
    Ok(jobs::table
        .group_by((jobs::kind, jobs::state))
        .select((jobs::kind, jobs::state, diesel::dsl::count_star()))
        .order((jobs::kind, jobs::state))
        .load(conn)?)
}

/// Jobs that ran out of attempts, latest first.
pub fn failed(conn: &mut DbConnection, limit: i64) -> Result<Vec<JobRow>, StoreError> {
    Ok(jobs::table
        .filter(jobs::state.eq("failed"))
        .select(JobRow::as_select())
        .order(jobs::id.desc())
        .limit(limit)
        .load(conn)?)
}

/// A job by id (tests, operators).
pub fn get(conn: &mut DbConnection, id: i64) -> Result<Option<JobRow>, StoreError> {
    Ok(jobs::table
        .filter(jobs::id.eq(id))
        .select(JobRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Gives a failed job its attempts back, to run now; false if no such failed job.
pub fn retry(conn: &mut DbConnection, id: i64) -> Result<bool, StoreError> {
    let n = diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::state.eq("failed")),
    )
    .set((
        jobs::state.eq("pending"),
        jobs::attempts.eq(0),
        jobs::run_at.eq(Utc::now().naive_utc()),
        jobs::finished_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes finished jobs: done ones after `done_days`, failed ones after
/// `failed_days` (kept longer, for an operator to look at).
pub fn purge_finished(
    conn: &mut DbConnection,
    done_days: i64,
    failed_days: i64,
) -> Result<usize, StoreError> {
    let now = Utc::now().naive_utc();
    let (done_for, failed_for) = (
        chrono::Duration::days(done_days),
        chrono::Duration::days(failed_days),
    );
    let done = diesel::delete(
        jobs::table
            .filter(jobs::state.eq("done"))
            .filter(jobs::finished_at.le(now - done_for)),
    )
    .execute(conn)?;
    let failed = diesel::delete(
        jobs::table
            .filter(jobs::state.eq("failed"))
            .filter(jobs::finished_at.le(now - failed_for)),
    )
    .execute(conn)?;
    Ok(done + failed)
}
