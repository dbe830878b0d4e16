//! The one engine that draws a request type's step as a form of the kit
//! (labels, hints, the error summary, the input kept), for the household in
//! the portal and for the agent who corrects a request in the back office.

use guichet_core::domain::forms::{
    Choice, ChoiceDisplay, Condition, Context, Field as Def, FieldKind, Input, Step,
};

/// A step's answers as sent: the form's pairs without the kit's own fields
/// (the CSRF token, `_`-prefixed controls).
pub fn answers(pairs: Vec<(String, String)>) -> Input {
    Input::new(
        pairs
            .into_iter()
            .filter(|(k, _)| k != crate::csrf::FIELD && !k.starts_with('_'))
            .collect(),
    )
}
use guichet_core::domain::foyer::ADDRESS_PARTS;

use crate::forms::{Field, Form, Section, TreeChoice};

/// The inputs of an address named `{key}.street_name`, `{key}.city`…;
/// `required`: the address must be given; `own`: it is the person's own
/// (the browser may fill it in, RGAA 11.13).
pub fn address_fields(
    key: &str,
    get: impl Fn(&str) -> String,
    required: bool,
    own: bool,
) -> Vec<Field> {
    ADDRESS_PARTS
        .iter()
        .map(|(part, label, part_required)| {
            let name = format!("{key}.{part}");
            let mut f = Field::text(&name, label, &get(&name));
            if *part == "postal_code" {
                f = f.hint("5 chiffres, par exemple 13200.");
            }
            let token = match *part {
                "street_name" => Some("address-line1"),
                "postal_code" => Some("postal-code"),
                "city" => Some("address-level2"),
                "country" => Some("country-name"),
                _ => None,
            };
            if let (true, Some(t)) = (own, token) {
                f = f.autocomplete(t);
            }
            f.optional = !(required && *part_required);
            f
        })
        .collect()
}

