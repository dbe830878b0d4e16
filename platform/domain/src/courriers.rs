//! Courriers types: the letters a téléservice's agents send to households.
//!
//! An agent writes the body in a small markup, never HTML: paragraphs
//! separated by an empty line, a line break kept as such, `- ` at the start
//! of a line for a list item, `**…**` around bold text, `{{NAME}}` for a
//! variable of [`VARIABLES`] or one of the answers of the téléservice's form
//! ([`answer_variable`]). The body is checked when the courrier is saved
//! (every unknown variable, tag, unclosed bold is refused then, all at once,
//! not when it is sent), then resolved with a request's values into a
//! [`Letter`]: plain text in blocks, which the pages render escaped and the
//! PDF draws.

use serde::{Deserialize, Serialize};

/// The variables a courrier may use, with what each says.
pub const VARIABLES: &[(&str, &str)] = &[
    ("DATE", "la date du jour"),
    ("RQ_ID", "le numéro de la demande"),
    ("RQ_TP_LABEL", "le téléservice de la demande"),
    ("RQ_CDATE", "la date de dépôt de la demande"),
    ("RQ_DVAL", "la date de validation de la demande"),
    (
        "RQ_OBSERV",
        "l’observation : le message écrit par l’agent en envoyant le courrier",
    ),
    ("RQ_CAT", "la catégorie du téléservice"),
    ("RQ_CAT_EMAIL", "l’adresse électronique de la catégorie"),
    ("HF_ID", "le numéro du compte foyer"),
    (
        "HF_ADDRESS_ADI",
        "l’adresse du foyer : complément (appartement, étage)",
    ),
    ("HF_ADDRESS_AGI", "l’adresse du foyer : bâtiment, résidence"),
    (
        "HF_ADDRESS_SNUM",
        "l’adresse du foyer : numéro dans la voie",
    ),
    ("HF_ADDRESS_SNAME", "l’adresse du foyer : voie"),
    (
        "HF_ADDRESS_PNS",
        "l’adresse du foyer : lieu-dit, boîte postale",
    ),
    ("HF_ADDRESS_ZIP", "l’adresse du foyer : code postal"),
    ("HF_ADDRESS_TOWN", "l’adresse du foyer : commune"),
    ("HF_ADDRESS_CN", "l’adresse du foyer : pays"),
    (
        "RR_GREETING",
        "la formule d’appel : « Madame Durand », « Monsieur Durand », ou « Madame, Monsieur » si la civilité du demandeur n’est pas connue",
    ),
    ("RR_TITLE", "la civilité du demandeur"),
    ("RR_LNAME", "le nom du demandeur"),
    ("RR_FNAME", "le prénom du demandeur"),
    (
        "RR_LOGIN",
        "l’identifiant du demandeur (son adresse électronique)",
    ),
    ("SU_TITLE", "la civilité de la personne concernée"),
    ("SU_LNAME", "le nom de la personne concernée"),
    ("SU_FNAME", "le prénom de la personne concernée"),
    (
        "LAST_AGENT_NAME",
        "le dernier agent à avoir traité la demande",
    ),
    ("LAST_AGENT_EMAIL", "l’adresse électronique de cet agent"),
    ("MOC", "le moyen de contact choisi par le demandeur"),
];

/// The variable that says a form's answer `key` (`canteen_days`:
/// `RQ_DATA_CANTEEN_DAYS`).
pub fn answer_variable(key: &str) -> String {
    format!("RQ_DATA_{}", key.to_ascii_uppercase().replace('-', "_"))
}

/// How the letter is laid out around its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// Letter head, place and date, the addressee's block, « Objet : ».
    Letter,
    /// Letter head and a title (an attestation, a notice): no addressee.
    Notice,
}

impl Model {
    pub const ALL: [Model; 2] = [Model::Letter, Model::Notice];

    pub fn code(self) -> &'static str {
        match self {
            Model::Letter => "letter",
            Model::Notice => "notice",
        }
    }

    pub fn parse(code: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Model::Letter => "Lettre : en-tête, lieu et date, destinataire, objet",
            Model::Notice => "Attestation : en-tête et titre, sans destinataire",
        }
    }
}

/// A run of text, bold or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub text: String,
    pub bold: bool,
}

/// A block of a resolved letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// A paragraph: its lines (a line break kept), each a row of spans.
    Paragraph { lines: Vec<Vec<Span>> },
    /// A bulleted list: one row of spans per item.
    List { items: Vec<Vec<Span>> },
}

