//! Categories of téléservices and the agents' rights on them. These live in
//! the database only: the directory knows people and places, not rights.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::rights::Access;
use super::{catalogue, invalid, ProvisioningError};
use crate::audit::{self, Change};
use crate::domain::contact;
use crate::domain::text::fold;
use crate::store::schema::{agents, categories, category_rights, teleservices};
use crate::store::{StoreError, TenantTx};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub teleservices: Vec<String>,
    #[serde(serialize_with = "crate::domain::time::serde_rfc3339::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::time::serde_rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Queryable)]
pub struct Teleservice {
    #[serde(skip)]
    pub id: i64,
    pub code: String,
    pub label: String,
    pub category_id: Option<i64>,
    pub active: bool,
}

/// An agent's explicit right on a category.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Grant {
    pub uid: String,
    pub right: Access,
}

/// Gives a new collectivité the catalogue of téléservices, outside any category.
pub fn seed_catalogue(tx: &mut TenantTx<'_>) -> Result<(), StoreError> {
    let tenant = tx.tenant_key();
    for (code, label) in catalogue::TELESERVICES {
        let id = tx.next_id()?;
        diesel::insert_into(teleservices::table)
            .values((
                teleservices::tenant_id.eq(tenant),
                teleservices::id.eq(id),
                teleservices::code.eq(code),
                teleservices::label.eq(label),
                teleservices::category_id.eq(None::<i64>),
                teleservices::active.eq(false),
            ))
            .execute(tx.conn())?;
    }
    Ok(())
}

pub fn teleservices(tx: &mut TenantTx<'_>) -> Result<Vec<Teleservice>, StoreError> {
    let tenant = tx.tenant_key();
    Ok(teleservices::table
        .filter(teleservices::tenant_id.eq(tenant))
        .select((
            teleservices::id,
            teleservices::code,
            teleservices::label,
            teleservices::category_id,
            teleservices::active,
        ))
        .order(teleservices::label)
        .load(tx.conn())?)
}

pub fn list(tx: &mut TenantTx<'_>) -> Result<Vec<Category>, StoreError> {
    load(tx, None)
}

pub fn get(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<Category>, StoreError> {
    Ok(load(tx, Some(id))?.pop())
}

/// The collectivité's categories (or only one) with their téléservices' codes.
fn load(tx: &mut TenantTx<'_>, only: Option<i64>) -> Result<Vec<Category>, StoreError> {
    let tenant = tx.tenant_key();
    let mut rows = categories::table
        .filter(categories::tenant_id.eq(tenant))
        .select((
            categories::id,
            categories::name,
            categories::created_at,
            categories::updated_at,
        ))
        .order(categories::name_key)
        .into_boxed();
    let mut attached = teleservices::table
        .filter(teleservices::tenant_id.eq(tenant))
        .filter(teleservices::category_id.is_not_null())
        .select((teleservices::category_id, teleservices::code))
        .order(teleservices::label)
        .into_boxed();
    if let Some(id) = only {
        rows = rows.filter(categories::id.eq(id));
        attached = attached.filter(teleservices::category_id.eq(id));
    }
    let rows: Vec<(i64, String, NaiveDateTime, NaiveDateTime)> = rows.load(tx.conn())?;
    let attached: Vec<(Option<i64>, String)> = attached.load(tx.conn())?;
    Ok(rows
        .into_iter()
        .map(|(id, name, created_at, updated_at)| Category {
            teleservices: attached
                .iter()
                .filter(|(c, _)| *c == Some(id))
                .map(|(_, code)| code.clone())
                .collect(),
            id,
            name,
            created_at,
            updated_at,
        })
        .collect())
}

fn check_name(
    tx: &mut TenantTx<'_>,
    raw: &str,
    except: Option<i64>,
) -> Result<String, ProvisioningError> {
    let name = contact::label(raw, 100).map_err(|m| invalid("name", m))?;
    let tenant = tx.tenant_key();
    let mut q = categories::table
        .filter(categories::tenant_id.eq(tenant))
        .filter(categories::name_key.eq(fold(&name)))
        .select(categories::id)
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(categories::id.ne(id));
    }
    if q.first::<i64>(tx.conn()).optional()?.is_some() {
        return Err(ProvisioningError::Conflict(format!(
            "une catégorie nommée « {name} » existe déjà"
        )));
    }
    Ok(name)
}

