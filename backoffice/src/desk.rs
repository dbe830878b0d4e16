//! The back office's context: the signed-in agent's page, their desk (their
//! rights) loaded in each transaction, and the layout around every page.

use std::future::{ready, Ready};

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use guichet_core::agents::Desk;
use guichet_core::store::{Store, TenantTx, Written};
use guichet_core::Error;
use guichet_web::csrf;
use guichet_web::principal::{SignedInAgent, AGENT_SIGN_IN};
use guichet_web::{tx, AppError, Layout, Renderer};
use serde::Serialize;

/// What a back-office page works with, extracted once: the signed-in agent,
/// their session, the store and the pages. `read` and `write` open the
/// collectivité's transaction and reload the agent's desk in it, the permit
/// the use cases take: an agent removed, disabled or out of the back
/// office's groups since sign-in is sent to sign in, never refused.
pub(crate) struct Office {
    pub agent: SignedInAgent,
    pub session: Session,
    pub store: web::Data<Store>,
    pub pages: web::Data<Renderer>,
    /// Where the agent's last write ended, for the reports ([`Office::report`]).
    pub written: Option<Written>,
}

impl FromRequest for Office {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready((|| {
            Ok(Office {
                agent: SignedInAgent::from_request(req, payload).into_inner()?,
                session: req.get_session(),
                store: guichet_web::app_data(req, "le stockage")?,
                pages: guichet_web::app_data(req, "le moteur de pages")?,
                written: tx::written(req),
            })
        })())
    }
}

impl Office {
    /// Runs `f` with the desk in a read transaction; the desk comes back
    /// for the page's layout.
    pub async fn read<T, F>(&self, f: F) -> Result<(Desk, T), AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut TenantTx<'_>, &Desk) -> Result<T, Error> + Send + 'static,
    {
        let me = self.agent.agent_id;
        tx::read_as(
            &self.store,
            &self.agent,
            AGENT_SIGN_IN,
            move |t| open(t, me),
            f,
        )
        .await
    }

    /// [`Office::read`] for a search, an export or statistics: on the read
    /// replica when one may serve the agent (it has what they last wrote).
    pub async fn report<T, F>(&self, f: F) -> Result<(Desk, T), AppError>
    where
        T: Send + 'static,
        F: Fn(&mut TenantTx<'_>, &Desk) -> Result<T, Error> + Send + 'static,
    {
        let me = self.agent.agent_id;
        tx::report_as(
            &self.store,
            &self.agent,
            self.written.clone(),
            AGENT_SIGN_IN,
            move |t| open(t, me),
            f,
        )
        .await
    }

    /// Runs `f` with the desk in a write transaction.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut TenantTx<'_>, &Desk) -> Result<T, Error> + Send + 'static,
    {
        let me = self.agent.agent_id;
        tx::write_as(
            &self.store,
            &self.agent,
            AGENT_SIGN_IN,
            move |t| open(t, me),
            f,
        )
        .await
    }

    /// The layout of a page of the menu's section `current`.
    pub fn layout(&self, desk: &Desk, title: &str, current: Section) -> Result<Layout, AppError> {
        layout(&self.agent, desk, title, current, &self.session)
    }

    /// The session's token for the page's forms.
    pub fn csrf(&self) -> Result<String, AppError> {
        csrf::token(&self.session)
    }

    /// The page `template` drawn with `view`.
    pub fn page<V: Serialize>(&self, template: &str, view: &V) -> Result<HttpResponse, AppError> {
        self.pages.page(template, view)
    }
}

/// Sections of the back office's menu.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Board,
    Requests,
    Foyers,
    Teleservices,
    Statistics,
    Settings,
    Appearance,
    Categories,
    Payments,
    Studio,
}

/// The desk of the signed-in agent, in the page's transaction. An agent
/// removed, or out of the back office's groups, since sign-in is refused
/// (by [`Office`]).
fn open(tx: &mut TenantTx<'_>, agent: i64) -> Result<Desk, Error> {
    guichet_core::agents::desk(tx, agent).map_err(|e| match e {
        Error::NotFound => Error::SignedOut,
        other => other,
    })
}

/// Pages for the collectivité's administrators only: the others find nothing there.
pub(crate) fn administrator(desk: &Desk) -> Result<(), Error> {
    desk.as_administrator()
}

fn layout(
    agent: &SignedInAgent,
    desk: &Desk,
    title: &str,
    current: Section,
    session: &Session,
) -> Result<Layout, AppError> {
    let mut layout = Layout::new(title)
        .notice(session)
        .site(&format!("{} — espace agents", agent.tenant.name))
        .appearance(
            &agent.tenant.appearance,
            "logo-agents",
            &guichet_core::collectivite::appearance::for_agents(),
            "/backoffice/documents",
        )
        .legal()
        .link("/backoffice/", "Tableau de bord", current == Section::Board)
        .link(
            "/backoffice/demandes",
            "Demandes",
            current == Section::Requests,
        )
        .link("/backoffice/foyers", "Foyers", current == Section::Foyers);
    if desk.configures_some() {
        layout = layout.link(
            "/backoffice/statistiques",
            "Statistiques",
            current == Section::Statistics,
        );
        layout = layout.link(
            "/backoffice/teleservices",
            "Téléservices",
            current == Section::Teleservices,
        );
        layout = layout.link(
            "/backoffice/studio",
            "Studio des formulaires",
            current == Section::Studio,
        );
    }
    if desk.administers() {
        layout = layout.link(
            "/backoffice/parametres",
            "Paramètres",
            current == Section::Settings,
        );
        layout = layout.link(
            "/backoffice/apparence",
            "Apparence",
            current == Section::Appearance,
        );
        layout = layout.link(
            "/backoffice/categories",
            "Catégories et droits",
            current == Section::Categories,
        );
        layout = layout.link(
            "/backoffice/paiements",
            "Paiements",
            current == Section::Payments,
        );
    }
    layout.user = Some(desk.name.clone());
    layout.csrf_token = Some(csrf::token(session)?);
    layout.logout_action = Some("/backoffice/deconnexion".into());
    Ok(layout)
}
