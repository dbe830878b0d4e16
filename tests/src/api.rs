//! Driving the provisioning JSON API through the real application, on a
//! fresh database, with the built-in directory or a private slapd.

use actix_web::cookie::Key;
use actix_web::http::{header, Method, StatusCode};
use actix_web::test::{self, TestRequest};
use base64::Engine;
use guichet_core::auth::superadmin;
use guichet_core::directory::Directory;
use guichet_core::directory::LdapConfig;
use guichet_core::store::Store;
use guichet_server::app::Shared;
use serde_json::Value;

use crate::ldap::LdapServer;
use crate::{Backend, TestDb};

pub const ROOT: &str = "root";
pub const ROOT_PASSWORD: &str = "racine-du-guichet-2026";
/// The password given to the agents the tests create.
pub const AGENT_PASSWORD: &str = "mot-de-passe-agent-1";

/// Which directory the platform runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Builtin,
    Ldap,
}

/// Every combination the provisioning tests run on.
pub const SETUPS: [(Backend, Dir); 4] = [
    (Backend::Sqlite, Dir::Builtin),
    (Backend::Postgres, Dir::Builtin),
    (Backend::Sqlite, Dir::Ldap),
    (Backend::Postgres, Dir::Ldap),
];

pub struct Platform {
    pub db: TestDb,
    pub ldap: Option<LdapServer>,
    pub store: Store,
    pub shared: Shared,
    /// This platform's own files (tests run in parallel: one directory each).
    files_dir: std::path::PathBuf,
}

impl Drop for Platform {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.files_dir);
    }
}

impl Platform {
    pub fn new(backend: Backend, dir: Dir) -> Platform {
        let db = TestDb::new(backend);
        let store = db.store();
        store
            .platform_write(|c| superadmin::create(c, ROOT, ROOT_PASSWORD))
            .expect("super-admin");
        let ldap = (dir == Dir::Ldap).then(LdapServer::start);
        let directory = Directory::from_config(ldap.as_ref().map(|l| l.config()).as_ref());
        let mut shared = Shared::new(store.clone(), directory, Key::generate(), 8080);
        let files_dir =
            std::env::temp_dir().join(format!("guichet-files-{}", crate::random_suffix()));
        let files =
            guichet_core::files::FileStore::open(None, &files_dir).expect("a files directory");
        shared.files = actix_web::web::Data::new(files);
        Platform {
            db,
            ldap,
            store,
            shared,
            files_dir,
        }
    }

    pub fn ldap(&self) -> &LdapServer {
        self.ldap.as_ref().expect("this setup has an LDAP server")
    }

    /// Number of agents of a collectivité in the database.
    pub fn agents_in_db(&self, slug: &str) -> i64 {
        let store = self.store.clone();
        let tenant = store
            .platform_read(|c| guichet_core::tenancy::find_by_slug(c, slug))
            .unwrap()
            .unwrap();
        store.read(tenant.id, guichet_core::agents::count).unwrap()
    }

    /// Agents of a collectivité in the LDAP server (none without one).
    pub fn agents_in_ldap(&self, slug: &str) -> Vec<String> {
        match &self.ldap {
            None => Vec::new(),
            Some(l) => {
                let mut uids: Vec<String> = l
                    .search(
                        &format!("ou=agents,dc={slug},{}", l.base_dn),
                        "(objectClass=inetOrgPerson)",
                    )
                    .into_iter()
                    .filter_map(|e| e.get("uid").and_then(|v| v.first().cloned()))
                    .collect();
                uids.sort();
                uids
            }
        }
    }
}

impl LdapServer {
    /// The configuration Guichet gets for this server.
    pub fn config(&self) -> LdapConfig {
        LdapConfig {
            url: self.url.clone(),
            bind_dn: self.bind_dn.clone(),
            bind_password: self.bind_password.clone(),
            base_dn: self.base_dn.clone(),
            starttls: false,
            password_scheme: guichet_core::directory::PasswordScheme::Server,
            fallback: false,
        }
    }
}

/// How a request authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Basic(String, String),
    Bearer(String),
}

impl Auth {
    pub fn root() -> Auth {
        Auth::Basic(ROOT.into(), ROOT_PASSWORD.into())
    }

    /// A referential admin of `slug`, by login `uid@slug`.
    pub fn referential(uid: &str, slug: &str, password: &str) -> Auth {
        Auth::Basic(format!("{uid}@{slug}"), password.into())
    }
}

pub fn request(method: Method, path: &str, auth: &Auth, body: Option<&Value>) -> TestRequest {
    request_at("127.0.0.1:8081", method, path, auth, body)
}

/// A request to `host` (a collectivité's, for the back office's API).
pub fn request_at(
    host: &str,
    method: Method,
    path: &str,
    auth: &Auth,
    body: Option<&Value>,
) -> TestRequest {
    let mut req = TestRequest::default()
        .method(method)
        .uri(path)
        .insert_header((header::HOST, host.to_owned()));
    match auth {
        Auth::None => {}
        Auth::Basic(l, p) => {
            let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{l}:{p}"));
            req = req.insert_header((header::AUTHORIZATION, format!("Basic {encoded}")));
        }
        Auth::Bearer(t) => {
            req = req.insert_header((header::AUTHORIZATION, format!("Bearer {t}")));
        }
    }
    if let Some(b) = body {
        req = req.set_json(b);
    }
    req
}

/// Sends a request; returns the status and the body as JSON (`Null` when empty).
pub async fn call<S, B>(
    app: &S,
    method: Method,
    path: &str,
    auth: &Auth,
    body: Option<&Value>,
) -> (StatusCode, Value)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    call_at(app, "127.0.0.1:8081", method, path, auth, body).await
}

/// [`call`] to `host`.
pub async fn call_at<S, B>(
    app: &S,
    host: &str,
    method: Method,
    path: &str,
    auth: &Auth,
    body: Option<&Value>,
) -> (StatusCode, Value)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let res =
        test::call_service(app, request_at(host, method, path, auth, body).to_request()).await;
    let status = res.status();
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = test::read_body(res).await;
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!(
                "{path}: not JSON ({content_type}): {}",
                String::from_utf8_lossy(&bytes)
            )
        })
    };
    if status.is_client_error() || status.is_server_error() {
        assert_eq!(
            content_type, "application/problem+json",
            "{path}: errors are problem documents"
        );
    }
    (status, value)
}

/// A collectivité with its first referential admin (password [`AGENT_PASSWORD`]).
pub fn new_authority(slug: &str, name: &str) -> Value {
    serde_json::json!({
        "slug": slug,
        "name": name,
        "host_names": [],
        "postal_address": "Hôtel de ville",
        "contact_email": format!("mairie@{slug}.example.fr"),
        "admin": {
            "first_name": "Admin",
            "last_name": name.split_whitespace().last().unwrap_or("Ville"),
            "email": format!("admin@{slug}.example.fr"),
            "password": AGENT_PASSWORD
        }
    })
}
