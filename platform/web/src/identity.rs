//! The browser's side of a sign-in through an identity provider (OpenID
//! Connect): the departure keeps the pending flow in the session, the return
//! spends it (one return per departure) and checks what comes back. The
//! planes decide who the identity is and what to say on a failure.

use actix_session::Session;
use guichet_core::identity::{self, Flavor, Identity, IdentityError, Pending, ProviderConfig};
use serde::Deserialize;

use crate::AppError;

/// The provider's return, as its query string says.
#[derive(Debug, Deserialize)]
pub struct Back {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub state: String,
    /// The person cancelled, or the provider refused.
    #[serde(default)]
    pub error: String,
}

/// What came back.
pub enum Arrival {
    /// The person left the provider without signing in.
    Cancelled,
    Failed(IdentityError),
    Identified(Identity),
}

/// Where to send the browser to sign in; the pending flow is kept under
/// `key` in the session.
pub async fn depart(
    session: &Session,
    config: &ProviderConfig,
    flavor: Flavor,
    redirect_uri: &str,
    key: &str,
) -> Result<Result<String, IdentityError>, AppError> {
    match identity::start(config, flavor, redirect_uri).await {
        Ok((url, pending)) => {
            session
                .insert(key, &pending)
                .map_err(|e| AppError::Internal(format!("session : {e}")))?;
            Ok(Ok(url))
        }
        Err(e) => Ok(Err(e)),
    }
}

/// The return: the pending flow under `key` spent whatever happens, the
/// answer checked against it.
pub async fn arrive(
    session: &Session,
    config: &ProviderConfig,
    flavor: Flavor,
    key: &str,
    back: &Back,
) -> Arrival {
    let pending: Option<Pending> = session.remove_as(key).and_then(Result::ok);
    if !back.error.is_empty() {
        return Arrival::Cancelled;
    }
    let Some(pending) = pending else {
        return Arrival::Failed(IdentityError::Refused("aucune connexion en cours".into()));
    };
    match identity::finish(config, flavor, &pending, &back.code, &back.state).await {
        Ok(who) => Arrival::Identified(who),
        Err(e) => Arrival::Failed(e),
    }
}
