//! The shapes of what people and scripts send, as regular expressions that
//! mean the same thing in Rust, in ECMAScript (the JSON Schema of the API
//! document, which is filled from here) and in Python (the API tests): only
//! anchors, explicit character classes and counted repetitions.
//!
//! Only U+0020 counts as a space to trim and collapse; every other character
//! is kept as typed, and control characters are refused.

use std::sync::LazyLock;

use regex::Regex;

/// Letters of names: Latin letters with their diacritics (the French civil
/// status writes names in the Latin alphabet).
const LETTER: &str = "A-Za-zÀ-ÖØ-öø-ÿĀ-ſ";

macro_rules! pattern {
    ($name:ident, $doc:literal, $text:expr) => {
        #[doc = $doc]
        pub static $name: LazyLock<Pattern> = LazyLock::new(|| Pattern::new($text));
    };
}

/// A regular expression, with its source for the API document.
pub struct Pattern {
    pub source: String,
    regex: Regex,
}

impl Pattern {
    fn new(source: String) -> Pattern {
        let regex = Regex::new(&source).expect("the patterns are checked by the tests");
        Pattern { source, regex }
    }

    pub fn is_match(&self, s: &str) -> bool {
        self.regex.is_match(s)
    }
}

pattern!(
    PERSON_NAME,
    "A first or last name: letters, spaces, hyphens, apostrophes, dots; a letter first.",
    format!("^ *[{LETTER}][{LETTER} '’.-]*$")
);
pattern!(
    LABEL,
    "A label (a school, a category, a collectivité): printable text, not blank.",
    r"^ *[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$".to_owned()
);
pattern!(
    FREE_TEXT,
    "Free text (a postal address): printable, line breaks (LF or CRLF) allowed, may be empty.",
    r"^[^\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]*$".to_owned()
);

const EMAIL_LOCAL: &str = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*";
const DNS_LABEL: &str = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";

pattern!(
    EMAIL,
    "An e-mail address: a local part, `@`, a domain of at least two labels.",
    format!("^ *{EMAIL_LOCAL}@{DNS_LABEL}(\\.{DNS_LABEL})+ *$")
);
pattern!(
    OPTIONAL_EMAIL,
    "An e-mail address, or nothing.",
    format!("^ *({EMAIL_LOCAL}@{DNS_LABEL}(\\.{DNS_LABEL})+)? *$")
);
pattern!(
    PHONE,
    "A phone number, or nothing: 6 to 20 digits, with spaces, dots, hyphens, parentheses, a leading `+`.",
    r"^ *(\+?[ .()-]*([0-9][ .()-]*){6,20})?$".to_owned()
);
pattern!(
    SIRET_SHAPE,
    "The shape of a SIRET number: 14 digits, spaces allowed (the key is checked apart).",
    "^ *([0-9] *){14}$".to_owned()
);

pattern!(
    SIRET_OR_EMPTY,
    "A SIRET's shape, or nothing (no SIRET).",
    "^ *(([0-9] *){14})?$".to_owned()
);
pattern!(
    SLUG,
    "A collectivité's short name: a DNS label in lower case.",
    "^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$".to_owned()
);
pattern!(
    HOST,
    "A host name, in lower case, without a trailing dot.",
    "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$".to_owned()
);
pattern!(
    UID,
    "An agent's identifier: lower-case letters, digits, `.`, `-`, `_`; a letter or digit first.",
    "^[a-z0-9][a-z0-9._-]{0,63}$".to_owned()
);

pattern!(
    UID_OR_EMPTY,
    "An agent's identifier, or nothing (to have one made).",
    "^([a-z0-9][a-z0-9._-]{0,63})?$".to_owned()
);

/// Trims U+0020 at both ends and makes each run of them one.
pub fn collapse_spaces(s: &str) -> String {
    s.split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every pattern, by the name the API document uses for it.
pub fn all() -> Vec<(&'static str, &'static Pattern)> {
    vec![
        ("person-name", &PERSON_NAME),
        ("label", &LABEL),
        ("free-text", &FREE_TEXT),
        ("email", &EMAIL),
        ("optional-email", &OPTIONAL_EMAIL),
        ("phone", &PHONE),
        ("siret-shape", &SIRET_SHAPE),
        ("siret-or-empty", &SIRET_OR_EMPTY),
        ("slug", &SLUG),
        ("host", &HOST),
        ("uid", &UID),
        ("uid-or-empty", &UID_OR_EMPTY),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for (name, p) in all() {
            assert!(
                p.source.starts_with('^') && p.source.ends_with('$'),
                "{name}"
            );
        }
    }

    #[test]
    fn shapes() {
        assert!(PERSON_NAME.is_match("Éloïse d’Aubigné-Ça"));
        assert!(PERSON_NAME.is_match("  Jean   Pierre "));
        assert!(
            !PERSON_NAME.is_match("-x")
                && !PERSON_NAME.is_match("a\tb")
                && !PERSON_NAME.is_match(" ")
        );
        assert!(
            LABEL.is_match("École \"Les Tilleuls\" <1>")
                && !LABEL.is_match("  ")
                && !LABEL.is_match("a\nb")
        );
        assert!(FREE_TEXT.is_match("1 rue de la Paix\n75000 Paris") && FREE_TEXT.is_match(""));
        // A browser's line breaks (CRLF) are line breaks; other controls are not.
        assert!(FREE_TEXT.is_match("a\r\nb") && !FREE_TEXT.is_match("a\tb"));
        assert!(
            EMAIL.is_match(" Marie.Curie@Mairie.FR ")
                && !EMAIL.is_match("x@y")
                && !EMAIL.is_match("x@y..fr")
        );
        assert!(OPTIONAL_EMAIL.is_match("") && OPTIONAL_EMAIL.is_match("a@b.fr"));
        assert!(
            PHONE.is_match("+33 (0)1 23 45 67 89") && PHONE.is_match("") && !PHONE.is_match("12")
        );
        assert!(!PHONE.is_match("01+23456789"));
        assert!(SIRET_SHAPE.is_match("217 500 016 00019") && !SIRET_SHAPE.is_match("1234"));
        assert!(
            HOST.is_match("www.mairie-arles.fr")
                && !HOST.is_match("Www.fr")
                && !HOST.is_match("a..fr")
        );
        assert_eq!(collapse_spaces("  Jean   Pierre "), "Jean Pierre");
    }
}
