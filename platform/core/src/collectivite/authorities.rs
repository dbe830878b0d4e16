//! Collectivités, as the super-admin manages them: creation (registry entry,
//! directory branch, groups, catalogue and first referential admin, in one
//! operation), details, suspension.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::agents::groups;
use crate::agents::{self, AgentInput, Created};
use crate::audit::{self, Change};
use crate::catalogue::categories;
use crate::directory::change::invalid;
use crate::directory::change::Checks;
use crate::directory::change::Pending;
use crate::directory::{Directory, DirectoryError};
use crate::domain::contact;
use crate::error::Error;
use crate::store::{Store, TenantTx};
use crate::tenancy::{self, Details, NewTenant, Tenant, TenantError, TenantState};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorityInput {
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub host_names: Vec<String>,
    #[serde(default)]
    pub postal_address: String,
    #[serde(default)]
    pub contact_email: String,
    pub siret: Option<String>,
    /// The first referential admin.
    pub admin: Option<AgentInput>,
}

/// A partial change: absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorityPatch {
    pub name: Option<String>,
    pub host_names: Option<Vec<String>>,
    pub postal_address: Option<String>,
    pub contact_email: Option<String>,
    pub siret: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuthorityView {
    pub slug: String,
    pub name: String,
    pub host_names: Vec<String>,
    pub postal_address: String,
    pub contact_email: String,
    pub siret: Option<String>,
    pub state: TenantState,
    #[serde(serialize_with = "crate::domain::time::serde_rfc3339::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::time::serde_rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
}

pub fn view(t: &Tenant) -> AuthorityView {
    AuthorityView {
        slug: t.slug.clone(),
        name: t.name.clone(),
        host_names: t.host_names.clone(),
        postal_address: t.postal_address.clone(),
        contact_email: t.contact_email.clone(),
        siret: t.siret.clone(),
        state: t.state,
        created_at: t.created_at,
        updated_at: t.updated_at,
    }
}

fn check_details(
    c: &mut Checks,
    postal_address: &str,
    contact_email: &str,
    siret: Option<&str>,
) -> Details {
    Details {
        postal_address: c.take("postal_address", contact::free_text(postal_address, 500)),
        contact_email: c.take("contact_email", contact::optional_email(contact_email)),
        siret: match siret.map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(c.take("siret", contact::siret(s))),
        },
    }
}

fn tenant_error(e: TenantError) -> Error {
    match e {
        TenantError::Slug(m) => invalid("slug", m),
        TenantError::SlugTaken(_) => Error::Conflict(e.to_string()),
        TenantError::Name => invalid("name", e),
        TenantError::InvalidHost(_) | TenantError::LocalHost(..) => invalid("host_names", e),
        TenantError::HostTaken(_) => Error::Conflict(e.to_string()),
        TenantError::Store(s) => Error::Store(s),
    }
}

