//! The directory in a real LDAP server, through ldap3 (blocking calls: run
//! them off the async executor).
//!
//! A change is a list of steps, each with its inverse, computed from what the
//! server holds now; when a step fails, the steps already done are reverted,
//! so that the server is left as it was.

mod steps;
use steps::{add_step, all_attrs, first, modify, optional, replace_step, set, text};

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

use ldap3::exop::{PasswordModify, WhoAmI};
use ldap3::result::ExopResult;
use ldap3::{ldap_escape, LdapConn, LdapConnSettings, LdapError, Mod, Scope, SearchEntry};
use r2d2::{ManageConnection, Pool};

use guichet_domain::directory::{
    AgentRecord, DirectoryError, FacilityKind, FacilityRecord, GroupRecord, Snapshot,
};

mod layout;
pub mod ssha;

/// The server's settings (`GUICHET_LDAP_*`).
#[derive(Clone)]
pub struct LdapConfig {
    pub url: String,
    pub bind_dn: String,
    pub bind_password: String,
    pub base_dn: String,
    /// Upgrade `ldap://` connections with StartTLS (`GUICHET_LDAP_STARTTLS`).
    pub starttls: bool,
    /// How passwords reach the server (`GUICHET_LDAP_PASSWORD_SCHEME`).
    pub password_scheme: PasswordScheme,
    /// When the server cannot be reached, agents may still sign in with the
    /// password of their last sign-in (`GUICHET_LDAP_FALLBACK=builtin`).
    pub fallback: bool,
}

impl std::fmt::Debug for LdapConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LdapConfig")
            .field("url", &self.url)
            .field("bind_dn", &self.bind_dn)
            .field("bind_password", &"***")
            .field("base_dn", &self.base_dn)
            .field("starttls", &self.starttls)
            .field("password_scheme", &self.password_scheme)
            .field("fallback", &self.fallback)
            .finish()
    }
}

/// `server` (default): the Password Modify operation (RFC 3062), hashed by the
/// server's own policy; `ssha`: Guichet writes a `{SSHA}` hash itself, for
/// servers without that operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordScheme {
    Server,
    Ssha,
}

/// How to revert a change that the directory accepted.
#[must_use = "an accepted change must be undone if the database write fails"]
#[derive(Debug, Default)]
pub struct Undo(Vec<Op>);

/// Longest wait for one LDAP operation or connection.
const TIMEOUT: Duration = Duration::from_secs(3);

type Values = Vec<Vec<u8>>;

/// One operation on the server.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Add {
        dn: String,
        attrs: Vec<(String, Values)>,
    },
    Delete {
        dn: String,
    },
    Modify {
        dn: String,
        mods: Vec<Change>,
    },
    Rename {
        dn: String,
        new_rdn: String,
    },
    /// The Password Modify extended operation (RFC 3062): the server hashes.
    SetPassword {
        dn: String,
        password: Secret,
    },
}

/// A password on its way to the server: never written in logs.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Change {
    Replace(String, Values),
    AddValues(String, Values),
    DeleteValues(String, Values),
}

struct Step {
    forward: Op,
    inverse: Op,
}

struct Manager {
    url: String,
    bind_dn: String,
    bind_password: String,
    starttls: bool,
}

fn settings(starttls: bool) -> LdapConnSettings {
    LdapConnSettings::new()
        .set_conn_timeout(TIMEOUT)
        .set_starttls(starttls)
}

impl ManageConnection for Manager {
    type Connection = LdapConn;
    type Error = LdapError;

    fn connect(&self) -> Result<LdapConn, LdapError> {
        let mut conn = LdapConn::with_settings(settings(self.starttls), &self.url)?;
        conn.with_timeout(TIMEOUT)
            .simple_bind(&self.bind_dn, &self.bind_password)?
            .success()?;
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut LdapConn) -> Result<(), LdapError> {
        conn.with_timeout(TIMEOUT).extended(WhoAmI)?.success()?;
        Ok(())
    }

    fn has_broken(&self, conn: &mut LdapConn) -> bool {
        conn.is_closed()
    }
}

