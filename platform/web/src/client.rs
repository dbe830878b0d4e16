//! The client's address: the socket peer, unless that peer is a reverse proxy
//! named in `GUICHET_TRUSTED_PROXIES`, in which case the nearest address of its
//! `X-Forwarded-For` that is not itself a trusted proxy. Anything else a client
//! writes in its headers is ignored, so that nobody picks their own address to
//! sidestep the login throttle.

use guichet_core::auth::throttle::Throttle;
use std::future::{ready, Ready};
use std::net::IpAddr;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
pub use guichet_core::net::TrustedProxies;

/// Extractor: the client's address as described above; `None` only when the
/// server does not know its peer (in-process tests).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    pub fn of(req: &HttpRequest) -> ClientAddr {
        let trusted = req.app_data::<web::Data<TrustedProxies>>();
        let peer = req.peer_addr().map(|a| a.ip());
        let Some(trusted) = trusted else {
            return ClientAddr(peer);
        };
        if trusted.is_empty()
            && peer.is_some_and(|p| p.is_loopback())
            && req.headers().contains_key("x-forwarded-for")
        {
            warn_unknown_proxy();
        }
        let values: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .collect();
        ClientAddr(trusted.client(peer, &values))
    }
}

/// A reverse proxy on this machine forwards clients, but is not named in
/// `GUICHET_TRUSTED_PROXIES`: every client then has the proxy's address, and
/// twenty wrong passwords anywhere block every sign-in. Said once.
fn warn_unknown_proxy() {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
        tracing::warn!(
            "des requêtes arrivent d’un mandataire inverse sur cette machine (X-Forwarded-For) que GUICHET_TRUSTED_PROXIES ne nomme pas : tous les clients ont son adresse, et la limite des connexions manquées les bloque ensemble ; définissez GUICHET_TRUSTED_PROXIES=127.0.0.1"
        );
    }
}

impl FromRequest for ClientAddr {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(ClientAddr::of(req)))
    }
}

/// Whether `rule`'s action may happen once more for `subject` (a client
/// address, an e-mail address) in `tenant` this hour; counted either way.
pub async fn within(
    store: &guichet_core::store::Store,
    rule: guichet_core::auth::rate::Rule,
    tenant: guichet_core::tenancy::TenantId,
    subject: String,
) -> Result<bool, super::AppError> {
    let store = store.clone();
    super::blocking(move || {
        Ok(guichet_core::auth::rate::allow(
            &store, rule, tenant, &subject,
        )?)
    })
    .await
}

impl ClientAddr {
    /// The address as counted by [`within`] (`?` when unknown).
    pub fn subject(self) -> String {
        self.0.map_or_else(|| "?".into(), |ip| ip.to_string())
    }
}

/// Paces a sign-in attempt as the login throttle says: waits for its slot,
/// or answers `TooManyRequests` when it must not be checked now. `known`:
/// the browser signed in to this login before ([`super::device`]).
pub async fn pace(
    throttle: &actix_web::web::Data<Throttle>,
    login: &str,
    client: ClientAddr,
    known: bool,
) -> Result<(), super::AppError> {
    let (t, l) = (throttle.clone(), login.to_owned());
    let wait = super::blocking(move || Ok(t.check(&l, client.0, known)?))
        .await?
        .map_err(|_| super::AppError::TooManyRequests)?;
    if !wait.is_zero() {
        actix_web::rt::time::sleep(wait).await;
    }
    Ok(())
}

/// Counts how a sign-in ended: a failure for the throttle, or a success
/// that clears the login's failures.
pub async fn signed_in(
    throttle: &actix_web::web::Data<Throttle>,
    login: &str,
    client: ClientAddr,
    succeeded: bool,
) -> Result<(), super::AppError> {
    let (t, l) = (throttle.clone(), login.to_owned());
    super::blocking(move || {
        if succeeded {
            t.succeeded(&l, client.0)?;
        } else {
            t.failed(&l, client.0)?;
        }
        Ok(())
    })
    .await
}
