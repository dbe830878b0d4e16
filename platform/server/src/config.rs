//! Configuration: an optional TOML file, overridden by `GUICHET_*` environment
//! variables. Every bad value is reported as one line naming the key.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use std::time::Duration;

use guichet_core::directory::{LdapConfig, PasswordScheme};
use guichet_core::net::TrustedProxies;
use guichet_core::store::DatabaseUrl;

/// A configuration value that cannot be used: which key, what was given, what is expected.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration : {key} = « {value} » est invalide : {expected}")]
    Invalid {
        key: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("configuration : fichier {path} illisible : {reason}")]
    File { path: String, reason: String },
}

#[derive(Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    /// A PostgreSQL streaming replica of the database, for searches, exports
    /// and statistics; `None`: all reads on the primary.
    pub replica_url: Option<DatabaseUrl>,
    /// How far behind the replica may be before reports read the primary.
    pub replica_max_lag: Duration,
    /// Tenant portal at `/`, back office at `/backoffice/`.
    pub listen: SocketAddr,
    /// Provisioning plane, on its own listener (loopback by default).
    pub provisioning_listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: the built-in directory in the database stands in.
    pub ldap: Option<LdapConfig>,
    /// `None`: mails stay in the outbox and are logged.
    pub smtp_url: Option<url::Url>,
    /// Sender of the platform's e-mails.
    pub smtp_from: String,
    /// `None`: generated once and kept under the data directory.
    pub secret_key: Option<String>,
    /// Session cookies marked `Secure` (sent over HTTPS only): on behind a
    /// TLS reverse proxy, off for plain http on loopback.
    pub secure_cookies: bool,
    /// Serve off loopback without `secure_cookies` (a trusted network).
    pub allow_plain_http: bool,
    /// Reverse proxies whose `X-Forwarded-For` is believed; nobody else's is.
    pub trusted_proxies: TrustedProxies,
    /// Sessions end after this long without a request…
    pub session_idle: Duration,
    /// After a SIGTERM, how long `/readyz` says 503 (for the balancer to stop
    /// sending) before the server stops taking connections and finishes
    /// the requests in flight.
    pub drain: Duration,
    /// The database connections a serving process keeps at most
    /// (`None`: 16 on PostgreSQL, 8 on SQLite).
    pub pool_size: Option<u32>,
    /// How long a request waits for a connection before the page says the
    /// service is unavailable.
    pub pool_wait: Duration,
    /// …and this long after sign-in in any case.
    pub session_max: Duration,
    /// PostgreSQL: the role `serve` runs as, granted its rights by `migrate`.
    pub app_role: Option<String>,
    /// `None`: files under `data_dir/files`.
    pub object_store_url: Option<url::Url>,
    /// `None`: households sign in with their password only.
    pub franceconnect: Option<guichet_core::identity::ProviderConfig>,
    /// `None`: agents sign in with their directory's password only; with it,
    /// each collectivité may open ProConnect to its agents.
    pub proconnect: Option<guichet_core::identity::ProviderConfig>,
    /// `None`: no text messages (the back office does not offer them).
    pub sms: Option<guichet_core::sms::SmsConfig>,
    /// PayFiP's service (`https://www.payfip.gouv.fr` unless set, e.g. to a
    /// test bank).
    pub payfip_url: Option<url::Url>,
    /// Where `guichet demo --serve` and `guichet test-bank` serve the test bank.
    pub test_bank_listen: SocketAddr,
    /// Who hosts the platform (name, address, phone), for every
    /// collectivité's legal notice.
    pub hosting: Option<String>,
}

/// Secrets (keys, passwords in URLs) never appear in a debug print.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redact = |u: &url::Url| {
            let mut u = u.clone();
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        };
        f.debug_struct("Config")
            .field("database_url", &self.database_url.redacted())
            .field(
                "replica_url",
                &self.replica_url.as_ref().map(DatabaseUrl::redacted),
            )
            .field("replica_max_lag", &self.replica_max_lag)
            .field("listen", &self.listen)
            .field("provisioning_listen", &self.provisioning_listen)
            .field("data_dir", &self.data_dir)
            .field("ldap", &self.ldap)
            .field("smtp_url", &self.smtp_url.as_ref().map(redact))
            .field("smtp_from", &self.smtp_from)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .field("secure_cookies", &self.secure_cookies)
            .field("allow_plain_http", &self.allow_plain_http)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("session_idle", &self.session_idle)
            .field("drain", &self.drain)
            .field("pool_size", &self.pool_size)
            .field("pool_wait", &self.pool_wait)
            .field("session_max", &self.session_max)
            .field("app_role", &self.app_role)
            .field(
                "franceconnect",
                &self
                    .franceconnect
                    .as_ref()
                    .map(|f| (&f.issuer, &f.client_id)),
            )
            .field(
                "proconnect",
                &self.proconnect.as_ref().map(|f| (&f.issuer, &f.client_id)),
            )
            .field("sms", &self.sms)
            .field("payfip_url", &self.payfip_url.as_ref().map(|u| u.as_str()))
            .field("hosting", &self.hosting)
            .field("test_bank_listen", &self.test_bank_listen)
            .field(
                "object_store_url",
                &self
                    .object_store_url
                    .as_ref()
                    .map(|u| format!("{}://{}", u.scheme(), u.host_str().unwrap_or(""))),
            )
            .finish()
    }
}

