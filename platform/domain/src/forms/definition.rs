//! A request type as data: its steps and fields, who it concerns, when it can
//! be filed. Definitions are plain serde structures (TOML for those shipped
//! with the product, JSON for those a form editor makes), flat on purpose:
//! every field has the same attributes, and [`FormDefinition::problems`]
//! says which ones a kind does not use.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One version of a request type's form. A request keeps the `(code,
/// version)` it was filed with; a published version never changes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FormDefinition {
    /// The téléservice's code (`school-canteen-registration`).
    pub code: String,
    pub version: u32,
    pub label: String,
    /// One sentence for the catalogue: what the household gets.
    pub summary: String,
    pub group: DisplayGroup,
    pub subject: SubjectPolicy,
    /// Whether a foyer account is needed (civil status certificates: no).
    #[serde(default = "yes")]
    pub account_needed: bool,
    /// Filed only inside a season's registration window.
    #[serde(default)]
    pub seasonal: bool,
    /// Several requests for one subject in one season (or, for a type without
    /// seasons, several running requests for one subject).
    #[serde(default)]
    pub several_per_subject: bool,
    /// The justificatifs a new collectivité asks for (each then chooses).
    #[serde(default)]
    pub justificatifs: Vec<Requirement>,
    /// The paramètre lists the fields draw from, with the entries a new
    /// collectivité starts with.
    #[serde(default)]
    pub lists: Vec<ListDeclaration>,
    pub steps: Vec<Step>,
}

fn yes() -> bool {
    true
}

/// The catalogue's sections (CapDémat's display groups).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum DisplayGroup {
    School,
    Civil,
    Election,
    Social,
    Environment,
    Security,
    Leisure,
    Culture,
    Technical,
    Urbanism,
}

impl DisplayGroup {
    pub fn label(self) -> &'static str {
        match self {
            DisplayGroup::School => "Scolaire et périscolaire",
            DisplayGroup::Civil => "État civil et citoyenneté",
            DisplayGroup::Election => "Élections",
            DisplayGroup::Social => "Solidarité",
            DisplayGroup::Environment => "Environnement et propreté",
            DisplayGroup::Security => "Sécurité et tranquillité",
            DisplayGroup::Leisure => "Loisirs",
            DisplayGroup::Culture => "Culture",
            DisplayGroup::Technical => "Voirie et services techniques",
            DisplayGroup::Urbanism => "Urbanisme",
        }
    }
}

/// Whom a request concerns.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SubjectPolicy {
    /// The foyer as a whole (or nobody, without an account).
    Foyer,
    Adult,
    Child,
    Individual,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// A document type's code (`crate::justificatifs`).
    pub document_type: String,
    /// Asked for in particular cases only (said in `reason`).
    #[serde(default)]
    pub special: bool,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ListDeclaration {
    pub name: String,
    pub label: String,
    /// The entries a new collectivité starts with (`key = label`).
    #[serde(default)]
    pub entries: Vec<Choice>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub key: String,
    pub title: String,
    /// A sentence shown above the fields.
    #[serde(default)]
    pub intro: String,
    /// Filled by agents only (never shown to the household).
    #[serde(default)]
    pub agent_only: bool,
    pub fields: Vec<Field>,
}

