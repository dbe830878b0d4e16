//! The HTML pages of the provisioning plane, for super-admins and the
//! referential admins of each collectivité. Every page needs a signed-in
//! principal; every collectivité page checks first that it is within reach.

pub(crate) mod agents;
pub(crate) mod audit;
pub(crate) mod authorities;
pub(crate) mod categories;
pub(crate) mod facilities;
mod forms {
    //! The web kit's forms, and what provisioning's pages add to them.
    pub(crate) use guichet_web::forms::*;

    /// One host name per line (commas and spaces tolerated).
    pub(crate) fn host_lines(s: &str) -> Vec<String> {
        s.split(|c: char| c == '\n' || c == ',' || c.is_whitespace())
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .collect()
    }
}
pub(crate) mod session;

use std::future::{ready, Ready};
use std::sync::Arc;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use guichet_core::agents::groups;
use guichet_core::agents::principal::Principal;
use guichet_core::directory::Directory;
use guichet_core::store::{Store, StoreError, TenantTx};
use guichet_core::tenancy::Tenant;
pub(crate) use guichet_web::sentence;
use guichet_web::{csrf, AppError, Layout, Renderer};
use serde::Serialize;

use crate::auth::{PlatformPermit, Reach};
use crate::Provisioning;

const SITE: &str = "Guichet — administration";

/// Where a page sits, for the navigation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Authorities,
    Summary,
    Agents,
    Schools,
    RecreationCenters,
    Categories,
    Journal,
}

/// What every page handler needs: the signed-in principal and the app's
/// services. Without a principal in the session, the request is sent to the
/// sign-in page.
pub(crate) struct Ctx {
    pub session: Session,
    pub who: Principal,
    pub pages: web::Data<Renderer>,
    pub store: web::Data<Store>,
    pub directory: web::Data<Directory>,
    pub state: web::Data<Provisioning>,
}

impl FromRequest for Ctx {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready((|| {
            let session = req.get_session();
            // The principal this plane keeps counts only in a session that
            // someone signed in to (a revoked one keeps neither).
            let signed_in = guichet_web::session::who(&session).is_some();
            let Some(who) = session::principal(&session).filter(|_| signed_in) else {
                // A 303 is not an error page: the error middleware lets it through.
                let to_login = see_other("/connexion");
                return Err(actix_web::error::InternalError::from_response("", to_login).into());
            };
            Ok(Ctx {
                session,
                who,
                pages: guichet_web::app_data(req, "le moteur de pages")?,
                store: guichet_web::app_data(req, "le stockage")?,
                directory: guichet_web::app_data(req, "l’annuaire")?,
                state: guichet_web::app_data(req, "l’état du provisioning")?,
            })
        })())
    }
}

impl Ctx {
    pub fn store(&self) -> Arc<Store> {
        self.store.clone().into_inner()
    }

    pub fn directory(&self) -> Arc<Directory> {
        self.directory.clone().into_inner()
    }

    /// The collectivité of the path, if within reach ("not found" otherwise).
    /// A referential admin must still be one: a session outlives a removal
    /// from the group, the right to act must not.
    pub async fn tenant(&self, slug: &str) -> Result<Reach, AppError> {
        let tenant = crate::auth::tenant_in_reach(&self.store, &self.who, slug).await?;
        if let Principal::ReferentialAdmin { uid, .. } = &self.who {
            let uid = uid.clone();
            let still = self
                .read(&tenant, move |tx| {
                    Ok(guichet_core::agents::get(tx, &uid)?
                        .is_some_and(|a| a.groups.iter().any(|g| g == groups::REFERENTIAL_ADMIN)))
                })
                .await?;
            if !still {
                return Err(AppError::Forbidden);
            }
        }
        Ok(tenant)
    }

    pub fn super_admin_only(&self) -> Result<PlatformPermit, AppError> {
        crate::auth::super_admin_only(&self.who)
    }

    /// A read transaction of the collectivité within reach, off the async executor.
    pub async fn read<T, F>(&self, tenant: &Reach, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut TenantTx<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        guichet_web::tx::read(&self.store, tenant, f).await
    }

    /// The layout of a page: the title, the navigation that fits the
    /// principal and the collectivité, the sign-out form.
    pub fn layout(
        &self,
        title: &str,
        tenant: Option<&Tenant>,
        at: Nav,
    ) -> Result<Layout, AppError> {
        let full_title = match tenant {
            Some(t) => format!("{title} — {}", t.name),
            None => title.to_owned(),
        };
        let mut layout = Layout::new(&full_title).notice(&self.session).site(SITE);
        if self.who.is_super_admin() {
            layout = layout.link("/", "Collectivités", at == Nav::Authorities);
        }
        if let Some(t) = tenant {
            let base = format!("/collectivites/{}", t.slug);
            for (suffix, label, nav) in [
                ("", t.name.as_str(), Nav::Summary),
                ("/agents", "Agents", Nav::Agents),
                ("/ecoles", "Écoles", Nav::Schools),
                (
                    "/centres-de-loisirs",
                    "Centres de loisirs",
                    Nav::RecreationCenters,
                ),
                ("/categories", "Catégories", Nav::Categories),
                ("/journal", "Journal", Nav::Journal),
            ] {
                layout = layout.link(&format!("{base}{suffix}"), label, at == nav);
            }
        }
        layout.user = Some(self.who.display_name());
        layout.csrf_token = Some(self.csrf()?);
        layout.logout_action = Some("/deconnexion".into());
        Ok(layout)
    }

    pub fn csrf(&self) -> Result<String, AppError> {
        csrf::token(&self.session)
    }

    pub fn render<T: Serialize>(
        &self,
        status: StatusCode,
        template: &str,
        data: &T,
    ) -> Result<HttpResponse, AppError> {
        render(&self.pages, status, template, data)
    }
}

pub(crate) fn render<T: Serialize>(
    pages: &Renderer,
    status: StatusCode,
    template: &str,
    data: &T,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(pages.render(template, data)?))
}

pub(crate) use guichet_web::render::see_other;

/// A page asking to confirm a deletion.
#[derive(Serialize)]
pub(crate) struct ConfirmPage {
    pub layout: Layout,
    pub heading: String,
    pub explanation: String,
    pub error: Option<String>,
    /// False when the deletion is refused whatever one does.
    pub can_confirm: bool,
    pub action: String,
    pub csrf_token: String,
    pub confirm: String,
    pub cancel: String,
}

/// `?q=` of the search boxes.
#[derive(serde::Deserialize)]
pub(crate) struct Search {
    #[serde(default)]
    pub q: String,
}
