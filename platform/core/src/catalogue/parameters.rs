//! The paramètres of a téléservice: the choice lists its form draws from
//! (food diets, canteen days…), for the agents who manage its category.
//! Entries are added, renamed, moved and removed; an entry some request
//! chose is retired instead (no longer offered, still read in the requests
//! that chose it), and may be offered again. The portal's forms use the
//! lists as they are at once.

use serde::Serialize;

use super::library::Form;
use crate::agents::Desk;
use crate::catalogue::teleservices::{managed, record};
use crate::domain::contact;
use crate::error::{invalid, Checks, Error};
use crate::store::repo::offer::{self, EntryRow, TeleserviceRow};
use crate::store::TenantTx;

#[derive(Debug, Clone, Serialize)]
pub struct ListSummary {
    pub name: String,
    pub label: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub key: String,
    pub label: String,
    /// The heading it is under, if any.
    pub parent: Option<String>,
    /// Its depth in the tree (0: top).
    pub depth: usize,
    pub retired: bool,
    pub first: bool,
    pub last: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListView {
    pub code: String,
    pub teleservice: String,
    pub name: String,
    pub label: String,
    pub entries: Vec<EntryView>,
    /// The entries that may hold others (top-level, not retired).
    pub headings: Vec<(String, String)>,
}

/// The lists of the téléservice's form, with their number of entries offered.
pub fn lists(tx: &mut TenantTx<'_>, desk: &Desk, code: &str) -> Result<Vec<ListSummary>, Error> {
    let t = managed(tx, desk, code)?;
    let Some(form) = super::library::latest(tx, code)? else {
        return Ok(Vec::new());
    };
    crate::catalogue::offer::ensure_seeded(tx, &t, &form)?;
    let entries = offer::entries(tx, t.id)?;
    Ok(form
        .lists
        .iter()
        .map(|l| ListSummary {
            name: l.name.clone(),
            label: l.label.clone(),
            count: entries
                .iter()
                .filter(|e| e.list == l.name && !e.retired)
                .count(),
        })
        .collect())
}

/// The téléservice and its list, seeded, if the agent manages it.
fn list_of(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    list: &str,
) -> Result<(TeleserviceRow, Form, String), Error> {
    let t = managed(tx, desk, code)?;
    let form = super::library::latest(tx, code)?.ok_or(Error::NotFound)?;
    let label = form
        .lists
        .iter()
        .find(|l| l.name == list)
        .map(|l| l.label.clone())
        .ok_or(Error::NotFound)?;
    crate::catalogue::offer::ensure_seeded(tx, &t, &form)?;
    Ok((t, form, label))
}

/// The entries of the list, each under its heading, in order.
fn ordered(entries: &[EntryRow], list: &str) -> Vec<EntryRow> {
    fn under(entries: &[EntryRow], list: &str, parent: Option<&str>, out: &mut Vec<EntryRow>) {
        for e in entries
            .iter()
            .filter(|e| e.list == list && e.parent_key.as_deref() == parent)
        {
            out.push(e.clone());
            under(entries, list, Some(&e.key), out);
        }
    }
    let mut out = Vec::new();
    under(entries, list, None, &mut out);
    out
}

pub fn show(tx: &mut TenantTx<'_>, desk: &Desk, code: &str, list: &str) -> Result<ListView, Error> {
    let (t, _, label) = list_of(tx, desk, code, list)?;
    let rows = offer::entries(tx, t.id)?;
    let ordered = ordered(&rows, list);
    let siblings = |e: &EntryRow| -> Vec<&EntryRow> {
        rows.iter()
            .filter(|o| o.list == list && o.parent_key == e.parent_key)
            .collect()
    };
    let entries = ordered
        .iter()
        .map(|e| {
            let s = siblings(e);
            let mut depth = 0;
            let mut parent = e.parent_key.clone();
            while let Some(p) = parent {
                depth += 1;
                parent = rows
                    .iter()
                    .find(|o| o.list == list && o.key == p)
                    .and_then(|o| o.parent_key.clone());
            }
            EntryView {
                key: e.key.clone(),
                label: e.label.clone(),
                parent: e.parent_key.clone(),
                depth,
                retired: e.retired,
                first: s.first().is_some_and(|f| f.key == e.key),
                last: s.last().is_some_and(|l| l.key == e.key),
            }
        })
        .collect();
    Ok(ListView {
        code: t.code.clone(),
        teleservice: t.label.clone(),
        name: list.to_owned(),
        label,
        headings: ordered
            .iter()
            .filter(|e| e.parent_key.is_none() && !e.retired)
            .map(|e| (e.key.clone(), e.label.clone()))
            .collect(),
        entries,
    })
}

fn entry(rows: &[EntryRow], list: &str, key: &str) -> Result<EntryRow, Error> {
    rows.iter()
        .find(|e| e.list == list && e.key == key)
        .cloned()
        .ok_or(Error::NotFound)
}

/// A new entry: its key (kept in the requests' data), its label, and the
/// heading it goes under (empty: at the top).
pub fn add(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    list: &str,
    key: &str,
    label: &str,
    parent: &str,
) -> Result<(), Error> {
    let (t, _, _) = list_of(tx, desk, code, list)?;
    let rows = offer::entries(tx, t.id)?;
    let mut c = Checks::default();
    let key = key.trim();
    let valid_key = !key.is_empty()
        && key.len() <= 40
        && key
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-' || ch == '_')
        && key
            .chars()
            .next()
            .is_some_and(|ch| ch.is_ascii_alphanumeric());
    if !valid_key {
        c.add(
            "key",
            "la clé s’écrit en minuscules sans accents, chiffres et tirets (40 caractères au plus), par exemple sans-gluten",
        );
    } else if rows.iter().any(|e| e.list == list && e.key == key) {
        c.add(
            "key",
            format!("une entrée de cette liste a déjà la clé « {key} » (peut-être retirée) : choisissez-en une autre"),
        );
    }
    let label = c.take("label", contact::label(label, 100));
    let parent = match parent.trim() {
        "" => None,
        p => {
            if !rows
                .iter()
                .any(|e| e.list == list && e.key == p && e.parent_key.is_none() && !e.retired)
            {
                c.add("parent", "choisissez la rubrique dans la liste, ou aucune");
            }
            Some(p.to_owned())
        }
    };
    c.finish()?;
    offer::insert_entry(
        tx,
        &EntryRow {
            tenant_id: 0,
            teleservice_id: t.id,
            list: list.to_owned(),
            key: key.to_owned(),
            label: label.clone(),
            parent_key: parent,
            position: 0,
            retired: false,
        },
    )?;
    record(
        tx,
        desk,
        "parameter.add",
        code,
        serde_json::json!({ "list": list, "key": key, "label": label }),
    )
}

pub fn rename(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    list: &str,
    key: &str,
    label: &str,
) -> Result<(), Error> {
    let (t, _, _) = list_of(tx, desk, code, list)?;
    let rows = offer::entries(tx, t.id)?;
    let e = entry(&rows, list, key)?;
    let label = contact::label(label, 100).map_err(|m| invalid("label", m))?;
    offer::update_entry(
        tx,
        &EntryRow {
            label: label.clone(),
            ..e
        },
    )?;
    record(
        tx,
        desk,
        "parameter.rename",
        code,
        serde_json::json!({ "list": list, "key": key, "label": label }),
    )
}

/// Moves an entry one place up or down among those under its heading.
pub fn shift(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    list: &str,
    key: &str,
    up: bool,
) -> Result<(), Error> {
    let (t, _, _) = list_of(tx, desk, code, list)?;
    let rows = offer::entries(tx, t.id)?;
    let e = entry(&rows, list, key)?;
    let siblings: Vec<&EntryRow> = rows
        .iter()
        .filter(|o| o.list == list && o.parent_key == e.parent_key)
        .collect();
    let at = siblings
        .iter()
        .position(|o| o.key == e.key)
        .expect("an entry is among its siblings");
    let other = match (up, at) {
        (true, 0) => None,
        (true, n) => siblings.get(n - 1),
        (false, n) => siblings.get(n + 1),
    };
    let Some(other) = other else {
        return Err(Error::Refused(
            "cette entrée est déjà à cette extrémité de la liste".into(),
        ));
    };
    let other = (*other).clone();
    offer::update_entry(
        tx,
        &EntryRow {
            position: other.position,
            ..e.clone()
        },
    )?;
    offer::update_entry(
        tx,
        &EntryRow {
            position: e.position,
            ..other
        },
    )?;
    record(
        tx,
        desk,
        "parameter.move",
        code,
        serde_json::json!({ "list": list, "key": key, "up": up }),
    )
}

/// True when a request of the téléservice (a draft too) holds this value.
fn in_use(tx: &mut TenantTx<'_>, teleservice: i64, key: &str) -> Result<bool, Error> {
    fn holds(v: &serde_json::Value, key: &str) -> bool {
        match v {
            serde_json::Value::String(s) => s == key,
            serde_json::Value::Array(items) => items.iter().any(|i| holds(i, key)),
            serde_json::Value::Object(map) => map.values().any(|i| holds(i, key)),
            _ => false,
        }
    }
    Ok(offer::data_mentioning(tx, teleservice, key)?
        .iter()
        .filter_map(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        .any(|d| holds(&d, key)))
}

/// What became of a removed entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removed {
    Deleted,
    /// Some request chose it: no longer offered, still read.
    Retired,
}

/// Removes an entry: deleted when no request chose it, retired otherwise.
/// A heading goes with its entries.
pub fn remove(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    list: &str,
    key: &str,
) -> Result<Removed, Error> {
    let (t, _, _) = list_of(tx, desk, code, list)?;
    let rows = offer::entries(tx, t.id)?;
    let e = entry(&rows, list, key)?;
    let mut family = vec![e.clone()];
    family.extend(
        rows.iter()
            .filter(|o| o.list == list && o.parent_key.as_deref() == Some(key))
            .cloned(),
    );
    let mut used = false;
    for member in &family {
        used |= in_use(tx, t.id, &member.key)?;
    }
    let outcome = if used {
        for member in family {
            offer::update_entry(
                tx,
                &EntryRow {
                    retired: true,
                    ..member
                },
            )?;
        }
        Removed::Retired
    } else {
        for member in family.iter().rev() {
            offer::delete_entry(tx, t.id, list, &member.key)?;
        }
        Removed::Deleted
    };
    record(
        tx,
        desk,
        "parameter.remove",
        code,
        serde_json::json!({ "list": list, "key": key, "retired": outcome == Removed::Retired }),
    )?;
    Ok(outcome)
}

/// Offers a retired entry again (under a heading that is itself offered).
pub fn restore(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    list: &str,
    key: &str,
) -> Result<(), Error> {
    let (t, _, _) = list_of(tx, desk, code, list)?;
    let rows = offer::entries(tx, t.id)?;
    let e = entry(&rows, list, key)?;
    if let Some(parent) = &e.parent_key {
        if entry(&rows, list, parent)?.retired {
            return Err(Error::Refused(
                "sa rubrique est retirée : proposez-la d’abord à nouveau".into(),
            ));
        }
    }
    offer::update_entry(
        tx,
        &EntryRow {
            retired: false,
            ..e
        },
    )?;
    record(
        tx,
        desk,
        "parameter.restore",
        code,
        serde_json::json!({ "list": list, "key": key }),
    )
}
