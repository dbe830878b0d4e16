//! The forms a collectivité files with: those shipped with the product, and
//! the versions it published from the studio. The one way to find a form by
//! its code, and a request's form by code and version.

use std::num::NonZeroUsize;
use std::ops::Deref;
use std::sync::{Arc, LazyLock, Mutex};

use lru::LruCache;

use crate::domain::forms::{self, FormDefinition};
use crate::error::Error;
use crate::store::repo::studio as rows;
use crate::store::TenantTx;

/// A form: shipped (in the binary) or the collectivité's own (published in
/// the studio). Cheap to clone; reads as its definition.
#[derive(Debug, Clone)]
pub enum Form {
    Shipped(&'static FormDefinition),
    Own(Arc<FormDefinition>),
}

impl Deref for Form {
    type Target = FormDefinition;
    fn deref(&self) -> &FormDefinition {
        match self {
            Form::Shipped(d) => d,
            Form::Own(d) => d,
        }
    }
}

impl Form {
    /// Made in the studio by the collectivité.
    pub fn is_own(&self) -> bool {
        matches!(self, Form::Own(_))
    }
}

/// Published versions never change: each is read once per process, by
/// collectivité, code and version.
type Key = (i64, String, u32);
static PUBLISHED: LazyLock<Mutex<LruCache<Key, Arc<FormDefinition>>>> = LazyLock::new(|| {
    Mutex::new(LruCache::new(
        NonZeroUsize::new(4096).unwrap_or(NonZeroUsize::MIN),
    ))
});

/// Version `version` of form `code`.
pub fn find(tx: &mut TenantTx<'_>, code: &str, version: u32) -> Result<Option<Form>, Error> {
    if let Some(d) = forms::find(code, version) {
        return Ok(Some(Form::Shipped(d)));
    }
    let key = (tx.tenant_key(), code.to_owned(), version);
    let cached = PUBLISHED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&key)
        .cloned();
    if let Some(d) = cached {
        return Ok(Some(Form::Own(d)));
    }
    let Some(row) = rows::version(tx, code, version as i32)? else {
        return Ok(None);
    };
    let Ok(def) = serde_json::from_str::<FormDefinition>(&row.definition) else {
        tracing::error!(code, version, "version publiée illisible");
        return Ok(None);
    };
    let def = Arc::new(def);
    PUBLISHED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .put(key, def.clone());
    Ok(Some(Form::Own(def)))
}

/// The version of form `code` new requests are filed with.
pub fn latest(tx: &mut TenantTx<'_>, code: &str) -> Result<Option<Form>, Error> {
    if let Some(d) = forms::latest(code) {
        return Ok(Some(Form::Shipped(d)));
    }
    match rows::latest_version(tx, code)? {
        Some(v) => find(tx, code, v as u32),
        None => Ok(None),
    }
}
