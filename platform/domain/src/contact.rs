//! Checks of what people type for names, e-mail addresses, phone numbers and
//! SIRET numbers. Each error says, in French, what is expected.

use super::patterns::{self, collapse_spaces};

/// A person's first or last name: letters (accents welcome), spaces, hyphens,
/// apostrophes and dots, a letter first; 1 to 100 characters as typed.
pub fn person_name(raw: &str) -> Result<String, &'static str> {
    if raw.trim_matches(' ').is_empty() {
        return Err("ce champ est obligatoire");
    }
    if raw.chars().count() > 100 {
        return Err("100 caractères au plus");
    }
    if !patterns::PERSON_NAME.is_match(raw) {
        return Err(
            "seuls les lettres, espaces, traits d’union, apostrophes et points sont acceptés, en commençant par une lettre",
        );
    }
    Ok(collapse_spaces(raw))
}

/// A label (school name, category name): any printable text, not blank,
/// 1 to `max` characters as typed.
pub fn label(raw: &str, max: usize) -> Result<String, String> {
    if raw.trim_matches(' ').is_empty() {
        return Err("ce champ est obligatoire".into());
    }
    if raw.chars().count() > max {
        return Err(format!("{max} caractères au plus"));
    }
    if !patterns::LABEL.is_match(raw) {
        return Err(
            "les caractères de contrôle (retour à la ligne, tabulation…) ne sont pas acceptés"
                .into(),
        );
    }
    Ok(collapse_spaces(raw))
}

/// Free text such as a postal address (may be empty; line breaks kept,
/// written `\n`).
pub fn free_text(raw: &str, max: usize) -> Result<String, String> {
    // Browsers post a textarea's line breaks as CRLF.
    let raw = &raw.replace("\r\n", "\n").replace('\r', "\n");
    if raw.chars().count() > max {
        return Err(format!("{max} caractères au plus"));
    }
    if !patterns::FREE_TEXT.is_match(raw) {
        return Err(
            "les caractères de contrôle ne sont pas acceptés (hors retours à la ligne)".into(),
        );
    }
    Ok(raw.trim_matches([' ', '\n']).to_owned())
}

const EMAIL_HINT: &str = "adresse électronique invalide (exemple : prenom.nom@mairie.fr)";

/// An e-mail address, checked for its shape (one `@`, a domain with a dot);
/// 254 characters at most. The domain is kept in lower case.
pub fn email(raw: &str) -> Result<String, &'static str> {
    if raw.trim_matches(' ').is_empty() {
        return Err("ce champ est obligatoire");
    }
    if raw.chars().count() > 254 || !patterns::EMAIL.is_match(raw) {
        return Err(EMAIL_HINT);
    }
    let s = raw.trim_matches(' ');
    let (local, domain) = s.split_once('@').ok_or(EMAIL_HINT)?;
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// An optional e-mail address: empty (or spaces) is allowed.
pub fn optional_email(raw: &str) -> Result<String, &'static str> {
    if raw.trim_matches(' ').is_empty() {
        Ok(String::new())
    } else {
        email(raw)
    }
}

/// A phone number (optional): digits, spaces, dots, hyphens, parentheses and
/// a leading `+`; 6 to 20 digits; 40 characters at most.
pub fn phone(raw: &str) -> Result<String, &'static str> {
    const HINT: &str = "numéro de téléphone invalide (exemple : 01 23 45 67 89)";
    if raw.chars().count() > 40 || !patterns::PHONE.is_match(raw) {
        return Err(HINT);
    }
    Ok(collapse_spaces(raw))
}

/// A SIRET number: 14 digits (spaces allowed when typed) with a valid key.
pub fn siret(raw: &str) -> Result<String, &'static str> {
    const HINT: &str = "numéro SIRET invalide : 14 chiffres attendus, avec une clé valide";
    if !patterns::SIRET_SHAPE.is_match(raw) {
        return Err(HINT);
    }
    let s: String = raw.chars().filter(|c| *c != ' ').collect();
    if siret_key_ok(&s) {
        Ok(s)
    } else {
        Err(HINT)
    }
}

/// The Luhn key of a SIRET, or La Poste's rule for its establishments (the
/// sum of the digits is a multiple of 5).
pub fn siret_key_ok(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 {
                    d2 - 9
                } else {
                    d2
                }
            } else {
                d
            }
        })
        .sum();
    let la_poste = digits.starts_with("356000000")
        && digits
            .bytes()
            .map(|b| u32::from(b - b'0'))
            .sum::<u32>()
            .is_multiple_of(5);
    sum.is_multiple_of(10) || la_poste
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_takes_a_browsers_line_breaks() {
        assert_eq!(
            free_text("Hôtel de ville\r\n13200 Arles\r", 100).unwrap(),
            free_text("Hôtel de ville\n13200 Arles\n", 100).unwrap()
        );
        assert!(!free_text("a\r\nb", 100).unwrap().contains('\r'));
    }

    #[test]
    fn names() {
        assert_eq!(person_name("  Jean   Pierre ").unwrap(), "Jean Pierre");
        assert!(person_name("Éloïse d’Aubigné-Ça").is_ok());
        assert!(person_name("").is_err());
        for bad in [
            "a,b", "a+b", "a\"b", "a\\b", "a<b", "a>b", "a;b", "a=b", "a*b", "a(b", "a)b", "-x",
        ] {
            assert!(person_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            email(" Marie.Curie@Mairie.FR ").unwrap(),
            "Marie.Curie@mairie.fr"
        );
        for bad in [
            "", "x", "x@y", "@y.fr", "x@.fr", "x y@z.fr", "x@y..fr", "a@b@c.fr",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert_eq!(optional_email("").unwrap(), "");
    }

    #[test]
    fn phones() {
        assert_eq!(phone("01 23 45 67 89").unwrap(), "01 23 45 67 89");
        assert!(phone("+33 (0)1 23 45 67 89").is_ok());
        assert_eq!(phone("").unwrap(), "");
        assert!(phone("12").is_err());
        assert!(phone("01*23").is_err());
        assert!(phone("01+23456789").is_err());
    }

    #[test]
    fn sirets() {
        // The SIRET of a real town hall (Mairie de Paris) and a wrong key.
        assert_eq!(siret("217 500 016 00019").unwrap(), "21750001600019");
        assert!(siret("21750001600018").is_err());
        assert!(siret("1234").is_err());
        assert!(siret("2175000160001a").is_err());
    }
}
