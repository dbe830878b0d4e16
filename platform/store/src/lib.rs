//! The store: diesel on SQLite (embedded default) or PostgreSQL (production),
//! behind one API. The rest of the code never sees which backend runs, and
//! writes no query: every one is here, in [`repo`] (one module per bounded
//! context) and [`tenancy`], its errors as [`StoreError`].
//!
//! Tenant tables are reached only through [`TenantTx`], which is opened with a
//! [`TenantId`](crate::tenancy::TenantId); on PostgreSQL it also sets the
//! transaction's `app.tenant_id`, which row-level security checks.
//!
//! A lookup by a unique key reads with `get_result`, not `first`: `first`
//! binds its `LIMIT 1`, and SQLite plans a statement again at each run when
//! its LIMIT is a bound value, which cost a third of a page's time.

mod connection;
mod migrate;
pub use migrate::is_role_name;
mod replica;
pub use replica::{ReadsServed, Written};
pub mod repo;
pub mod schema;
pub mod scoped;
pub mod tenancy;
mod tx;

use std::time::Duration;

use diesel::r2d2::Pool;

use connection::DbManager;
pub use connection::{Backend, DatabaseUrl, DbConnection};
use tenancy::TenantId;
pub use tx::TenantTx;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached now; the caller may try again later.
    #[error("base de données indisponible : {0}")]
    Unavailable(String),
    #[error("enregistrement introuvable")]
    NotFound,
    /// A unique constraint refused the write; carries the constraint's name.
    #[error("conflit avec un enregistrement existant ({0})")]
    Conflict(String),
    #[error("migration impossible : {0}")]
    Migration(String),
    /// SQLite: another writer went first since this transaction read; the
    /// whole transaction may be run again.
    #[error("base de données occupée")]
    Busy,
    #[error("erreur de base de données : {0}")]
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for StoreError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match e {
            E::NotFound => StoreError::NotFound,
            E::DatabaseError(K::UniqueViolation, info) => StoreError::Conflict(
                info.constraint_name()
                    .map(str::to_owned)
                    .unwrap_or_else(|| info.message().to_owned()),
            ),
            E::DatabaseError(K::ClosedConnection, info) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            E::DatabaseError(_, info) if info.message().starts_with("database is locked") => {
                StoreError::Busy
            }
            other => StoreError::Database(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

/// A pool of connections to one database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool<DbManager>,
    backend: Backend,
    replica: Option<replica::Replica>,
    /// The manager's record of its last failure to connect.
    failed_at: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// A connection of the pool, handed out.
type Pooled = diesel::r2d2::PooledConnection<DbManager>;

fn no_connection() -> StoreError {
    StoreError::Unavailable("aucune connexion ne répond".into())
}

/// Now, in Unix milliseconds.
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Store {
    /// Connects once (so that a wrong URL is reported at start, clearly), then
    /// builds the pool, which reconnects by itself when the database comes back.
    pub fn open(url: &DatabaseUrl) -> Result<Store, StoreError> {
        Store::open_pool(
            url,
            Store::default_pool_size(url.backend()),
            Duration::from_secs(3),
        )
    }

    /// The connections a serving process keeps at most, unless told.
    pub fn default_pool_size(backend: Backend) -> u32 {
        match backend {
            Backend::Postgres => 16,
            Backend::Sqlite => 8,
        }
    }

    /// A serving process's pool: `size` connections at most, a request
    /// waiting `wait` at most for one (then the page says the service is
    /// unavailable).
    pub fn open_pool(url: &DatabaseUrl, size: u32, wait: Duration) -> Result<Store, StoreError> {
        Store::build(url, size, 1, wait)
    }

    /// For a command that runs and exits: a small pool that opens connections
    /// only when asked, so that none is being opened (by the pool's own
    /// threads) while the process exits.
    pub fn open_for_command(url: &DatabaseUrl) -> Result<Store, StoreError> {
        Store::open_with(url, 2, 0)
    }

    /// `max_size` connections at most, `min_idle` kept open.
    pub fn open_with(url: &DatabaseUrl, max_size: u32, min_idle: u32) -> Result<Store, StoreError> {
        Store::build(url, max_size, min_idle, Duration::from_secs(3))
    }

    fn build(
        url: &DatabaseUrl,
        max_size: u32,
        min_idle: u32,
        wait: Duration,
    ) -> Result<Store, StoreError> {
        let manager = DbManager::new(url)?;
        manager.connect_now()?;
        let failed_at = manager.failed_at.clone();
        let pool = Pool::builder()
            .max_size(max_size)
            .min_idle(Some(min_idle))
            // Connections are not checked as they are handed out (a round
            // trip each time): after a database restart or a failover the
            // pool's connections are all dead, and each fails at its first
            // statement, is dropped and replaced ([`Store::begun`]), so that
            // no user pays for one.
            .test_on_check_out(false)
            .connection_timeout(wait)
            .build_unchecked(manager);
        Ok(Store {
            pool,
            backend: url.backend(),
            replica: None,
            failed_at,
        })
    }

    /// Lets reports ([`Store::report`]) read from a streaming replica of
    /// this PostgreSQL database at `url` (`size` connections at most), while
    /// it lags less than `max_lag`. The replica need not answer yet.
    pub fn with_replica(
        mut self,
        url: &DatabaseUrl,
        size: u32,
        max_lag: Duration,
    ) -> Result<Store, StoreError> {
        if self.backend != Backend::Postgres {
            return Err(StoreError::Unavailable(
                "une réplique de lecture ne sert qu’une base principale PostgreSQL".into(),
            ));
        }
        self.replica = Some(replica::Replica::open(url, size, max_lag)?);
        Ok(self)
    }

    pub fn has_replica(&self) -> bool {
        self.replica.is_some()
    }

    /// Where the reports' reads went, when a replica is set.
    pub fn reads_served(&self) -> Option<ReadsServed> {
        self.replica.as_ref().map(replica::Replica::served)
    }

    /// The primary's position now: called after a person's write, so that
    /// their next reports wait for a replica that has it. `None` without a
    /// replica.
    pub fn written(&self) -> Result<Option<Written>, StoreError> {
        if self.replica.is_none() {
            return Ok(None);
        }
        replica::position(&mut *self.checked()?)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool's connections: open, and idle among them.
    pub fn pool_state(&self) -> (u32, u32) {
        let s = self.pool.state();
        (s.connections, s.idle_connections)
    }

    /// Applies the embedded migrations of this backend that are not applied yet.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.checked()?;
        migrate::run(&mut conn)
    }

    /// Reverts every migration (their `down.sql`, newest first); returns how
    /// many. For the migrations' own test; run as the owner on PostgreSQL.
    pub fn revert_all_migrations(&self) -> Result<usize, StoreError> {
        let mut conn = self.checked()?;
        migrate::revert_all(&mut conn)
    }

    /// The embedded migrations of this backend not yet applied.
    pub fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.checked()?;
        migrate::pending(&mut conn)
    }

    /// PostgreSQL: grants the runtime role `role` what serving needs (rows),
    /// and nothing more (no DDL; audit trails append-only). Nothing on SQLite.
    pub fn grant_runtime(&self, role: &str) -> Result<(), StoreError> {
        let mut conn = self.checked()?;
        migrate::grant_runtime(&mut conn, role)
    }

    /// Whether a connection to the database failed to open in the last
    /// `within`: an error met while it was down (a request that waited for a
    /// connection until the timeout) is its outage's, even if it answers again.
    pub fn failed_within(&self, within: Duration) -> bool {
        let at = self.failed_at.load(std::sync::atomic::Ordering::Relaxed);
        at != 0 && now_ms().saturating_sub(at) <= within.as_millis() as u64
    }

    /// True when a connection can be had and answers.
    pub fn ping(&self) -> bool {
        use diesel::r2d2::R2D2Connection;
        self.pool
            .get_timeout(Duration::from_secs(2))
            .map(|mut c| c.ping().is_ok())
            .unwrap_or(false)
    }

    /// Runs `attempt` on a connection of the pool, which is not tested as it
    /// is handed out (a round trip each time): when the attempt finds it dead
    /// (`dead`: it died while pooled, the database restarted, a failover), it
    /// is dropped and the next is tried, as many as the pool holds, then a new
    /// one; so that no request pays for a dead connection. The connection
    /// comes back with what the attempt gave.
    fn on_live<T, E>(
        &self,
        mut attempt: impl FnMut(&mut DbConnection) -> Result<T, E>,
        dead: impl Fn(&E) -> bool,
    ) -> Result<(Pooled, T), StoreError>
    where
        StoreError: From<E>,
    {
        let mut lost = None;
        for _ in 0..=self.pool.max_size() {
            let mut conn = self.pool.get()?;
            match attempt(&mut conn) {
                Ok(found) => return Ok((conn, found)),
                Err(e) if dead(&e) => {
                    tx::discard(&mut conn);
                    lost = Some(e);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(lost.map_or_else(no_connection, StoreError::from))
    }

    /// A connection of the pool with its transaction begun ([`tx::begin`]).
    fn begun(&self, tenant: Option<TenantId>, for_write: bool) -> Result<Pooled, StoreError> {
        self.on_live(|c| tx::begin(c, tenant, for_write), tx::is_lost)
            .map(|(conn, ())| conn)
    }

    /// A connection of the pool, pinged (for what runs outside
    /// [`Store::begun`]'s transactions: maintenance, migrations).
    fn checked(&self) -> Result<Pooled, StoreError> {
        use diesel::r2d2::R2D2Connection;
        self.on_live(|c| c.ping(), |_| true).map(|(conn, ())| conn)
    }

    /// One statement on platform tables, outside any transaction (one
    /// statement needs none, and the `BEGIN` and `COMMIT` would triple its
    /// round trips): a request's session.
    pub fn platform_lookup<T>(
        &self,
        f: impl Fn(&mut DbConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.on_live(f, |e| matches!(e, StoreError::Unavailable(_)))
            .map(|(_, found)| found)
    }

    /// A read transaction on platform tables (collectivités, super-admins).
    /// Tenant tables are out of its reach on PostgreSQL: no tenant setting, no rows.
    pub fn platform_read<T, E>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.begun(None, false)?;
        tx::finish(&mut conn, f)
    }

    /// A write transaction on platform tables.
    pub fn platform_write<T, E>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.begun(None, true)?;
        tx::finish(&mut conn, f)
    }

    /// A read transaction scoped to one collectivité.
    pub fn read<T, E>(
        &self,
        tenant: crate::tenancy::TenantId,
        f: impl FnOnce(&mut TenantTx<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.begun(Some(tenant), false)?;
        tx::finish_tenant(&mut conn, tenant, f)
    }

    /// A read transaction scoped to one collectivité for a report (a
    /// search, an export, statistics): on the replica when one is set, up to
    /// date enough and has what the reader last wrote (`after`); else on the
    /// primary, as [`Store::read`].
    ///
    /// `f` may run twice: a replica lost in the middle of the read (stopped,
    /// failed over) leaves the read to the primary, from the start.
    pub fn report<T, E>(
        &self,
        tenant: crate::tenancy::TenantId,
        after: Option<&Written>,
        f: impl Fn(&mut TenantTx<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        if let Some(replica) = &self.replica {
            if let Some(mut conn) = replica.connection(after) {
                let found = tx::tenant(&mut conn, tenant, false, &f);
                if found.is_ok() || replica.still_there(&mut conn) {
                    return found;
                }
            }
            replica.count_primary();
        }
        self.read(tenant, f)
    }

    /// A write transaction scoped to one collectivité. On SQLite it takes the
    /// write lock at once, so that two writers wait for each other instead of
    /// failing half-way.
    pub fn write<T, E>(
        &self,
        tenant: crate::tenancy::TenantId,
        f: impl FnOnce(&mut TenantTx<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.begun(Some(tenant), true)?;
        tx::finish_tenant(&mut conn, tenant, f)
    }

    /// A write transaction that takes SQLite's write lock only at its first
    /// write, not at its start: for a use case that waits on something slow
    /// (the LDAP directory) between reading and writing. It fails with
    /// [`StoreError::Busy`] when another writer committed in between; the
    /// caller then runs it again. The same as [`Store::write`] on PostgreSQL.
    pub fn write_deferred<T, E>(
        &self,
        tenant: crate::tenancy::TenantId,
        f: impl FnOnce(&mut TenantTx<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        // A plain BEGIN: only SQLite's IMMEDIATE differs, and it is what we avoid.
        let mut conn = self.begun(Some(tenant), false)?;
        tx::finish_tenant(&mut conn, tenant, f)
    }

    /// A raw connection, for checks that must bypass the tenant gate (tests of
    /// the row-level security itself, maintenance commands).
    pub fn raw_connection(
        &self,
    ) -> Result<
        diesel::r2d2::PooledConnection<
            impl diesel::r2d2::ManageConnection<Connection = DbConnection>,
        >,
        StoreError,
    > {
        self.checked()
    }
}

impl Store {
    /// On PostgreSQL: false when the connected role is a superuser or has
    /// BYPASSRLS, for which row-level security does not apply. True on SQLite.
    pub fn row_security_enforced(&self) -> Result<bool, StoreError> {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Bypass {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            bypass: bool,
        }
        let mut conn = self.checked()?;
        match &mut *conn {
            DbConnection::Sqlite(_) => Ok(true),
            DbConnection::Postgres(pg) => {
                let row: Bypass = diesel::sql_query(
                    "SELECT (rolsuper OR rolbypassrls) AS bypass FROM pg_roles WHERE rolname = current_user",
                )
                .get_result(pg)?;
                Ok(!row.bypass)
            }
        }
    }
}
