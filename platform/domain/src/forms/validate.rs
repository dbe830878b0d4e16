//! The one engine that checks what a household types into a step, and the
//! data a request keeps, against the request type's definition.
//!
//! Values are named in HTML as in JSON: `urgency_phone`, `place.city` (a part
//! of an address), `contacts.0.last_name` (an item of a group). A step's data
//! is a JSON object of its fields' values; a field that is hidden by its
//! condition, or left empty, has no value.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::{Map, Number, Value};

use super::definition::{
    Choice, DateRule, FacilityKind, Field, FieldKind, FormDefinition, MemberKind, Step,
};
use crate::foyer::{self, Address, ADDRESS_PARTS};

/// What a step's form sent: names and values, in order (a many-of sends its
/// name once per ticked box).
#[derive(Debug, Clone, Default)]
pub struct Input {
    pairs: Vec<(String, String)>,
}

impl Input {
    pub fn new(pairs: Vec<(String, String)>) -> Input {
        Input { pairs }
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The first value sent under `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn has_prefix(&self, prefix: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n.starts_with(prefix))
    }
}

/// The collectivité's and the foyer's lists a form draws its choices from.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Paramètre lists by name (retired entries left out).
    pub lists: BTreeMap<String, Vec<Choice>>,
    pub schools: Vec<(i64, String)>,
    pub leisure_centres: Vec<(i64, String)>,
    pub adults: Vec<(i64, String)>,
    pub children: Vec<(i64, String)>,
    pub today: NaiveDate,
    /// The collectivité's documents it has given (their codes), which a
    /// consent may link.
    pub documents: Vec<String>,
}

impl Context {
    pub fn choices<'a>(&'a self, field: &'a Field) -> &'a [Choice] {
        match &field.list {
            Some(name) => self.lists.get(name).map_or(&[], Vec::as_slice),
            None => &field.options,
        }
    }

    pub fn facilities(&self, kind: FacilityKind) -> &[(i64, String)] {
        match kind {
            FacilityKind::School => &self.schools,
            FacilityKind::LeisureCentre => &self.leisure_centres,
        }
    }

    pub fn members(&self, kind: MemberKind) -> Vec<(i64, String)> {
        match kind {
            MemberKind::Adult => self.adults.clone(),
            MemberKind::Child => self.children.clone(),
            MemberKind::Any => self.adults.iter().chain(&self.children).cloned().collect(),
        }
    }
}

/// What is wrong with one input, the one shape for forms and JSON bodies:
/// `field` is the input's name (a form's HTML name, also the element's id
/// suffix; a JSON body's path, such as `admin.first_name`), empty for the
/// whole form; `label` names it where the message is read away from the
/// input (a step of a request, listed at sending); `message` is a lower-case
/// French fragment that the web kit makes a sentence of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub label: String,
    pub message: String,
}

impl FieldError {
    /// An error on one input, named where it is shown.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            label: String::new(),
            message: message.into(),
        }
    }
}

/// Checks a step's input. `earlier` is the data of the request's other steps
/// (conditions may look at them). Nothing of the step is kept unless all of
/// it is right.
pub fn validate_step(
    step: &Step,
    input: &Input,
    earlier: &Map<String, Value>,
    ctx: &Context,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if let Some(name) = input
        .pairs()
        .iter()
        .map(|(n, _)| n)
        .find(|n| !is_input_of(step, n))
    {
        errors.push(FieldError {
            field: String::new(),
            label: String::new(),
            message: format!(
                "le formulaire contient une donnée inconnue (« {} ») : rechargez la page et recommencez",
                shorten(name)
            ),
        });
        return Err(errors);
    }
    let mut out = Map::new();
    for field in &step.fields {
        if let Some(cond) = &field.show_if {
            let trigger = out.get(&cond.field).or_else(|| earlier.get(&cond.field));
            if !cond.holds(trigger) {
                continue;
            }
        }
        match read_field(field, &field.key, input, ctx) {
            Ok(Some(v)) => {
                out.insert(field.key.clone(), v);
            }
            Ok(None) => {}
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Checks a whole request's data (at submission, and whenever stored data is
/// read back): every household step as if it were typed again. Returns the
/// errors with their step's key.
pub fn validate_data(
    def: &FormDefinition,
    data: &Map<String, Value>,
    ctx: &Context,
) -> Vec<(String, FieldError)> {
    let mut errors = Vec::new();
    for step in def.household_steps() {
        let input = to_input(step, data);
        if let Err(e) = validate_step(step, &input, data, ctx) {
            errors.extend(e.into_iter().map(|e| (step.key.clone(), e)));
        }
    }
    errors
}

/// The inputs a step's stored values make, to show them in the form again.
pub fn to_input(step: &Step, data: &Map<String, Value>) -> Input {
    let mut pairs = Vec::new();
    for field in &step.fields {
        if let Some(v) = data.get(&field.key) {
            push_value(field, &field.key, v, &mut pairs);
        }
    }
    Input::new(pairs)
}

fn push_value(field: &Field, name: &str, v: &Value, pairs: &mut Vec<(String, String)>) {
    let mut put = |n: String, s: String| pairs.push((n, s));
    match (field.kind, v) {
        (FieldKind::YesNo, Value::Bool(b)) => {
            put(name.into(), if *b { "oui" } else { "non" }.into())
        }
        (FieldKind::Consent, Value::Bool(true)) => put(name.into(), "oui".into()),
        (FieldKind::ManyOf, Value::Array(items)) => {
            for i in items {
                put(name.into(), scalar(i));
            }
        }
        (FieldKind::Address, Value::Object(parts)) => {
            for (p, _, _) in ADDRESS_PARTS {
                if let Some(s) = parts.get(p) {
                    put(format!("{name}.{p}"), scalar(s));
                }
            }
        }
        (FieldKind::Group, Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if let Value::Object(obj) = item {
                    for sub in &field.fields {
                        if let Some(sv) = obj.get(&sub.key) {
                            push_value(sub, &format!("{name}.{i}.{}", sub.key), sv, pairs);
                        }
                    }
                }
            }
        }
        (_, v) => put(name.into(), scalar(v)),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Whether `name` is one of the inputs the step's form can send.
fn is_input_of(step: &Step, name: &str) -> bool {
    let (head, rest) = name.split_once('.').unwrap_or((name, ""));
    let Some(field) = step.fields.iter().find(|f| f.key == head) else {
        return false;
    };
    match field.kind {
        FieldKind::Address => ADDRESS_PARTS.iter().any(|(p, _, _)| *p == rest),
        FieldKind::Group => match rest.split_once('.') {
            Some((index, sub)) => {
                index.len() <= 3
                    && index.parse::<usize>().is_ok()
                    && field.fields.iter().any(|f| {
                        f.key == sub.split('.').next().unwrap_or("")
                            && (f.kind == FieldKind::Address || !sub.contains('.'))
                    })
            }
            None => false,
        },
        _ => rest.is_empty(),
    }
}

fn shorten(s: &str) -> String {
    s.chars().take(40).collect()
}

const REQUIRED: &str = "ce champ est obligatoire";

fn read_field(
    field: &Field,
    name: &str,
    input: &Input,
    ctx: &Context,
) -> Result<Option<Value>, Vec<FieldError>> {
    let err = |n: &str, message: String| FieldError {
        field: n.to_owned(),
        label: field.label.clone(),
        message,
    };
    let one = |message: &str| vec![err(name, message.to_owned())];
    let raw = input.get(name).trim_matches(' ');
    let empty = raw.is_empty();
    match field.kind {
        FieldKind::Address => {
            let present = input.has_prefix(&format!("{name}."))
                && ADDRESS_PARTS
                    .iter()
                    .any(|(p, _, _)| !input.get(&format!("{name}.{p}")).trim().is_empty());
            if !present {
                return if field.required {
                    Err(one(REQUIRED))
                } else {
                    Ok(None)
                };
            }
            match Address::parse(|p| input.get(&format!("{name}.{p}")).to_owned()) {
                Ok(a) => Ok(Some(
                    serde_json::to_value(a).expect("an address serialises"),
                )),
                Err(parts) => Err(parts
                    .into_iter()
                    .map(|(p, m)| err(&format!("{name}.{p}"), m))
                    .collect()),
            }
        }
        FieldKind::Group => read_group(field, name, input, ctx),
        FieldKind::ManyOf => {
            let choices = ctx.choices(field);
            let mut keys: Vec<String> = Vec::new();
            for k in input.all(name) {
                if !is_leaf(choices, k) {
                    return Err(one(
                        "ce choix n’existe pas : choisissez dans la liste proposée",
                    ));
                }
                if !keys.iter().any(|x| x == k) {
                    keys.push(k.to_owned());
                }
            }
            let least = field.min.unwrap_or(1).max(1) as usize;
            if keys.is_empty() {
                return if field.required {
                    Err(one("cochez au moins une case"))
                } else {
                    Ok(None)
                };
            }
            if field.required && keys.len() < least {
                return Err(one(&format!("cochez au moins {least} cases")));
            }
            if let Some(max) = field.max {
                if keys.len() > max as usize {
                    return Err(one(&format!("{max} choix au plus")));
                }
            }
            Ok(Some(Value::Array(
                keys.into_iter().map(Value::String).collect(),
            )))
        }
        _ if empty => {
            if field.required {
                Err(one(match field.kind {
                    FieldKind::Consent => "cochez la case pour continuer",
                    FieldKind::YesNo => "répondez par oui ou par non",
                    FieldKind::OneOf | FieldKind::Facility | FieldKind::Individual => {
                        "faites un choix dans la liste"
                    }
                    _ => REQUIRED,
                }))
            } else {
                Ok(None)
            }
        }
        FieldKind::Text => {
            let max = field.max.unwrap_or(255) as usize;
            let value = crate::contact::label(raw, max).map_err(|m| one(&m))?;
            if let Some(rule) = &field.rule {
                let re = regex::Regex::new(&rule.pattern).map_err(|_| one("règle invalide"))?;
                if !re.is_match(&value) {
                    return Err(one(&rule.message));
                }
            }
            Ok(Some(Value::String(value)))
        }
        FieldKind::LongText => {
            let max = field.max.unwrap_or(2000) as usize;
            let text = input.get(name).replace("\r\n", "\n");
            let value = crate::contact::free_text(&text, max).map_err(|m| one(&m))?;
            Ok(Some(Value::String(value)))
        }
        FieldKind::Email => crate::contact::email(raw)
            .map(|e| Some(Value::String(e)))
            .map_err(one),
        FieldKind::Phone => foyer::french_phone(raw)
            .map(|p| Some(Value::String(p)))
            .map_err(one),
        FieldKind::PostalCode => foyer::postal_code(raw)
            .map(|p| Some(Value::String(p)))
            .map_err(one),
        FieldKind::Date => {
            let date = parse_date(raw).ok_or_else(|| {
                one("date invalide : écrivez-la sous la forme jj/mm/aaaa (exemple : 02/06/2026)")
            })?;
            match field.dates.unwrap_or(DateRule::Any) {
                DateRule::Past if date > ctx.today => {
                    return Err(one("cette date ne peut pas être dans le futur"))
                }
                DateRule::Future if date < ctx.today => {
                    return Err(one("cette date ne peut pas être passée"))
                }
                _ => {}
            }
            if date.year_ce().1 < 1900 {
                return Err(one("cette date est trop ancienne"));
            }
            Ok(Some(Value::String(date.format("%Y-%m-%d").to_string())))
        }
        FieldKind::Number => {
            let n: i64 = raw
                .replace(' ', "")
                .parse()
                .map_err(|_| one("écrivez un nombre entier, en chiffres (exemple : 2)"))?;
            if let Some(min) = field.min {
                if n < min {
                    return Err(one(&format!("{min} au moins")));
                }
            }
            if let Some(max) = field.max {
                if n > max {
                    return Err(one(&format!("{max} au plus")));
                }
            }
            Ok(Some(Value::Number(Number::from(n))))
        }
        FieldKind::YesNo => match raw {
            "oui" => Ok(Some(Value::Bool(true))),
            "non" => Ok(Some(Value::Bool(false))),
            _ => Err(one("répondez par oui ou par non")),
        },
        FieldKind::Consent => match raw {
            "oui" => Ok(Some(Value::Bool(true))),
            _ => Err(one("cochez la case pour continuer")),
        },
        FieldKind::OneOf => {
            if is_leaf(ctx.choices(field), raw) {
                Ok(Some(Value::String(raw.to_owned())))
            } else {
                Err(one(
                    "ce choix n’existe pas : choisissez dans la liste proposée",
                ))
            }
        }
        FieldKind::Facility => {
            let kind = field.facility.unwrap_or(FacilityKind::School);
            pick(ctx.facilities(kind), raw).ok_or_else(|| {
                one("cet établissement n’existe pas : choisissez dans la liste proposée")
            })
        }
        FieldKind::Individual => {
            let kind = field.members.unwrap_or(MemberKind::Any);
            pick(&ctx.members(kind), raw).ok_or_else(|| {
                one("cette personne ne fait pas partie de votre foyer : choisissez dans la liste")
            })
        }
    }
}

fn pick(list: &[(i64, String)], raw: &str) -> Option<Option<Value>> {
    let id: i64 = raw.parse().ok()?;
    list.iter()
        .any(|(i, _)| *i == id)
        .then(|| Some(Value::Number(Number::from(id))))
}

/// A choice people may pick: an entry without sub-entries (headings of a
/// tree only group them).
fn is_leaf(choices: &[Choice], key: &str) -> bool {
    choices.iter().any(|c| {
        if c.children.is_empty() {
            c.key == key
        } else {
            is_leaf(&c.children, key)
        }
    })
}

/// `2026-06-02` (a date input) or `02/06/2026` (typed by hand).
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%d/%m/%Y"))
        .ok()
}

fn read_group(
    field: &Field,
    name: &str,
    input: &Input,
    ctx: &Context,
) -> Result<Option<Value>, Vec<FieldError>> {
    let prefix = format!("{name}.");
    let mut indexes: Vec<usize> = input
        .pairs()
        .iter()
        .filter_map(|(n, _)| n.strip_prefix(&prefix)?.split('.').next()?.parse().ok())
        .collect();
    indexes.sort_unstable();
    indexes.dedup();
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for i in indexes {
        let item_prefix = format!("{name}.{i}.");
        // A row left blank (the empty row offered to add one) is no item.
        let blank = input
            .pairs()
            .iter()
            .filter(|(n, _)| n.starts_with(&item_prefix))
            .all(|(_, v)| v.trim().is_empty());
        if blank {
            continue;
        }
        let mut item = Map::new();
        for sub in &field.fields {
            let sub_name = format!("{name}.{i}.{}", sub.key);
            match read_field(sub, &sub_name, input, ctx) {
                Ok(Some(v)) => {
                    item.insert(sub.key.clone(), v);
                }
                Ok(None) => {}
                Err(e) => errors.extend(e.into_iter().map(|mut e| {
                    e.label = format!("{} {} : {}", field.item_label, items.len() + 1, e.label);
                    e
                })),
            }
        }
        items.push(Value::Object(item));
    }
    let fail = |m: String| {
        vec![FieldError {
            field: name.to_owned(),
            label: field.label.clone(),
            message: m,
        }]
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let least = field.min.unwrap_or(1).max(0) as usize;
    if items.is_empty() {
        return if field.required {
            Err(fail(format!("ajoutez au moins {least} élément(s)")))
        } else {
            Ok(None)
        };
    }
    if field.required && items.len() < least {
        return Err(fail(format!("ajoutez au moins {least} élément(s)")));
    }
    if let Some(max) = field.max {
        if items.len() > max as usize {
            return Err(fail(format!("{max} au plus")));
        }
    }
    Ok(Some(Value::Array(items)))
}
