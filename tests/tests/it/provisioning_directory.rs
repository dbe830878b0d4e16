//! The directory and the database never disagree: the LDAP server going away
//! and coming back, the database failing after LDAP accepted a change, and
//! `guichet ldap sync` bringing back changes made outside Guichet. On both
//! backends, against a real slapd.

use std::process::{Command, Output};

use actix_web::http::{Method, StatusCode};
use actix_web::test;
use diesel::connection::SimpleConnection;
use guichet_server::app::provisioning_app;
use guichet_tests::api::{call, new_authority, Auth, Dir, Platform, AGENT_PASSWORD};
use guichet_tests::ldap::slappasswd_ssha;
use guichet_tests::{guichet_bin, Backend};
use serde_json::json;

const AGENTS: &str = "/api/v1/local-authorities/arles/agents";

per_backend! {
    async fn directory_down_changes_nothing_and_recovers(backend: Backend) {
        let p = Platform::new(backend, Dir::Ldap);
        let app = test::init_service(provisioning_app(&p.shared)).await;
        let root = Auth::root();
        let (_, created) = call(
            &app,
            Method::POST,
            "/api/v1/local-authorities",
            &root,
            Some(&new_authority("arles", "Ville d’Arles")),
        )
        .await;
        let admin = Auth::referential(
            created["admin"]["uid"].as_str().unwrap(),
            "arles",
            AGENT_PASSWORD,
        );
        let marie = json!({"uid": "marie", "first_name": "Marie", "last_name": "Curie", "email": "marie@arles.example.fr", "password": AGENT_PASSWORD});
        let (status, _) = call(&app, Method::POST, AGENTS, &root, Some(&marie)).await;
        assert_eq!(status, StatusCode::CREATED);
        let before = (p.agents_in_db("arles"), p.agents_in_ldap("arles"));

        p.ldap().stop();
        let attempts = [
            (
                Method::POST,
                AGENTS.to_owned(),
                Some(
                    json!({"first_name": "Paul", "last_name": "Valéry", "email": "paul@arles.example.fr"}),
                ),
            ),
            (
                Method::PUT,
                format!("{AGENTS}/marie"),
                Some(
                    json!({"first_name": "Marie", "last_name": "Sklodowska", "email": "marie@arles.example.fr"}),
                ),
            ),
            (Method::DELETE, format!("{AGENTS}/marie"), None),
            (
                Method::POST,
                "/api/v1/local-authorities/arles/schools".to_owned(),
                Some(json!({"name": "École"})),
            ),
        ];
        for (method, path, body) in &attempts {
            let (status, problem) = call(&app, method.clone(), path, &root, body.as_ref()).await;
            assert_eq!(
                status,
                StatusCode::SERVICE_UNAVAILABLE,
                "{backend:?} {method} {path}: {problem}"
            );
            assert_eq!(problem["type"], "urn:guichet:problem:directory-unavailable");
            assert!(problem["detail"]
                .as_str()
                .unwrap()
                .contains("rien n’a été modifié"));
        }
        // A referential admin signs in by binding to the directory: not now.
        let (status, _) = call(&app, Method::GET, AGENTS, &admin, None).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        // What needs no directory still answers.
        let (status, list) = call(&app, Method::GET, AGENTS, &root, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len() as i64, before.0);
        assert_eq!(
            p.agents_in_db("arles"),
            before.0,
            "{backend:?}: no change in the database"
        );

        p.ldap().restart();
        assert_eq!(
            p.agents_in_ldap("arles"),
            before.1,
            "{backend:?}: no change in the directory"
        );
        let (status, body) = call(&app, Method::POST, AGENTS, &root, attempts[0].2.as_ref()).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{backend:?}: works again: {body}"
        );
        let (status, _) = call(&app, Method::GET, AGENTS, &admin, None).await;
        assert_eq!(status, StatusCode::OK);
    }
}

