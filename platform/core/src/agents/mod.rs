//! Agents of a collectivité: search, create, edit, delete; in the directory
//! and in the database, in one operation.

pub mod desk;
pub mod groups;
pub mod principal;
pub mod rights;
pub mod sign_in;
pub mod sync;
pub mod uid;

use std::collections::BTreeSet;

use base64::Engine;
use chrono::{Duration, NaiveDateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::{self, Change};
use crate::auth::password;
use crate::directory::change::{invalid, write_both, Checks, Pending};
use crate::directory::{AgentRecord, Directory, DirectoryError, Undo};
use crate::domain::contact;
use crate::error::Error;
use crate::mail::outbox;
use crate::sessions::{self as session, Plane, SessionPrincipal};
use crate::store::repo::agents::{self as rows, AgentFields, AgentRow};
use crate::store::repo::groups::names_of;
use crate::store::{Store, StoreError, TenantTx};
use crate::tenancy::Tenant;
pub use desk::{desk, Desk};
use rights::Profile;

pub use rows::count;

/// Days during which an e-mailed set-password link works.
pub const LINK_DAYS: i64 = 7;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Agent {
    #[serde(skip)]
    pub id: i64,
    pub uid: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub profile: Profile,
    pub groups: Vec<String>,
    #[serde(serialize_with = "crate::domain::time::serde_rfc3339::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::time::serde_rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
}

/// What a form or a JSON body gives for an agent. On update, `uid` must be
/// absent or unchanged, and an absent `password` keeps the current one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentInput {
    pub uid: Option<String>,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    pub profile: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    pub password: Option<String>,
}

/// An agent input that passed every check.
struct Checked {
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
    profile: Profile,
    groups: BTreeSet<String>,
    group_ids: Vec<i64>,
    password: Option<String>,
}

impl Checked {
    fn fields(&self) -> AgentFields<'_> {
        AgentFields {
            first_name: &self.first_name,
            last_name: &self.last_name,
            email: &self.email,
            phone: &self.phone,
        }
    }
}

