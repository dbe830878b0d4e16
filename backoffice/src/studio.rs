//! The form studio's pages, for the collectivité's administrators: its own
//! forms, a new one (from a shipped form, from an export), a
//! form with what the check says and its publication, its export.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use guichet_cases::requests::revisions::{self, Published};
use guichet_core::catalogue::studio::{self, Check, Draft, Start};
use guichet_core::domain::forms::{self, Condition, FieldKind, FormDefinition};
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::{sealed, Field, Form, Section};
use guichet_web::render::see_other_with;
use guichet_web::{AppError, Layout};
use serde::{Deserialize, Serialize};

use crate::desk::{Office, Section as Nav};

const BASE: &str = "/backoffice/studio";
const TITLE: &str = "Studio des formulaires";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct StartForm {
    origine: String,
    fourni: String,
    definition: String,
}

#[derive(Serialize)]
struct ListPage {
    layout: Layout,
    drafts: Vec<Draft>,
    /// Administrators make new forms; a category's managers author theirs.
    can_create: bool,
    shipped: Form,
    import: Form,
}

fn shipped_form(csrf: String) -> Form {
    let mut seen = Vec::new();
    let options = forms::shipped()
        .iter()
        .filter(|d| {
            let first = !seen.contains(&d.code);
            seen.push(d.code.clone());
            first
        })
        .map(|d| (d.code.clone(), d.label.clone(), false))
        .collect();
    Form::new(
        BASE,
        csrf,
        "Copier ce téléservice",
        vec![Section::plain(vec![Field::select(
            "fourni",
            "Téléservice fourni",
            options,
        )
        .hint(
            "Sa dernière version et ses scénarios, sous un code propre à la collectivité",
        )])],
    )
    .hidden("origine", "fourni")
    .with_id("creer-copie")
}

fn import_form(csrf: String, text: &str) -> Form {
    Form::new(
        BASE,
        csrf,
        "Importer la définition",
        vec![Section::plain(vec![Field::textarea(
            "definition",
            "Définition exportée (JSON)",
            text,
        )
        .hint(
            "Collez le contenu du fichier « définition » exporté d’un autre studio",
        )])],
    )
    .hidden("origine", "import")
    .with_id("creer-import")
}

async fn list_page(
    office: &Office,
    status: StatusCode,
    refused: Option<(&str, Form)>,
) -> Result<HttpResponse, AppError> {
    let (desk, drafts) = office.read(studio::drafts).await?;
    let mut layout = office.layout(&desk, TITLE, Nav::Studio)?;
    let csrf = office.csrf()?;
    let (mut shipped, mut import) = (shipped_form(csrf.clone()), import_form(csrf, ""));
    if let Some((which, form)) = refused {
        layout.refused();
        match which {
            "import" => import = form,
            _ => shipped = form,
        }
    }
    let page = ListPage {
        layout,
        drafts,
        can_create: desk.administers(),
        shipped: sealed(shipped),
        import: sealed(import),
    };
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(office.pages.render("backoffice/studio", &page)?))
}

pub(crate) async fn list(office: Office) -> Result<HttpResponse, AppError> {
    list_page(&office, StatusCode::OK, None).await
}

pub(crate) async fn create(
    office: Office,
    VerifiedForm(v): VerifiedForm<StartForm>,
) -> Result<HttpResponse, AppError> {
    let start = match v.origine.as_str() {
        "import" => Start::Import {
            json: v.definition.clone().into_bytes(),
        },
        _ => Start::Shipped {
            code: v.fourni.clone(),
        },
    };
    match office
        .write(move |t, desk| studio::create(t, desk, start))
        .await
    {
        Ok(code) => see_other_with(
            &office.session,
            format!("{BASE}/{code}"),
            "Le formulaire est créé : complétez-le, vérifiez-le, puis publiez-le.",
        ),
        Err(e) => {
            let csrf = office.csrf()?;
            let (which, mut form) = match v.origine.as_str() {
                "import" => ("import", import_form(csrf, &v.definition)),
                _ => ("fourni", shipped_form(csrf)),
            };
            let status = form.refused(e)?;
            list_page(&office, status, Some((which, form))).await
        }
    }
}

/// A field as the form's page lists it.
#[derive(Serialize)]
struct FieldLine {
    label: String,
    kind: &'static str,
    required: bool,
    condition: Option<String>,
}

#[derive(Serialize)]
struct StepLines {
    number: usize,
    title: String,
    agent_only: bool,
    fields: Vec<FieldLine>,
}

#[derive(Serialize)]
struct FormPage {
    layout: Layout,
    d: Draft,
    steps: Vec<StepLines>,
    check: Check,
    publishable: bool,
    next: u32,
    publish: Form,
}

