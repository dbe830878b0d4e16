//! A real OpenLDAP directory for a test: a private slapd on loopback, started
//! by `ops/slapd.sh`, and independent reads and writes through OpenLDAP's own
//! command-line tools (never through Guichet's code), to check what Guichet
//! wrote and to prepare what it reads.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use base64::Engine;

const BASE_DN: &str = "dc=guichet,dc=test";
const BIND_DN: &str = "cn=admin,dc=guichet,dc=test";
const BIND_PASSWORD: &str = "secret";

/// One entry as `ldapsearch` returned it: attribute (lower-cased) -> values,
/// plus its "dn".
pub type Entry = BTreeMap<String, Vec<String>>;

/// A private slapd on loopback for one test, stopped and removed when dropped.
pub struct LdapServer {
    pub port: u16,
    pub url: String,
    pub base_dn: String,
    pub bind_dn: String,
    pub bind_password: String,
    dir: PathBuf,
}

fn slapd_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ops/slapd.sh")
}

/// An OpenLDAP tool; the server-side ones live in /usr/sbin, often missing
/// from an ordinary user's PATH.
fn tool(name: &str) -> Command {
    let sbin = Path::new("/usr/sbin").join(name);
    let mut cmd = if sbin.exists() {
        Command::new(sbin)
    } else {
        Command::new(name)
    };
    // Neither /etc/ldap/ldap.conf nor a user's ldaprc may change what we run.
    cmd.env("LDAPNOINIT", "1");
    cmd
}

fn run(mut cmd: Command, stdin: Option<&str>) -> Output {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("{what} cannot run: {e}\nInstall OpenLDAP with ops/install-deps.sh.")
        });
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write to stdin");
    }
    child.wait_with_output().expect("wait")
}

