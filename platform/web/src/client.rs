//! The client's address: the socket peer, unless that peer is a reverse proxy
//! named in `GUICHET_TRUSTED_PROXIES`, in which case the nearest address of its
//! `X-Forwarded-For` that is not itself a trusted proxy. Anything else a client
//! writes in its headers is ignored, so that nobody picks their own address to
//! sidestep the login throttle.

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
        let values: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .collect();
        ClientAddr(trusted.client(peer, &values))
    }
}

impl FromRequest for ClientAddr {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(ClientAddr::of(req)))
    }
}
