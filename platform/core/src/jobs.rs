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

use crate::store::repo::jobs::{self as rows, Ending};
use crate::store::{Store, StoreError};
use crate::tenancy::TenantId;

// The table's queries, for the transactions that enqueue and for operators.
pub use rows::{counts, enqueue, failed, get, purge_finished, retry, JobRow, NewJob};

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
    let mut claimed: Vec<Job> = store
        .platform_write(|c| rows::claim(c, kinds, limit, until, now))?
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

/// What becomes of a job after this outcome.
fn ending(job: &Job, outcome: Result<(), JobError>, now: NaiveDateTime) -> Ending {
    match outcome {
        Ok(()) => Ending::Done,
        Err(JobError::Postpone(wait)) => Ending::Postponed {
            run_at: now + chrono::Duration::from_std(wait).unwrap_or_default(),
        },
        Err(JobError::Retry(error)) if !job.is_last_attempt() => Ending::Retry {
            run_at: now + backoff(job.attempt),
            error,
        },
        Err(JobError::Retry(error) | JobError::Fail(error)) => Ending::Failed { error },
    }
}

/// The jobs' own upkeep: finished jobs forgotten after a week, failed ones
/// after 90 days (an operator may still retry them until then).
pub fn register(runner: Runner) -> Runner {
    runner.every(
        "jobs.purge",
        Duration::from_secs(24 * 3600),
        |s: &Store, _: &Job| {
            s.platform_write(|c| purge_finished(c, 7, 90))?;
            Ok(())
        },
    )
}

/// Work that comes back: enqueued again `every` after each run.
struct Periodic {
    kind: &'static str,
    every: Duration,
}

/// Claims and runs jobs with the handlers it knows; jobs of other kinds wait
/// for a runner that knows them. A few at a time, on a short lease: a
/// process killed mid-batch delays its jobs by a minute, not more.
pub struct Runner {
    store: Store,
    handlers: HashMap<&'static str, Arc<dyn Handler>>,
    periodic: Vec<Periodic>,
    batch: i64,
    lease: Duration,
    stop: Stopping,
}

/// Set when the process is asked to stop: the runner claims nothing more,
/// finishes the job in hand, gives back those it had claimed and not begun.
#[derive(Debug, Clone, Default)]
pub struct Stopping(Arc<std::sync::atomic::AtomicBool>);

