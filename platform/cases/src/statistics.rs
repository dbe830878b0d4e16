//! The « tableaux de suivi »: counts of the requests an agent may read, by
//! state, by téléservice and month of submission with their states, and by
//! quality of service, for a period, a category or a téléservice. Each
//! count is one grouped query: the pages cost the same at a million requests
//! as at a hundred, give or take the database's scan.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::agents::Desk;
use crate::casework::criteria;
use crate::casework::under_instruction;
use crate::casework::Criteria;
use crate::casework::Query;
use crate::domain::requests::{Quality, RequestState};
use crate::error::Error;
use crate::store::repo::casework::{self as rows, Filter};
use crate::store::TenantTx;

/// A line of a table: its labels, then its counts.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub labels: Vec<String>,
    pub counts: Vec<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// Its name in the export's address (`etats`, `mois`, `qualite`).
    pub key: &'static str,
    pub caption: &'static str,
    pub label_columns: Vec<&'static str>,
    pub count_columns: Vec<String>,
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Statistics {
    pub total: i64,
    pub by_state: Table,
    pub by_month: Table,
    pub by_quality: Table,
    /// The months, with every téléservice's requests added up (the chart).
    pub monthly: Vec<(String, i64)>,
}

impl Statistics {
    pub fn table(&self, key: &str) -> Option<&Table> {
        [&self.by_state, &self.by_month, &self.by_quality]
            .into_iter()
            .find(|t| t.key == key)
    }
}

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// `2026-11` → « novembre 2026 ».
fn month_label(ym: &str) -> String {
    match ym.split_once('-') {
        Some((y, m)) => match m.parse::<usize>() {
            Ok(m @ 1..=12) => format!("{} {y}", MONTHS[m - 1]),
            _ => ym.to_owned(),
        },
        None => ym.to_owned(),
    }
}

/// The tables for the query's period, category and téléservice (its other
/// fields do not apply), within the agent's reach.
pub fn statistics(tx: &mut TenantTx<'_>, desk: &Desk, q: &Query) -> Result<Statistics, Error> {
    let desk = &desk.for_statistics(tx)?;
    let q = Query {
        du: q.du.clone(),
        au: q.au.clone(),
        categorie: q.categorie.clone(),
        teleservice: q.teleservice.clone(),
        ..Query::default()
    };
    let Criteria {
        filter,
        teleservices,
        now,
        ..
    } = criteria(tx, desk, &q)?;

    let by_state_rows = rows::count_by_state(tx, &filter)?;
    let count = |code: &str, rows: &[(String, i64)]| {
        rows.iter().find(|(s, _)| s == code).map_or(0, |(_, n)| *n)
    };
    let states: Vec<RequestState> = RequestState::ALL
        .into_iter()
        .filter(|s| *s != RequestState::Draft)
        .collect();
    let total: i64 = by_state_rows.iter().map(|(_, n)| n).sum();
    let by_state = Table {
        key: "etats",
        caption: "Demandes par état",
        label_columns: vec!["État"],
        count_columns: vec!["Demandes".into()],
        lines: states
            .iter()
            .map(|s| Line {
                labels: vec![s.label().to_owned()],
                counts: vec![count(s.code(), &by_state_rows)],
            })
            .collect(),
    };

    // Téléservice and month, then one column per state that occurs.
    let month_rows = rows::count_by_month(tx, &filter)?;
    let present: Vec<RequestState> = states
        .iter()
        .copied()
        .filter(|s| month_rows.iter().any(|(_, _, st, _)| st == s.code()))
        .collect();
    let mut grid: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    let mut monthly: BTreeMap<String, i64> = BTreeMap::new();
    for (teleservice, month, state, n) in &month_rows {
        let Some(col) = present.iter().position(|s| s.code() == state) else {
            continue;
        };
        let line = grid
            .entry((month.clone(), teleservices.label(*teleservice)))
            .or_insert_with(|| vec![0; present.len() + 1]);
        line[col] += n;
        line[present.len()] += n;
        *monthly.entry(month.clone()).or_default() += n;
    }
    let mut count_columns: Vec<String> = present.iter().map(|s| s.label().to_owned()).collect();
    count_columns.push("Total".into());
    let by_month = Table {
        key: "mois",
        caption: "Demandes par téléservice et par mois de dépôt, selon leur état",
        label_columns: vec!["Mois", "Téléservice"],
        count_columns,
        lines: grid
            .into_iter()
            .map(|((month, teleservice), counts)| Line {
                labels: vec![month_label(&month), teleservice],
                counts,
            })
            .collect(),
    };

    // Quality of service of the requests under instruction, now.
    let mut lines = Vec::new();
    for quality in [Quality::OnTime, Quality::Urgent, Quality::Late] {
        let f = Filter {
            states: under_instruction(),
            windows: Some(teleservices.windows(quality, now)),
            ..filter.clone()
        };
        lines.push(Line {
            labels: vec![quality.label().to_owned()],
            counts: vec![rows::count(tx, &f)?],
        });
    }
    let by_quality = Table {
        key: "qualite",
        caption: "Demandes en cours d’instruction, par qualité de service",
        label_columns: vec!["Qualité de service"],
        count_columns: vec!["Demandes".into()],
        lines,
    };
    Ok(Statistics {
        total,
        by_state,
        by_month,
        by_quality,
        monthly: monthly
            .into_iter()
            .map(|(m, n)| (month_label(&m), n))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn months_read_in_french() {
        assert_eq!(super::month_label("2026-11"), "novembre 2026");
        assert_eq!(super::month_label("2027-02"), "février 2027");
        assert_eq!(super::month_label("n/a"), "n/a");
    }
}
