//! `/api/v1/local-authorities/{slug}/agents`: the collectivité's agents.

use actix_web::{web, HttpResponse};
use guichet_core::agents::groups;
use guichet_core::agents::{self, AgentInput};
use guichet_core::directory::Directory;
use guichet_core::store::Store;
use guichet_web::{blocking, AppError};

use super::{created, read_in, ApiUser, Search};
use crate::auth::{guard_own_account, tenant_in_reach, OwnAccount};
use crate::Provisioning;

pub(crate) async fn list(
    user: ApiUser,
    path: web::Path<String>,
    query: web::Query<Search>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let tenant = tenant_in_reach(&store, &user.0, &path).await?;
    let limit = query.limit()?;
    let q = query.into_inner().q;
    let found = read_in(&store, &tenant, move |tx| agents::search(tx, &q, limit)).await?;
    Ok(HttpResponse::Ok().json(found))
}

pub(crate) async fn create(
    user: ApiUser,
    path: web::Path<String>,
    body: web::Json<AgentInput>,
    store: web::Data<Store>,
    directory: web::Data<Directory>,
    state: web::Data<Provisioning>,
) -> Result<HttpResponse, AppError> {
    let tenant = tenant_in_reach(&store, &user.0, &path).await?;
    let (store, directory) = (store.into_inner(), directory.into_inner());
    let actor = user.0.actor();
    let link_base = tenant.public_url(state.local_port);
    let slug = tenant.slug.clone();
    let done = blocking(move || {
        Ok(agents::create(
            &store,
            &directory,
            &tenant,
            &actor,
            &link_base,
            body.into_inner(),
        )?)
    })
    .await?;
    Ok(created(
        &format!("/api/v1/local-authorities/{slug}/agents/{}", done.agent.uid),
        &done,
    ))
}

pub(crate) async fn show(
    user: ApiUser,
    path: web::Path<(String, String)>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let (slug, uid) = path.into_inner();
    let tenant = tenant_in_reach(&store, &user.0, &slug).await?;
    let agent = read_in(&store, &tenant, move |tx| agents::get(tx, &uid))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(agent))
}

pub(crate) async fn update(
    user: ApiUser,
    path: web::Path<(String, String)>,
    body: web::Json<AgentInput>,
    store: web::Data<Store>,
    directory: web::Data<Directory>,
) -> Result<HttpResponse, AppError> {
    let (slug, uid) = path.into_inner();
    let tenant = tenant_in_reach(&store, &user.0, &slug).await?;
    guard_own_account(&user.0, &slug, &uid, OwnAccount::SetGroups(&body.groups))?;
    let (store, directory) = (store.into_inner(), directory.into_inner());
    let actor = user.0.actor();
    let agent = blocking(move || {
        Ok(agents::update(
            &store,
            &directory,
            &tenant,
            &actor,
            &uid,
            body.into_inner(),
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(agent))
}

pub(crate) async fn delete(
    user: ApiUser,
    path: web::Path<(String, String)>,
    store: web::Data<Store>,
    directory: web::Data<Directory>,
) -> Result<HttpResponse, AppError> {
    let (slug, uid) = path.into_inner();
    let tenant = tenant_in_reach(&store, &user.0, &slug).await?;
    guard_own_account(&user.0, &slug, &uid, OwnAccount::Delete)?;
    let (store, directory) = (store.into_inner(), directory.into_inner());
    let actor = user.0.actor();
    blocking(move || Ok(agents::delete(&store, &directory, &tenant, &actor, &uid)?)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(serde::Serialize)]
struct LinkSent {
    sent_to: String,
}

/// Mails a new set-password link; the earlier ones stop working.
pub(crate) async fn renew_link(
    user: ApiUser,
    path: web::Path<(String, String)>,
    store: web::Data<Store>,
    state: web::Data<Provisioning>,
) -> Result<HttpResponse, AppError> {
    let (slug, uid) = path.into_inner();
    let tenant = tenant_in_reach(&store, &user.0, &slug).await?;
    let store = store.into_inner();
    let actor = user.0.actor();
    let link_base = tenant.public_url(state.local_port);
    let agent = blocking(move || {
        Ok(agents::renew_password_link(
            &store, &tenant, &actor, &uid, &link_base,
        )?)
    })
    .await?;
    Ok(HttpResponse::Accepted().json(LinkSent {
        sent_to: agent.email,
    }))
}

#[derive(serde::Serialize)]
struct Group {
    name: String,
    label: String,
}

pub(crate) async fn list_groups(
    user: ApiUser,
    path: web::Path<String>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let tenant = tenant_in_reach(&store, &user.0, &path).await?;
    let found = read_in(&store, &tenant, groups::list).await?;
    Ok(HttpResponse::Ok().json(
        found
            .into_iter()
            .map(|(_, name, label)| Group { name, label })
            .collect::<Vec<_>>(),
    ))
}
