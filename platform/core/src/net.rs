//! Reverse proxies whose `X-Forwarded-For` is believed, and how the client's
//! address is read through them (the HTTP side is `web::client`).

use std::net::IpAddr;

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