fn kind_label(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "texte court",
        FieldKind::LongText => "texte long",
        FieldKind::Email => "adresse électronique",
        FieldKind::Phone => "téléphone",
        FieldKind::PostalCode => "code postal",
        FieldKind::Date => "date",
        FieldKind::Number => "nombre",
        FieldKind::YesNo => "oui ou non",
        FieldKind::OneOf => "un choix",
        FieldKind::ManyOf => "plusieurs choix",
        FieldKind::Facility => "établissement",
        FieldKind::Individual => "membre du foyer",
        FieldKind::Address => "adresse",
        FieldKind::Group => "liste d’éléments",
        FieldKind::Consent => "case d’engagement",
    }
}

fn condition_text(def: &FormDefinition, c: &Condition) -> String {
    let on = def
        .field(&c.field)
        .map_or(c.field.as_str(), |f| f.label.as_str());
    let values: Vec<String> = c
        .equals
        .iter()
        .chain(c.any_of.iter())
        .map(|v| match v {
            serde_json::Value::Bool(true) => "oui".to_owned(),
            serde_json::Value::Bool(false) => "non".to_owned(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    format!(
        "montré si « {on} » {} {}",
        if c.not { "ne vaut pas" } else { "vaut" },
        values.join(" ou ")
    )
}

fn steps_of(def: &FormDefinition) -> Vec<StepLines> {
    def.steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepLines {
            number: i + 1,
            title: s.title.clone(),
            agent_only: s.agent_only,
            fields: s
                .fields
                .iter()
                .map(|f| FieldLine {
                    label: f.label.clone(),
                    kind: kind_label(f.kind),
                    required: f.required,
                    condition: f.show_if.as_ref().map(|c| condition_text(def, c)),
                })
                .collect(),
        })
        .collect()
}

async fn form_page(
    office: &Office,
    code: String,
    status: StatusCode,
    refusal: Option<AppError>,
) -> Result<HttpResponse, AppError> {
    let (desk, d) = office
        .read(move |t, desk| studio::draft(t, desk, &code))
        .await?;
    let check = d.check();
    let mut layout = office.layout(&desk, &d.definition.label, Nav::Studio)?;
    let next = d.published.map_or(1, |v| v + 1);
    let mut publish = Form::new(
        &format!("{BASE}/{}/publication", d.code),
        office.csrf()?,
        &format!("Publier la version {next}"),
        Vec::new(),
    )
    .hidden("revision", &d.revision.to_string())
    .with_id("publier");
    if let Some(e) = refusal {
        publish.refused(e)?;
        layout.refused();
    }
    let page = FormPage {
        layout,
        steps: steps_of(&d.definition),
        publishable: check.publishable(),
        next,
        check,
        d,
        publish: sealed(publish),
    };
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(office.pages.render("backoffice/studio_form", &page)?))
}

pub(crate) async fn page(
    office: Office,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    form_page(&office, code.into_inner(), StatusCode::OK, None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PublishForm {
    revision: i64,
}

/// What publishing did, said on the next page.
fn said(p: &Published) -> String {
    let mut out = format!("La version {} est publiée.", p.version);
    match p.moved {
        0 => {}
        1 => out.push_str(" Une demande en cours passe sur elle."),
        n => out.push_str(&format!(" {n} demandes en cours passent sur elle.")),
    }
    if !p.stayed.is_empty() {
        let which: Vec<String> = p
            .stayed
            .iter()
            .take(10)
            .map(|s| match s.number {
                Some(n) => format!("n° {n} ({})", s.why.join(" ; ")),
                None => format!("un brouillon ({})", s.why.join(" ; ")),
            })
            .collect();
        let more = if p.stayed.len() > 10 { "…" } else { "" };
        out.push_str(&match p.stayed.len() {
            1 => format!(" Une demande reste sur sa version : {}.", which.join(", ")),
            n => format!(
                " {n} demandes restent sur leur version : {}{more}.",
                which.join(", ")
            ),
        });
    }
    out
}

pub(crate) async fn publish(
    office: Office,
    code: web::Path<String>,
    VerifiedForm(v): VerifiedForm<PublishForm>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    let c = code.clone();
    match office
        .write(move |t, desk| revisions::publish(t, desk, &c, v.revision))
        .await
    {
        Ok(p) => see_other_with(&office.session, format!("{BASE}/{code}"), &said(&p)),
        Err(e @ AppError::Conflict(_)) => {
            let status = actix_web::ResponseError::status_code(&e);
            form_page(&office, code, status, Some(e)).await
        }
        Err(e) => Err(e),
    }
}

/// The working copy's definition, to import elsewhere.
pub(crate) async fn export(
    office: Office,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    let c = code.clone();
    let (_, json) = office
        .read(move |t, desk| studio::export(t, desk, &c))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{code}.json\""),
        ))
        .body(json))
}
