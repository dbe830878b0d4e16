//! `/api/v1/local-authorities/{slug}/categories` and the téléservices.

use actix_web::{web, HttpResponse};
use guichet_core::catalogue::categories::{self, Category, Grant};
use guichet_core::store::Store;
use guichet_core::Error;
use guichet_web::AppError;
use serde::{Deserialize, Serialize};

use super::{created, read_in, write_in, ApiUser};
use crate::auth::tenant_in_reach;

#[derive(Serialize)]
struct CategoryView {
    #[serde(flatten)]
    category: Category,
    rights: Vec<Grant>,
}

fn with_rights(
    tx: &mut guichet_core::store::TenantTx<'_>,
    category: Category,
) -> Result<CategoryView, Error> {
    let rights = categories::grants(tx, category.id)?;
    Ok(CategoryView { category, rights })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CategoryInput {
    #[serde(default)]
    name: String,
    /// When given, its service's address (empty: none).
    email: Option<String>,
    /// When given: exactly these téléservices (codes) in the category.
    teleservices: Option<Vec<String>>,
}

/// Puts exactly `codes` in the category: attaches the new, detaches the others.
fn set_teleservices(
    tx: &mut guichet_core::store::TenantTx<'_>,
    actor: &str,
    id: i64,
    codes: &[String],
) -> Result<(), Error> {
    let current = categories::get(tx, id)?.ok_or(Error::NotFound)?;
    for code in current.teleservices.iter().filter(|c| !codes.contains(c)) {
        categories::set_teleservice_category(tx, actor, code, None)?;
    }
    for code in codes.iter().filter(|c| !current.teleservices.contains(c)) {
        categories::set_teleservice_category(tx, actor, code, Some(id))?;
    }
    Ok(())
}

pub(crate) async fn list(
    user: ApiUser,
    path: web::Path<String>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let tenant = tenant_in_reach(&store, &user.0, &path).await?;
    let found = read_in(&store, &tenant, move |tx| {
        categories::list(tx)?
            .into_iter()
            .map(|c| with_rights(tx, c))
            .collect::<Result<Vec<_>, Error>>()
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

pub(crate) async fn create(
    user: ApiUser,
    path: web::Path<String>,
    body: web::Json<CategoryInput>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let tenant = tenant_in_reach(&store, &user.0, &path).await?;
    let actor = user.0.actor();
    let slug = tenant.slug.clone();
    let input = body.into_inner();
    let made = write_in(&store, &tenant, move |tx| {
        let c = categories::create(
            tx,
            &actor,
            &input.name,
            input.email.as_deref().unwrap_or(""),
        )?;
        if let Some(codes) = &input.teleservices {
            set_teleservices(tx, &actor, c.id, codes)?;
        }
        let c = categories::get(tx, c.id)?.ok_or(Error::NotFound)?;
        with_rights(tx, c)
    })
    .await?;
    Ok(created(
        &format!(
            "/api/v1/local-authorities/{slug}/categories/{}",
            made.category.id
        ),
        &made,
    ))
}

pub(crate) async fn show(
    user: ApiUser,
    path: web::Path<(String, i64)>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let tenant = tenant_in_reach(&store, &user.0, &slug).await?;
    let found = read_in(&store, &tenant, move |tx| {
        let c = categories::get(tx, id)?.ok_or(Error::NotFound)?;
        with_rights(tx, c)
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

pub(crate) async fn update(
    user: ApiUser,
    path: web::Path<(String, i64)>,
    body: web::Json<CategoryInput>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let tenant = tenant_in_reach(&store, &user.0, &slug).await?;
    let actor = user.0.actor();
    let input = body.into_inner();
    let after = write_in(&store, &tenant, move |tx| {
        categories::update(tx, &actor, id, &input.name, input.email.as_deref())?;
        if let Some(codes) = &input.teleservices {
            set_teleservices(tx, &actor, id, codes)?;
        }
        let c = categories::get(tx, id)?.ok_or(Error::NotFound)?;
        with_rights(tx, c)
    })
    .await?;
    Ok(HttpResponse::Ok().json(after))
}

pub(crate) async fn delete(
    user: ApiUser,
    path: web::Path<(String, i64)>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let tenant = tenant_in_reach(&store, &user.0, &slug).await?;
    let actor = user.0.actor();
    write_in(&store, &tenant, move |tx| {
        categories::delete(tx, &actor, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RightInput {
    right: String,
}

pub(crate) async fn set_right(
    user: ApiUser,
    path: web::Path<(String, i64, String)>,
    body: web::Json<RightInput>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let (slug, id, uid) = path.into_inner();
    let tenant = tenant_in_reach(&store, &user.0, &slug).await?;
    let actor = user.0.actor();
    let right = body.into_inner().right;
    let grant = write_in(&store, &tenant, move |tx| {
        categories::set_right(tx, &actor, id, &uid, &right)
    })
    .await?;
    Ok(HttpResponse::Ok().json(grant))
}

/// Removes the explicit right: the agent's profile decides again.
pub(crate) async fn clear_right(
    user: ApiUser,
    path: web::Path<(String, i64, String)>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let (slug, id, uid) = path.into_inner();
    let tenant = tenant_in_reach(&store, &user.0, &slug).await?;
    let actor = user.0.actor();
    write_in(&store, &tenant, move |tx| {
        categories::clear_right(tx, &actor, id, &uid)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) async fn attach(
    user: ApiUser,
    path: web::Path<(String, i64, String)>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    move_teleservice(user, path, store, true).await
}

pub(crate) async fn detach(
    user: ApiUser,
    path: web::Path<(String, i64, String)>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    move_teleservice(user, path, store, false).await
}

async fn move_teleservice(
    user: ApiUser,
    path: web::Path<(String, i64, String)>,
    store: web::Data<Store>,
    attach: bool,
) -> Result<HttpResponse, AppError> {
    let (slug, id, code) = path.into_inner();
    let tenant = tenant_in_reach(&store, &user.0, &slug).await?;
    let actor = user.0.actor();
    let after = write_in(&store, &tenant, move |tx| {
        let category = categories::get(tx, id)?.ok_or(Error::NotFound)?;
        // The code names a resource of the path: unknown, it is not found.
        if !categories::teleservices(tx)?.iter().any(|s| s.code == code) {
            return Err(Error::NotFound);
        }
        if attach {
            categories::set_teleservice_category(tx, &actor, &code, Some(id))?;
        } else if category.teleservices.contains(&code) {
            categories::set_teleservice_category(tx, &actor, &code, None)?;
        }
        let c = categories::get(tx, id)?.ok_or(Error::NotFound)?;
        with_rights(tx, c)
    })
    .await?;
    Ok(HttpResponse::Ok().json(after))
}

pub(crate) async fn teleservices(
    user: ApiUser,
    path: web::Path<String>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let tenant = tenant_in_reach(&store, &user.0, &path).await?;
    let found = read_in(&store, &tenant, categories::teleservices).await?;
    Ok(HttpResponse::Ok().json(found))
}