/// One question. The attributes after `show_if` apply to some kinds only.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Unique in the form; the key of its value in the request's data.
    pub key: String,
    pub kind: FieldKind,
    pub label: String,
    /// A hint under the label (format expected, why it is asked).
    #[serde(default)]
    pub help: String,
    #[serde(default)]
    pub required: bool,
    /// Shown, validated and kept only when this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Condition>,
    /// Filled from the foyer when the draft starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<Prefill>,
    /// Text kinds: most characters; group: most items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// Number: least value; many-of and group: least items when required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    /// Text: a rule the value must follow, with its message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<TextRule>,
    /// Date: which dates are accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dates: Option<DateRule>,
    /// One-of, many-of: fixed choices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// One-of, many-of: the collectivité's paramètre list instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// One-of: a drop-down (default) or radio buttons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<ChoiceDisplay>,
    /// Facility: which referential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility: Option<FacilityKind>,
    /// Individual: which members of the foyer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<MemberKind>,
    /// Group: the fields of each item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    /// Group: what one item is called (« Personne autorisée »).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub item_label: String,
    /// Consent: the collectivité's document to read first (`reglement`),
    /// linked beside the box when the collectivité has given it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    LongText,
    Email,
    Phone,
    PostalCode,
    Date,
    Number,
    YesNo,
    OneOf,
    ManyOf,
    Facility,
    Individual,
    Address,
    Group,
    Consent,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub key: String,
    pub label: String,
    /// Sub-entries: a heading with its choices (checkbox tree, option group).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Choice>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceDisplay {
    Select,
    Radios,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FacilityKind {
    School,
    LeisureCentre,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MemberKind {
    Adult,
    Child,
    Any,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DateRule {
    /// Today or before (a birth date).
    Past,
    /// Today or after (an absence to come).
    Future,
    Any,
}

/// A regular expression (anchored) with the French message shown when the
/// value does not follow it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TextRule {
    pub pattern: String,
    pub message: String,
}

/// The collectivité's documents a consent may ask to read (their codes in
/// the collectivité's documents).
pub const READABLE: &[&str] = &["reglement"];

/// `field` (an earlier field of the form, outside groups) equals `equals`, or
/// is one of `any_of`; `not` inverts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<Value>,
    #[serde(default)]
    pub not: bool,
}

impl Condition {
    /// Whether it holds for `value` (absent: `None`). A many-of value holds
    /// when one of its keys matches.
    pub fn holds(&self, value: Option<&Value>) -> bool {
        let matches =
            |v: &Value| self.equals.as_ref() == Some(v) || self.any_of.iter().any(|a| a == v);
        let hit = match value {
            None | Some(Value::Null) => false,
            Some(Value::Array(items)) => items.iter().any(matches),
            Some(v) => matches(v),
        };
        hit != self.not
    }
}

/// Where a field's first value comes from when a draft starts.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Prefill {
    /// The requester's mobile, else office, else home phone.
    RequesterPhone,
    RequesterEmail,
    FoyerAddress,
    /// The collectivité's commune name (civil status: place of the event).
    CollectiviteCity,
    /// The first two digits of the collectivité's postal code.
    CollectiviteDepartement,
}

