//! The directory of agents, groups, écoles and centres de loisirs.
//!
//! With `GUICHET_LDAP_URL` set, a real LDAP server holds them ([`LdapDirectory`]);
//! the database keeps a mirror, written in the same operation (see
//! `provisioning`). Without it, the built-in directory is the database itself:
//! every directory call succeeds at once and passwords are argon2 hashes in the
//! `agents` table.
//!
//! Every change returns an [`Undo`], which reverts it if the database write that
//! follows fails, so that the directory and the database never disagree.

pub mod change;

pub use guichet_adapters::ldap::{LdapConfig, LdapDirectory, PasswordScheme, Undo};
pub use guichet_domain::directory::{
    AgentRecord, DirectoryError, FacilityKind, FacilityRecord, GroupRecord, Snapshot,
};

pub enum Directory {
    Builtin,
    Ldap(LdapDirectory),
}

impl Directory {
    pub fn from_config(config: Option<&LdapConfig>) -> Directory {
        match config {
            Some(c) => Directory::Ldap(LdapDirectory::new(c)),
            None => Directory::Builtin,
        }
    }

    pub fn is_builtin(&self) -> bool {
        matches!(self, Directory::Builtin)
    }

    /// An LDAP directory whose agents may sign in with the password of their
    /// last sign-in while the server cannot be reached.
    pub fn has_fallback(&self) -> bool {
        matches!(self, Directory::Ldap(d) if d.fallback())
    }

    /// The collectivité's branch with its sub-branches and groups.
    pub fn create_branch(
        &self,
        slug: &str,
        name: &str,
        groups: &[GroupRecord],
    ) -> Result<Undo, DirectoryError> {
        match self {
            Directory::Builtin => Ok(Undo::default()),
            Directory::Ldap(d) => d.create_branch(slug, name, groups),
        }
    }

    pub fn rename_branch(&self, slug: &str, name: &str) -> Result<Undo, DirectoryError> {
        match self {
            Directory::Builtin => Ok(Undo::default()),
            Directory::Ldap(d) => d.rename_branch(slug, name),
        }
    }

    pub fn add_agent(
        &self,
        slug: &str,
        agent: &AgentRecord,
        password: Option<&str>,
    ) -> Result<Undo, DirectoryError> {
        match self {
            Directory::Builtin => Ok(Undo::default()),
            Directory::Ldap(d) => d.add_agent(slug, agent, password),
        }
    }

    /// Brings the agent's entry and group memberships to `agent`; a new
    /// password when given.
    pub fn update_agent(
        &self,
        slug: &str,
        agent: &AgentRecord,
        password: Option<&str>,
    ) -> Result<Undo, DirectoryError> {
        match self {
            Directory::Builtin => Ok(Undo::default()),
            Directory::Ldap(d) => d.update_agent(slug, agent, password),
        }
    }

    /// Sets an agent's password, and only that.
    pub fn set_password(
        &self,
        slug: &str,
        uid: &str,
        password: &str,
    ) -> Result<Undo, DirectoryError> {
        match self {
            Directory::Builtin => Ok(Undo::default()),
            Directory::Ldap(d) => d.set_password(slug, uid, password),
        }
    }

    pub fn delete_agent(&self, slug: &str, uid: &str) -> Result<Undo, DirectoryError> {
        match self {
            Directory::Builtin => Ok(Undo::default()),
            Directory::Ldap(d) => d.delete_agent(slug, uid),
        }
    }

    /// Checks an agent's password by binding as the agent. `None` with the
    /// built-in directory, where the database holds the password.
    pub fn verify_password(
        &self,
        slug: &str,
        uid: &str,
        password: &str,
    ) -> Option<Result<bool, DirectoryError>> {
        match self {
            Directory::Builtin => None,
            Directory::Ldap(d) => Some(d.verify_password(slug, uid, password)),
        }
    }

    pub fn add_facility(&self, slug: &str, f: &FacilityRecord) -> Result<Undo, DirectoryError> {
        match self {
            Directory::Builtin => Ok(Undo::default()),
            Directory::Ldap(d) => d.add_facility(slug, f),
        }
    }

    pub fn update_facility(
        &self,
        slug: &str,
        old_name: &str,
        f: &FacilityRecord,
    ) -> Result<Undo, DirectoryError> {
        match self {
            Directory::Builtin => Ok(Undo::default()),
            Directory::Ldap(d) => d.update_facility(slug, old_name, f),
        }
    }

    pub fn delete_facility(
        &self,
        slug: &str,
        kind: FacilityKind,
        name: &str,
    ) -> Result<Undo, DirectoryError> {
        match self {
            Directory::Builtin => Ok(Undo::default()),
            Directory::Ldap(d) => d.delete_facility(slug, kind, name),
        }
    }

    /// Everything the directory holds for a collectivité; `None` for the
    /// built-in directory, which has nothing apart from the database.
    pub fn snapshot(&self, slug: &str) -> Option<Result<Snapshot, DirectoryError>> {
        match self {
            Directory::Builtin => None,
            Directory::Ldap(d) => Some(d.snapshot(slug)),
        }
    }

    /// Reverts an accepted change, best effort: a failure is logged, as there
    /// is nothing more the caller could do.
    pub fn undo(&self, undo: Undo) {
        if let Directory::Ldap(d) = self {
            d.undo(undo);
        }
    }
}