/// The keys, as written in the TOML file (lower case) and in the environment
/// (`GUICHET_` + upper case).
const KEYS: &[(&str, &str)] = &[
    ("database_url", "GUICHET_DATABASE_URL"),
    ("database_replica_url", "GUICHET_DATABASE_REPLICA_URL"),
    (
        "database_replica_max_lag_seconds",
        "GUICHET_DATABASE_REPLICA_MAX_LAG_SECONDS",
    ),
    ("listen", "GUICHET_LISTEN"),
    ("provisioning_listen", "GUICHET_PROVISIONING_LISTEN"),
    ("data_dir", "GUICHET_DATA_DIR"),
    ("ldap_url", "GUICHET_LDAP_URL"),
    ("ldap_bind_dn", "GUICHET_LDAP_BIND_DN"),
    ("ldap_bind_password", "GUICHET_LDAP_BIND_PASSWORD"),
    ("ldap_base_dn", "GUICHET_LDAP_BASE_DN"),
    ("smtp_url", "GUICHET_SMTP_URL"),
    ("smtp_from", "GUICHET_SMTP_FROM"),
    ("secret_key", "GUICHET_SECRET_KEY"),
    ("secure_cookies", "GUICHET_SECURE_COOKIES"),
    ("allow_plain_http", "GUICHET_ALLOW_PLAIN_HTTP"),
    ("trusted_proxies", "GUICHET_TRUSTED_PROXIES"),
    ("session_idle_minutes", "GUICHET_SESSION_IDLE_MINUTES"),
    ("drain_seconds", "GUICHET_DRAIN_SECONDS"),
    ("database_pool_size", "GUICHET_DATABASE_POOL_SIZE"),
    ("database_wait_seconds", "GUICHET_DATABASE_WAIT_SECONDS"),
    ("session_max_hours", "GUICHET_SESSION_MAX_HOURS"),
    ("app_role", "GUICHET_APP_ROLE"),
    ("object_store_url", "GUICHET_OBJECT_STORE_URL"),
    ("ldap_starttls", "GUICHET_LDAP_STARTTLS"),
    ("ldap_password_scheme", "GUICHET_LDAP_PASSWORD_SCHEME"),
    ("ldap_allow_plain", "GUICHET_LDAP_ALLOW_PLAIN"),
    ("ldap_fallback", "GUICHET_LDAP_FALLBACK"),
    ("franceconnect_issuer", "GUICHET_FRANCECONNECT_ISSUER"),
    ("franceconnect_client_id", "GUICHET_FRANCECONNECT_CLIENT_ID"),
    (
        "franceconnect_client_secret",
        "GUICHET_FRANCECONNECT_CLIENT_SECRET",
    ),
    ("proconnect_issuer", "GUICHET_PROCONNECT_ISSUER"),
    ("proconnect_client_id", "GUICHET_PROCONNECT_CLIENT_ID"),
    (
        "proconnect_client_secret",
        "GUICHET_PROCONNECT_CLIENT_SECRET",
    ),
    ("sms_url", "GUICHET_SMS_URL"),
    ("sms_api_key", "GUICHET_SMS_API_KEY"),
    ("sms_sender", "GUICHET_SMS_SENDER"),
    ("payfip_url", "GUICHET_PAYFIP_URL"),
    ("test_bank_listen", "GUICHET_TEST_BANK_LISTEN"),
    ("hosting", "GUICHET_HOSTING"),
];

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/guichet.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_PROVISIONING_LISTEN: &str = "127.0.0.1:8081";
pub const DEFAULT_DATA_DIR: &str = "data";
pub const DEFAULT_SMTP_FROM: &str = "Guichet <ne-pas-repondre@localhost>";

