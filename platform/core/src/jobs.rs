//! Durable jobs: background and timed work, kept in the `jobs` table until
//! done. A job is enqueued in the transaction of the change that causes it
//! (so that neither exists without the other), claimed by one runner at a time
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer), retried
//! with a growing wait when its handler fails, and kept, with its last error,
//! when it runs out of attempts. Several `guichet` processes can run the
//! runner at once: a claim is a lease, and a handler must be idempotent (a
//! process that dies mid-job leaves it to be claimed again when the lease ends).
//!
//! One query on the due index finds the work: what a tick costs does not grow
//! with the number of collectivités.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

use crate::store::schema::jobs;
use crate::store::{DbConnection, Store, StoreError};
use crate::tenancy::TenantId;

/// A claimed job, as its handler sees it.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    /// `None` for platform work.
    pub tenant: Option<TenantId>,
    pub kind: String,
    pub payload: serde_json::Value,
    /// This attempt's number (1 for the first).
    pub attempt: i32,
    pub max_attempts: i32,
}

impl Job {
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }
}

/// Why a handler did not finish.
#[derive(Debug)]
pub enum JobError {
    /// Try again later (the wait grows with each attempt), up to the limit.
    Retry(String),
    /// Not now, and not counted as an attempt: wait this long (a suspended
    /// collectivité, a service closed for the night).
    Postpone(Duration),
    /// Will never succeed: stop at once, keep the job with this error.
    Fail(String),
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        JobError::Retry(e.to_string())
    }
}

pub trait Handler: Send + Sync {
    fn run(&self, store: &Store, job: &Job) -> Result<(), JobError>;
}

impl<F> Handler for F
where
    F: Fn(&Store, &Job) -> Result<(), JobError> + Send + Sync,
{
    fn run(&self, store: &Store, job: &Job) -> Result<(), JobError> {
        self(store, job)
    }
}

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

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    tenant_id: Option<i64>,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    payload: String,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Integer)]
    max_attempts: i32,
}

/// Claims up to `limit` due jobs of these kinds for `lease`: each one's
/// attempt is counted and it is locked until the lease ends.
pub fn claim(
    store: &Store,
    kinds: &[&str],
    limit: i64,
    lease: Duration,
    now: NaiveDateTime,
) -> Result<Vec<Job>, StoreError> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5));
    let kinds_json = serde_json::to_string(kinds).unwrap_or_default();
    let rows: Vec<Claimed> = store.platform_write(|conn| match conn {
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
        .load(pg)
        .map_err(StoreError::from),
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
        .load(lite)
        .map_err(StoreError::from),
    })?;
    let mut claimed: Vec<Job> = rows
        .into_iter()
        .map(|r| Job {
            id: r.id,
            tenant: r.tenant_id.map(TenantId::from_row),
            kind: r.kind,
            payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
            attempt: r.attempts,
            max_attempts: r.max_attempts,
        })
        .collect();
    claimed.sort_by_key(|j| j.id);
    Ok(claimed)
}

/// The wait before attempt `n + 1` after `n` failed: 1, 2, 4… minutes, up to an hour.
pub fn backoff(failed_attempts: i32) -> chrono::Duration {
    let minutes = 1i64 << (failed_attempts - 1).clamp(0, 6);
    chrono::Duration::minutes(minutes.min(60))
}

