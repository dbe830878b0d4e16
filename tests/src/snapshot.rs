//! Snapshots: what a key page, e-mail or letter says, kept in
//! `tests/snapshots/<name>.txt` and compared at each run, so that a change
//! of wording or layout is seen and reviewed. Pages are kept as their
//! visible text (headings, links with their targets, fields and buttons),
//! not their markup; what changes from run to run (numbers, dates, ids,
//! secrets) is redacted. `GUICHET_SNAPSHOTS=write` writes them anew.

use std::path::PathBuf;

use regex::Regex;

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots")
        .join(format!("{name}.txt"))
}

/// Compares `text` with the snapshot `name` (written anew when asked).
pub fn assert_snapshot(name: &str, text: &str) {
    let file = path(name);
    if std::env::var("GUICHET_SNAPSHOTS").as_deref() == Ok("write") {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, text).unwrap();
        return;
    }
    let kept = std::fs::read_to_string(&file).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}: run the test with GUICHET_SNAPSHOTS=write, then review it\n{text}",
            file.display()
        )
    });
    if let Err(change) = compare(&kept, text) {
        panic!(
            "{name} {change}\n(GUICHET_SNAPSHOTS=write rewrites {} once the change is wanted)\n\n{text}",
            file.display()
        );
    }
}

/// Where `text` departs from `kept`, if it does.
fn compare(kept: &str, text: &str) -> Result<(), String> {
    if kept == text {
        return Ok(());
    }
    let (line, (was, is)) = kept
        .lines()
        .chain(std::iter::repeat(""))
        .zip(text.lines().chain(std::iter::repeat("")))
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .unwrap_or((0, ("", "")));
    Err(format!(
        "changed at line {}:\n  kept: {was:?}\n  now:  {is:?}",
        line + 1
    ))
}

/// Replaces what changes from run to run: dates and times in French and
/// ISO forms, then `rules` (pattern, stand-in).
pub fn redact(text: &str, rules: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    const MONTHS: &str =
        "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre";
    for (pattern, by) in [
        (
            r"\b\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?\b",
            "[date]",
        ),
        (r"\b\d{2}/\d{2}/\d{4}\b", "[date]"),
        (&format!(r"\b(1er|\d{{1,2}}) ({MONTHS}) \d{{4}}"), "[date]"),
        (&format!(r"\b(1er|\d{{1,2}}) ({MONTHS})\b"), "[date]"),
        (r"\b\d{1,2} h \d{2}\b", "[heure]"),
        (r"\b\d{1,2}:\d{2}\b", "[heure]"),
    ] {
        out = Regex::new(pattern)
            .unwrap()
            .replace_all(&out, by)
            .into_owned();
    }
    for (pattern, by) in rules {
        out = Regex::new(pattern)
            .unwrap()
            .replace_all(&out, *by)
            .into_owned();
    }
    out
}

/// A page's visible text in its `<main>`: one block a line, headings marked
/// with `#`, links with their targets, fields and buttons named.
pub fn page_text(html: &str) -> String {
    let main = html
        .find("<main")
        .and_then(|at| html[at..].find("</main>").map(|end| &html[at..at + end]))
        .unwrap_or(html);
    let mut text = main.to_owned();
    let rules: &[(&str, &str)] = &[
        (r"(?s)<script.*?</script>|<style.*?</style>|<!--.*?-->", ""),
        (r#"(?s)<input[^>]*type="hidden"[^>]*>"#, ""),
        (r"(?s)<h([1-6])[^>]*>", "\n#$1 "),
        (
            r#"(?s)<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>"#,
            "$2 [lien $1]",
        ),
        (r#"(?s)<input[^>]*name="([^"]*)"[^>]*>"#, " [champ $1] "),
        (
            r#"(?s)<(select|textarea)[^>]*name="([^"]*)"[^>]*>.*?</(select|textarea)>"#,
            " [champ $2] ",
        ),
        (r"(?s)<button[^>]*>(.*?)</button>", " [bouton $1] "),
        (r"<li[^>]*>", "\n- "),
        (
            r"(?i)</?(p|div|section|article|header|footer|nav|ul|ol|table|tr|dl|dt|dd|fieldset|legend|label|form|br|h[1-6]|details|summary|figure|figcaption|aside)\b[^>]*>",
            "\n",
        ),
        (r"<t[dh]\b[^>]*>", " | "),
        (r"(?s)<[^>]+>", ""),
    ];
    for (pattern, by) in rules {
        text = Regex::new(pattern)
            .unwrap()
            .replace_all(&text, *by)
            .into_owned();
    }
    let text = text
        .replace("&nbsp;", " ")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            l.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .trim_matches(|c| c == '|' || c == ' ')
                .to_owned()
        })
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_told_with_its_line() {
        assert_eq!(compare("a\nb\n", "a\nb\n"), Ok(()));
        assert_eq!(
            compare("a\nb\n", "a\nc\n").unwrap_err(),
            "changed at line 2:\n  kept: \"b\"\n  now:  \"c\""
        );
        assert!(compare("a\n", "a\nb\n").unwrap_err().contains("line 2"));
    }

    #[test]
    fn a_page_reads_as_its_visible_text() {
        let html = r#"<html><body><nav>menu</nav><main id="contenu"><h1 class="t">Mes demandes</h1>
<p>Bonjour <strong>Camille</strong> &amp; co,</p><ul><li><a href="/mes-demandes/12">Demande n° 42</a></li></ul>
<form><input type="hidden" name="csrf" value="x"><label for="q">Nom</label><input id="q" name="nom">
<button type="submit">Envoyer</button></form><script>x()</script></main></body></html>"#;
        assert_eq!(
            page_text(html),
            "#1 Mes demandes\nBonjour Camille & co,\n- Demande n° 42 [lien /mes-demandes/12]\nNom\n[champ nom]\n[bouton Envoyer]\n"
        );
        assert_eq!(
            redact(
                "n° 42 le 7 décembre 2026 à 14 h 05, le 2026-12-07",
                &[(r"n° \d+", "n° [n]")]
            ),
            "n° [n] le [date] à [heure], le [date]"
        );
    }
}
