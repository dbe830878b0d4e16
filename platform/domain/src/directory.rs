//! What a directory holds of a collectivité (agents, groups, écoles and
//! centres de loisirs) and why a change to it failed: the words shared by the
//! directory's context and the LDAP adapter.

use std::collections::BTreeSet;

#[derive(Debug, Clone, thiserror::Error)]
pub enum DirectoryError {
    /// The server cannot be reached now; nothing was changed.
    #[error("annuaire LDAP injoignable : {0}")]
    Unavailable(String),
    #[error("l’entrée existe déjà dans l’annuaire ({0})")]
    AlreadyExists(String),
    #[error("entrée absente de l’annuaire ({0})")]
    NoSuchEntry(String),
    /// The server refused the change (schema, syntax, rights).
    #[error("l’annuaire LDAP a refusé l’opération : {0}")]
    Refused(String),
}

/// What the directory holds of an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRecord {
    pub uid: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub groups: BTreeSet<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FacilityKind {
    School,
    RecreationCenter,
}

impl FacilityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FacilityKind::School => "school",
            FacilityKind::RecreationCenter => "recreation_center",
        }
    }

    /// "école" or "centre de loisirs".
    pub fn label_fr(self) -> &'static str {
        match self {
            FacilityKind::School => "école",
            FacilityKind::RecreationCenter => "centre de loisirs",
        }
    }
}

/// What the directory holds of an école or a centre de loisirs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityRecord {
    pub kind: FacilityKind,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    pub name: String,
    pub label: String,
}

/// A collectivité's branch as the directory holds it, for reconciliation.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub agents: Vec<AgentRecord>,
    pub groups: Vec<GroupRecord>,
    pub facilities: Vec<FacilityRecord>,
}
