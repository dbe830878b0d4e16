//! Reads that may go to a PostgreSQL streaming replica: searches, exports and
//! statistics, the heavy reads that do not need the last second.
//!
//! A read goes to the replica only when it answers at once, lags less than
//! the allowed delay, and has replayed what the reader last wrote (their
//! [`Written`] position, kept by the web layer from their last write), so
//! that nobody misses their own change. Otherwise it goes to the primary,
//! and a replica that failed to answer is left alone for a few seconds, so
//! that no page waits for a stopped one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::r2d2::Pool;
use diesel::sql_types::{Bool, Double, Nullable, Text};
use diesel::RunQueryDsl;

use super::connection::DbManager;
use super::{now_ms, DatabaseUrl, DbConnection, StoreError};

/// A position in the primary's write-ahead log (`pg_lsn`, such as
/// `0/3000060`): where a person's last write ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written(String);

impl Written {
    /// Only the shape PostgreSQL prints: two hexadecimal numbers.
    pub fn parse(raw: &str) -> Option<Written> {
        let (hi, lo) = raw.split_once('/')?;
        let hex =
            |s: &str| !s.is_empty() && s.len() <= 8 && s.chars().all(|c| c.is_ascii_hexdigit());
        (hex(hi) && hex(lo)).then(|| Written(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where reads of reports went, for the metrics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReadsServed {
    pub replica: u64,
    pub primary: u64,
    /// Times the replica failed and was left alone for a while.
    pub rests: u64,
}

#[derive(Clone)]
pub(super) struct Replica {
    pool: Pool<DbManager>,
    max_lag: Duration,
    state: Arc<State>,
}

#[derive(Default)]
struct State {
    /// Until when (Unix milliseconds) the replica is left alone after a failure.
    resting_until: AtomicU64,
    replica: AtomicU64,
    primary: AtomicU64,
    rests: AtomicU64,
}

/// How long a replica that failed is not asked again.
const REST: Duration = Duration::from_secs(5);
/// How long a read waits for one of the replica's connections.
const WAIT: Duration = Duration::from_millis(500);

#[derive(diesel::QueryableByName)]
struct Standing {
    #[diesel(sql_type = Bool)]
    standby: bool,
    #[diesel(sql_type = Bool)]
    caught_up: bool,
    #[diesel(sql_type = Nullable<Double>)]
    lag: Option<f64>,
}

impl Replica {
    /// The pool is built without connecting: a replica down at start only
    /// sends reads to the primary until it answers.
    pub(super) fn open(
        url: &DatabaseUrl,
        size: u32,
        max_lag: Duration,
    ) -> Result<Replica, StoreError> {
        if !matches!(url, DatabaseUrl::Postgres(_)) {
            return Err(StoreError::Unavailable(
                "une réplique de lecture ne peut être qu’une base PostgreSQL".into(),
            ));
        }
        let pool = Pool::builder()
            .max_size(size)
            .min_idle(Some(0))
            .test_on_check_out(true)
            .connection_timeout(WAIT)
            // Said once per rest by `connection`, not at every attempt.
            .error_handler(Box::new(diesel::r2d2::NopErrorHandler))
            .build_unchecked(DbManager::new(url)?);
        Ok(Replica {
            pool,
            max_lag,
            state: Arc::default(),
        })
    }

    pub(super) fn served(&self) -> ReadsServed {
        ReadsServed {
            replica: self.state.replica.load(Ordering::Relaxed),
            primary: self.state.primary.load(Ordering::Relaxed),
            rests: self.state.rests.load(Ordering::Relaxed),
        }
    }

    /// After a failed read: whether the replica's connection still answers
    /// (the failure was the read's own); one lost rests the replica.
    pub(super) fn still_there(&self, conn: &mut DbConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        if conn.ping().is_ok() {
            return true;
        }
        self.rest(&"connexion perdue pendant une lecture");
        false
    }

    fn rest(&self, why: &dyn std::fmt::Display) {
        tracing::warn!(error = %why, "réplique de lecture écartée quelques secondes");
        self.state.rests.fetch_add(1, Ordering::Relaxed);
        self.state
            .resting_until
            .store(now_ms() + REST.as_millis() as u64, Ordering::Relaxed);
    }

    pub(super) fn count_primary(&self) {
        self.state.primary.fetch_add(1, Ordering::Relaxed);
    }

    /// A connection to the replica when it may serve a reader who last
    /// wrote at `after`; `None` sends the read to the primary.
    pub(super) fn connection(
        &self,
        after: Option<&Written>,
    ) -> Option<diesel::r2d2::PooledConnection<DbManager>> {
        if now_ms() < self.state.resting_until.load(Ordering::Relaxed) {
            return None;
        }
        let rest = |why: &dyn std::fmt::Display| {
            self.rest(why);
            None
        };
        let mut conn = match self.pool.get() {
            Ok(c) => c,
            Err(e) => return rest(&e),
        };
        let DbConnection::Postgres(pg) = &mut *conn else {
            return None;
        };
        // The lag is nil when everything received is replayed; else the age
        // of the last transaction replayed.
        let standing = diesel::sql_query(
            "SELECT pg_is_in_recovery() AS standby, \
               COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS caught_up, \
               CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0::float8 \
                    ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 END AS lag",
        )
        .bind::<Text, _>(after.map_or("0/0", Written::as_str))
        .get_result::<Standing>(pg);
        match standing {
            Err(e) => rest(&e),
            Ok(s) if !s.standby => rest(&"la réplique n’est pas en lecture seule (promue ?)"),
            Ok(s) if !s.caught_up => None,
            Ok(s) if s.lag.unwrap_or(f64::MAX) > self.max_lag.as_secs_f64() => None,
            Ok(_) => {
                self.state.replica.fetch_add(1, Ordering::Relaxed);
                Some(conn)
            }
        }
    }
}

/// The primary's position now, after a write: what a replica must have
/// replayed before it serves the writer.
pub(super) fn position(conn: &mut DbConnection) -> Result<Option<Written>, StoreError> {
    #[derive(diesel::QueryableByName)]
    struct Lsn {
        #[diesel(sql_type = Text)]
        lsn: String,
    }
    match conn {
        // The insert position, not the write position: with asynchronous
        // commits the writer's commit record may still be in memory.
        DbConnection::Postgres(pg) => {
            let row: Lsn = diesel::sql_query("SELECT pg_current_wal_insert_lsn()::text AS lsn")
                .get_result(pg)?;
            Ok(Written::parse(&row.lsn))
        }
        DbConnection::Sqlite(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::Written;

    #[test]
    fn positions_are_what_postgresql_prints() {
        assert!(Written::parse("0/3000060").is_some());
        assert!(Written::parse("1A/FF").is_some());
        for bad in [
            "",
            "0",
            "0/",
            "/1",
            "0/1/2",
            "0/xyz",
            "0/1'; --",
            "123456789/0",
        ] {
            assert_eq!(Written::parse(bad), None, "{bad}");
        }
    }
}