impl Config {
    /// Why serving as configured would be unsafe: session cookies sent in
    /// clear to clients off this machine.
    pub fn serving_problem(&self) -> Option<String> {
        (!self.listen.ip().is_loopback() && !self.secure_cookies && !self.allow_plain_http).then(|| {
            format!(
                "GUICHET_LISTEN ({}) écoute hors de cette machine sans GUICHET_SECURE_COOKIES=true : les cookies de session circuleraient en clair. Servez derrière un mandataire inverse en HTTPS avec GUICHET_SECURE_COOKIES=true, ou, sur un réseau de confiance seulement, GUICHET_ALLOW_PLAIN_HTTP=true",
                self.listen
            )
        })
    }

    /// Reads the file (if any), then the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_from(file, |name| std::env::var(name).ok())
    }

    /// Same as [`Config::load`], with the environment given as a function (for tests).
    pub fn load_from(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut values = match file {
            Some(path) => read_file(path)?,
            None => HashMap::new(),
        };
        for (key, var) in KEYS {
            if let Some(v) = env(var) {
                values.insert(key, v);
            }
        }
        Self::from_values(&values)
    }

    fn from_values(values: &HashMap<&'static str, String>) -> Result<Self, ConfigError> {
        let get = |key: &str| values.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
        let database_url = {
            let raw = get("database_url").unwrap_or(DEFAULT_DATABASE_URL);
            DatabaseUrl::parse(raw)
                .map_err(|expected| invalid("GUICHET_DATABASE_URL", raw, expected))?
        };
        let replica_url = match get("database_replica_url") {
            None => None,
            Some(raw) => match DatabaseUrl::parse(raw) {
                Ok(u @ DatabaseUrl::Postgres(_))
                    if matches!(database_url, DatabaseUrl::Postgres(_)) =>
                {
                    Some(u)
                }
                _ => {
                    return Err(invalid(
                        "GUICHET_DATABASE_REPLICA_URL",
                        raw,
                        "postgres://UTILISATEUR@HÔTE:PORT/BASE, une réplique de la base PostgreSQL de GUICHET_DATABASE_URL",
                    ))
                }
            },
        };
        let replica_max_lag = Duration::from_secs(parse_count(
            "GUICHET_DATABASE_REPLICA_MAX_LAG_SECONDS",
            get("database_replica_max_lag_seconds"),
            5,
        )?);
        let listen = parse_addr("GUICHET_LISTEN", get("listen").unwrap_or(DEFAULT_LISTEN))?;
        let provisioning_listen = parse_addr(
            "GUICHET_PROVISIONING_LISTEN",
            get("provisioning_listen").unwrap_or(DEFAULT_PROVISIONING_LISTEN),
        )?;
        if listen == provisioning_listen && listen.port() != 0 {
            return Err(invalid(
                "GUICHET_PROVISIONING_LISTEN",
                &provisioning_listen.to_string(),
                "une adresse différente de GUICHET_LISTEN",
            ));
        }
        let data_dir = PathBuf::from(get("data_dir").unwrap_or(DEFAULT_DATA_DIR));
        let ldap = match get("ldap_url") {
            None => None,
            Some(url) => {
                let Some(parsed) = url::Url::parse(url)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "ldap" | "ldaps") && u.host_str().is_some())
                else {
                    return Err(invalid(
                        "GUICHET_LDAP_URL",
                        url,
                        "une URL ldap:// ou ldaps://, par exemple ldap://127.0.0.1:389",
                    ));
                };
                let required = |key: &'static str, var: &'static str| {
                    get(key).map(str::to_owned).ok_or_else(|| {
                        invalid(var, "", "obligatoire quand GUICHET_LDAP_URL est renseigné")
                    })
                };
                let starttls = parse_bool("GUICHET_LDAP_STARTTLS", get("ldap_starttls"))?;
                let allow_plain = parse_bool("GUICHET_LDAP_ALLOW_PLAIN", get("ldap_allow_plain"))?;
                // ldap:// is not a "special" scheme: its host comes as text.
                let host = parsed
                    .host_str()
                    .unwrap_or_default()
                    .trim_start_matches('[')
                    .trim_end_matches(']');
                let loopback = host == "localhost"
                    || host
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback());
                // Agents' passwords cross in clear on plain LDAP: only on this machine.
                if parsed.scheme() == "ldap" && !starttls && !loopback && !allow_plain {
                    return Err(invalid(
                        "GUICHET_LDAP_URL",
                        url,
                        "ldaps://, ou ldap:// avec GUICHET_LDAP_STARTTLS=true : les mots de passe ne circulent pas en clair vers une autre machine (GUICHET_LDAP_ALLOW_PLAIN=true pour l’accepter sur un réseau de confiance)",
                    ));
                }
                let password_scheme = match get("ldap_password_scheme") {
                    None | Some("server") => PasswordScheme::Server,
                    Some("ssha") => PasswordScheme::Ssha,
                    Some(other) => {
                        return Err(invalid(
                            "GUICHET_LDAP_PASSWORD_SCHEME",
                            other,
                            "server (le serveur hache, opération Password Modify) ou ssha",
                        ))
                    }
                };
                let fallback = match get("ldap_fallback") {
                    None | Some("none") => false,
                    Some("builtin") => true,
                    Some(other) => {
                        return Err(invalid(
                            "GUICHET_LDAP_FALLBACK",
                            other,
                            "none (l’annuaire seul) ou builtin (si l’annuaire ne répond pas, le mot de passe de la dernière connexion réussie)",
                        ))
                    }
                };
                Some(LdapConfig {
                    url: url.to_owned(),
                    bind_dn: required("ldap_bind_dn", "GUICHET_LDAP_BIND_DN")?,
                    bind_password: required("ldap_bind_password", "GUICHET_LDAP_BIND_PASSWORD")?,
                    base_dn: required("ldap_base_dn", "GUICHET_LDAP_BASE_DN")?,
                    starttls,
                    password_scheme,
                    fallback,
                })
            }
        };
        let smtp_url = match get("smtp_url") {
            None => None,
            Some(raw) => Some(
                url::Url::parse(raw)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "smtp" | "smtps") && u.host_str().is_some())
                    .ok_or_else(|| {
                        invalid(
                            "GUICHET_SMTP_URL",
                            raw,
                            "une URL smtp:// ou smtps://, par exemple smtp://127.0.0.1:25",
                        )
                    })?,
            ),
        };
        let smtp_from = get("smtp_from").unwrap_or(DEFAULT_SMTP_FROM).to_owned();
        let address = smtp_from
            .rsplit_once('<')
            .map_or(smtp_from.as_str(), |(_, a)| a.trim_end_matches('>'));
        if !guichet_core::mail::outbox::is_plausible_address(address)
            && !address.ends_with("@localhost")
        {
            return Err(invalid(
                "GUICHET_SMTP_FROM",
                &smtp_from,
                "une adresse électronique, par exemple « Mairie <ne-pas-repondre@mairie.fr> »",
            ));
        }
        let secret_key = match get("secret_key") {
            None => None,
            Some(k) if k.len() >= 32 => Some(k.to_owned()),
            Some(_) => {
                return Err(invalid(
                    "GUICHET_SECRET_KEY",
                    "(masquée)",
                    "au moins 32 caractères aléatoires",
                ))
            }
        };
        let secure_cookies = parse_bool("GUICHET_SECURE_COOKIES", get("secure_cookies"))?;
        let allow_plain_http = parse_bool("GUICHET_ALLOW_PLAIN_HTTP", get("allow_plain_http"))?;
        let trusted_proxies = match get("trusted_proxies") {
            None => TrustedProxies::default(),
            Some(v) => TrustedProxies::parse(v).map_err(|_| {
                invalid(
                    "GUICHET_TRUSTED_PROXIES",
                    v,
                    "des adresses IP ou des réseaux séparés par des virgules, par exemple 10.0.0.1, 192.168.0.0/24",
                )
            })?,
        };
        let session_idle = Duration::from_secs(
            60 * parse_count(
                "GUICHET_SESSION_IDLE_MINUTES",
                get("session_idle_minutes"),
                30,
            )?,
        );
        let drain = Duration::from_secs(parse_count(
            "GUICHET_DRAIN_SECONDS",
            get("drain_seconds"),
            5,
        )?);
        let pool_size = match get("database_pool_size") {
            None => None,
            Some(v) => Some(
                v.parse::<u32>()
                    .ok()
                    .filter(|n| (1..=500).contains(n))
                    .ok_or_else(|| {
                        invalid(
                            "GUICHET_DATABASE_POOL_SIZE",
                            v,
                            "un nombre entier de 1 à 500",
                        )
                    })?,
            ),
        };
        let pool_wait = Duration::from_secs(parse_count(
            "GUICHET_DATABASE_WAIT_SECONDS",
            get("database_wait_seconds"),
            3,
        )?);
        let session_max = Duration::from_secs(
            3600 * parse_count("GUICHET_SESSION_MAX_HOURS", get("session_max_hours"), 12)?,
        );
        let app_role = match get("app_role") {
            None => None,
            Some(r) if guichet_core::store::is_role_name(r) => Some(r.to_owned()),
            Some(r) => {
                return Err(invalid(
                    "GUICHET_APP_ROLE",
                    r,
                    "un nom de rôle PostgreSQL : lettres minuscules, chiffres et _, par exemple guichet_app",
                ))
            }
        };
        let object_store_url = match get("object_store_url") {
            None => None,
            Some(raw) => Some(
                url::Url::parse(raw)
                    .ok()
                    .filter(|u| u.scheme() == "s3" && u.host_str().is_some())
                    .ok_or_else(|| {
                        invalid(
                            "GUICHET_OBJECT_STORE_URL",
                            raw,
                            "une URL s3://seau?endpoint=https://…&region=…",
                        )
                    })?,
            ),
        };
        let franceconnect = provider(
            &get,
            "franceconnect",
            "GUICHET_FRANCECONNECT_ISSUER",
            "l’URL de l’émetteur, par exemple https://oidc.franceconnect.gouv.fr/api/v2",
            "les trois réglages GUICHET_FRANCECONNECT_ISSUER, _CLIENT_ID et _CLIENT_SECRET, ensemble",
        )?;
        let proconnect = provider(
            &get,
            "proconnect",
            "GUICHET_PROCONNECT_ISSUER",
            "l’URL de l’émetteur, par exemple https://auth.agentconnect.gouv.fr/api/v2",
            "les trois réglages GUICHET_PROCONNECT_ISSUER, _CLIENT_ID et _CLIENT_SECRET, ensemble",
        )?;
        let sms = match (get("sms_api_key"), get("sms_sender")) {
            (None, None) => None,
            (Some(key), Some(sender)) => {
                let raw = get("sms_url").unwrap_or(guichet_core::sms::DEFAULT_URL);
                let url = url::Url::parse(raw)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
                    .ok_or_else(|| {
                        invalid(
                            "GUICHET_SMS_URL",
                            raw,
                            "l’URL de la passerelle, par exemple https://api.brevo.com/v3/transactionalSMS/sms",
                        )
                    })?;
                let plausible = (3..=11).contains(&sender.chars().count())
                    && sender.chars().all(|c| c.is_ascii_alphanumeric())
                    && sender.chars().any(|c| c.is_ascii_alphabetic());
                if !plausible {
                    return Err(invalid(
                        "GUICHET_SMS_SENDER",
                        sender,
                        "le nom d’expéditeur des SMS : 3 à 11 lettres et chiffres, par exemple MAIRIE",
                    ));
                }
                Some(guichet_core::sms::SmsConfig {
                    url,
                    api_key: key.to_owned(),
                    sender: sender.to_owned(),
                })
            }
            _ => {
                return Err(invalid(
                    "GUICHET_SMS_API_KEY",
                    "",
                    "les deux réglages GUICHET_SMS_API_KEY et GUICHET_SMS_SENDER, ensemble",
                ))
            }
        };
        let payfip_url = match get("payfip_url") {
            None => None,
            Some(raw) => Some(
                url::Url::parse(raw)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
                    .ok_or_else(|| {
                        invalid(
                            "GUICHET_PAYFIP_URL",
                            raw,
                            "l’adresse du service PayFiP, par exemple https://www.payfip.gouv.fr",
                        )
                    })?,
            ),
        };
        let test_bank_listen = parse_addr(
            "GUICHET_TEST_BANK_LISTEN",
            get("test_bank_listen").unwrap_or("127.0.0.1:8099"),
        )?;
        let hosting =
            match get("hosting").map(str::trim) {
                None | Some("") => None,
                Some(raw) if raw.chars().count() <= 300 && !raw.chars().any(char::is_control) => {
                    Some(raw.to_owned())
                }
                Some(raw) => return Err(invalid(
                    "GUICHET_HOSTING",
                    raw,
                    "l’hébergeur en une ligne de 300 caractères au plus : nom, adresse, téléphone",
                )),
            };
        Ok(Config {
            database_url,
            replica_url,
            replica_max_lag,
            listen,
            provisioning_listen,
            data_dir,
            ldap,
            smtp_url,
            smtp_from,
            secret_key,
            secure_cookies,
            allow_plain_http,
            trusted_proxies,
            session_idle,
            drain,
            pool_size,
            pool_wait,
            session_max,
            app_role,
            object_store_url,
            franceconnect,
            proconnect,
            sms,
            payfip_url,
            test_bank_listen,
            hosting,
        })
    }
}

