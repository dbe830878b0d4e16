//! Categories of téléservices and the agents' rights on them. These live in
//! the database only: the directory knows people and places, not rights.

use serde::Serialize;

use crate::agents::rights::Access;
use crate::audit::{self, Change};
use crate::catalogue;
use crate::directory::change::invalid;
use crate::domain::contact;
use crate::error::Error;
use crate::store::repo::{agents, categories as rows, rights, teleservices};
use crate::store::{StoreError, TenantTx};

pub use crate::store::repo::teleservices::{list as teleservices, Teleservice};
pub use rows::{get, list, Category};

/// An agent's explicit right on a category.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Grant {
    pub uid: String,
    pub right: Access,
}

/// Gives a new collectivité the catalogue of téléservices, outside any category.
pub fn seed_catalogue(tx: &mut TenantTx<'_>) -> Result<(), StoreError> {
    teleservices::seed(tx, catalogue::TELESERVICES)
}

fn check_name(tx: &mut TenantTx<'_>, raw: &str, except: Option<i64>) -> Result<String, Error> {
    let name = contact::label(raw, 100).map_err(|m| invalid("name", m))?;
    if rows::name_taken(tx, &name, except)? {
        return Err(Error::Conflict(format!(
            "une catégorie nommée « {name} » existe déjà"
        )));
    }
    Ok(name)
}

/// The name and the address, each checked (both reported at once).
fn checked(
    tx: &mut TenantTx<'_>,
    raw_name: &str,
    raw_email: &str,
    except: Option<i64>,
) -> Result<(String, String), Error> {
    let mut checks = crate::error::Checks::default();
    let email = checks.take("email", contact::optional_email(raw_email));
    let name = match check_name(tx, raw_name, except) {
        Err(Error::Invalid(errors)) => {
            for e in errors {
                checks.add(&e.field, e.message);
            }
            String::new()
        }
        other => other?,
    };
    checks.finish()?;
    Ok((name, email))
}

fn audit_view(c: &Category) -> serde_json::Value {
    serde_json::to_value(c).unwrap_or_default()
}

/// A new category with its name and e-mail address (may be empty).
pub fn create(
    tx: &mut TenantTx<'_>,
    actor: &str,
    raw_name: &str,
    raw_email: &str,
) -> Result<Category, Error> {
    let (name, email) = checked(tx, raw_name, raw_email, None)?;
    let id = rows::insert(tx, &name, &email)?;
    let created = get(tx, id)?.ok_or(Error::NotFound)?;
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

/// Renames a category and sets its e-mail address (`None`: kept as it is;
/// empty: none, the collectivité's contact address serves).
pub fn update(
    tx: &mut TenantTx<'_>,
    actor: &str,
    id: i64,
    raw_name: &str,
    raw_email: Option<&str>,
) -> Result<Category, Error> {
    let before = get(tx, id)?.ok_or(Error::NotFound)?;
    let (name, email) = checked(tx, raw_name, raw_email.unwrap_or(&before.email), Some(id))?;
    rows::update(tx, id, &name, &email)?;
    let after = get(tx, id)?.ok_or(Error::NotFound)?;
    audit::record(
        tx,
        Change {
            actor,
            action: "category.update",
            object_type: "category",
            object_id: &id.to_string(),
            before: Some(audit_view(&before)),
            after: Some(audit_view(&after)),
        },
    )?;
    Ok(after)
}

/// Deletes a category that holds no téléservice any more.
pub fn delete(tx: &mut TenantTx<'_>, actor: &str, id: i64) -> Result<(), Error> {
    let before = get(tx, id)?.ok_or(Error::NotFound)?;
    if !before.teleservices.is_empty() {
        return Err(Error::Conflict(format!(
            "la catégorie « {} » contient encore {} : détachez-les d’abord",
            before.name,
            crate::domain::text::count(before.teleservices.len(), "téléservice", "téléservices")
        )));
    }
    rows::delete(tx, id)?;
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
) -> Result<(), Error> {
    let Some(before) = teleservices::category_of(tx, code)? else {
        return Err(invalid(
            "teleservice",
            format!("téléservice inconnu : « {code} »"),
        ));
    };
    if let Some(c) = category {
        get(tx, c)?.ok_or(Error::NotFound)?;
    }
    teleservices::set_category(tx, code, category)?;
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

/// Attaches a téléservice to the category, or detaches it from it; a
/// téléservice another category holds is detached only from there (no
/// surprise). Answers the category's name and the téléservice's label.
pub fn attach(
    tx: &mut TenantTx<'_>,
    actor: &str,
    id: i64,
    code: &str,
    attach: bool,
) -> Result<(String, String), Error> {
    let category = get(tx, id)?.ok_or(Error::NotFound)?;
    let service = teleservices::list(tx)?
        .into_iter()
        .find(|s| s.code == code)
        .ok_or(Error::NotFound)?;
    if attach || service.category_id == Some(id) {
        set_teleservice_category(tx, actor, code, attach.then_some(id))?;
    }
    Ok((category.name, service.label))
}

/// Applies a whole table of rights (`uid`, right; empty: the profile
/// decides): only those that change are written and audited. Answers how
/// many changed.
pub fn apply_rights(
    tx: &mut TenantTx<'_>,
    actor: &str,
    id: i64,
    wanted: &[(String, String)],
) -> Result<usize, Error> {
    get(tx, id)?.ok_or(Error::NotFound)?;
    let current: std::collections::HashMap<String, Access> = grants(tx, id)?
        .into_iter()
        .map(|g| (g.uid, g.right))
        .collect();
    let mut changed = 0;
    for (uid, right) in wanted {
        let now = current.get(uid).map(|a| a.as_str()).unwrap_or("");
        if now == right.as_str() {
            continue;
        }
        if right.is_empty() {
            clear_right(tx, actor, id, uid)?;
        } else {
            set_right(tx, actor, id, uid, right)?;
        }
        changed += 1;
    }
    Ok(changed)
}

/// The explicit rights given on a category.
pub fn grants(tx: &mut TenantTx<'_>, category: i64) -> Result<Vec<Grant>, StoreError> {
    Ok(rights::of_category(tx, category)?
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
) -> Result<(i64, Option<String>), Error> {
    get(tx, category)?.ok_or(Error::NotFound)?;
    let agent_id = agents::id_of(tx, uid)?.ok_or(Error::NotFound)?;
    let right = rights::get(tx, category, agent_id)?;
    Ok((agent_id, right))
}

/// Gives an agent a right on a category (replacing the previous one).
pub fn set_right(
    tx: &mut TenantTx<'_>,
    actor: &str,
    category: i64,
    uid: &str,
    right: &str,
) -> Result<Grant, Error> {
    let Some(access) = Access::parse(right) else {
        return Err(invalid(
            "right",
            format!("droit inconnu : « {right} » (attendu : none, read, write ou manage)"),
        ));
    };
    let (agent_id, before) = current_right(tx, category, uid)?;
    rights::set(tx, category, agent_id, access.as_str())?;
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
) -> Result<bool, Error> {
    let (agent_id, before) = current_right(tx, category, uid)?;
    if before.is_none() {
        return Ok(false);
    }
    rights::clear(tx, category, agent_id)?;
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
