//! `/api/v1/local-authorities`: the collectivités.

use actix_web::{web, HttpResponse};
use guichet_core::audit;
use guichet_core::collectivite::authorities::{self, AuthorityInput, AuthorityPatch};
use guichet_core::directory::Directory;
use guichet_core::store::Store;
use guichet_core::tenancy;
use guichet_web::{blocking, AppError};
use serde::Serialize;

use super::{created, read_in, ApiUser, Search};
use crate::auth::{super_admin_only, tenant_in_reach};
use crate::Provisioning;

pub(crate) async fn list(
    user: ApiUser,
    query: web::Query<Search>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let store = store.into_inner();
    let limit = query.limit()? as usize;
    let q = query.q.clone();
    let all = blocking(move || Ok(store.platform_read(|c| tenancy::search(c, &q))?)).await?;
    let visible: Vec<_> = all
        .iter()
        .filter(|t| user.0.reaches(t))
        .take(limit)
        .map(authorities::view)
        .collect();
    Ok(HttpResponse::Ok().json(visible))
}

#[derive(Serialize)]
struct CreatedAuthority {
    #[serde(flatten)]
    local_authority: authorities::AuthorityView,
    admin: guichet_core::agents::Created,
}

pub(crate) async fn create(
    user: ApiUser,
    body: web::Json<AuthorityInput>,
    store: web::Data<Store>,
    directory: web::Data<Directory>,
    state: web::Data<Provisioning>,
) -> Result<HttpResponse, AppError> {
    super_admin_only(&user.0)?;
    let (store, directory) = (store.into_inner(), directory.into_inner());
    let actor = user.0.actor();
    let port = state.local_port;
    let (tenant, admin) = blocking(move || {
        Ok(authorities::create(
            &store,
            &directory,
            &actor,
            port,
            body.into_inner(),
        )?)
    })
    .await?;
    Ok(created(
        &format!("/api/v1/local-authorities/{}", tenant.slug),
        &CreatedAuthority {
            local_authority: authorities::view(&tenant),
            admin,
        },
    ))
}

pub(crate) async fn show(
    user: ApiUser,
    path: web::Path<String>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let tenant = tenant_in_reach(&store, &user.0, &path).await?;
    Ok(HttpResponse::Ok().json(authorities::view(&tenant)))
}

pub(crate) async fn update(
    user: ApiUser,
    path: web::Path<String>,
    body: web::Json<AuthorityPatch>,
    store: web::Data<Store>,
    directory: web::Data<Directory>,
) -> Result<HttpResponse, AppError> {
    let tenant = tenant_in_reach(&store, &user.0, &path).await?;
    super_admin_only(&user.0)?;
    let (store, directory) = (store.into_inner(), directory.into_inner());
    let actor = user.0.actor();
    let after = blocking(move || {
        Ok(authorities::update(
            &store,
            &directory,
            &actor,
            &tenant.slug,
            body.into_inner(),
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(authorities::view(&after)))
}

pub(crate) async fn audit_trail(
    user: ApiUser,
    path: web::Path<String>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let tenant = tenant_in_reach(&store, &user.0, &path).await?;
    let events = read_in(&store, &tenant, |tx| audit::recent(tx, 500)).await?;
    Ok(HttpResponse::Ok().json(events))
}
