//! Collectivités (tenants): the registry, and the resolution of a request's
//! host name to the collectivité it serves.
//!
//! [`TenantId`] has no public constructor: a value exists only when this module
//! read it from the registry, so tenant-scoped code cannot be reached with a
//! number taken from a URL or a form.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::{tenant_hosts, tenants};
use crate::{DbConnection, StoreError};
use guichet_domain::host;
use guichet_domain::slug::{Slug, SlugError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(i64);

impl TenantId {
    pub fn get(self) -> i64 {
        self.0
    }

    /// An id the platform read from its own rows (a job's, a session's, a
    /// token's): never one taken from a request, which goes through the
    /// registry's lookups.
    pub fn from_row(id: i64) -> TenantId {
        TenantId(id)
    }
}

impl std::fmt::Display for TenantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TenantState {
    Active,
    Suspended,
}

impl TenantState {
    pub fn as_str(self) -> &'static str {
        match self {
            TenantState::Active => "active",
            TenantState::Suspended => "suspended",
        }
    }

    fn from_db(s: &str) -> TenantState {
        if s == "active" {
            TenantState::Active
        } else {
            TenantState::Suspended
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            TenantState::Active => "active",
            TenantState::Suspended => "suspendue",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub state: TenantState,
    pub host_names: Vec<String>,
    pub postal_address: String,
    pub contact_email: String,
    pub siret: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Its logos and documents, as the pages link them.
    pub appearance: Appearance,
}

/// Which logos and documents a collectivité has: each kind's code with the
/// id of its current file (it changes with the file, so a link carrying it
/// is never served stale from a cache).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Appearance(pub std::collections::BTreeMap<String, i64>);

impl Appearance {
    pub fn stamp(&self, kind: &str) -> Option<i64> {
        self.0.get(kind).copied()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    #[error(transparent)]
    Slug(#[from] SlugError),
    #[error("l’identifiant court « {0} » est déjà pris")]
    SlugTaken(String),
    #[error("le nom de la collectivité doit compter de 1 à 200 caractères, sans caractère de contrôle (retour à la ligne, tabulation)")]
    Name,
    #[error("« {0} » n’est pas un nom d’hôte valide (exemple : mairie.exemple.fr)")]
    InvalidHost(String),
    #[error("« {0} » est réservé au poste de travail : chaque collectivité y a son adresse {{identifiant}}.localhost (la sienne : {1}), qu’il est inutile d’écrire")]
    LocalHost(String, String),
    #[error("le nom d’hôte « {0} » sert déjà une autre collectivité")]
    HostTaken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for TenantError {
    fn from(e: diesel::result::Error) -> Self {
        TenantError::Store(e.into())
    }
}

pub struct NewTenant<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub host_names: &'a [String],
}

/// What can be given or changed of a collectivité besides its slug, already
/// checked (see `provisioning::authorities`).
#[derive(Debug, Clone, Default)]
pub struct Details {
    pub postal_address: String,
    pub contact_email: String,
    pub siret: Option<String>,
}

#[derive(Queryable)]
struct TenantRow {
    id: i64,
    slug: String,
    name: String,
    state: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    postal_address: String,
    contact_email: String,
    siret: Option<String>,
    appearance: String,
}

fn load_hosts(conn: &mut DbConnection, id: i64) -> Result<Vec<String>, StoreError> {
    Ok(tenant_hosts::table
        .filter(tenant_hosts::tenant_id.eq(id))
        .select(tenant_hosts::host)
        .order(tenant_hosts::host)
        .load(conn)?)
}

fn into_tenant(conn: &mut DbConnection, row: TenantRow) -> Result<Tenant, StoreError> {
    Ok(Tenant {
        host_names: load_hosts(conn, row.id)?,
        id: TenantId(row.id),
        slug: row.slug,
        name: row.name,
        state: TenantState::from_db(&row.state),
        postal_address: row.postal_address,
        contact_email: row.contact_email,
        siret: row.siret,
        created_at: row.created_at,
        updated_at: row.updated_at,
        appearance: serde_json::from_str(&row.appearance).unwrap_or_default(),
    })
}

const COLUMNS: (
    tenants::id,
    tenants::slug,
    tenants::name,
    tenants::state,
    tenants::created_at,
    tenants::updated_at,
    tenants::postal_address,
    tenants::contact_email,
    tenants::siret,
    tenants::appearance,
) = (
    tenants::id,
    tenants::slug,
    tenants::name,
    tenants::state,
    tenants::created_at,
    tenants::updated_at,
    tenants::postal_address,
    tenants::contact_email,
    tenants::siret,
    tenants::appearance,
);

/// Bumped after every change to a collectivité's registry entry (host names,
/// name, state) in this process: caches of host resolution compare it.
static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Call after a committed change to a collectivité's entry.
pub fn changed() {
    GENERATION.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

pub fn generation() -> u64 {
    GENERATION.load(std::sync::atomic::Ordering::SeqCst)
}

/// Channel on which PostgreSQL tells of any change to `tenants` or
/// `tenant_hosts` (a trigger's `pg_notify`).
pub const CHANGES_CHANNEL: &str = "guichet_tenants";

/// On PostgreSQL, follows the changes other processes make to the
/// collectivités' entries: a thread of its own listens on
/// [`CHANGES_CHANNEL`] and calls `on_change` (the server gives [`changed`])
/// for each, and once each time it (re)connects, for what it may have
/// missed. On SQLite, one process serves and knows its own changes: nothing.
pub fn follow_changes(
    url: &crate::DatabaseUrl,
    on_change: impl Fn() + Send + 'static,
) -> std::io::Result<()> {
    use diesel::{Connection, RunQueryDsl};
    use std::time::Duration;
    let crate::DatabaseUrl::Postgres(raw) = url else {
        return Ok(());
    };
    let raw = raw.clone();
    std::thread::Builder::new()
        .name("tenant-changes".into())
        .spawn(move || loop {
            let listening = diesel::PgConnection::establish(&raw)
                .map_err(|e| e.to_string())
                .and_then(|mut c| {
                    diesel::sql_query(format!("LISTEN {CHANGES_CHANNEL}"))
                        .execute(&mut c)
                        .map(|_| c)
                        .map_err(|e| e.to_string())
                });
            let mut conn = match listening {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "changements des collectivités : écoute impossible, nouvel essai");
                    std::thread::sleep(Duration::from_secs(2));
                    continue;
                }
            };
            on_change();
            'listening: loop {
                let mut seen = false;
                for notification in conn.notifications_iter() {
                    match notification {
                        Ok(_) => seen = true,
                        Err(e) => {
                            tracing::warn!(error = %e, "changements des collectivités : écoute perdue");
                            break 'listening;
                        }
                    }
                }
                if seen {
                    on_change();
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
        .map(drop)
}

/// The active collectivité served under this `Host` header: a host name given
/// to it, or `{slug}.localhost`. Unknown and suspended ones give `None`.
pub fn resolve_host(
    conn: &mut DbConnection,
    host_header: &str,
) -> Result<Option<Tenant>, StoreError> {
    resolve(conn, host_header, true)
}

/// As [`resolve_host`]; `localhost_names`: whether `{slug}.localhost` counts
/// (on a workstation, not behind a public reverse proxy).
pub fn resolve(
    conn: &mut DbConnection,
    host_header: &str,
    localhost_names: bool,
) -> Result<Option<Tenant>, StoreError> {
    let Some(host) = host::normalize(host_header) else {
        return Ok(None);
    };
    let by_host = tenants::table
        .inner_join(tenant_hosts::table)
        .filter(tenant_hosts::host.eq(&host))
        .select(COLUMNS)
        .first::<TenantRow>(conn)
        .optional()?;
    let row = match by_host {
        Some(row) => Some(row),
        None => match host::localhost_slug(&host).filter(|_| localhost_names) {
            Some(slug) => tenants::table
                .filter(tenants::slug.eq(slug))
                .select(COLUMNS)
                .first::<TenantRow>(conn)
                .optional()?,
            None => None,
        },
    };
    match row {
        Some(row) if row.state == TenantState::Active.as_str() => Ok(Some(into_tenant(conn, row)?)),
        _ => Ok(None),
    }
}

/// A collectivité by id, whatever its state.
pub fn find_by_id(conn: &mut DbConnection, id: TenantId) -> Result<Option<Tenant>, StoreError> {
    let row = tenants::table
        .filter(tenants::id.eq(id.0))
        .select(COLUMNS)
        .first::<TenantRow>(conn)
        .optional()?;
    row.map(|r| into_tenant(conn, r)).transpose()
}

/// A collectivité by its slug, whatever its state (provisioning, commands).
pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> Result<Option<Tenant>, StoreError> {
    let row = tenants::table
        .filter(tenants::slug.eq(slug))
        .select(COLUMNS)
        .first::<TenantRow>(conn)
        .optional()?;
    row.map(|r| into_tenant(conn, r)).transpose()
}

/// The state of a collectivité; `None` when it is gone.
pub fn state_of(conn: &mut DbConnection, id: TenantId) -> Result<Option<TenantState>, StoreError> {
    let state: Option<String> = tenants::table
        .filter(tenants::id.eq(id.get()))
        .select(tenants::state)
        .get_result(conn)
        .optional()?;
    Ok(state.as_deref().map(TenantState::from_db))
}

/// A collectivité's name, as its pages and letters show it.
pub fn name_of(conn: &mut DbConnection, id: TenantId) -> Result<Option<String>, StoreError> {
    Ok(tenants::table
        .filter(tenants::id.eq(id.get()))
        .select(tenants::name)
        .get_result(conn)
        .optional()?)
}

/// Sets what the pages show of a collectivité's appearance (call
/// [`changed`] once committed).
pub fn set_appearance(
    conn: &mut DbConnection,
    id: TenantId,
    appearance: &Appearance,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(appearance).expect("an appearance serialises");
    diesel::update(tenants::table.filter(tenants::id.eq(id.get())))
        .set(tenants::appearance.eq(json))
        .execute(conn)?;
    Ok(())
}

/// Every collectivité's id, for platform jobs that visit each one.
pub fn ids(conn: &mut DbConnection) -> Result<Vec<TenantId>, StoreError> {
    Ok(tenants::table
        .select(tenants::id)
        .order(tenants::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(TenantId)
        .collect())
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<Tenant>, StoreError> {
    let rows = tenants::table
        .select(COLUMNS)
        .order(tenants::name)
        .load::<TenantRow>(conn)?;
    rows.into_iter().map(|r| into_tenant(conn, r)).collect()
}

/// The host names to store for collectivité `slug`: its own
/// `{slug}.localhost`, which it always has, is left out (the pages list it
/// with the others, so it comes back when they are sent again).
fn check_hosts(slug: &str, host_names: &[String]) -> Result<Vec<String>, TenantError> {
    let own = format!("{slug}.localhost");
    let mut hosts: Vec<String> = Vec::new();
    for raw in host_names {
        let h = raw.trim().trim_end_matches('.').to_ascii_lowercase();
        if h == own {
            continue;
        }
        // `*.localhost` names are resolved by slug; a stored one would shadow another collectivité.
        if h == "localhost" || h.ends_with(".localhost") {
            return Err(TenantError::LocalHost(raw.clone(), own));
        }
        if !host::is_valid(&h) {
            return Err(TenantError::InvalidHost(raw.clone()));
        }
        if !hosts.contains(&h) {
            hosts.push(h);
        }
    }
    Ok(hosts)
}

/// Registers a collectivité, active at once. Run it inside a platform
/// transaction, so that a refused host name leaves nothing behind.
pub fn create(conn: &mut DbConnection, new: NewTenant<'_>) -> Result<Tenant, TenantError> {
    let slug = Slug::parse(new.slug)?;
    let name = guichet_domain::contact::label(new.name, 200).map_err(|_| TenantError::Name)?;
    let name = name.as_str();
    let hosts = check_hosts(slug.as_str(), new.host_names)?;
    if find_by_slug(conn, slug.as_str())?.is_some() {
        return Err(TenantError::SlugTaken(slug.to_string()));
    }
    let now = Utc::now().naive_utc();
    let id: i64 = diesel::insert_into(tenants::table)
        .values((
            tenants::slug.eq(slug.as_str()),
            tenants::name.eq(name),
            tenants::state.eq(TenantState::Active.as_str()),
            tenants::created_at.eq(now),
            tenants::updated_at.eq(now),
        ))
        .returning(tenants::id)
        .get_result(conn)
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => TenantError::SlugTaken(slug.to_string()),
            other => other.into(),
        })?;
    set_hosts(conn, TenantId(id), &hosts)?;
    changed();
    find_by_slug(conn, slug.as_str())?.ok_or(TenantError::Store(StoreError::NotFound))
}

/// Replaces the host names of a collectivité.
pub fn set_host_names(
    conn: &mut DbConnection,
    id: TenantId,
    host_names: &[String],
) -> Result<(), TenantError> {
    let slug = find_by_id(conn, id)?
        .map(|t| t.slug)
        .ok_or(TenantError::Store(StoreError::NotFound))?;
    let hosts = check_hosts(&slug, host_names)?;
    diesel::delete(tenant_hosts::table.filter(tenant_hosts::tenant_id.eq(id.0))).execute(conn)?;
    changed();
    set_hosts(conn, id, &hosts)
}

fn set_hosts(conn: &mut DbConnection, id: TenantId, hosts: &[String]) -> Result<(), TenantError> {
    for h in hosts {
        let taken = tenant_hosts::table
            .filter(tenant_hosts::host.eq(h))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if taken {
            return Err(TenantError::HostTaken(h.clone()));
        }
        diesel::insert_into(tenant_hosts::table)
            .values((tenant_hosts::host.eq(h), tenant_hosts::tenant_id.eq(id.0)))
            .execute(conn)
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => TenantError::HostTaken(h.clone()),
                other => other.into(),
            })?;
    }
    Ok(())
}

pub fn set_state(
    conn: &mut DbConnection,
    id: TenantId,
    state: TenantState,
) -> Result<(), StoreError> {
    diesel::update(tenants::table.find(id.0))
        .set((
            tenants::state.eq(state.as_str()),
            tenants::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    changed();
    Ok(())
}

/// Sets the collectivité's postal address, contact e-mail and SIRET.
pub fn set_details(
    conn: &mut DbConnection,
    id: TenantId,
    details: &Details,
) -> Result<(), StoreError> {
    diesel::update(tenants::table.find(id.0))
        .set((
            tenants::postal_address.eq(&details.postal_address),
            tenants::contact_email.eq(&details.contact_email),
            tenants::siret.eq(&details.siret),
            tenants::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Collectivités whose slug or name contains `q` (case and accents ignored).
pub fn search(conn: &mut DbConnection, q: &str) -> Result<Vec<Tenant>, StoreError> {
    let q = guichet_domain::text::fold(q.trim());
    Ok(list(conn)?
        .into_iter()
        .filter(|t| {
            q.is_empty() || t.slug.contains(&q) || guichet_domain::text::fold(&t.name).contains(&q)
        })
        .collect())
}

pub fn rename(conn: &mut DbConnection, id: TenantId, name: &str) -> Result<(), TenantError> {
    let name = guichet_domain::contact::label(name, 200).map_err(|_| TenantError::Name)?;
    let name = name.as_str();
    diesel::update(tenants::table.find(id.0))
        .set((
            tenants::name.eq(name),
            tenants::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    changed();
    Ok(())
}

impl Tenant {
    /// The address people use: its first host name (served over https behind
    /// the reverse proxy), else `{slug}.localhost` on the local listener.
    pub fn public_url(&self, local_port: u16) -> String {
        match self.host_names.first() {
            Some(host) => format!("https://{host}"),
            None => format!("http://{}.localhost:{local_port}", self.slug),
        }
    }
}
