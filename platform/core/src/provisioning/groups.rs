//! The directory groups every collectivité has; other groups found in the
//! directory are kept as they are.

use crate::directory::GroupRecord;
use crate::store::repo::groups as rows;
use crate::store::{StoreError, TenantTx};

pub use rows::{list, set_members_of};

/// Manages the collectivité's agents and referentials in provisioning.
pub const REFERENTIAL_ADMIN: &str = "referential-admin";
/// Administers the collectivité's back office.
pub const ADMIN: &str = "admin";
/// Instructs requests in the back office.
pub const AGENT: &str = "agent";

pub fn builtin() -> Vec<GroupRecord> {
    [
        (REFERENTIAL_ADMIN, "Administrateurs du référentiel"),
        (ADMIN, "Administrateurs Guichet"),
        (AGENT, "Agents instructeurs"),
    ]
    .into_iter()
    .map(|(name, label)| GroupRecord {
        name: name.into(),
        label: label.into(),
    })
    .collect()
}

pub fn insert(tx: &mut TenantTx<'_>, g: &GroupRecord) -> Result<i64, StoreError> {
    rows::insert(tx, &g.name, &g.label)
}
