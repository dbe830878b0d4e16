//! A private PostgreSQL primary and its streaming replica (`ops/pg-pair.sh`,
//! `pg_basebackup` of the primary), with Guichet's schema migrated by the
//! owner and a runtime role under row-level security: the replica's tests.
//! Both clusters are killed and removed when dropped.

use std::path::{Path, PathBuf};
use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use guichet_core::store::{DatabaseUrl, Store};

pub struct PgPair {
    dir: PathBuf,
    pub primary_port: u16,
    pub replica_port: u16,
}

const DB: &str = "guichet";
const APP: &str = "guichet_app";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ops/pg-pair.sh")
}

impl PgPair {
    /// Makes and starts the pair, migrates the primary and waits until the
    /// replica has the schema.
    pub fn start() -> PgPair {
        let dir = std::env::temp_dir().join(format!("guichet-pair-{}", crate::random_suffix()));
        let (primary_port, replica_port) = crate::two_free_ports();
        let pair = PgPair {
            dir,
            primary_port,
            replica_port,
        };
        pair.run(&[
            "start",
            &pair.dir.to_string_lossy(),
            &primary_port.to_string(),
            &replica_port.to_string(),
        ]);
        let mut admin = pair.admin(primary_port, "postgres");
        for sql in [
            format!("CREATE DATABASE {DB}"),
            format!("CREATE ROLE {APP} LOGIN NOSUPERUSER NOBYPASSRLS"),
        ] {
            admin
                .batch_execute(&sql)
                .expect("the database and its runtime role");
        }
        let owner = Store::open(&DatabaseUrl::Postgres(pair.url(primary_port, "postgres")))
            .expect("the primary answers");
        owner.migrate().expect("migrations apply");
        owner
            .grant_runtime(APP)
            .expect("grants to the runtime role");
        pair.wait_for_replay();
        pair
    }

    fn run(&self, args: &[&str]) {
        let out = Command::new(script())
            .args(args)
            .output()
            .expect("ops/pg-pair.sh");
        assert!(
            out.status.success(),
            "ops/pg-pair.sh {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn url(&self, port: u16, role: &str) -> String {
        format!("postgres://{role}@127.0.0.1:{port}/{DB}")
    }

    /// The primary, as the runtime role.
    pub fn primary_url(&self) -> DatabaseUrl {
        DatabaseUrl::Postgres(self.url(self.primary_port, APP))
    }

    /// The replica, as the runtime role.
    pub fn replica_url(&self) -> DatabaseUrl {
        DatabaseUrl::Postgres(self.url(self.replica_port, APP))
    }

    /// A superuser's connection to one of the two (`port`), on `db`.
    pub fn admin(&self, port: u16, db: &str) -> PgConnection {
        PgConnection::establish(&format!("postgres://postgres@127.0.0.1:{port}/{db}"))
            .expect("the cluster answers its superuser")
    }

    /// Pauses (or resumes) the replica's replay of what it receives.
    pub fn pause_replay(&self, paused: bool) {
        let f = if paused {
            "pg_wal_replay_pause"
        } else {
            "pg_wal_replay_resume"
        };
        self.admin(self.replica_port, DB)
            .batch_execute(&format!("SELECT {f}()"))
            .expect("replay paused or resumed");
    }

    /// Waits until the replica has received (not necessarily replayed)
    /// everything the primary wrote so far.
    pub fn wait_for_receipt(&self) {
        self.wait_until("pg_last_wal_receive_lsn()");
    }

    /// Waits until the replica has replayed everything the primary wrote so far.
    pub fn wait_for_replay(&self) {
        self.wait_until("pg_last_wal_replay_lsn()");
    }

    fn wait_until(&self, replica_position: &str) {
        #[derive(diesel::QueryableByName)]
        struct Lsn {
            #[diesel(sql_type = diesel::sql_types::Text)]
            lsn: String,
        }
        #[derive(diesel::QueryableByName)]
        struct Done {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            done: bool,
        }
        use diesel::RunQueryDsl;
        let target: Lsn = diesel::sql_query("SELECT pg_current_wal_insert_lsn()::text AS lsn")
            .get_result(&mut self.admin(self.primary_port, "postgres"))
            .expect("the primary's position");
        let mut replica = self.admin(self.replica_port, "postgres");
        for _ in 0..200 {
            let done: Done = diesel::sql_query(format!(
                "SELECT COALESCE({replica_position} >= $1::pg_lsn, false) AS done"
            ))
            .bind::<diesel::sql_types::Text, _>(&target.lsn)
            .get_result(&mut replica)
            .expect("the replica's position");
            if done.done {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("the replica never reached {}", target.lsn);
    }

    /// Stops the replica as a crash would.
    pub fn kill_replica(&self) {
        self.run(&["kill", &self.dir.to_string_lossy(), "replica"]);
    }
}

impl Drop for PgPair {
    fn drop(&mut self) {
        let _ = Command::new(script())
            .args(["kill", &self.dir.to_string_lossy()])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
