//! The provisioning plane, on its own listener: platform super-admins manage
//! the collectivités. Sign-in here is for super-admins only.

use actix_session::Session;
use actix_web::http::header;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use guichet_core::auth::superadmin;
use guichet_core::auth::throttle::Throttle;
use guichet_core::store::Store;
use guichet_core::tenancy;
use guichet_core::web::csrf::{self, VerifiedForm};
use guichet_core::web::session::SessionExpired;
use guichet_core::web::{blocking, AppError, Layout, Renderer};
use rust_embed::RustEmbed;
use serde::{Deserialize, Serialize};

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Templates;

pub fn templates(renderer: &mut Renderer) {
    renderer.add::<Templates>();
}

/// State of this plane: the sign-in throttle.
pub struct Provisioning {
    throttle: Throttle,
}

impl Default for Provisioning {
    fn default() -> Self {
        Provisioning {
            throttle: Throttle::for_logins(),
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(dashboard))
        .route("/connexion", web::get().to(login_page))
        .route("/connexion", web::post().to(login))
        .route("/deconnexion", web::post().to(logout));
}

const SESSION_USER: &str = "superadmin";
const SITE: &str = "Guichet — administration de la plateforme";

fn signed_in(session: &Session) -> Option<String> {
    session.get::<String>(SESSION_USER).ok().flatten()
}

#[derive(Serialize)]
struct LoginPage {
    layout: Layout,
    csrf_token: String,
    login: String,
    error: Option<String>,
    expired: bool,
}

fn render_login(
    pages: &Renderer,
    session: &Session,
    login: &str,
    error: Option<String>,
    expired: bool,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, AppError> {
    let page = LoginPage {
        layout: Layout::new("Connexion").site(SITE),
        csrf_token: csrf::token(session)?,
        login: login.to_owned(),
        error,
        expired,
    };
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(pages.render("provisioning/login", &page)?))
}

async fn login_page(
    req: HttpRequest,
    session: Session,
    pages: web::Data<Renderer>,
) -> Result<HttpResponse, AppError> {
    if signed_in(&session).is_some() {
        return Ok(see_other("/"));
    }
    let expired = req.extensions().get::<SessionExpired>().is_some();
    render_login(
        &pages,
        &session,
        "",
        None,
        expired,
        actix_web::http::StatusCode::OK,
    )
}

#[derive(Deserialize)]
struct Credentials {
    login: String,
    password: String,
}

async fn login(
    req: HttpRequest,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    state: web::Data<Provisioning>,
    VerifiedForm(form): VerifiedForm<Credentials>,
) -> Result<HttpResponse, AppError> {
    let login = form.login.trim().to_owned();
    let peer = req
        .connection_info()
        .realip_remote_addr()
        .unwrap_or("")
        .to_owned();
    let key = format!("{login}|{peer}");
    if state.throttle.is_blocked(&key) {
        let msg = AppError::TooManyRequests.problem().detail;
        return render_login(
            &pages,
            &session,
            &login,
            Some(msg),
            false,
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let store = store.into_inner();
    let (l, p) = (login.clone(), form.password);
    let ok = blocking(move || Ok(store.platform_read(|c| superadmin::check_password(c, &l, &p))?))
        .await?;
    if !ok {
        state.throttle.failed(&key);
        tracing::warn!(%login, "échec de connexion au provisioning");
        return render_login(
            &pages,
            &session,
            &login,
            Some("Identifiant ou mot de passe incorrect.".into()),
            false,
            actix_web::http::StatusCode::UNAUTHORIZED,
        );
    }
    state.throttle.succeeded(&key);
    // A new session at sign-in: a session fixed before it is worth nothing after.
    session.renew();
    session
        .insert(SESSION_USER, &login)
        .map_err(|e| AppError::Internal(format!("session : {e}")))?;
    tracing::info!(%login, "connexion au provisioning");
    Ok(see_other("/"))
}

async fn logout(
    session: Session,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> HttpResponse {
    session.purge();
    see_other("/connexion")
}

#[derive(Serialize)]
struct Dashboard {
    layout: Layout,
    tenants: Vec<TenantRow>,
}

#[derive(Serialize)]
struct TenantRow {
    slug: String,
    name: String,
    state: &'static str,
    hosts: String,
}

async fn dashboard(
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
) -> Result<HttpResponse, AppError> {
    let Some(user) = signed_in(&session) else {
        return Ok(see_other("/connexion"));
    };
    let store = store.into_inner();
    let tenants = blocking(move || Ok(store.platform_read(tenancy::list)?)).await?;
    let mut layout = Layout::new("Collectivités")
        .site(SITE)
        .link("/", "Collectivités", true);
    layout.user = Some(user);
    layout.csrf_token = Some(csrf::token(&session)?);
    layout.logout_action = Some("/deconnexion".into());
    let tenants = tenants
        .into_iter()
        .map(|t| TenantRow {
            hosts: std::iter::once(format!("{}.localhost", t.slug))
                .chain(t.host_names.iter().cloned())
                .collect::<Vec<_>>()
                .join(", "),
            slug: t.slug,
            name: t.name,
            state: t.state.label_fr(),
        })
        .collect();
    pages.page("provisioning/dashboard", &Dashboard { layout, tenants })
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