/// Makes the database refuse some writes, after the directory accepted them.
fn install_faults(p: &Platform) {
    // Triggers are DDL: the owner's, not the runtime role's.
    let owner = p.db.owner_store();
    let mut conn = owner.raw_connection().unwrap();
    let sql = match p.db.backend {
        Backend::Sqlite => {
            "CREATE TRIGGER fail_insert BEFORE INSERT ON agents WHEN NEW.last_name = 'Panne'
               BEGIN SELECT RAISE(ABORT, 'panne simulée'); END;
             CREATE TRIGGER fail_delete BEFORE DELETE ON agents WHEN OLD.uid = 'protege'
               BEGIN SELECT RAISE(ABORT, 'panne simulée'); END;
             CREATE TRIGGER fail_update BEFORE UPDATE ON facilities WHEN NEW.name = 'Panne'
               BEGIN SELECT RAISE(ABORT, 'panne simulée'); END;"
        }
        Backend::Postgres => {
            "CREATE FUNCTION fail_some() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF (TG_TABLE_NAME = 'agents' AND TG_OP = 'INSERT' AND NEW.last_name = 'Panne')
                  OR (TG_TABLE_NAME = 'agents' AND TG_OP = 'DELETE' AND OLD.uid = 'protege')
                  OR (TG_TABLE_NAME = 'facilities' AND TG_OP = 'UPDATE' AND NEW.name = 'Panne') THEN
                 RAISE EXCEPTION 'panne simulée';
               END IF;
               IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
               RETURN NEW;
             END $$;
             CREATE TRIGGER fail_agents BEFORE INSERT OR DELETE ON agents FOR EACH ROW EXECUTE FUNCTION fail_some();
             CREATE TRIGGER fail_facilities BEFORE UPDATE ON facilities FOR EACH ROW EXECUTE FUNCTION fail_some();"
        }
    };
    conn.batch_execute(sql).unwrap();
}

per_backend! {
    async fn a_database_failure_after_ldap_accepted_undoes_the_ldap_change(backend: Backend) {
        let p = Platform::new(backend, Dir::Ldap);
        let app = test::init_service(provisioning_app(&p.shared)).await;
        let root = Auth::root();
        call(
            &app,
            Method::POST,
            "/api/v1/local-authorities",
            &root,
            Some(&new_authority("arles", "Ville d’Arles")),
        )
        .await;
        let (status, _) = call(&app, Method::POST, AGENTS, &root, Some(&json!({
            "uid": "protege", "first_name": "Paul", "last_name": "Protégé", "email": "p@arles.example.fr",
            "groups": ["agent"], "password": AGENT_PASSWORD
        }))).await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, school) = call(
            &app,
            Method::POST,
            "/api/v1/local-authorities/arles/schools",
            &root,
            Some(&json!({"name": "École du Centre"})),
        )
        .await;
        install_faults(&p);
        let l = p.ldap();
        let before = p.agents_in_ldap("arles");

        let (status, problem) = call(&app, Method::POST, AGENTS, &root, Some(&json!({
            "first_name": "Jean", "last_name": "Panne", "email": "j@arles.example.fr", "groups": ["agent"], "password": AGENT_PASSWORD
        }))).await;
        assert_eq!(
            status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{backend:?}: {problem}"
        );
        assert_eq!(
            p.agents_in_ldap("arles"),
            before,
            "{backend:?}: the LDAP entry was removed again"
        );
        let group = l.search(
            &format!("cn=agent,ou=groups,dc=arles,{}", l.base_dn),
            "(objectClass=posixGroup)",
        );
        assert_eq!(
            group[0]["memberuid"],
            ["protege"],
            "group membership undone too"
        );

        let (status, _) = call(
            &app,
            Method::DELETE,
            &format!("{AGENTS}/protege"),
            &root,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let dn = format!("uid=protege,ou=agents,dc=arles,{}", l.base_dn);
        assert!(
            l.can_bind(&dn, AGENT_PASSWORD),
            "{backend:?}: re-added with its password"
        );
        let group = l.search(
            &format!("cn=agent,ou=groups,dc=arles,{}", l.base_dn),
            "(objectClass=posixGroup)",
        );
        assert_eq!(group[0]["memberuid"], ["protege"]);
        assert_eq!(p.agents_in_db("arles"), 2);

        let (status, _) = call(
            &app,
            Method::PUT,
            &format!("/api/v1/local-authorities/arles/schools/{}", school["id"]),
            &root,
            Some(&json!({"name": "Panne"})),
        )
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let schools = l.search(
            &format!("ou=schools,dc=arles,{}", l.base_dn),
            "(objectClass=organization)",
        );
        assert_eq!(schools.len(), 1);
        assert_eq!(
            schools[0]["o"],
            ["École du Centre"],
            "{backend:?}: the rename was undone"
        );
    }
}