pub struct LdapDirectory {
    /// Always `Some`; taken out when dropped (see `Drop`).
    pool: Option<Pool<Manager>>,
    url: String,
    base: String,
    starttls: bool,
    scheme: PasswordScheme,
    fallback: bool,
}

fn unavailable(e: impl std::fmt::Display) -> DirectoryError {
    DirectoryError::Unavailable(e.to_string())
}

/// Sorts an LDAP failure: the server's refusals by result code, everything
/// else (connection, timeout) as "unavailable".
fn classify(e: LdapError, dn: &str) -> DirectoryError {
    match e {
        LdapError::LdapResult { result } => match result.rc {
            68 => DirectoryError::AlreadyExists(dn.to_owned()),
            32 => DirectoryError::NoSuchEntry(dn.to_owned()),
            // busy, unavailable, unwilling (read-only replica), other
            51..=53 => DirectoryError::Unavailable(format!("{} ({})", result.text, result.rc)),
            rc => DirectoryError::Refused(format!("{dn} : {} (code {rc})", result.text)),
        },
        other => unavailable(other),
    }
}

impl LdapDirectory {
    pub fn new(config: &LdapConfig) -> LdapDirectory {
        let manager = Manager {
            url: config.url.clone(),
            bind_dn: config.bind_dn.clone(),
            bind_password: config.bind_password.clone(),
            starttls: config.starttls,
        };
        // Built without connecting: the server may come up after us; each
        // checkout tests its connection, so a restarted server is noticed.
        let pool = Pool::builder()
            .max_size(4)
            .min_idle(Some(0))
            .connection_timeout(TIMEOUT)
            .test_on_check_out(true)
            .build_unchecked(manager);
        LdapDirectory {
            pool: Some(pool),
            url: config.url.clone(),
            base: config.base_dn.clone(),
            starttls: config.starttls,
            scheme: config.password_scheme,
            fallback: config.fallback,
        }
    }

    /// Agents may sign in with their last password when the server is down.
    pub fn fallback(&self) -> bool {
        self.fallback
    }

    fn conn(&self) -> Result<r2d2::PooledConnection<Manager>, DirectoryError> {
        self.pool
            .as_ref()
            .expect("the pool lives as long as the directory")
            .get()
            .map_err(unavailable)
    }

