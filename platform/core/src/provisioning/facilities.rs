//! Écoles and centres de loisirs of a collectivité, in the directory and the
//! database. The directory names them by name, so two of one kind cannot share
//! a name (case ignored).

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{write_both, Checks, ProvisioningError};
use crate::audit::{self, Change};
use crate::directory::{Directory, DirectoryError, FacilityKind, FacilityRecord};
use crate::domain::contact;
use crate::domain::text::{fold, like_prefix};
use crate::store::schema::facilities;
use crate::store::{Store, StoreError, TenantTx};
use crate::tenancy::Tenant;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Queryable)]
pub struct Facility {
    pub id: i64,
    #[serde(skip)]
    pub kind: String,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub active: bool,
    #[serde(serialize_with = "crate::domain::time::serde_rfc3339::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::time::serde_rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
}

impl Facility {
    fn record(&self, kind: FacilityKind) -> FacilityRecord {
        FacilityRecord {
            kind,
            name: self.name.clone(),
            address: self.address.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            active: self.active,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilityInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    pub active: Option<bool>,
}

const COLUMNS: (
    facilities::id,
    facilities::kind,
    facilities::name,
    facilities::address,
    facilities::phone,
    facilities::email,
    facilities::active,
    facilities::created_at,
    facilities::updated_at,
) = (
    facilities::id,
    facilities::kind,
    facilities::name,
    facilities::address,
    facilities::phone,
    facilities::email,
    facilities::active,
    facilities::created_at,
    facilities::updated_at,
);

/// Those whose name starts with `q`, or has a word starting with it (case
/// and accents ignored); all for an empty `q`.
pub fn search(
    tx: &mut TenantTx<'_>,
    kind: FacilityKind,
    q: &str,
) -> Result<Vec<Facility>, StoreError> {
    let tenant = tx.tenant_key();
    let q = fold(q.trim());
    let mut query = facilities::table
        .filter(facilities::tenant_id.eq(tenant))
        .filter(facilities::kind.eq(kind.as_str()))
        .select(COLUMNS)
        .order(facilities::name_key)
        .into_boxed();
    if !q.is_empty() {
        let word = format!("% {}", like_prefix(&q));
        query = query.filter(
            facilities::name_key
                .like(like_prefix(&q))
                .escape('\\')
                .or(facilities::name_key.like(word).escape('\\')),
        );
    }
    Ok(query.load(tx.conn())?)
}

pub fn get(
    tx: &mut TenantTx<'_>,
    kind: FacilityKind,
    id: i64,
) -> Result<Option<Facility>, StoreError> {
    let tenant = tx.tenant_key();
    Ok(facilities::table
        .filter(facilities::tenant_id.eq(tenant))
        .filter(facilities::kind.eq(kind.as_str()))
        .filter(facilities::id.eq(id))
        .select(COLUMNS)
        .first(tx.conn())
        .optional()?)
}

fn check(kind: FacilityKind, input: &FacilityInput) -> Result<FacilityRecord, ProvisioningError> {
    let mut c = Checks::default();
    let record = FacilityRecord {
        kind,
        name: c.take("name", contact::label(&input.name, 150)),
        address: c.take("address", contact::free_text(&input.address, 500)),
        phone: c.take("phone", contact::phone(&input.phone)),
        email: c.take("email", contact::optional_email(&input.email)),
        active: input.active.unwrap_or(true),
    };
    c.finish()?;
    Ok(record)
}

fn name_key(name: &str) -> String {
    fold(name)
}

fn name_taken(kind: FacilityKind, name: &str) -> ProvisioningError {
    ProvisioningError::Conflict(match kind {
        FacilityKind::School => format!("une école nommée « {name} » existe déjà"),
        FacilityKind::RecreationCenter => {
            format!("un centre de loisirs nommé « {name} » existe déjà")
        }
    })
}

fn taken_by_other(
    tx: &mut TenantTx<'_>,
    kind: FacilityKind,
    name: &str,
    except: Option<i64>,
) -> Result<bool, StoreError> {
    let tenant = tx.tenant_key();
    let mut q = facilities::table
        .filter(facilities::tenant_id.eq(tenant))
        .filter(facilities::kind.eq(kind.as_str()))
        .filter(facilities::name_key.eq(name_key(name)))
        .select(facilities::id)
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(facilities::id.ne(id));
    }
    Ok(q.first::<i64>(tx.conn()).optional()?.is_some())
}

fn audit_view(f: &Facility) -> serde_json::Value {
    serde_json::to_value(f).unwrap_or_default()
}

fn object_type(kind: FacilityKind) -> &'static str {
    kind.as_str()
}

