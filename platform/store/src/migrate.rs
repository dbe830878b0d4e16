//! Migrations, one folder per backend, embedded in the binary.

use diesel::connection::SimpleConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::{DbConnection, StoreError};

const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Any number, the same for every process: several servers starting together
/// apply the migrations one at a time.
const PG_MIGRATION_LOCK: i64 = 0x0067_7569_6368_6574;

pub(super) fn run(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    // Nothing to do: touch nothing (the runtime role may not create diesel's table).
    if pending(conn)?.is_empty() {
        return Ok(Vec::new());
    }
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Migration(e.to_string());
    let names = |applied: Vec<diesel::migration::MigrationVersion<'_>>| {
        applied.iter().map(|v| v.to_string()).collect::<Vec<_>>()
    };
    match conn {
        DbConnection::Postgres(pg) => {
            pg.batch_execute(&format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})"))?;
            let result = pg
                .run_pending_migrations(POSTGRES)
                .map(names)
                .map_err(failed);
            pg.batch_execute(&format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})"))?;
            result
        }
        DbConnection::Sqlite(lite) => lite
            .run_pending_migrations(SQLITE)
            .map(names)
            .map_err(failed),
    }
}

/// The migrations of this backend not applied yet. Read from diesel's
/// bookkeeping table directly: diesel's own check first creates that table,
/// which the runtime role (no DDL) may not do.
pub(super) fn pending(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    use diesel::migration::MigrationSource;
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Applied {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Migration(e.to_string());
    let query = diesel::sql_query("SELECT version FROM __diesel_schema_migrations");
    let (known, applied): (Vec<String>, _) = match conn {
        DbConnection::Postgres(pg) => (
            MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES)
                .map_err(failed)?
                .iter()
                .map(|m| m.name().version().to_string())
                .collect(),
            query.load::<Applied>(pg),
        ),
        DbConnection::Sqlite(lite) => (
            MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE)
                .map_err(failed)?
                .iter()
                .map(|m| m.name().version().to_string())
                .collect(),
            query.load::<Applied>(lite),
        ),
    };
    // No bookkeeping table yet: a new database, everything is pending.
    let applied: Vec<String> = applied
        .map(|rows| rows.into_iter().map(|r| r.version).collect())
        .unwrap_or_default();
    Ok(known.into_iter().filter(|v| !applied.contains(v)).collect())
}

/// On PostgreSQL, gives the runtime role what serving needs and nothing more:
/// rows to read and write, but no DDL (it owns nothing), the audit trails
/// append-only, the migrations' bookkeeping read-only. Run by the owner after
/// each migration, since new tables come without grants.
pub(super) fn grant_runtime(conn: &mut DbConnection, role: &str) -> Result<(), StoreError> {
    let DbConnection::Postgres(pg) = conn else {
        return Ok(());
    };
    if !is_role_name(role) {
        return Err(StoreError::Migration(format!(
            "nom de rôle PostgreSQL invalide : « {role} » (lettres minuscules, chiffres, _)"
        )));
    }
    pg.batch_execute(&format!(
        "GRANT USAGE ON SCHEMA public TO {role};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
         REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, platform_audit_events FROM {role};
         REVOKE UPDATE, DELETE, TRUNCATE ON form_versions FROM {role};
         REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON __diesel_schema_migrations FROM {role};"
    ))?;
    Ok(())
}

/// A plain PostgreSQL role name, safe to write unquoted in SQL.
pub fn is_role_name(role: &str) -> bool {
    let mut chars = role.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && role.len() <= 63
}

/// Reverts every applied migration, newest first (each one's `down.sql`):
/// for the test that every migration goes down and up again cleanly.
pub(super) fn revert_all(conn: &mut DbConnection) -> Result<usize, StoreError> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Migration(e.to_string());
    match conn {
        DbConnection::Postgres(pg) => pg
            .revert_all_migrations(POSTGRES)
            .map(|v| v.len())
            .map_err(failed),
        DbConnection::Sqlite(lite) => lite
            .revert_all_migrations(SQLITE)
            .map(|v| v.len())
            .map_err(failed),
    }
}
