//! A cell of a table to download: what a spreadsheet must tell apart to
//! sum, sort and filter it (the writers are in `guichet_web::sheet`).

use chrono::{NaiveDate, NaiveDateTime};

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A whole number a spreadsheet can add up.
    Number(i64),
    /// An amount in cents, written in euros with two decimals.
    Euros(i64),
    /// A moment, in Paris time: sorted as a date, not as words.
    At(NaiveDateTime),
    /// A day.
    Day(NaiveDate),
}

impl Cell {
    /// A moment stored in UTC, as Paris reads it.
    pub fn at_utc(utc: NaiveDateTime) -> Cell {
        Cell::At(crate::time::paris(utc).naive_local())
    }

    /// The cell as one plain string, as a CSV cell carries it: ISO dates
    /// (`2026-11-30 14:05`), which spreadsheets read as dates and which sort
    /// as text too; euros with a decimal comma.
    pub fn plain(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Euros(c) => format!(
                "{}{},{:02}",
                if *c < 0 { "-" } else { "" },
                c.abs() / 100,
                c.abs() % 100
            ),
            Cell::At(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            Cell::Day(d) => d.format("%Y-%m-%d").to_string(),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Number(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_cells_sort_as_they_read() {
        let at = NaiveDate::from_ymd_opt(2026, 11, 30)
            .unwrap()
            .and_hms_opt(13, 5, 0)
            .unwrap();
        // 13:05 UTC is 14:05 in Paris in winter.
        assert_eq!(Cell::at_utc(at).plain(), "2026-11-30 14:05");
        assert_eq!(Cell::Day(at.date()).plain(), "2026-11-30");
        assert_eq!(Cell::Euros(1250).plain(), "12,50");
        assert_eq!(Cell::Euros(-5).plain(), "-0,05");
        assert_eq!(Cell::from(7).plain(), "7");
    }
}
