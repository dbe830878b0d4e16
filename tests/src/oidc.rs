//! The identity provider of the tests: `ops/oidc/provider.mjs` (npm
//! oidc-provider configured as FranceConnect is) on a loopback port, and the
//! browser's side of its pages (redirects followed with their cookies).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CLIENT_ID: &str = "guichet-test";
pub const CLIENT_SECRET: &str = "un-secret-de-client-assez-long-pour-le-test";

pub struct OidcProvider {
    pub port: u16,
    child: Child,
}

impl OidcProvider {
    /// Starts the provider for a client whose redirection is `redirect_uri`.
    pub fn start(redirect_uri: &str, post_logout_uri: &str) -> OidcProvider {
        OidcProvider::start_on(crate::free_port(), redirect_uri, post_logout_uri)
    }

    /// The same, behaving as ProConnect does (see ops/oidc/provider.mjs).
    pub fn start_proconnect(redirect_uri: &str, post_logout_uri: &str) -> OidcProvider {
        OidcProvider::spawn(
            crate::free_port(),
            redirect_uri,
            post_logout_uri,
            Some("proconnect"),
        )
    }

    pub fn start_on(port: u16, redirect_uri: &str, post_logout_uri: &str) -> OidcProvider {
        OidcProvider::spawn(port, redirect_uri, post_logout_uri, None)
    }

    fn spawn(
        port: u16,
        redirect_uri: &str,
        post_logout_uri: &str,
        flavor: Option<&str>,
    ) -> OidcProvider {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        assert!(
            root.join("ops/oidc/node_modules/oidc-provider").exists(),
            "ops/oidc/node_modules is missing: run ops/test-services.sh (npm ci --prefix ops/oidc)"
        );
        let child = Command::new("node")
            .current_dir(&root)
            .arg("ops/oidc/provider.mjs")
            .arg(port.to_string())
            .arg(CLIENT_ID)
            .arg(CLIENT_SECRET)
            .arg(redirect_uri)
            .arg(post_logout_uri)
            .args(flavor)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("node (ops/install-deps.sh installs Node.js)");
        let p = OidcProvider { port, child };
        let started = Instant::now();
        while ureq::get(&format!("{}/.well-known/openid-configuration", p.issuer()))
            .call()
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the identity provider did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        p
    }

    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn config(&self) -> guichet_core::identity::ProviderConfig {
        guichet_core::identity::ProviderConfig {
            issuer: self.issuer(),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
        }
    }

    /// The person who signs in next (their claims).
    pub fn set_user(&self, claims: serde_json::Value) {
        ureq::post(&format!("{}/_test/user", self.issuer()))
            .send_string(&claims.to_string())
            .expect("user set");
    }

    /// `normal`, `bad_signature` or `nonce_mismatch`.
    pub fn set_mode(&self, mode: &str) {
        ureq::post(&format!("{}/_test/mode", self.issuer()))
            .send_string(&serde_json::json!({ "mode": mode }).to_string())
            .expect("mode set");
    }

    /// Goes through the provider's pages from `authorize_url`, as a browser
    /// would (cookies kept, redirects followed), until it sends back to
    /// `redirect_prefix`; returns that address. An error page is an `Err`.
    pub fn authorize(&self, authorize_url: &str, redirect_prefix: &str) -> Result<String, String> {
        let agent = ureq::AgentBuilder::new().redirects(0).build();
        let mut cookies: Vec<(String, String)> = Vec::new();
        let mut url = authorize_url.to_owned();
        for _ in 0..10 {
            if url.starts_with(redirect_prefix) {
                return Ok(url);
            }
            let header: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let answer = agent.get(&url).set("Cookie", &header.join("; ")).call();
            let res = match answer {
                Ok(r) => r,
                Err(ureq::Error::Status(code, r)) => {
                    return Err(format!("{code} : {}", r.into_string().unwrap_or_default()))
                }
                Err(e) => return Err(e.to_string()),
            };
            for c in res.all("set-cookie") {
                let pair = c.split(';').next().unwrap_or("");
                if let Some((k, v)) = pair.split_once('=') {
                    cookies.retain(|(n, _)| n != k);
                    cookies.push((k.to_owned(), v.to_owned()));
                }
            }
            match res.header("location") {
                Some(next) if next.starts_with("http") => url = next.to_owned(),
                Some(next) => url = format!("{}{next}", self.issuer()),
                None => {
                    return Err(format!(
                        "{} sans redirection : {}",
                        res.status(),
                        res.into_string().unwrap_or_default()
                    ))
                }
            }
        }
        Err("trop de redirections".into())
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
