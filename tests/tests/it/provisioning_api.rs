//! The provisioning JSON API, through the real application, on SQLite and
//! PostgreSQL, with the built-in directory and with a real slapd, whose
//! entries are read back with `ldapsearch` (not through Guichet).

use actix_web::http::{Method, StatusCode};
use actix_web::test;
use guichet_server::app::provisioning_app;
use guichet_tests::api::{call, new_authority, Auth, Dir, Platform, AGENT_PASSWORD, SETUPS};
use guichet_tests::Backend;
use serde_json::{json, Value};

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const PUT: Method = Method::PUT;
const PATCH: Method = Method::PATCH;
const DELETE: Method = Method::DELETE;

fn uid_of(agent: &Value) -> String {
    agent["uid"].as_str().expect("uid").to_owned()
}

#[actix_web::test]
async fn a_collectivite_is_created_with_its_branch_groups_and_first_admin() {
    for (backend, dir) in SETUPS {
        let p = Platform::new(backend, dir);
        let app = test::init_service(provisioning_app(&p.shared)).await;
        let root = Auth::root();

        let (status, body) = call(
            &app,
            POST,
            "/api/v1/local-authorities",
            &root,
            Some(&new_authority("arles", "Ville d’Arles")),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{backend:?} {dir:?}: {body}");
        assert_eq!(body["slug"], "arles");
        assert_eq!(body["state"], "active");
        let admin_uid = uid_of(&body["admin"]);
        assert_eq!(admin_uid, "admin.darles", "prenom.nom, folded");
        // The first admin administers the référentiel and the back office.
        assert_eq!(
            body["admin"]["groups"],
            json!(["admin", "referential-admin"])
        );
        assert_eq!(body["admin"]["profile"], "admin");

        // The referential admin signs in with uid@slug and sees their collectivité only.
        let (status, _) = call(
            &app,
            POST,
            "/api/v1/local-authorities",
            &root,
            Some(&new_authority("nimes", "Ville de Nîmes")),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let admin = Auth::referential(&admin_uid, "arles", AGENT_PASSWORD);
        let (status, list) = call(&app, GET, "/api/v1/local-authorities", &admin, None).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let slugs: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["slug"].as_str().unwrap())
            .collect();
        assert_eq!(slugs, ["arles"]);
        let (_, all) = call(&app, GET, "/api/v1/local-authorities", &root, None).await;
        assert_eq!(all.as_array().unwrap().len(), 2);
        let wrong = Auth::referential(&admin_uid, "arles", "pas-le-bon-mot-de-passe");
        let (status, problem) = call(&app, GET, "/api/v1/local-authorities", &wrong, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(problem["type"], "urn:guichet:problem:unauthorized");

        // Every téléservice of the catalogue is there, outside any category.
        let (_, services) = call(
            &app,
            GET,
            "/api/v1/local-authorities/arles/teleservices",
            &admin,
            None,
        )
        .await;
        assert_eq!(
            services.as_array().unwrap().len(),
            guichet_core::catalogue::TELESERVICES.len()
        );
        // Outside any category, no category id at all (never a null one,
        // which a client following the document would put in a path).
        assert!(
            services
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s.get("category_id").is_none()),
            "{services}"
        );

        if dir == Dir::Ldap {
            let l = p.ldap();
            let branch = format!("dc=arles,{}", l.base_dn);
            let org = l.search(&branch, "(objectClass=organization)");
            assert_eq!(org[0]["o"], ["Ville d’Arles"]);
            for ou in ["agents", "groups", "schools", "recreation-centers"] {
                assert_eq!(
                    l.search(
                        &format!("ou={ou},{branch}"),
                        "(objectClass=organizationalUnit)"
                    )
                    .len(),
                    1,
                    "{ou}"
                );
            }
            let group = l.search(
                &format!("cn=referential-admin,ou=groups,{branch}"),
                "(objectClass=posixGroup)",
            );
            assert_eq!(group[0]["memberuid"], [admin_uid.as_str()]);
            let group = l.search(
                &format!("cn=admin,ou=groups,{branch}"),
                "(objectClass=posixGroup)",
            );
            assert_eq!(group[0]["memberuid"], [admin_uid.as_str()]);
            let agent_dn = format!("uid={admin_uid},ou=agents,{branch}");
            let entry = l.search(&agent_dn, "(objectClass=inetOrgPerson)");
            // Set through Password Modify (RFC 3062): hashed by the server's
            // own policy (SHA-512 crypt in ops/slapd.sh), not by Guichet.
            assert!(
                entry[0]["userpassword"][0].starts_with("{CRYPT}$6$"),
                "hashed by the server: {:?}",
                entry[0]["userpassword"]
            );
            assert!(l.can_bind(&agent_dn, AGENT_PASSWORD), "the password binds");
            assert!(!l.can_bind(&agent_dn, "autre chose"));
        }

        // Renaming reaches the directory; suspending shuts the referential admin out.
        let (status, body) = call(
            &app,
            PATCH,
            "/api/v1/local-authorities/arles",
            &root,
            Some(&json!({"name": "Arles", "siret": "217 500 016 00019"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["siret"], "21750001600019");
        if dir == Dir::Ldap {
            let l = p.ldap();
            let org = l.search(
                &format!("dc=arles,{}", l.base_dn),
                "(objectClass=organization)",
            );
            assert_eq!(org[0]["o"], ["Arles"]);
        }
        let (status, _) = call(
            &app,
            PATCH,
            "/api/v1/local-authorities/arles",
            &admin,
            Some(&json!({"name": "X"})),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "only super-admins edit collectivités"
        );
        let (status, _) = call(
            &app,
            PATCH,
            "/api/v1/local-authorities/arles",
            &root,
            Some(&json!({"state": "suspended"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = call(&app, GET, "/api/v1/local-authorities/arles", &admin, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{backend:?} {dir:?}");
    }
}

#[actix_web::test]
async fn agents_live_in_the_directory_and_the_database_alike() {
    for (backend, dir) in SETUPS {
        let p = Platform::new(backend, dir);
        let app = test::init_service(provisioning_app(&p.shared)).await;
        let root = Auth::root();
        call(
            &app,
            POST,
            "/api/v1/local-authorities",
            &root,
            Some(&new_authority("arles", "Ville d’Arles")),
        )
        .await;
        let agents = "/api/v1/local-authorities/arles/agents";

        let eloise = json!({
            "first_name": "Éloïse", "last_name": "d’Aubigné-Çà", "email": "eloise@arles.example.fr",
            "phone": "04 90 00 00 00", "groups": ["agent"], "password": AGENT_PASSWORD
        });
        let (status, first) = call(&app, POST, agents, &root, Some(&eloise)).await;
        assert_eq!(status, StatusCode::CREATED, "{backend:?} {dir:?}: {first}");
        assert_eq!(uid_of(&first), "eloise.daubigne-ca");
        assert_eq!(first["password_link_sent"], false);
        let (_, second) = call(&app, POST, agents, &root, Some(&eloise)).await;
        assert_eq!(
            uid_of(&second),
            "eloise.daubigne-ca2",
            "a number on collision"
        );
        let (status, chosen) = call(
            &app,
            POST,
            agents,
            &root,
            Some(
                &json!({"uid": "jdupont", "first_name": "Jean", "last_name": "Dupont",
                         "email": "jean.dupont@arles.example.fr", "profile": "manager"}),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{chosen}");
        assert_eq!(uid_of(&chosen), "jdupont");
        assert_eq!(
            chosen["password_link_sent"], true,
            "no password: a link is mailed"
        );

        // Prefix search on uid, first and last names, accents ignored.
        for (q, expected) in [
            ("elo", vec!["eloise.daubigne-ca", "eloise.daubigne-ca2"]),
            ("DAUB", vec!["eloise.daubigne-ca", "eloise.daubigne-ca2"]),
            ("jdu", vec!["jdupont"]),
            ("dup", vec!["jdupont"]),
            ("upont", vec![]),
            ("%", vec![]),
            ("*)(uid=*", vec![]),
        ] {
            let (status, found) = call(
                &app,
                GET,
                &format!("{agents}?q={}", urlencode(q)),
                &root,
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{q}");
            let mut uids: Vec<String> = found.as_array().unwrap().iter().map(uid_of).collect();
            uids.retain(|u| u != "admin.darles");
            assert_eq!(uids, expected, "{backend:?} {dir:?} q={q}");
        }

        // Edit: new phone, groups, password.
        let (status, edited) = call(
            &app,
            PUT,
            &format!("{agents}/jdupont"),
            &root,
            Some(&json!({"first_name": "Jean", "last_name": "Dupont", "email": "jean.dupont@arles.example.fr",
                         "phone": "06 11 22 33 44", "groups": ["admin", "agent"], "profile": "manager",
                         "password": "nouveau-mot-de-passe"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{edited}");
        assert_eq!(edited["groups"], json!(["admin", "agent"]));
        assert_eq!(
            edited["profile"], "admin",
            "the group admin is the profile admin"
        );
        assert_eq!(edited["phone"], "06 11 22 33 44");
        let (status, _) = call(&app, PUT, &format!("{agents}/jdupont"), &root,
            Some(&json!({"uid": "autre", "first_name": "Jean", "last_name": "Dupont", "email": "j@arles.example.fr"}))).await;
        assert_eq!(status, StatusCode::CONFLICT, "the uid cannot change");

        if dir == Dir::Ldap {
            let l = p.ldap();
            let branch = format!("dc=arles,{}", l.base_dn);
            let dn = format!("uid=jdupont,ou=agents,{branch}");
            let entry = &l.search(&dn, "(objectClass=*)")[0];
            assert_eq!(entry["telephonenumber"], ["06 11 22 33 44"]);
            assert_eq!(entry["cn"], ["Jean Dupont"]);
            assert!(l.can_bind(&dn, "nouveau-mot-de-passe"));
            let admins = l.search(
                &format!("cn=admin,ou=groups,{branch}"),
                "(objectClass=posixGroup)",
            );
            // The collectivité's first admin, and now Jean.
            assert_eq!(admins[0]["memberuid"], ["admin.darles", "jdupont"]);
            let accented = &l.search(
                &format!("uid=eloise.daubigne-ca,ou=agents,{branch}"),
                "(objectClass=*)",
            )[0];
            assert_eq!(accented["sn"], ["d’Aubigné-Çà"]);
            assert_eq!(accented["givenname"], ["Éloïse"]);
        } else {
            let tenant = p
                .store
                .platform_read(|c| guichet_core::tenancy::find_by_slug(c, "arles"))
                .unwrap()
                .unwrap();
            let ok = guichet_core::agents::check_password(
                &p.store,
                &guichet_core::directory::Directory::Builtin,
                &tenant,
                "jdupont",
                "nouveau-mot-de-passe",
            )
            .unwrap();
            assert!(ok);
        }

        // Delete: gone from both, and from the groups.
        let (status, _) = call(&app, DELETE, &format!("{agents}/jdupont"), &root, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = call(&app, GET, &format!("{agents}/jdupont"), &root, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        if dir == Dir::Ldap {
            let l = p.ldap();
            assert!(!p.agents_in_ldap("arles").contains(&"jdupont".to_owned()));
            let admins = l.search(
                &format!("cn=admin,ou=groups,dc=arles,{}", l.base_dn),
                "(objectClass=posixGroup)",
            );
            assert_eq!(admins[0]["memberuid"], ["admin.darles"], "{:?}", admins[0]);
        }
        assert_eq!(p.agents_in_db("arles"), 3);
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[actix_web::test]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    for (backend, dir) in SETUPS {
        let p = Platform::new(backend, dir);
        let app = test::init_service(provisioning_app(&p.shared)).await;
        let root = Auth::root();
        call(
            &app,
            POST,
            "/api/v1/local-authorities",
            &root,
            Some(&new_authority("arles", "Ville d’Arles")),
        )
        .await;
        let agents = "/api/v1/local-authorities/arles/agents";
        let (status, _) = call(
            &app,
            POST,
            agents,
            &root,
            Some(&json!({"uid": "pris", "first_name": "A", "last_name": "B", "email": "a@b.fr"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let before_db = p.agents_in_db("arles");
        let before_ldap = p.agents_in_ldap("arles");

        let base =
            json!({"first_name": "Marie", "last_name": "Curie", "email": "marie@arles.example.fr"});
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        let cases: Vec<(Value, StatusCode, &str)> = vec![
            (with("uid", json!("pris")), StatusCode::CONFLICT, "conflict"),
            (
                with("email", json!("marie@")),
                StatusCode::BAD_REQUEST,
                "email",
            ),
            (with("email", json!("")), StatusCode::BAD_REQUEST, "email"),
            (
                with("first_name", json!("")),
                StatusCode::BAD_REQUEST,
                "first_name",
            ),
            (
                with("last_name", json!("   ")),
                StatusCode::BAD_REQUEST,
                "last_name",
            ),
            (
                with("last_name", json!("Curie,ou=x")),
                StatusCode::BAD_REQUEST,
                "last_name",
            ),
            (
                with("last_name", json!("a+b\"c\\d<e>f;g=h*i(j)")),
                StatusCode::BAD_REQUEST,
                "last_name",
            ),
            (
                with("uid", json!("*)(uid=*")),
                StatusCode::BAD_REQUEST,
                "uid",
            ),
            (
                with("uid", json!("marie,dc=x")),
                StatusCode::BAD_REQUEST,
                "uid",
            ),
            (
                with("groups", json!(["inexistant"])),
                StatusCode::BAD_REQUEST,
                "groups",
            ),
            (
                with("profile", json!("roi")),
                StatusCode::BAD_REQUEST,
                "profile",
            ),
            (
                with("password", json!("court")),
                StatusCode::BAD_REQUEST,
                "password",
            ),
            (
                with("phone", json!("appelez-moi")),
                StatusCode::BAD_REQUEST,
                "phone",
            ),
            (
                with("couleur", json!("bleu")),
                StatusCode::BAD_REQUEST,
                "unknown field",
            ),
        ];
        for (body, expected, what) in cases {
            let (status, problem) = call(&app, POST, agents, &root, Some(&body)).await;
            assert_eq!(status, expected, "{backend:?} {dir:?} {what}: {problem}");
            assert!(!problem["detail"].as_str().unwrap().is_empty());
            if expected == StatusCode::BAD_REQUEST && what != "unknown field" {
                assert_eq!(problem["errors"][0]["field"], what, "{problem}");
            }
        }
        // Several errors are reported at once, in French.
        let (_, problem) = call(
            &app,
            POST,
            agents,
            &root,
            Some(&json!({"first_name": "", "last_name": "", "email": "non"})),
        )
        .await;
        assert_eq!(problem["errors"].as_array().unwrap().len(), 3);
        assert!(
            problem["detail"].as_str().unwrap().contains("obligatoire"),
            "{problem}"
        );
        // Malformed JSON.
        let req = guichet_tests::api::request(POST, agents, &root, None)
            .insert_header(("content-type", "application/json"))
            .set_payload("{\"first_name\": ");
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);

        assert_eq!(
            p.agents_in_db("arles"),
            before_db,
            "{backend:?} {dir:?}: nothing written"
        );
        assert_eq!(
            p.agents_in_ldap("arles"),
            before_ldap,
            "{backend:?} {dir:?}: nothing in LDAP"
        );

        // Collectivités: slug taken, not URL-safe; rights that do not exist.
        let (status, _) = call(
            &app,
            POST,
            "/api/v1/local-authorities",
            &root,
            Some(&new_authority("arles", "Encore Arles")),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        for slug in ["Arles", "ar les", "arles/../x", "é", "-x", ""] {
            let (status, problem) = call(
                &app,
                POST,
                "/api/v1/local-authorities",
                &root,
                Some(&new_authority(slug, "Ville")),
            )
            .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{slug}: {problem}");
            assert!(
                problem["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["field"] == "slug"),
                "{problem}"
            );
        }
        let (status, problem) = call(
            &app,
            POST,
            "/api/v1/local-authorities",
            &root,
            Some(&json!({"slug": "sansadmin", "name": "Sans admin"})),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        let mut bad_admin = new_authority("mauvais", "Ville");
        bad_admin["admin"]["email"] = json!("pas une adresse");
        let (status, problem) = call(
            &app,
            POST,
            "/api/v1/local-authorities",
            &root,
            Some(&bad_admin),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(problem["errors"][0]["field"], "admin.email");
        let (_, all) = call(&app, GET, "/api/v1/local-authorities", &root, None).await;
        assert_eq!(
            all.as_array().unwrap().len(),
            1,
            "no half-created collectivité"
        );
        if let Some(l) = &p.ldap {
            assert!(l
                .search(&format!("dc=mauvais,{}", l.base_dn), "(objectClass=*)")
                .is_empty());
        }
        let (_, cat) = call(
            &app,
            POST,
            "/api/v1/local-authorities/arles/categories",
            &root,
            Some(&json!({"name": "Scolaire"})),
        )
        .await;
        let (status, problem) = call(
            &app,
            PUT,
            &format!(
                "/api/v1/local-authorities/arles/categories/{}/agents/pris",
                cat["id"]
            ),
            &root,
            Some(&json!({"right": "admin"})),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(problem["errors"][0]["field"], "right");
    }
}

#[actix_web::test]
async fn a_referential_admin_gets_404_on_everything_of_another_collectivite() {
    for (backend, dir) in SETUPS {
        let p = Platform::new(backend, dir);
        let app = test::init_service(provisioning_app(&p.shared)).await;
        let root = Auth::root();
        let (_, a) = call(
            &app,
            POST,
            "/api/v1/local-authorities",
            &root,
            Some(&new_authority("arles", "Ville d’Arles")),
        )
        .await;
        call(
            &app,
            POST,
            "/api/v1/local-authorities",
            &root,
            Some(&new_authority("nimes", "Ville de Nîmes")),
        )
        .await;
        let b = "/api/v1/local-authorities/nimes";
        let (_, b_agent) = call(&app, POST, &format!("{b}/agents"), &root,
            Some(&json!({"first_name": "Paul", "last_name": "Nîmois", "email": "paul@nimes.example.fr"}))).await;
        let (_, b_school) = call(
            &app,
            POST,
            &format!("{b}/schools"),
            &root,
            Some(&json!({"name": "École B"})),
        )
        .await;
        let (_, b_center) = call(
            &app,
            POST,
            &format!("{b}/recreation-centers"),
            &root,
            Some(&json!({"name": "Centre B"})),
        )
        .await;
        let (_, b_cat) = call(
            &app,
            POST,
            &format!("{b}/categories"),
            &root,
            Some(&json!({"name": "Catégorie B"})),
        )
        .await;
        let a_admin = Auth::referential(&uid_of(&a["admin"]), "arles", AGENT_PASSWORD);
        let agent = format!("{b}/agents/{}", uid_of(&b_agent));
        let school = format!("{b}/schools/{}", b_school["id"]);
        let center = format!("{b}/recreation-centers/{}", b_center["id"]);
        let cat = format!("{b}/categories/{}", b_cat["id"]);
        let agent_body = json!({"first_name": "X", "last_name": "Y", "email": "x@y.fr"});
        let place = json!({"name": "Pris"});
        let attempts: Vec<(Method, String, Option<Value>)> = vec![
            (GET, b.to_owned(), None),
            (PATCH, b.to_owned(), Some(json!({"name": "Pris"}))),
            (GET, format!("{b}/agents"), None),
            (POST, format!("{b}/agents"), Some(agent_body.clone())),
            (GET, agent.clone(), None),
            (PUT, agent.clone(), Some(agent_body)),
            (DELETE, agent, None),
            (GET, format!("{b}/groups"), None),
            (GET, format!("{b}/schools"), None),
            (POST, format!("{b}/schools"), Some(place.clone())),
            (GET, school.clone(), None),
            (PUT, school.clone(), Some(place.clone())),
            (DELETE, school, None),
            (GET, center.clone(), None),
            (PUT, center.clone(), Some(place.clone())),
            (DELETE, center, None),
            (GET, format!("{b}/categories"), None),
            (POST, format!("{b}/categories"), Some(place.clone())),
            (GET, cat.clone(), None),
            (PUT, cat.clone(), Some(place)),
            (DELETE, cat.clone(), None),
            (
                PUT,
                format!("{cat}/agents/{}", uid_of(&b_agent)),
                Some(json!({"right": "manage"})),
            ),
            (PUT, format!("{cat}/teleservices/birth-details"), None),
            (GET, format!("{b}/teleservices"), None),
            (GET, format!("{b}/audit"), None),
            (
                GET,
                "/api/v1/local-authorities/inexistante/agents".to_owned(),
                None,
            ),
        ];
        for (method, path, body) in attempts {
            let (status, problem) =
                call(&app, method.clone(), &path, &a_admin, body.as_ref()).await;
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{backend:?} {dir:?} {method} {path}: {problem}"
            );
            assert_eq!(problem["type"], "urn:guichet:problem:not-found");
        }
        let (status, _) = call(
            &app,
            POST,
            "/api/v1/local-authorities",
            &a_admin,
            Some(&new_authority("autre", "Autre")),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // B is untouched.
        assert_eq!(p.agents_in_db("nimes"), 2);
        let (_, b_audit) = call(&app, GET, &format!("{b}/audit"), &root, None).await;
        assert!(b_audit
            .as_array()
            .unwrap()
            .iter()
            .all(|e| !e["actor"].as_str().unwrap().ends_with("@arles")));
        // Their own collectivité answers.
        let (status, _) = call(
            &app,
            GET,
            "/api/v1/local-authorities/arles/agents",
            &a_admin,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        // They cannot lock themselves out of it.
        let own = format!(
            "/api/v1/local-authorities/arles/agents/{}",
            uid_of(&a["admin"])
        );
        let (status, problem) = call(&app, PUT, &own, &a_admin, Some(&json!({
            "first_name": "Admin", "last_name": "Arles", "email": "admin@arles.example.fr", "groups": ["agent"]
        }))).await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
        let (status, _) = call(&app, DELETE, &own, &a_admin, None).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, _) = call(&app, GET, &own, &a_admin, None).await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[actix_web::test]
async fn schools_and_recreation_centres_with_hard_names() {
    for (backend, dir) in SETUPS {
        let p = Platform::new(backend, dir);
        let app = test::init_service(provisioning_app(&p.shared)).await;
        let root = Auth::root();
        call(
            &app,
            POST,
            "/api/v1/local-authorities",
            &root,
            Some(&new_authority("arles", "Ville d’Arles")),
        )
        .await;
        for (segment, ou) in [
            ("schools", "schools"),
            ("recreation-centers", "recreation-centers"),
        ] {
            let base = format!("/api/v1/local-authorities/arles/{segment}");
            let name = r#"École "Les Tilleuls", annexe + nord <1>; a=b \ (x)*"#;
            let (status, made) = call(&app, POST, &base, &root, Some(&json!({
                "name": name, "address": "3 rue des Écoles\n13200 Arles", "phone": "04 90 49 00 00",
                "email": "ecole@arles.example.fr"
            }))).await;
            assert_eq!(status, StatusCode::CREATED, "{backend:?} {dir:?}: {made}");
            assert_eq!(made["name"], name);
            assert_eq!(made["active"], true);
            let id = made["id"].as_i64().unwrap();
            let (status, _) = call(
                &app,
                POST,
                &base,
                &root,
                Some(&json!({"name": name.to_uppercase()})),
            )
            .await;
            assert_eq!(
                status,
                StatusCode::CONFLICT,
                "names are unique, case ignored"
            );
            let (status, problem) = call(
                &app,
                POST,
                &base,
                &root,
                Some(&json!({"name": "", "email": "x"})),
            )
            .await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(problem["errors"].as_array().unwrap().len(), 2);
            let (_, found) = call(&app, GET, &format!("{base}?q=tilleul"), &root, None).await;
            assert_eq!(found.as_array().unwrap().len(), 1);
            if let Some(l) = &p.ldap {
                let entries = l.search(
                    &format!("ou={ou},dc=arles,{}", l.base_dn),
                    "(objectClass=organization)",
                );
                assert_eq!(entries.len(), 1);
                assert_eq!(entries[0]["o"], [name]);
                assert_eq!(entries[0]["street"], ["3 rue des Écoles\n13200 Arles"]);
            }
            let renamed = "Groupe scolaire Jean-Moulin";
            let (status, edited) = call(
                &app,
                PUT,
                &format!("{base}/{id}"),
                &root,
                Some(&json!({"name": renamed, "address": "1 place", "active": false})),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{edited}");
            assert_eq!(edited["active"], false);
            assert_eq!(edited["phone"], "");
            if let Some(l) = &p.ldap {
                let entries = l.search(
                    &format!("ou={ou},dc=arles,{}", l.base_dn),
                    "(objectClass=organization)",
                );
                assert_eq!(entries.len(), 1);
                assert_eq!(entries[0]["o"], [renamed]);
                assert_eq!(entries[0]["description"], ["inactive"]);
                assert!(!entries[0].contains_key("telephonenumber"));
            }
            let (status, _) = call(&app, DELETE, &format!("{base}/{id}"), &root, None).await;
            assert_eq!(status, StatusCode::NO_CONTENT);
            let (status, _) = call(&app, GET, &format!("{base}/{id}"), &root, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
            if let Some(l) = &p.ldap {
                assert!(l
                    .search(
                        &format!("ou={ou},dc=arles,{}", l.base_dn),
                        "(objectClass=organization)"
                    )
                    .is_empty());
            }
        }
    }
}

#[actix_web::test]
async fn categories_group_teleservices_and_carry_rights() {
    for (backend, dir) in SETUPS {
        let p = Platform::new(backend, dir);
        let app = test::init_service(provisioning_app(&p.shared)).await;
        let root = Auth::root();
        call(
            &app,
            POST,
            "/api/v1/local-authorities",
            &root,
            Some(&new_authority("arles", "Ville d’Arles")),
        )
        .await;
        let base = "/api/v1/local-authorities/arles";
        call(&app, POST, &format!("{base}/agents"), &root, Some(&json!({
            "uid": "lea", "first_name": "Léa", "last_name": "Bernard", "email": "lea@arles.example.fr",
            "groups": ["agent"], "password": AGENT_PASSWORD
        }))).await;
        let (status, cat) = call(&app, POST, &format!("{base}/categories"), &root, Some(&json!({
            "name": "Enfance", "teleservices": ["school-registration", "school-canteen-registration"]
        }))).await;
        assert_eq!(status, StatusCode::CREATED, "{cat}");
        let id = cat["id"].as_i64().unwrap();
        assert_eq!(cat["teleservices"].as_array().unwrap().len(), 2);
        let (status, _) = call(
            &app,
            POST,
            &format!("{base}/categories"),
            &root,
            Some(&json!({"name": "enfance"})),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, problem) = call(
            &app,
            PUT,
            &format!("{base}/categories/{id}/teleservices/inconnu"),
            &root,
            None,
        )
        .await;
        // The code names a resource of the path: unknown, not found.
        assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");

        let tenant = p
            .store
            .platform_read(|c| guichet_core::tenancy::find_by_slug(c, "arles"))
            .unwrap()
            .unwrap();
        use guichet_core::agents::rights::{permit, Action};
        // The rule answers with a permit (for the services that act), or no.
        let may_do = |action, code: &str| {
            p.store
                .read(tenant.id, |tx| permit(tx, "lea", action, code))
                .unwrap()
                .is_ok_and(|permit| permit.action() == action)
        };
        assert!(
            !may_do(Action::Consult, "school-registration"),
            "no right given yet"
        );
        let (status, grant) = call(
            &app,
            PUT,
            &format!("{base}/categories/{id}/agents/lea"),
            &root,
            Some(&json!({"right": "write"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{grant}");
        assert!(may_do(Action::Process, "school-registration"));
        assert!(!may_do(Action::Configure, "school-registration"));
        assert!(
            !may_do(Action::Consult, "birth-details"),
            "outside the category"
        );
        let (_, shown) = call(&app, GET, &format!("{base}/categories/{id}"), &root, None).await;
        assert_eq!(shown["rights"], json!([{"uid": "lea", "right": "write"}]));
        let (status, _) = call(
            &app,
            PUT,
            &format!("{base}/categories/{id}/agents/personne"),
            &root,
            Some(&json!({"right": "read"})),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (status, problem) = call(
            &app,
            DELETE,
            &format!("{base}/categories/{id}"),
            &root,
            None,
        )
        .await;
        assert_eq!(
            status,
            StatusCode::CONFLICT,
            "only an empty category is deleted"
        );
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("2 téléservice"),
            "{problem}"
        );
        let (status, renamed) = call(
            &app,
            PUT,
            &format!("{base}/categories/{id}"),
            &root,
            Some(&json!({"name": "Petite enfance", "teleservices": ["school-registration"]})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(renamed["teleservices"], json!(["school-registration"]));
        assert!(!may_do(Action::Consult, "school-canteen-registration"));
        let (status, _) = call(
            &app,
            DELETE,
            &format!("{base}/categories/{id}/teleservices/school-registration"),
            &root,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = call(
            &app,
            DELETE,
            &format!("{base}/categories/{id}"),
            &root,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert!(!may_do(Action::Consult, "school-registration"));

        // Every change is in the audit trail, with who, before and after.
        let (_, events) = call(&app, GET, &format!("{base}/audit"), &root, None).await;
        let actions: Vec<&str> = events
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for expected in [
            "local-authority.create",
            "agent.create",
            "category.create",
            "category.right",
            "category.update",
            "category.delete",
        ] {
            assert!(
                actions.contains(&expected),
                "{backend:?} {dir:?} {expected}: {actions:?}"
            );
        }
        let right = events
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "category.right")
            .unwrap();
        assert_eq!(right["actor"], "superadmin:root");
        assert!(right["after_json"].as_str().unwrap().contains("write"));
    }
}

#[actix_web::test]
async fn bearer_tokens_and_the_openapi_document() {
    let p = Platform::new(Backend::Sqlite, Dir::Builtin);
    let app = test::init_service(provisioning_app(&p.shared)).await;
    let (status, _) = call(&app, GET, "/api/v1/local-authorities", &Auth::None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let res = test::call_service(
        &app,
        guichet_tests::api::request(GET, "/api/v1/local-authorities", &Auth::None, None)
            .to_request(),
    )
    .await;
    // Bearer only: no browser password prompt whose answer it would then
    // send along with cross-site requests.
    let challenge = res
        .headers()
        .get("www-authenticate")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.starts_with("Bearer") && !challenge.contains("Basic"),
        "{challenge}"
    );
    // A browser's cross-site write to the API, credentials or not: refused.
    let res = test::call_service(
        &app,
        guichet_tests::api::request(
            POST,
            "/api/v1/local-authorities",
            &Auth::root(),
            Some(&new_authority("piege", "Piège")),
        )
        .insert_header(("sec-fetch-site", "cross-site"))
        .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let token = guichet_core::agents::principal::issue_token(&p.store, "root", 90, "test").unwrap();
    let (status, _) = call(
        &app,
        GET,
        "/api/v1/local-authorities",
        &Auth::Bearer(token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        &app,
        GET,
        "/api/v1/local-authorities",
        &Auth::Bearer("gch_faux".into()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        guichet_core::agents::principal::issue_token(&p.store, "personne", 90, "test").is_err()
    );

    let (status, doc) = call(&app, GET, "/api/openapi.json", &Auth::None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/local-authorities",
        "/api/v1/local-authorities/{slug}",
        "/api/v1/local-authorities/{slug}/agents",
        "/api/v1/local-authorities/{slug}/agents/{uid}",
        "/api/v1/local-authorities/{slug}/schools",
        "/api/v1/local-authorities/{slug}/schools/{id}",
        "/api/v1/local-authorities/{slug}/recreation-centers",
        "/api/v1/local-authorities/{slug}/recreation-centers/{id}",
        "/api/v1/local-authorities/{slug}/categories",
        "/api/v1/local-authorities/{slug}/categories/{id}/agents/{uid}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
}

#[actix_web::test]
async fn throttled_after_repeated_wrong_passwords() {
    let p = Platform::new(Backend::Sqlite, Dir::Builtin);
    let app = test::init_service(provisioning_app(&p.shared)).await;
    let wrong = Auth::Basic("root".into(), "faux".into());
    // Two failures are free; from the third, attempts on the login are spaced
    // (1 s, 2 s, 4 s…): the right password still passes, after its wait.
    for _ in 0..3 {
        let (status, _) = call(&app, GET, "/api/v1/local-authorities", &wrong, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, problem) = call(&app, GET, "/api/v1/local-authorities", &Auth::root(), None).await;
    assert_eq!(status, StatusCode::OK, "{problem}");
    // Guessed from many addresses until the wait passes ten seconds: the
    // right password is refused for now.
    for i in 0..8u8 {
        p.shared
            .throttle
            .failed("root", Some(std::net::IpAddr::from([198, 51, 100, i])))
            .unwrap();
    }
    let (status, problem) = call(&app, GET, "/api/v1/local-authorities", &Auth::root(), None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{problem}");
}

/// Guesses spread over forged `X-Forwarded-For` values still meet the throttle:
/// the header is believed only from a trusted proxy.
#[actix_web::test]
async fn rotating_forwarded_for_still_meets_the_throttle() {
    let p = Platform::new(Backend::Sqlite, Dir::Builtin);
    let app = test::init_service(provisioning_app(&p.shared)).await;
    let peer: std::net::SocketAddr = "203.0.113.10:40000".parse().unwrap();
    let wrong = Auth::Basic("root".into(), "faux".into());
    let mut statuses = Vec::new();
    for i in 0..8 {
        let req = guichet_tests::api::request(GET, "/api/v1/local-authorities", &wrong, None)
            .peer_addr(peer)
            .insert_header(("x-forwarded-for", format!("198.51.100.{i}")))
            .to_request();
        statuses.push(test::call_service(&app, req).await.status());
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "forged addresses sidestepped the throttle: {statuses:?}"
    );
    // The right password from the same peer, even under a new forged address: still refused.
    let req = guichet_tests::api::request(GET, "/api/v1/local-authorities", &Auth::root(), None)
        .peer_addr(peer)
        .insert_header(("x-forwarded-for", "192.0.2.99"))
        .to_request();
    assert_eq!(
        test::call_service(&app, req).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// Behind a trusted proxy, clients are told apart by the address it forwards:
/// one client's guesses do not lock out another client's login.
#[actix_web::test]
async fn a_trusted_proxy_forwards_the_client_address() {
    let mut p = Platform::new(Backend::Sqlite, Dir::Builtin);
    p.shared.trusted_proxies =
        actix_web::web::Data::new(guichet_web::client::TrustedProxies::parse("10.0.0.1").unwrap());
    let app = test::init_service(provisioning_app(&p.shared)).await;
    let proxy: std::net::SocketAddr = "10.0.0.1:50000".parse().unwrap();
    let via_proxy = |auth: &Auth, client: &str| {
        guichet_tests::api::request(GET, "/api/v1/local-authorities", auth, None)
            .peer_addr(proxy)
            .insert_header(("x-forwarded-for", client.to_owned()))
            .to_request()
    };
    let wrong = Auth::Basic("intrus".into(), "faux".into());
    let mut last = StatusCode::OK;
    for _ in 0..6 {
        last = test::call_service(&app, via_proxy(&wrong, "198.51.100.1"))
            .await
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    let ok = test::call_service(&app, via_proxy(&Auth::root(), "198.51.100.2")).await;
    assert_eq!(ok.status(), StatusCode::OK);
}

#[actix_web::test]
async fn a_new_set_password_link_replaces_the_old_one() {
    for (backend, dir) in SETUPS {
        let p = Platform::new(backend, dir);
        let app = test::init_service(provisioning_app(&p.shared)).await;
        let root = Auth::root();
        call(
            &app,
            POST,
            "/api/v1/local-authorities",
            &root,
            Some(&new_authority("arles", "Ville d’Arles")),
        )
        .await;
        let agents = "/api/v1/local-authorities/arles/agents";
        let (_, made) = call(&app, POST, agents, &root,
            Some(&json!({"uid": "jdupont", "first_name": "Jean", "last_name": "Dupont", "email": "jean@arles.example.fr"}))).await;
        assert_eq!(made["password_link_sent"], true);
        let (status, sent) = call(
            &app,
            POST,
            &format!("{agents}/jdupont/password-link"),
            &root,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{sent}");
        assert_eq!(sent["sent_to"], "jean@arles.example.fr");
        let (status, _) = call(
            &app,
            POST,
            &format!("{agents}/personne/password-link"),
            &root,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let tenant = p
            .store
            .platform_read(|c| guichet_core::tenancy::find_by_slug(c, "arles"))
            .unwrap()
            .unwrap();
        let mails = p
            .store
            .read(tenant.id, |tx| guichet_core::mail::outbox::unsent(tx, 10))
            .unwrap();
        let token_of = |renewed: bool| -> String {
            let mail = mails
                .iter()
                .find(|m| {
                    m.recipient == "jean@arles.example.fr"
                        && m.body_text.contains("nouveau lien") == renewed
                })
                .expect("both mails");
            mail.body_text
                .split("/backoffice/mot-de-passe/")
                .nth(1)
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap()
                .to_owned()
        };
        let works = |t: &str| {
            p.store
                .read(tenant.id, |tx| guichet_core::agents::agent_for_link(tx, t))
                .unwrap()
                .is_some()
        };
        assert!(
            works(&token_of(true)),
            "{backend:?} {dir:?}: the new link works"
        );
        assert!(!works(&token_of(false)), "the first link no longer does");
    }
}
