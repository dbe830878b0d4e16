//! Charts drawn on the server as SVG: no script, readable at any zoom. Each
//! is an image with its title for assistive technologies, and stands next
//! to the table of its data, which is the accessible alternative.

/// Horizontal bars, one per (label, value), scaled to the largest value.
pub fn bars(id: &str, title: &str, data: &[(String, i64)]) -> String {
    const WIDTH: i64 = 640;
    const LABELS: i64 = 230;
    const ROW: i64 = 30;
    let max = data.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let height = ROW * data.len().max(1) as i64 + 10;
    let id = escape(id);
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-labelledby="{id}-titre" viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title id="{id}-titre">{}</title>"#,
        escape(&format!(
            "{title} (les données sont dans le tableau qui suit)"
        ))
    );
    let room = WIDTH - LABELS - 70;
    for (i, (label, value)) in data.iter().enumerate() {
        let y = 5 + ROW * i as i64;
        let w = if *value > 0 {
            (room * value / max).max(2)
        } else {
            0
        };
        svg.push_str(&format!(
            r##"<text x="{}" y="{}" text-anchor="end" font-size="14" fill="#1b1b1b">{}</text><rect x="{LABELS}" y="{}" width="{w}" height="{}" fill="#1f4e8c"/><text x="{}" y="{}" font-size="14" fill="#1b1b1b">{value}</text>"##,
            LABELS - 8,
            y + 19,
            escape(&shorten(label, 30)),
            y + 4,
            ROW - 8,
            LABELS + w + 6,
            y + 19,
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn bars_are_scaled_and_escaped() {
        let svg = super::bars(
            "etats",
            "Demandes par état",
            &[
                ("Déposée <b>".into(), 10),
                ("Acceptée".into(), 5),
                ("Refusée".into(), 0),
            ],
        );
        assert!(svg.starts_with("<svg class=\"chart\" role=\"img\""));
        assert!(svg.contains("<title id=\"etats-titre\">Demandes par état"));
        assert!(svg.contains("Déposée &lt;b&gt;"));
        assert!(svg.contains(r#"width="340""#), "{svg}");
        assert!(svg.contains(r#"width="170""#), "{svg}");
        assert!(svg.contains(r#"width="0""#), "{svg}");
    }
}
