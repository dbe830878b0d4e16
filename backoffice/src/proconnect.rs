//! Agents' sign-in with ProConnect, the State's identity provider for
//! public agents: offered when the platform has a ProConnect client
//! (`GUICHET_PROCONNECT_*`) and the collectivité's referential admin opened
//! it. The agent is the one of this collectivité whose e-mail address is the
//! one ProConnect vouches for; nobody else gets in.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use guichet_core::identity::{Flavor, IdentityError, ProviderConfig};
use guichet_core::store::repo::agents as agent_rows;
use guichet_core::store::Store;
use guichet_core::Error;
use guichet_web::identity::{self as oidc, Arrival, Back};
use guichet_web::session::{self, SessionPrincipal};
use guichet_web::tenant::CurrentTenant;
use guichet_web::{tx, AppError, Renderer};

use crate::session::{record, render_login, see_other};

/// The platform's ProConnect client, set by the server.
#[derive(Clone, Default)]
pub struct ProConnect(pub Option<ProviderConfig>);

const PENDING: &str = "proconnect_pending";

/// Whether this collectivité's agents are offered ProConnect.
pub(crate) async fn offered(
    store: &Store,
    tenant: &CurrentTenant,
    pc: &ProConnect,
) -> Result<bool, AppError> {
    if pc.0.is_none() {
        return Ok(false);
    }
    tx::read(store, tenant, |t| {
        agent_rows::proconnect(t).map_err(Error::from)
    })
    .await
}

/// The sign-in page again, with what went wrong and what to do.
fn refused(
    pages: &Renderer,
    tenant: &CurrentTenant,
    session: &Session,
    message: &str,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    render_login(
        pages,
        tenant,
        session,
        "",
        Some(message.to_owned()),
        false,
        true,
        status,
    )
}

fn identity_failed(
    pages: &Renderer,
    tenant: &CurrentTenant,
    session: &Session,
    e: &IdentityError,
) -> Result<HttpResponse, AppError> {
    match e {
        IdentityError::Unavailable(detail) => {
            tracing::warn!(%detail, "ProConnect injoignable");
            refused(pages, tenant, session, "ProConnect ne répond pas pour le moment. Réessayez dans quelques minutes, ou connectez-vous avec votre identifiant et votre mot de passe.", StatusCode::SERVICE_UNAVAILABLE)
        }
        IdentityError::Refused(detail) => {
            tracing::warn!(%detail, "réponse de ProConnect refusée");
            refused(pages, tenant, session, "La réponse de ProConnect n’a pas pu être vérifiée : vous n’êtes pas connecté. Recommencez, ou connectez-vous avec votre identifiant et votre mot de passe.", StatusCode::UNAUTHORIZED)
        }
    }
}

pub(crate) async fn start(
    req: HttpRequest,
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    pc: web::Data<ProConnect>,
) -> Result<HttpResponse, AppError> {
    let (true, Some(config)) = (offered(&store, &tenant, &pc).await?, pc.0.as_ref()) else {
        return Err(AppError::NotFound);
    };
    let redirect = format!(
        "{}/backoffice/proconnect/retour",
        crate::case::base_url(&req)
    );
    match oidc::depart(&session, config, Flavor::ProConnect, &redirect, PENDING).await? {
        Ok(url) => Ok(see_other(&url)),
        Err(e) => identity_failed(&pages, &tenant, &session, &e),
    }
}

pub(crate) async fn back(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    pc: web::Data<ProConnect>,
    query: web::Query<Back>,
) -> Result<HttpResponse, AppError> {
    let (true, Some(config)) = (offered(&store, &tenant, &pc).await?, pc.0.as_ref()) else {
        return Err(AppError::NotFound);
    };
    let who = match oidc::arrive(&session, config, Flavor::ProConnect, PENDING, &query).await {
        Arrival::Identified(who) => who,
        Arrival::Failed(e) => return identity_failed(&pages, &tenant, &session, &e),
        Arrival::Cancelled => {
            return refused(&pages, &tenant, &session, "La connexion avec ProConnect n’a pas abouti. Vous pouvez recommencer, ou vous connecter avec votre identifiant et votre mot de passe.", StatusCode::UNAUTHORIZED)
        }
    };
    let email = who.email.clone();
    let found = tx::read(&store, &tenant, move |t| {
        let agents = agent_rows::by_email(t, &email)?;
        let [agent] = agents.as_slice() else {
            return Ok::<_, Error>(Err(agents.len()));
        };
        // An agent outside the back office's groups has no desk here.
        Ok(match guichet_core::agents::desk(t, agent.id) {
            Ok(_) => Ok((agent.id, agent.uid.clone())),
            Err(Error::NotFound) => Err(0),
            Err(e) => return Err(e),
        })
    })
    .await?;
    match found {
        Ok((id, uid)) => {
            let principal = SessionPrincipal::agent(tenant.id, id);
            session::sign_in(&session, &principal)?;
            record(&store, principal, uid, "session.sign-in-proconnect").await;
            Ok(see_other("/backoffice/"))
        }
        Err(0) => {
            tracing::warn!(tenant = %tenant.id, "connexion ProConnect d’une adresse inconnue des agents");
            let message = format!(
                "ProConnect vous a reconnu ({}), mais aucun agent de {} n’a cette adresse électronique. Demandez à l’administrateur de votre collectivité de l’indiquer sur votre compte d’agent, ou connectez-vous avec votre identifiant et votre mot de passe.",
                who.email, tenant.name
            );
            refused(&pages, &tenant, &session, &message, StatusCode::FORBIDDEN)
        }
        Err(_) => {
            let message = format!(
                "Plusieurs comptes d’agents de {} ont l’adresse {} : la connexion par ProConnect ne peut pas choisir. Connectez-vous avec votre identifiant et votre mot de passe, et signalez-le à l’administrateur de votre collectivité.",
                tenant.name, who.email
            );
            refused(&pages, &tenant, &session, &message, StatusCode::CONFLICT)
        }
    }
}