impl FormDefinition {
    /// Every field, groups' items excluded, in order.
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.steps.iter().flat_map(|s| s.fields.iter())
    }

    pub fn step(&self, key: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.key == key)
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields().find(|f| f.key == key)
    }

    /// The steps the household fills, in order.
    pub fn household_steps(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| !s.agent_only)
    }

    /// What is wrong with this definition, in words a form's author reads;
    /// empty when it can be published.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.code.is_empty()
            || !self
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-')
        {
            out.push(format!(
                "code « {} » : lettres minuscules et tirets",
                self.code
            ));
        }
        if self.version == 0 {
            out.push("la version commence à 1".into());
        }
        if self.steps.is_empty() {
            out.push("au moins une étape".into());
        }
        let mut seen_steps = Vec::new();
        let mut seen: Vec<&Field> = Vec::new();
        for step in &self.steps {
            if !is_key(&step.key) || seen_steps.contains(&&step.key) {
                out.push(format!(
                    "étape « {} » : clé invalide ou en double",
                    step.key
                ));
            }
            seen_steps.push(&step.key);
            for f in &step.fields {
                self.field_problems(f, &seen, false, &mut out);
                if seen.iter().any(|s| s.key == f.key) {
                    out.push(format!("champ « {} » en double", f.key));
                }
                seen.push(f);
            }
        }
        out
    }

    fn field_problems(&self, f: &Field, earlier: &[&Field], in_group: bool, out: &mut Vec<String>) {
        let name = &f.key;
        let mut say = |what: &str| out.push(format!("champ « {name} » : {what}"));
        if !is_key(name) {
            say("clé invalide (lettres minuscules, chiffres et _)");
        }
        if f.label.trim().is_empty() {
            say("libellé manquant");
        }
        use FieldKind as K;
        let texty = matches!(f.kind, K::Text | K::LongText);
        let choice = matches!(f.kind, K::OneOf | K::ManyOf);
        if f.max.is_some() && !(texty || matches!(f.kind, K::Number | K::Group | K::ManyOf)) {
            say("« max » ne s’applique pas à ce type");
        }
        if f.min.is_some() && !matches!(f.kind, K::Number | K::Group | K::ManyOf) {
            say("« min » ne s’applique pas à ce type");
        }
        if f.rule.is_some() && !texty {
            say("« rule » ne s’applique qu’au texte");
        }
        match f.read.as_deref() {
            Some(_) if f.kind != K::Consent => {
                say("« read » ne s’applique qu’à une case d’engagement")
            }
            Some(doc) if !READABLE.contains(&doc) => {
                say("« read » : document inconnu de la collectivité")
            }
            _ => {}
        }
        if let Some(rule) = &f.rule {
            if regex::Regex::new(&rule.pattern).is_err() || rule.message.trim().is_empty() {
                say("règle invalide (expression ou message)");
            }
        }
        if f.dates.is_some() && f.kind != K::Date {
            say("« dates » ne s’applique qu’aux dates");
        }
        if choice {
            match (&f.list, f.options.is_empty()) {
                (Some(list), true) => {
                    if !self.lists.iter().any(|l| &l.name == list) {
                        say(&format!("liste « {list} » non déclarée"));
                    }
                }
                (None, false) => {
                    let mut keys = Vec::new();
                    collect_keys(&f.options, &mut keys);
                    let n = keys.len();
                    keys.sort();
                    keys.dedup();
                    if keys.len() != n {
                        say("choix en double");
                    }
                }
                _ => say("des choix (« options ») ou une liste (« list »), l’un des deux"),
            }
        } else if !f.options.is_empty() || f.list.is_some() {
            say("choix réservés aux champs « one_of » et « many_of »");
        }
        if f.display.is_some() && f.kind != K::OneOf {
            say("« display » ne s’applique qu’à « one_of »");
        }
        if (f.kind == K::Facility) != f.facility.is_some() {
            say("« facility » va avec le type « facility », et lui seul");
        }
        if (f.kind == K::Individual) != f.members.is_some() {
            say("« members » va avec le type « individual », et lui seul");
        }
        if f.kind == K::Group {
            if in_group {
                say("pas de groupe dans un groupe");
            }
            if f.fields.is_empty() || f.item_label.is_empty() {
                say("un groupe a des champs et un « item_label »");
            }
            for sub in &f.fields {
                if sub.show_if.is_some() {
                    out.push(format!(
                        "champ « {name}.{} » : pas de condition dans un groupe",
                        sub.key
                    ));
                }
                self.field_problems(sub, &[], true, out);
            }
        } else if !f.fields.is_empty() {
            say("des sous-champs hors d’un groupe");
        }
        if let Some(cond) = &f.show_if {
            if in_group {
                return;
            }
            match earlier.iter().find(|e| e.key == cond.field) {
                None => out.push(format!(
                    "champ « {name} » : la condition porte sur « {} », qui doit le précéder",
                    cond.field
                )),
                Some(trigger) if !matches!(trigger.kind, K::YesNo | K::OneOf | K::ManyOf) => out
                    .push(format!(
                        "champ « {name} » : une condition porte sur un oui/non ou un choix"
                    )),
                _ => {}
            }
            if cond.equals.is_none() && cond.any_of.is_empty() {
                out.push(format!("champ « {name} » : condition sans valeur"));
            }
        }
    }
}

fn collect_keys<'a>(choices: &'a [Choice], out: &mut Vec<&'a str>) {
    for c in choices {
        out.push(&c.key);
        collect_keys(&c.children, out);
    }
}

/// Field and step keys: what HTML names and JSON keys both take as they are.
fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.as_bytes()[0].is_ascii_lowercase()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