/// A letter as sent: what the history keeps, and what the HTML page and
/// the PDF are drawn from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    pub model: Model,
    /// « Objet : » of a letter, the title of a notice.
    pub title: String,
    /// The collectivité: name, then its address's lines.
    pub sender: Vec<String>,
    /// « À Ville, le 30 novembre 2026 ».
    pub place_date: String,
    /// The addressee's block (a letter only).
    pub addressee: Vec<String>,
    /// The file of the collectivité's letters' logo when it was written:
    /// its PDF shows that logo, while the collectivité keeps the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<i64>,
    pub blocks: Vec<Block>,
}

impl Letter {
    /// The body as plain text (an e-mail's, a history line's).
    pub fn plain_body(&self) -> String {
        let spans = |row: &[Span]| row.iter().map(|s| s.text.as_str()).collect::<String>();
        self.blocks
            .iter()
            .map(|b| match b {
                Block::Paragraph { lines } => lines
                    .iter()
                    .map(|l| spans(l))
                    .collect::<Vec<_>>()
                    .join("\n"),
                Block::List { items } => items
                    .iter()
                    .map(|i| format!("• {}", spans(i)))
                    .collect::<Vec<_>>()
                    .join("\n"),
            })
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Run {
    bold: bool,
    piece: Piece,
}

type Row = Vec<Run>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Paragraph(Vec<Row>),
    List(Vec<Row>),
}

/// A checked body, ready to be resolved with a request's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body(Vec<Part>);

/// The longest body accepted, in characters.
pub const MAX_BODY: usize = 20_000;

impl Body {
    /// Checks a body as typed, [`VARIABLES`] and `answers` (the names of
    /// the téléservice's answers) allowed; the errors say what to change, in
    /// French, every one at once.
    pub fn parse(raw: &str, answers: &[String]) -> Result<Body, Vec<String>> {
        let raw = raw.replace("\r\n", "\n");
        if raw.trim().is_empty() {
            return Err(vec!["écrivez le texte du courrier".into()]);
        }
        if raw.chars().count() > MAX_BODY {
            return Err(vec![format!(
                "le texte est trop long : {MAX_BODY} caractères au plus"
            )]);
        }
        let mut errors = Vec::new();
        if let Some(tag) = html_tag(&raw) {
            errors.push(format!(
                "le texte ne peut pas contenir de balise HTML ({tag}) : écrivez **texte** pour le gras et « - » en début de ligne pour une liste"
            ));
        }
        if let Some(c) = raw.chars().find(|c| c.is_control() && *c != '\n') {
            errors.push(format!(
                "le texte contient un caractère de contrôle (U+{:04X}) : retirez-le",
                c as u32
            ));
        }
        let mut row = |line: &str| match row(line, answers) {
            Ok(r) => r,
            Err(e) => {
                errors.extend(e);
                Vec::new()
            }
        };
        let mut parts = Vec::new();
        for chunk in raw.split("\n\n") {
            let lines: Vec<&str> = chunk.lines().filter(|l| !l.trim().is_empty()).collect();
            let mut para: Vec<Row> = Vec::new();
            let mut list: Vec<Row> = Vec::new();
            for line in lines {
                let trimmed = line.trim_start();
                if let Some(item) = trimmed
                    .strip_prefix("- ")
                    .or_else(|| trimmed.strip_prefix("• "))
                {
                    if !para.is_empty() {
                        parts.push(Part::Paragraph(std::mem::take(&mut para)));
                    }
                    list.push(row(item.trim()));
                } else {
                    if !list.is_empty() {
                        parts.push(Part::List(std::mem::take(&mut list)));
                    }
                    para.push(row(line.trim()));
                }
            }
            if !para.is_empty() {
                parts.push(Part::Paragraph(para));
            }
            if !list.is_empty() {
                parts.push(Part::List(list));
            }
        }
        if errors.is_empty() {
            Ok(Body(parts))
        } else {
            Err(errors)
        }
    }

    /// The variables the body uses, each once, in order.
    pub fn variables(&self) -> Vec<&str> {
        let mut seen = Vec::new();
        for part in &self.0 {
            let (Part::Paragraph(rows) | Part::List(rows)) = part;
            for run in rows.iter().flatten() {
                if let Piece::Var(v) = &run.piece {
                    if !seen.contains(&v.as_str()) {
                        seen.push(v.as_str());
                    }
                }
            }
        }
        seen
    }

