//! The slug of a collectivité: its short name in URLs and host names
//! (`{slug}.localhost`), so it must be a valid DNS label.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("l’identifiant court doit compter de 1 à {MAX_LEN} caractères")]
    Length,
    #[error("l’identifiant court ne peut contenir que des lettres minuscules sans accent, des chiffres et des tirets, sans tiret au début ni à la fin")]
    Characters,
    #[error("l’identifiant court « {0} » est réservé")]
    Reserved(String),
}

pub const MAX_LEN: usize = 40;

/// Names that would clash with the platform's own host names or paths.
const RESERVED: &[&str] = &[
    "www",
    "api",
    "static",
    "admin",
    "provisioning",
    "backoffice",
    "localhost",
    // a path of the provisioning pages (/collectivites/nouvelle)
    "nouvelle",
];

impl Slug {
    pub fn parse(raw: &str) -> Result<Slug, SlugError> {
        if raw.is_empty() || raw.len() > MAX_LEN {
            return Err(SlugError::Length);
        }
        let allowed = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !allowed || raw.starts_with('-') || raw.ends_with('-') {
            return Err(SlugError::Characters);
        }
        if RESERVED.contains(&raw) {
            return Err(SlugError::Reserved(raw.to_owned()));
        }
        Ok(Slug(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dns_labels() {
        for ok in ["demo", "saint-denis", "a", "cc-95", "x1"] {
            assert_eq!(Slug::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn refuses_the_rest() {
        assert_eq!(Slug::parse(""), Err(SlugError::Length));
        assert_eq!(Slug::parse(&"a".repeat(41)), Err(SlugError::Length));
        for bad in ["Demo", "é", "a_b", "-a", "a-", "a b", "a.b", "a/b", "*)("] {
            assert_eq!(Slug::parse(bad), Err(SlugError::Characters), "{bad}");
        }
        assert!(matches!(Slug::parse("www"), Err(SlugError::Reserved(_))));
    }
}
