//! The requests a search finds, as rows to download: read in pages of a
//! thousand along the search's own order (keyset, as the pages do), each
//! page its own short read transaction, so that a million requests go out
//! in constant memory without holding the database. A search narrowed to
//! one téléservice also gets one column per field of its form.

use std::collections::HashMap;

use super::{criteria, Criteria, Query, Teleservices};
use crate::agents::Desk;
use crate::domain::forms::{Choice, Field, FieldKind};
use crate::domain::sheet::Cell;
use crate::error::Error;
use crate::store::repo::casework::{self as rows, Cursor, Filter, Order};
use crate::store::repo::offer;
use crate::store::TenantTx;

/// How many requests each read takes.
pub const BATCH: i64 = 1000;

/// What an export needs between its pages.
pub struct Plan {
    filter: Filter,
    order: Order,
    teleservices: Teleservices,
    now: chrono::NaiveDateTime,
    /// The fields of the one téléservice searched, if one was.
    fields: Vec<Field>,
    /// Choice keys and facility ids, as their labels.
    labels: HashMap<String, String>,
    batch: i64,
}

/// An exported request: its number, then its cells (dates as dates, so
/// that a spreadsheet sorts them).
pub type Row = (i64, Vec<Cell>);

const COMMON: [&str; 9] = [
    "Téléservice",
    "État",
    "Qualité de service",
    "Demandeur",
    "Concerné",
    "Déposée le",
    "Foyer",
    "Dernière modification",
    "Message du foyer",
];

fn labels_of(choices: &[Choice], out: &mut HashMap<String, String>) {
    for c in choices {
        out.insert(c.key.clone(), c.label.clone());
        labels_of(&c.children, out);
    }
}

/// Checks the search as the search page does; `NotFound`-free: an empty
/// export is a header alone.
pub fn plan(tx: &mut TenantTx<'_>, desk: &Desk, q: &Query) -> Result<Plan, Error> {
    let desk = &desk.for_statistics(tx)?;
    let Criteria {
        filter,
        order,
        teleservices,
        now,
        ..
    } = criteria(
        tx,
        desk,
        &Query {
            apres: String::new(),
            ..q.clone()
        },
    )?;
    let mut fields = Vec::new();
    let mut labels = HashMap::new();
    if let Some(t) = filter.teleservice {
        let row = offer::teleservices(tx)?.into_iter().find(|r| r.id == t);
        let form = match &row {
            Some(r) => guichet_core::catalogue::library::latest(tx, &r.code)?,
            None => None,
        };
        if let Some(form) = form {
            fields = form
                .fields()
                .filter(|f| f.kind != FieldKind::Consent)
                .cloned()
                .collect();
            for f in &fields {
                labels_of(&f.options, &mut labels);
            }
            for e in offer::entries(tx, t)? {
                labels.insert(e.key, e.label);
            }
            use crate::directory::FacilityKind;
            for kind in [FacilityKind::School, FacilityKind::RecreationCenter] {
                for f in crate::facilities::search(tx, kind, "")? {
                    labels.insert(f.id.to_string(), f.name);
                }
            }
        }
    }
    Ok(Plan {
        filter,
        order,
        teleservices,
        now,
        fields,
        labels,
        batch: BATCH,
    })
}

impl Plan {
    /// Reads `n` requests at a time instead of [`BATCH`].
    pub fn in_pages_of(self, n: i64) -> Plan {
        Plan { batch: n, ..self }
    }

    /// The columns' titles.
    pub fn header(&self) -> Vec<String> {
        let mut h = vec!["Numéro".to_owned()];
        h.extend(COMMON.iter().map(|c| (*c).to_owned()));
        h.extend(self.fields.iter().map(|f| f.label.clone()));
        h
    }

    /// The next page after `after`, and where the one after it starts.
    pub fn page(
        &self,
        tx: &mut TenantTx<'_>,
        after: Option<Cursor>,
    ) -> Result<(Vec<Row>, Option<Cursor>), Error> {
        let found = rows::export(tx, &self.filter, self.order, after, self.batch)?;
        let next = (found.len() as i64 == self.batch)
            .then(|| found.last())
            .flatten()
            .map(|r| Cursor {
                at: match self.order {
                    Order::RecentlyChanged => r.case.updated_at,
                    _ => r.case.submitted_at.unwrap_or(r.case.updated_at),
                },
                id: r.case.id,
            });
        let rows = found
            .into_iter()
            .map(|r| {
                let data: serde_json::Value =
                    serde_json::from_str(&r.data_json).unwrap_or_default();
                let updated = Cell::at_utc(r.case.updated_at);
                let submitted = r
                    .case
                    .submitted_at
                    .map_or_else(|| Cell::Text(String::new()), Cell::at_utc);
                let case = self.teleservices.case(r.case, self.now);
                let mut cells = vec![
                    case.teleservice.into(),
                    case.state.into(),
                    case.quality_label.unwrap_or_default().into(),
                    case.requester.into(),
                    case.subject.into(),
                    submitted,
                    Cell::Number(case.foyer),
                    updated,
                    r.household_note.into(),
                ];
                cells.extend(self.fields.iter().map(|f| {
                    let v = data.get(&f.key).unwrap_or(&serde_json::Value::Null);
                    match (
                        f.kind,
                        v.as_str()
                            .map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")),
                    ) {
                        (FieldKind::Date, Some(Ok(day))) => Cell::Day(day),
                        _ => Cell::Text(self.text(v)),
                    }
                }));
                (case.number.unwrap_or_default(), cells)
            })
            .collect();
        Ok((rows, next))
    }

    /// An answer as text: choices as their labels, lists joined.
    fn text(&self, v: &serde_json::Value) -> String {
        use serde_json::Value;
        match v {
            Value::Null => String::new(),
            Value::Bool(true) => "oui".into(),
            Value::Bool(false) => "non".into(),
            Value::Number(n) => self
                .labels
                .get(&n.to_string())
                .cloned()
                .unwrap_or_else(|| n.to_string()),
            Value::String(s) => self.labels.get(s).cloned().unwrap_or_else(|| s.clone()),
            Value::Array(items) => items
                .iter()
                .map(|i| self.text(i))
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" ; "),
            Value::Object(map) => map
                .values()
                .map(|i| self.text(i))
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}
