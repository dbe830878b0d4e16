//! Courriers types of a téléservice, for the agents who manage its category:
//! written in the courriers' markup (`domain::courriers`), checked when
//! saved, previewed with a request, resolved into letters that the contact
//! sends and the history keeps.

pub mod contact;

use std::collections::HashMap;

use serde::Serialize;

use crate::agents::Desk;
use crate::casework::case::{now, reach};
use crate::catalogue::teleservices::{managed, record};
use crate::domain::contact as rules;
use crate::domain::courriers::{answer_variable, Block, Body, Letter, Model, VARIABLES};
use crate::domain::forms;
use crate::domain::foyer::Title;
use crate::domain::requests::MeansOfContact;
use crate::domain::time;
use crate::error::{Checks, Error};
use crate::pdf;
use crate::store::repo::courriers::{self as rows, CourrierRow};
use crate::store::repo::requests::RequestRow;
use crate::store::repo::{agents as agent_rows, offer};
use crate::store::TenantTx;
use crate::tenancy;

/// A courrier as its pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct CourrierView {
    pub id: i64,
    pub short_label: String,
    pub label: String,
    pub model: &'static str,
    pub model_label: &'static str,
    pub body: String,
    pub variables: Vec<String>,
    pub updated_at: String,
}

/// What the courrier form sends, as typed.
#[derive(Debug, Clone, Default)]
pub struct CourrierInput {
    pub short_label: String,
    pub label: String,
    pub model: String,
    pub body: String,
}

/// A variable, for the list the editor inserts from.
#[derive(Debug, Clone, Serialize)]
pub struct VariableView {
    pub name: String,
    /// `{{NAME}}`, as written in a body.
    pub token: String,
    pub description: String,
}

/// The answers of the téléservice `code`'s form, every version's, newest
/// first: (variable, what it says).
fn answers(code: &str) -> Vec<(String, String)> {
    let mut versions: Vec<_> = forms::shipped().iter().filter(|d| d.code == code).collect();
    versions.sort_by_key(|d| std::cmp::Reverse(d.version));
    let mut out: Vec<(String, String)> = Vec::new();
    for field in versions
        .iter()
        .flat_map(|d| d.steps.iter().flat_map(|s| &s.fields))
    {
        let name = answer_variable(&field.key);
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, format!("la réponse « {} »", field.label)));
        }
    }
    out
}

fn answer_names(code: &str) -> Vec<String> {
    answers(code).into_iter().map(|(n, _)| n).collect()
}

/// The variables of the téléservice `code`'s courriers: the common ones,
/// then the answers of its form.
pub fn variables(code: &str) -> Vec<VariableView> {
    VARIABLES
        .iter()
        .map(|(name, description)| (name.to_string(), description.to_string()))
        .chain(answers(code))
        .map(|(name, description)| VariableView {
            token: format!("{{{{{name}}}}}"),
            name,
            description,
        })
        .collect()
}

fn view(row: CourrierRow, answers: &[String]) -> CourrierView {
    let model = Model::parse(&row.model).unwrap_or(Model::Letter);
    CourrierView {
        id: row.id,
        variables: Body::parse(&row.body, answers)
            .map(|b| b.variables().into_iter().map(str::to_owned).collect())
            .unwrap_or_default(),
        short_label: row.short_label,
        label: row.label,
        model: model.code(),
        model_label: model.label(),
        body: row.body,
        updated_at: time::datetime_fr(row.updated_at),
    }
}

fn owned(tx: &mut TenantTx<'_>, teleservice: i64, id: i64) -> Result<CourrierRow, Error> {
    rows::get(tx, id)?
        .filter(|c| c.teleservice_id == teleservice)
        .ok_or(Error::NotFound)
}

pub fn list(tx: &mut TenantTx<'_>, desk: &Desk, code: &str) -> Result<Vec<CourrierView>, Error> {
    let t = managed(tx, desk, code)?;
    let answers = answer_names(code);
    Ok(rows::list(tx, t.id)?
        .into_iter()
        .map(|r| view(r, &answers))
        .collect())
}

pub fn get(tx: &mut TenantTx<'_>, desk: &Desk, code: &str, id: i64) -> Result<CourrierView, Error> {
    let t = managed(tx, desk, code)?;
    Ok(view(owned(tx, t.id, id)?, &answer_names(code)))
}