/// Records how a claimed job ended, at `now`.
pub fn finish(
    store: &Store,
    job: &Job,
    outcome: Result<(), JobError>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let target = jobs::table.filter(jobs::id.eq(job.id));
    store.platform_write(|c| {
        match outcome {
            Ok(()) => diesel::update(target)
                .set((
                    jobs::state.eq("done"),
                    jobs::locked_until.eq(None::<NaiveDateTime>),
                    jobs::finished_at.eq(Some(now)),
                ))
                .execute(c),
            Err(JobError::Postpone(wait)) => diesel::update(target)
                .set((
                    jobs::attempts.eq(jobs::attempts - 1),
                    jobs::locked_until.eq(None::<NaiveDateTime>),
                    jobs::run_at.eq(now + chrono::Duration::from_std(wait).unwrap_or_default()),
                ))
                .execute(c),
            Err(JobError::Retry(e)) if !job.is_last_attempt() => diesel::update(target)
                .set((
                    jobs::locked_until.eq(None::<NaiveDateTime>),
                    jobs::run_at.eq(now + backoff(job.attempt)),
                    jobs::last_error.eq(Some(e)),
                ))
                .execute(c),
            Err(JobError::Retry(e) | JobError::Fail(e)) => diesel::update(target)
                .set((
                    jobs::state.eq("failed"),
                    jobs::locked_until.eq(None::<NaiveDateTime>),
                    jobs::last_error.eq(Some(e)),
                    jobs::finished_at.eq(Some(now)),
                ))
                .execute(c),
        }
        .map(drop)
        .map_err(StoreError::from)
    })
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
        .first(conn)
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

/// Work that comes back: enqueued again `every` after each run.
struct Periodic {
    kind: &'static str,
    every: Duration,
}

/// Claims and runs jobs with the handlers it knows; jobs of other kinds wait
/// for a runner that knows them.
pub struct Runner {
    store: Store,
    handlers: HashMap<&'static str, Arc<dyn Handler>>,
    periodic: Vec<Periodic>,
    batch: i64,
    lease: Duration,
}

impl Runner {
    pub fn new(store: Store) -> Runner {
        Runner {
            store,
            handlers: HashMap::new(),
            periodic: Vec::new(),
            batch: 20,
            lease: Duration::from_secs(5 * 60),
        }
    }

    pub fn handle(mut self, kind: &'static str, handler: impl Handler + 'static) -> Runner {
        self.handlers.insert(kind, Arc::new(handler));
        self
    }

    /// `kind` runs now and then every `every` (platform work, no payload).
    pub fn every(
        mut self,
        kind: &'static str,
        every: Duration,
        handler: impl Handler + 'static,
    ) -> Runner {
        self.periodic.push(Periodic { kind, every });
        self.handle(kind, handler)
    }

    pub fn with_lease(mut self, lease: Duration) -> Runner {
        self.lease = lease;
        self
    }

    fn schedule(&self, kind: &str, at: NaiveDateTime) -> Result<(), StoreError> {
        self.store.platform_write(|c| {
            enqueue(
                c,
                NewJob {
                    run_at: at,
                    max_attempts: 3,
                    unique_key: Some("periodic"),
                    ..NewJob::now(kind, None, serde_json::Value::Null)
                },
            )
            .map(drop)
        })
    }

    /// Enqueues the first run of each periodic job (unless one is pending).
    pub fn start_periodic(&self) -> Result<(), StoreError> {
        for p in &self.periodic {
            self.schedule(p.kind, Utc::now().naive_utc())?;
        }
        Ok(())
    }

    /// Claims one batch of due jobs and runs them; returns how many ran.
    pub fn run_once(&self) -> Result<usize, StoreError> {
        self.run_once_at(Utc::now().naive_utc())
    }

    /// As [`Runner::run_once`], as if it were `now` (tests of retries).
    pub fn run_once_at(&self, now: NaiveDateTime) -> Result<usize, StoreError> {
        let kinds: Vec<&str> = self.handlers.keys().copied().collect();
        let claimed = claim(&self.store, &kinds, self.batch, self.lease, now)?;
        let n = claimed.len();
        for job in claimed {
            let Some(handler) = self.handlers.get(job.kind.as_str()) else {
                continue;
            };
            let outcome = handler.run(&self.store, &job);
            if let Err(e) = &outcome {
                tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempt, error = ?e, "tâche en échec");
            }
            let succeeded = outcome.is_ok();
            finish(&self.store, &job, outcome, now)?;
            if let (true, Some(p)) = (succeeded, self.periodic.iter().find(|p| p.kind == job.kind))
            {
                let next = now + chrono::Duration::from_std(p.every).unwrap_or_default();
                self.schedule(p.kind, next)?;
            }
        }
        Ok(n)
    }

    /// Runs for the life of the process on its own thread: a batch after
    /// another while there is work, a pause of `idle` when there is none.
    pub fn spawn(self, idle: Duration) -> std::io::Result<()> {
        if let Err(e) = self.start_periodic() {
            tracing::warn!(error = %e, "tâches périodiques non planifiées (nouvel essai au prochain démarrage)");
        }
        std::thread::Builder::new()
            .name("jobs".into())
            .spawn(move || loop {
                match self.run_once() {
                    Ok(0) => std::thread::sleep(idle),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "file des tâches inaccessible");
                        std::thread::sleep(idle);
                    }
                }
            })
            .map(drop)
    }
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

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn the_wait_doubles_up_to_an_hour() {
        let minutes: Vec<i64> = (1..=9).map(|n| backoff(n).num_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
