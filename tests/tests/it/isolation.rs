//! The isolation matrix, generated from the planes' route tables: every
//! route, called from collectivité A (its referential admin, its agent, its
//! host) with collectivité B's ids, answers 404 (or the sign-in page, for a
//! session presented under the wrong host); B is left as it was. On both
//! backends. A route added to a table is in the matrix at once; and no route
//! can be added outside a table (see the last test).

use actix_web::http::{header, Method, StatusCode};
use actix_web::test::{self, TestRequest};
use guichet_server::app::{provisioning_app, public_app};
use guichet_tests::api::{call, new_authority, Auth, Dir, Platform, AGENT_PASSWORD};
use guichet_tests::client::{csrf_of, Browser};
use guichet_tests::Backend;
use guichet_web::routes::{RouteInfo, Who};
use serde_json::{json, Value};

/// B's objects, by the parameter names of the routes.
struct Ids {
    agent: String,
    school: i64,
    centre: i64,
    category: i64,
}

fn fill(path: &str, ids: &Ids) -> String {
    let id = if path.contains("/schools") || path.contains("/ecoles") {
        ids.school
    } else if path.contains("/recreation-centers") || path.contains("/centres-de-loisirs") {
        ids.centre
    } else {
        ids.category
    };
    path.replace("{slug}", "nimes")
        .replace("{uid}", &ids.agent)
        .replace("{id}", &id.to_string())
        .replace("{code}", "birth-details")
}

/// A body each action accepts, so that what answers is the reach check.
fn json_body(route: &RouteInfo) -> Option<Value> {
    let object = route.action.split('.').next().unwrap_or("");
    match (route.method.as_str(), object) {
        ("GET" | "DELETE", _) => None,
        (_, "agent") if route.action == "agent.password-link" => None,
        (_, "agent") => Some(json!({"first_name": "X", "last_name": "Y", "email": "x@y.fr"})),
        (_, "right") => Some(json!({"right": "manage"})),
        (_, "teleservice") => None,
        _ => Some(json!({"name": "Pris"})),
    }
}

const FORM_FIELDS: &[(&str, &str)] = &[
    ("name", "Pris"),
    ("first_name", "X"),
    ("last_name", "Y"),
    ("email", "x@y.fr"),
    ("right", "manage"),
    ("access", "manage"),
    ("code", "birth-details"),
    ("teleservice", "birth-details"),
    ("category", ""),
    ("uid", "personne"),
    ("action", "rattacher"),
    ("agent", "personne"),
];

async fn setup(backend: Backend) -> (Platform, Ids, String) {
    let p = Platform::new(backend, Dir::Builtin);
    let app = test::init_service(provisioning_app(&p.shared)).await;
    let root = Auth::root();
    let (_, a) = call(
        &app,
        Method::POST,
        "/api/v1/local-authorities",
        &root,
        Some(&new_authority("arles", "Ville d’Arles")),
    )
    .await;
    call(
        &app,
        Method::POST,
        "/api/v1/local-authorities",
        &root,
        Some(&new_authority("nimes", "Ville de Nîmes")),
    )
    .await;
    let b = "/api/v1/local-authorities/nimes";
    let post = |path: String, body: Value| {
        let app = &app;
        let root = &root;
        async move { call(app, Method::POST, &path, root, Some(&body)).await.1 }
    };
    let agent = post(
        format!("{b}/agents"),
        json!({"first_name": "Paul", "last_name": "Nîmois", "email": "paul@nimes.example.fr",
               "password": AGENT_PASSWORD, "groups": ["agent"]}),
    )
    .await;
    let school = post(format!("{b}/schools"), json!({"name": "École B"})).await;
    let centre = post(
        format!("{b}/recreation-centers"),
        json!({"name": "Centre B"}),
    )
    .await;
    let category = post(format!("{b}/categories"), json!({"name": "Catégorie B"})).await;
    let ids = Ids {
        agent: agent["uid"].as_str().expect("B's agent").to_owned(),
        school: school["id"].as_i64().unwrap(),
        centre: centre["id"].as_i64().unwrap(),
        category: category["id"].as_i64().unwrap(),
    };
    let a_admin = a["admin"]["uid"].as_str().expect("A's admin").to_owned();
    (p, ids, a_admin)
}

