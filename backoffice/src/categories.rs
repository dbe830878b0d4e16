//! Categories of téléservices and the agents' rights on them, for the
//! collectivité's administrators: the pages of `guichet_web::categories`,
//! shared with the provisioning plane, through the same core services
//! (`catalogue::categories`), audited under the administrator's name.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::catalogue::categories;
use guichet_core::Error;
use guichet_web::categories::{self as pages, said};
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::Form;
use guichet_web::render::see_other_with;
use guichet_web::AppError;
use serde::Deserialize;

use crate::desk::{administrator, Office, Section as Nav};

const BASE: &str = "/backoffice/categories";
const TITLE: &str = "Catégories de téléservices et droits des agents";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CategoryForm {
    name: String,
    email: String,
}

async fn list_page(
    office: &Office,
    status: StatusCode,
    form: Option<Form>,
) -> Result<HttpResponse, AppError> {
    let (desk, rows) = office
        .read(|t, desk| {
            administrator(desk)?;
            Ok(pages::rows(t)?)
        })
        .await?;
    let layout = office.layout(&desk, TITLE, Nav::Categories)?;
    let form = match form {
        Some(f) => f,
        None => pages::create_form(BASE, office.csrf()?, "", ""),
    };
    let page = pages::list_page(layout, BASE, rows, form);
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(office.pages.render(pages::LIST, &page)?))
}

pub(crate) async fn list(office: Office) -> Result<HttpResponse, AppError> {
    list_page(&office, StatusCode::OK, None).await
}

pub(crate) async fn create(
    office: Office,
    VerifiedForm(v): VerifiedForm<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    let (name, email) = (v.name.clone(), v.email.clone());
    match office
        .write(move |t, desk| {
            administrator(desk)?;
            let actor = desk.name.as_str();
            categories::create(t, actor, &name, &email)
        })
        .await
    {
        Ok(c) => see_other_with(
            &office.session,
            format!("{BASE}/{}", c.id),
            &said::created(&c.name),
        ),
        Err(e) => {
            let mut form = pages::create_form(BASE, office.csrf()?, &v.name, &v.email);
            let status = form.refused(e)?;
            list_page(&office, status, Some(form)).await
        }
    }
}

/// What a category's page shows again after a refusal.
enum Refused {
    /// The name and address form, with its errors.
    Form(Box<Form>),
    /// What went wrong, said above the page.
    Said(String),
}

async fn detail(
    office: &Office,
    id: i64,
    status: StatusCode,
    refused: Option<Refused>,
) -> Result<HttpResponse, AppError> {
    let (edit, error) = match refused {
        None => (None, None),
        Some(Refused::Form(f)) => (Some(*f), None),
        Some(Refused::Said(m)) => (None, Some(m)),
    };
    let (desk, loaded) = office
        .read(move |t, desk| {
            administrator(desk)?;
            pages::load(t, id)?.ok_or(Error::NotFound)
        })
        .await?;
    let title = pages::title(&loaded.category.name);
    let layout = office.layout(&desk, &title, Nav::Categories)?;
    let page = pages::detail_page(layout, error, BASE, office.csrf()?, loaded, edit);
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(office.pages.render(pages::DETAIL, &page)?))
}

pub(crate) async fn show(office: Office, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    detail(&office, id, StatusCode::OK, None).await
}

pub(crate) async fn update(
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(v): VerifiedForm<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (name, email) = (v.name.clone(), v.email.clone());
    match office
        .write(move |t, desk| {
            administrator(desk)?;
            let actor = desk.name.as_str();
            categories::update(t, actor, id, &name, Some(&email))
        })
        .await
    {
        Ok(c) => see_other_with(
            &office.session,
            format!("{BASE}/{id}"),
            &said::updated(&c.name),
        ),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let mut form = pages::edit_form(BASE, id, office.csrf()?, &v.name, &v.email);
            let status = form.refused(e)?;
            detail(&office, id, status, Some(Refused::Form(Box::new(form)))).await
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn delete(
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let deleted = office
        .write(move |t, desk| {
            administrator(desk)?;
            let actor = desk.name.as_str();
            let before = categories::get(t, id)?.ok_or(Error::NotFound)?;
            categories::delete(t, actor, id)?;
            Ok(before.name)
        })
        .await;
    match deleted {
        Ok(name) => see_other_with(&office.session, BASE, &said::deleted(&name)),
        Err(AppError::Conflict(m)) => {
            let error = Some(guichet_web::sentence(&m));
            detail(&office, id, StatusCode::CONFLICT, error.map(Refused::Said)).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub(crate) struct ServiceForm {
    code: String,
    /// "rattacher" or "retirer".
    action: String,
}

pub(crate) async fn teleservice(
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(v): VerifiedForm<ServiceForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let attach = pages::attaching(&v.action)
        .ok_or_else(|| AppError::BadRequest("action inconnue".into()))?;
    let (category, label) = office
        .write(move |t, desk| {
            administrator(desk)?;
            let actor = desk.name.as_str();
            categories::attach(t, actor, id, &v.code, attach)
        })
        .await?;
    see_other_with(
        &office.session,
        format!("{BASE}/{id}#teleservices"),
        &said::attached(attach, &category, &label),
    )
}

/// The whole table in one form: only the rights that changed are written
/// (and audited), in one transaction.
pub(crate) async fn rights(
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let wanted = pages::wanted_rights(pairs);
    let done = office
        .write(move |t, desk| {
            administrator(desk)?;
            let actor = desk.name.as_str();
            categories::apply_rights(t, actor, id, &wanted)
        })
        .await;
    match done {
        Ok(changed) => see_other_with(
            &office.session,
            format!("{BASE}/{id}#droits"),
            &said::rights(changed),
        ),
        Err(AppError::Invalid(errors)) => {
            let again = errors
                .first()
                .map(|e| Refused::Said(guichet_web::sentence(&e.message)));
            let status = StatusCode::BAD_REQUEST;
            detail(&office, id, status, again).await
        }
        Err(e) => Err(e),
    }
}