impl Stopping {
    pub fn start(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn is_on(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The pause between two tries to record what was done while the database
/// does not answer; it grows to this.
const RECORD_WAIT_MAX: Duration = Duration::from_secs(15);

/// Runs `record` until the database takes it: what a job did outside (an
/// e-mail accepted by the SMTP server, a payment settled) must be written,
/// or it would be done again. Gives up only when the process is stopping
/// and the database still does not answer; the error is then returned.
pub fn until_recorded<T>(
    stop: &Stopping,
    what: &str,
    mut record: impl FnMut() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut wait = Duration::from_millis(200);
    let mut stopping_tries = 0;
    loop {
        match record() {
            Ok(v) => return Ok(v),
            Err(e) => {
                if stop.is_on() {
                    stopping_tries += 1;
                    if stopping_tries > 3 {
                        tracing::error!(error = %e, "{what} : non enregistré à l’arrêt");
                        return Err(e);
                    }
                }
                tracing::warn!(error = %e, wait_ms = wait.as_millis() as u64, "{what} : base injoignable, nouvel essai");
                std::thread::sleep(wait);
                wait = (wait * 2).min(RECORD_WAIT_MAX);
            }
        }
    }
}

impl Runner {
    pub fn new(store: Store) -> Runner {
        Runner {
            store,
            handlers: HashMap::new(),
            periodic: Vec::new(),
            batch: 5,
            // Renewed every 10 s while its batch runs: a killed process's
            // jobs wait at most this long for another process.
            lease: Duration::from_secs(30),
            stop: Stopping::default(),
        }
    }

    /// What stops this runner (the server sets it on SIGTERM); handlers
    /// that record what they did outside wait on it too.
    pub fn stopping(&self) -> Stopping {
        self.stop.clone()
    }

    /// Runs the jobs of `kind` with `handler`; a kind has one handler (two
    /// contexts claiming one name is a wiring mistake, caught at start).
    pub fn handle(mut self, kind: &'static str, handler: impl Handler + 'static) -> Runner {
        let first = self.handlers.insert(kind, Arc::new(handler)).is_none();
        assert!(first, "job kind « {kind} » registered twice");
        self
    }

    /// The kinds this runner runs, sorted.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<_> = self.handlers.keys().copied().collect();
        kinds.sort_unstable();
        kinds
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

    /// As [`Runner::run_once`], as if it were `now` (tests of retries). A
    /// job that ran is recorded whatever the database does meanwhile (it
    /// waits for it): it is never run again for want of its record, and the
    /// rest of the batch is not dropped. Once stopping, the jobs claimed and
    /// not begun are given back.
    pub fn run_once_at(&self, now: NaiveDateTime) -> Result<usize, StoreError> {
        if self.stop.is_on() {
            return Ok(0);
        }
        let kinds: Vec<&str> = self.handlers.keys().copied().collect();
        let claimed = claim(&self.store, &kinds, self.batch, self.lease, now)?;
        if claimed.is_empty() {
            return Ok(0);
        }
        // While the batch runs, its lease is renewed: a long job does not let
        // it, nor the jobs waiting behind it, go to another process.
        let held = std::sync::Mutex::new(claimed.iter().map(|j| j.id).collect::<Vec<_>>());
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let (me, holding) = (self, &held);
        std::thread::scope(|scope| {
            scope.spawn(move || {
                while finished.recv_timeout(me.lease / 3)
                    == Err(std::sync::mpsc::RecvTimeoutError::Timeout)
                {
                    let ids = holding.lock().map(|h| h.clone()).unwrap_or_default();
                    let until = Utc::now().naive_utc()
                        + chrono::Duration::from_std(me.lease).unwrap_or_default();
                    if let Err(e) = me.store.platform_write(|c| rows::extend(c, &ids, until)) {
                        tracing::warn!(error = %e, "bail des tâches non renouvelé");
                    }
                }
            });
            let ran = self.run_claimed(claimed, &held, now);
            drop(done);
            ran
        })
    }

    fn run_claimed(
        &self,
        claimed: Vec<Job>,
        held: &std::sync::Mutex<Vec<i64>>,
        now: NaiveDateTime,
    ) -> Result<usize, StoreError> {
        let mut ran = 0;
        let release = |id: i64| {
            if let Ok(mut h) = held.lock() {
                h.retain(|j| *j != id);
            }
        };
        for job in claimed {
            if self.stop.is_on() {
                let _ = until_recorded(&self.stop, "tâche rendue", || {
                    let back = Ending::Postponed { run_at: now };
                    self.store
                        .platform_write(|c| rows::finish(c, job.id, back, now))
                });
                release(job.id);
                continue;
            }
            let Some(handler) = self.handlers.get(job.kind.as_str()) else {
                continue;
            };
            ran += 1;
            let outcome = handler.run(&self.store, &job);
            if let Err(e) = &outcome {
                tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempt, error = ?e, "tâche en échec");
            }
            let succeeded = outcome.is_ok();
            let ending = ending(&job, outcome, now);
            until_recorded(&self.stop, "fin de tâche", || {
                self.store
                    .platform_write(|c| rows::finish(c, job.id, ending.clone(), now))
            })?;
            release(job.id);
            if let (true, Some(p)) = (succeeded, self.periodic.iter().find(|p| p.kind == job.kind))
            {
                let next = now + chrono::Duration::from_std(p.every).unwrap_or_default();
                until_recorded(&self.stop, "prochaine tâche périodique", || {
                    self.schedule(p.kind, next)
                })?;
            }
        }
        Ok(ran)
    }

    /// Runs on its own thread until [`Runner::stopping`] is set: a batch
    /// after another while there is work, a pause of `idle` when there is
    /// none. The handle ends when the thread has finished its job in hand.
    pub fn spawn(self, idle: Duration) -> std::io::Result<std::thread::JoinHandle<()>> {
        if let Err(e) = self.start_periodic() {
            tracing::warn!(error = %e, "tâches périodiques non planifiées (nouvel essai au prochain démarrage)");
        }
        std::thread::Builder::new()
            .name("jobs".into())
            .spawn(move || {
                while !self.stop.is_on() {
                    match self.run_once() {
                        Ok(0) => self.pause(idle),
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "file des tâches inaccessible");
                            self.pause(idle);
                        }
                    }
                }
                tracing::info!("file des tâches arrêtée");
            })
    }

    /// Sleeps `idle`, or less when stopping.
    fn pause(&self, idle: Duration) {
        let step = Duration::from_millis(100);
        let mut slept = Duration::ZERO;
        while slept < idle && !self.stop.is_on() {
            std::thread::sleep(step);
            slept += step;
        }
    }
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
