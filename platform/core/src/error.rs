//! The one error type of the use cases, whatever their bounded context: the
//! web kit turns it into a page or a problem document once, at the edge.

use crate::directory::DirectoryError;
use crate::files::FileError;
use crate::store::StoreError;

pub use crate::domain::forms::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("données invalides")]
    Invalid(Vec<FieldError>),
    /// The change contradicts what exists; the message says what to do.
    #[error("{0}")]
    Conflict(String),
    /// Absent, or not the caller's to see (another foyer's, another
    /// collectivité's): the same answer for both.
    #[error("introuvable")]
    NotFound,
    /// Seen but not allowed now; the message says why and what to do.
    #[error("{0}")]
    Refused(String),
    /// The signed-in person is gone since they signed in (removed, disabled,
    /// out of the back office): to sign in again, never a refusal.
    #[error("connexion requise")]
    SignedOut,
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error(transparent)]
    Files(#[from] FileError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Collects field errors, to report them all at once.
#[derive(Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    /// The checked value, or `T::default()` with the error noted.
    pub fn take<T: Default, E: ToString>(&mut self, field: &str, r: Result<T, E>) -> T {
        match r {
            Ok(v) => v,
            Err(e) => {
                self.add(field, e);
                T::default()
            }
        }
    }

    pub fn add(&mut self, field: &str, message: impl ToString) {
        self.0.push(FieldError::new(field, message.to_string()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn finish(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}

impl From<crate::mail::outbox::OutboxError> for Error {
    fn from(e: crate::mail::outbox::OutboxError) -> Self {
        match e {
            crate::mail::outbox::OutboxError::Store(s) => Error::Store(s),
            other => Error::Refused(other.to_string()),
        }
    }
}

pub fn invalid(field: &str, message: impl ToString) -> Error {
    Error::Invalid(vec![FieldError::new(field, message.to_string())])
}
