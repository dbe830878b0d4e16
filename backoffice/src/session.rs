//! Agents' sign-in and sign-out: uid and password checked against the
//! collectivité's directory (an LDAP bind, or the built-in directory), behind
//! the platform's login throttle.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use guichet_core::agents;
use guichet_core::audit;
use guichet_core::auth::throttle::Throttle;
use guichet_core::directory::Directory;
use guichet_core::store::Store;
use guichet_web::client::{pace, ClientAddr};
use guichet_web::csrf::{self, VerifiedForm};
use guichet_web::device::DeviceCookies;
use guichet_web::principal::SignedInAgent;
use guichet_web::session::{self, Plane, SessionExpired, SessionPrincipal};
use guichet_web::tenant::CurrentTenant;
use guichet_web::{blocking, AppError, Layout, Renderer};
use serde::{Deserialize, Serialize};

use crate::proconnect::{offered, ProConnect};

const WRONG: &str = "Identifiant ou mot de passe incorrect. Vérifiez-les ; si vous avez oublié votre mot de passe, demandez un nouveau lien à l’administrateur de votre collectivité.";
const DIRECTORY_DOWN: &str = "L’annuaire des agents ne répond pas : la connexion est impossible pour le moment. Réessayez dans quelques minutes.";

#[derive(Serialize)]
struct LoginPage {
    layout: Layout,
    csrf_token: String,
    uid: String,
    error: Option<String>,
    expired: bool,
    /// The collectivité offers ProConnect.
    proconnect: bool,
}

pub(crate) use guichet_web::render::see_other;

#[allow(clippy::too_many_arguments)]
pub(crate) fn render_login(
    pages: &Renderer,
    tenant: &CurrentTenant,
    session: &Session,
    uid: &str,
    error: Option<String>,
    expired: bool,
    proconnect: bool,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let title = &guichet_web::render::title("Connexion des agents", error.is_some());
    let page = LoginPage {
        layout: Layout::new(title).site(&format!("{} — espace agents", tenant.name)),
        csrf_token: csrf::token(session)?,
        uid: uid.to_owned(),
        error,
        expired,
        proconnect,
    };
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(pages.render("backoffice/login", &page)?))
}

pub(crate) async fn login_page(
    req: HttpRequest,
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    pc: web::Data<ProConnect>,
) -> Result<HttpResponse, AppError> {
    if SignedInAgent::extract(&req).await.is_ok() {
        return Ok(see_other("/backoffice/"));
    }
    let expired = req.extensions().get::<SessionExpired>().is_some();
    let proconnect = offered(&store, &tenant, &pc).await?;
    render_login(
        &pages,
        &tenant,
        &session,
        "",
        None,
        expired,
        proconnect,
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub(crate) struct Credentials {
    #[serde(default)]
    uid: String,
    #[serde(default)]
    password: String,
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn login(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    directory: web::Data<Directory>,
    throttle: web::Data<Throttle>,
    pc: web::Data<ProConnect>,
    client: ClientAddr,
    (req, devices): (HttpRequest, web::Data<DeviceCookies>),
    VerifiedForm(form): VerifiedForm<Credentials>,
) -> Result<HttpResponse, AppError> {
    let uid = form.uid.trim().to_owned();
    let login = format!("{uid}@{}", tenant.slug);
    let proconnect = offered(&store, &tenant, &pc).await?;
    let fail = |message: String, status| {
        render_login(
            &pages,
            &tenant,
            &session,
            &uid,
            Some(message),
            false,
            proconnect,
            status,
        )
    };
    if let Err(e) = pace(&throttle, &login, client, devices.knows(&req, &login)).await {
        return fail(e.problem().detail, StatusCode::TOO_MANY_REQUESTS);
    }
    let (s, d, t, u, p) = (
        store.clone().into_inner(),
        directory.into_inner(),
        (*tenant).clone(),
        uid.clone(),
        form.password,
    );
    let found = blocking(move || Ok(agents::authenticate(&s, &d, &t, &u, &p)?)).await;
    let agent = match found {
        Ok(Some(agent)) => agent,
        Ok(None) => {
            guichet_web::client::signed_in(&throttle, &login, client, false).await?;
            return fail(WRONG.to_owned(), StatusCode::UNAUTHORIZED);
        }
        Err(AppError::DirectoryUnavailable(detail)) => {
            tracing::error!(%detail, "annuaire injoignable à la connexion d’un agent");
            return fail(DIRECTORY_DOWN.to_owned(), StatusCode::SERVICE_UNAVAILABLE);
        }
        Err(e) => return Err(e),
    };
    guichet_web::client::signed_in(&throttle, &login, client, true).await?;
    let who = SessionPrincipal::agent(tenant.id, agent.id);
    session::sign_in(&session, &who)?;
    record(&store, who, agent.uid, "session.sign-in").await;
    let mut done = see_other("/backoffice/");
    devices.remember(&req, &mut done, &login);
    Ok(done)
}

pub(crate) async fn logout(
    agent: Option<SignedInAgent>,
    session: Session,
    store: web::Data<Store>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> HttpResponse {
    if let (Some(agent), Some(who)) = (agent, session::who(&session)) {
        record(&store, who, agent.agent_id.to_string(), "session.sign-out").await;
    }
    session::sign_out(&session);
    see_other("/backoffice/connexion")
}

/// Into the collectivité's audit trail; a failure is logged and lets the
/// sign-in or sign-out go on.
pub(crate) async fn record(
    store: &web::Data<Store>,
    who: SessionPrincipal,
    actor: String,
    action: &'static str,
) {
    let store = store.clone().into_inner();
    let done = blocking(move || {
        Ok(audit::session_event(
            &store,
            &who,
            &actor,
            action,
            Plane::Backoffice,
        )?)
    })
    .await;
    if let Err(e) = done {
        tracing::error!(error = %e, action, "trace de connexion non enregistrée");
    }
}