    /// The body with each variable replaced by its value (`values` gives
    /// every variable of [`VARIABLES`] and the request's answers; one it
    /// lacks reads empty).
    pub fn resolve(&self, values: &dyn Fn(&str) -> String) -> Vec<Block> {
        let spans = |row: &Row| -> Vec<Span> {
            let mut out: Vec<Span> = Vec::new();
            for run in row {
                let text = match &run.piece {
                    Piece::Text(t) => t.clone(),
                    Piece::Var(v) => values(v).replace('\n', " "),
                };
                match out.last_mut() {
                    Some(last) if last.bold == run.bold => last.text.push_str(&text),
                    _ => out.push(Span {
                        text,
                        bold: run.bold,
                    }),
                }
            }
            out.retain(|s| !s.text.is_empty());
            out
        };
        self.0
            .iter()
            .map(|part| match part {
                Part::Paragraph(rows) => Block::Paragraph {
                    lines: rows.iter().map(spans).collect(),
                },
                Part::List(rows) => Block::List {
                    items: rows.iter().map(spans).collect(),
                },
            })
            .collect()
    }
}

/// The first thing that looks like an HTML tag or entity, as written.
fn html_tag(raw: &str) -> Option<String> {
    let bytes: Vec<char> = raw.chars().collect();
    for (i, c) in bytes.iter().enumerate() {
        if *c == '<' {
            if let Some(next) = bytes.get(i + 1) {
                if next.is_ascii_alphabetic() || matches!(next, '/' | '!' | '?') {
                    let end = bytes[i..]
                        .iter()
                        .position(|c| *c == '>' || c.is_whitespace())
                        .map_or(bytes.len(), |p| i + p + usize::from(bytes[i + p] == '>'));
                    return Some(bytes[i..end.min(i + 20)].iter().collect());
                }
            }
        }
    }
    None
}

/// One line: text, `**` toggling bold, `{{NAME}}` variables; every
/// mistake of the line.
fn row(line: &str, answers: &[String]) -> Result<Row, Vec<String>> {
    let mut runs = Vec::new();
    let mut errors = Vec::new();
    let mut bold = false;
    let mut text = String::new();
    let mut rest = line;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("**") {
            if !text.is_empty() {
                runs.push(Run {
                    bold,
                    piece: Piece::Text(std::mem::take(&mut text)),
                });
            }
            bold = !bold;
            rest = after;
        } else if let Some(after) = rest.strip_prefix("{{") {
            let Some(end) = after.find("}}") else {
                errors.push(format!(
                    "une variable n’est pas fermée dans « {} » : écrivez-la {{{{NOM}}}}",
                    excerpt(line)
                ));
                break;
            };
            let name = after[..end].trim();
            let known =
                VARIABLES.iter().any(|(v, _)| *v == name) || answers.iter().any(|a| a == name);
            if !known {
                errors.push(format!(
                    "la variable {{{{{name}}}}} n’existe pas : choisissez les variables dans la liste"
                ));
            }
            if !text.is_empty() {
                runs.push(Run {
                    bold,
                    piece: Piece::Text(std::mem::take(&mut text)),
                });
            }
            runs.push(Run {
                bold,
                piece: Piece::Var(name.to_owned()),
            });
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix("}}") {
            errors.push(format!(
                "« }}}} » sans « {{{{ » dans « {} » : écrivez les variables {{{{NOM}}}}",
                excerpt(line)
            ));
            rest = after;
        } else {
            let c = rest.chars().next().expect("rest is not empty");
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if bold {
        errors.push(format!(
            "un passage en gras n’est pas fermé dans « {} » : mettez ** avant et après",
            excerpt(line)
        ));
    }
    if !text.is_empty() {
        runs.push(Run {
            bold,
            piece: Piece::Text(text),
        });
    }
    if errors.is_empty() {
        Ok(runs)
    } else {
        Err(errors)
    }
}

fn excerpt(line: &str) -> String {
    let mut s: String = line.chars().take(40).collect();
    if line.chars().count() > 40 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(name: &str) -> String {
        match name {
            "RQ_ID" => "42".into(),
            "RR_FNAME" => "Zoé".into(),
            _ => String::new(),
        }
    }

    #[test]
    fn paragraphs_lists_bold_and_variables() {
        let body = Body::parse(
            "Madame, Monsieur {{RR_FNAME}},\nbonjour.\n\nVotre demande n° **{{ RQ_ID }}** est acceptée :\n- repas le **lundi**\n- goûter\n\nCordialement.",
            &[],
        )
        .unwrap();
        assert_eq!(body.variables(), vec!["RR_FNAME", "RQ_ID"]);
        let blocks = body.resolve(&values);
        assert_eq!(blocks.len(), 4);
        let span = |t: &str, b: bool| Span {
            text: t.into(),
            bold: b,
        };
        assert_eq!(
            blocks[0],
            Block::Paragraph {
                lines: vec![
                    vec![span("Madame, Monsieur Zoé,", false)],
                    vec![span("bonjour.", false)]
                ]
            }
        );
        assert_eq!(
            blocks[1],
            Block::Paragraph {
                lines: vec![vec![
                    span("Votre demande n° ", false),
                    span("42", true),
                    span(" est acceptée :", false)
                ]]
            }
        );
        assert_eq!(
            blocks[2],
            Block::List {
                items: vec![
                    vec![span("repas le ", false), span("lundi", true)],
                    vec![span("goûter", false)]
                ]
            }
        );
    }

    #[test]
    fn refusals_say_what_to_change() {
        let err = |raw: &str| Body::parse(raw, &[]).unwrap_err().join(" | ");
        assert!(err("Bonjour {{RR_QUESTION}}").contains("{{RR_QUESTION}} n’existe pas"));
        assert!(err("Bonjour {{RR_ANSWER}}").contains("n’existe pas"));
        assert!(err("Bonjour {{RQ_ID").contains("n’est pas fermée"));
        assert!(err("Bonjour <script>alert(1)</script>").contains("balise HTML (<script>)"));
        assert!(err("<img src=x onerror=alert(1)>").contains("balise HTML (<img"));
        assert!(err("**gras").contains("gras n’est pas fermé"));
        assert!(err("  \n ").contains("écrivez le texte"));
        assert!(err("a }} b").contains("sans"));
        assert!(err(&"é".repeat(MAX_BODY + 1)).contains("trop long"));
        // A lone « < » is text.
        assert!(Body::parse("3 < 4 et 5 > 2", &[]).is_ok());
        // Every mistake at once, in the order of the text.
        let all = Body::parse(
            "Bonjour {{RR_QUESTION}} **gras\n\n- {{HF_ID}} {{INCONNUE}}\n<b>",
            &[],
        )
        .unwrap_err();
        assert_eq!(all.len(), 4, "{all:?}");
        assert!(all[0].contains("balise HTML (<b>)"), "{all:?}");
        assert!(all[1].contains("{{RR_QUESTION}}"), "{all:?}");
        assert!(all[2].contains("gras n’est pas fermé"), "{all:?}");
        assert!(all[3].contains("{{INCONNUE}}"), "{all:?}");
    }

    #[test]
    fn a_forms_answers_are_variables_when_given() {
        let answers = vec![
            answer_variable("canteen_days"),
            answer_variable("food-diet"),
        ];
        assert_eq!(answers, ["RQ_DATA_CANTEEN_DAYS", "RQ_DATA_FOOD_DIET"]);
        let raw = "Jours : {{RQ_DATA_CANTEEN_DAYS}} ; régime : {{RQ_DATA_FOOD_DIET}}";
        assert!(
            Body::parse(raw, &[]).is_err(),
            "not without the téléservice's answers"
        );
        let body = Body::parse(raw, &answers).unwrap();
        assert_eq!(
            body.variables(),
            ["RQ_DATA_CANTEEN_DAYS", "RQ_DATA_FOOD_DIET"]
        );
        let blocks = body.resolve(&|name| match name {
            "RQ_DATA_CANTEEN_DAYS" => "Lundi, Mardi".into(),
            _ => "Sans porc".into(),
        });
        assert_eq!(
            blocks,
            [Block::Paragraph {
                lines: vec![vec![Span {
                    text: "Jours : Lundi, Mardi ; régime : Sans porc".into(),
                    bold: false
                }]]
            }]
        );
    }

    #[test]
    fn plain_body_reads_as_text() {
        let body = Body::parse("Objet **important**\n\n- un\n- deux", &[]).unwrap();
        let letter = Letter {
            model: Model::Letter,
            title: String::new(),
            sender: vec![],
            place_date: String::new(),
            addressee: vec![],
            logo: None,
            blocks: body.resolve(&values),
        };
        assert_eq!(letter.plain_body(), "Objet important\n\n• un\n• deux");
    }
}
