//! The layout of the directory tree (DNs), with every value escaped.
//!
//! ```text
//! {base}                                   the platform's base DN
//!   dc={slug}                              a collectivité (dcObject, organization; o = name)
//!     ou=agents      uid={uid}             agents (inetOrgPerson)
//!     ou=groups      cn={group}            groups (posixGroup, memberUid = agent uids)
//!     ou=schools     o={name}              écoles (organization, extensibleObject)
//!     ou=recreation-centers  o={name}      centres de loisirs (same)
//! ```

use ldap3::dn_escape;

use super::FacilityKind;

pub const AGENTS: &str = "agents";
pub const GROUPS: &str = "groups";

pub fn branch(base: &str, slug: &str) -> String {
    format!("dc={},{base}", dn_escape(slug))
}

pub fn ou(base: &str, slug: &str, ou: &str) -> String {
    format!("ou={},{}", dn_escape(ou), branch(base, slug))
}

pub fn facilities_ou(kind: FacilityKind) -> &'static str {
    match kind {
        FacilityKind::School => "schools",
        FacilityKind::RecreationCenter => "recreation-centers",
    }
}

pub fn agent(base: &str, slug: &str, uid: &str) -> String {
    format!("uid={},{}", dn_escape(uid), ou(base, slug, AGENTS))
}

pub fn group(base: &str, slug: &str, name: &str) -> String {
    format!("cn={},{}", dn_escape(name), ou(base, slug, GROUPS))
}

pub fn facility(base: &str, slug: &str, kind: FacilityKind, name: &str) -> String {
    format!(
        "o={},{}",
        dn_escape(name),
        ou(base, slug, facilities_ou(kind))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_in_dns() {
        let base = "dc=guichet,dc=test";
        assert_eq!(
            agent(base, "arles", "marie.curie"),
            "uid=marie.curie,ou=agents,dc=arles,dc=guichet,dc=test"
        );
        assert_eq!(
            facility(base, "arles", FacilityKind::School, "École \"A\", nord+sud <1>; x=y\\"),
            "o=École \\22A\\22\\2c nord\\2bsud \\3c1\\3e\\3b x\\3dy\\5c,ou=schools,dc=arles,dc=guichet,dc=test"
        );
        assert_eq!(
            facility(base, "arles", FacilityKind::RecreationCenter, " #x "),
            "o=\\20#x\\20,ou=recreation-centers,dc=arles,dc=guichet,dc=test"
        );
    }
}