/// The input checked field by field: the body's markup and variables too,
/// so that a courrier that is saved can always be sent.
fn checked(
    tx: &mut TenantTx<'_>,
    teleservice: (i64, &str),
    except: Option<i64>,
    input: &CourrierInput,
) -> Result<(String, String, Model, String), Error> {
    let (teleservice, code) = teleservice;
    let mut c = Checks::default();
    let short_label = c.take("short_label", rules::label(&input.short_label, 60));
    let label = c.take("label", rules::label(&input.label, 200));
    let model = Model::parse(&input.model);
    if model.is_none() {
        c.add("model", "choisissez la présentation dans la liste");
    }
    let body = input.body.replace("\r\n", "\n");
    if let Err(errors) = Body::parse(&body, &answer_names(code)) {
        for e in errors {
            c.add("body", e);
        }
    }
    if !short_label.is_empty() && rows::short_label_taken(tx, teleservice, &short_label, except)? {
        c.add(
            "short_label",
            "un autre courrier de ce téléservice porte déjà ce nom court : choisissez-en un autre",
        );
    }
    c.finish()?;
    Ok((
        short_label,
        label,
        model.expect("checked"),
        body.trim_matches('\n').to_owned(),
    ))
}

pub fn create(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    input: &CourrierInput,
) -> Result<i64, Error> {
    let t = managed(tx, desk, code)?;
    let (short_label, label, model, body) = checked(tx, (t.id, code), None, input)?;
    let id = tx.next_id()?;
    let at = now();
    rows::insert(
        tx,
        &CourrierRow {
            tenant_id: 0,
            id,
            teleservice_id: t.id,
            short_label: short_label.clone(),
            label,
            model: model.code().into(),
            body,
            created_at: at,
            updated_at: at,
        },
    )?;
    record(
        tx,
        desk,
        "courrier.create",
        code,
        serde_json::json!({ "courrier": id, "short_label": short_label }),
    )?;
    Ok(id)
}

pub fn change(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    id: i64,
    input: &CourrierInput,
) -> Result<(), Error> {
    let t = managed(tx, desk, code)?;
    let row = owned(tx, t.id, id)?;
    let (short_label, label, model, body) = checked(tx, (t.id, code), Some(id), input)?;
    rows::update(
        tx,
        &CourrierRow {
            short_label: short_label.clone(),
            label,
            model: model.code().into(),
            body,
            updated_at: now(),
            ..row
        },
    )?;
    record(
        tx,
        desk,
        "courrier.update",
        code,
        serde_json::json!({ "courrier": id, "short_label": short_label }),
    )
}

/// Deleted; the letters already sent stay in their requests' history.
pub fn delete(tx: &mut TenantTx<'_>, desk: &Desk, code: &str, id: i64) -> Result<(), Error> {
    let t = managed(tx, desk, code)?;
    let row = owned(tx, t.id, id)?;
    rows::delete(tx, id)?;
    record(
        tx,
        desk,
        "courrier.delete",
        code,
        serde_json::json!({ "courrier": id, "short_label": row.short_label }),
    )
}

/// The courrier resolved with a request of its téléservice the agent
/// reaches, found by its number; the observation reads as an example.
pub fn preview(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    id: i64,
    number: &str,
) -> Result<Letter, Error> {
    let t = managed(tx, desk, code)?;
    let row = owned(tx, t.id, id)?;
    let wanted: i64 = number.trim().parse().map_err(|_| {
        crate::error::invalid("number", "indiquez le numéro d’une demande, par exemple 12")
    })?;
    let request = crate::store::repo::casework::by_number(tx, wanted)?
        .and_then(|rid| reach(tx, desk, rid).ok())
        .filter(|r| r.teleservice_id == t.id)
        .ok_or_else(|| {
            crate::error::invalid(
                "number",
                format!(
                    "aucune demande n° {wanted} de ce téléservice parmi celles que vous consultez"
                ),
            )
        })?;
    letter(
        tx,
        &row,
        &request,
        "(ici, le message que vous écrirez en envoyant le courrier)",
    )
}