fn read_file(path: &Path) -> Result<HashMap<&'static str, String>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let file_error = |reason: String| ConfigError::File {
        path: path.display().to_string(),
        reason,
    };
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| file_error(e.message().to_owned()))?;
    let mut values = HashMap::new();
    for (name, value) in table {
        let Some((key, _)) = KEYS.iter().find(|(k, _)| *k == name) else {
            return Err(file_error(format!("clé inconnue « {name} »")));
        };
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(_) | toml::Value::Boolean(_) => value.to_string(),
            _ => {
                return Err(file_error(format!(
                    "« {name} » doit être un texte, un nombre ou un booléen"
                )))
            }
        };
        values.insert(*key, text);
    }
    Ok(values)
}

/// A yes or no, false when unset.
fn parse_bool(key: &'static str, raw: Option<&str>) -> Result<bool, ConfigError> {
    match raw.map(str::to_lowercase).as_deref() {
        None | Some("false" | "0" | "non" | "no") => Ok(false),
        Some("true" | "1" | "oui" | "yes") => Ok(true),
        Some(_) => Err(invalid(key, raw.unwrap_or_default(), "true ou false")),
    }
}

/// A whole number from 1 to 10 000, or `default` when unset.
fn parse_count(key: &'static str, raw: Option<&str>, default: u64) -> Result<u64, ConfigError> {
    match raw {
        None => Ok(default),
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| invalid(key, v, "un nombre entier de 1 à 10000")),
    }
}

