//! Reconciliation: re-reads a collectivité's branch of the LDAP directory and
//! brings the database mirror in line with it (agents, groups, écoles and
//! centres de loisirs added, changed or removed outside Guichet).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::agents;
use crate::agents::groups;
use crate::audit::{self, Change};
use crate::directory::{Directory, FacilityKind, FacilityRecord};
use crate::domain::text::fold;
use crate::error::Error;
use crate::facilities;
use crate::store::Store;
use crate::tenancy::Tenant;

pub const ACTOR: &str = "synchronisation-annuaire";

#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub slug: String,
    pub groups_added: Vec<String>,
    pub agents_added: Vec<String>,
    pub agents_changed: Vec<String>,
    pub agents_removed: Vec<String>,
    pub facilities_added: Vec<String>,
    pub facilities_changed: Vec<String>,
    pub facilities_removed: Vec<String>,
}

impl SyncReport {
    pub fn is_empty(&self) -> bool {
        self.lines().is_empty()
    }

    /// The differences, one French line each.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut add = |what: &str, items: &[String]| {
            for i in items {
                out.push(format!("{what} : {i}"));
            }
        };
        add("groupe ajouté", &self.groups_added);
        add("agent ajouté", &self.agents_added);
        add("agent modifié", &self.agents_changed);
        add("agent supprimé", &self.agents_removed);
        add("établissement ajouté", &self.facilities_added);
        add("établissement modifié", &self.facilities_changed);
        add("établissement supprimé", &self.facilities_removed);
        out
    }
}

fn facility_label(f: &FacilityRecord) -> String {
    format!("{} « {} »", f.kind.label_fr(), f.name)
}

/// Brings the database in line with the directory for one collectivité.
/// With the built-in directory there is nothing to reconcile.
pub fn sync_tenant(
    store: &Store,
    directory: &Directory,
    tenant: &Tenant,
) -> Result<SyncReport, Error> {
    let mut report = SyncReport {
        slug: tenant.slug.clone(),
        ..SyncReport::default()
    };
    let Some(snapshot) = directory.snapshot(&tenant.slug) else {
        return Ok(report);
    };
    let snapshot = snapshot?;
    store.write(tenant.id, |tx| {
        let known: Vec<String> = groups::list(tx)?.into_iter().map(|(_, n, _)| n).collect();
        for g in &snapshot.groups {
            if !known.contains(&g.name) {
                groups::insert(tx, g)?;
                report.groups_added.push(g.name.clone());
            }
        }

        let mut in_db: HashMap<String, agents::Agent> = agents::search(tx, "", i64::MAX)?
            .into_iter()
            .map(|a| (a.uid.clone(), a))
            .collect();
        for record in &snapshot.agents {
            match in_db.remove(&record.uid) {
                None => {
                    agents::mirror(tx, None, record)?;
                    report.agents_added.push(record.uid.clone());
                }
                Some(agent) if agent.record() != *record => {
                    agents::mirror(tx, Some(agent.id), record)?;
                    report.agents_changed.push(record.uid.clone());
                }
                Some(_) => {}
            }
        }
        for (uid, agent) in in_db {
            agents::unmirror(tx, agent.id)?;
            report.agents_removed.push(uid);
        }

        for kind in [FacilityKind::School, FacilityKind::RecreationCenter] {
            let mut in_db: BTreeMap<String, (i64, FacilityRecord)> = facilities::records(tx, kind)?
                .into_iter()
                .map(|(id, r)| (fold(&r.name), (id, r)))
                .collect();
            for record in snapshot.facilities.iter().filter(|f| f.kind == kind) {
                match in_db.remove(&fold(&record.name)) {
                    None => {
                        let id = tx.next_id()?;
                        facilities::insert(tx, id, record)?;
                        report.facilities_added.push(facility_label(record));
                    }
                    Some((id, current)) if current != *record => {
                        facilities::overwrite(tx, id, record)?;
                        report.facilities_changed.push(facility_label(record));
                    }
                    Some(_) => {}
                }
            }
            for (_, (id, record)) in in_db {
                facilities::remove(tx, id)?;
                report.facilities_removed.push(facility_label(&record));
            }
        }

        if !report.is_empty() {
            audit::record(
                tx,
                Change {
                    actor: ACTOR,
                    action: "directory.sync",
                    object_type: "local-authority",
                    object_id: &tenant.slug,
                    before: None,
                    after: Some(serde_json::to_value(&report).unwrap_or_default()),
                },
            )?;
        }
        Ok::<_, Error>(())
    })?;
    Ok(report)
}