/// What B holds, to compare before and after the matrix.
async fn snapshot(p: &Platform) -> Vec<Value> {
    let app = test::init_service(provisioning_app(&p.shared)).await;
    let mut all = Vec::new();
    for what in [
        "",
        "/agents",
        "/schools",
        "/recreation-centers",
        "/categories",
        "/teleservices",
    ] {
        let path = format!("/api/v1/local-authorities/nimes{what}");
        let (status, body) = call(&app, Method::GET, &path, &Auth::root(), None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        all.push(body);
    }
    all
}

per_backend! {
    async fn every_provisioning_route_refuses_another_collectivite(backend: Backend) {
        let table = guichet_provisioning::routes::table().infos();
        let (p, ids, a_admin) = setup(backend).await;
        let before = snapshot(&p).await;
        let app = test::init_service(provisioning_app(&p.shared)).await;
        let api_auth = Auth::referential(&a_admin, "arles", AGENT_PASSWORD);
        let mut browser = Browser::provisioning();
        let signed = browser
            .sign_in(&app, &format!("{a_admin}@arles"), AGENT_PASSWORD)
            .await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.html);
        let token = csrf_of(&browser.get(&app, "/collectivites/arles").await.html);
        let mut checked = 0;
        for route in &table {
            let path = fill(&route.path, &ids);
            let expected = if route.path.contains("{slug}") {
                StatusCode::NOT_FOUND
            } else if route.who == Who::SuperAdmin {
                StatusCode::FORBIDDEN
            } else {
                continue;
            };
            let status = if route.path.starts_with("/api/") {
                call(
                    &app,
                    route.method.clone(),
                    &path,
                    &api_auth,
                    json_body(route).as_ref(),
                )
                .await
                .0
            } else if route.method == Method::GET {
                browser.get(&app, &path).await.status
            } else {
                browser.post(&app, &path, &token, FORM_FIELDS).await.status
            };
            assert_eq!(
                status, expected,
                "{backend:?}: {} {} ({})",
                route.method, path, route.action
            );
            checked += 1;
        }
        assert!(checked >= 60, "{checked} routes checked");
        assert_eq!(snapshot(&p).await, before, "{backend:?}: B is untouched");
    }
}

