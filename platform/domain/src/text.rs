//! Text folding shared by identifiers and searches: lower case, accents off.

/// Lower case without diacritics: "Éloïse Œuvrard" → "eloise oeuvrard".
/// Characters outside Latin letters are kept as they are (lower-cased).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => out.push('a'),
            'æ' => out.push_str("ae"),
            'ç' | 'ć' | 'č' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' | 'ī' => out.push('i'),
            'ñ' | 'ń' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => out.push('o'),
            'œ' => out.push_str("oe"),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'š' | 'ś' => out.push('s'),
            'ž' | 'ź' | 'ż' => out.push('z'),
            'ß' => out.push_str("ss"),
            // Typographic apostrophe and dashes, as people type them in names.
            '’' | 'ʼ' => out.push('\''),
            '‐' | '‑' | '–' => out.push('-'),
            c => out.push(c),
        }
    }
    out
}

/// What searches compare: folded, without apostrophes, so that "daub" finds
/// "d’Aubigné".
pub fn search_key(s: &str) -> String {
    fold(s).replace('\'', "")
}

/// A `LIKE` pattern matching values that start with `prefix`; `%`, `_` and
/// `\` in it are matched literally (use with `ESCAPE '\'`).
pub fn like_prefix(prefix: &str) -> String {
    let mut p = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// A number and what it counts, agreed in French: « 0 demande », « 1
/// demande », « 3 demandes » (never « demande(s) »).
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n > 1 { many } else { one })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree() {
        assert_eq!(count(0, "demande", "demandes"), "0 demande");
        assert_eq!(
            count(1, "demande urgente", "demandes urgentes"),
            "1 demande urgente"
        );
        assert_eq!(
            count(3, "demande urgente", "demandes urgentes"),
            "3 demandes urgentes"
        );
    }

    #[test]
    fn folds_french_names() {
        assert_eq!(fold("Éloïse"), "eloise");
        assert_eq!(fold("Cœur-Ça ÀÂÇÉÈÊÎÔÙÛ"), "coeur-ca aaceeeiouu");
        assert_eq!(fold("d’Aubigné"), "d'aubigne");
        assert_eq!(search_key("d’Aubigné"), "daubigne");
    }

    #[test]
    fn like_prefix_escapes_wildcards() {
        assert_eq!(like_prefix("a%b_c\\"), "a\\%b\\_c\\\\%");
        assert_eq!(like_prefix("*)("), "*)(%");
    }
}
