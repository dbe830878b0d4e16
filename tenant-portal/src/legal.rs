//! The collectivité's legal notice, personal data notice and accessibility
//! statement, open to everyone and linked from every page's footer.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::collectivite::legal::{self, LegalPage};
use guichet_core::store::Store;
use guichet_domain::legal::Kind;
use guichet_web::legal::Hosting;
use guichet_web::tenant::CurrentTenant;
use guichet_web::{tx, AppError, Layout, Renderer};
use serde::Serialize;

use crate::page::{layout, render, Section as Nav};

#[derive(Serialize)]
struct Page {
    layout: Layout,
    page: LegalPage,
}

async fn show(
    kind: Kind,
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    hosting: web::Data<Hosting>,
) -> Result<HttpResponse, AppError> {
    let cx = hosting.context(tenant.base_url().to_owned());
    let page = tx::read(&store, &tenant, move |t| legal::page(t, kind, &cx)).await?;
    let layout = layout(&tenant, page.title, Nav::None, None, &session)?;
    render(&pages, StatusCode::OK, "legal", &Page { layout, page })
}

pub(crate) async fn legal_notice(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    hosting: web::Data<Hosting>,
) -> Result<HttpResponse, AppError> {
    show(Kind::LegalNotice, tenant, session, pages, store, hosting).await
}

pub(crate) async fn personal_data(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    hosting: web::Data<Hosting>,
) -> Result<HttpResponse, AppError> {
    show(Kind::PersonalData, tenant, session, pages, store, hosting).await
}

pub(crate) async fn accessibility(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    hosting: web::Data<Hosting>,
) -> Result<HttpResponse, AppError> {
    show(Kind::Accessibility, tenant, session, pages, store, hosting).await
}
