//! The `guichet` binary as an operator runs it: commands, configuration
//! errors, serving on both backends, and the database going away and back.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use guichet_tests::proxy::Proxy;
use guichet_tests::{guichet_bin, Backend, TestDb};

fn guichet(dir: &Path, envs: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = Command::new(guichet_bin());
    cmd.current_dir(dir)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

fn temp_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("guichet-cli-{}", rand_suffix()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rand_suffix() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    RandomState::new().build_hasher().finish()
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A failure is one line, naming what to fix, without panic or backtrace.
fn assert_one_clear_line(out: &Output, needle: &str) {
    assert!(!out.status.success());
    let err = stderr_of(out);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "«{needle}» in {err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

#[test]
fn help_explains_each_command() {
    let out = guichet(&temp_dir(), &[], &["--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for cmd in ["serve", "migrate", "demo", "admin"] {
        assert!(help.contains(cmd), "{cmd} in {help}");
    }
    let out = guichet(&temp_dir(), &[], &["admin", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("create-superadmin"));
}

#[test]
fn bad_configuration_stops_with_one_line() {
    let dir = temp_dir();
    let out = guichet(&dir, &[("GUICHET_LISTEN", "nonsense")], &["serve"])
        .output()
        .unwrap();
    assert_one_clear_line(&out, "GUICHET_LISTEN");
    let out = guichet(&dir, &[("GUICHET_DATABASE_URL", "mysql://x")], &["serve"])
        .output()
        .unwrap();
    assert_one_clear_line(&out, "GUICHET_DATABASE_URL");
    let out = guichet(
        &dir,
        &[("GUICHET_DATABASE_URL", "postgres://nobody@127.0.0.1:1/x")],
        &["serve"],
    )
    .output()
    .unwrap();
    assert_one_clear_line(&out, "127.0.0.1:1");
    let file = dir.join("guichet.toml");
    std::fs::write(&file, "listen = [12]\n").unwrap();
    let out = guichet(&dir, &[], &["--config", file.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert_one_clear_line(&out, "guichet.toml");
    // Session cookies in clear to other machines: refused unless told
    // (S16 of the December 2026 review).
    let out = guichet(&dir, &[("GUICHET_LISTEN", "0.0.0.0:18080")], &["serve"])
        .output()
        .unwrap();
    assert_one_clear_line(&out, "GUICHET_SECURE_COOKIES=true");
    // The demo publishes its passwords: only with the provisioning plane on loopback.
    let out = guichet(
        &dir,
        &[("GUICHET_PROVISIONING_LISTEN", "0.0.0.0:18081")],
        &["demo"],
    )
    .output()
    .unwrap();
    assert_one_clear_line(&out, "GUICHET_PROVISIONING_LISTEN");
    assert!(
        !dir.join("data").exists(),
        "nothing created when the configuration is wrong"
    );
}

#[test]
fn create_superadmin_reads_the_password_from_stdin() {
    let dir = temp_dir();
    let run = |login: &str, password: &str| {
        let mut child = guichet(
            &dir,
            &[],
            &[
                "admin",
                "create-superadmin",
                "--login",
                login,
                "--password-stdin",
            ],
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run("alice", "un mot de passe solide");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_one_clear_line(&run("alice", "un mot de passe solide"), "déjà pris");
    assert_one_clear_line(&run("bob", "court"), "12 caractères");
    assert_one_clear_line(&run("bad login!", "un mot de passe solide"), "identifiant");
}

/// `serve` runs on a schema it knows: with migrations pending it stops and
/// says what to run, unless told `--migrate`; `migrate` grants the runtime
/// role; a role that bypasses row-level security is refused.
#[test]
fn serve_needs_a_migrated_schema_and_an_ordinary_role() {
    let dir = temp_dir();
    let url = format!("sqlite://{}", dir.join("g.db").display());
    let out = guichet(&dir, &[("GUICHET_DATABASE_URL", &url)], &["serve"])
        .output()
        .unwrap();
    assert_one_clear_line(&out, "guichet migrate");
    let out = guichet(&dir, &[("GUICHET_DATABASE_URL", &url)], &["migrate"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let server = Server::start(&dir, &url);
    assert_eq!(server.get(server.port, "/readyz", "localhost").0, 200);
    server.stop();

    // PostgreSQL: the owner migrates and grants; serving as the runtime role works.
    let db = TestDb::new(Backend::Postgres);
    let owner = db.owner_url_string();
    let out = guichet(
        &dir,
        &[
            ("GUICHET_DATABASE_URL", &owner),
            ("GUICHET_APP_ROLE", &guichet_tests::postgres_app_role()),
        ],
        &["migrate"],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{:?} {} {}",
        out.status,
        stderr_of(&out),
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Droits du rôle d’exécution"));
    let server = Server::start(&dir, &db.url_string());
    assert_eq!(server.get(server.port, "/readyz", "localhost").0, 200);
    server.stop();
    // A BYPASSRLS role (ops/test-services.sh makes one): refused, one line.
    let mut bypass = url::Url::parse(&owner).unwrap();
    bypass.set_username("guichet_test_bypass").unwrap();
    bypass.set_password(Some("guichet_test_bypass")).unwrap();
    let out = guichet(
        &dir,
        &[("GUICHET_DATABASE_URL", bypass.as_str())],
        &["serve"],
    )
    .output()
    .unwrap();
    assert_one_clear_line(&out, "BYPASSRLS");
}

struct Server {
    child: Child,
    port: u16,
    prov_port: u16,
}

impl Server {
    fn start(dir: &Path, database_url: &str) -> Server {
        Server::start_logging(dir, database_url, Stdio::null())
    }

    /// [`Server::start`], its log (standard error) going to `log`.
    fn start_logging(dir: &Path, database_url: &str, log: Stdio) -> Server {
        Server::start_as(dir, database_url, log, &["serve"])
    }

    /// `guichet` with these arguments, serving.
    fn start_as(dir: &Path, database_url: &str, log: Stdio, args: &[&str]) -> Server {
        let (port, prov_port) = guichet_tests::two_free_ports();
        let child = guichet(
            dir,
            &[
                ("GUICHET_DATABASE_URL", database_url),
                ("GUICHET_LISTEN", &format!("127.0.0.1:{port}")),
                ("GUICHET_DRAIN_SECONDS", "2"),
                (
                    "GUICHET_PROVISIONING_LISTEN",
                    &format!("127.0.0.1:{prov_port}"),
                ),
            ],
            args,
        )
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
        let server = Server {
            child,
            port,
            prov_port,
        };
        server.wait_for(|s| s.get(port, "/healthz", "localhost").0 == 200);
        server
    }

    fn wait_for(&self, ready: impl Fn(&Server) -> bool) {
        let start = Instant::now();
        while !ready(self) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "server not ready in time"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// (status, body) of a GET with this Host header; 0 when nothing answers.
    fn get(&self, port: u16, path: &str, host: &str) -> (u16, String) {
        let agent = ureq::AgentBuilder::new()
            .redirects(0)
            .timeout(Duration::from_secs(5))
            .build();
        match agent
            .get(&format!("http://127.0.0.1:{port}{path}"))
            .set("Host", host)
            .call()
        {
            Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
            Err(_) => (0, String::new()),
        }
    }

    /// Signs `login` in to the portal at `host`; the cookies to send.
    fn sign_in(&self, host: &str, login: &str, password: &str) -> String {
        let agent = ureq::AgentBuilder::new()
            .redirects(0)
            .timeout(Duration::from_secs(5))
            .build();
        let url = format!("http://127.0.0.1:{}/connexion", self.port);
        let cookies = |r: &ureq::Response| {
            r.all("set-cookie")
                .iter()
                .filter_map(|c| c.split(';').next())
                .collect::<Vec<_>>()
                .join("; ")
        };
        let page = agent.get(&url).set("Host", host).call().unwrap();
        let jar = cookies(&page);
        let token = guichet_tests::client::csrf_of(&page.into_string().unwrap());
        let signed = agent
            .post(&url)
            .set("Host", host)
            .set("Origin", &format!("http://{host}"))
            .set("Cookie", &jar)
            .send_form(&[
                ("csrf_token", &token),
                ("email", login),
                ("password", password),
            ]);
        let r = match signed {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("sign-in: {e}"),
        };
        let jar = cookies(&r);
        assert_eq!(
            r.status(),
            303,
            "signed in: {}",
            r.into_string().unwrap_or_default()
        );
        jar
    }

    /// (status, Retry-After, body) of a GET with this Host and these headers.
    fn get_as(
        &self,
        path: &str,
        host: &str,
        headers: &[(&str, &str)],
    ) -> (u16, Option<String>, String) {
        let agent = ureq::AgentBuilder::new()
            .redirects(0)
            .timeout(Duration::from_secs(10))
            .build();
        let mut request = agent
            .get(&format!("http://127.0.0.1:{}{path}", self.port))
            .set("Host", host);
        for (name, value) in headers {
            request = request.set(name, value);
        }
        let answer = request.call();
        match answer {
            Ok(r) | Err(ureq::Error::Status(_, r)) => (
                r.status(),
                r.header("retry-after").map(str::to_owned),
                r.into_string().unwrap_or_default(),
            ),
            Err(_) => (0, None, String::new()),
        }
    }

    /// Stops it as a service manager would (SIGTERM): it first tells the
    /// balancer (`/readyz` fails) while it still serves, then exits; its
    /// exit status and output.
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let port = self.port;
        self.wait_for(|s| s.get(port, "/readyz", "localhost") == (503, "stopping".into()));
        assert_eq!(
            self.get(port, "/healthz", "localhost").0,
            200,
            "still serving"
        );
        let mut out = String::new();
        if let Some(mut stdout) = self.child.stdout.take() {
            let _ = stdout.read_to_string(&mut out);
        }
        (self.child.wait().unwrap(), out)
    }
}

/// S3 of the December 2026 review: links mailed to people carry secrets in
/// their path, identity providers send theirs in the query: the log of every
/// such route shows the route, never the secret.
#[test]
fn secrets_in_links_stay_out_of_the_logs() {
    let db = TestDb::new(Backend::Sqlite);
    let dir = temp_dir();
    let url = db.url_string();
    let out = guichet(&dir, &[("GUICHET_DATABASE_URL", &url)], &["demo"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let log_path = dir.join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = Server::start_logging(&dir, &url, Stdio::from(log));
    let p = server.port;
    let host = format!("demo.localhost:{p}");
    let secret = "Zq7SECRETxK2pLm9vT4wR8yB3nC6dF1gH5jA0sE";
    let paths = [
        format!("/mot-de-passe/{secret}"),
        format!("/compte/confirmer/{secret}"),
        format!("/reprendre/{secret}"),
        format!("/backoffice/mot-de-passe/{secret}"),
        format!("/connexion/franceconnect/retour?code={secret}&state={secret}"),
        format!("/backoffice/proconnect/retour?code={secret}&state={secret}"),
        format!("/paiements/1/retour?idop={secret}"),
        format!("/une/adresse/inconnue/{secret}"),
    ];
    let agent = ureq::AgentBuilder::new()
        .redirects(0)
        .timeout(Duration::from_secs(5))
        .build();
    for path in &paths {
        let status = server.get(p, path, &host).0;
        assert_ne!(status, 0, "{path}");
        let posted = agent
            .post(&format!("http://127.0.0.1:{p}{path}"))
            .set("Host", &host)
            .send_form(&[("password", "x")]);
        assert!(!matches!(posted, Err(ureq::Error::Transport(_))), "{path}");
    }
    server.stop();
    let logged = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logged.contains("/mot-de-passe/{token}") && logged.contains("/reprendre/{token}"),
        "the routes are logged: {logged}"
    );
    assert!(!logged.contains("SECRET"), "{logged}");
}

per_backend! {
    fn demo_then_serve_on_both_backends(backend: Backend) {
        let db = TestDb::new(backend);
        let dir = temp_dir();
        let url = db.url_string();
        for _ in 0..2 {
            let out = guichet(&dir, &[("GUICHET_DATABASE_URL", &url)], &["demo"])
                .output()
                .unwrap();
            assert!(out.status.success(), "{backend:?}: {}", stderr_of(&out));
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                text.contains("http://demo.localhost:8080/") && text.contains("demo-admin"),
                "{text}"
            );
        }
        let server = Server::start(&dir, &url);
        let (p, pp) = (server.port, server.prov_port);
        let (status, html) = server.get(p, "/", &format!("demo.localhost:{p}"));
        assert_eq!(status, 200, "{backend:?}");
        assert!(html.contains("Ville de Démo"));
        assert_eq!(
            server.get(p, "/", &format!("inconnue.localhost:{p}")).0,
            404
        );
        assert_eq!(
            server
                .get(p, "/backoffice/connexion", &format!("demo.localhost:{p}"))
                .0,
            200
        );
        assert_eq!(server.get(p, "/readyz", "localhost").0, 200);
        // Provisioning on its own port, and only there.
        assert_eq!(server.get(pp, "/connexion", "127.0.0.1").0, 200);
        // The portal has a sign-in page of its own; provisioning's pages are not there.
        assert_eq!(
            server
                .get(p, "/collectivites/nouvelle", &format!("demo.localhost:{p}"))
                .0,
            404
        );
        assert_eq!(
            server
                .get(
                    p,
                    "/api/v1/local-authorities",
                    &format!("demo.localhost:{p}")
                )
                .0,
            404
        );
        assert_eq!(server.get(pp, "/", &format!("demo.localhost:{pp}")).0, 303);
        let (status, out) = server.stop();
        assert!(status.success(), "graceful stop exits 0: {status}");
        assert!(
            out.contains(&format!("http://demo.localhost:{p}/")),
            "serve prints its URLs: {out}"
        );
        if backend == Backend::Sqlite {
            assert!(
                dir.join("data/secret_key").exists(),
                "session key kept under the data dir"
            );
        }
    }
}

#[test]
fn readiness_follows_the_database_and_recovers() {
    let db = TestDb::new(Backend::Postgres);
    let target: std::net::SocketAddr = {
        let u = url::Url::parse(&db.url_string()).unwrap();
        format!("{}:{}", u.host_str().unwrap(), u.port().unwrap_or(5432))
            .parse()
            .unwrap()
    };
    let proxy = Proxy::start(target);
    let mut through = url::Url::parse(&db.url_string()).unwrap();
    through.set_port(Some(proxy.port())).unwrap();
    let dir = temp_dir();
    let out = guichet(
        &dir,
        &[("GUICHET_DATABASE_URL", through.as_str())],
        &["demo"],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let server = Server::start(&dir, through.as_str());
    let p = server.port;
    let host = format!("demo.localhost:{p}");
    assert_eq!(server.get(p, "/readyz", "localhost").0, 200);
    let durand = server.sign_in(
        &host,
        "famille.durand@demo.localhost.fr",
        "demo-guichet-2026",
    );
    let durand = [("Cookie", durand.as_str())];
    assert_eq!(server.get_as("/mes-demandes", &host, &durand).0, 200);

    // A quick restart while the pool holds idle connections (a burst opened
    // them): they all die, and not one page view after it may fail.
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..3 {
                    assert_eq!(server.get_as("/mes-demandes", &host, &durand).0, 200);
                }
            });
        }
    });
    proxy.cut();
    proxy.restore();
    for i in 0..30 {
        let (status, _, html) = server.get_as("/mes-demandes", &host, &durand);
        assert_eq!(status, 200, "view {i} after a quick restart: {html}");
    }

    proxy.cut();
    server.wait_for(|s| s.get(p, "/readyz", "localhost").0 == 503);
    assert_eq!(
        server.get(p, "/healthz", "localhost").0,
        200,
        "the process itself is up"
    );
    // Without a session, with one (its store is the database: the session
    // layer fails before any page), and the JSON API: a page or a problem
    // that says to come back, never an empty answer.
    for (path, headers) in [("/", &[][..]), ("/mes-demandes", &durand[..])] {
        let (status, retry, html) = server.get_as(path, &host, headers);
        assert_eq!(status, 503, "{path}: pages say the service is unavailable");
        assert_eq!(retry.as_deref(), Some("30"), "{path}");
        assert!(
            html.contains("momentanément indisponible"),
            "{path}: {html}"
        );
        assert!(html.contains("<html"), "{path}: a whole page");
    }
    let token = [("Authorization", "Bearer un-jeton-quelconque")];
    let (status, retry, body) = server.get_as("/api/v1/requests", &host, &token);
    assert_eq!((status, retry.as_deref()), (503, Some("30")), "{body}");
    assert!(body.contains("urn:guichet:problem:unavailable"), "{body}");

    // Back: not one page view fails, the pool's dead connections never
    // reach anyone.
    proxy.restore();
    for i in 0..30 {
        let (status, _, html) = server.get_as("/mes-demandes", &host, &durand);
        assert_eq!(status, 200, "view {i} after the database came back: {html}");
    }
    assert_eq!(server.get(p, "/readyz", "localhost").0, 200);
    let (status, html) = server.get(p, "/", &host);
    assert_eq!(status, 200);
    assert!(html.contains("Ville de Démo"));
    assert!(server.stop().0.success());
}

/// Every process must share the secret key of the session cookies: one whose
/// key was generated elsewhere is refused at start, in one line that says
/// what to do; `--new-secret-key` changes the key all share.
#[test]
fn processes_with_different_secret_keys_are_refused() {
    let db = TestDb::new(Backend::Postgres);
    let url = db.url_string();
    let (one, two) = (temp_dir(), temp_dir());
    let first = Server::start(&one, &url);
    let second = |dir: &Path, args: &[&str]| {
        let (port, prov) = guichet_tests::two_free_ports();
        let mut child = guichet(
            dir,
            &[
                ("GUICHET_DATABASE_URL", &url),
                ("GUICHET_LISTEN", &format!("127.0.0.1:{port}")),
                ("GUICHET_PROVISIONING_LISTEN", &format!("127.0.0.1:{prov}")),
            ],
            args,
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                panic!("a process with another key is serving");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.wait_with_output().unwrap()
    };
    let out = second(&two, &["serve"]);
    assert_one_clear_line(&out, "GUICHET_SECRET_KEY");
    assert!(stderr_of(&out).contains("--new-secret-key"));
    assert_eq!(
        first.get(first.port, "/readyz", "localhost").0,
        200,
        "the first serves on"
    );
    assert!(first.stop().0.success());

    // The key changed on purpose: the new one is recorded, the old refused.
    let renewed = Server::start_as(&two, &url, Stdio::null(), &["serve", "--new-secret-key"]);
    assert_eq!(renewed.get(renewed.port, "/readyz", "localhost").0, 200);
    assert!(renewed.stop().0.success());
    assert_one_clear_line(&second(&one, &["serve"]), "GUICHET_SECRET_KEY");
}
