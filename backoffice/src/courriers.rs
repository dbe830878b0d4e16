//! The courriers types of a téléservice, for the agents who manage its
//! category: the list with a new one's form, a courrier's form with its
//! preview on a request (HTML, and the PDF as it will be sent).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_cases::courriers::{self as admin, CourrierInput, CourrierView, VariableView};
use guichet_core::catalogue::teleservices as ts;
use guichet_core::domain::courriers::{Letter, Model};
use guichet_core::files::{FileStore, Limits};
use guichet_core::Error;
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::{sealed, Field, Form, Pairs, Section};
use guichet_web::{AppError, Layout};
use serde::{Deserialize, Serialize};

use crate::desk::{Office, Section as Nav};

#[derive(Serialize)]
struct Page {
    layout: Layout,
    heading: String,
    code: String,
    teleservice: String,
    courriers: Vec<CourrierView>,
    /// The courrier shown (its page), if any.
    courrier: Option<CourrierView>,
    form: Form,
    delete: Option<Form>,
    preview_form: Option<Form>,
    preview: Option<Letter>,
    /// The request number the preview is drawn with.
    number: String,
    variables: Vec<VariableView>,
}

fn form(action: &str, csrf_token: String, v: &CourrierInput, submit: &str) -> Form {
    let models = Model::ALL
        .into_iter()
        .map(|m| {
            (
                m.code().to_owned(),
                m.label().to_owned(),
                v.model == m.code(),
            )
        })
        .collect();
    Form::new(
        action,
        csrf_token,
        submit,
        vec![Section::plain(vec![
            Field::text("short_label", "Nom court (dans « Contacter le demandeur »)", &v.short_label),
            Field::text("label", "Intitulé (l’objet de la lettre, le titre de l’attestation)", &v.label),
            Field::radios("model", "Présentation", models),
            Field::textarea("body", "Texte du courrier", &v.body).hint(
                "Une ligne vide sépare deux paragraphes. **texte** met en gras ; « - » en début de ligne fait une liste. Les variables s’écrivent entre doubles accolades, par exemple {{RQ_ID}} : voyez la liste sous le formulaire.",
            ),
        ])],
    )
}

fn input_of(c: &CourrierView) -> CourrierInput {
    CourrierInput {
        short_label: c.short_label.clone(),
        label: c.label.clone(),
        model: c.model.to_owned(),
        body: c.body.clone(),
    }
}

