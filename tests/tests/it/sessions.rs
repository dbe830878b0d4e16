//! Server-side sessions bound to a collectivité, on both backends: a session
//! of A is worth nothing under B's host; sign-out, a new password, the loss of
//! the role or the removal of the agent end sessions at once; forged and ended
//! cookies lead to the sign-in page and nowhere else; sign-ins are audited.

use actix_web::cookie::{Cookie, Key};
use actix_web::http::StatusCode;
use actix_web::test;
use diesel::prelude::*;
use guichet_core::agents::{self, AgentInput};
use guichet_core::audit;
use guichet_core::auth::superadmin;
use guichet_core::collectivite::authorities::{self, AuthorityInput};
use guichet_core::directory::Directory;
use guichet_core::store::schema::sessions;
use guichet_core::store::Store;
use guichet_core::tenancy::{self, Tenant};
use guichet_server::app::{provisioning_app, public_app, Shared};
use guichet_tests::client::Browser;
use guichet_tests::{Backend, TestDb};

const PASSWORD: &str = "mot de passe de l’agent";
const ROOT_PASSWORD: &str = "un mot de passe solide";

/// Collectivités `a` and `b`, each with its referential admin `admin.<slug>`
/// and an agent `agent.<slug>`, all with [`PASSWORD`]; a super-admin `root`.
fn setup(backend: Backend) -> (TestDb, Store, Shared) {
    let db = TestDb::new(backend);
    let store = db.store();
    store
        .platform_write(|c| superadmin::create(c, "root", ROOT_PASSWORD))
        .unwrap();
    for slug in ["a", "b"] {
        let made = authorities::create(
            &store,
            &Directory::Builtin,
            "test",
            8080,
            AuthorityInput {
                slug: slug.into(),
                name: format!("Commune {}", slug.to_uppercase()),
                admin: Some(person(&format!("admin.{slug}"), slug, vec![])),
                ..AuthorityInput::default()
            },
        );
        made.expect("collectivité created");
        agents::create(
            &store,
            &Directory::Builtin,
            &tenant(&store, slug),
            "test",
            "http://localhost",
            person(&format!("agent.{slug}"), slug, vec!["agent".into()]),
        )
        .expect("agent created");
    }
    let shared = Shared::new(store.clone(), Directory::Builtin, Key::generate(), 8080);
    (db, store, shared)
}

fn person(uid: &str, slug: &str, groups: Vec<String>) -> AgentInput {
    AgentInput {
        uid: Some(uid.into()),
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: format!("{uid}@{slug}.example"),
        password: Some(PASSWORD.into()),
        groups,
        ..AgentInput::default()
    }
}

fn tenant(store: &Store, slug: &str) -> Tenant {
    store
        .platform_read(|c| tenancy::find_by_slug(c, slug))
        .unwrap()
        .unwrap()
}

async fn off<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    actix_web::web::block(f).await.expect("blocking task")
}

fn session_rows(store: &Store) -> i64 {
    let mut raw = store.raw_connection().unwrap();
    sessions::table
        .filter(sessions::principal_id.is_not_null())
        .count()
        .get_result(&mut *raw)
        .unwrap()
}

per_backend! {
    async fn a_session_of_one_collectivite_is_refused_under_another(backend: Backend) {
        let (_db, _store, shared) = setup(backend);
        let app = test::init_service(public_app(&shared)).await;
        let mut at_a = Browser::backoffice("a");
        let r = at_a.agent_sign_in(&app, "agent.a", PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.html);
        assert_eq!(r.location.as_deref(), Some("/backoffice/"));
        let home = at_a.get(&app, "/backoffice/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.html.contains("Ada Lovelace") && home.html.contains("Commune A"));

        // The same cookie under B's host name: B's sign-in page, nothing of A or B.
        let mut replayed = Browser::backoffice("b");
        replayed.cookie = at_a.cookie.clone();
        let r = replayed.get(&app, "/backoffice/").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}");
        assert_eq!(r.location.as_deref(), Some("/backoffice/connexion"));
        // An agent of B with the same row id does not become reachable either:
        // B's own agent signs in separately and sees B.
        let mut at_b = Browser::backoffice("b");
        at_b.agent_sign_in(&app, "agent.b", PASSWORD).await;
        let home_b = at_b.get(&app, "/backoffice/").await;
        assert!(home_b.html.contains("Commune B") && !home_b.html.contains("Commune A"));

        // The back office cookie is no portal cookie, nor a provisioning one.
        let prov = test::init_service(provisioning_app(&shared)).await;
        let mut elsewhere = Browser::provisioning();
        elsewhere.cookie = at_a.cookie.clone().map(|c| {
            let mut c = c.into_owned();
            c.set_name("guichet_provisioning");
            c
        });
        let r = elsewhere.get(&prov, "/").await;
        assert_eq!(r.location.as_deref(), Some("/connexion"), "{backend:?}");

        // And the session of A still works under A.
        assert_eq!(at_a.get(&app, "/backoffice/").await.status, StatusCode::OK);
    }
}

