//! Écoles and centres de loisirs of a collectivité (`facilities`, one table,
//! told apart by `kind`), as mirrored from the directory.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use guichet_domain::text::{fold, like_prefix};
use serde::Serialize;

use crate::schema::facilities;
use crate::{StoreError, TenantTx};

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
    #[serde(serialize_with = "guichet_domain::time::serde_rfc3339::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "guichet_domain::time::serde_rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
}

/// What the directory says of a facility.
pub struct FacilityFields<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub phone: &'a str,
    pub email: &'a str,
    pub active: bool,
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

/// Those of `kind` whose name starts with `q`, or has a word starting with
/// it (case and accents ignored); all for an empty `q`. By name.
pub fn search(tx: &mut TenantTx<'_>, kind: &str, q: &str) -> Result<Vec<Facility>, StoreError> {
    let q = fold(q.trim());
    let mut query = tx
        .rows(facilities::table)
        .filter(facilities::kind.eq(kind))
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

pub fn get(tx: &mut TenantTx<'_>, kind: &str, id: i64) -> Result<Option<Facility>, StoreError> {
    Ok(tx
        .rows(facilities::table)
        .filter(facilities::kind.eq(kind))
        .filter(facilities::id.eq(id))
        .select(COLUMNS)
        .get_result(tx.conn())
        .optional()?)
}

/// True when another facility of `kind` than `except` has this name (case
/// and accents ignored).
pub fn name_taken(
    tx: &mut TenantTx<'_>,
    kind: &str,
    name: &str,
    except: Option<i64>,
) -> Result<bool, StoreError> {
    let mut q = tx
        .rows(facilities::table)
        .filter(facilities::kind.eq(kind))
        .filter(facilities::name_key.eq(fold(name)))
        .select(facilities::id)
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(facilities::id.ne(id));
    }
    Ok(q.first::<i64>(tx.conn()).optional()?.is_some())
}

pub fn insert(
    tx: &mut TenantTx<'_>,
    id: i64,
    kind: &str,
    fields: &FacilityFields<'_>,
) -> Result<(), StoreError> {
    let now = Utc::now().naive_utc();
    diesel::insert_into(facilities::table)
        .values((
            tx.tenant_of(facilities::table),
            facilities::id.eq(id),
            facilities::kind.eq(kind),
            facilities::name.eq(fields.name),
            facilities::name_key.eq(fold(fields.name)),
            facilities::address.eq(fields.address),
            facilities::phone.eq(fields.phone),
            facilities::email.eq(fields.email),
            facilities::active.eq(fields.active),
            facilities::created_at.eq(now),
            facilities::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// Rewrites a facility's fields (its kind stays).
pub fn overwrite(
    tx: &mut TenantTx<'_>,
    id: i64,
    fields: &FacilityFields<'_>,
) -> Result<(), StoreError> {
    diesel::update(tx.rows(facilities::table).filter(facilities::id.eq(id)))
        .set((
            facilities::name.eq(fields.name),
            facilities::name_key.eq(fold(fields.name)),
            facilities::address.eq(fields.address),
            facilities::phone.eq(fields.phone),
            facilities::email.eq(fields.email),
            facilities::active.eq(fields.active),
            facilities::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(tx.conn())?;
    Ok(())
}

pub fn remove(tx: &mut TenantTx<'_>, id: i64) -> Result<(), StoreError> {
    diesel::delete(tx.rows(facilities::table).filter(facilities::id.eq(id))).execute(tx.conn())?;
    Ok(())
}
