//! The tenant portal: the front office where households use their
//! collectivité's online services. Every route here sits behind the tenant gate.

use actix_web::{web, HttpResponse};
use guichet_web::routes::{RouteTable, Who::*};
use guichet_web::tenant::CurrentTenant;
use guichet_web::{AppError, Layout, Renderer};
use rust_embed::RustEmbed;
use serde::Serialize;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Templates;

pub fn templates(renderer: &mut Renderer) {
    renderer.add::<Templates>();
}

/// Every route of the portal, with who may call it and what it does.
pub fn routes() -> RouteTable {
    RouteTable::new().get("/", Anyone, "home", home)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    routes().register(cfg);
}

#[derive(Serialize)]
struct Home {
    layout: Layout,
    name: String,
}

async fn home(tenant: CurrentTenant, pages: web::Data<Renderer>) -> Result<HttpResponse, AppError> {
    let layout = Layout::new("Accueil")
        .site(&tenant.name)
        .link("/", "Accueil", true);
    pages.page(
        "portal/home",
        &Home {
            layout,
            name: tenant.name.clone(),
        },
    )
}
