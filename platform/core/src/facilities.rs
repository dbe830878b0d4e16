//! Écoles and centres de loisirs of a collectivité, in the directory and the
//! database. The directory names them by name, so two of one kind cannot share
//! a name (case ignored).

use serde::Deserialize;

use crate::audit::{self, Change};
use crate::directory::change::write_both;
use crate::directory::change::Checks;
use crate::directory::{Directory, DirectoryError, FacilityKind, FacilityRecord};
use crate::domain::contact;
use crate::error::Error;
use crate::store::repo::facilities::{self as rows, FacilityFields};
use crate::store::{Store, StoreError, TenantTx};
use crate::tenancy::Tenant;

pub use rows::Facility;
// Removes a row (also used by the directory reconciliation).
pub(super) use rows::remove;

/// A facility as the directory would hold it.
fn record_of(f: &Facility, kind: FacilityKind) -> FacilityRecord {
    FacilityRecord {
        kind,
        name: f.name.clone(),
        address: f.address.clone(),
        phone: f.phone.clone(),
        email: f.email.clone(),
        active: f.active,
    }
}

/// A directory record's fields, as the row keeps them.
fn fields(r: &FacilityRecord) -> FacilityFields<'_> {
    FacilityFields {
        name: &r.name,
        address: &r.address,
        phone: &r.phone,
        email: &r.email,
        active: r.active,
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

/// Those whose name starts with `q`, or has a word starting with it (case
/// and accents ignored); all for an empty `q`.
pub fn search(
    tx: &mut TenantTx<'_>,
    kind: FacilityKind,
    q: &str,
) -> Result<Vec<Facility>, StoreError> {
    rows::search(tx, kind.as_str(), q)
}

pub fn get(
    tx: &mut TenantTx<'_>,
    kind: FacilityKind,
    id: i64,
) -> Result<Option<Facility>, StoreError> {
    rows::get(tx, kind.as_str(), id)
}

fn check(kind: FacilityKind, input: &FacilityInput) -> Result<FacilityRecord, Error> {
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

fn name_taken(kind: FacilityKind, name: &str) -> Error {
    Error::Conflict(match kind {
        FacilityKind::School => format!("une école nommée « {name} » existe déjà"),
        FacilityKind::RecreationCenter => {
            format!("un centre de loisirs nommé « {name} » existe déjà")
        }
    })
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
) -> Result<Facility, Error> {
    let record = check(kind, &input)?;
    write_both(store, directory, tenant.id, |tx, pending| {
        if rows::name_taken(tx, kind.as_str(), &record.name, None)? {
            return Err(name_taken(kind, &record.name));
        }
        let result = pending.directory().add_facility(&tenant.slug, &record);
        pending.apply(result).map_err(|e| match e {
            Error::Directory(DirectoryError::AlreadyExists(_)) => name_taken(kind, &record.name),
            other => other,
        })?;
        let id = tx.next_id()?;
        insert(tx, id, &record)?;
        let created = get(tx, kind, id)?.ok_or(Error::NotFound)?;
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
    rows::insert(tx, id, record.kind.as_str(), &fields(record))
}

/// Rewrites a row's fields (also used by the directory reconciliation).
pub(super) fn overwrite(
    tx: &mut TenantTx<'_>,
    id: i64,
    record: &FacilityRecord,
) -> Result<(), StoreError> {
    rows::overwrite(tx, id, &fields(record))
}

pub fn update(
    store: &Store,
    directory: &Directory,
    tenant: &Tenant,
    actor: &str,
    kind: FacilityKind,
    id: i64,
    input: FacilityInput,
) -> Result<Facility, Error> {
    let record = check(kind, &input)?;
    write_both(store, directory, tenant.id, |tx, pending| {
        let before = get(tx, kind, id)?.ok_or(Error::NotFound)?;
        if rows::name_taken(tx, kind.as_str(), &record.name, Some(id))? {
            return Err(name_taken(kind, &record.name));
        }
        let result = pending
            .directory()
            .update_facility(&tenant.slug, &before.name, &record);
        pending.apply(result)?;
        overwrite(tx, id, &record)?;
        let after = get(tx, kind, id)?.ok_or(Error::NotFound)?;
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
) -> Result<(), Error> {
    write_both(store, directory, tenant.id, |tx, pending| {
        let before = get(tx, kind, id)?.ok_or(Error::NotFound)?;
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

/// All of a kind, as the directory would hold them (for reconciliation).
pub(super) fn records(
    tx: &mut TenantTx<'_>,
    kind: FacilityKind,
) -> Result<Vec<(i64, FacilityRecord)>, StoreError> {
    Ok(search(tx, kind, "")?
        .into_iter()
        .map(|f| (f.id, record_of(&f, kind)))
        .collect())
}
