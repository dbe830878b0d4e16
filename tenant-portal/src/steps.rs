//! The one engine that draws a request type's step as an HTML form (the web
//! kit's form, so that every step has labels, hints, the error summary and
//! the input kept), and saves it.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::requests::{self, Filed};
use guichet_core::store::Store;
use guichet_core::Error;
use guichet_domain::forms::{
    to_input, Choice, ChoiceDisplay, Condition, Context, Field as Def, FieldError, FieldKind,
    Input, Step,
};
use guichet_web::csrf::{self, VerifiedForm};
use guichet_web::forms::{sealed, Field, Form, Section, TreeChoice};
use guichet_web::principal::SignedInHousehold;
use guichet_web::{tx, AppError, Layout, Renderer};
use serde::Serialize;

use crate::page::{
    address_fields, base_url, layout, me_in, render, see_other, signed_in, Me, Section as Nav,
};

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
        FieldKind::Consent => Field::checkbox(name, &def.label, value == "oui"),
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
                    .unwrap_or(guichet_domain::forms::FacilityKind::School),
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
                    .unwrap_or(guichet_domain::forms::MemberKind::Any),
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
/// fieldset of its own; conditional fields say when to fill them.
pub(crate) fn step_form(
    step: &Step,
    all: &[&Def],
    input: &Input,
    ctx: &Context,
    action: &str,
    csrf_token: String,
) -> Form {
    let mut sections = Vec::new();
    let mut plain = Vec::new();
    for def in &step.fields {
        let condition = def.show_if.as_ref().map(|c| {
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
    Form::new(action, csrf_token, "Enregistrer et continuer", sections).secondary(
        "_then",
        "later",
        "Enregistrer et finir plus tard",
    )
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

#[derive(Serialize)]
pub(crate) struct StepLink {
    pub title: String,
    pub href: Option<String>,
    pub current: bool,
    pub done: bool,
}

/// The request's steps, for the progress list at the top of each.
pub(crate) fn progress(f: &Filed, current: &str, has_documents: bool) -> Vec<StepLink> {
    let done = f.steps_done();
    let next = f.next_step().map(|s| s.key.clone());
    let mut out: Vec<StepLink> = f
        .form
        .household_steps()
        .map(|s| {
            let is_done = done.contains(&s.key.as_str());
            let reachable = is_done || next.as_deref() == Some(&s.key);
            StepLink {
                title: s.title.clone(),
                href: reachable.then(|| format!("/mes-demandes/{}/etapes/{}", f.row.id, s.key)),
                current: s.key == current,
                done: is_done,
            }
        })
        .collect();
    let all_done = next.is_none();
    if has_documents {
        out.push(StepLink {
            title: "Justificatifs".into(),
            href: all_done.then(|| format!("/mes-demandes/{}/justificatifs", f.row.id)),
            current: current == "justificatifs",
            done: false,
        });
    }
    out.push(StepLink {
        title: "Vérification et envoi".into(),
        href: all_done.then(|| format!("/mes-demandes/{}/envoi", f.row.id)),
        current: current == "envoi",
        done: false,
    });
    out
}

#[derive(Serialize)]
struct StepPage {
    layout: Layout,
    label: String,
    subject: String,
    title: String,
    intro: String,
    number: usize,
    total: usize,
    steps: Vec<StepLink>,
    form: Form,
}

/// Loads the request, its step and what its choices draw from.
async fn load(
    store: &Store,
    who: &SignedInHousehold,
    id: i64,
    step: &str,
) -> Result<(Me, Filed, Context, bool), AppError> {
    let (account, step) = (who.account_id, step.to_owned());
    tx::read(store, who, move |t| {
        let me = me_in(t, account)?;
        let f = requests::filed(t, me.household(), id)?;
        if !f.form.household_steps().any(|s| s.key == step) {
            return Err(Error::NotFound);
        }
        let ctx = requests::context(t, &f.offer, Some(&me.foyer), false)?;
        let documents = !requests::asked(&f.offer).is_empty();
        Ok((me, f, ctx, documents))
    })
    .await
    .map_err(signed_in)
}

#[allow(clippy::too_many_arguments)]
fn show(
    pages: &Renderer,
    who: &SignedInHousehold,
    session: &Session,
    me: &Me,
    f: &Filed,
    ctx: &Context,
    documents: bool,
    step_key: &str,
    input: &Input,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let step = f
        .form
        .household_steps()
        .find(|s| s.key == step_key)
        .ok_or(AppError::NotFound)?;
    let all: Vec<&Def> = f.form.fields().collect();
    let action = format!("/mes-demandes/{}/etapes/{}", f.row.id, step.key);
    let mut form = step_form(step, &all, input, ctx, &action, csrf::token(session)?);
    form.field_errors(
        errors
            .into_iter()
            .map(|e| guichet_core::error::FieldError {
                field: e.name,
                message: e.message,
            })
            .collect(),
    );
    let form = sealed(form);
    let steps = progress(f, step_key, documents);
    let number = f
        .form
        .household_steps()
        .position(|s| s.key == step_key)
        .unwrap_or(0)
        + 1;
    let title = crate::page::error_title(
        &format!("{} — {}", step.title, f.offer.teleservice.label),
        form.has_errors(),
    );
    render(
        pages,
        status,
        "portal/step",
        &StepPage {
            layout: layout(&who.tenant, &title, Nav::Requests, Some(me), session)?,
            label: f.offer.teleservice.label.clone(),
            subject: f.row.subject_name.clone(),
            title: step.title.clone(),
            intro: step.intro.clone(),
            number,
            total: steps.len(),
            steps,
            form,
        },
    )
}

pub(crate) async fn page(
    who: SignedInHousehold,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, step_key) = path.into_inner();
    let (me, f, ctx, documents) = load(&store, &who, id, &step_key).await?;
    if !f.state().editable_by_household() {
        return Ok(see_other(&format!("/mes-demandes/{id}")));
    }
    let step = f
        .form
        .household_steps()
        .find(|s| s.key == step_key)
        .ok_or(AppError::NotFound)?;
    let input = to_input(step, &f.data);
    show(
        &pages,
        &who,
        &session,
        &me,
        &f,
        &ctx,
        documents,
        &step_key,
        &input,
        Vec::new(),
        StatusCode::OK,
    )
}

/// Where to go once a step is saved.
pub(crate) fn after_step(f_id: i64, next: Option<&str>, documents: bool) -> String {
    match next {
        Some(step) => format!("/mes-demandes/{f_id}/etapes/{step}"),
        None if documents => format!("/mes-demandes/{f_id}/justificatifs"),
        None => format!("/mes-demandes/{f_id}/envoi"),
    }
}

pub(crate) async fn save(
    req: actix_web::HttpRequest,
    who: SignedInHousehold,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    path: web::Path<(i64, String)>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, step_key) = path.into_inner();
    let later = pairs.iter().any(|(k, v)| k == "_then" && v == "later");
    // The kit's own fields are not the form's.
    let input = Input::new(
        pairs
            .into_iter()
            .filter(|(k, _)| k != guichet_web::csrf::FIELD && !k.starts_with('_'))
            .collect(),
    );
    let (me, f, ctx, documents) = load(&store, &who, id, &step_key).await?;
    let (household, foyer, key, given) = (
        me.household(),
        me.foyer.clone(),
        step_key.clone(),
        input.clone(),
    );
    let saved = tx::write(&store, &who, move |t| {
        let outcome = requests::save_step(t, household, id, &key, &given, &foyer)?;
        let next = requests::filed(t, household, id)?
            .next_step()
            .map(|s| s.key.clone());
        Ok::<_, Error>((outcome, next))
    })
    .await;
    match saved {
        Ok((Ok(()), _)) if later && me.foyer.temporary => {
            // Without an account, the way back is a link sent by e-mail.
            let (household, base, site) = (me.household(), base_url(&req), who.tenant.name.clone());
            tx::write(&store, &who, move |t| {
                requests::send_resume_link(t, household, id, &base, &site)
            })
            .await?;
            Ok(see_other(&format!("/mes-demandes/{id}?lien")))
        }
        Ok((Ok(()), next)) => Ok(see_other(&if later {
            format!("/mes-demandes/{id}?enregistre")
        } else {
            after_step(id, next.as_deref(), documents)
        })),
        Ok((Err(errors), _)) => show(
            &pages,
            &who,
            &session,
            &me,
            &f,
            &ctx,
            documents,
            &step_key,
            &input,
            errors,
            StatusCode::BAD_REQUEST,
        ),
        Err(AppError::Conflict(m)) => show(
            &pages,
            &who,
            &session,
            &me,
            &f,
            &ctx,
            documents,
            &step_key,
            &input,
            vec![FieldError {
                name: String::new(),
                label: String::new(),
                message: m,
            }],
            StatusCode::CONFLICT,
        ),
        Err(e) => Err(e),
    }
}