/// Creates a collectivité with its directory branch, groups, catalogue of
/// téléservices and first referential admin. `local_port` builds the link
/// e-mailed to the admin when no password is given.
pub fn create(
    store: &Store,
    directory: &Directory,
    actor: &str,
    local_port: u16,
    input: AuthorityInput,
) -> Result<(Tenant, Created), Error> {
    let mut c = Checks::default();
    // Slug and name are checked again on insertion; here, to report every
    // error at once.
    c.take(
        "slug",
        crate::domain::slug::Slug::parse(&input.slug).map(|_| ()),
    );
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        c.add("name", TenantError::Name);
    }
    let details = check_details(
        &mut c,
        &input.postal_address,
        &input.contact_email,
        input.siret.as_deref(),
    );
    if input.admin.is_none() {
        c.add(
            "admin",
            "le premier administrateur du référentiel est obligatoire",
        );
    }
    c.finish()?;
    // The first admin administers both the référentiel and the back office:
    // they set up the agents, then the téléservices.
    let mut admin = input.admin.clone().unwrap_or_default();
    for g in [groups::REFERENTIAL_ADMIN, groups::ADMIN] {
        if !admin.groups.iter().any(|have| have == g) {
            admin.groups.push(g.to_owned());
        }
    }

    let mut pending = Pending::new(directory);
    let result = store.platform_write(|conn| {
        let tenant = tenancy::create(
            conn,
            NewTenant {
                slug: &input.slug,
                name: &input.name,
                host_names: &input.host_names,
            },
        )
        .map_err(tenant_error)?;
        tenancy::set_details(conn, tenant.id, &details)?;
        let tenant =
            tenancy::find_by_slug(conn, &tenant.slug)?.ok_or(Error::NotFound)?;
        let mut tx = TenantTx::enter(conn, tenant.id)?;
        let builtin = groups::builtin();
        let branch = pending
            .directory()
            .create_branch(&tenant.slug, &tenant.name, &builtin);
        pending.apply(branch).map_err(|e| match e {
            Error::Directory(DirectoryError::AlreadyExists(dn)) => {
                tracing::warn!(%dn, "branche déjà présente dans l’annuaire");
                Error::Conflict(format!(
                    "l’annuaire a déjà une branche pour « {} » : retirez-la de l’annuaire, ou choisissez un autre identifiant court",
                    tenant.slug
                ))
            }
            other => other,
        })?;
        for g in &builtin {
            groups::insert(&mut tx, g)?;
        }
        categories::seed_catalogue(&mut tx)?;
        audit::record(
            &mut tx,
            Change {
                actor,
                action: "local-authority.create",
                object_type: "local-authority",
                object_id: &tenant.slug,
                before: None,
                after: Some(serde_json::to_value(view(&tenant)).unwrap_or_default()),
            },
        )?;
        // A super-admin's action: in the platform's trail too.
        audit::record_platform(
            tx.conn(),
            actor,
            "local-authority.create",
            "local-authority",
            &tenant.slug,
            None,
        )?;
        let link_base = tenant.public_url(local_port);
        let created = agents::create_in(&mut tx, &mut pending, &tenant, actor, &link_base, admin)
            .map_err(|e| match e {
            Error::Invalid(errors) => Error::Invalid(
                errors
                    .into_iter()
                    .map(|mut f| {
                        f.field = format!("admin.{}", f.field);
                        f
                    })
                    .collect(),
            ),
            other => other,
        })?;
        Ok((tenant, created))
    });
    match &result {
        Ok(_) => tenancy::changed(),
        Err(_) => pending.revert(),
    }
    result
}

/// Applies a partial change to a collectivité's registry entry (and the name
/// of its directory branch).
pub fn update(
    store: &Store,
    directory: &Directory,
    actor: &str,
    slug: &str,
    patch: AuthorityPatch,
) -> Result<Tenant, Error> {
    let mut pending = Pending::new(directory);
    let result = store.platform_write(|conn| {
        let before = tenancy::find_by_slug(conn, slug)?.ok_or(Error::NotFound)?;
        let mut c = Checks::default();
        let details = check_details(
            &mut c,
            patch
                .postal_address
                .as_deref()
                .unwrap_or(&before.postal_address),
            patch
                .contact_email
                .as_deref()
                .unwrap_or(&before.contact_email),
            match &patch.siret {
                Some(s) => Some(s.as_str()),
                None => before.siret.as_deref(),
            },
        );
        let state = match patch.state.as_deref() {
            None => before.state,
            Some("active") => TenantState::Active,
            Some("suspended") => TenantState::Suspended,
            Some(other) => {
                c.add(
                    "state",
                    format!("état inconnu : « {other} » (attendu : active ou suspended)"),
                );
                before.state
            }
        };
        c.finish()?;
        if let Some(name) = &patch.name {
            tenancy::rename(conn, before.id, name).map_err(tenant_error)?;
        }
        if let Some(hosts) = &patch.host_names {
            tenancy::set_host_names(conn, before.id, hosts).map_err(tenant_error)?;
        }
        tenancy::set_details(conn, before.id, &details)?;
        if state != before.state {
            tenancy::set_state(conn, before.id, state)?;
        }
        let after = tenancy::find_by_slug(conn, slug)?.ok_or(Error::NotFound)?;
        if after.name != before.name {
            let renamed = pending.directory().rename_branch(slug, &after.name);
            pending.apply(renamed)?;
        }
        let mut tx = TenantTx::enter(conn, before.id)?;
        audit::record(
            &mut tx,
            Change {
                actor,
                action: "local-authority.update",
                object_type: "local-authority",
                object_id: slug,
                before: Some(serde_json::to_value(view(&before)).unwrap_or_default()),
                after: Some(serde_json::to_value(view(&after)).unwrap_or_default()),
            },
        )?;
        audit::record_platform(
            tx.conn(),
            actor,
            "local-authority.update",
            "local-authority",
            slug,
            Some(serde_json::json!({ "state": after.state.as_str() })),
        )?;
        Ok(after)
    });
    match &result {
        Ok(_) => tenancy::changed(),
        Err(_) => pending.revert(),
    }
    result
}