/// A courrier for this request, the agent's message as its observation.
pub fn letter(
    tx: &mut TenantTx<'_>,
    courrier: &CourrierRow,
    request: &RequestRow,
    observation: &str,
) -> Result<Letter, Error> {
    let model = Model::parse(&courrier.model).unwrap_or(Model::Letter);
    let code = offer::teleservices(tx)?
        .into_iter()
        .find(|t| t.id == request.teleservice_id)
        .map(|t| t.code)
        .unwrap_or_default();
    let body = Body::parse(&courrier.body, &answer_names(&code))
        .map_err(|e| Error::Refused(e.join(" ; ")))?;
    let (tenant, foyer) = parties(tx, request)?;
    let mut values = values(tx, &tenant, &foyer, request, observation)?;
    values.extend(answer_values(tx, &foyer, request)?);
    let mut letter = frame(&tenant, &foyer, request, model, courrier.label.clone());
    letter.blocks = body.resolve(&|name| values.get(name).cloned().unwrap_or_default());
    Ok(letter)
}

/// A letter of free text (paragraphs at blank lines), for this request.
pub fn free_letter(
    tx: &mut TenantTx<'_>,
    request: &RequestRow,
    title: String,
    text: &str,
) -> Result<Letter, Error> {
    let (tenant, foyer) = parties(tx, request)?;
    let mut letter = frame(&tenant, &foyer, request, Model::Letter, title);
    letter.blocks = text
        .replace("\r\n", "\n")
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| Block::Paragraph {
            lines: p
                .lines()
                .map(|l| {
                    vec![crate::domain::courriers::Span {
                        text: l.trim().to_owned(),
                        bold: false,
                    }]
                })
                .collect(),
        })
        .collect();
    Ok(letter)
}

/// Who writes and to whom: the collectivité and the request's foyer, read
/// once for the frame and the variables.
fn parties(
    tx: &mut TenantTx<'_>,
    request: &RequestRow,
) -> Result<(tenancy::Tenant, crate::foyers::Foyer), Error> {
    let me = tx.tenant();
    let tenant = tenancy::find_by_id(tx.conn(), me)?.ok_or(Error::NotFound)?;
    let foyer = crate::foyers::foyer(tx, request.household_id)?;
    Ok((tenant, foyer))
}

/// The letter's frame: the collectivité as sender, place and date, the
/// requester and the foyer's address as addressee.
fn frame(
    tenant: &tenancy::Tenant,
    foyer: &crate::foyers::Foyer,
    request: &RequestRow,
    model: Model,
    title: String,
) -> Letter {
    let requester = foyer.member(request.requester_id);
    let a = &foyer.address;
    let mut sender = vec![tenant.name.clone()];
    sender.extend(
        tenant
            .postal_address
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned),
    );
    // « À Arles, le … » when the address ends with its postal code and town.
    let town = tenant
        .postal_address
        .lines()
        .last()
        .map(str::trim)
        .and_then(|l| l.split_once(' '))
        .filter(|(code, _)| code.len() == 5 && code.chars().all(|c| c.is_ascii_digit()))
        .map(|(_, town)| town.trim().to_owned());
    let today = time::date_fr(time::today());
    let place_date = match town {
        Some(town) => format!("À {town}, le {today}"),
        None => format!("Le {today}"),
    };
    let mut addressee = Vec::new();
    if let Some(m) = requester {
        let title = m
            .title
            .as_deref()
            .and_then(Title::parse)
            .filter(|t| *t != Title::Unknown)
            .map(|t| format!("{} ", t.label()))
            .unwrap_or_default();
        addressee.push(format!("{title}{} {}", m.first_name, m.last_name));
    }
    for line in [&a.adi, &a.agi] {
        if !line.trim().is_empty() {
            addressee.push(line.trim().to_owned());
        }
    }
    let street = format!("{} {}", a.street_number.trim(), a.street_name.trim());
    if !street.trim().is_empty() {
        addressee.push(street.trim().to_owned());
    }
    if !a.pns.trim().is_empty() {
        addressee.push(a.pns.trim().to_owned());
    }
    addressee.push(format!("{} {}", a.postal_code, a.city).trim().to_owned());
    if !a.country.trim().is_empty() && !a.country.eq_ignore_ascii_case("france") {
        addressee.push(a.country.trim().to_owned());
    }
    Letter {
        model,
        title,
        sender,
        place_date,
        addressee,
        logo: tenant
            .appearance
            .stamp(crate::collectivite::appearance::Kind::LetterLogo.code()),
        blocks: Vec::new(),
    }
}

