//! Categories of téléservices of a collectivité.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use guichet_domain::text::fold;
use serde::Serialize;

use crate::schema::{categories, teleservices};
use crate::{StoreError, TenantTx};

/// A category, with the codes of its téléservices (by label).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Category {
    pub id: i64,
    pub name: String,
    /// Where households may write to its service (empty: the
    /// collectivité's contact address serves).
    pub email: String,
    pub teleservices: Vec<String>,
    #[serde(serialize_with = "guichet_domain::time::serde_rfc3339::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "guichet_domain::time::serde_rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
}

/// All of them, by name.
pub fn list(tx: &mut TenantTx<'_>) -> Result<Vec<Category>, StoreError> {
    load(tx, None)
}

pub fn get(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<Category>, StoreError> {
    Ok(load(tx, Some(id))?.pop())
}

/// The collectivité's categories (or only one) with their téléservices' codes.
fn load(tx: &mut TenantTx<'_>, only: Option<i64>) -> Result<Vec<Category>, StoreError> {
    let mut rows = tx
        .rows(categories::table)
        .select((
            categories::id,
            categories::name,
            categories::email,
            categories::created_at,
            categories::updated_at,
        ))
        .order(categories::name_key)
        .into_boxed();
    let mut attached = tx
        .rows(teleservices::table)
        .filter(teleservices::category_id.is_not_null())
        .select((teleservices::category_id, teleservices::code))
        .order(teleservices::label)
        .into_boxed();
    if let Some(id) = only {
        rows = rows.filter(categories::id.eq(id));
        attached = attached.filter(teleservices::category_id.eq(id));
    }
    let rows: Vec<(i64, String, String, NaiveDateTime, NaiveDateTime)> = rows.load(tx.conn())?;
    let attached: Vec<(Option<i64>, String)> = attached.load(tx.conn())?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email, created_at, updated_at)| Category {
            teleservices: attached
                .iter()
                .filter(|(c, _)| *c == Some(id))
                .map(|(_, code)| code.clone())
                .collect(),
            id,
            name,
            email,
            created_at,
            updated_at,
        })
        .collect())
}

/// True when another category than `except` has this name (case and
/// accents ignored).
pub fn name_taken(
    tx: &mut TenantTx<'_>,
    name: &str,
    except: Option<i64>,
) -> Result<bool, StoreError> {
    let mut q = tx
        .rows(categories::table)
        .filter(categories::name_key.eq(fold(name)))
        .select(categories::id)
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(categories::id.ne(id));
    }
    Ok(q.first::<i64>(tx.conn()).optional()?.is_some())
}

/// A new category; returns its id.
pub fn insert(tx: &mut TenantTx<'_>, name: &str, email: &str) -> Result<i64, StoreError> {
    let id = tx.next_id()?;
    let now = Utc::now().naive_utc();
    diesel::insert_into(categories::table)
        .values((
            tx.tenant_of(categories::table),
            categories::id.eq(id),
            categories::name.eq(name),
            categories::name_key.eq(fold(name)),
            categories::email.eq(email),
            categories::created_at.eq(now),
            categories::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    Ok(id)
}

pub fn update(tx: &mut TenantTx<'_>, id: i64, name: &str, email: &str) -> Result<(), StoreError> {
    diesel::update(tx.rows(categories::table).filter(categories::id.eq(id)))
        .set((
            categories::name.eq(name),
            categories::name_key.eq(fold(name)),
            categories::email.eq(email),
            categories::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(tx.conn())?;
    Ok(())
}

pub fn delete(tx: &mut TenantTx<'_>, id: i64) -> Result<(), StoreError> {
    diesel::delete(tx.rows(categories::table).filter(categories::id.eq(id))).execute(tx.conn())?;
    Ok(())
}