per_backend! {
    async fn a_cookie_replayed_after_sign_out_opens_nothing(backend: Backend) {
        let (_db, store, shared) = setup(backend);
        let app = test::init_service(public_app(&shared)).await;
        let mut agent = Browser::backoffice("a");
        agent.agent_sign_in(&app, "agent.a", PASSWORD).await;
        let old = agent.cookie.clone().expect("session cookie");
        let home = agent.get(&app, "/backoffice/").await;
        let token = guichet_tests::client::csrf_of(&home.html);
        let r = agent
            .post(&app, "/backoffice/deconnexion", &token, &[])
            .await;
        assert_eq!(r.location.as_deref(), Some("/backoffice/connexion"));

        let mut thief = Browser::backoffice("a");
        thief.cookie = Some(old);
        let r = thief.get(&app, "/backoffice/").await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "{backend:?}: old cookie refused"
        );
        assert_eq!(r.location.as_deref(), Some("/backoffice/connexion"));
        let page = thief.get(&app, "/backoffice/connexion").await;
        assert!(page.html.contains("Votre session a pris fin"));

        // The same on the provisioning plane.
        let prov = test::init_service(provisioning_app(&shared)).await;
        let mut root = Browser::provisioning();
        root.sign_in(&prov, "root", ROOT_PASSWORD).await;
        let old = root.cookie.clone().unwrap();
        let home = root.get(&prov, "/").await;
        assert_eq!(home.status, StatusCode::OK);
        let token = guichet_tests::client::csrf_of(&home.html);
        root.post(&prov, "/deconnexion", &token, &[]).await;
        let mut thief = Browser::provisioning();
        thief.cookie = Some(old);
        let r = thief.get(&prov, "/").await;
        assert_eq!(r.location.as_deref(), Some("/connexion"), "{backend:?}");

        // Sign-ins and sign-outs are in the trails: the collectivité's for
        // its agents, the platform's for super-admins.
        let a = tenant(&store, "a");
        let events = store.read(a.id, |tx| audit::recent(tx, 10)).unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert!(
            actions.contains(&"session.sign-in") && actions.contains(&"session.sign-out"),
            "{backend:?}: {actions:?}"
        );
        let mut raw = store.raw_connection().unwrap();
        let platform = audit::recent_platform(&mut raw, 10).unwrap();
        let actions: Vec<&str> = platform.iter().map(|e| e.2.as_str()).collect();
        assert!(
            actions.contains(&"session.sign-in") && actions.contains(&"session.sign-out"),
            "{backend:?}: {actions:?}"
        );
    }
}

per_backend! {
    async fn a_new_password_ends_the_other_sessions_and_removal_ends_all(backend: Backend) {
        let (_db, store, shared) = setup(backend);
        let app = test::init_service(public_app(&shared)).await;
        let prov = test::init_service(provisioning_app(&shared)).await;
        let mut desk = Browser::backoffice("a");
        let mut laptop = Browser::backoffice("a");
        desk.agent_sign_in(&app, "agent.a", PASSWORD).await;
        laptop.agent_sign_in(&app, "agent.a", PASSWORD).await;
        let mut other = Browser::backoffice("a");
        other.agent_sign_in(&app, "admin.a", PASSWORD).await;
        assert_eq!(desk.get(&app, "/backoffice/").await.status, StatusCode::OK);
        assert_eq!(
            laptop.get(&app, "/backoffice/").await.status,
            StatusCode::OK
        );

        // The referential admin gives agent.a a new password.
        let (s, t) = (store.clone(), tenant(&store, "a"));
        off(move || {
            let mut input = person("agent.a", "a", vec!["agent".into()]);
            input.password = Some("un tout nouveau mot de passe".into());
            agents::update(&s, &Directory::Builtin, &t, "admin.a", "agent.a", input)
        })
        .await
        .unwrap();
        for b in [&mut desk, &mut laptop] {
            let r = b.get(&app, "/backoffice/").await;
            assert_eq!(
                r.status,
                StatusCode::SEE_OTHER,
                "{backend:?}: session revoked"
            );
        }
        let r = other.get(&app, "/backoffice/").await;
        assert_eq!(r.status, StatusCode::OK, "another agent's session goes on");
        // The old password no longer opens anything; the new one does.
        let mut again = Browser::backoffice("a");
        let r = again.agent_sign_in(&app, "agent.a", PASSWORD).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let r = again
            .agent_sign_in(&app, "agent.a", "un tout nouveau mot de passe")
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);

        // A referential admin on the provisioning plane, removed: every
        // session of theirs ends, the back office's too.
        let mut admin = Browser::provisioning();
        let r = admin.sign_in(&prov, "admin.a@a", PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert_eq!(
            admin.get(&prov, "/collectivites/a/agents").await.status,
            StatusCode::OK
        );
        let before = session_rows(&store);
        let (s, t) = (store.clone(), tenant(&store, "a"));
        off(move || agents::delete(&s, &Directory::Builtin, &t, "root", "admin.a"))
            .await
            .unwrap();
        assert_eq!(session_rows(&store), before - 2, "{backend:?}");
        let r = admin.get(&prov, "/collectivites/a/agents").await;
        assert_eq!(r.location.as_deref(), Some("/connexion"));
        let r = other.get(&app, "/backoffice/").await;
        assert_eq!(r.location.as_deref(), Some("/backoffice/connexion"));
    }
}