fn output_text(out: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `slappasswd -h {SSHA}`: the hash of `password` as an administrator would
/// store it in `userPassword`.
pub fn slappasswd_ssha(password: &str) -> String {
    let mut cmd = tool("slappasswd");
    cmd.args(["-h", "{SSHA}", "-s", password]);
    let out = run(cmd, None);
    assert!(out.status.success(), "slappasswd: {}", output_text(&out));
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .trim()
        .to_owned()
}

/// The entries of `ldapsearch -LLL -o ldif-wrap=no` output.
fn parse_ldif(text: &str) -> Vec<Entry> {
    // Unfold continuation lines first (a line starting with one space), in
    // case a value is wrapped after all.
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        match line.strip_prefix(' ') {
            Some(rest) if !lines.is_empty() => lines.last_mut().expect("line").push_str(rest),
            _ => lines.push(line.to_owned()),
        }
    }
    let mut entries = Vec::new();
    let mut entry = Entry::new();
    for line in lines {
        if line.is_empty() {
            if !entry.is_empty() {
                entries.push(std::mem::take(&mut entry));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (name, rest) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("unexpected LDIF line: {line:?}"));
        let value = if let Some(encoded) = rest.strip_prefix(':') {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .unwrap_or_else(|e| panic!("bad base64 in LDIF line {line:?}: {e}"));
            String::from_utf8(bytes).unwrap_or_else(|e| {
                // Binary values (a photo, a certificate) are not text: keep them encoded.
                base64::engine::general_purpose::STANDARD.encode(e.into_bytes())
            })
        } else {
            rest.trim_start_matches(' ').to_owned()
        };
        entry
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(value);
    }
    if !entry.is_empty() {
        entries.push(entry);
    }
    entries
}

impl LdapServer {
    /// A fresh directory holding only its base entry, on a free port.
    pub fn start() -> LdapServer {
        let dir = std::env::temp_dir().join(format!("guichet-ldap-{}", crate::random_suffix()));
        // The port is free when chosen, not reserved: another process may
        // take it before slapd binds it, so try again on another.
        let mut last = String::new();
        for _ in 0..3 {
            let port = crate::free_port();
            let server = LdapServer {
                port,
                url: format!("ldap://127.0.0.1:{port}"),
                base_dn: BASE_DN.to_owned(),
                bind_dn: BIND_DN.to_owned(),
                bind_password: BIND_PASSWORD.to_owned(),
                dir: dir.clone(),
            };
            match server.try_start() {
                Ok(()) => return server,
                // Dropping it removes the half-made directory.
                Err(out) => last = out,
            }
        }
        panic!("ops/slapd.sh start failed:\n{last}");
    }

    fn try_start(&self) -> Result<(), String> {
        let out = Command::new(slapd_script())
            .arg("start")
            .arg(&self.dir)
            .arg(self.port.to_string())
            .env("GUICHET_SLAPD_SUFFIX", &self.base_dn)
            .env("GUICHET_SLAPD_PASSWORD", &self.bind_password)
            .stdin(Stdio::null())
            .output()
            .expect("ops/slapd.sh runs");
        if out.status.success() {
            Ok(())
        } else {
            Err(output_text(&out))
        }
    }

    /// Stops slapd, keeping its data: the directory is down until `restart`.
    pub fn stop(&self) {
        let out = Command::new(slapd_script())
            .arg("stop")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .output()
            .expect("ops/slapd.sh runs");
        assert!(
            out.status.success(),
            "ops/slapd.sh stop failed:\n{}",
            output_text(&out)
        );
    }

    /// Freezes slapd (SIGSTOP): connections open, nothing answers, as with a
    /// server that hangs; `thaw` lets it go on.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, sig: &str) {
        let pid = std::fs::read_to_string(self.dir.join("slapd.pid")).expect("slapd.pid");
        let ok = Command::new("kill")
            .args([sig, pid.trim()])
            .status()
            .expect("kill runs")
            .success();
        assert!(ok, "kill {sig} slapd");
    }

    /// Starts slapd again on the same port and data.
    pub fn restart(&self) {
        if let Err(out) = self.try_start() {
            panic!("ops/slapd.sh start (restart) failed:\n{out}");
        }
    }

    fn client(&self, name: &str) -> Command {
        let mut cmd = tool(name);
        cmd.args([
            "-x",
            "-H",
            &self.url,
            "-D",
            &self.bind_dn,
            "-w",
            &self.bind_password,
        ]);
        cmd
    }

    /// Independent reads, through the `ldapsearch` command (not through
    /// Guichet code): entries under `base` matching `filter`, each as a map
    /// attribute -> values (attribute names lower-cased), plus its "dn".
    /// A base that does not exist gives no entries; a directory that does
    /// not answer panics.
    pub fn search(&self, base: &str, filter: &str) -> Vec<Entry> {
        let mut cmd = self.client("ldapsearch");
        cmd.args(["-LLL", "-o", "ldif-wrap=no", "-b", base, filter, "*"]);
        let out = run(cmd, None);
        match out.status.code() {
            Some(0) => parse_ldif(&String::from_utf8(out.stdout).expect("UTF-8 LDIF")),
            // noSuchObject: the base is not there.
            Some(32) => Vec::new(),
            _ => panic!(
                "ldapsearch -b {base:?} {filter:?} failed:\n{}",
                output_text(&out)
            ),
        }
    }

    /// `ldapwhoami -x -D dn -w password`: true when the bind succeeds.
    pub fn can_bind(&self, dn: &str, password: &str) -> bool {
        let mut cmd = tool("ldapwhoami");
        cmd.args(["-x", "-H", &self.url, "-D", dn, "-w", password]);
        run(cmd, None).status.success()
    }

    /// Runs `ldapadd` (as the root DN) with the given LDIF text; panics with
    /// its output on failure.
    pub fn ldapadd(&self, ldif: &str) {
        let out = run(self.client("ldapadd"), Some(ldif));
        assert!(
            out.status.success(),
            "ldapadd failed:\n{}\nLDIF:\n{ldif}",
            output_text(&out)
        );
    }

    /// Runs `ldapmodify` (as the root DN) with the given LDIF text; panics
    /// with its output on failure.
    pub fn ldapmodify(&self, ldif: &str) {
        let out = run(self.client("ldapmodify"), Some(ldif));
        assert!(
            out.status.success(),
            "ldapmodify failed:\n{}\nLDIF:\n{ldif}",
            output_text(&out)
        );
    }

    /// Runs `ldapdelete` (as the root DN) on one entry; panics with its
    /// output on failure.
    pub fn ldapdelete(&self, dn: &str) {
        let mut cmd = self.client("ldapdelete");
        cmd.arg(dn);
        let out = run(cmd, None);
        assert!(
            out.status.success(),
            "ldapdelete {dn:?} failed:\n{}",
            output_text(&out)
        );
    }
}

impl Drop for LdapServer {
    fn drop(&mut self) {
        let _ = Command::new(slapd_script())
            .arg("stop")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::parse_ldif;

    #[test]
    fn ldif_with_base64_folding_and_several_entries() {
        let text = "dn: ou=people,dc=guichet,dc=test\n\
                    objectClass: top\n\
                    objectClass: organizationalUnit\n\
                    ou: people\n\
                    \n\
                    dn:: Y249w4lsb8Ovc2UgRHVwcsOpLG91PXBlb3BsZSxkYz1ndWljaGV0LGRjPXRlc3Q=\n\
                    cn:: w4lsb8Ovc2UgRHVwcsOp\n\
                    SN: Dup\n ré\n\
                    jpegPhoto:: //4=\n";
        let entries = parse_ldif(text);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0]["dn"], ["ou=people,dc=guichet,dc=test"]);
        assert_eq!(entries[0]["objectclass"], ["top", "organizationalUnit"]);
        assert_eq!(
            entries[1]["dn"],
            ["cn=Éloïse Dupré,ou=people,dc=guichet,dc=test"]
        );
        assert_eq!(entries[1]["cn"], ["Éloïse Dupré"]);
        assert_eq!(entries[1]["sn"], ["Dupré"]);
        assert_eq!(entries[1]["jpegphoto"], ["//4="]);
    }
}
