//! The HTML alternative of a plain-text e-mail: the text's own paragraphs,
//! lists and links, nothing more (no image, no style, nothing fetched), so
//! that a mail reader that prefers HTML shows the same words, with links
//! that can be followed and a language for screen readers.

/// `text` as an HTML document.
pub fn from_text(text: &str) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"></head><body>\n",
    );
    for block in text.split("\n\n") {
        let mut prose: Vec<&str> = Vec::new();
        let mut items: Vec<&str> = Vec::new();
        for line in block.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
            match line.strip_prefix("- ") {
                Some(item) => {
                    flush_prose(&mut out, &mut prose);
                    items.push(item);
                }
                None => {
                    flush_items(&mut out, &mut items);
                    prose.push(line);
                }
            }
        }
        flush_prose(&mut out, &mut prose);
        flush_items(&mut out, &mut items);
    }
    out.push_str("</body></html>\n");
    out
}

fn flush_prose(out: &mut String, lines: &mut Vec<&str>) {
    if lines.is_empty() {
        return;
    }
    let inner: Vec<String> = lines.iter().map(|l| inline(l)).collect();
    out.push_str(&format!("<p>{}</p>\n", inner.join("<br>\n")));
    lines.clear();
}

fn flush_items(out: &mut String, items: &mut Vec<&str>) {
    if items.is_empty() {
        return;
    }
    out.push_str("<ul>\n");
    for item in items.iter() {
        out.push_str(&format!("<li>{}</li>\n", inline(item)));
    }
    out.push_str("</ul>\n");
    items.clear();
}

/// A line escaped, its web addresses made links.
fn inline(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = ["https://", "http://"]
        .iter()
        .filter_map(|s| rest.find(s))
        .min()
    {
        out.push_str(&escape(&rest[..at]));
        let tail = &rest[at..];
        let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        // Punctuation that closes the sentence is not the address's.
        let url = tail[..end].trim_end_matches(['.', ',', ';', ':', ')', '»', '!', '?']);
        let url = if url.is_empty() { &tail[..end] } else { url };
        out.push_str(&format!("<a href=\"{}\">{}</a>", escape(url), escape(url)));
        rest = &tail[url.len()..];
    }
    out.push_str(&escape(rest));
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_lists_and_links_come_through_escaped() {
        let html = from_text(
            "Bonjour,\n\nVotre paiement <test> :\n- Cantine : 12,50 €\n- Garderie : 3 €\n\nSi ce n’est pas vous (https://a.example/mon-foyer?x=1&y=2), écrivez.\nhttps://a.example/suivi/abc.\n",
        );
        assert!(html.contains("<html lang=\"fr\">"));
        assert!(html.contains("<p>Bonjour,</p>"));
        assert!(
            html.contains("<p>Votre paiement &lt;test&gt; :</p>\n<ul>\n<li>Cantine : 12,50 €</li>")
        );
        assert!(html.contains(
            "(<a href=\"https://a.example/mon-foyer?x=1&amp;y=2\">https://a.example/mon-foyer?x=1&amp;y=2</a>), écrivez.<br>\n<a href=\"https://a.example/suivi/abc\">https://a.example/suivi/abc</a>.</p>"
        ), "{html}");
    }
}