/// The values a condition's trigger takes in the form (`oui`/`non` for a
/// yes/no), for the script that shows and hides.
fn trigger_values(cond: &Condition, trigger: Option<&Def>, ctx: &Context) -> Vec<String> {
    let as_input = |v: &serde_json::Value| match v {
        serde_json::Value::Bool(true) => "oui".to_owned(),
        serde_json::Value::Bool(false) => "non".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut wanted: Vec<String> = cond
        .equals
        .iter()
        .chain(cond.any_of.iter())
        .map(as_input)
        .collect();
    if cond.not {
        let all: Vec<String> = match trigger {
            Some(t) if t.kind == FieldKind::YesNo => vec!["oui".into(), "non".into()],
            Some(t) => leaves(ctx.choices(t)),
            None => Vec::new(),
        };
        wanted = all.into_iter().filter(|v| !wanted.contains(v)).collect();
    }
    wanted
}

fn leaves(choices: &[Choice]) -> Vec<String> {
    choices
        .iter()
        .flat_map(|c| {
            if c.children.is_empty() {
                vec![c.key.clone()]
            } else {
                leaves(&c.children)
            }
        })
        .collect()
}

fn tree(choices: &[Choice], chosen: &[&str]) -> Vec<TreeChoice> {
    choices
        .iter()
        .map(|c| TreeChoice {
            value: c.key.clone(),
            label: c.label.clone(),
            selected: chosen.contains(&c.key.as_str()),
            children: tree(&c.children, chosen),
        })
        .collect()
}

/// The inputs of one field (an address's parts, a group's items are
/// sections of their own: see [`step_form`]).
fn field(def: &Def, name: &str, input: &Input, ctx: &Context) -> Field {
    let value = input.get(name).to_owned();
    let f = match def.kind {
        FieldKind::Text => Field::text(name, &def.label, &value),
        FieldKind::LongText => Field::textarea(name, &def.label, &value),
        FieldKind::Email => Field::email(name, &def.label, &value),
        FieldKind::Phone => {
            Field::tel(name, &def.label, &value).hint("10 chiffres, par exemple 06 12 34 56 78.")
        }
        FieldKind::PostalCode => {
            Field::number(name, &def.label, &value).autocomplete("postal-code")
        }
        FieldKind::Date => Field::date(name, &def.label, &value),
        FieldKind::Number => Field::number(name, &def.label, &value),
        FieldKind::YesNo => Field::radios(
            name,
            &def.label,
            vec![
                ("oui".into(), "Oui".into(), value == "oui"),
                ("non".into(), "Non".into(), value == "non"),
            ],
        ),
        FieldKind::Consent => {
            let f = Field::checkbox(name, &def.label, value == "oui");
            match def.read.as_deref() {
                Some(doc) if ctx.documents.iter().any(|d| d == doc) => {
                    f.link(&format!("/documents/{doc}"), "Lire le règlement (PDF)")
                }
                Some(_) => {
                    f.hint("Le règlement vous est remis à l’accueil de la mairie, sur demande.")
                }
                None => f,
            }
        }
        FieldKind::OneOf => {
            let choices = ctx.choices(def);
            let flat = choices.iter().all(|c| c.children.is_empty());
            if def.display == Some(ChoiceDisplay::Radios) && flat {
                Field::radios(
                    name,
                    &def.label,
                    choices
                        .iter()
                        .map(|c| (c.key.clone(), c.label.clone(), value == c.key))
                        .collect(),
                )
            } else {
                let mut options = vec![TreeChoice {
                    value: String::new(),
                    label: "Choisissez dans la liste".into(),
                    selected: value.is_empty(),
                    children: Vec::new(),
                }];
                options.extend(tree(choices, &[value.as_str()]));
                Field::select_tree(name, &def.label, options)
            }
        }
        FieldKind::ManyOf => {
            let chosen = input.all(name);
            Field::checkbox_tree(name, &def.label, tree(ctx.choices(def), &chosen))
        }
        FieldKind::Facility => {
            let list = ctx.facilities(
                def.facility
                    .unwrap_or(guichet_core::domain::forms::FacilityKind::School),
            );
            let mut options = vec![(
                String::new(),
                "Choisissez dans la liste".to_owned(),
                value.is_empty(),
            )];
            options.extend(
                list.iter()
                    .map(|(id, n)| (id.to_string(), n.clone(), value == id.to_string())),
            );
            Field::select(name, &def.label, options)
        }
        FieldKind::Individual => {
            let list = ctx.members(
                def.members
                    .unwrap_or(guichet_core::domain::forms::MemberKind::Any),
            );
            Field::radios(
                name,
                &def.label,
                list.iter()
                    .map(|(id, n)| (id.to_string(), n.clone(), value == id.to_string()))
                    .collect(),
            )
        }
        FieldKind::Address | FieldKind::Group => unreachable!("drawn as sections"),
    };
    let mut f = if def.help.is_empty() {
        f
    } else {
        f.hint(&def.help)
    };
    // The definition says; some kit fields (phones) are optional by default.
    f.optional = !def.required;
    f
}

/// A step as a form: plain fields together, each address and group in a
/// fieldset of its own; conditional fields say when to fill them. A
/// condition on an answer of another step (`known`: the request's answers)
/// is decided here: the field is there, or not at all.
#[allow(clippy::too_many_arguments)]
pub fn step_form(
    step: &Step,
    all: &[&Def],
    known: &serde_json::Map<String, serde_json::Value>,
    input: &Input,
    ctx: &Context,
    action: &str,
    csrf_token: String,
    submit: &str,
) -> Form {
    let mut sections = Vec::new();
    let mut plain = Vec::new();
    let here = |key: &str| step.fields.iter().any(|f| f.key == key);
    for def in &step.fields {
        let elsewhere = def.show_if.as_ref().filter(|c| !here(&c.field));
        if let Some(c) = elsewhere {
            if !c.holds(known.get(&c.field)) {
                continue;
            }
        }
        let condition = def
            .show_if
            .as_ref()
            .filter(|_| elsewhere.is_none())
            .map(|c| {
                let trigger = all.iter().find(|f| f.key == c.field).copied();
                let values = trigger_values(c, trigger, ctx);
                let when = trigger
                    .map(|t| {
                        let shown: Vec<String> = values
                            .iter()
                            .map(|v| match v.as_str() {
                                "oui" => "Oui".into(),
                                "non" => "Non".into(),
                                key => t
                                    .options
                                    .iter()
                                    .chain(ctx.choices(t))
                                    .find(|o| o.key == key)
                                    .map_or_else(|| key.to_owned(), |o| o.label.clone()),
                            })
                            .collect();
                        format!(
                            "À remplir si vous avez répondu « {} » à la question « {} ».",
                            shown.join(" » ou « "),
                            t.label
                        )
                    })
                    .unwrap_or_default();
                (c.field.clone(), values, when)
            });
        match def.kind {
            FieldKind::Address | FieldKind::Group => {
                if !plain.is_empty() {
                    sections.push(Section::plain(std::mem::take(&mut plain)));
                }
                let hint = condition
                    .as_ref()
                    .map(|(_, _, w)| w.clone())
                    .filter(|w| !w.is_empty());
                let help = (!def.help.is_empty()).then(|| def.help.clone());
                let hint = [hint, help]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                let hint = (!hint.is_empty()).then_some(hint);
                let mut group: Vec<Section> = if def.kind == FieldKind::Address {
                    let legend = if def.required {
                        def.label.clone()
                    } else {
                        format!("{} (facultatif)", def.label)
                    };
                    vec![Section::titled(
                        &legend,
                        hint.as_deref(),
                        address_fields(&def.key, |n| input.get(n).to_owned(), def.required, false),
                    )]
                } else {
                    group_sections(def, input, ctx, hint.as_deref())
                };
                if let Some((trigger, values, _)) = &condition {
                    group = group
                        .into_iter()
                        .map(|s| s.show_if(trigger, values))
                        .collect();
                }
                sections.extend(group);
            }
            _ => {
                let mut f = field(def, &def.key, input, ctx);
                if let Some((trigger, values, when)) = &condition {
                    f = f.show_if(trigger, values);
                    let hint = match &f.hint {
                        Some(h) => format!("{when} {h}"),
                        None => when.clone(),
                    };
                    f = f.hint(&hint);
                }
                plain.push(f);
            }
        }
    }
    if !plain.is_empty() {
        sections.push(Section::plain(plain));
    }
    Form::new(action, csrf_token, submit, sections)
}

/// A group's items as fieldsets: those typed, then blank ones to add more.
fn group_sections(def: &Def, input: &Input, ctx: &Context, hint: Option<&str>) -> Vec<Section> {
    let prefix = format!("{}.", def.key);
    let typed = input
        .pairs()
        .iter()
        .filter_map(|(n, _)| {
            n.strip_prefix(&prefix)?
                .split('.')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .max()
        .map_or(0, |m| m + 1);
    let max = def.max.unwrap_or(10).max(1) as usize;
    let shown = (typed + 2).min(max).max(typed);
    let mut out = Vec::new();
    for i in 0..shown {
        let fields = def
            .fields
            .iter()
            .flat_map(|sub| {
                let name = format!("{}.{i}.{}", def.key, sub.key);
                if sub.kind == FieldKind::Address {
                    address_fields(&name, |n| input.get(n).to_owned(), sub.required, false)
                } else {
                    vec![field(sub, &name, input, ctx)]
                }
            })
            .collect();
        let legend = format!("{} : {} {}", def.label, def.item_label, i + 1);
        let hint = if i == 0 {
            Some(match hint {
                Some(h) => format!("{h} Laissez vides les lignes dont vous n’avez pas besoin."),
                None => "Laissez vides les lignes dont vous n’avez pas besoin.".to_owned(),
            })
        } else {
            None
        };
        out.push(Section::titled(&legend, hint.as_deref(), fields));
    }
    out
}
