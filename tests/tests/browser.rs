//! The provisioning plane, and the public side's first pages, in a real
//! headless browser: `ops/browser/provisioning.mjs` drives Debian's Chromium
//! (Playwright) through a referential admin's and a super-admin's work on the
//! data of `guichet demo`, with an accessibility check (axe-core, WCAG 2 A and
//! AA) on each page. `ops/install-deps.sh` installs Chromium and Node.js,
//! `ops/test-services.sh` the scenario's npm packages.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use guichet_tests::{free_port, guichet_bin};

/// The whole scenario; each of its steps has its own 30 s limit.
const SCENARIO_LIMIT: Duration = Duration::from_secs(300);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the workspace's directory")
}

fn temp_dir() -> PathBuf {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let n = RandomState::new().build_hasher().finish();
    let d = std::env::temp_dir().join(format!("guichet-browser-{n:016x}"));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// `guichet` as an operator runs it, on the test's database and data.
fn guichet(dir: &Path, envs: &[(&str, String)], args: &[&str]) -> Command {
    let mut cmd = Command::new(guichet_bin());
    cmd.current_dir(dir)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "GUICHET_DATABASE_URL",
            format!("sqlite://{}", dir.join("g.db").display()),
        )
        .env("GUICHET_DATA_DIR", dir.join("data"));
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

/// The running server and its directory: stopped and removed when dropped,
/// on a failed assertion too.
struct Served {
    child: Option<Child>,
    dir: PathBuf,
    log: PathBuf,
}

impl Served {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn healthy(port: u16) -> bool {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(2))
        .build();
    matches!(
        agent.get(&format!("http://127.0.0.1:{port}/healthz")).call(),
        Ok(r) if r.status() == 200
    )
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
    let dir = temp_dir();
    let log = dir.join("serve.log");
    let mut served = Served {
        child: None,
        dir: dir.clone(),
        log: log.clone(),
    };

    let out = guichet(&dir, &[], &["demo"])
        .output()
        .expect("guichet demo");
    assert!(
        out.status.success(),
        "guichet demo: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let (port, prov_port) = (free_port(), free_port());
    let log_file = File::create(&log).expect("server log");
    served.child = Some(
        guichet(
            &dir,
            &[
                ("GUICHET_LISTEN", format!("127.0.0.1:{port}")),
                (
                    "GUICHET_PROVISIONING_LISTEN",
                    format!("127.0.0.1:{prov_port}"),
                ),
            ],
            &["serve"],
        )
        .stdout(log_file.try_clone().expect("log"))
        .stderr(log_file)
        .spawn()
        .expect("guichet serve"),
    );
    let start = Instant::now();
    while !(healthy(port) && healthy(prov_port)) {
        if let Some(status) = served
            .child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
        {
            panic!("guichet serve stopped ({status}):\n{}", served.log());
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "server not ready in time:\n{}",
            served.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // Node's output (both streams, in order) to a file: no pipe to fill.
    let output = dir.join("browser.log");
    let output_file = File::create(&output).expect("browser log");
    let started = Instant::now();
    let mut node = Command::new("node")
        .current_dir(&root)
        .arg(root.join("ops/browser/provisioning.mjs"))
        .arg(format!("http://127.0.0.1:{prov_port}/"))
        .arg(format!("http://127.0.0.1:{port}/"))
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