fn input_from(p: &Pairs) -> CourrierInput {
    CourrierInput {
        short_label: p.get("short_label"),
        label: p.get("label"),
        model: p.get("model"),
        body: p.get("body"),
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct Query {
    /// The request number to preview the courrier with.
    #[serde(default)]
    demande: String,
}

/// Draws the list page (`id` = `None`) or a courrier's page, with the
/// refusal of what was sent, if any.
async fn show(
    office: &Office,
    code: String,
    id: Option<i64>,
    sent: Option<(CourrierInput, AppError)>,
    query: Query,
) -> Result<HttpResponse, AppError> {
    let (c, number) = (code.clone(), query.demande.clone());
    let (desk, (t, courriers, courrier, preview)) = office
        .read(move |x, desk| {
            let t = ts::show(x, desk, &c)?;
            let courriers = admin::list(x, desk, &c)?;
            let courrier = id.map(|id| admin::get(x, desk, &c, id)).transpose()?;
            let preview = match (id, number.trim()) {
                (Some(id), n) if !n.is_empty() => Some(admin::preview(x, desk, &c, id, n)),
                _ => None,
            };
            Ok((t, courriers, courrier, preview))
        })
        .await?;
    let token = office.csrf()?;
    let (action, submit, values) = match &courrier {
        Some(cv) => (
            format!("/backoffice/teleservices/{code}/courriers/{}", cv.id),
            "Enregistrer le courrier",
            input_of(cv),
        ),
        None => (
            format!("/backoffice/teleservices/{code}/courriers"),
            "Créer le courrier",
            CourrierInput {
                model: Model::Letter.code().into(),
                ..CourrierInput::default()
            },
        ),
    };
    let mut status = StatusCode::OK;
    let mut f = match sent {
        Some((given, e)) => {
            let mut f = form(&action, token.clone(), &given, submit);
            status = f.refused(e)?;
            f
        }
        None => form(&action, token.clone(), &values, submit),
    };
    if courrier.is_some() {
        f = f.with_id("courrier");
    }
    // The preview: its letter, or why not, next to its field.
    let (preview, preview_form) = match &courrier {
        None => (None, None),
        Some(cv) => {
            let mut pf = Form::search(
                &format!("/backoffice/teleservices/{code}/courriers/{}", cv.id),
                "Voir l’aperçu",
                vec![Section::plain(vec![Field::number(
                    "demande",
                    "Numéro d’une demande de ce téléservice",
                    &query.demande,
                )
                .hint("Le courrier est rempli avec ses données.")])],
            )
            .with_id("apercu");
            let letter = match preview {
                Some(Ok(letter)) => Some(letter),
                Some(Err(Error::Invalid(errors))) => {
                    pf.field_errors(
                        errors
                            .into_iter()
                            .map(|mut e| {
                                e.field = "demande".into();
                                e
                            })
                            .collect(),
                    );
                    status = StatusCode::BAD_REQUEST;
                    None
                }
                Some(Err(e)) => return Err(e.into()),
                None => None,
            };
            (letter, Some(sealed(pf)))
        }
    };
    let delete = courrier.as_ref().map(|cv| {
        sealed(Form::new(
            &format!(
                "/backoffice/teleservices/{code}/courriers/{}/supprimer",
                cv.id
            ),
            token.clone(),
            "Supprimer ce courrier",
            Vec::new(),
        ))
    });
    let heading = match &courrier {
        Some(cv) => format!("Courrier « {} »", cv.short_label),
        None => format!("Courriers types : {}", t.label),
    };
    let f = sealed(f);
    let mut layout = office.layout(&desk, &heading, Nav::Teleservices)?;
    if f.has_errors() || preview_form.as_ref().is_some_and(|p| p.has_errors()) {
        layout.refused();
    }
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(office.pages.render(
            "backoffice/courriers",
            &Page {
                layout,
                heading,
                code: code.clone(),
                teleservice: t.label,
                courriers,
                courrier,
                form: f,
                delete,
                preview_form,
                preview,
                number: query.demande.trim().to_owned(),
                variables: admin::variables(&code),
            },
        )?))
}

pub(crate) async fn list(
    office: Office,
    code: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    show(&office, code.into_inner(), None, None, query.into_inner()).await
}

pub(crate) async fn page(
    office: Office,
    path: web::Path<(String, i64)>,
    query: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let (code, id) = path.into_inner();
    show(&office, code, Some(id), None, query.into_inner()).await
}

use guichet_web::render::see_other_with;

pub(crate) async fn create(
    office: Office,
    code: web::Path<String>,
    VerifiedForm(form): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    let input = input_from(&Pairs(form));
    let (c, given) = (code.clone(), input.clone());
    let created = office
        .write(move |t, desk| admin::create(t, desk, &c, &given))
        .await;
    match created {
        Ok(id) => see_other_with(
            &office.session,
            format!("/backoffice/teleservices/{code}/courriers/{id}"),
            "La modification est enregistrée.",
        ),
        Err(e @ AppError::Invalid(_)) => {
            show(&office, code, None, Some((input, e)), Query::default()).await
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn save(
    office: Office,
    path: web::Path<(String, i64)>,
    VerifiedForm(form): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (code, id) = path.into_inner();
    let input = input_from(&Pairs(form));
    let (c, given) = (code.clone(), input.clone());
    let saved = office
        .write(move |t, desk| admin::change(t, desk, &c, id, &given))
        .await;
    match saved {
        Ok(()) => see_other_with(
            &office.session,
            format!("/backoffice/teleservices/{code}/courriers/{id}"),
            "La modification est enregistrée.",
        ),
        Err(e @ AppError::Invalid(_)) => {
            show(&office, code, Some(id), Some((input, e)), Query::default()).await
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn delete(
    office: Office,
    path: web::Path<(String, i64)>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let (code, id) = path.into_inner();
    let c = code.clone();
    office
        .write(move |t, desk| admin::delete(t, desk, &c, id))
        .await?;
    see_other_with(
        &office.session,
        format!("/backoffice/teleservices/{code}/courriers"),
        "La modification est enregistrée.",
    )
}

/// The preview as the PDF the household would receive.
pub(crate) async fn preview_pdf(
    office: Office,
    files: web::Data<FileStore>,
    path: web::Path<(String, i64)>,
    query: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let (code, id) = path.into_inner();
    let number = query.demande.clone();
    let (_, (letter, logo)) = office
        .read(move |t, desk| {
            let letter = admin::preview(t, desk, &code, id, &number)?;
            let logo = admin::logo_key(t, &letter)?;
            Ok((letter, logo))
        })
        .await?;
    letter_pdf(&files, letter, logo).await
}

/// A letter as its PDF, drawn with the logo stored at `logo`.
pub(crate) async fn letter_pdf(
    files: &FileStore,
    letter: Letter,
    logo: Option<String>,
) -> Result<HttpResponse, AppError> {
    let read = match logo {
        Some(key) => Some(files.read(&key, Limits::LOGOS.max_bytes).await),
        None => None,
    };
    let logo = admin::drawn_logo(read)?;
    let filename = admin::filename(&letter);
    let bytes = guichet_web::blocking(move || Ok(admin::document(&letter, logo).render())).await?;
    Ok(guichet_web::pdf(bytes, &filename))
}
