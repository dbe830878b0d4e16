//! Categories of téléservices and the agents' rights on them, for the
//! collectivité's administrators: the pages of `guichet_web::categories`,
//! shared with the provisioning plane, through the same core services
//! (`catalogue::categories`), audited under the administrator's name.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::catalogue::categories;
use guichet_core::store::Store;
use guichet_core::Error;
use guichet_web::categories::{self as pages, said};
use guichet_web::csrf::{self, VerifiedForm};
use guichet_web::forms::Form;
use guichet_web::principal::SignedInAgent;
use guichet_web::render::see_other_with;
use guichet_web::{AppError, Renderer};
use serde::Deserialize;

use crate::desk::{self, read_as_administrator, write_as_administrator, Section as Nav};

const BASE: &str = "/backoffice/categories";
const TITLE: &str = "Catégories de téléservices et droits des agents";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CategoryForm {
    name: String,
    email: String,
}

async fn list_page(
    agent: &SignedInAgent,
    session: &Session,
    store: &Store,
    pages: &Renderer,
    status: StatusCode,
    form: Option<Form>,
) -> Result<HttpResponse, AppError> {
    let (desk, rows) = read_as_administrator(store, agent, |t| Ok(pages::rows(t)?)).await?;
    let layout = desk::layout(agent, &desk, TITLE, Nav::Categories, session)?;
    let form = match form {
        Some(f) => f,
        None => pages::create_form(BASE, csrf::token(session)?, "", ""),
    };
    let page = pages::list_page(layout, BASE, rows, form);
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(pages.render(pages::LIST, &page)?))
}

pub(crate) async fn list(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
) -> Result<HttpResponse, AppError> {
    list_page(&agent, &session, &store, &pages, StatusCode::OK, None).await
}

pub(crate) async fn create(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    VerifiedForm(v): VerifiedForm<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    let (name, email) = (v.name.clone(), v.email.clone());
    match write_as_administrator(&store, &agent, move |t, actor| {
        categories::create(t, actor, &name, &email)
    })
    .await
    {
        Ok(c) => see_other_with(
            &session,
            format!("{BASE}/{}", c.id),
            &said::created(&c.name),
        ),
        Err(e) => {
            let mut form = pages::create_form(BASE, csrf::token(&session)?, &v.name, &v.email);
            let status = form.refused(e)?;
            list_page(&agent, &session, &store, &pages, status, Some(form)).await
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
    agent: &SignedInAgent,
    session: &Session,
    store: &Store,
    pages: &Renderer,
    id: i64,
    status: StatusCode,
    refused: Option<Refused>,
) -> Result<HttpResponse, AppError> {
    let (edit, error) = match refused {
        None => (None, None),
        Some(Refused::Form(f)) => (Some(*f), None),
        Some(Refused::Said(m)) => (None, Some(m)),
    };
    let (desk, loaded) = read_as_administrator(store, agent, move |t| {
        pages::load(t, id)?.ok_or(Error::NotFound)
    })
    .await?;
    let title = pages::title(&loaded.category.name);
    let layout = desk::layout(agent, &desk, &title, Nav::Categories, session)?;
    let page = pages::detail_page(layout, error, BASE, csrf::token(session)?, loaded, edit);
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(pages.render(pages::DETAIL, &page)?))
}

pub(crate) async fn show(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    detail(&agent, &session, &store, &pages, id, StatusCode::OK, None).await
}

pub(crate) async fn update(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    id: web::Path<i64>,
    VerifiedForm(v): VerifiedForm<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (name, email) = (v.name.clone(), v.email.clone());
    match write_as_administrator(&store, &agent, move |t, actor| {
        categories::update(t, actor, id, &name, Some(&email))
    })
    .await
    {
        Ok(c) => see_other_with(&session, format!("{BASE}/{id}"), &said::updated(&c.name)),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let mut form = pages::edit_form(BASE, id, csrf::token(&session)?, &v.name, &v.email);
            let status = form.refused(e)?;
            detail(
                &agent,
                &session,
                &store,
                &pages,
                id,
                status,
                Some(Refused::Form(Box::new(form))),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn delete(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    id: web::Path<i64>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let deleted = write_as_administrator(&store, &agent, move |t, actor| {
        let before = categories::get(t, id)?.ok_or(Error::NotFound)?;
        categories::delete(t, actor, id)?;
        Ok(before.name)
    })
    .await;
    match deleted {
        Ok(name) => see_other_with(&session, BASE, &said::deleted(&name)),
        Err(AppError::Conflict(m)) => {
            let error = Some(guichet_web::sentence(&m));
            detail(
                &agent,
                &session,
                &store,
                &pages,
                id,
                StatusCode::CONFLICT,
                error.map(Refused::Said),
            )
            .await
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
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    id: web::Path<i64>,
    VerifiedForm(v): VerifiedForm<ServiceForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let attach = pages::attaching(&v.action)
        .ok_or_else(|| AppError::BadRequest("action inconnue".into()))?;
    let (category, label) = write_as_administrator(&store, &agent, move |t, actor| {
        categories::attach(t, actor, id, &v.code, attach)
    })
    .await?;
    see_other_with(
        &session,
        format!("{BASE}/{id}#teleservices"),
        &said::attached(attach, &category, &label),
    )
}

/// The whole table in one form: only the rights that changed are written
/// (and audited), in one transaction.
pub(crate) async fn rights(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    id: web::Path<i64>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let wanted = pages::wanted_rights(pairs);
    let done = write_as_administrator(&store, &agent, move |t, actor| {
        categories::apply_rights(t, actor, id, &wanted)
    })
    .await;
    match done {
        Ok(changed) => see_other_with(
            &session,
            format!("{BASE}/{id}#droits"),
            &said::rights(changed),
        ),
        Err(AppError::Invalid(errors)) => {
            let again = errors
                .first()
                .map(|e| Refused::Said(guichet_web::sentence(&e.message)));
            let status = StatusCode::BAD_REQUEST;
            detail(&agent, &session, &store, &pages, id, status, again).await
        }
        Err(e) => Err(e),
    }
}