    fn exec(conn: &mut LdapConn, op: &Op) -> Result<(), DirectoryError> {
        let dn = match op {
            Op::Add { dn, .. }
            | Op::Delete { dn }
            | Op::Modify { dn, .. }
            | Op::Rename { dn, .. }
            | Op::SetPassword { dn, .. } => dn,
        };
        let result = match op {
            Op::Add { dn, attrs } => conn.with_timeout(TIMEOUT).add(
                dn,
                attrs
                    .iter()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(a, v)| (a.as_bytes().to_vec(), set(v)))
                    .collect(),
            ),
            Op::Delete { dn } => conn.with_timeout(TIMEOUT).delete(dn),
            Op::Modify { dn, mods } => conn.with_timeout(TIMEOUT).modify(
                dn,
                mods.iter()
                    .map(|m| match m {
                        Change::Replace(a, v) => Mod::Replace(a.as_bytes().to_vec(), set(v)),
                        Change::AddValues(a, v) => Mod::Add(a.as_bytes().to_vec(), set(v)),
                        Change::DeleteValues(a, v) => Mod::Delete(a.as_bytes().to_vec(), set(v)),
                    })
                    .collect(),
            ),
            Op::Rename { dn, new_rdn } => {
                conn.with_timeout(TIMEOUT).modifydn(dn, new_rdn, true, None)
            }
            Op::SetPassword { dn, password } => conn
                .with_timeout(TIMEOUT)
                .extended(PasswordModify {
                    user_id: Some(dn),
                    old_pass: None,
                    new_pass: Some(&password.0),
                })
                .map(|ExopResult(_, result)| result),
        };
        result
            .and_then(|r| r.success())
            .map(|_| ())
            .map_err(|e| classify(e, dn))
    }

    /// Runs the steps in order; on a failure, reverts those done and returns it.
    fn run(&self, steps: Vec<Step>) -> Result<Undo, DirectoryError> {
        Self::run_on(&mut *self.conn()?, steps)
    }

    /// [`Self::run`] on a connection already checked out (one checkout per change).
    fn run_on(conn: &mut LdapConn, steps: Vec<Step>) -> Result<Undo, DirectoryError> {
        let mut done: Vec<Op> = Vec::new();
        for step in steps {
            if let Err(e) = Self::exec(conn, &step.forward) {
                for inverse in done.into_iter().rev() {
                    if let Err(undo_error) = Self::exec(conn, &inverse) {
                        tracing::error!(?inverse, %undo_error, "annuaire : retour arrière impossible");
                    }
                }
                return Err(e);
            }
            done.push(step.inverse);
        }
        done.reverse();
        Ok(Undo(done))
    }

    pub fn undo(&self, undo: Undo) {
        let mut conn = match self.conn() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(ops = ?undo.0, %e, "annuaire : retour arrière impossible");
                return;
            }
        };
        for op in undo.0 {
            if let Err(e) = Self::exec(&mut conn, &op) {
                tracing::error!(?op, %e, "annuaire : retour arrière impossible");
            }
        }
    }

    /// Entries under `base` (one level, or the base itself) with all their
    /// user attributes; a missing base gives no entries.
    fn search(
        &self,
        conn: &mut LdapConn,
        base: &str,
        scope: Scope,
        filter: &str,
    ) -> Result<Vec<SearchEntry>, DirectoryError> {
        let result = conn
            .with_timeout(TIMEOUT)
            .search(base, scope, filter, vec!["*"])
            .map_err(|e| classify(e, base))?;
        if result.1.rc == 32 {
            return Ok(Vec::new());
        }
        let (entries, _) = result.success().map_err(|e| classify(e, base))?;
        Ok(entries.into_iter().map(SearchEntry::construct).collect())
    }

    fn read_entry(
        &self,
        conn: &mut LdapConn,
        dn: &str,
    ) -> Result<Option<Vec<(String, Values)>>, DirectoryError> {
        let entries = self.search(conn, dn, Scope::Base, "(objectClass=*)")?;
        Ok(entries.into_iter().next().map(all_attrs))
    }

    pub fn create_branch(
        &self,
        slug: &str,
        name: &str,
        groups: &[GroupRecord],
    ) -> Result<Undo, DirectoryError> {
        let branch = layout::branch(&self.base, slug);
        let mut steps = vec![add_step(
            &branch,
            vec![
                (
                    "objectClass".into(),
                    vec![
                        b"top".to_vec(),
                        b"dcObject".to_vec(),
                        b"organization".to_vec(),
                    ],
                ),
                ("dc".into(), text(slug)),
                ("o".into(), text(name)),
            ],
        )];
        let ous = [
            layout::AGENTS,
            layout::GROUPS,
            layout::facilities_ou(FacilityKind::School),
            layout::facilities_ou(FacilityKind::RecreationCenter),
        ];
        for ou in ous {
            steps.push(add_step(
                &layout::ou(&self.base, slug, ou),
                vec![
                    (
                        "objectClass".into(),
                        vec![b"top".to_vec(), b"organizationalUnit".to_vec()],
                    ),
                    ("ou".into(), text(ou)),
                ],
            ));
        }
        for (i, g) in groups.iter().enumerate() {
            steps.push(add_step(
                &layout::group(&self.base, slug, &g.name),
                vec![
                    (
                        "objectClass".into(),
                        vec![b"top".to_vec(), b"posixGroup".to_vec()],
                    ),
                    ("cn".into(), text(&g.name)),
                    ("gidNumber".into(), text(&(10_000 + i).to_string())),
                    ("description".into(), text(&g.label)),
                ],
            ));
        }
        self.run(steps)
    }

    pub fn rename_branch(&self, slug: &str, name: &str) -> Result<Undo, DirectoryError> {
        let dn = layout::branch(&self.base, slug);
        let mut conn = self.conn()?;
        let Some(current) = self.read_entry(&mut conn, &dn)? else {
            return Err(DirectoryError::NoSuchEntry(dn));
        };
        Self::run_on(
            &mut conn,
            replace_step(&dn, &current, vec![("o".into(), text(name))])
                .into_iter()
                .collect(),
        )
    }

    fn agent_attrs(agent: &AgentRecord) -> Vec<(String, Values)> {
        vec![
            (
                "cn".into(),
                text(&format!("{} {}", agent.first_name, agent.last_name)),
            ),
            ("givenName".into(), text(&agent.first_name)),
            ("sn".into(), text(&agent.last_name)),
            ("mail".into(), optional(&agent.email)),
            ("telephoneNumber".into(), optional(&agent.phone)),
        ]
    }

    /// Steps that bring the agent's group memberships from what the server
    /// holds to `wanted`.
    fn membership_steps(
        &self,
        conn: &mut LdapConn,
        slug: &str,
        uid: &str,
        wanted: &BTreeSet<String>,
    ) -> Result<Vec<Step>, DirectoryError> {
        let current = self.groups_of(conn, slug, uid)?;
        let member = text(uid);
        let mut steps = Vec::new();
        for g in wanted.difference(&current) {
            let dn = layout::group(&self.base, slug, g);
            steps.push(Step {
                forward: modify(&dn, Change::AddValues("memberUid".into(), member.clone())),
                inverse: modify(
                    &dn,
                    Change::DeleteValues("memberUid".into(), member.clone()),
                ),
            });
        }
        for g in current.difference(wanted) {
            let dn = layout::group(&self.base, slug, g);
            steps.push(Step {
                forward: modify(
                    &dn,
                    Change::DeleteValues("memberUid".into(), member.clone()),
                ),
                inverse: modify(&dn, Change::AddValues("memberUid".into(), member.clone())),
            });
        }
        Ok(steps)
    }

    fn groups_of(
        &self,
        conn: &mut LdapConn,
        slug: &str,
        uid: &str,
    ) -> Result<BTreeSet<String>, DirectoryError> {
        let filter = format!(
            "(&(objectClass=posixGroup)(memberUid={}))",
            ldap_escape(uid)
        );
        let groups = self.search(
            conn,
            &layout::ou(&self.base, slug, layout::GROUPS),
            Scope::OneLevel,
            &filter,
        )?;
        Ok(groups.into_iter().filter_map(|g| first(&g, "cn")).collect())
    }

    pub fn add_agent(
        &self,
        slug: &str,
        agent: &AgentRecord,
        password: Option<&str>,
    ) -> Result<Undo, DirectoryError> {
        let dn = layout::agent(&self.base, slug, &agent.uid);
        let mut attrs = vec![
            (
                "objectClass".to_owned(),
                vec![
                    b"top".to_vec(),
                    b"person".to_vec(),
                    b"organizationalPerson".to_vec(),
                    b"inetOrgPerson".to_vec(),
                ],
            ),
            ("uid".to_owned(), text(&agent.uid)),
        ];
        attrs.extend(Self::agent_attrs(agent));
        let mut steps = Vec::new();
        match (password, self.scheme) {
            (Some(p), PasswordScheme::Ssha) => {
                attrs.push(("userPassword".into(), text(&ssha::hash(p))));
                steps.push(add_step(&dn, attrs));
            }
            (Some(p), PasswordScheme::Server) => {
                steps.push(add_step(&dn, attrs));
                // Undone with the entry itself.
                steps.push(self.password_step(&dn, p, &[]));
            }
            (None, _) => steps.push(add_step(&dn, attrs)),
        }
        let mut conn = self.conn()?;
        steps.extend(self.membership_steps(&mut conn, slug, &agent.uid, &agent.groups)?);
        Self::run_on(&mut conn, steps)
    }

    pub fn update_agent(
        &self,
        slug: &str,
        agent: &AgentRecord,
        password: Option<&str>,
    ) -> Result<Undo, DirectoryError> {
        let dn = layout::agent(&self.base, slug, &agent.uid);
        let mut conn = self.conn()?;
        let Some(current) = self.read_entry(&mut conn, &dn)? else {
            return Err(DirectoryError::NoSuchEntry(dn));
        };
        let mut steps: Vec<Step> = replace_step(&dn, &current, Self::agent_attrs(agent))
            .into_iter()
            .collect();
        if let Some(p) = password {
            steps.push(self.password_step(&dn, p, &current));
        }
        steps.extend(self.membership_steps(&mut conn, slug, &agent.uid, &agent.groups)?);
        Self::run_on(&mut conn, steps)
    }

    /// Sets an agent's password and nothing else (a change made to the entry
    /// outside Guichet, a group added there, stays as it is).
    pub fn set_password(
        &self,
        slug: &str,
        uid: &str,
        password: &str,
    ) -> Result<Undo, DirectoryError> {
        let dn = layout::agent(&self.base, slug, uid);
        let mut conn = self.conn()?;
        let Some(current) = self.read_entry(&mut conn, &dn)? else {
            return Err(DirectoryError::NoSuchEntry(dn));
        };
        let step = self.password_step(&dn, password, &current);
        Self::run_on(&mut conn, vec![step])
    }

    /// Setting a password, by the configured scheme; undone by putting back
    /// the hash the entry had (`current`: its attributes now).
    fn password_step(&self, dn: &str, password: &str, current: &[(String, Values)]) -> Step {
        let before: Values = current
            .iter()
            .find(|(a, _)| a.eq_ignore_ascii_case("userPassword"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let inverse = modify(dn, Change::Replace("userPassword".into(), before));
        let forward = match self.scheme {
            PasswordScheme::Server => Op::SetPassword {
                dn: dn.to_owned(),
                password: Secret(password.to_owned()),
            },
            PasswordScheme::Ssha => modify(
                dn,
                Change::Replace("userPassword".into(), text(&ssha::hash(password))),
            ),
        };
        Step { forward, inverse }
    }

    pub fn delete_agent(&self, slug: &str, uid: &str) -> Result<Undo, DirectoryError> {
        let dn = layout::agent(&self.base, slug, uid);
        let mut conn = self.conn()?;
        let Some(current) = self.read_entry(&mut conn, &dn)? else {
            return Err(DirectoryError::NoSuchEntry(dn));
        };
        let mut steps = self.membership_steps(&mut conn, slug, uid, &BTreeSet::new())?;
        steps.push(Step {
            forward: Op::Delete { dn: dn.clone() },
            inverse: Op::Add { dn, attrs: current },
        });
        Self::run_on(&mut conn, steps)
    }

    pub fn verify_password(
        &self,
        slug: &str,
        uid: &str,
        password: &str,
    ) -> Result<bool, DirectoryError> {
        // An empty password would be an anonymous bind, which "succeeds".
        if password.is_empty() {
            return Ok(false);
        }
        let mut conn =
            LdapConn::with_settings(settings(self.starttls), &self.url).map_err(unavailable)?;
        let dn = layout::agent(&self.base, slug, uid);
        let result = conn
            .with_timeout(TIMEOUT)
            .simple_bind(&dn, password)
            .map_err(unavailable)?;
        let _ = conn.unbind();
        match result.rc {
            0 => Ok(true),
            // invalid credentials, no password set (inappropriate auth), no such entry
            32 | 48 | 49 => Ok(false),
            rc => Err(DirectoryError::Refused(format!(
                "{} (code {rc})",
                result.text
            ))),
        }
    }

    fn facility_attrs(f: &FacilityRecord) -> Vec<(String, Values)> {
        vec![
            ("street".into(), optional(&f.address)),
            ("telephoneNumber".into(), optional(&f.phone)),
            ("mail".into(), optional(&f.email)),
            (
                "description".into(),
                text(if f.active { "active" } else { "inactive" }),
            ),
        ]
    }

    pub fn add_facility(&self, slug: &str, f: &FacilityRecord) -> Result<Undo, DirectoryError> {
        let dn = layout::facility(&self.base, slug, f.kind, &f.name);
        let mut attrs = vec![
            (
                "objectClass".to_owned(),
                vec![
                    b"top".to_vec(),
                    b"organization".to_vec(),
                    b"extensibleObject".to_vec(),
                ],
            ),
            ("o".to_owned(), text(&f.name)),
        ];
        attrs.extend(Self::facility_attrs(f));
        self.run(vec![add_step(&dn, attrs)])
    }

    pub fn update_facility(
        &self,
        slug: &str,
        old_name: &str,
        f: &FacilityRecord,
    ) -> Result<Undo, DirectoryError> {
        let old_dn = layout::facility(&self.base, slug, f.kind, old_name);
        let dn = layout::facility(&self.base, slug, f.kind, &f.name);
        let mut conn = self.conn()?;
        let Some(current) = self.read_entry(&mut conn, &old_dn)? else {
            return Err(DirectoryError::NoSuchEntry(old_dn));
        };
        drop(conn);
        let mut steps = Vec::new();
        if old_name.to_lowercase() != f.name.to_lowercase() {
            let rdn = |name: &str| format!("o={}", ldap3::dn_escape(name));
            steps.push(Step {
                forward: Op::Rename {
                    dn: old_dn.clone(),
                    new_rdn: rdn(&f.name),
                },
                inverse: Op::Rename {
                    dn: dn.clone(),
                    new_rdn: rdn(old_name),
                },
            });
        }
        let mut wanted = Self::facility_attrs(f);
        if old_name != f.name {
            wanted.push(("o".into(), text(&f.name)));
        }
        steps.extend(replace_step(&dn, &current, wanted));
        self.run(steps)
    }

    pub fn delete_facility(
        &self,
        slug: &str,
        kind: FacilityKind,
        name: &str,
    ) -> Result<Undo, DirectoryError> {
        let dn = layout::facility(&self.base, slug, kind, name);
        let mut conn = self.conn()?;
        let Some(current) = self.read_entry(&mut conn, &dn)? else {
            return Err(DirectoryError::NoSuchEntry(dn));
        };
        Self::run_on(
            &mut conn,
            vec![Step {
                forward: Op::Delete { dn: dn.clone() },
                inverse: Op::Add { dn, attrs: current },
            }],
        )
    }

    pub fn snapshot(&self, slug: &str) -> Result<Snapshot, DirectoryError> {
        let mut conn = self.conn()?;
        let groups = self.search(
            &mut conn,
            &layout::ou(&self.base, slug, layout::GROUPS),
            Scope::OneLevel,
            "(objectClass=posixGroup)",
        )?;
        let mut memberships: HashMap<String, BTreeSet<String>> = HashMap::new();
        let mut group_records = Vec::new();
        for g in &groups {
            let Some(name) = first(g, "cn") else { continue };
            for uid in g.attrs.get("memberUid").into_iter().flatten() {
                memberships
                    .entry(uid.clone())
                    .or_default()
                    .insert(name.clone());
            }
            group_records.push(GroupRecord {
                label: first(g, "description").unwrap_or_else(|| name.clone()),
                name,
            });
        }
        let people = self.search(
            &mut conn,
            &layout::ou(&self.base, slug, layout::AGENTS),
            Scope::OneLevel,
            "(objectClass=inetOrgPerson)",
        )?;
        let agents = people
            .iter()
            .filter_map(|p| {
                let uid = first(p, "uid")?;
                Some(AgentRecord {
                    groups: memberships.remove(&uid).unwrap_or_default(),
                    first_name: first(p, "givenName").unwrap_or_default(),
                    last_name: first(p, "sn").unwrap_or_default(),
                    email: first(p, "mail").unwrap_or_default(),
                    phone: first(p, "telephoneNumber").unwrap_or_default(),
                    uid,
                })
            })
            .collect();
        let mut facilities = Vec::new();
        for kind in [FacilityKind::School, FacilityKind::RecreationCenter] {
            let entries = self.search(
                &mut conn,
                &layout::ou(&self.base, slug, layout::facilities_ou(kind)),
                Scope::OneLevel,
                "(objectClass=organization)",
            )?;
            facilities.extend(entries.iter().filter_map(|e| {
                Some(FacilityRecord {
                    kind,
                    name: first(e, "o")?,
                    address: first(e, "street").unwrap_or_default(),
                    phone: first(e, "telephoneNumber").unwrap_or_default(),
                    email: first(e, "mail").unwrap_or_default(),
                    active: first(e, "description").as_deref() != Some("inactive"),
                })
            }));
        }
        Ok(Snapshot {
            agents,
            groups: group_records,
            facilities,
        })
    }
}

impl Drop for LdapDirectory {
    /// Each ldap3 connection owns a small runtime, which may not be dropped
    /// on an async executor's thread: the pool is dropped on a thread of its own.
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}
