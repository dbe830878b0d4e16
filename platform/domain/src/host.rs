//! Host names under which a collectivité is served, and the [`Site`] its
//! messages link to.

/// The host of a `Host` header, without port, lower case, without trailing dot.
/// `None` when it is not a plausible host name.
pub fn normalize(header: &str) -> Option<String> {
    let header = header.trim();
    let host = if let Some(rest) = header.strip_prefix('[') {
        // IPv6 literal: never a collectivité's host name.
        return rest.split(']').next().map(|h| format!("[{h}]"));
    } else {
        header.rsplit_once(':').map_or(header, |(h, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                header
            }
        })
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    is_valid(&host).then_some(host)
}

/// The origin (`scheme://host[:port]`) of the links that a request made
/// under this `Host` header may hand out, mailed or redirected to: the host
/// the gate resolved to a collectivité, never a forwarded one. A registered
/// name is served over https behind the reverse proxy (no port); a
/// `{slug}.localhost` name over plain http on this machine, port kept.
pub fn origin(header: &str) -> Option<String> {
    let host = normalize(header)?;
    if host.starts_with('[') {
        return None;
    }
    if host.ends_with(".localhost") || host == "localhost" {
        let port = header
            .trim()
            .rsplit_once(':')
            .map(|(_, p)| p)
            .filter(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
        Some(match port {
            Some(port) => format!("http://{host}:{port}"),
            None => format!("http://{host}"),
        })
    } else {
        Some(format!("https://{host}"))
    }
}

/// A DNS name: labels of letters, digits and inner hyphens, 253 characters at most.
pub fn is_valid(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// The slug named by a `{slug}.localhost` host, which browsers send to loopback
/// without any DNS: the way to reach a collectivité on a workstation.
pub fn localhost_slug(host: &str) -> Option<&str> {
    host.strip_suffix(".localhost").filter(|s| !s.contains('.'))
}

/// The collectivité as its messages name it: its name, and its portal's
/// address (the links in its e-mails), one value where two travelled apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub name: String,
    pub url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_come_from_the_host_alone() {
        assert_eq!(
            origin("Demo.localhost:8080").as_deref(),
            Some("http://demo.localhost:8080")
        );
        assert_eq!(
            origin("demo.localhost").as_deref(),
            Some("http://demo.localhost")
        );
        assert_eq!(
            origin("mairie.example.fr.:443").as_deref(),
            Some("https://mairie.example.fr")
        );
        assert_eq!(origin("[::1]:8080"), None);
        assert_eq!(origin("evil.example/x"), None);
    }

    #[test]
    fn normalizes_headers() {
        assert_eq!(
            normalize("Demo.LocalHost:8080").as_deref(),
            Some("demo.localhost")
        );
        assert_eq!(
            normalize("mairie.example.fr.").as_deref(),
            Some("mairie.example.fr")
        );
        assert_eq!(
            normalize("mairie.example.fr").as_deref(),
            Some("mairie.example.fr")
        );
        assert_eq!(normalize("bad host"), None);
        assert_eq!(normalize("a..b"), None);
        assert_eq!(normalize(""), None);
    }

    #[test]
    fn finds_the_localhost_slug() {
        assert_eq!(localhost_slug("demo.localhost"), Some("demo"));
        assert_eq!(localhost_slug("a.demo.localhost"), None);
        assert_eq!(localhost_slug("localhost"), None);
        assert_eq!(localhost_slug("demo.example.fr"), None);
    }
}