/// The request's answers, as its page says them, by variable.
fn answer_values(
    tx: &mut TenantTx<'_>,
    foyer: &crate::foyers::Foyer,
    request: &RequestRow,
) -> Result<HashMap<String, String>, Error> {
    let filed = crate::requests::filed(tx, request.household_id, request.id)?;
    let ctx = crate::requests::context(tx, &filed.offer, Some(foyer), true)?;
    Ok(filed
        .form
        .steps
        .iter()
        .flat_map(|s| &s.fields)
        .filter_map(|f| {
            let v = filed.data.get(&f.key)?;
            Some((answer_variable(&f.key), forms::text_of(f, v, &ctx)))
        })
        .collect())
}

/// Every variable's value for this request.
fn values(
    tx: &mut TenantTx<'_>,
    tenant: &tenancy::Tenant,
    foyer: &crate::foyers::Foyer,
    request: &RequestRow,
    observation: &str,
) -> Result<HashMap<String, String>, Error> {
    let t = offer::teleservices(tx)?
        .into_iter()
        .find(|t| t.id == request.teleservice_id);
    let category = match request.category_id {
        Some(c) => offer::category_names(tx)?
            .into_iter()
            .find(|(id, _)| *id == c)
            .map(|(_, n)| n)
            .unwrap_or_default(),
        None => String::new(),
    };
    let category_email = match request.category_id {
        Some(c) => rows::category_email(tx, c)?,
        None => String::new(),
    };
    let category_email = if category_email.is_empty() {
        tenant.contact_email.clone()
    } else {
        category_email
    };
    let agent = match request.last_agent_id {
        Some(id) => agent_rows::get_by_id(tx, id)?,
        None => None,
    };
    let title = |m: Option<&crate::foyers::Member>| {
        m.and_then(|m| m.title.as_deref())
            .and_then(Title::parse)
            .filter(|t| *t != Title::Unknown)
            .map(|t| t.label().to_owned())
            .unwrap_or_default()
    };
    let requester = foyer.member(request.requester_id);
    let subject = request.subject_id.and_then(|id| foyer.member(id));
    let date = |d: Option<chrono::NaiveDateTime>| {
        d.map(|d| time::date_fr(time::paris(d).date_naive()))
            .unwrap_or_default()
    };
    let a = &foyer.address;
    let mut v: HashMap<String, String> = HashMap::new();
    let mut put = |name: &str, value: String| {
        v.insert(name.to_owned(), value);
    };
    put("DATE", time::date_fr(time::today()));
    put(
        "RQ_ID",
        request.number.map(|n| n.to_string()).unwrap_or_default(),
    );
    put("RQ_TP_LABEL", t.map(|t| t.label).unwrap_or_default());
    put(
        "RQ_CDATE",
        date(request.submitted_at.or(Some(request.created_at))),
    );
    put("RQ_DVAL", date(request.validated_at));
    put("RQ_OBSERV", observation.to_owned());
    put("RQ_CAT", category);
    put("RQ_CAT_EMAIL", category_email);
    put("HF_ID", foyer.id.to_string());
    put("HF_ADDRESS_ADI", a.adi.clone());
    put("HF_ADDRESS_AGI", a.agi.clone());
    put("HF_ADDRESS_SNUM", a.street_number.clone());
    put("HF_ADDRESS_SNAME", a.street_name.clone());
    put("HF_ADDRESS_PNS", a.pns.clone());
    put("HF_ADDRESS_ZIP", a.postal_code.clone());
    put("HF_ADDRESS_TOWN", a.city.clone());
    put(
        "HF_ADDRESS_CN",
        if a.country.is_empty() {
            "France".into()
        } else {
            a.country.clone()
        },
    );
    put("RR_TITLE", title(requester));
    // « Madame Durand », or « Madame, Monsieur » when the civility is unknown.
    put(
        "RR_GREETING",
        match (title(requester), requester) {
            (t, Some(m)) if !t.is_empty() => format!("{t} {}", m.last_name),
            _ => "Madame, Monsieur".to_owned(),
        },
    );
    put(
        "RR_LNAME",
        requester.map(|m| m.last_name.clone()).unwrap_or_default(),
    );
    put(
        "RR_FNAME",
        requester.map(|m| m.first_name.clone()).unwrap_or_default(),
    );
    put(
        "RR_LOGIN",
        requester.map(|m| m.email.clone()).unwrap_or_default(),
    );
    put("SU_TITLE", title(subject));
    put(
        "SU_LNAME",
        subject.map(|m| m.last_name.clone()).unwrap_or_default(),
    );
    put(
        "SU_FNAME",
        subject.map(|m| m.first_name.clone()).unwrap_or_default(),
    );
    put(
        "LAST_AGENT_NAME",
        agent
            .as_ref()
            .map(|a| format!("{} {}", a.first_name, a.last_name))
            .unwrap_or_default(),
    );
    put(
        "LAST_AGENT_EMAIL",
        agent.map(|a| a.email).unwrap_or_default(),
    );
    put(
        "MOC",
        request
            .means_of_contact
            .as_deref()
            .and_then(MeansOfContact::parse)
            .map(|m| m.label().to_owned())
            .unwrap_or_default(),
    );
    debug_assert!(VARIABLES.iter().all(|(name, _)| v.contains_key(*name)));
    Ok(v)
}

