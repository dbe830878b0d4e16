//! The test harness: a fresh database per test on either backend, the real
//! applications built on it, and helpers to drive them.
//!
//! PostgreSQL: `GUICHET_TEST_POSTGRES_URL` (default
//! `postgres://guichet_test:guichet_test@127.0.0.1:5432/postgres`) names an
//! ordinary role (no superuser, no BYPASSRLS, CREATEDB) that owns the test
//! databases and migrates them; the tests themselves run as the runtime role
//! `guichet_test_app` (`GUICHET_TEST_POSTGRES_APP_ROLE`, password = name), which
//! reads and writes rows but owns nothing, as `guichet serve` does in
//! production. `ops/test-services.sh` creates both. A template database is
//! migrated once per migration set, then cloned for each test, which is much
//! faster than migrating each time.

pub mod api;
pub mod client;
pub mod fixtures;
pub mod harness;
pub mod ldap;
pub mod oidc;
pub mod pair;
pub mod proxy;
pub mod served;
pub mod sms;
pub mod snapshot;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::Connection;
use guichet_core::store::{DatabaseUrl, Store};
use guichet_core::tenancy::{self, NewTenant, Tenant};

pub const DEFAULT_POSTGRES_URL: &str =
    "postgres://guichet_test:guichet_test@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// A database made for one test, removed when dropped.
pub struct TestDb {
    pub url: DatabaseUrl,
    pub backend: Backend,
    dir: Option<PathBuf>,
    pg_name: Option<String>,
}

pub(crate) fn random_suffix() -> String {
    use rand::Rng;
    let n: u64 = rand::thread_rng().gen();
    format!("{n:016x}")
}