per_backend! {
    async fn every_backoffice_route_refuses_a_session_of_another_collectivite(backend: Backend) {
        let table = guichet_backoffice::routes().infos();
        let (p, ids, _) = setup(backend).await;
        let app = test::init_service(public_app(&p.shared)).await;
        // B's agent signs in under B's host; the same cookie under A's host opens nothing.
        let mut at_b = Browser::backoffice("nimes");
        let r = at_b.agent_sign_in(&app, &ids.agent, AGENT_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let mut replayed = Browser::backoffice("arles");
        replayed.cookie = at_b.cookie.clone();
        for route in table.iter().filter(|r| r.who == Who::Agent) {
            let path = format!("/backoffice{}", route.path);
            let r = replayed
                .send(
                    &app,
                    TestRequest::default()
                        .method(route.method.clone())
                        .uri(&path),
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {path}");
            assert_eq!(r.location.as_deref(), Some("/backoffice/connexion"));
        }
        // A link of B (an agent's set-password token) means nothing under A's host.
        let prov = test::init_service(provisioning_app(&p.shared)).await;
        let (status, _) = call(
            &prov,
            Method::POST,
            &format!(
                "/api/v1/local-authorities/nimes/agents/{}/password-link",
                ids.agent
            ),
            &Auth::root(),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let tenant = p
            .store
            .platform_read(|c| guichet_core::tenancy::find_by_slug(c, "nimes"))
            .unwrap()
            .unwrap();
        let mail = p
            .store
            .read(tenant.id, |tx| guichet_core::mail::outbox::unsent(tx, 10))
            .unwrap();
        let token = mail
            .iter()
            .find_map(|m| {
                m.body_text
                    .split("/backoffice/mot-de-passe/")
                    .nth(1)
                    .and_then(|r| r.split_whitespace().next())
            })
            .expect("the link mailed to B's agent")
            .to_owned();
        for route in table.iter().filter(|r| r.path.contains("{token}")) {
            let path = format!("/backoffice{}", route.path.replace("{token}", &token));
            let mut at_a = Browser::backoffice("arles");
            let form = at_a.get(&app, "/backoffice/connexion").await;
            let csrf = csrf_of(&form.html);
            let r = if route.method == Method::GET {
                at_a.get(&app, &path).await
            } else {
                at_a.post(
                    &app,
                    &path,
                    &csrf,
                    &[
                        ("password", "un mot de passe long"),
                        ("confirmation", "un mot de passe long"),
                    ],
                )
                .await
            };
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{backend:?}: {} {path}",
                route.method
            );
        }
        // Under B's host, the link is B's and works.
        let mut own = Browser::backoffice("nimes");
        let r = own
            .get(&app, &format!("/backoffice/mot-de-passe/{token}"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
}

/// Routes exist only in the tables: no plane registers one by hand; and no
/// plane opens a collectivité's transaction but through a scope.
#[test]
fn no_route_is_registered_outside_the_tables() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut offenders = Vec::new();
    for plane in ["provisioning/src", "backoffice/src", "tenant-portal/src"] {
        let mut stack = vec![root.join(plane)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                // Routes come from the tables; a collectivité's transactions
                // open through `web::tx` with a scope, never straight on the store.
                for needle in [
                    ".route(",
                    "web::resource(",
                    "web::scope(",
                    ".service(",
                    "web::get()",
                    "web::post()",
                    "store.read(",
                    "store.write(",
                ] {
                    if text.contains(needle) {
                        offenders.push(format!("{} : {needle}", path.display()));
                    }
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "routes outside the tables: {offenders:?}"
    );
    // Every route of every table says who may call it and what it does.
    for route in guichet_provisioning::routes::table()
        .infos()
        .into_iter()
        .chain(guichet_backoffice::routes().infos())
        .chain(guichet_tenant_portal::routes().infos())
    {
        assert!(
            route.action.contains('.') || route.action == "home",
            "{route:?}"
        );
    }
}

/// Only the store speaks diesel: no other crate of the workspace depends on
/// it (the integration tests may, for raw SQL).
#[test]
fn only_the_store_depends_on_diesel() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = |file: &str| -> toml::Table {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        text.parse().unwrap_or_else(|e| panic!("{file}: {e}"))
    };
    let workspace = manifest("Cargo.toml");
    let members = workspace["workspace"]["members"].as_array().unwrap();
    assert!(members.len() > 5, "{members:?}");
    let mut offenders = Vec::new();
    for dir in std::iter::once(".").chain(members.iter().map(|m| m.as_str().unwrap())) {
        if ["platform/store", "tests"].contains(&dir) {
            continue;
        }
        let file = format!("{dir}/Cargo.toml");
        let crate_manifest = manifest(&file);
        // [dependencies] and the like, also under [target.'cfg(…)'].
        let targets = crate_manifest
            .get("target")
            .and_then(toml::Value::as_table)
            .into_iter()
            .flat_map(|t| t.values().filter_map(toml::Value::as_table));
        let depends = std::iter::once(&crate_manifest)
            .chain(targets)
            .flat_map(|t| {
                ["dependencies", "dev-dependencies", "build-dependencies"]
                    .into_iter()
                    .filter_map(|k| t.get(k).and_then(toml::Value::as_table))
            })
            .flat_map(|deps| deps.iter())
            .any(|(name, spec)| {
                let package = spec.get("package").and_then(toml::Value::as_str);
                name.starts_with("diesel") || package.is_some_and(|p| p.starts_with("diesel"))
            });
        if depends {
            offenders.push(file);
        }
    }
    assert!(
        offenders.is_empty(),
        "diesel outside platform/store: {offenders:?}"
    );
}

#[actix_web::test]
async fn undeclared_methods_answer_405_with_allow() {
    let p = Platform::new(Backend::Sqlite, Dir::Builtin);
    let app = test::init_service(provisioning_app(&p.shared)).await;
    for (method, path) in [
        (Method::DELETE, "/api/v1/local-authorities"),
        (Method::TRACE, "/api/v1/local-authorities/arles/agents"),
        (Method::PATCH, "/connexion"),
    ] {
        let res = test::call_service(
            &app,
            TestRequest::default()
                .method(method.clone())
                .uri(path)
                .insert_header((header::HOST, "127.0.0.1:8081"))
                .to_request(),
        )
        .await;
        assert_eq!(
            res.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        let allow = res
            .headers()
            .get(header::ALLOW)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(allow.contains("GET"), "{allow}");
        let ct = res
            .headers()
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        if path.starts_with("/api/") {
            assert_eq!(ct, "application/problem+json");
        } else {
            assert!(ct.starts_with("text/html"));
        }
    }
}

per_backend! {
    /// Every route of the back office's JSON API refuses a token of another
    /// collectivité (401), whatever the method and the ids.
    async fn every_backoffice_api_route_refuses_a_token_of_another_collectivite(backend: Backend) {
        let table = guichet_backoffice::api::routes().infos();
        let (p, ids, _) = setup(backend).await;
        let app = test::init_service(public_app(&p.shared)).await;
        let token = guichet_core::agents::principal::issue_token(
            &p.store,
            &format!("{}@nimes", ids.agent),
            1,
            "test",
        )
        .unwrap();
        let mut checked = 0;
        for route in table.iter().filter(|r| r.who == Who::Agent) {
            let path = format!("/api{}", route.path.replace("{id}", "1"));
            let mut req = TestRequest::default()
                .method(route.method.clone())
                .uri(&path)
                .insert_header((header::HOST, "arles.localhost:8080"))
                .insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
            if path.ends_with("/transitions") {
                req = req.set_json(json!({"to": "Inprogress"}));
            } else if path.ends_with("/notes") {
                req = req.set_json(json!({"body": "Un message"}));
            }
            let res = test::call_service(&app, req.to_request()).await;
            assert_eq!(
                res.status(),
                StatusCode::UNAUTHORIZED,
                "{backend:?}: {path}"
            );
            checked += 1;
        }
        assert_eq!(checked, 6, "every agent route of the API");
    }
}
