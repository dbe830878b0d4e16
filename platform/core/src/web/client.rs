//! The client's address: the socket peer, unless that peer is a reverse proxy
//! named in `GUICHET_TRUSTED_PROXIES`, in which case the nearest address of its
//! `X-Forwarded-For` that is not itself a trusted proxy. Anything else a client
//! writes in its headers is ignored, so that nobody picks their own address to
//! sidestep the login throttle.

use std::future::{ready, Ready};
use std::net::IpAddr;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use ipnet::IpNet;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Comma-separated addresses (`10.0.0.1`) or networks (`10.0.0.0/8`).
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        text.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| s.to_owned())
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a connection from `peer` that carried these
    /// `X-Forwarded-For` values (in order of appearance).
    pub fn client(&self, peer: Option<IpAddr>, forwarded_for: &[&str]) -> Option<IpAddr> {
        let peer = peer?;
        if !self.contains(peer) {
            return Some(peer);
        }
        // Each proxy appends the address it received from: read from the
        // right, past our own proxies, to the first address nobody of ours wrote.
        let mut client = peer;
        for entry in forwarded_for.iter().rev().flat_map(|v| v.rsplit(',')) {
            match entry.trim().parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !self.contains(ip) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        Some(client)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn forwarded_for_is_believed_from_trusted_proxies_only() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("203.0.113.1"), &["1.2.3.4"]),
            ip("203.0.113.1")
        );
        let proxies = TrustedProxies::parse("10.0.0.1, 192.168.0.0/24").unwrap();
        // Straight from a client: its own header is ignored.
        assert_eq!(
            proxies.client(ip("203.0.113.1"), &["1.2.3.4"]),
            ip("203.0.113.1")
        );
        // Through our proxy: the address it appended, not what the client wrote before it.
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &["6.6.6.6, 198.51.100.7"]),
            ip("198.51.100.7")
        );
        // Through two of our proxies, headers split over several lines.
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &["6.6.6.6", "198.51.100.7, 192.168.0.5"]),
            ip("198.51.100.7")
        );
        // A proxy that forwarded nothing: the proxy itself.
        assert_eq!(proxies.client(ip("10.0.0.1"), &[]), ip("10.0.0.1"));
        assert!(TrustedProxies::parse("10.0.0.1, nulle part").is_err());
    }
}
