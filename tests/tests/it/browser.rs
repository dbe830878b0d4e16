//! Every user group's journeys in a real headless browser, the pages' CSP in
//! force: `ops/browser/provisioning.mjs` drives Debian's Chromium
//! (Playwright) through a referential admin's and a super-admin's work (a
//! collectivité inscribed as a browser sends it), an agent's (a request
//! processed with its justificatif beside it, asked to be completed, the
//! counter), a new collectivité's first administrator (its settings and legal
//! pages), a household's (completing its request from the e-mail, paying),
//! and a requester without an account (followed by the e-mail's link), on
//! the data of `guichet demo`, reading e-mails from a real SMTP sink, with an
//! accessibility check (axe-core, WCAG 2 A and AA) on each page. `ops/install-deps.sh` installs Chromium and Node.js,
//! `ops/test-services.sh` the scenario's npm packages.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use guichet_tests::oidc::{OidcProvider, CLIENT_ID, CLIENT_SECRET};
use guichet_tests::served::DemoServer;
use guichet_tests::{free_port, SmtpSink};

/// The whole scenario; each of its steps has its own 30 s limit.
const SCENARIO_LIMIT: Duration = Duration::from_secs(300);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the workspace's directory")
}

fn require_tools(root: &Path) {
    assert!(
        Path::new("/usr/bin/chromium").exists() || std::env::var_os("GUICHET_CHROMIUM").is_some(),
        "/usr/bin/chromium is missing: install it with ops/install-deps.sh (Debian package chromium)"
    );
    assert!(
        root.join("ops/browser/node_modules/playwright-core").exists()
            && root.join("ops/browser/node_modules/axe-core").exists(),
        "ops/browser/node_modules is missing: run ops/test-services.sh (npm ci --prefix ops/browser)"
    );
}

#[test]
fn provisioning_pages_in_a_real_browser_are_accessible() {
    let root = repo_root();
    require_tools(&root);
    // The server mails through a real SMTP sink (the scenario reads the
    // confirmation link there), and offers FranceConnect (the test provider).
    let sink = SmtpSink::start_on(free_port());
    // The demo's payments go to the test bank, which notifies the server.
    let bank = guichet_server::testbank::TestBank::start(guichet_server::testbank::Notify::Post);
    let fc_port = free_port();
    let fc_started = std::cell::RefCell::new(None);
    let served = DemoServer::start_with(|port| {
        let fc = OidcProvider::start_on(
            fc_port,
            &format!("http://demo.localhost:{port}/connexion/franceconnect/retour"),
            &format!("http://demo.localhost:{port}/"),
        );
        let envs = vec![
            (
                "GUICHET_SMTP_URL",
                format!("smtp://127.0.0.1:{}", sink.port),
            ),
            ("GUICHET_FRANCECONNECT_ISSUER", fc.issuer()),
            ("GUICHET_PAYFIP_URL", bank.url()),
            ("GUICHET_FRANCECONNECT_CLIENT_ID", CLIENT_ID.to_owned()),
            (
                "GUICHET_FRANCECONNECT_CLIENT_SECRET",
                CLIENT_SECRET.to_owned(),
            ),
        ];
        *fc_started.borrow_mut() = Some(fc);
        envs
    });
    let (dir, port, prov_port) = (served.dir.clone(), served.port, served.prov_port);

    // Node's output (both streams, in order) to a file: no pipe to fill.
    let output = dir.join("browser.log");
    let output_file = File::create(&output).expect("browser log");
    let started = Instant::now();
    let mut node = Command::new("node")
        .current_dir(&root)
        .arg(root.join("ops/browser/provisioning.mjs"))
        .arg(format!("http://127.0.0.1:{prov_port}/"))
        .arg(format!("http://127.0.0.1:{port}/"))
        .env("GUICHET_TEST_MAILDIR", &sink.maildir)
        .stdin(Stdio::null())
        .stdout(output_file.try_clone().expect("log"))
        .stderr(output_file)
        .spawn()
        .expect("node runs (ops/install-deps.sh installs Node.js)");
    let status = loop {
        if let Some(status) = node.try_wait().expect("node") {
            break Some(status);
        }
        if started.elapsed() > SCENARIO_LIMIT {
            let _ = node.kill();
            let _ = node.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let text = std::fs::read_to_string(&output).unwrap_or_default();
    println!("{text}");
    match status {
        Some(s) if s.success() => {}
        Some(s) => panic!(
            "the browser scenario failed ({s}):\n{text}\n--- server log ---\n{}",
            served.log()
        ),
        None => panic!(
            "the browser scenario took more than {} s:\n{text}\n--- server log ---\n{}",
            SCENARIO_LIMIT.as_secs(),
            served.log()
        ),
    }
    assert!(text.contains("aucune violation d’accessibilité"), "{text}");
}
