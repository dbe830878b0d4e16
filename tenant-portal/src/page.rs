//! What every portal page shares: the signed-in household, the layout with
//! its menu, responses.

use std::future::{ready, Ready};

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use guichet_core::foyers::{self, Foyer, Member};
use guichet_core::store::Store;
use guichet_core::store::TenantTx;
use guichet_core::Error;
pub(crate) use guichet_web::forms::person_form;
use guichet_web::principal::{SignedInHousehold, HOUSEHOLD_SIGN_IN};
pub(crate) use guichet_web::steps::address_fields;
use guichet_web::tenant::CurrentTenant;
use guichet_web::{csrf, tx, AppError, Layout, Renderer};
use serde::Serialize;

/// The signed-in household: its foyer, and the person signed in.
#[derive(Debug, Clone)]
pub(crate) struct Me {
    pub foyer: Foyer,
    pub person: Member,
}

impl Me {
    pub fn foyer_id(&self) -> i64 {
        self.foyer.id
    }
}

/// Loads the signed-in person's foyer, in the caller's transaction; a person
/// removed, archived or disabled since sign-in is signed in no more.
pub(crate) fn me_in(tx: &mut TenantTx<'_>, individual: i64) -> Result<Me, Error> {
    let gone = || Error::SignedOut;
    let foyer = foyers::foyer_of(tx, individual)?.ok_or_else(gone)?;
    if !foyer.enabled || foyer.state == "Archived" {
        return Err(gone());
    }
    // Archived members are not in the foyer any more.
    let person = foyer.member(individual).cloned().ok_or_else(gone)?;
    Ok(Me { foyer, person })
}

/// What a page of the household's space works with, extracted once: the
/// signed-in household, its session, the store and the pages. `read` and
/// `write` open the collectivité's transaction and reload the person signed
/// in and their foyer in it, the permit the use cases take: a person
/// removed, archived or disabled since sign-in is sent to sign in.
pub(crate) struct Home {
    pub who: SignedInHousehold,
    pub session: Session,
    pub store: web::Data<Store>,
    pub pages: web::Data<Renderer>,
}

impl FromRequest for Home {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready((|| {
            Ok(Home {
                who: SignedInHousehold::from_request(req, payload).into_inner()?,
                session: req.get_session(),
                store: guichet_web::app_data(req, "le stockage")?,
                pages: guichet_web::app_data(req, "le moteur de pages")?,
            })
        })())
    }
}

impl Home {
    /// Runs `f` with the household in a read transaction; the household
    /// comes back for the page.
    pub async fn read<T, F>(&self, f: F) -> Result<(Me, T), AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut TenantTx<'_>, &Me) -> Result<T, Error> + Send + 'static,
    {
        let id = self.who.account_id;
        tx::read_as(
            &self.store,
            &self.who,
            HOUSEHOLD_SIGN_IN,
            move |t| me_in(t, id),
            f,
        )
        .await
    }

    /// Runs `f` with the household in a write transaction.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut TenantTx<'_>, &Me) -> Result<T, Error> + Send + 'static,
    {
        let id = self.who.account_id;
        tx::write_as(
            &self.store,
            &self.who,
            HOUSEHOLD_SIGN_IN,
            move |t| me_in(t, id),
            f,
        )
        .await
    }

    /// The household alone, in a transaction of its own.
    pub async fn me(&self) -> Result<Me, AppError> {
        Ok(self.read(|_, _| Ok(())).await?.0)
    }

    /// The layout of a page of the menu's section `section`.
    pub fn layout(&self, title: &str, section: Section, me: &Me) -> Result<Layout, AppError> {
        layout(&self.who.tenant, title, section, Some(me), &self.session)
    }

    /// The session's token for the page's forms.
    pub fn csrf(&self) -> Result<String, AppError> {
        csrf::token(&self.session)
    }

    /// The page `template` drawn with `view`, answered with `status`.
    pub fn render<V: Serialize>(
        &self,
        status: StatusCode,
        template: &str,
        view: &V,
    ) -> Result<HttpResponse, AppError> {
        render(&self.pages, status, template, view)
    }
}

/// Sections of the portal's menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Catalogue,
    Requests,
    Foyer,
    Documents,
    Payments,
    None,
}

/// The layout of a portal page; with `me`, the household's menu and the
/// sign-out button.
pub(crate) fn layout(
    tenant: &CurrentTenant,
    title: &str,
    section: Section,
    me: Option<&Me>,
    session: &Session,
) -> Result<Layout, AppError> {
    let mut layout = Layout::new(title)
        .notice(session)
        .site(&tenant.name)
        .appearance(
            &tenant.appearance,
            "logo-portail",
            &guichet_core::collectivite::appearance::for_households(),
            "/documents",
        )
        .legal()
        .look(&tenant.appearance)
        .link("/", "Démarches", section == Section::Catalogue);
    match me {
        Some(me) => {
            layout = layout
                .link(
                    "/mes-demandes",
                    "Mes demandes",
                    section == Section::Requests,
                )
                .link("/mon-foyer", "Mon foyer", section == Section::Foyer)
                .link(
                    "/mes-documents",
                    "Mes documents",
                    section == Section::Documents,
                )
                .link("/paiements", "Mes paiements", section == Section::Payments);
            layout.user = Some(me.person.name.clone());
            layout.csrf_token = Some(csrf::token(session)?);
            layout.logout_action = Some("/deconnexion".into());
        }
        None => {
            layout = layout.link("/connexion", "Se connecter", false).link(
                "/creer-un-compte",
                "Créer un compte",
                false,
            );
        }
    }
    Ok(layout)
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

pub(crate) use guichet_web::render::{see_other, see_other_with};

pub(crate) use guichet_web::tenant::base_url;