fn parse_addr(key: &'static str, raw: &str) -> Result<SocketAddr, ConfigError> {
    raw.parse().map_err(|_| {
        invalid(
            key,
            raw,
            "une adresse IP et un port, par exemple 127.0.0.1:8080",
        )
    })
}

fn invalid(key: &'static str, value: &str, expected: &'static str) -> ConfigError {
    ConfigError::Invalid {
        key,
        value: value.to_owned(),
        expected,
    }
}

/// An identity provider's three settings (`GUICHET_{NAME}_ISSUER`,
/// `_CLIENT_ID`, `_CLIENT_SECRET`): all or none.
fn provider<'a>(
    get: &impl Fn(&str) -> Option<&'a str>,
    key: &str,
    issuer_var: &'static str,
    bad_url: &'static str,
    all_three: &'static str,
) -> Result<Option<guichet_core::identity::ProviderConfig>, ConfigError> {
    match (
        get(&format!("{key}_issuer")),
        get(&format!("{key}_client_id")),
        get(&format!("{key}_client_secret")),
    ) {
        (None, None, None) => Ok(None),
        (Some(issuer), Some(id), Some(secret)) => {
            let ok = url::Url::parse(issuer)
                .ok()
                .is_some_and(|u| matches!(u.scheme(), "https" | "http") && u.host_str().is_some());
            if !ok {
                return Err(invalid(issuer_var, issuer, bad_url));
            }
            Ok(Some(guichet_core::identity::ProviderConfig {
                issuer: issuer.trim_end_matches('/').to_owned(),
                client_id: id.to_owned(),
                client_secret: secret.to_owned(),
            }))
        }
        (issuer, _, _) => Err(invalid(issuer_var, issuer.unwrap_or(""), all_three)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::load_from(None, |k| vars.get(k).cloned())
    }

    #[test]
    fn the_pool_and_the_drain_are_settings() {
        let c = load(&[]).unwrap();
        assert_eq!(
            (c.pool_size, c.pool_wait, c.drain),
            (None, Duration::from_secs(3), Duration::from_secs(5))
        );
        let c = load(&[
            ("GUICHET_DATABASE_POOL_SIZE", "40"),
            ("GUICHET_DATABASE_WAIT_SECONDS", "10"),
            ("GUICHET_DRAIN_SECONDS", "15"),
        ])
        .unwrap();
        assert_eq!(
            (c.pool_size, c.pool_wait, c.drain),
            (Some(40), Duration::from_secs(10), Duration::from_secs(15))
        );
        for (key, bad) in [
            ("GUICHET_DATABASE_POOL_SIZE", "0"),
            ("GUICHET_DATABASE_POOL_SIZE", "beaucoup"),
            ("GUICHET_DATABASE_WAIT_SECONDS", "-1"),
        ] {
            let e = load(&[(key, bad)]).unwrap_err().to_string();
            assert!(e.contains(key) && e.contains(bad), "{e}");
        }
    }

    #[test]
    fn identity_providers_take_their_three_settings_together() {
        let c = load(&[
            (
                "GUICHET_PROCONNECT_ISSUER",
                "https://auth.agentconnect.gouv.fr/api/v2/",
            ),
            ("GUICHET_PROCONNECT_CLIENT_ID", "guichet"),
            ("GUICHET_PROCONNECT_CLIENT_SECRET", "secret"),
        ])
        .unwrap();
        let pc = c.proconnect.unwrap();
        assert_eq!(pc.issuer, "https://auth.agentconnect.gouv.fr/api/v2");
        assert!(c.franceconnect.is_none());
        let e = load(&[("GUICHET_PROCONNECT_CLIENT_ID", "guichet")]).unwrap_err();
        assert!(e.to_string().contains("GUICHET_PROCONNECT_ISSUER"), "{e}");
        let e = load(&[
            ("GUICHET_PROCONNECT_ISSUER", "agentconnect"),
            ("GUICHET_PROCONNECT_CLIENT_ID", "guichet"),
            ("GUICHET_PROCONNECT_CLIENT_SECRET", "secret"),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("l’URL de l’émetteur"), "{e}");
    }

    #[test]
    fn defaults_need_nothing() {
        let c = load(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.provisioning_listen.to_string(), "127.0.0.1:8081");
        assert!(matches!(c.database_url, DatabaseUrl::Sqlite(ref p) if p == "data/guichet.db"));
        assert!(c.ldap.is_none() && c.smtp_url.is_none() && c.secret_key.is_none());
        assert!(!c.secure_cookies);
        let secret = load(&[
            (
                "GUICHET_SECRET_KEY",
                "une clé secrète de plus de trente-deux caractères",
            ),
            ("GUICHET_DATABASE_URL", "postgres://u:motdepasse@h/db"),
        ])
        .unwrap();
        let shown = format!("{secret:?}");
        assert!(
            !shown.contains("trente-deux") && !shown.contains("motdepasse"),
            "{shown}"
        );
        assert_eq!(c.session_idle, Duration::from_secs(30 * 60));
        assert_eq!(c.session_max, Duration::from_secs(12 * 3600));
    }

    #[test]
    fn proxies_and_session_lengths_are_checked() {
        let c = load(&[
            ("GUICHET_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/24"),
            ("GUICHET_SESSION_IDLE_MINUTES", "15"),
        ])
        .unwrap();
        assert!(c.trusted_proxies.contains("192.168.0.7".parse().unwrap()));
        assert!(!c.trusted_proxies.contains("10.0.0.2".parse().unwrap()));
        assert_eq!(c.session_idle, Duration::from_secs(15 * 60));
        let e = load(&[("GUICHET_TRUSTED_PROXIES", "partout")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("GUICHET_TRUSTED_PROXIES"), "{e}");
        let e = load(&[("GUICHET_SESSION_MAX_HOURS", "0")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("GUICHET_SESSION_MAX_HOURS"), "{e}");
    }

    #[test]
    fn secure_cookies_is_a_yes_or_no() {
        assert!(
            load(&[("GUICHET_SECURE_COOKIES", "true")])
                .unwrap()
                .secure_cookies
        );
        assert!(
            !load(&[("GUICHET_SECURE_COOKIES", "0")])
                .unwrap()
                .secure_cookies
        );
        let e = load(&[("GUICHET_SECURE_COOKIES", "peut-être")])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("GUICHET_SECURE_COOKIES") && e.contains("true ou false"),
            "{e}"
        );
    }

    #[test]
    fn bad_listen_names_the_key() {
        let e = load(&[("GUICHET_LISTEN", "nonsense")])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("GUICHET_LISTEN") && e.contains("nonsense"),
            "{e}"
        );
    }

    #[test]
    fn bad_database_url_names_the_key() {
        let e = load(&[("GUICHET_DATABASE_URL", "mysql://x")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("GUICHET_DATABASE_URL"), "{e}");
    }

    #[test]
    fn a_replica_is_one_of_a_postgresql_database() {
        let c = load(&[
            ("GUICHET_DATABASE_URL", "postgres://guichet@db/guichet"),
            (
                "GUICHET_DATABASE_REPLICA_URL",
                "postgres://guichet@replica/guichet",
            ),
            ("GUICHET_DATABASE_REPLICA_MAX_LAG_SECONDS", "2"),
        ])
        .unwrap();
        assert!(c.replica_url.is_some());
        assert_eq!(c.replica_max_lag, Duration::from_secs(2));
        assert_eq!(load(&[]).unwrap().replica_url, None);
        let e = load(&[(
            "GUICHET_DATABASE_REPLICA_URL",
            "postgres://guichet@replica/guichet",
        )])
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("GUICHET_DATABASE_REPLICA_URL"),
            "SQLite has no replica: {e}"
        );
        let e = load(&[
            ("GUICHET_DATABASE_URL", "postgres://guichet@db/guichet"),
            ("GUICHET_DATABASE_REPLICA_URL", "sqlite://copie.db"),
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("GUICHET_DATABASE_REPLICA_URL"), "{e}");
    }

    #[test]
    fn ldap_url_requires_the_bind_settings() {
        let e = load(&[("GUICHET_LDAP_URL", "ldap://127.0.0.1:3890")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("GUICHET_LDAP_BIND_DN"), "{e}");
        let c = load(&[
            ("GUICHET_LDAP_URL", "ldap://127.0.0.1:3890"),
            ("GUICHET_LDAP_BIND_DN", "cn=admin,dc=guichet"),
            ("GUICHET_LDAP_BIND_PASSWORD", "secret"),
            ("GUICHET_LDAP_BASE_DN", "dc=guichet"),
        ])
        .unwrap();
        assert_eq!(c.ldap.unwrap().base_dn, "dc=guichet");
    }

    #[test]
    fn plain_ldap_to_another_machine_is_refused() {
        let with = |url: &str, extra: &[(&str, &str)]| {
            let mut vars = vec![
                ("GUICHET_LDAP_URL", url),
                ("GUICHET_LDAP_BIND_DN", "cn=admin,dc=guichet"),
                ("GUICHET_LDAP_BIND_PASSWORD", "secret"),
                ("GUICHET_LDAP_BASE_DN", "dc=guichet"),
            ];
            vars.extend_from_slice(extra);
            load(&vars)
        };
        let e = with("ldap://annuaire.mairie.fr", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("GUICHET_LDAP_STARTTLS"), "{e}");
        assert!(with("ldap://localhost:389", &[]).is_ok());
        assert!(with("ldap://[::1]:389", &[]).is_ok());
        assert!(with("ldaps://annuaire.mairie.fr", &[]).is_ok());
        let c = with(
            "ldap://annuaire.mairie.fr",
            &[("GUICHET_LDAP_STARTTLS", "true")],
        )
        .unwrap();
        assert!(c.ldap.unwrap().starttls);
        assert!(with("ldap://10.0.0.5", &[("GUICHET_LDAP_ALLOW_PLAIN", "true")]).is_ok());
        let c = with(
            "ldap://127.0.0.1",
            &[("GUICHET_LDAP_PASSWORD_SCHEME", "ssha")],
        )
        .unwrap();
        assert_eq!(c.ldap.unwrap().password_scheme, PasswordScheme::Ssha);
        assert!(with(
            "ldap://127.0.0.1",
            &[("GUICHET_LDAP_PASSWORD_SCHEME", "md5")]
        )
        .is_err());
    }

    #[test]
    fn smtp_and_secret_are_checked() {
        assert!(load(&[("GUICHET_SMTP_URL", "http://x")]).is_err());
        assert!(load(&[("GUICHET_SMTP_URL", "smtp://127.0.0.1:2525")]).is_ok());
        assert!(load(&[("GUICHET_SMTP_FROM", "Mairie <mairie@exemple.fr>")]).is_ok());
        let e = load(&[("GUICHET_SMTP_FROM", "pas une adresse")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("GUICHET_SMTP_FROM"), "{e}");
        let e = load(&[("GUICHET_SECRET_KEY", "short")])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("GUICHET_SECRET_KEY") && !e.contains("short"),
            "{e}"
        );
    }

    #[test]
    fn environment_overrides_file() {
        let dir = std::env::temp_dir().join(format!("guichet-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("guichet.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\ndata_dir = \"/srv/guichet\"\nsecure_cookies = true\n",
        )
        .unwrap();
        let c = Config::load_from(Some(&file), |k| {
            (k == "GUICHET_LISTEN").then(|| "127.0.0.1:9100".to_owned())
        })
        .unwrap();
        assert_eq!(c.listen.port(), 9100);
        assert_eq!(c.data_dir, PathBuf::from("/srv/guichet"));
        assert!(c.secure_cookies, "a TOML boolean");
        std::fs::write(&file, "lisen = \"x\"\n").unwrap();
        let e = Config::load_from(Some(&file), |_| None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("lisen"), "{e}");
    }
}
