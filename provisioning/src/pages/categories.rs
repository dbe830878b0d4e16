//! Categories of téléservices: list and creation, then for each one its name
//! and address, its téléservices and the agents' rights on it (the pages of
//! `guichet_web::categories`, shared with the back office).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::catalogue::categories;
use guichet_core::store::TenantTx;
use guichet_core::tenancy::Tenant;
use guichet_core::Error;
use guichet_web::categories::{self as pages, said};
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::Form;
use guichet_web::render::see_other_with;
use guichet_web::{AppError, Layout};
use serde::Deserialize;

use crate::auth::Reach;

use super::{sentence, Ctx, Nav};

fn base(tenant: &Tenant) -> String {
    format!("/collectivites/{}/categories", tenant.slug)
}

/// Runs core changes of one collectivité in a write transaction.
async fn write<T, F>(ctx: &Ctx, tenant: &Reach, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut TenantTx<'_>, &str) -> Result<T, Error> + Send + 'static,
{
    let actor = ctx.who.actor();
    guichet_web::tx::write(&ctx.store, tenant, move |t| f(t, &actor)).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CategoryForm {
    name: String,
    email: String,
}

async fn list_page(
    ctx: &Ctx,
    tenant: &Reach,
    status: StatusCode,
    form: Form,
) -> Result<HttpResponse, AppError> {
    let rows = ctx.read(tenant, pages::rows).await?;
    let layout = ctx.layout("Catégories de téléservices", Some(tenant), Nav::Categories)?;
    let page = pages::list_page(layout, &base(tenant), rows, form);
    ctx.render(status, pages::LIST, &page)
}

pub(crate) async fn list(ctx: Ctx, slug: web::Path<String>) -> Result<HttpResponse, AppError> {
    let tenant = ctx.tenant(&slug).await?;
    let form = pages::create_form(&base(&tenant), ctx.csrf()?, "", "");
    list_page(&ctx, &tenant, StatusCode::OK, form).await
}

pub(crate) async fn create(
    ctx: Ctx,
    slug: web::Path<String>,
    VerifiedForm(v): VerifiedForm<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    let tenant = ctx.tenant(&slug).await?;
    let (name, email) = (v.name.clone(), v.email.clone());
    match write(&ctx, &tenant, move |tx, actor| {
        categories::create(tx, actor, &name, &email)
    })
    .await
    {
        Ok(c) => see_other_with(
            &ctx.session,
            format!("{}/{}", base(&tenant), c.id),
            &said::created(&c.name),
        ),
        Err(e) => {
            let mut form = pages::create_form(&base(&tenant), ctx.csrf()?, &v.name, &v.email);
            let status = form.refused(e)?;
            list_page(&ctx, &tenant, status, form).await
        }
    }
}

async fn detail(
    ctx: &Ctx,
    tenant: &Reach,
    id: i64,
    status: StatusCode,
    edit: Option<Form>,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let loaded = ctx
        .read(tenant, move |tx| pages::load(tx, id))
        .await?
        .ok_or(AppError::NotFound)?;
    let layout: Layout = ctx.layout(
        &pages::title(&loaded.category.name),
        Some(tenant),
        Nav::Categories,
    )?;
    let page = pages::detail_page(layout, error, &base(tenant), ctx.csrf()?, loaded, edit);
    ctx.render(status, pages::DETAIL, &page)
}

pub(crate) async fn show(
    ctx: Ctx,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let tenant = ctx.tenant(&slug).await?;
    detail(&ctx, &tenant, id, StatusCode::OK, None, None).await
}

pub(crate) async fn update(
    ctx: Ctx,
    path: web::Path<(String, i64)>,
    VerifiedForm(v): VerifiedForm<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let tenant = ctx.tenant(&slug).await?;
    let (name, email) = (v.name.clone(), v.email.clone());
    match write(&ctx, &tenant, move |tx, actor| {
        categories::update(tx, actor, id, &name, Some(&email))
    })
    .await
    {
        Ok(c) => see_other_with(
            &ctx.session,
            format!("{}/{id}", base(&tenant)),
            &said::updated(&c.name),
        ),
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(e) => {
            let mut form = pages::edit_form(&base(&tenant), id, ctx.csrf()?, &v.name, &v.email);
            let status = form.refused(e)?;
            detail(&ctx, &tenant, id, status, Some(form), None).await
        }
    }
}

pub(crate) async fn delete(
    ctx: Ctx,
    path: web::Path<(String, i64)>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let tenant = ctx.tenant(&slug).await?;
    let before = ctx
        .read(&tenant, move |tx| categories::get(tx, id))
        .await?
        .ok_or(AppError::NotFound)?;
    match write(&ctx, &tenant, move |tx, actor| {
        categories::delete(tx, actor, id)
    })
    .await
    {
        Ok(()) => see_other_with(&ctx.session, base(&tenant), &said::deleted(&before.name)),
        Err(AppError::Conflict(m)) => {
            let error = Some(sentence(&m));
            detail(&ctx, &tenant, id, StatusCode::CONFLICT, None, error).await
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
    ctx: Ctx,
    path: web::Path<(String, i64)>,
    VerifiedForm(v): VerifiedForm<ServiceForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let tenant = ctx.tenant(&slug).await?;
    let attach = pages::attaching(&v.action)
        .ok_or_else(|| AppError::BadRequest("action inconnue".into()))?;
    let code = v.code.clone();
    let done = write(&ctx, &tenant, move |tx, actor| {
        categories::attach(tx, actor, id, &code, attach)
    })
    .await;
    match done {
        Ok((category, label)) => see_other_with(
            &ctx.session,
            format!("{}/{id}#teleservices", base(&tenant)),
            &said::attached(attach, &category, &label),
        ),
        Err(AppError::Invalid(errors)) => {
            let message = errors.first().map(|e| sentence(&e.message));
            detail(&ctx, &tenant, id, StatusCode::BAD_REQUEST, None, message).await
        }
        Err(e) => Err(e),
    }
}

/// The whole table in one form: only the rights that changed are written
/// (and audited), in one transaction.
pub(crate) async fn rights(
    ctx: Ctx,
    path: web::Path<(String, i64)>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let tenant = ctx.tenant(&slug).await?;
    let wanted = pages::wanted_rights(pairs);
    let done = write(&ctx, &tenant, move |tx, actor| {
        categories::apply_rights(tx, actor, id, &wanted)
    })
    .await;
    match done {
        Ok(changed) => see_other_with(
            &ctx.session,
            format!("{}/{id}#droits", base(&tenant)),
            &said::rights(changed),
        ),
        Err(AppError::Invalid(errors)) => {
            let message = errors.first().map(|e| sentence(&e.message));
            detail(&ctx, &tenant, id, StatusCode::BAD_REQUEST, None, message).await
        }
        Err(e) => Err(e),
    }
}