per_backend! {
    async fn forged_and_ended_cookies_lead_to_the_sign_in_page(backend: Backend) {
        let (_db, store, shared) = setup(backend);
        let app = test::init_service(public_app(&shared)).await;
        // Not made with the server's key: ignored.
        let mut forger = Browser::backoffice("a");
        forger.cookie = Some(Cookie::new("guichet_agents", "AAAA-forged-BBBB"));
        let r = forger.get(&app, "/backoffice/").await;
        assert_eq!(r.location.as_deref(), Some("/backoffice/connexion"));
        // Made with another key (another installation's cookie): ignored too.
        let other = Shared::new(store.clone(), Directory::Builtin, Key::generate(), 8080);
        let other_app = test::init_service(public_app(&other)).await;
        let mut elsewhere = Browser::backoffice("a");
        elsewhere
            .agent_sign_in(&other_app, "agent.a", PASSWORD)
            .await;
        forger.cookie = elsewhere.cookie.clone();
        let r = forger.get(&app, "/backoffice/").await;
        assert_eq!(
            r.location.as_deref(),
            Some("/backoffice/connexion"),
            "{backend:?}"
        );

        // Past the absolute limit, however active.
        let mut agent = Browser::backoffice("a");
        agent.agent_sign_in(&app, "agent.a", PASSWORD).await;
        assert_eq!(agent.get(&app, "/backoffice/").await.status, StatusCode::OK);
        {
            let mut raw = store.raw_connection().unwrap();
            diesel::update(sessions::table)
                .set(sessions::expires_at.eq(chrono::Utc::now().naive_utc()))
                .execute(&mut *raw)
                .unwrap();
        }
        let before = session_rows(&store);
        let r = agent.get(&app, "/backoffice/").await;
        assert_eq!(
            r.location.as_deref(),
            Some("/backoffice/connexion"),
            "{backend:?}"
        );
        assert_eq!(
            session_rows(&store),
            before - 1,
            "ended sessions are deleted when met"
        );

        // Purging removes the ended ones and leaves the living ones alone.
        agent.agent_sign_in(&app, "agent.a", PASSWORD).await;
        let mut raw = store.raw_connection().unwrap();
        let purged =
            guichet_web::session::purge_ended(&mut raw, std::time::Duration::from_secs(30 * 60))
                .unwrap();
        assert!(purged >= 1, "the other installation's ended session");
        drop(raw);
        assert_eq!(agent.get(&app, "/backoffice/").await.status, StatusCode::OK);
    }
}

/// When the session row was last written.
fn last_written(store: &Store) -> chrono::NaiveDateTime {
    let mut raw = store.raw_connection().unwrap();
    sessions::table
        .filter(sessions::principal_id.is_not_null())
        .select(sessions::last_seen_at)
        .first(&mut *raw)
        .unwrap()
}

per_backend! {
    async fn a_page_that_only_shows_writes_nothing_to_its_session(backend: Backend) {
        let (_db, store, shared) = setup(backend);
        let app = test::init_service(public_app(&shared)).await;
        let mut agent = Browser::backoffice("a");
        agent.agent_sign_in(&app, "agent.a", PASSWORD).await;
        // The first page gives the session its form token: written once.
        let home = agent.get(&app, "/backoffice/").await;
        assert_eq!(home.status, StatusCode::OK);
        let written = last_written(&store);
        for _ in 0..3 {
            let again = agent.get(&app, "/backoffice/").await;
            assert_eq!(again.status, StatusCode::OK);
        }
        assert_eq!(
            last_written(&store),
            written,
            "{backend:?}: showing a page wrote the session back"
        );

        // A form's notice is still said once, on the page after it.
        let mut admin = Browser::backoffice("a");
        admin.agent_sign_in(&app, "admin.a", PASSWORD).await;
        let page = admin.get(&app, "/backoffice/categories").await;
        let token = guichet_tests::client::csrf_of(&page.html);
        let r = admin
            .post(
                &app,
                "/backoffice/categories",
                &token,
                &[("name", "Sports"), ("email", "")],
            )
            .await;
        let to = r.location.expect("to the new category");
        let said = "La catégorie « Sports » est créée";
        let first = admin.get(&app, &to).await;
        assert!(first.html.contains(said), "{backend:?}: {}", first.html);
        let again = admin.get(&app, &to).await;
        assert_eq!(again.status, StatusCode::OK);
        assert!(!again.html.contains(said), "{backend:?}: said twice");
    }
}