pub fn create(
    store: &Store,
    directory: &Directory,
    tenant: &Tenant,
    actor: &str,
    kind: FacilityKind,
    input: FacilityInput,
) -> Result<Facility, ProvisioningError> {
    let record = check(kind, &input)?;
    write_both(store, directory, tenant.id, |tx, pending| {
        if taken_by_other(tx, kind, &record.name, None)? {
            return Err(name_taken(kind, &record.name));
        }
        let result = pending.directory().add_facility(&tenant.slug, &record);
        pending.apply(result).map_err(|e| match e {
            ProvisioningError::Directory(DirectoryError::AlreadyExists(_)) => {
                name_taken(kind, &record.name)
            }
            other => other,
        })?;
        let id = tx.next_id()?;
        insert(tx, id, &record)?;
        let created = get(tx, kind, id)?.ok_or(ProvisioningError::NotFound)?;
        audit::record(
            tx,
            Change {
                actor,
                action: &format!("{}.create", kind.as_str()),
                object_type: object_type(kind),
                object_id: &id.to_string(),
                before: None,
                after: Some(audit_view(&created)),
            },
        )?;
        Ok(created)
    })
}

/// Writes a new row (also used by the directory reconciliation).
pub(super) fn insert(
    tx: &mut TenantTx<'_>,
    id: i64,
    record: &FacilityRecord,
) -> Result<(), StoreError> {
    let tenant_key = tx.tenant_key();
    let now = Utc::now().naive_utc();
    diesel::insert_into(facilities::table)
        .values((
            facilities::tenant_id.eq(tenant_key),
            facilities::id.eq(id),
            facilities::kind.eq(record.kind.as_str()),
            facilities::name.eq(&record.name),
            facilities::name_key.eq(name_key(&record.name)),
            facilities::address.eq(&record.address),
            facilities::phone.eq(&record.phone),
            facilities::email.eq(&record.email),
            facilities::active.eq(record.active),
            facilities::created_at.eq(now),
            facilities::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// Rewrites a row's fields (also used by the directory reconciliation).
pub(super) fn overwrite(
    tx: &mut TenantTx<'_>,
    id: i64,
    record: &FacilityRecord,
) -> Result<(), StoreError> {
    let tenant_key = tx.tenant_key();
    diesel::update(
        facilities::table
            .filter(facilities::tenant_id.eq(tenant_key))
            .filter(facilities::id.eq(id)),
    )
    .set((
        facilities::name.eq(&record.name),
        facilities::name_key.eq(name_key(&record.name)),
        facilities::address.eq(&record.address),
        facilities::phone.eq(&record.phone),
        facilities::email.eq(&record.email),
        facilities::active.eq(record.active),
        facilities::updated_at.eq(Utc::now().naive_utc()),
    ))
    .execute(tx.conn())?;
    Ok(())
}

pub fn update(
    store: &Store,
    directory: &Directory,
    tenant: &Tenant,
    actor: &str,
    kind: FacilityKind,
    id: i64,
    input: FacilityInput,
) -> Result<Facility, ProvisioningError> {
    let record = check(kind, &input)?;
    write_both(store, directory, tenant.id, |tx, pending| {
        let before = get(tx, kind, id)?.ok_or(ProvisioningError::NotFound)?;
        if taken_by_other(tx, kind, &record.name, Some(id))? {
            return Err(name_taken(kind, &record.name));
        }
        let result = pending
            .directory()
            .update_facility(&tenant.slug, &before.name, &record);
        pending.apply(result)?;
        overwrite(tx, id, &record)?;
        let after = get(tx, kind, id)?.ok_or(ProvisioningError::NotFound)?;
        audit::record(
            tx,
            Change {
                actor,
                action: &format!("{}.update", kind.as_str()),
                object_type: object_type(kind),
                object_id: &id.to_string(),
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
    kind: FacilityKind,
    id: i64,
) -> Result<(), ProvisioningError> {
    write_both(store, directory, tenant.id, |tx, pending| {
        let before = get(tx, kind, id)?.ok_or(ProvisioningError::NotFound)?;
        match pending
            .directory()
            .delete_facility(&tenant.slug, kind, &before.name)
        {
            Err(DirectoryError::NoSuchEntry(_)) => {}
            other => pending.apply(other)?,
        }
        remove(tx, id)?;
        audit::record(
            tx,
            Change {
                actor,
                action: &format!("{}.delete", kind.as_str()),
                object_type: object_type(kind),
                object_id: &id.to_string(),
                before: Some(audit_view(&before)),
                after: None,
            },
        )?;
        Ok(())
    })
}

pub(super) fn remove(tx: &mut TenantTx<'_>, id: i64) -> Result<(), StoreError> {
    let tenant_key = tx.tenant_key();
    diesel::delete(
        facilities::table
            .filter(facilities::tenant_id.eq(tenant_key))
            .filter(facilities::id.eq(id)),
    )
    .execute(tx.conn())?;
    Ok(())
}

/// All of a kind, as the directory would hold them (for reconciliation).
pub(super) fn records(
    tx: &mut TenantTx<'_>,
    kind: FacilityKind,
) -> Result<Vec<(i64, FacilityRecord)>, StoreError> {
    Ok(search(tx, kind, "")?
        .into_iter()
        .map(|f| (f.id, f.record(kind)))
        .collect())
}
