//! `/api/v1/local-authorities/{slug}/schools` and `.../recreation-centers`.

use actix_web::{web, HttpResponse};
use guichet_core::directory::{Directory, FacilityKind};
use guichet_core::facilities::{self, FacilityInput};
use guichet_core::store::Store;
use guichet_web::{blocking, AppError};

use super::{created, read_in, ApiUser, Search};
use crate::auth::tenant_in_reach;

fn segment(kind: FacilityKind) -> &'static str {
    match kind {
        FacilityKind::School => "schools",
        FacilityKind::RecreationCenter => "recreation-centers",
    }
}

pub(crate) async fn list(
    user: ApiUser,
    kind: web::Data<FacilityKind>,
    path: web::Path<String>,
    query: web::Query<Search>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let tenant = tenant_in_reach(&store, &user.0, &path).await?;
    let kind = **kind;
    let limit = query.limit()? as usize;
    let q = query.into_inner().q;
    let mut found = read_in(&store, &tenant, move |tx| facilities::search(tx, kind, &q)).await?;
    found.truncate(limit);
    Ok(HttpResponse::Ok().json(found))
}

pub(crate) async fn create(
    user: ApiUser,
    kind: web::Data<FacilityKind>,
    path: web::Path<String>,
    body: web::Json<FacilityInput>,
    store: web::Data<Store>,
    directory: web::Data<Directory>,
) -> Result<HttpResponse, AppError> {
    let tenant = tenant_in_reach(&store, &user.0, &path).await?;
    let (store, directory, kind) = (store.into_inner(), directory.into_inner(), **kind);
    let actor = user.0.actor();
    let slug = tenant.slug.clone();
    let made = blocking(move || {
        Ok(facilities::create(
            &store,
            &directory,
            &tenant,
            &actor,
            kind,
            body.into_inner(),
        )?)
    })
    .await?;
    Ok(created(
        &format!(
            "/api/v1/local-authorities/{slug}/{}/{}",
            segment(kind),
            made.id
        ),
        &made,
    ))
}

pub(crate) async fn show(
    user: ApiUser,
    kind: web::Data<FacilityKind>,
    path: web::Path<(String, i64)>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let tenant = tenant_in_reach(&store, &user.0, &slug).await?;
    let kind = **kind;
    let found = read_in(&store, &tenant, move |tx| facilities::get(tx, kind, id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(found))
}

pub(crate) async fn update(
    user: ApiUser,
    kind: web::Data<FacilityKind>,
    path: web::Path<(String, i64)>,
    body: web::Json<FacilityInput>,
    store: web::Data<Store>,
    directory: web::Data<Directory>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let tenant = tenant_in_reach(&store, &user.0, &slug).await?;
    let (store, directory, kind) = (store.into_inner(), directory.into_inner(), **kind);
    let actor = user.0.actor();
    let after = blocking(move || {
        Ok(facilities::update(
            &store,
            &directory,
            &tenant,
            &actor,
            kind,
            id,
            body.into_inner(),
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(after))
}

pub(crate) async fn delete(
    user: ApiUser,
    kind: web::Data<FacilityKind>,
    path: web::Path<(String, i64)>,
    store: web::Data<Store>,
    directory: web::Data<Directory>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let tenant = tenant_in_reach(&store, &user.0, &slug).await?;
    let (store, directory, kind) = (store.into_inner(), directory.into_inner(), **kind);
    let actor = user.0.actor();
    blocking(move || {
        Ok(facilities::delete(
            &store, &directory, &tenant, &actor, kind, id,
        )?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
