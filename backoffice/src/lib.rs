//! The back office, where the collectivité's agents process requests. Served
//! under `/backoffice/`, behind the tenant gate.

mod password;
mod session;

use actix_session::Session;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use guichet_core::provisioning::agents;
use guichet_core::store::Store;
use guichet_web::csrf;
use guichet_web::principal::{SignedInAgent, AGENT_SIGN_IN};
use guichet_web::routes::{RouteTable, Who::*};
use guichet_web::{tx, AppError, Layout, Renderer};
use rust_embed::RustEmbed;
use serde::Serialize;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Templates;

pub fn templates(renderer: &mut Renderer) {
    renderer.add::<Templates>();
}

/// Every route of the back office, relative to `/backoffice`, with who may
/// call it and what it does.
pub fn routes() -> RouteTable {
    RouteTable::new()
        .get("", Anyone, "home.redirect", to_home)
        .get("/", Agent, "home", home)
        .get(
            "/connexion",
            Anyone,
            "session.sign-in-form",
            session::login_page,
        )
        .post("/connexion", Anyone, "session.sign-in", session::login)
        .post("/deconnexion", Anyone, "session.sign-out", session::logout)
        .get(
            "/mot-de-passe/{token}",
            Anyone,
            "agent.password-form",
            password::form_page,
        )
        .post(
            "/mot-de-passe/{token}",
            Anyone,
            "agent.password-set",
            password::set,
        )
}

/// The back office's routes, mounted under `/backoffice`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    routes().register(cfg);
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
    first_name: String,
}

async fn home(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
) -> Result<HttpResponse, AppError> {
    let tenant = agent.tenant.clone();
    let id = agent.agent_id;
    let found = tx::read(&store, &agent, move |t| agents::get_by_id(t, id)).await?;
    // Removed since sign-in (its sessions were revoked with it, but a request
    // may have raced the removal).
    let me = found.ok_or(AppError::SignInRequired(AGENT_SIGN_IN))?;
    let mut layout = Layout::new("Espace agents")
        .site(&format!("{} — espace agents", tenant.name))
        .link("/backoffice/", "Tableau de bord", true);
    layout.user = Some(format!("{} {}", me.first_name, me.last_name));
    layout.csrf_token = Some(csrf::token(&session)?);
    layout.logout_action = Some("/backoffice/deconnexion".into());
    pages.page(
        "backoffice/home",
        &Home {
            layout,
            name: tenant.name.clone(),
            first_name: me.first_name,
        },
    )
}