fn audit_view(c: &Category) -> serde_json::Value {
    serde_json::to_value(c).unwrap_or_default()
}

pub fn create(
    tx: &mut TenantTx<'_>,
    actor: &str,
    raw_name: &str,
) -> Result<Category, ProvisioningError> {
    let name = check_name(tx, raw_name, None)?;
    let id = tx.next_id()?;
    let tenant = tx.tenant_key();
    let now = Utc::now().naive_utc();
    diesel::insert_into(categories::table)
        .values((
            categories::tenant_id.eq(tenant),
            categories::id.eq(id),
            categories::name.eq(&name),
            categories::name_key.eq(fold(&name)),
            categories::created_at.eq(now),
            categories::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    let created = get(tx, id)?.ok_or(ProvisioningError::NotFound)?;
    audit::record(
        tx,
        Change {
            actor,
            action: "category.create",
            object_type: "category",
            object_id: &id.to_string(),
            before: None,
            after: Some(audit_view(&created)),
        },
    )?;
    Ok(created)
}

pub fn rename(
    tx: &mut TenantTx<'_>,
    actor: &str,
    id: i64,
    raw_name: &str,
) -> Result<Category, ProvisioningError> {
    let before = get(tx, id)?.ok_or(ProvisioningError::NotFound)?;
    let name = check_name(tx, raw_name, Some(id))?;
    let tenant = tx.tenant_key();
    diesel::update(
        categories::table
            .filter(categories::tenant_id.eq(tenant))
            .filter(categories::id.eq(id)),
    )
    .set((
        categories::name.eq(&name),
        categories::name_key.eq(fold(&name)),
        categories::updated_at.eq(Utc::now().naive_utc()),
    ))
    .execute(tx.conn())?;
    let after = get(tx, id)?.ok_or(ProvisioningError::NotFound)?;
    audit::record(
        tx,
        Change {
            actor,
            action: "category.rename",
            object_type: "category",
            object_id: &id.to_string(),
            before: Some(audit_view(&before)),
            after: Some(audit_view(&after)),
        },
    )?;
    Ok(after)
}

/// Deletes a category that holds no téléservice any more.
pub fn delete(tx: &mut TenantTx<'_>, actor: &str, id: i64) -> Result<(), ProvisioningError> {
    let before = get(tx, id)?.ok_or(ProvisioningError::NotFound)?;
    if !before.teleservices.is_empty() {
        return Err(ProvisioningError::Conflict(format!(
            "la catégorie « {} » contient encore {} téléservice(s) : détachez-les d’abord",
            before.name,
            before.teleservices.len()
        )));
    }
    let tenant = tx.tenant_key();
    diesel::delete(
        categories::table
            .filter(categories::tenant_id.eq(tenant))
            .filter(categories::id.eq(id)),
    )
    .execute(tx.conn())?;
    audit::record(
        tx,
        Change {
            actor,
            action: "category.delete",
            object_type: "category",
            object_id: &id.to_string(),
            before: Some(audit_view(&before)),
            after: None,
        },
    )?;
    Ok(())
}

/// Puts a téléservice in a category (`Some`), or out of any (`None`).
pub fn set_teleservice_category(
    tx: &mut TenantTx<'_>,
    actor: &str,
    code: &str,
    category: Option<i64>,
) -> Result<(), ProvisioningError> {
    let tenant = tx.tenant_key();
    let current: Option<Option<i64>> = teleservices::table
        .filter(teleservices::tenant_id.eq(tenant))
        .filter(teleservices::code.eq(code))
        .select(teleservices::category_id)
        .first(tx.conn())
        .optional()?;
    let Some(before) = current else {
        return Err(invalid(
            "teleservice",
            format!("téléservice inconnu : « {code} »"),
        ));
    };
    if let Some(c) = category {
        get(tx, c)?.ok_or(ProvisioningError::NotFound)?;
    }
    diesel::update(
        teleservices::table
            .filter(teleservices::tenant_id.eq(tenant))
            .filter(teleservices::code.eq(code)),
    )
    .set(teleservices::category_id.eq(category))
    .execute(tx.conn())?;
    audit::record(
        tx,
        Change {
            actor,
            action: "teleservice.category",
            object_type: "teleservice",
            object_id: code,
            before: Some(serde_json::json!({ "category_id": before })),
            after: Some(serde_json::json!({ "category_id": category })),
        },
    )?;
    Ok(())
}

/// The explicit rights given on a category.
pub fn grants(tx: &mut TenantTx<'_>, category: i64) -> Result<Vec<Grant>, StoreError> {
    let tenant = tx.tenant_key();
    let rows: Vec<(String, String)> = category_rights::table
        .inner_join(
            agents::table.on(agents::tenant_id
                .eq(category_rights::tenant_id)
                .and(agents::id.eq(category_rights::agent_id))),
        )
        .filter(category_rights::tenant_id.eq(tenant))
        .filter(category_rights::category_id.eq(category))
        .select((agents::uid, category_rights::access))
        .order(agents::uid)
        .load(tx.conn())?;
    Ok(rows
        .into_iter()
        .filter_map(|(uid, a)| {
            Some(Grant {
                uid,
                right: Access::parse(&a)?,
            })
        })
        .collect())
}

/// The agent's id and explicit right on the category (`None`: none given);
/// not found when the category or the agent is unknown.
fn current_right(
    tx: &mut TenantTx<'_>,
    category: i64,
    uid: &str,
) -> Result<(i64, Option<String>), ProvisioningError> {
    get(tx, category)?.ok_or(ProvisioningError::NotFound)?;
    let tenant = tx.tenant_key();
    let agent_id: i64 = agents::table
        .filter(agents::tenant_id.eq(tenant))
        .filter(agents::uid.eq(uid))
        .select(agents::id)
        .first(tx.conn())
        .optional()?
        .ok_or(ProvisioningError::NotFound)?;
    let right = category_rights::table
        .filter(category_rights::tenant_id.eq(tenant))
        .filter(category_rights::category_id.eq(category))
        .filter(category_rights::agent_id.eq(agent_id))
        .select(category_rights::access)
        .first(tx.conn())
        .optional()?;
    Ok((agent_id, right))
}

/// Gives an agent a right on a category (replacing the previous one).
pub fn set_right(
    tx: &mut TenantTx<'_>,
    actor: &str,
    category: i64,
    uid: &str,
    right: &str,
) -> Result<Grant, ProvisioningError> {
    let Some(access) = Access::parse(right) else {
        return Err(invalid(
            "right",
            format!("droit inconnu : « {right} » (attendu : none, read, write ou manage)"),
        ));
    };
    let (agent_id, before) = current_right(tx, category, uid)?;
    let tenant = tx.tenant_key();
    let key = category_rights::table
        .filter(category_rights::tenant_id.eq(tenant))
        .filter(category_rights::category_id.eq(category))
        .filter(category_rights::agent_id.eq(agent_id));
    diesel::delete(key).execute(tx.conn())?;
    diesel::insert_into(category_rights::table)
        .values((
            category_rights::tenant_id.eq(tenant),
            category_rights::category_id.eq(category),
            category_rights::agent_id.eq(agent_id),
            category_rights::access.eq(access.as_str()),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        Change {
            actor,
            action: "category.right",
            object_type: "category",
            object_id: &category.to_string(),
            before: Some(serde_json::json!({ "uid": uid, "right": before })),
            after: Some(serde_json::json!({ "uid": uid, "right": access })),
        },
    )?;
    Ok(Grant {
        uid: uid.to_owned(),
        right: access,
    })
}

/// Removes an agent's explicit right on a category: the profile decides again.
/// False when there was none.
pub fn clear_right(
    tx: &mut TenantTx<'_>,
    actor: &str,
    category: i64,
    uid: &str,
) -> Result<bool, ProvisioningError> {
    let (agent_id, before) = current_right(tx, category, uid)?;
    let tenant = tx.tenant_key();
    let key = category_rights::table
        .filter(category_rights::tenant_id.eq(tenant))
        .filter(category_rights::category_id.eq(category))
        .filter(category_rights::agent_id.eq(agent_id));
    if before.is_none() {
        return Ok(false);
    }
    diesel::delete(key).execute(tx.conn())?;
    audit::record(
        tx,
        Change {
            actor,
            action: "category.right",
            object_type: "category",
            object_id: &category.to_string(),
            before: Some(serde_json::json!({ "uid": uid, "right": before })),
            after: Some(serde_json::json!({ "uid": uid, "right": null })),
        },
    )?;
    Ok(true)
}
