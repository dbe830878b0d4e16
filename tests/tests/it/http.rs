//! HTTP through the real applications (same middleware, routes and templates
//! as `guichet serve`), on both backends.

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, Key};

use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::test::{self, TestRequest};
use guichet_core::auth::superadmin;
use guichet_core::directory::Directory;
use guichet_core::tenancy::{self, TenantState};
use guichet_server::app::{provisioning_app, public_app, Shared};
use guichet_tests::{create_tenant, Backend, TestDb};

async fn body<B: MessageBody>(res: ServiceResponse<B>) -> String {
    String::from_utf8(test::read_body(res).await.to_vec()).unwrap()
}

fn setup(backend: Backend) -> (TestDb, Shared) {
    let db = TestDb::new(backend);
    let store = db.store();
    let arles = create_tenant(&store, "arles", "Ville d’Arles", &["www.arles.example"]);
    create_tenant(&store, "bdx", "Bordeaux Métropole", &[]);
    let _ = arles;
    (
        db,
        Shared::new(store, Directory::Builtin, Key::generate(), 8080),
    )
}

fn get(path: &str, host: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .insert_header((header::HOST, host))
}

per_backend! {
    async fn each_collectivite_is_served_under_its_own_host(backend: Backend) {
        let (_db, shared) = setup(backend);
        let app = test::init_service(public_app(&shared)).await;
        for host in [
            "arles.localhost:8080",
            "www.arles.example",
            "WWW.ARLES.EXAMPLE:443",
        ] {
            let res = test::call_service(&app, get("/", host).to_request()).await;
            assert_eq!(res.status(), StatusCode::OK, "{backend:?} {host}");
            let html = body(res).await;
            assert!(html.contains("Ville d’Arles"), "{host}");
            assert!(
                !html.contains("Bordeaux"),
                "{backend:?}: nothing of the other collectivité"
            );
        }
        let html =
            body(test::call_service(&app, get("/", "bdx.localhost").to_request()).await).await;
        assert!(html.contains("Bordeaux Métropole") && !html.contains("Arles"));

        // The back office asks its agents to sign in, under the collectivité's name.
        let res = test::call_service(&app, get("/backoffice/", "bdx.localhost").to_request()).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            res.headers().get(header::LOCATION).unwrap(),
            "/backoffice/connexion"
        );
        let res = test::call_service(
            &app,
            get("/backoffice/connexion", "bdx.localhost").to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(body(res)
            .await
            .contains("Bordeaux Métropole — espace agents"));
        let res = test::call_service(&app, get("/backoffice", "bdx.localhost").to_request()).await;
        assert_eq!(res.headers().get(header::LOCATION).unwrap(), "/backoffice/");
    }
}

