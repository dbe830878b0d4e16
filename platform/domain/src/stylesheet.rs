//! The portal's style sheet, given by the collectivité: checked whole before
//! it is kept, so that it can change how pages look and nothing else. It may
//! load nothing from elsewhere (no `@import`, no `url()` but an image written
//! in it as `data:`), run nothing (no `expression()`, no `javascript:`, no
//! bindings) and hide nothing (no escapes, which could spell any of those).

/// The images a style sheet may carry, written in it.
const IMAGES: [&str; 4] = [
    "data:image/png",
    "data:image/jpeg",
    "data:image/gif",
    "data:image/webp",
];

/// Functions that fetch what a string names (an image set, an image, a
/// cross-fade, `src()`) or run script (`expression()`, IE's).
const FETCHING: [&str; 6] = [
    "image-set",
    "image",
    "cross-fade",
    "src",
    "expression",
    "element",
];

/// Words that run or bind code, wherever they are.
const ACTIVE: [(&str, &str); 5] = [
    ("javascript:", "du script (javascript:)"),
    ("vbscript:", "du script (vbscript:)"),
    ("behavior", "un comportement (behavior)"),
    ("behaviour", "un comportement (behaviour)"),
    ("-moz-binding", "une liaison de script (-moz-binding)"),
];

/// Checks a whole style sheet; the refusal says where and what to change.
pub fn check(bytes: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        "la feuille de style n’est pas un texte en UTF-8 : enregistrez-la en UTF-8 et envoyez-la à nouveau".to_owned()
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let line = |at: usize| text[..at].matches('\n').count() + 1;
    if let Some(at) =
        text.find(|c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'))
    {
        return Err(format!(
            "ligne {} : la feuille de style contient un caractère de contrôle ; ce n’est sans doute pas une feuille de style",
            line(at)
        ));
    }
    if let Some(at) = text.find('\\') {
        return Err(format!(
            "ligne {} : les échappements (\\) ne sont pas acceptés ; écrivez les caractères tels quels (la feuille est en UTF-8)",
            line(at)
        ));
    }
    if let Some(at) = text.find('<') {
        return Err(format!(
            "ligne {} : une feuille de style ne contient pas de balise (<) ; retirez-la",
            line(at)
        ));
    }
    // Comments become spaces of the same length: offsets (and lines) stay true.
    let mut code = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        code.push_str(&rest[..start]);
        let Some(len) = rest[start + 2..].find("*/") else {
            return Err(format!(
                "ligne {} : un commentaire ouvert par /* n’est pas fermé par */ ; fermez-le",
                line(code.len())
            ));
        };
        let comment = &rest[start..start + 2 + len + 2];
        for c in comment.chars() {
            if c == '\n' {
                code.push('\n');
            } else {
                code.extend(std::iter::repeat_n(' ', c.len_utf8()));
            }
        }
        rest = &rest[start + comment.len()..];
    }
    code.push_str(rest);
    let code = code.to_ascii_lowercase();
    if code.trim().is_empty() {
        return Err("la feuille de style est vide : envoyez celle qui contient vos règles".into());
    }
    if let Some(at) = code.find("@import") {
        return Err(format!(
            "ligne {} : la feuille de style importe une autre feuille (@import) ; elle ne peut rien charger d’ailleurs : copiez-en les règles dans celle-ci",
            line(at)
        ));
    }
    for (word, what) in ACTIVE {
        if let Some(at) = code.find(word) {
            return Err(format!(
                "ligne {} : la feuille de style contient {what} ; retirez-le, seules les règles de présentation sont acceptées",
                line(at)
            ));
        }
    }
    // Every function: the fetching ones refused, `url()` only for an image written in it.
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || !c.is_ascii();
    for (open, _) in code.match_indices('(') {
        let start = code[..open]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| ident(c))
            .last()
            .map_or(open, |(i, _)| i);
        let name = &code[start..open];
        let bare = ["-webkit-", "-moz-", "-ms-", "-o-"]
            .iter()
            .find_map(|p| name.strip_prefix(p))
            .unwrap_or(name);
        if FETCHING.contains(&bare) {
            return Err(format!(
                "ligne {} : la fonction {name}() n’est pas acceptée : elle chargerait ou exécuterait quelque chose ; une image se donne par url(data:image/png;base64,…)",
                line(start)
            ));
        }
        if bare == "url" {
            let target = code[open + 1..]
                .trim_start()
                .trim_start_matches(['"', '\'']);
            let written = IMAGES.iter().any(|image| {
                target
                    .strip_prefix(image)
                    .is_some_and(|r| r.starts_with([';', ',']))
            });
            if !written {
                return Err(format!(
                    "ligne {} : url() ne peut désigner qu’une image écrite dans la feuille (data:image/png, jpeg, gif ou webp) ; une feuille de style ne charge rien d’ailleurs",
                    line(start)
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    fn refused(css: &str) -> String {
        check(css.as_bytes()).expect_err(css)
    }

    #[test]
    fn presentation_rules_are_kept() {
        let css = "/* Couleurs d’Arles */\n\
            :root { --accent: #8a1c1c; }\n\
            header.site { background: linear-gradient(90deg, rgb(138 28 28), hsl(0 0% 100%)); }\n\
            a:not(.button):hover { color: var(--accent); width: calc(100% - 2rem); }\n\
            .site-banner { background-image: url(\"data:image/png;base64,iVBORw0KGgo=\"); }\n\
            li::before { content: \"→ é œ\"; }\n\
            @media (min-width: 40em) { main { max-width: min(60rem, 90vw); } }\n";
        assert_eq!(check(css.as_bytes()), Ok(()));
        assert_eq!(check("\u{feff}body { color: black }".as_bytes()), Ok(()));
        assert_eq!(
            check(b"a { background: URL( 'data:image/webp,AAAA' ) }"),
            Ok(())
        );
    }

    #[test]
    fn nothing_is_loaded_run_or_hidden() {
        assert!(refused("body{}\n@import url(https://evil.example/x.css);")
            .starts_with("ligne 2 : la feuille de style importe"));
        assert!(refused("@IMPORT 'x.css';").contains("@import"));
        assert!(refused("a{background:url(https://evil.example/t.png)}")
            .contains("url() ne peut désigner"));
        assert!(refused("a{background:url(//evil.example/t.png)}").contains("url()"));
        assert!(refused("a{background:url(data:image/svg+xml,<svg>)}").contains("balise"));
        assert!(refused("a{background:url(data:image/svg+xml;base64,PHN2Zz4=)}").contains("url()"));
        assert!(refused("a{background:url(data:text/html,x)}").contains("url()"));
        assert!(refused("@font-face{src:url(https://x/f.woff2)}").contains("url()"));
        assert!(refused("a{background:image-set('https://x/a.png' 1x)}").contains("image-set()"));
        assert!(
            refused("a{background:-webkit-image-set('a.png' 1x)}").contains("-webkit-image-set()")
        );
        assert!(refused("a{width:expression(alert(1))}").contains("expression()"));
        assert!(refused("a{background:ur\\l(x)}").contains("échappements"));
        assert!(refused("a{b:c} /* u/**/ url(x) */ d{e:url(x)}").contains("url()"));
        assert!(refused("a{-moz-binding:url(x)}").contains("-moz-binding"));
        assert!(refused("a{behavior:url(x.htc)}").contains("comportement"));
        assert!(refused("a{b:c}\n/* pas fermé").starts_with("ligne 2 : un commentaire"));
        assert!(refused("</style><script>").contains("balise"));
        assert!(refused("   \n/* rien */\n").contains("vide"));
        assert!(check(b"a{color:\xff}").unwrap_err().contains("UTF-8"));
        assert!(refused("a{color:red}\0").contains("contrôle"));
        // A comment hides nothing, and its accents keep the lines true.
        assert!(refused("/* é\nœ */\n\n@import 'x';").starts_with("ligne 4"));
        assert_eq!(check(b"/* url(https://x) @import */ a{color:red}"), Ok(()));
    }
}