/// The agents of these rows, with their groups.
fn with_groups(tx: &mut TenantTx<'_>, found: Vec<AgentRow>) -> Result<Vec<Agent>, StoreError> {
    let ids: Vec<i64> = found.iter().map(|r| r.id).collect();
    let mut groups_of = names_of(tx, &ids)?;
    Ok(found
        .into_iter()
        .map(|r| Agent {
            groups: groups_of.remove(&r.id).unwrap_or_default(),
            id: r.id,
            uid: r.uid,
            first_name: r.first_name,
            last_name: r.last_name,
            email: r.email,
            phone: r.phone,
            profile: Profile::parse(&r.profile).unwrap_or(Profile::Agent),
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

/// Agents whose uid, first name or last name starts with `q` (case and
/// accents ignored); all of them for an empty `q`. Sorted by name.
pub fn search(tx: &mut TenantTx<'_>, q: &str, limit: i64) -> Result<Vec<Agent>, StoreError> {
    let found = rows::search(tx, q, limit)?;
    with_groups(tx, found)
}

pub fn get(tx: &mut TenantTx<'_>, uid: &str) -> Result<Option<Agent>, StoreError> {
    let row = rows::get(tx, uid)?;
    Ok(with_groups(tx, row.into_iter().collect())?.pop())
}

/// An agent by row id (a session's principal).
pub fn get_by_id(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<Agent>, StoreError> {
    let row = rows::get_by_id(tx, id)?;
    Ok(with_groups(tx, row.into_iter().collect())?.pop())
}

fn check(tx: &mut TenantTx<'_>, input: &AgentInput) -> Result<Checked, Error> {
    let mut c = Checks::default();
    let first_name = c.take("first_name", contact::person_name(&input.first_name));
    let last_name = c.take("last_name", contact::person_name(&input.last_name));
    let email = c.take("email", contact::email(&input.email));
    let phone = c.take("phone", contact::phone(&input.phone));
    let mut profile = match input.profile.as_deref() {
        None => Profile::Agent,
        Some(p) => Profile::parse(p).unwrap_or_else(|| {
            c.add("profile", "profil inconnu : agent, manager ou admin");
            Profile::Agent
        }),
    };
    let known = groups::list(tx)?;
    let mut wanted = BTreeSet::new();
    let mut group_ids = Vec::new();
    // The role « administrateur » and the group `admin` are one thing.
    let mut asked = input.groups.clone();
    if asked.iter().any(|g| g == groups::ADMIN) {
        profile = Profile::Admin;
    } else if profile == Profile::Admin {
        asked.push(groups::ADMIN.to_owned());
    }
    for g in &asked {
        match known.iter().find(|(_, name, _)| name == g) {
            Some((id, name, _)) => {
                if wanted.insert(name.clone()) {
                    group_ids.push(*id);
                }
            }
            None => c.add("groups", format!("groupe inconnu : « {g} »")),
        }
    }
    if let Some(p) = &input.password {
        c.take("password", password::check_strength(p));
    }
    c.finish()?;
    Ok(Checked {
        first_name,
        last_name,
        email,
        phone,
        profile,
        groups: wanted,
        group_ids,
        password: input.password.clone(),
    })
}

fn record(uid: &str, c: &Checked) -> AgentRecord {
    AgentRecord {
        uid: uid.to_owned(),
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        groups: c.groups.clone(),
    }
}

fn taken_message(uid: &str) -> String {
    format!("l’identifiant « {uid} » est déjà pris dans cette collectivité")
}

/// The outcome of a creation: the agent, and whether a link to choose a
/// password was e-mailed (no password given).
#[derive(Debug, Clone, Serialize)]
pub struct Created {
    #[serde(flatten)]
    pub agent: Agent,
    pub password_link_sent: bool,
}

pub fn create(
    store: &Store,
    directory: &Directory,
    tenant: &Tenant,
    actor: &str,
    link_base: &str,
    input: AgentInput,
) -> Result<Created, Error> {
    if directory.is_builtin() {
        return write_both(store, directory, tenant.id, |tx, pending| {
            create_in(tx, pending, tenant, actor, link_base, input.clone())
        });
    }
    // With LDAP: checks in a read transaction, the LDAP add outside any
    // database transaction (the add itself guarantees the uid is unique), then
    // the rows; concurrent creations thus overlap their LDAP round trips.
    let (checked, explicit) = store.read(tenant.id, |tx| {
        let checked = check(tx, &input)?;
        let explicit = explicit_uid(&input, |u| Ok(rows::uid_taken(tx, u)?))?;
        Ok::<_, Error>((checked, explicit))
    })?;
    let (uid, undo) = add_to_directory(directory, &tenant.slug, explicit, &checked, |c| {
        Ok(store.read(tenant.id, |tx| rows::uid_taken(tx, c))?)
    })?;
    let result = store.write(tenant.id, |tx| {
        insert_rows(tx, tenant, actor, link_base, &uid, &checked, false)
    });
    if result.is_err() {
        directory.undo(undo);
    }
    result
}

/// Creation inside a transaction already opened (a new collectivité's first admin).
pub fn create_in(
    tx: &mut TenantTx<'_>,
    pending: &mut Pending<'_>,
    tenant: &Tenant,
    actor: &str,
    link_base: &str,
    input: AgentInput,
) -> Result<Created, Error> {
    let checked = check(tx, &input)?;
    let explicit = explicit_uid(&input, |u| Ok(rows::uid_taken(tx, u)?))?;
    let directory = pending.directory();
    let (uid, undo) = add_to_directory(directory, &tenant.slug, explicit, &checked, |c| {
        Ok(rows::uid_taken(tx, c)?)
    })?;
    pending.apply(Ok(undo))?;
    let builtin = pending.directory().is_builtin();
    insert_rows(tx, tenant, actor, link_base, &uid, &checked, builtin)
}

/// The uid given by hand, checked and free in the database; `None` when it
/// is to be generated.
fn explicit_uid(
    input: &AgentInput,
    mut taken: impl FnMut(&str) -> Result<bool, Error>,
) -> Result<Option<String>, Error> {
    match input.uid.as_deref() {
        Some(u) if !u.is_empty() => {
            uid::check(u).map_err(|m| invalid("uid", m))?;
            if taken(u)? {
                return Err(Error::Conflict(taken_message(u)));
            }
            Ok(Some(u.to_owned()))
        }
        _ => Ok(None),
    }
}

/// Adds the agent to the directory under the given uid, or under the first
/// `prenom.nom[N]` free in the database and the directory: a generated uid
/// that the directory already holds (another writer, or an entry added outside
/// Guichet) gives way to the next number.
fn add_to_directory(
    directory: &Directory,
    slug: &str,
    explicit: Option<String>,
    checked: &Checked,
    mut taken_in_db: impl FnMut(&str) -> Result<bool, Error>,
) -> Result<(String, Undo), Error> {
    let base = uid::base(&checked.first_name, &checked.last_name);
    if explicit.is_none() && uid::check(&base).is_err() {
        return Err(invalid(
            "uid",
            "impossible de former un identifiant à partir de ces nom et prénom : indiquez-en un",
        ));
    }
    let mut lost: Vec<String> = Vec::new();
    loop {
        let uid = match &explicit {
            Some(u) => u.clone(),
            None => uid::first_free(&base, |candidate| {
                Ok::<_, Error>(lost.iter().any(|l| l == candidate) || taken_in_db(candidate)?)
            })?,
        };
        let result = directory.add_agent(slug, &record(&uid, checked), checked.password.as_deref());
        match result {
            Ok(undo) => return Ok((uid, undo)),
            Err(DirectoryError::AlreadyExists(_)) if explicit.is_none() && lost.len() < 100 => {
                lost.push(uid);
            }
            Err(DirectoryError::AlreadyExists(_)) => {
                return Err(Error::Conflict(taken_message(&uid)))
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The database rows of a new agent, its set-password link if no password
/// was given, and the audit event.
fn insert_rows(
    tx: &mut TenantTx<'_>,
    tenant: &Tenant,
    actor: &str,
    link_base: &str,
    uid: &str,
    checked: &Checked,
    builtin: bool,
) -> Result<Created, Error> {
    let password_hash = match (&checked.password, builtin) {
        (Some(p), true) => Some(password::hash(p)),
        _ => None,
    };
    let id = rows::insert(
        tx,
        uid,
        &checked.fields(),
        checked.profile.as_str(),
        password_hash.as_deref(),
    )
    .map_err(|e| match e {
        StoreError::Conflict(_) => Error::Conflict(taken_message(uid)),
        other => other.into(),
    })?;
    groups::set_members_of(tx, id, &checked.group_ids)?;
    let agent = get(tx, uid)?.ok_or(Error::NotFound)?;
    let link_sent = checked.password.is_none();
    if link_sent {
        send_password_link(tx, tenant, &agent, link_base, LinkReason::NewAccount)?;
    }
    audit::record(
        tx,
        Change {
            actor,
            action: "agent.create",
            object_type: "agent",
            object_id: uid,
            before: None,
            after: Some(audit_view(&agent)),
        },
    )?;
    Ok(Created {
        agent,
        password_link_sent: link_sent,
    })
}

fn is_referential_admin(agent: &Agent) -> bool {
    agent.groups.iter().any(|g| g == groups::REFERENTIAL_ADMIN)
}

fn audit_view(agent: &Agent) -> serde_json::Value {
    serde_json::to_value(agent).unwrap_or_default()
}

pub fn update(
    store: &Store,
    directory: &Directory,
    tenant: &Tenant,
    actor: &str,
    uid: &str,
    input: AgentInput,
) -> Result<Agent, Error> {
    // Hashed before the transaction: argon2 must not hold the write lock.
    let new_hash = match (&input.password, directory.is_builtin()) {
        (Some(p), true) if password::check_strength(p).is_ok() => Some(password::hash(p)),
        _ => None,
    };
    write_both(store, directory, tenant.id, |tx, pending| {
        // Concurrent changes of one agent take turns: the directory steps are
        // planned from what the entry is once this one holds the row.
        tx.lock_rows("agents", "uid", uid)?;
        let before = get(tx, uid)?.ok_or(Error::NotFound)?;
        // Absent, empty or the same: fine; another one conflicts with the agent's.
        if input
            .uid
            .as_deref()
            .is_some_and(|u| !u.is_empty() && u != uid)
        {
            return Err(Error::Conflict(
                "l’identifiant d’un agent ne peut pas être modifié : créez un autre agent".into(),
            ));
        }
        let checked = check(tx, &input)?;
        let builtin = pending.directory().is_builtin();
        let result = pending.directory().update_agent(
            &tenant.slug,
            &record(uid, &checked),
            checked.password.as_deref(),
        );
        pending.apply(result)?;

        rows::update(
            tx,
            before.id,
            &checked.fields(),
            Some(checked.profile.as_str()),
        )?;
        if let (Some(hash), true) = (&new_hash, builtin) {
            rows::set_password_hash(tx, before.id, hash)?;
        }
        groups::set_members_of(tx, before.id, &checked.group_ids)?;
        let after = get(tx, uid)?.ok_or(Error::NotFound)?;
        let who = SessionPrincipal::agent(tx.tenant(), before.id);
        if checked.password.is_some() {
            session::revoke(tx.conn(), &who, None)?;
        } else if is_referential_admin(&before) && !is_referential_admin(&after) {
            session::revoke(tx.conn(), &who, Some(Plane::Provisioning))?;
        }
        audit::record(
            tx,
            Change {
                actor,
                action: "agent.update",
                object_type: "agent",
                object_id: uid,
                before: Some(audit_view(&before)),
                after: Some(audit_view(&after)),
            },
        )?;
        Ok(after)
    })
}

pub fn delete(
    store: &Store,
    directory: &Directory,
    tenant: &Tenant,
    actor: &str,
    uid: &str,
) -> Result<(), Error> {
    write_both(store, directory, tenant.id, |tx, pending| {
        tx.lock_rows("agents", "uid", uid)?;
        let before = get(tx, uid)?.ok_or(Error::NotFound)?;
        let result = pending.directory().delete_agent(&tenant.slug, uid);
        match result {
            // Already gone from the directory (removed outside Guichet): the
            // mirror follows.
            Err(crate::directory::DirectoryError::NoSuchEntry(_)) => {}
            other => pending.apply(other)?,
        }
        rows::delete(tx, before.id)?;
        let who = SessionPrincipal::agent(tx.tenant(), before.id);
        session::revoke(tx.conn(), &who, None)?;
        audit::record(
            tx,
            Change {
                actor,
                action: "agent.delete",
                object_type: "agent",
                object_id: uid,
                before: Some(audit_view(&before)),
                after: None,
            },
        )?;
        Ok(())
    })
}

fn digest(token: &str) -> String {
    let d = Sha256::digest(token.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a set-password link is mailed.
#[derive(Clone, Copy)]
enum LinkReason {
    NewAccount,
    Renewed,
}

/// The e-mail with a link to choose a password.
#[derive(serde::Serialize)]
struct PasswordLink {
    collectivite: String,
    first_name: String,
    renewed: bool,
    uid: String,
    days: i64,
    link: String,
}

impl crate::mail::Email for PasswordLink {
    const NAME: &'static str = "agents/mails/password_link.hbs";
    const TEMPLATE: &'static str = include_str!("mails/password_link.hbs");
}

/// Queues the e-mail with a link to choose a password, valid [`LINK_DAYS`] days.
fn send_password_link(
    tx: &mut TenantTx<'_>,
    tenant: &Tenant,
    agent: &Agent,
    link_base: &str,
    reason: LinkReason,
) -> Result<(), Error> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    rows::insert_password_token(
        tx,
        &digest(&token),
        agent.id,
        Utc::now().naive_utc() + Duration::days(LINK_DAYS),
    )?;
    let email = PasswordLink {
        collectivite: tenant.name.clone(),
        first_name: agent.first_name.clone(),
        renewed: matches!(reason, LinkReason::Renewed),
        uid: agent.uid.clone(),
        days: LINK_DAYS,
        link: format!("{link_base}/backoffice/mot-de-passe/{token}"),
    };
    outbox::send_secret(tx, &agent.email, &email).map_err(|e| match e {
        outbox::OutboxError::Store(s) => Error::Store(s),
        other => invalid("email", other),
    })?;
    Ok(())
}

/// Mails the agent a new link to choose a password (lost or expired mail);
/// the links sent before stop working. Returns the agent, with the address used.
pub fn renew_password_link(
    store: &Store,
    tenant: &Tenant,
    actor: &str,
    uid: &str,
    link_base: &str,
) -> Result<Agent, Error> {
    store.write(tenant.id, |tx| {
        let agent = get(tx, uid)?.ok_or(Error::NotFound)?;
        rows::delete_password_tokens(tx, agent.id)?;
        send_password_link(tx, tenant, &agent, link_base, LinkReason::Renewed)?;
        audit::record(
            tx,
            Change {
                actor,
                action: "agent.password-link",
                object_type: "agent",
                object_id: uid,
                before: None,
                after: Some(serde_json::json!({ "sent_to": agent.email })),
            },
        )?;
        Ok(agent)
    })
}

/// The agent a set-password link was made for, if it is valid.
pub fn agent_for_link(tx: &mut TenantTx<'_>, token: &str) -> Result<Option<Agent>, StoreError> {
    let Some((agent_id, expires_at)) = rows::password_token(tx, &digest(token))? else {
        return Ok(None);
    };
    if expires_at < Utc::now().naive_utc() {
        return Ok(None);
    }
    get_by_id(tx, agent_id)
}

/// Sets the password chosen through an e-mailed link, and spends the link.
pub fn set_password_with_link(
    store: &Store,
    directory: &Directory,
    tenant: &Tenant,
    token: &str,
    new_password: &str,
) -> Result<Agent, Error> {
    password::check_strength(new_password).map_err(|e| invalid("password", e))?;
    let new_hash = directory.is_builtin().then(|| password::hash(new_password));
    write_both(store, directory, tenant.id, |tx, pending| {
        let agent = agent_for_link(tx, token)?.ok_or(Error::NotFound)?;
        // The password only: the rest of the entry may have changed in the
        // directory since the mirror was last read.
        let result = pending
            .directory()
            .set_password(&tenant.slug, &agent.uid, new_password);
        pending.apply(result)?;
        if let Some(hash) = &new_hash {
            rows::set_password_hash(tx, agent.id, hash)?;
        }
        // A new password ends every session opened with the old one.
        let who = SessionPrincipal::agent(tx.tenant(), agent.id);
        session::revoke(tx.conn(), &who, None)?;
        rows::delete_password_tokens(tx, agent.id)?;
        audit::record(
            tx,
            Change {
                actor: &agent.uid,
                action: "agent.password",
                object_type: "agent",
                object_id: &agent.uid,
                before: None,
                after: None,
            },
        )?;
        Ok(agent)
    })
}

/// Checks an agent's password: by binding to the LDAP server, or against the
/// built-in directory's hash. With the fallback configured, each successful
/// bind keeps a hash of the password in the database, checked instead while
/// the server cannot be reached (and only then).
pub fn check_password(
    store: &Store,
    directory: &Directory,
    tenant: &Tenant,
    uid: &str,
    given: &str,
) -> Result<bool, Error> {
    let stored = store.read(tenant.id, |tx| rows::password_hash(tx, uid))?;
    match (stored, directory.verify_password(&tenant.slug, uid, given)) {
        // An unknown uid binds all the same (and fails): same cost, same answer.
        (Some(kept), Some(Ok(true))) => {
            if directory.has_fallback()
                && !kept.as_deref().is_some_and(|h| password::verify(given, h))
            {
                let (uid, hash) = (uid.to_owned(), password::hash(given));
                store.write(tenant.id, move |tx| match rows::id_of(tx, &uid)? {
                    Some(id) => rows::set_password_hash(tx, id, &hash),
                    None => Ok(()),
                })?;
            }
            Ok(true)
        }
        (stored, Some(Err(DirectoryError::Unavailable(detail)))) if directory.has_fallback() => {
            tracing::warn!(%detail, tenant = %tenant.id, "annuaire injoignable : mot de passe vérifié sur la dernière connexion réussie");
            Ok(password::verify_or_dummy(
                given,
                stored.flatten().as_deref(),
            ))
        }
        (stored, Some(result)) => Ok(result? && stored.is_some()),
        (stored, None) => Ok(password::verify_or_dummy(
            given,
            stored.flatten().as_deref(),
        )),
    }
}

/// The agent of this collectivité with this uid and password, for the back
/// office's sign-in; `None` when they do not match. The check runs outside
/// any transaction.
pub fn authenticate(
    store: &Store,
    directory: &Directory,
    tenant: &Tenant,
    uid: &str,
    given: &str,
) -> Result<Option<Agent>, Error> {
    if !check_password(store, directory, tenant, uid, given)? {
        return Ok(None);
    }
    Ok(store.read(tenant.id, |tx| get(tx, uid))?)
}

/// For a login that names no referential admin: spends the time a check of
/// a known one would, so that the answer's delay reveals nothing.
pub fn check_unknown(directory: &Directory, slug: &str, uid: &str, given: &str) {
    match directory.verify_password(slug, uid, given) {
        Some(_) => {}
        None => {
            password::verify_or_dummy(given, None);
        }
    }
}

/// The mirror row of an agent as the directory holds it: written by the
/// reconciliation, for agents added or changed outside Guichet.
pub(super) fn mirror(
    tx: &mut TenantTx<'_>,
    existing: Option<i64>,
    record: &AgentRecord,
) -> Result<(), StoreError> {
    let fields = AgentFields {
        first_name: &record.first_name,
        last_name: &record.last_name,
        email: &record.email,
        phone: &record.phone,
    };
    let id = match existing {
        Some(id) => {
            rows::update(tx, id, &fields, None)?;
            id
        }
        None => rows::insert(tx, &record.uid, &fields, Profile::Agent.as_str(), None)?,
    };
    let known = groups::list(tx)?;
    let ids: Vec<i64> = known
        .iter()
        .filter(|(_, name, _)| record.groups.contains(name))
        .map(|(id, _, _)| *id)
        .collect();
    groups::set_members_of(tx, id, &ids)
}

// Removes an agent's mirror row (gone from the directory).
pub(super) use rows::delete as unmirror;

impl Agent {
    /// The agent as the directory would hold it.
    pub fn record(&self) -> AgentRecord {
        AgentRecord {
            uid: self.uid.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            groups: self.groups.iter().cloned().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::mail::template::check;

    #[test]
    fn the_password_link_email_says_why_it_comes() {
        for renewed in [false, true] {
            let written = check(&super::PasswordLink {
                collectivite: "Arles".into(),
                first_name: "Zoé".into(),
                renewed,
                uid: "zoe.martin".into(),
                days: super::LINK_DAYS,
                link: "https://arles.example/backoffice/mot-de-passe/abc".into(),
            });
            assert_eq!(written.subject, "Votre compte d’agent — Arles");
            assert!(written.body.starts_with("Bonjour Zoé,\n\n"));
            assert!(written.body.contains("Votre identifiant : zoe.martin\n"));
            assert!(written
                .body
                .contains("(valable 7 jours) :\nhttps://arles.example/"));
            assert_eq!(written.body.contains("Les liens reçus auparavant"), renewed);
        }
    }
}
