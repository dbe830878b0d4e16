//! The `guichet` binary serving the demo, as an operator starts it: `guichet
//! demo`, then `guichet serve`, in a directory of its own on SQLite. Stopped
//! and removed when dropped, on a failed assertion too.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::guichet_bin;

pub struct DemoServer {
    child: Option<Child>,
    pub dir: PathBuf,
    pub port: u16,
    pub prov_port: u16,
    /// More settings, made from the public port (links to it).
    extra: Vec<(&'static str, String)>,
}

/// `guichet` as an operator runs it, on this directory's database and data.
pub fn guichet(dir: &Path, envs: &[(&str, String)], args: &[&str]) -> Command {
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

fn healthy(port: u16) -> bool {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(2))
        .build();
    matches!(
        agent.get(&format!("http://127.0.0.1:{port}/healthz")).call(),
        Ok(r) if r.status() == 200
    )
}

impl DemoServer {
    pub fn start() -> DemoServer {
        DemoServer::start_with(|_| Vec::new())
    }

    /// With more settings (`GUICHET_SMTP_URL`…), made from the public port.
    pub fn start_with(extra: impl Fn(u16) -> Vec<(&'static str, String)>) -> DemoServer {
        let dir = std::env::temp_dir().join(format!("guichet-served-{}", crate::random_suffix()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let (port, prov_port) = crate::two_free_ports();
        let mut served = DemoServer {
            child: None,
            dir: dir.clone(),
            port,
            prov_port,
            extra: extra(port),
        };
        let out = served.run(&["demo"]);
        assert!(
            out.status.success(),
            "guichet demo: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let log_file = File::create(served.log_path()).expect("server log");
        served.child = Some(
            served
                .command(&["serve"])
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
        served
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut envs = vec![
            ("GUICHET_LISTEN", format!("127.0.0.1:{}", self.port)),
            (
                "GUICHET_PROVISIONING_LISTEN",
                format!("127.0.0.1:{}", self.prov_port),
            ),
        ];
        envs.extend(self.extra.iter().cloned());
        guichet(&self.dir, &envs, args)
    }

    /// Runs another command on the same database (`admin token`…).
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        self.command(args).output().expect("guichet runs")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("serve.log")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
