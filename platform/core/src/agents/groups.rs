//! The directory groups every collectivité has; other groups found in the
//! directory are kept as they are.
//!
//! One model of who reaches what: `referential-admin` opens the
//! administration of the référentiel (agents, écoles, categories, rights);
//! the back office is reached through `agent` or `admin`, and the agent's
//! role there is their profile. The role « administrateur » and the group
//! `admin` are one thing: each entails the other (see `agents::check`).

use crate::directory::GroupRecord;
use crate::store::repo::groups as rows;
use crate::store::{StoreError, TenantTx};

pub use rows::{list, set_members_of};

/// Manages the collectivité's agents and referentials in provisioning.
pub const REFERENTIAL_ADMIN: &str = "referential-admin";
/// Administers the collectivité's back office (the profile `admin`).
pub const ADMIN: &str = "admin";
/// Reaches the back office as an agent or a manager (profiles `agent`, `manager`).
pub const AGENT: &str = "agent";

pub fn builtin() -> Vec<GroupRecord> {
    [
        (REFERENTIAL_ADMIN, "Administrateurs du référentiel"),
        (ADMIN, "Administrateurs de l’espace des agents"),
        (AGENT, "Agents de l’espace des agents"),
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
