//! The private slapd the LDAP tests rely on: it stores and returns what it is
//! given (accents included), checks passwords, keeps its data across a
//! restart, and one test's directory is not another's.

use guichet_tests::ldap::{slappasswd_ssha, LdapServer};

const PERSON_DN: &str = "cn=Éloïse Dupré,ou=people,dc=guichet,dc=test";

fn add_people_and_eloise(ldap: &LdapServer) {
    let hash = slappasswd_ssha("motdepasse1234");
    assert!(hash.starts_with("{SSHA}"), "{hash}");
    ldap.ldapadd(&format!(
        "dn: ou=people,{base}\n\
         objectClass: organizationalUnit\n\
         ou: people\n\
         \n\
         dn: {PERSON_DN}\n\
         objectClass: inetOrgPerson\n\
         cn: Éloïse Dupré\n\
         sn: Dupré\n\
         givenName: Éloïse\n\
         uid: edupre\n\
         mail: eloise.dupre@mairie.example\n\
         userPassword: {hash}\n",
        base = ldap.base_dn
    ));
}

#[test]
fn stores_accents_checks_passwords_and_survives_a_restart() {
    let ldap = LdapServer::start();
    assert_eq!(ldap.url, format!("ldap://127.0.0.1:{}", ldap.port));

    let base = ldap.search(&ldap.base_dn, "(objectClass=dcObject)");
    assert_eq!(base.len(), 1);
    assert_eq!(base[0]["dn"], [ldap.base_dn.as_str()]);
    assert_eq!(base[0]["o"], ["Guichet"]);

    add_people_and_eloise(&ldap);
    let found = ldap.search(&ldap.base_dn, "(uid=edupre)");
    assert_eq!(found.len(), 1, "{found:?}");
    let eloise = &found[0];
    assert_eq!(eloise["dn"], [PERSON_DN]);
    assert_eq!(eloise["cn"], ["Éloïse Dupré"]);
    assert_eq!(eloise["givenname"], ["Éloïse"]);
    assert_eq!(eloise["mail"], ["eloise.dupre@mairie.example"]);
    assert!(eloise["userpassword"][0].starts_with("{SSHA}"));
    // Indexed substring search on an accented value.
    assert_eq!(ldap.search(&ldap.base_dn, "(cn=*loïse*)").len(), 1);
    // A missing base is no entries, not an error.
    assert!(ldap
        .search("ou=nowhere,dc=guichet,dc=test", "(objectClass=*)")
        .is_empty());

    assert!(ldap.can_bind(PERSON_DN, "motdepasse1234"));
    assert!(!ldap.can_bind(PERSON_DN, "motdepasse1235"));
    assert!(!ldap.can_bind(PERSON_DN, ""));
    assert!(ldap.can_bind(&ldap.bind_dn, &ldap.bind_password));

    ldap.ldapmodify(&format!(
        "dn: {PERSON_DN}\nchangetype: modify\nreplace: mail\nmail: e.dupre@mairie.example\n"
    ));
    assert_eq!(
        ldap.search(&ldap.base_dn, "(uid=edupre)")[0]["mail"],
        ["e.dupre@mairie.example"]
    );

    ldap.stop();
    assert!(!ldap.can_bind(PERSON_DN, "motdepasse1234"));
    ldap.restart();
    let found = ldap.search(&ldap.base_dn, "(uid=edupre)");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["mail"], ["e.dupre@mairie.example"]);
    assert!(ldap.can_bind(PERSON_DN, "motdepasse1234"));

    ldap.ldapdelete(PERSON_DN);
    assert!(ldap.search(&ldap.base_dn, "(uid=edupre)").is_empty());
}

#[test]
#[should_panic(expected = "ldapsearch")]
fn search_on_a_stopped_directory_panics() {
    let ldap = LdapServer::start();
    ldap.stop();
    ldap.search(&ldap.base_dn, "(objectClass=*)");
}

#[test]
fn two_directories_at_once_are_independent() {
    let a = LdapServer::start();
    let b = LdapServer::start();
    assert_ne!(a.port, b.port);

    add_people_and_eloise(&a);
    assert_eq!(a.search(&a.base_dn, "(uid=edupre)").len(), 1);
    assert!(b.search(&b.base_dn, "(uid=edupre)").is_empty());
    assert!(!b.can_bind(PERSON_DN, "motdepasse1234"));

    // Stopping one leaves the other up.
    a.stop();
    assert_eq!(b.search(&b.base_dn, "(objectClass=dcObject)").len(), 1);
}

#[test]
fn dropping_stops_slapd() {
    let ldap = LdapServer::start();
    let port = ldap.port;
    drop(ldap);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}
