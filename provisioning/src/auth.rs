//! Sign-in and reach, shared by the pages and the API.

use std::sync::Arc;

use actix_web::web;
use guichet_core::agents::principal::{self, Principal};
use guichet_core::auth::throttle::Throttle;
use guichet_core::directory::Directory;
use guichet_core::store::Store;
use guichet_core::tenancy::{self, Tenant};
use guichet_web::client::ClientAddr;
use guichet_web::tx::TenantScope;
use guichet_web::{blocking, AppError};

/// Checks a login and password behind the login throttle; the hash or the
/// directory bind runs outside any database transaction.
pub(crate) async fn sign_in(
    store: &web::Data<Store>,
    directory: &web::Data<Directory>,
    throttle: &web::Data<Throttle>,
    login: &str,
    password: &str,
    client: ClientAddr,
    known: bool,
) -> Result<Option<Principal>, AppError> {
    guichet_web::client::pace(throttle, login, client, known).await?;
    let (store, directory): (Arc<Store>, Arc<Directory>) =
        (store.clone().into_inner(), directory.clone().into_inner());
    let (l, p) = (login.to_owned(), password.to_owned());
    let found = blocking(move || Ok(principal::authenticate(&store, &directory, &l, &p)?)).await?;
    guichet_web::client::signed_in(throttle, login, client, found.is_some()).await?;
    if found.is_none() {
        tracing::warn!("échec de connexion au provisioning");
    }
    Ok(found)
}

/// Proof that the principal may act on this collectivité: the only way to
/// open one of its transactions in this plane (see `api::read_in`,
/// `pages::Ctx::read`). Made by [`tenant_in_reach`] alone.
pub(crate) struct Reach(Tenant);

impl std::ops::Deref for Reach {
    type Target = Tenant;
    fn deref(&self) -> &Tenant {
        &self.0
    }
}

impl TenantScope for Reach {
    fn tenant_id(&self) -> guichet_core::tenancy::TenantId {
        self.0.id
    }
}

/// Proof that the principal is a super-admin (platform-wide actions).
pub(crate) struct PlatformPermit(());

/// The collectivité named in a path, if this principal may reach it; any
/// other case is "not found", so that existence does not leak.
pub(crate) async fn tenant_in_reach(
    store: &web::Data<Store>,
    principal: &Principal,
    slug: &str,
) -> Result<Reach, AppError> {
    let store = store.clone().into_inner();
    let slug = slug.to_owned();
    let tenant = blocking(move || Ok(store.platform_read(|c| tenancy::find_by_slug(c, &slug))?))
        .await?
        .ok_or(AppError::NotFound)?;
    if principal.reaches(&tenant) {
        Ok(Reach(tenant))
    } else {
        Err(AppError::NotFound)
    }
}

/// Only super-admins: a referential admin is told "forbidden" for the
/// platform-wide actions (which reveal nothing of another collectivité).
pub(crate) fn super_admin_only(principal: &Principal) -> Result<PlatformPermit, AppError> {
    if principal.is_super_admin() {
        Ok(PlatformPermit(()))
    } else {
        Err(AppError::Forbidden)
    }
}

/// What a referential admin may not do to their own account: delete it, or
/// leave the `referential-admin` group. Either would lock them out at once,
/// maybe leaving nobody to manage the collectivité.
pub(crate) enum OwnAccount<'a> {
    Delete,
    SetGroups(&'a [String]),
}

pub(crate) fn guard_own_account(
    who: &Principal,
    slug: &str,
    uid: &str,
    change: OwnAccount<'_>,
) -> Result<(), AppError> {
    let own =
        matches!(who, Principal::ReferentialAdmin { slug: s, uid: u } if s == slug && u == uid);
    if !own {
        return Ok(());
    }
    match change {
        OwnAccount::Delete => Err(AppError::Conflict(
            "Vous ne pouvez pas supprimer votre propre compte. Demandez-le à un autre administrateur du référentiel.".into(),
        )),
        OwnAccount::SetGroups(groups)
            if !groups.iter().any(|g| g == guichet_core::agents::groups::REFERENTIAL_ADMIN) =>
        {
            Err(AppError::Conflict(
                "Vous ne pouvez pas vous retirer vous-même du groupe des administrateurs du référentiel. Demandez-le à un autre administrateur du référentiel.".into(),
            ))
        }
        OwnAccount::SetGroups(_) => Ok(()),
    }
}
