//! The directory's changes as steps (each with its way back) and the
//! reading of entries' attributes.

use super::*;

pub(super) fn text(v: &str) -> Values {
    vec![v.as_bytes().to_vec()]
}

/// One value, or none at all for an empty text (LDAP has no empty values).
pub(super) fn optional(v: &str) -> Values {
    if v.is_empty() {
        Vec::new()
    } else {
        text(v)
    }
}

pub(super) fn set(values: &Values) -> HashSet<Vec<u8>> {
    values.iter().cloned().collect()
}

pub(super) fn first(e: &SearchEntry, attr: &str) -> Option<String> {
    e.attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .and_then(|(_, v)| v.first().cloned())
}

/// Every attribute of an entry, text and binary, as raw values.
pub(super) fn all_attrs(e: SearchEntry) -> Vec<(String, Values)> {
    let mut out: Vec<(String, Values)> = e
        .attrs
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().map(String::into_bytes).collect()))
        .collect();
    out.extend(e.bin_attrs);
    out
}

fn current_values(current: &[(String, Values)], attr: &str) -> Values {
    current
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

pub(super) fn modify(dn: &str, change: Change) -> Op {
    Op::Modify {
        dn: dn.to_owned(),
        mods: vec![change],
    }
}

pub(super) fn add_step(dn: &str, attrs: Vec<(String, Values)>) -> Step {
    Step {
        forward: Op::Add {
            dn: dn.to_owned(),
            attrs,
        },
        inverse: Op::Delete { dn: dn.to_owned() },
    }
}

/// One modification replacing the attributes whose values change; its inverse
/// puts back the values held now. `None` when nothing changes.
pub(super) fn replace_step(
    dn: &str,
    current: &[(String, Values)],
    wanted: Vec<(String, Values)>,
) -> Option<Step> {
    let mut forward = Vec::new();
    let mut inverse = Vec::new();
    for (attr, values) in wanted {
        let now = current_values(current, &attr);
        if set(&now) != set(&values) {
            inverse.push(Change::Replace(attr.clone(), now));
            forward.push(Change::Replace(attr, values));
        }
    }
    (!forward.is_empty()).then(|| Step {
        forward: Op::Modify {
            dn: dn.to_owned(),
            mods: forward,
        },
        inverse: Op::Modify {
            dn: dn.to_owned(),
            mods: inverse,
        },
    })
}