per_backend! {
    async fn unknown_or_suspended_collectivite_gets_a_french_404(backend: Backend) {
        let (db, shared) = setup(backend);
        let app = test::init_service(public_app(&shared)).await;
        let store = db.store();
        let bdx = store
            .platform_read(|c| tenancy::find_by_slug(c, "bdx"))
            .unwrap()
            .unwrap();
        // Served, and so cached; suspended: answered 404 at once, not after the cache's TTL.
        let res = test::call_service(&app, get("/", "bdx.localhost").to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        store
            .platform_write(|c| tenancy::set_state(c, bdx.id, TenantState::Suspended))
            .unwrap();
        for host in [
            "inconnue.localhost",
            "bdx.localhost",
            "example.org",
            "",
            "bad host",
        ] {
            for path in ["/", "/backoffice/", "/nimporte/quoi"] {
                let res = test::call_service(&app, get(path, host).to_request()).await;
                assert_eq!(
                    res.status(),
                    StatusCode::NOT_FOUND,
                    "{backend:?} {host}{path}"
                );
                assert_eq!(
                    res.headers().get(header::CONTENT_TYPE).unwrap(),
                    "text/html; charset=utf-8"
                );
                let html = body(res).await;
                assert!(
                    html.contains("<html lang=\"fr\">") && html.contains("Collectivité inconnue"),
                    "{html}"
                );
                assert!(html.contains("Référence à communiquer"));
            }
        }
    }
}

#[actix_web::test]
async fn api_errors_are_problem_documents() {
    let (_db, shared) = setup(Backend::Sqlite);
    let app = test::init_service(public_app(&shared)).await;
    for host in ["arles.localhost", "inconnue.localhost"] {
        let res = test::call_service(&app, get("/api/v1/nothing", host).to_request()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            res.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        let p: serde_json::Value = serde_json::from_str(&body(res).await).unwrap();
        assert_eq!(p["status"], 404);
        assert!(p["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:guichet:problem:"));
        assert_eq!(p["instance"], "/api/v1/nothing");
        assert!(p["title"].is_string() && p["detail"].is_string() && p["request_id"].is_string());
    }
}

#[actix_web::test]
async fn pages_carry_security_headers_and_accessible_layout() {
    let (_db, shared) = setup(Backend::Sqlite);
    let app = test::init_service(public_app(&shared)).await;
    for (host, status) in [("arles.localhost", 200), ("inconnue.localhost", 404)] {
        let res = test::call_service(&app, get("/", host).to_request()).await;
        assert_eq!(res.status().as_u16(), status);
        let h = res.headers();
        assert!(h
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
        assert_eq!(h.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        assert_eq!(h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
        assert_eq!(h.get(header::REFERRER_POLICY).unwrap(), "same-origin");
        let html = body(res).await;
        for landmark in [
            "lang=\"fr\"",
            "href=\"#contenu\"",
            "<main role=\"main\" id=\"contenu\"",
            "role=\"banner\"",
            "role=\"contentinfo\"",
        ] {
            assert!(html.contains(landmark), "{landmark}");
        }
    }
}

#[actix_web::test]
async fn health_readiness_and_assets_need_no_collectivite() {
    let (_db, shared) = setup(Backend::Postgres);
    let app = test::init_service(public_app(&shared)).await;
    for path in ["/healthz", "/readyz"] {
        let res = test::call_service(&app, get(path, "anything").to_request()).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
    let res = test::call_service(&app, get("/static/guichet.css", "anything").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get(header::CONTENT_TYPE).unwrap(), "text/css");
    let etag = res.headers().get(header::ETAG).unwrap().clone();
    let res = test::call_service(
        &app,
        get("/static/guichet.css", "anything")
            .insert_header((header::IF_NONE_MATCH, etag))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    let res = test::call_service(&app, get("/static/../Cargo.toml", "anything").to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// The provisioning plane is not reachable through the public listener.
#[actix_web::test]
async fn planes_stay_on_their_listeners() {
    let (_db, shared) = setup(Backend::Sqlite);
    let public = test::init_service(public_app(&shared)).await;
    // `/api/` of a collectivité's host is the back office's API, not this one.
    for path in ["/collectivites/nouvelle", "/api/v1/local-authorities"] {
        let res = test::call_service(&public, get(path, "arles.localhost").to_request()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let prov = test::init_service(provisioning_app(&shared)).await;
    let res = test::call_service(&prov, get("/", "arles.localhost").to_request()).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "sign-in first, never a portal page"
    );
    assert_eq!(res.headers().get(header::LOCATION).unwrap(), "/connexion");
}

fn csrf_of(html: &str) -> String {
    let start = html
        .find("name=\"csrf_token\" value=\"")
        .expect("form has a token")
        + 25;
    html[start..].split('"').next().unwrap().to_owned()
}

fn session_cookie<B>(res: &ServiceResponse<B>) -> Option<Cookie<'static>> {
    res.response()
        .cookies()
        .find(|c| c.name() == "guichet_provisioning")
        .map(|c| c.into_owned())
}

fn login_form(csrf: &str, login: &str, password: &str) -> String {
    format!("csrf_token={csrf}&login={login}&password={password}")
}

fn post_form(path: &str, body: String, cookie: &Cookie<'static>) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header((header::HOST, "127.0.0.1:8081"))
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .cookie(cookie.clone())
        .set_payload(body)
}

per_backend! {
    async fn provisioning_sign_in_with_csrf_and_throttle(backend: Backend) {
        let (db, shared) = setup(backend);
        db.store()
            .platform_write(|c| superadmin::create(c, "alice", "un mot de passe solide"))
            .unwrap();
        let app = test::init_service(provisioning_app(&shared)).await;

        let res = test::call_service(&app, get("/connexion", "127.0.0.1:8081").to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        let cookie = session_cookie(&res).expect("session cookie set with the token");
        assert!(cookie.http_only().unwrap_or(false));
        let csrf = csrf_of(&body(res).await);

        // No token, or another one: refused before the password is even looked at.
        for bad in ["", "forged"] {
            let res = test::call_service(
                &app,
                post_form(
                    "/connexion",
                    login_form(bad, "alice", "un+mot+de+passe+solide"),
                    &cookie,
                )
                .to_request(),
            )
            .await;
            assert_eq!(
                res.status(),
                StatusCode::FORBIDDEN,
                "{backend:?} token «{bad}»"
            );
            assert!(body(res).await.contains("Formulaire expiré"));
        }
        // A form posted from another site.
        let res = test::call_service(
            &app,
            post_form(
                "/connexion",
                login_form(&csrf, "alice", "un+mot+de+passe+solide"),
                &cookie,
            )
            .insert_header((header::ORIGIN, "http://evil.example"))
            .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);

        // Wrong password: a clear message, the login kept in the form.
        let res = test::call_service(
            &app,
            post_form("/connexion", login_form(&csrf, "alice", "faux"), &cookie).to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let html = body(res).await;
        assert!(
            html.contains("Identifiant ou mot de passe incorrect.")
                && html.contains("value=\"alice\"")
        );

        // Right password: signed in, with a new session.
        let res = test::call_service(
            &app,
            post_form(
                "/connexion",
                login_form(&csrf, "alice", "un+mot+de+passe+solide"),
                &cookie,
            )
            .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{backend:?}");
        let signed = session_cookie(&res).expect("renewed session");
        let res = test::call_service(
            &app,
            get("/", "127.0.0.1:8081")
                .cookie(signed.clone())
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = body(res).await;
        assert!(
            html.contains("Ville d’Arles")
                && html.contains("Bordeaux Métropole")
                && html.contains("alice")
        );

        // Sign out needs the token too, then the dashboard is closed again.
        let csrf2 = csrf_of(&html);
        let res = test::call_service(
            &app,
            post_form("/deconnexion", format!("csrf_token={csrf2}"), &signed).to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let gone = session_cookie(&res).expect("cookie cleared");
        let res =
            test::call_service(&app, get("/", "127.0.0.1:8081").cookie(gone).to_request()).await;
        assert_eq!(res.headers().get(header::LOCATION).unwrap(), "/connexion");

        // Guessing is slowed down: after five failures even the right password
        // waits. (The sign-in renewed the session: the old cookie is spent.)
        let res = test::call_service(&app, get("/connexion", "127.0.0.1:8081").to_request()).await;
        let cookie = session_cookie(&res).expect("a new anonymous session");
        let csrf = csrf_of(&body(res).await);
        for _ in 0..5 {
            test::call_service(
                &app,
                post_form("/connexion", login_form(&csrf, "alice", "faux"), &cookie).to_request(),
            )
            .await;
        }
        let res = test::call_service(
            &app,
            post_form(
                "/connexion",
                login_form(&csrf, "alice", "un+mot+de+passe+solide"),
                &cookie,
            )
            .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(body(res).await.contains("Trop de tentatives"));
    }
}

#[actix_web::test]
async fn malformed_forms_get_a_clear_answer() {
    let (_db, shared) = setup(Backend::Sqlite);
    let app = test::init_service(provisioning_app(&shared)).await;
    let res = test::call_service(&app, get("/connexion", "127.0.0.1:8081").to_request()).await;
    let cookie = session_cookie(&res).unwrap();
    let csrf = csrf_of(&body(res).await);
    // Token right, fields missing.
    let res = test::call_service(
        &app,
        post_form("/connexion", format!("csrf_token={csrf}"), &cookie).to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(body(res).await.contains("Demande incorrecte"));
    // Not a form at all.
    let res = test::call_service(
        &app,
        TestRequest::post()
            .uri("/connexion")
            .insert_header((header::HOST, "127.0.0.1:8081"))
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .cookie(cookie)
            .set_payload("{}")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

per_backend! {
    /// A session left idle past the setting ends, and the sign-in page says so;
    /// one used within it goes on.
    async fn an_idle_session_ends(backend: Backend) {
        let (db, shared) = setup(backend);
        db.store()
            .platform_write(|c| superadmin::create(c, "alice", "un mot de passe solide"))
            .unwrap();
        let app = test::init_service(provisioning_app(&shared)).await;
        let res = test::call_service(&app, get("/connexion", "127.0.0.1:8081").to_request()).await;
        let cookie = session_cookie(&res).unwrap();
        let csrf = csrf_of(&body(res).await);
        let res = test::call_service(
            &app,
            post_form(
                "/connexion",
                login_form(&csrf, "alice", "un+mot+de+passe+solide"),
                &cookie,
            )
            .to_request(),
        )
        .await;
        let signed = session_cookie(&res).expect("signed in");
        let idle_for = |minutes: i64| {
            let seen = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(minutes);
            let mut raw = db.store().raw_connection().unwrap();
            use diesel::prelude::*;
            use guichet_core::store::schema::sessions;
            diesel::update(sessions::table)
                .set(sessions::last_seen_at.eq(seen))
                .execute(&mut *raw)
                .unwrap();
        };
        idle_for(29);
        let res = test::call_service(
            &app,
            get("/", "127.0.0.1:8081")
                .cookie(signed.clone())
                .to_request(),
        )
        .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{backend:?}: a recent session is kept"
        );

        idle_for(31);
        let res = test::call_service(
            &app,
            get("/", "127.0.0.1:8081")
                .cookie(signed.clone())
                .to_request(),
        )
        .await;
        assert_eq!(
            res.headers().get(header::LOCATION).unwrap(),
            "/connexion",
            "{backend:?}: idle 31 minutes: signed out"
        );
        let res = test::call_service(
            &app,
            get("/connexion", "127.0.0.1:8081")
                .cookie(signed)
                .to_request(),
        )
        .await;
        assert!(body(res).await.contains("Votre session a expiré"));
    }
}

#[actix_web::test]
async fn session_cookies_are_https_only_when_configured() {
    for secure in [false, true] {
        let db = TestDb::new(Backend::Sqlite);
        let mut shared = Shared::new(db.store(), Directory::Builtin, Key::generate(), 8080);
        shared.secure_cookies = secure;
        let app = test::init_service(provisioning_app(&shared)).await;
        let res = test::call_service(&app, get("/connexion", "127.0.0.1:8081").to_request()).await;
        let cookie = res
            .response()
            .cookies()
            .find(|c| {
                c.name()
                    == if secure {
                        "__Host-guichet_provisioning"
                    } else {
                        "guichet_provisioning"
                    }
            })
            .expect("the sign-in form starts a session (CSRF token)")
            .into_owned();
        assert_eq!(
            cookie.secure(),
            Some(true).filter(|_| secure),
            "secure={secure}"
        );
        assert_eq!(cookie.http_only(), Some(true));
    }
}

/// Behind a reverse proxy `{slug}.localhost` is no name of a collectivité:
/// only the host names it was given.
#[actix_web::test]
async fn localhost_names_only_on_a_workstation() {
    let (_db, mut shared) = setup(Backend::Sqlite);
    shared.tenants = actix_web::web::Data::new(guichet_web::tenant::TenantCache::new(false));
    let app = test::init_service(public_app(&shared)).await;
    let res = test::call_service(&app, get("/", "arles.localhost").to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = test::call_service(&app, get("/", "www.arles.example").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
}

/// Pages are stored by no cache; behind TLS, browsers keep to HTTPS.
#[actix_web::test]
async fn pages_are_not_cached_and_https_is_kept() {
    for secure in [false, true] {
        let (_db, mut shared) = setup(Backend::Sqlite);
        shared.secure_cookies = secure;
        let app = test::init_service(public_app(&shared)).await;
        let res = test::call_service(&app, get("/", "arles.localhost").to_request()).await;
        assert_eq!(
            res.headers().get(header::CACHE_CONTROL).unwrap(),
            "no-store"
        );
        assert_eq!(
            res.headers()
                .get(header::STRICT_TRANSPORT_SECURITY)
                .is_some(),
            secure
        );
        let css = test::call_service(
            &app,
            get("/static/guichet.css", "arles.localhost").to_request(),
        )
        .await;
        assert!(css
            .headers()
            .get(header::CACHE_CONTROL)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("public"));
    }
}

per_backend! {
    /// `/metrics` on the operators' listener: every plane's answers by route
    /// pattern (never a path with its ids), latencies, the pool, the jobs; a
    /// collectivité's host does not serve it.
    async fn metrics_are_for_the_operators(backend: Backend) {
        let (_db, shared) = setup(backend);
        let app = test::init_service(public_app(&shared)).await;
        let prov = test::init_service(provisioning_app(&shared)).await;
        for _ in 0..3 {
            let res = test::call_service(&app, get("/healthz", "anything").to_request()).await;
            assert_eq!(res.status(), StatusCode::OK);
        }
        let res = test::call_service(&app, get("/static/nothing-123.css", "anything").to_request()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res = test::call_service(&app, get("/metrics", "anything").to_request()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "not on a collectivité's host");

        let res = test::call_service(&prov, get("/metrics", "localhost").to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers().get(header::CONTENT_TYPE).unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"));
        let text = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        for line in [
            "guichet_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 3",
            "guichet_http_request_duration_seconds_count{route=\"/healthz\"} 3",
            "guichet_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 3",
            "guichet_database_up 1",
            "guichet_payments_in_progress{collectivite=\"arles\"} 0",
            "guichet_payments_in_progress{collectivite=\"bdx\"} 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
        }
        assert!(text.contains("guichet_db_pool_connections{state=\"open\"}"), "{text}");
        assert!(!text.contains("nothing-123"), "a path never names a series: {text}");
    }
}
