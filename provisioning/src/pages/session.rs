//! Sign-in and sign-out; the principal and the one-shot messages kept in the
//! session.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use guichet_core::auth::throttle::Throttle;
use guichet_core::directory::Directory;
use guichet_core::provisioning::principal::Principal;
use guichet_core::store::Store;
use guichet_core::web::client::ClientAddr;
use guichet_core::web::csrf::{self, VerifiedForm};
use guichet_core::web::session::SessionExpired;
use guichet_core::web::{AppError, Layout, Renderer};
use serde::{Deserialize, Serialize};

use super::{render, see_other, SITE};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/connexion", web::get().to(login_page))
        .route("/connexion", web::post().to(login))
        .route("/deconnexion", web::post().to(logout));
}

const PRINCIPAL: &str = "principal";
const FLASH: &str = "flash";

pub(crate) fn principal(session: &Session) -> Option<Principal> {
    session.get::<Principal>(PRINCIPAL).ok().flatten()
}

pub(crate) fn set_flash(session: &Session, message: String) -> Result<(), AppError> {
    session
        .insert(FLASH, message)
        .map_err(|e| AppError::Internal(format!("session : {e}")))
}

pub(crate) fn take_flash(session: &Session) -> Option<String> {
    session.remove_as::<String>(FLASH).and_then(Result::ok)
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
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let title = if error.is_some() {
        "Erreur : connexion"
    } else {
        "Connexion"
    };
    let page = LoginPage {
        layout: Layout::new(title).site(SITE),
        csrf_token: csrf::token(session)?,
        login: login.to_owned(),
        error,
        expired,
    };
    render(pages, status, "provisioning/login", &page)
}

async fn login_page(
    req: HttpRequest,
    session: Session,
    pages: web::Data<Renderer>,
) -> Result<HttpResponse, AppError> {
    if principal(&session).is_some() {
        return Ok(see_other("/"));
    }
    let expired = req.extensions().get::<SessionExpired>().is_some();
    render_login(&pages, &session, "", None, expired, StatusCode::OK)
}

#[derive(Deserialize)]
struct Credentials {
    login: String,
    password: String,
}

async fn login(
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    directory: web::Data<Directory>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    VerifiedForm(form): VerifiedForm<Credentials>,
) -> Result<HttpResponse, AppError> {
    let login = form.login.trim().to_owned();
    let found = match crate::auth::sign_in(
        &store,
        &directory,
        &throttle,
        &login,
        &form.password,
        client,
    )
    .await
    {
        Err(AppError::TooManyRequests) => {
            let message = AppError::TooManyRequests.problem().detail;
            return render_login(
                &pages,
                &session,
                &login,
                Some(message),
                false,
                StatusCode::TOO_MANY_REQUESTS,
            );
        }
        other => other?,
    };
    let Some(who) = found else {
        return render_login(
            &pages,
            &session,
            &login,
            Some("Identifiant ou mot de passe incorrect.".into()),
            false,
            StatusCode::UNAUTHORIZED,
        );
    };
    // A new session at sign-in: a session fixed before it is worth nothing after.
    session.renew();
    session
        .insert(PRINCIPAL, &who)
        .map_err(|e| AppError::Internal(format!("session : {e}")))?;
    tracing::info!(actor = %who.actor(), "connexion au provisioning");
    Ok(see_other("/"))
}

async fn logout(
    session: Session,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> HttpResponse {
    session.purge();
    see_other("/connexion")
}
