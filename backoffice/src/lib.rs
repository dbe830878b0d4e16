//! The back office, where the collectivité's agents process requests. Served
//! under `/backoffice/`, behind the tenant gate.

mod password;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use guichet_core::web::tenant::CurrentTenant;
use guichet_core::web::{AppError, Layout, Renderer};
use rust_embed::RustEmbed;
use serde::Serialize;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Templates;

pub fn templates(renderer: &mut Renderer) {
    renderer.add::<Templates>();
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/backoffice", web::get().to(to_home)).service(
        web::scope("/backoffice")
            .route("/", web::get().to(home))
            .configure(password::configure),
    );
}

async fn to_home() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/backoffice/"))
        .finish()
}

#[derive(Serialize)]
struct Home {
    layout: Layout,
    name: String,
}

async fn home(tenant: CurrentTenant, pages: web::Data<Renderer>) -> Result<HttpResponse, AppError> {
    let layout = Layout::new("Espace agents")
        .site(&format!("{} — espace agents", tenant.name))
        .link("/backoffice/", "Tableau de bord", true);
    pages.page(
        "backoffice/home",
        &Home {
            layout,
            name: tenant.name.clone(),
        },
    )
}
