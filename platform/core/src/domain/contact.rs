//! Checks of what people type for names, e-mail addresses, phone numbers and
//! SIRET numbers. Each error says, in French, what is expected.

/// A person's first or last name: letters (accents welcome), spaces, hyphens,
/// apostrophes and dots; 1 to 100 characters.
pub fn person_name(raw: &str) -> Result<String, &'static str> {
    let s = collapse_spaces(raw);
    if s.is_empty() {
        return Err("ce champ est obligatoire");
    }
    if s.chars().count() > 100 {
        return Err("100 caractères au plus");
    }
    let ok = s
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’' | '.'));
    if !ok || !s.chars().next().is_some_and(char::is_alphabetic) {
        return Err(
            "seuls les lettres, espaces, traits d’union, apostrophes et points sont acceptés",
        );
    }
    Ok(s)
}

/// A label (school name, category name): any printable text, 1 to `max` characters.
pub fn label(raw: &str, max: usize) -> Result<String, String> {
    let s = collapse_spaces(raw);
    if s.is_empty() {
        return Err("ce champ est obligatoire".into());
    }
    if s.chars().count() > max {
        return Err(format!("{max} caractères au plus"));
    }
    if s.chars().any(char::is_control) {
        return Err("les caractères de contrôle ne sont pas acceptés".into());
    }
    Ok(s)
}

/// Free text such as a postal address (may be empty; line breaks kept).
pub fn free_text(raw: &str, max: usize) -> Result<String, String> {
    let s = raw.trim().replace("\r\n", "\n");
    if s.chars().count() > max {
        return Err(format!("{max} caractères au plus"));
    }
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return Err("les caractères de contrôle ne sont pas acceptés".into());
    }
    Ok(s)
}

/// An e-mail address, checked for its shape (one `@`, a domain with a dot).
pub fn email(raw: &str) -> Result<String, &'static str> {
    let s = raw.trim();
    const HINT: &str = "adresse électronique invalide (exemple : prenom.nom@mairie.fr)";
    if s.is_empty() {
        return Err("ce champ est obligatoire");
    }
    if s.len() > 254 {
        return Err(HINT);
    }
    let Some((local, domain)) = s.split_once('@') else {
        return Err(HINT);
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let domain_ok = domain.contains('.')
        && domain.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if local_ok && domain_ok {
        Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
    } else {
        Err(HINT)
    }
}

/// An optional e-mail address: empty is allowed.
pub fn optional_email(raw: &str) -> Result<String, &'static str> {
    if raw.trim().is_empty() {
        Ok(String::new())
    } else {
        email(raw)
    }
}

/// A phone number (optional): digits, spaces, dots, hyphens, parentheses and
/// a leading `+`; 6 to 20 digits.
pub fn phone(raw: &str) -> Result<String, &'static str> {
    let s = collapse_spaces(raw);
    if s.is_empty() {
        return Ok(s);
    }
    const HINT: &str = "numéro de téléphone invalide (exemple : 01 23 45 67 89)";
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let chars_ok = s.char_indices().all(|(i, c)| {
        c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')') || (c == '+' && i == 0)
    });
    if chars_ok && (6..=20).contains(&digits) {
        Ok(s)
    } else {
        Err(HINT)
    }
}

/// A SIRET number: 14 digits (spaces allowed when typed) with a valid Luhn key.
pub fn siret(raw: &str) -> Result<String, &'static str> {
    let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    const HINT: &str = "numéro SIRET invalide : 14 chiffres attendus, avec une clé valide";
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HINT);
    }
    let sum: u32 = s
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
    // La Poste's establishments use another key: the sum of digits is a multiple of 5.
    let la_poste = s.starts_with("356000000")
        && s.bytes()
            .map(|b| u32::from(b - b'0'))
            .sum::<u32>()
            .is_multiple_of(5);
    if sum.is_multiple_of(10) || la_poste {
        Ok(s)
    } else {
        Err(HINT)
    }
}

fn collapse_spaces(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

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
