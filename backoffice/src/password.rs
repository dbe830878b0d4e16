//! The page where an agent chooses a password, through the link e-mailed when
//! the account was opened without one.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::agents;
use guichet_core::auth::password::{self, MIN_LEN};
use guichet_core::directory::Directory;
use guichet_core::store::Store;
use guichet_core::tenancy::Tenant;
use guichet_web::csrf::{self, VerifiedForm};
use guichet_web::tenant::CurrentTenant;
use guichet_web::{blocking, sentence, tx, AppError, Layout, Renderer};
use serde::{Deserialize, Serialize};

const DIRECTORY_DOWN: &str = "L’annuaire des agents ne répond pas : votre mot de passe n’a pas été enregistré. Réessayez dans quelques minutes.";

#[derive(Serialize, Default)]
struct Page {
    /// The form is shown.
    form: bool,
    /// The password is set.
    done: bool,
    /// The link is unknown, expired or spent.
    invalid: bool,
    min_len: usize,
    csrf_token: String,
    action: String,
    first_name: String,
    uid: String,
    /// An error on the new password (too short, not the same twice).
    error: Option<String>,
    /// An error of the page as a whole.
    general: Option<String>,
}

fn layout(tenant: &Tenant, title: &str) -> Layout {
    Layout::new(title).site(&format!("{} — espace agents", tenant.name))
}

#[derive(Serialize)]
struct Shown<'a> {
    layout: Layout,
    #[serde(flatten)]
    page: &'a Page,
}

fn render(
    pages: &Renderer,
    status: StatusCode,
    layout: Layout,
    page: &Page,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(pages.render("backoffice/password", &Shown { layout, page })?))
}

fn invalid_link(pages: &Renderer, tenant: &Tenant) -> Result<HttpResponse, AppError> {
    let page = Page {
        invalid: true,
        ..Page::default()
    };
    render(
        pages,
        StatusCode::NOT_FOUND,
        layout(tenant, "Lien expiré"),
        &page,
    )
}

/// The agent the link was made for, if it is still valid.
async fn agent_of(
    store: &web::Data<Store>,
    tenant: &CurrentTenant,
    token: &str,
) -> Result<Option<agents::Agent>, AppError> {
    let token = token.to_owned();
    tx::read(store, tenant, move |t| agents::agent_for_link(t, &token)).await
}

fn form(
    tenant: &Tenant,
    session: &Session,
    token: &str,
    agent: &agents::Agent,
    error: Option<String>,
    general: Option<String>,
) -> Result<(Layout, Page), AppError> {
    let title = &guichet_web::render::title(
        "Choisir votre mot de passe",
        error.is_some() || general.is_some(),
    );
    let page = Page {
        form: true,
        min_len: MIN_LEN,
        csrf_token: csrf::token(session)?,
        action: format!("/backoffice/mot-de-passe/{token}"),
        first_name: agent.first_name.clone(),
        uid: agent.uid.clone(),
        error,
        general,
        ..Page::default()
    };
    Ok((layout(tenant, title), page))
}

pub(crate) async fn form_page(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let Some(agent) = agent_of(&store, &tenant, &token).await? else {
        return invalid_link(&pages, &tenant);
    };
    let (l, page) = form(&tenant, &session, &token, &agent, None, None)?;
    render(&pages, StatusCode::OK, l, &page)
}

#[derive(Deserialize)]
pub(crate) struct Chosen {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirmation: String,
}

pub(crate) async fn set(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    directory: web::Data<Directory>,
    token: web::Path<String>,
    VerifiedForm(chosen): VerifiedForm<Chosen>,
) -> Result<HttpResponse, AppError> {
    let Some(agent) = agent_of(&store, &tenant, &token).await? else {
        return invalid_link(&pages, &tenant);
    };
    let problem = match password::check_strength(&chosen.password) {
        Err(e) => Some(sentence(&e.to_string())),
        Ok(()) if chosen.password != chosen.confirmation => Some(
            "Les deux mots de passe saisis ne sont pas identiques : saisissez le même deux fois."
                .to_owned(),
        ),
        Ok(()) => None,
    };
    if let Some(error) = problem {
        let (l, page) = form(&tenant, &session, &token, &agent, Some(error), None)?;
        return render(&pages, StatusCode::BAD_REQUEST, l, &page);
    }
    let (s, d, t, tok, pw) = (
        store.into_inner(),
        directory.into_inner(),
        (*tenant).clone(),
        token.clone(),
        chosen.password,
    );
    let done = blocking(move || Ok(agents::set_password_with_link(&s, &d, &t, &tok, &pw)?)).await;
    match done {
        Ok(agent) => {
            tracing::info!(uid = %agent.uid, "mot de passe choisi par lien");
            let page = Page {
                done: true,
                uid: agent.uid,
                first_name: agent.first_name,
                ..Page::default()
            };
            let l = layout(&tenant, "Mot de passe enregistré");
            render(&pages, StatusCode::OK, l, &page)
        }
        // Spent or expired in between.
        Err(AppError::NotFound) => invalid_link(&pages, &tenant),
        Err(AppError::Invalid(errors)) => {
            let message = errors
                .first()
                .map(|e| sentence(&e.message))
                .unwrap_or_default();
            let (l, page) = form(&tenant, &session, &token, &agent, Some(message), None)?;
            render(&pages, StatusCode::BAD_REQUEST, l, &page)
        }
        Err(AppError::DirectoryUnavailable(detail)) => {
            tracing::error!(%detail, "annuaire injoignable");
            let general = Some(DIRECTORY_DOWN.to_owned());
            let (l, page) = form(&tenant, &session, &token, &agent, None, general)?;
            render(&pages, StatusCode::SERVICE_UNAVAILABLE, l, &page)
        }
        Err(e) => Err(e),
    }
}