/// Where the letter's logo is stored, if the collectivité still keeps it
/// (the current or the previous letters' logo).
pub fn logo_key(tx: &mut TenantTx<'_>, letter: &Letter) -> Result<Option<String>, Error> {
    let Some(id) = letter.logo else {
        return Ok(None);
    };
    Ok(crate::files::get(tx, id)?.map(|f| f.key))
}

/// The logo as read from the store: the store down is an error (waited
/// for, or said), a file gone or unreadable leaves the letter without it.
pub fn drawn_logo(
    read: Option<Result<Vec<u8>, crate::files::FileError>>,
) -> Result<Option<Vec<u8>>, crate::files::FileError> {
    match read {
        None => Ok(None),
        Some(Ok(bytes)) => Ok(Some(bytes)),
        Some(Err(e @ crate::files::FileError::Unavailable(_))) => Err(e),
        Some(Err(e)) => {
            tracing::warn!(error = %e, "logo des courriers introuvable : courrier sans logo");
            Ok(None)
        }
    }
}

/// The letter as a PDF document, with its logo's bytes when it has one.
pub fn document(letter: &Letter, logo: Option<Vec<u8>>) -> pdf::Document {
    let mut doc = pdf::Document::new(letter.title.clone());
    doc.letterhead = letter.sender.clone();
    doc.logo = logo;
    match letter.model {
        Model::Letter => {
            doc.push(pdf::Block::Aside(vec![letter.place_date.clone()]));
            doc.push(pdf::Block::Gap);
            doc.push(pdf::Block::Aside(letter.addressee.clone()));
            doc.push(pdf::Block::Gap);
            doc.push(pdf::Block::Rich(vec![vec![
                pdf::Span {
                    text: "Objet : ".into(),
                    bold: true,
                },
                pdf::Span {
                    text: letter.title.clone(),
                    bold: false,
                },
            ]]));
        }
        Model::Notice => {
            doc.push(pdf::Block::Aside(vec![letter.place_date.clone()]));
            doc.push(pdf::Block::Title(letter.title.clone()));
        }
    }
    for block in &letter.blocks {
        match block {
            Block::Paragraph { lines } => {
                doc.push(pdf::Block::Rich(lines.clone()));
            }
            Block::List { items } => {
                for item in items {
                    doc.push(pdf::Block::Bullet(item.clone()));
                }
            }
        }
    }
    doc
}

/// The PDF's file name: the letter's title in plain letters.
pub fn filename(letter: &Letter) -> String {
    let stem: String = crate::domain::text::fold(&letter.title)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let stem = stem.trim_matches('_');
    let stem: String = stem.chars().take(60).collect();
    format!("{}.pdf", if stem.is_empty() { "Courrier" } else { &stem })
}