pub fn postgres_admin_url() -> String {
    std::env::var("GUICHET_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

/// The same server, another database.
pub fn postgres_url_for(database: &str) -> String {
    let mut url = url_parse(&postgres_admin_url());
    url.set_path(&format!("/{database}"));
    url.to_string()
}

/// The runtime role: rows only, no DDL, the audit trails append-only.
pub fn postgres_app_role() -> String {
    std::env::var("GUICHET_TEST_POSTGRES_APP_ROLE").unwrap_or_else(|_| "guichet_test_app".into())
}

/// `database` as the runtime role.
pub fn postgres_app_url_for(database: &str) -> String {
    let mut url = url_parse(&postgres_url_for(database));
    let role = postgres_app_role();
    url.set_username(&role).expect("a user in the URL");
    url.set_password(Some(&role))
        .expect("a password in the URL");
    url.to_string()
}

fn url_parse(s: &str) -> ::url::Url {
    ::url::Url::parse(s).expect("GUICHET_TEST_POSTGRES_URL is a URL")
}

fn admin_connection() -> PgConnection {
    let url = postgres_admin_url();
    PgConnection::establish(&url).unwrap_or_else(|e| {
        panic!(
            "PostgreSQL for tests unreachable at {url}: {e}\n\
             Start it with ops/test-services.sh (or set GUICHET_TEST_POSTGRES_URL)."
        )
    })
}

fn migrations_fingerprint() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres");
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("migrations/postgres readable") {
            let p = entry.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    // FNV-1a over names and contents: a new migration gives a new template.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    // How the template is made counts too (the runtime role's grants).
    for b in format!("runtime role {}", postgres_app_role()).bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    for f in files {
        let bytes = [
            f.to_string_lossy().as_bytes().to_vec(),
            std::fs::read(&f).expect("read"),
        ]
        .concat();
        for b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The migrated template database, made once (across test processes too).
fn postgres_template() -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("guichet_tpl_{}", migrations_fingerprint());
        let mut admin = admin_connection();
        admin
            .batch_execute("SELECT pg_advisory_lock(7305311)")
            .expect("advisory lock");
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        use diesel::RunQueryDsl;
        let exists = diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
            .bind::<diesel::sql_types::Text, _>(&name)
            .get_result::<Count>(&mut admin)
            .expect("pg_database")
            .n
            > 0;
        if !exists {
            let building = format!("{name}_building");
            admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {building}"))
                .expect("drop half-built template");
            admin
                .batch_execute(&format!("CREATE DATABASE {building}"))
                .expect("create template");
            let url = DatabaseUrl::parse(&postgres_url_for(&building)).expect("url");
            {
                let store = Store::open(&url).expect("template database reachable");
                store.migrate().expect("migrations apply on PostgreSQL");
                store
                    .grant_runtime(&postgres_app_role())
                    .expect("grants to the runtime role");
            }
            admin
                .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                .expect("rename template");
        }
        admin
            .batch_execute("SELECT pg_advisory_unlock(7305311)")
            .expect("advisory unlock");
        name
    })
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("guichet-test-{}", random_suffix()));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let path = dir.join("guichet.db");
                TestDb {
                    url: DatabaseUrl::Sqlite(path.to_string_lossy().into_owned()),
                    backend,
                    dir: Some(dir),
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                let template = postgres_template();
                let name = format!("guichet_t_{}", random_suffix());
                let mut admin = admin_connection();
                // A clone needs the template to itself; retry while another test clones it.
                let mut attempt = 0;
                loop {
                    match admin
                        .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                    {
                        Ok(()) => break,
                        Err(e) if attempt < 50 => {
                            attempt += 1;
                            let _ = e;
                            std::thread::sleep(std::time::Duration::from_millis(100));
                        }
                        Err(e) => panic!("cannot clone the template database: {e}"),
                    }
                }
                TestDb {
                    url: DatabaseUrl::Postgres(postgres_app_url_for(&name)),
                    backend,
                    dir: None,
                    pg_name: Some(name),
                }
            }
        }
    }

    /// The URL as given to `GUICHET_DATABASE_URL`.
    pub fn url_string(&self) -> String {
        match &self.url {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{p}"),
            DatabaseUrl::Postgres(u) => u.clone(),
        }
    }

    /// A migrated store on this database; on PostgreSQL, as the runtime role.
    pub fn store(&self) -> Store {
        let store = Store::open(&self.url).expect("test database reachable");
        store.migrate().expect("migrations apply");
        store
    }

    /// The same database as its owner (the migrating role): for tests that
    /// change the schema itself, such as fault-injecting triggers.
    pub fn owner_store(&self) -> Store {
        match &self.pg_name {
            Some(name) => Store::open(&DatabaseUrl::Postgres(postgres_url_for(name)))
                .expect("test database reachable"),
            None => self.store(),
        }
    }

    /// The owner's URL, as given to `guichet migrate`.
    pub fn owner_url_string(&self) -> String {
        match &self.pg_name {
            Some(name) => postgres_url_for(name),
            None => self.url_string(),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(name) = &self.pg_name {
            if let Ok(mut admin) = PgConnection::establish(&postgres_admin_url()) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// Registers a collectivité, as provisioning does.
pub fn create_tenant(store: &Store, slug: &str, name: &str, hosts: &[&str]) -> Tenant {
    let hosts: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
    store
        .platform_write(|c| {
            tenancy::create(
                c,
                NewTenant {
                    slug,
                    name,
                    host_names: &hosts,
                },
            )
        })
        .expect("tenant created")
}

/// The `guichet` binary built by `cargo build` (see ops/test.sh).
pub fn guichet_bin() -> PathBuf {
    if let Ok(p) = std::env::var("GUICHET_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let bin = target.join("debug/guichet");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --bins` first (ops/test.sh does)",
        bin.display()
    );
    bin
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Two free ports, distinct (the system may hand the same one out twice
/// once the first is closed).
pub fn two_free_ports() -> (u16, u16) {
    let first = free_port();
    loop {
        let second = free_port();
        if second != first {
            return (first, second);
        }
    }
}

/// A real SMTP server (aiosmtpd) on loopback, storing what it receives in a
/// Maildir; stopped when dropped.
pub struct SmtpSink {
    pub port: u16,
    pub maildir: PathBuf,
    child: std::process::Child,
}

/// One message as the sink received it, decoded.
#[derive(Debug, serde::Deserialize)]
pub struct ReceivedMail {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// The HTML alternative, when the message has one.
    #[serde(default)]
    pub html: String,
    pub message_id: String,
    #[serde(default)]
    pub attachments: Vec<Attached>,
}

/// A file joined to a received message.
#[derive(Debug, serde::Deserialize)]
pub struct Attached {
    pub filename: String,
    pub content_type: String,
    pub base64: String,
}

fn sink_python() -> PathBuf {
    std::env::var("GUICHET_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../ops/.venv/bin/python"))
}

impl SmtpSink {
    pub fn start_on(port: u16) -> SmtpSink {
        let maildir = std::env::temp_dir().join(format!("guichet-mail-{}", random_suffix()));
        let child = std::process::Command::new(sink_python())
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd runs (ops/test-services.sh installs it)");
        let start = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(15),
                "SMTP sink did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        SmtpSink {
            port,
            maildir,
            child,
        }
    }

    /// Every message received so far, decoded by Python's own e-mail parser.
    pub fn received(&self) -> Vec<ReceivedMail> {
        const READ: &str = r#"
import json, mailbox, sys
out = []
for m in mailbox.Maildir(sys.argv[1], create=False):
    from email import policy
    from email.parser import BytesParser
    import base64
    msg = BytesParser(policy=policy.default).parsebytes(m.as_bytes())
    body = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    files = [{"filename": a.get_filename(), "content_type": a.get_content_type(),
              "base64": base64.b64encode(a.get_payload(decode=True)).decode()}
             for a in msg.iter_attachments()]
    out.append({"from": str(msg["from"]), "to": str(msg["to"]), "subject": str(msg["subject"]),
                "body": body.get_content().strip() if body else "",
                "html": html.get_content() if html else "", "message_id": str(msg["message-id"]),
                "attachments": files})
print(json.dumps(out))
"#;
        if !self.maildir.join("new").exists() {
            return Vec::new();
        }
        let out = std::process::Command::new(sink_python())
            .args(["-c", READ])
            .arg(&self.maildir)
            .output()
            .expect("python reads the Maildir");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON of received mails")
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

/// A real S3-compatible server (moto, in server mode) on loopback, with one
/// bucket; stopped when dropped. `ops/test-services.sh` installs it.
pub struct S3Server {
    pub port: u16,
    pub bucket: String,
    child: std::process::Child,
}

impl S3Server {
    pub fn start() -> S3Server {
        let server = S3Server::start_on(free_port(), "guichet-test");
        server.create_bucket();
        server
    }

    /// Starts (or starts again) on `port`; the bucket is not created.
    pub fn start_on(port: u16, bucket: &str) -> S3Server {
        let moto = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ops/.venv/bin/moto_server");
        let child = std::process::Command::new(moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("moto_server runs (ops/test-services.sh installs it)");
        let start = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(30),
                "S3 server (moto) did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        S3Server {
            port,
            bucket: bucket.to_owned(),
            child,
        }
    }

    pub fn create_bucket(&self) {
        let url = format!("http://127.0.0.1:{}/{}", self.port, self.bucket);
        ureq::put(&url).call().expect("bucket created");
    }

    /// `GUICHET_OBJECT_STORE_URL` for this server.
    pub fn url(&self) -> url::Url {
        url::Url::parse(&format!(
            "s3://{}?endpoint=http://127.0.0.1:{}&region=us-east-1&access_key_id=test&secret_access_key=test",
            self.bucket, self.port
        ))
        .expect("S3 URL")
    }

    pub fn stop(mut self) -> u16 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.port
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Moves a season's dates by `days` (to test registrations once closed).
pub fn shift_season(
    tx: &mut guichet_core::store::TenantTx<'_>,
    id: i64,
    days: i64,
) -> Result<(), guichet_core::store::StoreError> {
    use diesel::prelude::*;
    use guichet_core::store::schema::seasons::dsl as s;
    let tenant = tx.tenant_key();
    let row = guichet_core::store::repo::offer::seasons(tx, None)?
        .into_iter()
        .find(|x| x.id == id)
        .ok_or(guichet_core::store::StoreError::NotFound)?;
    let by = chrono::Duration::days(days);
    diesel::update(
        s::seasons
            .filter(s::tenant_id.eq(tenant))
            .filter(s::id.eq(id)),
    )
    .set((
        s::registration_start.eq(row.registration_start + by),
        s::registration_end.eq(row.registration_end + by),
        s::validation_start.eq(row.validation_start + by),
        s::effect_start.eq(row.effect_start + by),
        s::effect_end.eq(row.effect_end + by),
    ))
    .execute(tx.conn())?;
    Ok(())
}
