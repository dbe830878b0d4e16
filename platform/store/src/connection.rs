//! Which database, and how to open a connection to it.

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

use super::StoreError;

/// One connection, to either backend. Queries written against it use only the
/// SQL both backends share.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// `GUICHET_DATABASE_URL`, checked: `sqlite://PATH` (or `sqlite::memory:`) or
/// `postgres://…` / `postgresql://…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<DatabaseUrl, &'static str> {
        const EXPECTED: &str =
            "sqlite://CHEMIN (par exemple sqlite://data/guichet.db) ou postgres://UTILISATEUR@HÔTE:PORT/BASE";
        if let Some(path) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(EXPECTED);
            }
            return Ok(DatabaseUrl::Sqlite(path.to_owned()));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let url = url::Url::parse(raw).map_err(|_| EXPECTED)?;
            if url.host_str().is_none() && !url.query().unwrap_or("").contains("host=") {
                return Err(EXPECTED);
            }
            return Ok(DatabaseUrl::Postgres(raw.to_owned()));
        }
        Err(EXPECTED)
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL without its password, for messages and logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{p}"),
            DatabaseUrl::Postgres(raw) => match url::Url::parse(raw) {
                Ok(mut u) if u.password().is_some() => {
                    let _ = u.set_password(Some("***"));
                    u.to_string()
                }
                _ => raw.clone(),
            },
        }
    }
}

/// Opens connections for the pool, with the settings each backend needs.
#[derive(Debug)]
pub(super) struct DbManager {
    url: DatabaseUrl,
    /// When (Unix milliseconds) a connection last failed to open: the
    /// database's outage, as the error pages need to know it.
    pub(super) failed_at: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl DbManager {
    pub(super) fn new(url: &DatabaseUrl) -> Result<DbManager, StoreError> {
        if let DatabaseUrl::Sqlite(path) = url {
            if path != ":memory:" {
                if let Some(dir) = Path::new(path)
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Unavailable(format!("dossier {} : {e}", dir.display()))
                    })?;
                }
            }
        }
        Ok(DbManager {
            url: url.clone(),
            failed_at: std::sync::Arc::default(),
        })
    }

    pub(super) fn connect_now(&self) -> Result<(), StoreError> {
        self.connect().map(drop)
    }
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_owned()
}

impl ManageConnection for DbManager {
    type Connection = DbConnection;
    type Error = StoreError;

    fn connect(&self) -> Result<DbConnection, StoreError> {
        let unavailable = |e: diesel::ConnectionError| {
            self.failed_at
                .store(super::now_ms(), std::sync::atomic::Ordering::Relaxed);
            StoreError::Unavailable(format!(
                "{} : {}",
                self.url.redacted(),
                first_line(&e.to_string())
            ))
        };
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url).map_err(unavailable)?;
                // Timestamps are stored in UTC, whatever the server's zone.
                conn.batch_execute("SET TIME ZONE 'UTC'")?;
                Ok(DbConnection::Postgres(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path).map_err(unavailable)?;
                // busy_timeout first: switching to WAL takes a lock that
                // another process (a migration, a CLI command) may hold.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), StoreError> {
        conn.ping()
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_schemes() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/guichet.db"),
            Ok(DatabaseUrl::Sqlite("data/guichet.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/guichet.db"),
            Ok(DatabaseUrl::Sqlite("/var/lib/guichet.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert!(DatabaseUrl::parse("mysql://u@h/db").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("nonsense").is_err());
    }

    #[test]
    fn redacts_passwords() {
        let url = DatabaseUrl::parse("postgres://u:secret@h:5432/db").unwrap();
        assert!(!url.redacted().contains("secret"));
    }
}
