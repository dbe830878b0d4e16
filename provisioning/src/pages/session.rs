//! Sign-in and sign-out; the principal and the one-shot messages kept in the
//! session.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use guichet_core::agents::principal::Principal;
use guichet_core::audit;
use guichet_core::auth::throttle::Throttle;
use guichet_core::directory::Directory;
use guichet_core::store::Store;
use guichet_web::client::ClientAddr;
use guichet_web::csrf::{self, VerifiedForm};
use guichet_web::device::DeviceCookies;
use guichet_web::session::{self, Plane, SessionExpired, SessionPrincipal};
use guichet_web::{blocking, AppError, Layout, Renderer};
use serde::{Deserialize, Serialize};

use super::{render, see_other, SITE};

const PRINCIPAL: &str = "principal";

pub(crate) fn principal(session: &Session) -> Option<Principal> {
    session.get::<Principal>(PRINCIPAL).ok().flatten()
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
    let title = &guichet_web::render::title("Connexion", error.is_some());
    let page = LoginPage {
        layout: Layout::new(title).site(SITE),
        csrf_token: csrf::token(session)?,
        login: login.to_owned(),
        error,
        expired,
    };
    render(pages, status, "provisioning/login", &page)
}

pub(crate) async fn login_page(
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
pub(crate) struct Credentials {
    login: String,
    password: String,
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn login(
    req: HttpRequest,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    directory: web::Data<Directory>,
    throttle: web::Data<Throttle>,
    devices: web::Data<DeviceCookies>,
    client: ClientAddr,
    VerifiedForm(form): VerifiedForm<Credentials>,
) -> Result<HttpResponse, AppError> {
    let login = form.login.trim().to_owned();
    let known = devices.knows(&req, &login);
    let found = match crate::auth::sign_in(
        &store,
        &directory,
        &throttle,
        &login,
        &form.password,
        client,
        known,
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
    let bound = {
        let (store, who) = (store.clone().into_inner(), who.clone());
        blocking(move || Ok(who.session_principal(&store)?))
            .await?
            .ok_or(AppError::Unauthorized)?
    };
    session::sign_in(&session, &bound)?;
    audit_session(&store, &bound, &who, "session.sign-in").await;
    session
        .insert(PRINCIPAL, &who)
        .map_err(|e| AppError::Internal(format!("session : {e}")))?;
    tracing::info!(actor = %who.actor(), "connexion au provisioning");
    let mut done = see_other("/");
    devices.remember(&req, &mut done, &login);
    Ok(done)
}

pub(crate) async fn logout(
    session: Session,
    store: web::Data<Store>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> HttpResponse {
    if let (Some(bound), Some(who)) = (session::who(&session), principal(&session)) {
        audit_session(&store, &bound, &who, "session.sign-out").await;
    }
    session::sign_out(&session);
    see_other("/connexion")
}

/// Sign-ins and sign-outs go to the audit trail; a failure to record one is
/// logged, and does not keep anybody in or out.
async fn audit_session(
    store: &web::Data<Store>,
    bound: &SessionPrincipal,
    who: &Principal,
    action: &'static str,
) {
    let (store, bound, actor) = (store.clone().into_inner(), bound.clone(), who.actor());
    let done = blocking(move || {
        Ok(audit::session_event(
            &store,
            &bound,
            &actor,
            action,
            Plane::Provisioning,
        )?)
    })
    .await;
    if let Err(e) = done {
        tracing::error!(error = %e, action, "trace de connexion non enregistrée");
    }
}
