//! Agent identifiers, as CapDémat makes them: `prenom.nom`, lower case,
//! accents folded, spaces and apostrophes removed; 2, 3… appended on collision.

use crate::domain::text::fold;

/// The identifier proposed for a person, before collisions.
pub fn base(first_name: &str, last_name: &str) -> String {
    let part = |s: &str| -> String {
        fold(s)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect()
    };
    let uid = format!("{}.{}", part(first_name), part(last_name));
    let uid = uid.trim_matches(|c| c == '.' || c == '-').to_owned();
    uid.chars().take(60).collect()
}

/// The first of `base`, `base2`, `base3`… that `taken` does not claim.
pub fn first_free<E>(
    base: &str,
    mut taken: impl FnMut(&str) -> Result<bool, E>,
) -> Result<String, E> {
    if !taken(base)? {
        return Ok(base.to_owned());
    }
    let mut n = 2u32;
    loop {
        let candidate = format!("{base}{n}");
        if !taken(&candidate)? {
            return Ok(candidate);
        }
        n += 1;
    }
}

/// An identifier chosen by hand: 1 to 64 characters among lower-case letters,
/// digits, `.`, `-` and `_`, starting with a letter or a digit.
pub fn check(uid: &str) -> Result<(), &'static str> {
    let ok = (1..=64).contains(&uid.len())
        && uid.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
        })
        && uid.as_bytes()[0].is_ascii_alphanumeric();
    ok.then_some(()).ok_or(
        "identifiant invalide : de 1 à 64 caractères parmi les lettres minuscules sans accent, les chiffres, « . », « - » et « _ »",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    #[test]
    fn builds_prenom_nom() {
        assert_eq!(base("Jean", "Dupont"), "jean.dupont");
        assert_eq!(base("Éloïse", "d’Aubigné"), "eloise.daubigne");
        assert_eq!(base("Jean Pierre", "Le Goff"), "jeanpierre.legoff");
        assert_eq!(base("Marie-Ève", "O'Neil"), "marie-eve.oneil");
        assert_eq!(base("Çà", "Œuvre"), "ca.oeuvre");
        assert!(check(&base("Jean", "Dupont")).is_ok());
    }

    #[test]
    fn numbers_collisions_from_two() {
        let existing = ["jean.dupont", "jean.dupont2"];
        let uid = first_free::<Infallible>("jean.dupont", |c| Ok(existing.contains(&c))).unwrap();
        assert_eq!(uid, "jean.dupont3");
        let uid = first_free::<Infallible>("marie.curie", |c| Ok(existing.contains(&c))).unwrap();
        assert_eq!(uid, "marie.curie");
    }

    #[test]
    fn hand_chosen_identifiers() {
        assert!(check("j.dupont_2").is_ok());
        for bad in ["", "Jean", "jean dupont", "*)(uid=*", "é", ".x", "a,b"] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
