//! Time as people in France read it. Instants are stored in UTC; every one
//! shown to people and every date rule (season windows, deadlines, draft
//! expiry) is in Europe/Paris, summer time included. The JSON API writes
//! instants in RFC 3339 with their offset.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Europe::Paris;
use chrono_tz::Tz;

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

/// A stored UTC instant, in Paris.
pub fn paris(utc: NaiveDateTime) -> DateTime<Tz> {
    Utc.from_utc_datetime(&utc).with_timezone(&Paris)
}

/// Today's date in Paris (date rules: a season open "until 30 June" is open
/// all of that day in France).
pub fn today() -> NaiveDate {
    paris(Utc::now().naive_utc()).date_naive()
}

/// The UTC instant at which day `d` begins in Paris: a date interval of a
/// search, "du 2 au 30 juin", is Paris days.
pub fn day_start(d: NaiveDate) -> NaiveDateTime {
    let midnight = d.and_hms_opt(0, 0, 0).expect("midnight exists");
    Paris
        .from_local_datetime(&midnight)
        .earliest()
        .map_or(midnight, |t| t.naive_utc())
}

/// « 1er juin 2026 », « 29 novembre 2026 ».
pub fn date_fr(d: NaiveDate) -> String {
    let day = if d.day() == 1 {
        "1er".to_owned()
    } else {
        d.day().to_string()
    };
    format!("{day} {} {}", MONTHS[d.month0() as usize], d.year())
}

/// « 29 novembre 2026 à 14 h 05 », in Paris.
pub fn datetime_fr(utc: NaiveDateTime) -> String {
    let p = paris(utc);
    format!(
        "{} à {} h {:02}",
        date_fr(p.date_naive()),
        p.hour(),
        p.minute()
    )
}

/// RFC 3339 with the Paris offset: `2026-11-29T14:05:00+01:00`.
pub fn rfc3339(utc: NaiveDateTime) -> String {
    paris(utc).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// `#[serde(serialize_with = "…")]` for instants of the JSON API.
pub mod serde_rfc3339 {
    use chrono::NaiveDateTime;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339(*t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn paris_time_in_winter_and_summer() {
        assert_eq!(
            datetime_fr(utc("2026-11-29 13:05")),
            "29 novembre 2026 à 14 h 05"
        );
        assert_eq!(
            datetime_fr(utc("2026-07-14 08:30")),
            "14 juillet 2026 à 10 h 30"
        );
        // 23:30 UTC on 31 May is already 1 June in Paris.
        assert_eq!(
            datetime_fr(utc("2026-05-31 23:30")),
            "1er juin 2026 à 1 h 30"
        );
        assert_eq!(
            rfc3339(utc("2026-11-29 13:05")),
            "2026-11-29T14:05:00+01:00"
        );
        assert_eq!(
            rfc3339(utc("2026-07-14 08:30")),
            "2026-07-14T10:30:00+02:00"
        );
    }
}
