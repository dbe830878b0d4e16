//! Changes written to the directory and to the database together (agents,
//! groups, écoles and centres de loisirs, collectivités).
//!
//! A change goes to the directory first, then to the database, in one
//! operation ([`write_both`]): if the directory refuses, nothing is written; if
//! the database fails after the directory accepted, the directory change is
//! undone. Every change is audited in the same database transaction.

use crate::directory::{Directory, DirectoryError, Undo};
use crate::store::{Store, StoreError, TenantTx};
use crate::tenancy::TenantId;

pub use crate::error::{invalid, Checks, Error, FieldError};

/// Directory changes accepted during a database transaction, to undo if the
/// transaction does not commit.
pub struct Pending<'d> {
    directory: &'d Directory,
    undos: Vec<Undo>,
}

impl<'d> Pending<'d> {
    /// No change yet.
    pub(crate) fn new(directory: &'d Directory) -> Self {
        Pending {
            directory,
            undos: Vec::new(),
        }
    }

    pub fn directory(&self) -> &Directory {
        self.directory
    }

    /// Notes an accepted directory change; passes a refusal on.
    pub fn apply(&mut self, change: Result<Undo, DirectoryError>) -> Result<(), Error> {
        self.undos.push(change?);
        Ok(())
    }

    pub(crate) fn revert(self) {
        for undo in self.undos.into_iter().rev() {
            self.directory.undo(undo);
        }
    }
}

/// Directory changes of SQLite deployments (one process) take turns: with
/// the write lock taken late (see below), two changes of one entry must not
/// interleave their directory steps.
static DIRECTORY_CHANGES: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` in a write transaction of the collectivité; directory changes it
/// made through `Pending` are undone when the transaction fails or does not
/// commit.
///
/// With an LDAP directory on SQLite, the transaction takes the database's
/// write lock only at its first write, after the directory answered: a slow
/// directory holds no other writer (sessions, e-mail, another collectivité).
/// When another writer committed meanwhile, the directory change is undone
/// and the whole of `f` runs again.
pub fn write_both<T>(
    store: &Store,
    directory: &Directory,
    tenant: TenantId,
    mut f: impl FnMut(&mut TenantTx<'_>, &mut Pending<'_>) -> Result<T, Error>,
) -> Result<T, Error> {
    let late_lock = store.backend() == crate::store::Backend::Sqlite && !directory.is_builtin();
    let _turn = late_lock.then(|| DIRECTORY_CHANGES.lock().unwrap_or_else(|p| p.into_inner()));
    let mut attempts = 0;
    loop {
        attempts += 1;
        let mut pending = Pending {
            directory,
            undos: Vec::new(),
        };
        let result = if late_lock {
            store.write_deferred(tenant, |tx| f(tx, &mut pending))
        } else {
            store.write(tenant, |tx| f(tx, &mut pending))
        };
        if result.is_err() {
            pending.revert();
        }
        match result {
            Err(Error::Store(StoreError::Busy)) if attempts < 5 => continue,
            other => return other,
        }
    }
}