fn run(p: &Platform, args: &[&str]) -> Output {
    let l = p.ldap();
    let data = std::env::temp_dir().join(format!("guichet-sync-{}", std::process::id()));
    Command::new(guichet_bin())
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GUICHET_DATABASE_URL", p.db.url_string())
        .env("GUICHET_DATA_DIR", data)
        .env("GUICHET_LDAP_URL", &l.url)
        .env("GUICHET_LDAP_BIND_DN", &l.bind_dn)
        .env("GUICHET_LDAP_BIND_PASSWORD", &l.bind_password)
        .env("GUICHET_LDAP_BASE_DN", &l.base_dn)
        .output()
        .expect("guichet runs")
}

per_backend! {
    async fn ldap_sync_brings_the_database_in_line_with_the_directory(backend: Backend) {
        let p = Platform::new(backend, Dir::Ldap);
        let app = test::init_service(provisioning_app(&p.shared)).await;
        let root = Auth::root();
        call(
            &app,
            Method::POST,
            "/api/v1/local-authorities",
            &root,
            Some(&new_authority("arles", "Ville d’Arles")),
        )
        .await;
        for uid in ["jdupont", "partira"] {
            let (status, _) = call(&app, Method::POST, AGENTS, &root, Some(&json!({
                "uid": uid, "first_name": "Jean", "last_name": "Dupont", "email": "j@arles.example.fr"
            }))).await;
            assert_eq!(status, StatusCode::CREATED);
        }
        let l = p.ldap();
        let branch = format!("dc=arles,{}", l.base_dn);
        // Changes made outside Guichet, with the OpenLDAP tools.
        l.ldapadd(&format!(
            "dn: uid=horsguichet,ou=agents,{branch}\nobjectClass: inetOrgPerson\nuid: horsguichet\ncn: Zoé Extérieure\ngivenName: Zoé\nsn: Extérieure\nmail: zoe@arles.example.fr\nuserPassword: {}\n\n\
             dn: o=École ajoutée à la main,ou=schools,{branch}\nobjectClass: organization\nobjectClass: extensibleObject\no: École ajoutée à la main\n",
            slappasswd_ssha(AGENT_PASSWORD)
        ));
        l.ldapmodify(&format!(
            "dn: cn=agent,ou=groups,{branch}\nchangetype: modify\nadd: memberUid\nmemberUid: horsguichet\n\n\
             dn: uid=jdupont,ou=agents,{branch}\nchangetype: modify\nreplace: sn\nsn: Durand\n"
        ));
        l.ldapdelete(&format!("uid=partira,ou=agents,{branch}"));

        let out = run(&p, &["ldap", "sync", "--tenant", "arles"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{backend:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in [
            "arles : 4 différence(s) corrigée(s)",
            "agent ajouté : horsguichet",
            "agent modifié : jdupont",
            "agent supprimé : partira",
            "établissement ajouté : école « École ajoutée à la main »",
        ] {
            assert!(stdout.contains(line), "{backend:?}: «{line}» in {stdout}");
        }
        let (_, zoe) = call(
            &app,
            Method::GET,
            &format!("{AGENTS}/horsguichet"),
            &root,
            None,
        )
        .await;
        assert_eq!(zoe["first_name"], "Zoé");
        assert_eq!(zoe["groups"], json!(["agent"]));
        let (_, jd) = call(&app, Method::GET, &format!("{AGENTS}/jdupont"), &root, None).await;
        assert_eq!(jd["last_name"], "Durand");
        let (status, _) = call(&app, Method::GET, &format!("{AGENTS}/partira"), &root, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, schools) = call(
            &app,
            Method::GET,
            "/api/v1/local-authorities/arles/schools",
            &root,
            None,
        )
        .await;
        assert_eq!(schools[0]["name"], "École ajoutée à la main");
        let (_, events) = call(
            &app,
            Method::GET,
            "/api/v1/local-authorities/arles/audit",
            &root,
            None,
        )
        .await;
        assert_eq!(events[0]["action"], "directory.sync");

        let again = run(&p, &["ldap", "sync"]);
        assert!(again.status.success());
        assert_eq!(String::from_utf8_lossy(&again.stdout), "arles : à jour\n");
    }
}

#[core::prelude::v1::test]
fn admin_token_is_printed_once_and_refused_for_unknown_logins() {
    let p = Platform::new(Backend::Postgres, Dir::Ldap);
    let out = run(&p, &["admin", "token", "--login", "root"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(token.starts_with("gch_") && token.len() > 40);
    let principal = guichet_core::agents::principal::authenticate_token(&p.store, &token).unwrap();
    assert!(principal.is_some_and(|p| p.is_super_admin()));
    let out = run(&p, &["admin", "token", "--login", "root", "--revoke"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "1 jeton(s) révoqué(s) pour « root ».\n"
    );
    let principal = guichet_core::agents::principal::authenticate_token(&p.store, &token).unwrap();
    assert!(principal.is_none(), "a revoked token opens nothing");
    let out = run(&p, &["admin", "token", "--login", "personne"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("personne"));

    let out = Command::new(guichet_bin())
        .args(["ldap", "sync"])
        .env_clear()
        .env("GUICHET_DATABASE_URL", p.db.url_string())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("GUICHET_LDAP_URL"));
}

per_backend! {
    async fn uids_taken_outside_guichet_or_by_concurrent_writers_are_skipped(backend: Backend) {
        let p = Platform::new(backend, Dir::Ldap);
        let app = test::init_service(provisioning_app(&p.shared)).await;
        let root = Auth::root();
        call(
            &app,
            Method::POST,
            "/api/v1/local-authorities",
            &root,
            Some(&new_authority("arles", "Ville d’Arles")),
        )
        .await;
        let l = p.ldap();
        l.ldapadd(&format!(
            "dn: uid=marie.curie,ou=agents,dc=arles,{}\nobjectClass: inetOrgPerson\nuid: marie.curie\ncn: Marie Curie\nsn: Curie\n",
            l.base_dn
        ));
        let marie =
            json!({"first_name": "Marie", "last_name": "Curie", "email": "m@arles.example.fr"});
        let (status, made) = call(&app, Method::POST, AGENTS, &root, Some(&marie)).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(
            made["uid"], "marie.curie2",
            "{backend:?}: the directory's entry is skipped"
        );
        let mut forced = marie.clone();
        forced["uid"] = json!("marie.curie");
        let (status, problem) = call(&app, Method::POST, AGENTS, &root, Some(&forced)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
        assert_eq!(p.agents_in_db("arles"), 2);

        // Eight people of the same name at once: eight distinct uids.
        let tenant = p
            .store
            .platform_read(|c| guichet_core::tenancy::find_by_slug(c, "arles"))
            .unwrap()
            .unwrap();
        let made: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        let dir = guichet_core::directory::Directory::from_config(Some(&l.config()));
                        guichet_core::agents::create(
                            &p.store,
                            &dir,
                            &tenant,
                            "test",
                            "http://arles.localhost:8080",
                            serde_json::from_value(json!({
                                "first_name": "Jean", "last_name": "Dupont", "email": "j@arles.example.fr",
                                "password": AGENT_PASSWORD
                            }))
                            .unwrap(),
                        )
                        .map(|c| c.agent.uid)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap().unwrap())
                .collect()
        });
        let mut uids = made.clone();
        uids.sort();
        uids.dedup();
        assert_eq!(uids.len(), 8, "{backend:?}: {made:?}");
        assert!(uids.contains(&"jean.dupont".to_owned()));
        assert_eq!(p.agents_in_db("arles"), 10);
        assert_eq!(
            p.agents_in_ldap("arles").len(),
            11,
            "with the admin and the entry added by hand"
        );
    }
}

fn authority_input(
    slug: &str,
    password: Option<&str>,
) -> guichet_core::collectivite::authorities::AuthorityInput {
    let mut value = new_authority(slug, "Ville d’Arles");
    match password {
        Some(p) => value["admin"]["password"] = json!(p),
        None => {
            value["admin"].as_object_mut().unwrap().remove("password");
        }
    }
    serde_json::from_value(value).unwrap()
}

per_backend! {
    fn a_mailed_link_sets_the_password_in_the_directory(backend: Backend) {
        use guichet_core::agents;
        use guichet_core::collectivite::authorities;
        use guichet_core::Error;
        let p = Platform::new(backend, Dir::Ldap);
        let l = p.ldap();
        let dir = guichet_core::directory::Directory::from_config(Some(&l.config()));
        let (tenant, admin) =
            authorities::create(&p.store, &dir, "test", 8080, authority_input("arles", None))
                .unwrap();
        assert!(admin.password_link_sent);
        let mail = p
            .store
            .read(tenant.id, |tx| guichet_core::mail::outbox::unsent(tx, 10))
            .unwrap()
            .pop()
            .expect("the link is in the outbox");
        assert_eq!(mail.recipient, "admin@arles.example.fr");
        let token = mail
            .body_text
            .split("http://arles.localhost:8080/backoffice/mot-de-passe/")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("a link to the back office")
            .to_owned();
        let dn = format!("uid={},ou=agents,dc=arles,{}", admin.agent.uid, l.base_dn);
        assert!(!l.can_bind(&dn, "choisi-par-l-agent"));
        // Changed in the directory meanwhile, outside Guichet: a group and a phone.
        l.ldapmodify(&format!(
            "dn: cn=agent,ou=groups,dc=arles,{base}\nchangetype: modify\nadd: memberUid\nmemberUid: {uid}\n\n\
             dn: {dn}\nchangetype: modify\nreplace: telephoneNumber\ntelephoneNumber: 04 90 00 00 00\n",
            base = l.base_dn,
            uid = admin.agent.uid,
        ));
        agents::set_password_with_link(&p.store, &dir, &tenant, &token, "choisi-par-l-agent")
            .unwrap();
        assert!(l.can_bind(&dn, "choisi-par-l-agent"), "{backend:?}");
        // Only the password changed, hashed by the server (Password Modify).
        let entry = l.search(&dn, "(objectClass=*)");
        assert_eq!(entry[0]["telephonenumber"], ["04 90 00 00 00"]);
        assert!(entry[0]["userpassword"][0].starts_with("{CRYPT}$6$"));
        let group = l.search(
            &format!("cn=agent,ou=groups,dc=arles,{}", l.base_dn),
            "(objectClass=*)",
        );
        assert!(
            group[0]["memberuid"].contains(&admin.agent.uid),
            "{backend:?}: {group:?}"
        );
        let again =
            agents::set_password_with_link(&p.store, &dir, &tenant, &token, "encore-un-autre-mot");
        assert!(
            matches!(again, Err(Error::NotFound)),
            "a link works once"
        );
        assert!(agents::check_password(
            &p.store,
            &dir,
            &tenant,
            &admin.agent.uid,
            "choisi-par-l-agent"
        )
        .unwrap());
    }
}

per_backend! {
    fn a_branch_left_in_the_directory_refuses_the_collectivite_and_writes_nothing(backend: Backend) {
        use guichet_core::collectivite::authorities;
        use guichet_core::Error;
        let p = Platform::new(backend, Dir::Ldap);
        let l = p.ldap();
        l.ldapadd(&format!(
            "dn: dc=arles,{}\nobjectClass: dcObject\nobjectClass: organization\ndc: arles\no: Ancienne\n",
            l.base_dn
        ));
        let dir = guichet_core::directory::Directory::from_config(Some(&l.config()));
        let refused = authorities::create(
            &p.store,
            &dir,
            "test",
            8080,
            authority_input("arles", Some(AGENT_PASSWORD)),
        );
        assert!(
            matches!(refused, Err(Error::Conflict(_))),
            "{backend:?}: {refused:?}"
        );
        let found = p
            .store
            .platform_read(|c| guichet_core::tenancy::find_by_slug(c, "arles"))
            .unwrap();
        assert!(
            found.is_none(),
            "{backend:?}: no collectivité in the database"
        );
        let org = l.search(&format!("dc=arles,{}", l.base_dn), "(objectClass=*)");
        assert_eq!(org.len(), 1, "the existing entry is left as it was");
        assert_eq!(org[0]["o"], ["Ancienne"]);
    }
}

/// With `GUICHET_LDAP_PASSWORD_SCHEME=ssha` (servers without Password Modify),
/// Guichet writes a `{SSHA}` hash itself; the password binds all the same.
#[core::prelude::v1::test]
fn the_ssha_fallback_writes_the_hash_itself() {
    use guichet_core::collectivite::authorities;
    use guichet_core::directory::PasswordScheme;
    let p = Platform::new(Backend::Sqlite, Dir::Ldap);
    let l = p.ldap();
    let mut config = l.config();
    config.password_scheme = PasswordScheme::Ssha;
    let dir = guichet_core::directory::Directory::from_config(Some(&config));
    let (_, admin) = authorities::create(
        &p.store,
        &dir,
        "test",
        8080,
        authority_input("arles", Some(AGENT_PASSWORD)),
    )
    .unwrap();
    let dn = format!("uid={},ou=agents,dc=arles,{}", admin.agent.uid, l.base_dn);
    let entry = l.search(&dn, "(objectClass=*)");
    assert!(
        entry[0]["userpassword"][0].starts_with("{SSHA}"),
        "{entry:?}"
    );
    assert!(l.can_bind(&dn, AGENT_PASSWORD));
}

/// Eight changes of one agent at once: they take turns, and the directory
/// ends as the database says (PostgreSQL, where writers do not queue on one
/// database lock as on SQLite).
#[core::prelude::v1::test]
fn concurrent_changes_of_one_agent_leave_the_directory_right() {
    use guichet_core::agents::{self, AgentInput};
    use guichet_core::collectivite::authorities;
    let p = Platform::new(Backend::Postgres, Dir::Ldap);
    let l = p.ldap();
    let dir = std::sync::Arc::new(guichet_core::directory::Directory::from_config(Some(
        &l.config(),
    )));
    let (tenant, admin) = authorities::create(
        &p.store,
        &dir,
        "test",
        8080,
        authority_input("arles", Some(AGENT_PASSWORD)),
    )
    .unwrap();
    let uid = admin.agent.uid.clone();
    std::thread::scope(|scope| {
        for i in 0..8 {
            let (store, dir, tenant, uid) =
                (p.store.clone(), dir.clone(), tenant.clone(), uid.clone());
            scope.spawn(move || {
                for round in 0..4 {
                    let input = AgentInput {
                        first_name: "Ada".into(),
                        last_name: "Admin".into(),
                        email: "admin@arles.example.fr".into(),
                        phone: format!("04 90 0{i} 0{round} 00"),
                        groups: if round % 2 == 0 {
                            vec!["referential-admin".into(), "agent".into()]
                        } else {
                            vec!["referential-admin".into()]
                        },
                        ..AgentInput::default()
                    };
                    agents::update(&store, &dir, &tenant, "test", &uid, input).unwrap();
                }
            });
        }
    });
    let mirror = p
        .store
        .read(tenant.id, |tx| agents::get(tx, &uid))
        .unwrap()
        .unwrap();
    let dn = format!("uid={uid},ou=agents,dc=arles,{}", l.base_dn);
    let entry = l.search(&dn, "(objectClass=*)");
    assert_eq!(
        entry[0]["telephonenumber"],
        std::slice::from_ref(&mirror.phone)
    );
    let in_agent_group = !l
        .search(
            &format!("cn=agent,ou=groups,dc=arles,{}", l.base_dn),
            &format!("(memberUid={uid})"),
        )
        .is_empty();
    assert_eq!(in_agent_group, mirror.groups.iter().any(|g| g == "agent"));
}

per_backend! {
    /// A token belongs to its holder's row: it expires, records its last use, is
    /// issued and revoked in the platform's trail, and goes with the agent.
    fn tokens_expire_and_go_with_their_holder(backend: Backend) {
        use guichet_core::agents;
        use guichet_core::agents::principal::{authenticate_token, issue_token, revoke_tokens};
        use guichet_core::collectivite::authorities;
        let p = Platform::new(backend, Dir::Builtin);
        let dir = guichet_core::directory::Directory::Builtin;
        let (tenant, admin) = authorities::create(
            &p.store,
            &dir,
            "test",
            8080,
            authority_input("arles", Some(AGENT_PASSWORD)),
        )
        .unwrap();
        let login = format!("{}@arles", admin.agent.uid);
        let token = guichet_core::agents::principal::issue_scoped_token(
            &p.store,
            &login,
            Some(guichet_core::agents::principal::Scope::Provisioning),
            30,
            "cli:test",
        )
        .unwrap();
        let root_token = issue_token(&p.store, "root", 30, "cli:test").unwrap();
        assert!(authenticate_token(&p.store, &token).unwrap().is_some());
        assert!(issue_token(&p.store, "root", 0, "cli:test").is_err());
        assert!(issue_token(&p.store, "root", 400, "cli:test").is_err());
        {
            use diesel::prelude::*;
            use guichet_core::store::schema::api_tokens;
            let mut raw = p.store.raw_connection().unwrap();
            let used: Vec<Option<chrono::NaiveDateTime>> = api_tokens::table
                .filter(api_tokens::agent_id.is_not_null())
                .select(api_tokens::last_used_at)
                .load(&mut *raw)
                .unwrap();
            assert!(used[0].is_some(), "{backend:?}: last use recorded");
            // Expired: opens nothing.
            diesel::update(api_tokens::table.filter(api_tokens::super_admin_id.is_not_null()))
                .set(api_tokens::expires_at.eq(chrono::Utc::now().naive_utc()))
                .execute(&mut *raw)
                .unwrap();
        }
        assert!(authenticate_token(&p.store, &root_token).unwrap().is_none());
        let mut raw = p.store.raw_connection().unwrap();
        let trail = guichet_core::audit::recent_platform(&mut raw, 10).unwrap();
        assert!(trail
            .iter()
            .any(|e| e.1 == "cli:test" && e.2 == "api-token.issue" && e.3 == login));
        // The collectivité's creation, a super-admin's act, is in the platform's trail too.
        assert!(trail
            .iter()
            .any(|e| e.1 == "test" && e.2 == "local-authority.create" && e.3 == "arles"));
        drop(raw);

        // A second referential admin removes the first: the token goes with the row,
        // and a new agent given the same uid later inherits nothing.
        let mut other = authority_input("arles", Some(AGENT_PASSWORD))
            .admin
            .unwrap();
        other.uid = Some("deuxieme.admin".into());
        agents::create(&p.store, &dir, &tenant, "test", "http://x", other).unwrap();
        agents::delete(&p.store, &dir, &tenant, "deuxieme.admin", &admin.agent.uid).unwrap();
        assert!(authenticate_token(&p.store, &token).unwrap().is_none());
        let mut again = authority_input("arles", Some(AGENT_PASSWORD))
            .admin
            .unwrap();
        again.uid = Some(admin.agent.uid.clone());
        agents::create(&p.store, &dir, &tenant, "test", "http://x", again).unwrap();
        assert!(
            authenticate_token(&p.store, &token).unwrap().is_none(),
            "{backend:?}: the old token does not open the new agent's account"
        );
        assert_eq!(revoke_tokens(&p.store, "root", "cli:test").unwrap(), 1);
    }
}

/// On SQLite, a directory that hangs holds no other writer: while an agent's
/// change waits on a frozen slapd, another collectivité's write goes through;
/// thawed, the change completes.
#[core::prelude::v1::test]
fn a_hanging_directory_holds_no_other_writer() {
    use guichet_core::agents::{self, AgentInput};
    use guichet_core::collectivite::authorities;
    let p = Platform::new(Backend::Sqlite, Dir::Ldap);
    let l = p.ldap();
    let dir = std::sync::Arc::new(guichet_core::directory::Directory::from_config(Some(
        &l.config(),
    )));
    let (arles, admin) = authorities::create(
        &p.store,
        &dir,
        "test",
        8080,
        authority_input("arles", Some(AGENT_PASSWORD)),
    )
    .unwrap();
    let other = guichet_tests::create_tenant(&p.store, "autre", "Autre", &[]);
    l.freeze();
    let change = {
        let (store, dir, uid) = (p.store.clone(), dir.clone(), admin.agent.uid.clone());
        std::thread::spawn(move || {
            let input = AgentInput {
                first_name: "Ada".into(),
                last_name: "Admin".into(),
                email: "admin@arles.example.fr".into(),
                phone: "04 90 00 00 01".into(),
                groups: vec!["referential-admin".into()],
                ..AgentInput::default()
            };
            agents::update(&store, &dir, &arles, "test", &uid, input)
        })
    };
    // Sequencing only: let the change reach the directory.
    std::thread::sleep(std::time::Duration::from_millis(500));
    p.store
        .write(other.id, |tx| {
            guichet_core::mail::outbox::enqueue(tx, "x@autre.example", "Objet", "Corps")
        })
        .expect("another collectivité writes meanwhile");
    assert!(
        !change.is_finished(),
        "the write went through while the change still waited on the directory"
    );
    l.thaw();
    let changed = change
        .join()
        .unwrap()
        .expect("the change completes once thawed");
    assert_eq!(changed.phone, "04 90 00 00 01");
}

per_backend! {
    /// The back office's sign-in with the directory down: a clear message; with
    /// `GUICHET_LDAP_FALLBACK=builtin`, the password of the agent's last
    /// successful sign-in, and nothing else.
    async fn agents_sign_in_with_the_directory_down_only_through_the_fallback(backend: Backend) {
        use guichet_core::directory::Directory;
        use guichet_server::app::public_app;
        use guichet_tests::client::Browser;
        let mut p = Platform::new(backend, Dir::Ldap);
        let prov = test::init_service(provisioning_app(&p.shared)).await;
        let root = Auth::root();
        let (status, created) = call(
            &prov,
            Method::POST,
            "/api/v1/local-authorities",
            &root,
            Some(&new_authority("arles", "Ville d’Arles")),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        for uid in ["marie", "paul"] {
            let agent = json!({"uid": uid, "first_name": "Marie", "last_name": uid, "email": format!("{uid}@arles.example.fr"),
                "groups": ["agent"], "password": AGENT_PASSWORD});
            let (status, body) = call(&prov, Method::POST, AGENTS, &root, Some(&agent)).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        let with_fallback = |on: bool| {
            let mut config = p.ldap().config();
            config.fallback = on;
            actix_web::web::Data::new(Directory::from_config(Some(&config)))
        };
        let sign_in = |app_fallback: bool| {
            let mut shared = p.shared.clone();
            shared.directory = with_fallback(app_fallback);
            shared
        };
        let fallback = test::init_service(public_app(&sign_in(true))).await;
        let strict = test::init_service(public_app(&sign_in(false))).await;

        // Marie signs in while the directory answers: her password is kept.
        let mut b = Browser::backoffice("arles");
        let r = b.agent_sign_in(&fallback, "marie", AGENT_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.html);

        p.ldap().stop();
        // Without the fallback: the directory is down, and the page says so.
        let mut b = Browser::backoffice("arles");
        let r = b.agent_sign_in(&strict, "marie", AGENT_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.html);
        assert!(r.html.contains("L’annuaire des agents ne répond pas"));
        // With it: Marie's last password works, a wrong one does not, and
        // Paul, who never signed in, cannot.
        let mut b = Browser::backoffice("arles");
        let r = b.agent_sign_in(&fallback, "marie", AGENT_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        for (uid, password) in [("marie", "pas son mot de passe"), ("paul", AGENT_PASSWORD)] {
            let mut b = Browser::backoffice("arles");
            let r = b.agent_sign_in(&fallback, uid, password).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{uid}: {}", r.html);
        }
        p.ldap = None;
    }
}
