//! The HTML pages of the provisioning plane (and the back office's
//! set-password page), driven like a browser would: forms with their CSRF
//! token, cookies kept between requests, redirects read. On both backends,
//! with the built-in directory.

use actix_web::cookie::Key;
use actix_web::http::StatusCode;
use actix_web::test;
use guichet_core::agents::rights::{self, Access, Profile};
use guichet_core::agents::{self, AgentInput};
use guichet_core::auth::superadmin;
use guichet_core::collectivite::authorities::{self, AuthorityInput};
use guichet_core::directory::Directory;
use guichet_core::mail::outbox;
use guichet_core::store::Store;
use guichet_core::tenancy::{self, Tenant};
use guichet_server::app::{provisioning_app, public_app, Shared};
use guichet_tests::client::{csrf_of, Browser};
use guichet_tests::{Backend, TestDb};

const ROOT: &str = "alice";
const ROOT_PASSWORD: &str = "un mot de passe solide";
const ADMIN_PASSWORD: &str = "mot de passe de l’admin";

/// Blocking core calls, off the test's executor.
async fn off<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    actix_web::web::block(f).await.expect("blocking task")
}

fn tenant(store: &Store, slug: &str) -> Tenant {
    store
        .platform_read(|c| tenancy::find_by_slug(c, slug))
        .unwrap()
        .unwrap()
}

/// A database with a super-admin and, through the core, the collectivités
/// `a` and `b`, each with its referential admin `admin.<slug>`.
fn setup(backend: Backend) -> (TestDb, Store, Shared) {
    let db = TestDb::new(backend);
    let store = db.store();
    store
        .platform_write(|c| superadmin::create(c, ROOT, ROOT_PASSWORD))
        .unwrap();
    for slug in ["a", "b"] {
        authorities::create(
            &store,
            &Directory::Builtin,
            "test",
            8080,
            AuthorityInput {
                slug: slug.into(),
                name: format!("Commune {}", slug.to_uppercase()),
                admin: Some(AgentInput {
                    uid: Some(format!("admin.{slug}")),
                    first_name: "Ada".into(),
                    last_name: "Admin".into(),
                    email: format!("admin@{slug}.example"),
                    password: Some(ADMIN_PASSWORD.into()),
                    ..AgentInput::default()
                }),
                ..AuthorityInput::default()
            },
        )
        .expect("collectivité created");
    }
    let shared = Shared::new(store.clone(), Directory::Builtin, Key::generate(), 8080);
    (db, store, shared)
}

per_backend! {
    async fn a_super_admin_creates_a_collectivite_whose_admin_then_signs_in(backend: Backend) {
        let (_db, store, shared) = setup(backend);
        let app = test::init_service(provisioning_app(&shared)).await;

        // Nothing without signing in.
        let mut anonymous = Browser::provisioning();
        for path in ["/", "/collectivites/nouvelle", "/collectivites/a/agents"] {
            let r = anonymous.get(&app, path).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
            assert_eq!(r.location.as_deref(), Some("/connexion"));
        }
        let login = anonymous.get(&app, "/connexion").await;
        assert!(
            login.html.contains("marie.dupont@arles"),
            "the hint is shown"
        );

        let mut root = Browser::provisioning();
        let r = root.sign_in(&app, ROOT, ROOT_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.html);
        let home = root.get(&app, "/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.html.contains("Commune A") && home.html.contains("Commune B"));
        assert!(home.html.contains("<caption>"));
        let found = root.get(&app, "/?q=commune+b").await;
        assert!(found.html.contains("Commune B") && !found.html.contains("Commune A"));

        // Invalid: each error in the summary, linked to its field, values kept.
        let fields = |email: &'static str| {
            vec![
                ("slug", "arles"),
                ("name", "Ville d’Arles"),
                ("host_names", "demarches.arles.example\n"),
                ("postal_address", "Place de la République\n13200 Arles"),
                ("contact_email", "mairie@arles.example"),
                ("siret", ""),
                ("admin_first_name", "Marie"),
                ("admin_last_name", "Dupont"),
                ("admin_email", email),
                ("admin_uid", ""),
                ("admin_password", "le mot de passe de Marie"),
            ]
        };
        let r = root
            .submit(
                &app,
                "/collectivites/nouvelle",
                "/collectivites/nouvelle",
                &fields("pas une adresse"),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("<title>Erreur : "));
        assert!(r.html.contains("Le formulaire contient une erreur"));
        assert!(r.html.contains("href=\"#admin-email\""), "{}", r.html);
        assert!(r.html.contains("aria-invalid=\"true\""));
        assert!(r.html.contains("aria-describedby=\"admin-email-erreur\""));
        assert!(r.html.contains("Adresse électronique invalide"));
        assert!(
            r.html.contains("value=\"Ville d’Arles\"")
                || r.html.contains("value=\"Ville d&#x27;Arles\"")
                || r.html.contains("Ville d’Arles")
        );
        assert!(r.html.contains("value=\"Marie\""));
        assert!(
            !r.html.contains("le mot de passe de Marie"),
            "passwords are not shown again"
        );
        let none = store
            .platform_read(|c| tenancy::find_by_slug(c, "arles"))
            .unwrap();
        assert!(none.is_none(), "nothing created");

        let r = root
            .submit(
                &app,
                "/collectivites/nouvelle",
                "/collectivites/nouvelle",
                &fields("marie.dupont@arles.example"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert_eq!(r.location.as_deref(), Some("/collectivites/arles"));
        let page = root.get(&app, "/collectivites/arles").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.html.contains("<h1>Ville d’Arles</h1>"),
            "{}",
            page.html
        );
        assert!(
            page.html.contains("marie.dupont@arles"),
            "the confirmation names the login"
        );
        assert!(page.html.contains("demarches.arles.example"));
        let again = root.get(&app, "/collectivites/arles").await;
        assert!(
            !again.html.contains("est inscrite"),
            "the confirmation is shown once"
        );

        // The referential admin signs in with uid@slug and lands on their collectivité.
        let mut marie = Browser::provisioning();
        let r = marie
            .sign_in(&app, "marie.dupont@arles", "le mot de passe de Marie")
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.html);
        let r = marie.get(&app, "/").await;
        assert_eq!(r.location.as_deref(), Some("/collectivites/arles"));
        let r = marie.get(&app, "/collectivites/arles").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.html.contains("href=\"/collectivites/arles/agents\""));
        assert!(
            !r.html.contains("/suspendre"),
            "no platform actions for them"
        );
        // Platform-wide actions are refused.
        assert_eq!(
            marie.get(&app, "/collectivites/nouvelle").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            marie
                .get(&app, "/collectivites/arles/modifier")
                .await
                .status,
            StatusCode::FORBIDDEN
        );

        // Suspended: the referential admin no longer reaches it.
        let r = root
            .submit(
                &app,
                "/collectivites/arles",
                "/collectivites/arles/suspendre",
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            tenant(&store, "arles").state,
            tenancy::TenantState::Suspended
        );
        assert_eq!(
            marie.get(&app, "/collectivites/arles").await.status,
            StatusCode::NOT_FOUND
        );
        let r = root
            .submit(
                &app,
                "/collectivites/arles",
                "/collectivites/arles/reactiver",
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            marie.get(&app, "/collectivites/arles").await.status,
            StatusCode::OK
        );

        // The super-admin changes the details.
        let r = root
            .submit(
                &app,
                "/collectivites/arles/modifier",
                "/collectivites/arles/modifier",
                &[
                    ("name", "Ville d’Arles (13)"),
                    ("host_names", "demarches.arles.example\nwww.arles.example"),
                    ("postal_address", ""),
                    ("contact_email", ""),
                    ("siret", "123"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.html.contains("href=\"#siret\"") && r.html.contains("SIRET invalide"));
        let r = root
            .submit(
                &app,
                "/collectivites/arles/modifier",
                "/collectivites/arles/modifier",
                &[
                    ("name", "Ville d’Arles (13)"),
                    ("host_names", "demarches.arles.example\nwww.arles.example"),
                    ("postal_address", ""),
                    ("contact_email", ""),
                    ("siret", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let t = tenant(&store, "arles");
        assert_eq!(t.name, "Ville d’Arles (13)");
        assert_eq!(t.host_names.len(), 2);

        // Sign-out.
        let token = csrf_of(&root.get(&app, "/").await.html);
        let r = root.post(&app, "/deconnexion", &token, &[]).await;
        assert_eq!(r.location.as_deref(), Some("/connexion"));
        assert_eq!(
            root.get(&app, "/").await.location.as_deref(),
            Some("/connexion")
        );
    }
}

per_backend! {
    async fn an_agent_form_shows_its_errors_in_french_and_creates_nothing_until_right(backend: Backend) {
        let (_db, store, shared) = setup(backend);
        let app = test::init_service(provisioning_app(&shared)).await;
        let mut admin = Browser::provisioning();
        let r = admin.sign_in(&app, "admin.a@a", ADMIN_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.html);
        let a = tenant(&store, "a");
        let count = |store: &Store| store.read(a.id, agents::count).unwrap();
        assert_eq!(count(&store), 1);

        let form = "/collectivites/a/agents/nouveau";
        let page = admin.get(&app, form).await;
        assert_eq!(page.status, StatusCode::OK);
        for label in [
            "for=\"first-name\"",
            "for=\"last-name\"",
            "for=\"email\"",
            "for=\"role\"",
            "for=\"groups-1\"",
        ] {
            assert!(page.html.contains(label), "{label}");
        }
        assert_eq!(page.html.matches("<h1>").count(), 1);

        let r = admin
            .submit(
                &app,
                form,
                form,
                &[
                    ("first_name", "Jeanne"),
                    ("last_name", "  "),
                    ("email", "jeanne.martin"),
                    ("phone", ""),
                    ("uid", ""),
                    ("role", "manager"),
                    ("groups", "referential-admin"),
                    ("password", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(
            r.html.contains("Le formulaire contient 2 erreurs"),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<a href=\"#last-name\">Nom : Ce champ est obligatoire.</a>"),
            "{}",
            r.html
        );
        assert!(r
            .html
            .contains("<a href=\"#email\">Adresse électronique : Adresse électronique invalide"));
        assert!(r.html.contains("id=\"last-name-erreur\""));
        assert!(r
            .html
            .contains("aria-describedby=\"email-aide email-erreur\""));
        assert!(r.html.contains("value=\"Jeanne\""), "typed values kept");
        assert!(r.html.contains("value=\"manager\" selected"));
        assert!(r.html.contains("value=\"referential-admin\" checked"));
        assert!(
            !r.html.contains("name=\"groups\" value=\"admin\"")
                && !r.html.contains("name=\"groups\" value=\"agent\""),
            "the back office's groups are the role, not checkboxes"
        );
        assert_eq!(count(&store), 1, "nothing created");

        // Right: created, groups from the repeated checkboxes, a link mailed.
        let r = admin
            .submit(
                &app,
                form,
                form,
                &[
                    ("first_name", "Jeanne"),
                    ("last_name", "Martin"),
                    ("email", "jeanne.martin@a.example"),
                    ("phone", "01 23 45 67 89"),
                    ("uid", ""),
                    ("role", "admin"),
                    ("groups", "agent"),
                    ("password", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert_eq!(r.location.as_deref(), Some("/collectivites/a/agents"));
        let list = admin.get(&app, "/collectivites/a/agents").await;
        assert!(list.html.contains("jeanne.martin"));
        assert!(
            list.html.contains("Un courriel lui est envoyé"),
            "{}",
            list.html
        );
        let jeanne = store
            .read(a.id, |tx| agents::get(tx, "jeanne.martin"))
            .unwrap()
            .expect("created");
        // The role « administrateur » is the group `admin`; a role group
        // posted as a checkbox is not taken.
        assert_eq!(jeanne.groups, ["admin"]);
        assert_eq!(jeanne.profile, Profile::Admin);
        assert_eq!(jeanne.phone, "01 23 45 67 89");
        let row = list
            .html
            .split("<tr>")
            .find(|r| r.contains("<td>jeanne.martin</td>"))
            .expect("her row");
        assert!(row.contains("<td>administrateur</td>"), "{row}");
        let found = admin.get(&app, "/collectivites/a/agents?q=mar").await;
        assert!(found.html.contains("jeanne.martin"));
        let none = admin.get(&app, "/collectivites/a/agents?q=zz").await;
        assert!(
            !none.html.contains("jeanne.martin") && none.html.contains("Aucun agent ne correspond")
        );

        // A taken uid: a conflict shown on the form.
        let r = admin
            .submit(
                &app,
                form,
                form,
                &[
                    ("first_name", "Jean"),
                    ("last_name", "Autre"),
                    ("email", "jean@a.example"),
                    ("uid", "jeanne.martin"),
                    ("role", "agent"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.html.contains("déjà pris"));

        // Edit: the uid is read-only, an empty password keeps the current one.
        let edit = "/collectivites/a/agents/jeanne.martin/modifier";
        let page = admin.get(&app, edit).await;
        assert!(page.html.contains("value=\"jeanne.martin\" readonly"));
        let r = admin
            .submit(
                &app,
                edit,
                edit,
                &[
                    ("first_name", "Jeanne"),
                    ("last_name", "Martin-Durand"),
                    ("email", "jeanne.martin@a.example"),
                    ("role", "manager"),
                    ("password", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let jeanne = store
            .read(a.id, |tx| agents::get(tx, "jeanne.martin"))
            .unwrap()
            .unwrap();
        assert_eq!(jeanne.last_name, "Martin-Durand");
        assert_eq!(jeanne.groups, ["agent"]);
        assert_eq!(jeanne.profile, Profile::Manager);

        // Delete, after a confirmation page.
        let del = "/collectivites/a/agents/jeanne.martin/supprimer";
        let page = admin.get(&app, del).await;
        assert!(page
            .html
            .contains("Oui, supprimer définitivement l’agent Jeanne Martin-Durand"));
        let r = admin.submit(&app, del, del, &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(count(&store), 1);
        // Not oneself.
        let me = "/collectivites/a/agents/admin.a/supprimer";
        let token = csrf_of(&admin.get(&app, "/collectivites/a").await.html);
        let r = admin.post(&app, me, &token, &[]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.html.contains("votre propre compte"));
        assert_eq!(count(&store), 1);
    }
}

per_backend! {
    async fn a_referential_admin_reaches_only_their_own_collectivite(backend: Backend) {
        let (_db, store, shared) = setup(backend);
        let app = test::init_service(provisioning_app(&shared)).await;
        let mut admin_a = Browser::provisioning();
        let r = admin_a.sign_in(&app, "admin.a@a", ADMIN_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        for path in [
            "/collectivites/b",
            "/collectivites/b/agents",
            "/collectivites/b/agents/nouveau",
            "/collectivites/b/agents/admin.b/modifier",
            "/collectivites/b/agents/admin.b/supprimer",
            "/collectivites/b/ecoles",
            "/collectivites/b/centres-de-loisirs",
            "/collectivites/b/categories",
            "/collectivites/b/journal",
            "/collectivites/inconnue/agents",
        ] {
            let r = admin_a.get(&app, path).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{backend:?} {path}");
            assert!(r.html.contains("Page introuvable"));
            assert!(!r.html.contains("Commune B"), "nothing of b leaks");
        }
        let token = csrf_of(&admin_a.get(&app, "/collectivites/a").await.html);
        let r = admin_a
            .post(
                &app,
                "/collectivites/b/agents/admin.b/supprimer",
                &token,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let b = tenant(&store, "b");
        assert!(store
            .read(b.id, |tx| agents::get(tx, "admin.b"))
            .unwrap()
            .is_some());
        let r = admin_a
            .post(&app, "/collectivites/b/suspendre", &token, &[])
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "out of reach before forbidden"
        );
        let r = admin_a
            .post(&app, "/collectivites/a/suspendre", &token, &[])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // Their own pages, with the collectivité's navigation.
        let r = admin_a.get(&app, "/collectivites/a/agents").await;
        assert_eq!(r.status, StatusCode::OK);
        for link in ["Écoles", "Centres de loisirs", "Catégories", "Journal"] {
            assert!(r.html.contains(link), "{link}");
        }
        assert!(
            !r.html.contains(">Collectivités<"),
            "the platform list is for super-admins"
        );

        // Removed from the group: the session no longer gives the right.
        let a = tenant(&store, "a");
        let admin = store
            .read(a.id, |tx| agents::get(tx, "admin.a"))
            .unwrap()
            .unwrap();
        let st = store.clone();
        let ta = a.clone();
        off(move || {
            agents::update(
                &st,
                &Directory::Builtin,
                &ta,
                "test",
                "admin.a",
                AgentInput {
                    first_name: admin.first_name,
                    last_name: admin.last_name,
                    email: admin.email,
                    groups: vec!["agent".into()],
                    ..AgentInput::default()
                },
            )
        })
        .await
        .unwrap();
        // Out of the group: the provisioning sessions are revoked at once.
        let page = admin_a.get(&app, "/collectivites/a/agents").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.location.as_deref(), Some("/connexion"));
    }
}

per_backend! {
    async fn categories_teleservices_and_the_rights_table(backend: Backend) {
        let (_db, store, shared) = setup(backend);
        let app = test::init_service(provisioning_app(&shared)).await;
        let a = tenant(&store, "a");
        let (st, ta) = (store.clone(), a.clone());
        off(move || {
            agents::create(
                &st,
                &Directory::Builtin,
                &ta,
                "test",
                "http://a.localhost:8080",
                AgentInput {
                    uid: Some("paul".into()),
                    first_name: "Paul".into(),
                    last_name: "Petit".into(),
                    email: "paul@a.example".into(),
                    groups: vec!["agent".into()],
                    password: Some("le mot de passe de Paul".into()),
                    ..AgentInput::default()
                },
            )
        })
        .await
        .unwrap();

        let mut root = Browser::provisioning();
        root.sign_in(&app, ROOT, ROOT_PASSWORD).await;
        let list = "/collectivites/a/categories";
        let r = root.submit(&app, list, list, &[("name", "")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.html.contains("href=\"#nouvelle-categorie-name\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("id=\"nouvelle-categorie-name\""));
        let r = root.submit(&app, list, list, &[("name", "Enfance")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let page_path = r.location.unwrap();
        let id: i64 = page_path.rsplit('/').next().unwrap().parse().unwrap();
        let r = root.submit(&app, list, list, &[("name", "enfance")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "same name, case ignored");

        let page = root.get(&app, &page_path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html.contains("name=\"droit:paul\""));
        assert!(page
            .html
            .contains("<caption>Droits des agents sur la catégorie « Enfance »</caption>"));
        assert!(page.html.contains("selon le profil : aucun accès"));
        for label in ["aucun accès", "consultation", "modification", "gestion"] {
            assert!(page.html.contains(&format!(">{label}</option>")), "{label}");
        }

        // One form for the whole table; only what changed is written.
        let token = csrf_of(&page.html);
        let r = root
            .post(
                &app,
                &format!("{page_path}/droits"),
                &token,
                &[("droit:paul", "write"), ("droit:admin.a", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let rights = store
            .read(a.id, |tx| rights::load(tx, "paul"))
            .unwrap()
            .unwrap();
        assert_eq!(rights.explicit.get(&id), Some(&Access::Write));
        let admin_rights = store
            .read(a.id, |tx| rights::load(tx, "admin.a"))
            .unwrap()
            .unwrap();
        assert!(admin_rights.explicit.is_empty(), "left to the profile");
        let page = root.get(&app, &page_path).await;
        assert!(page.html.contains("Le droit modifié est enregistré."));
        assert!(page.html.contains("value=\"write\" selected"));
        let r = root
            .post(
                &app,
                &format!("{page_path}/droits"),
                &token,
                &[("droit:paul", "write")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let audited = store
            .read(a.id, |tx| guichet_core::audit::recent(tx, 100))
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "category.right")
            .count();
        assert_eq!(audited, 1, "an unchanged right is not written again");

        // Attach a téléservice: then the category cannot be deleted.
        let code = page
            .html
            .split("name=\"code\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let r = root
            .post(
                &app,
                &format!("{page_path}/teleservices"),
                &token,
                &[("code", &code), ("action", "rattacher")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = root.get(&app, &page_path).await;
        assert!(
            page.html.contains("de cette catégorie</button>"),
            "a detach button now"
        );
        let r = root
            .post(&app, &format!("{page_path}/supprimer"), &token, &[])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.html.contains("contient encore 1 téléservice"),
            "{}",
            r.html
        );
        let r = root
            .post(
                &app,
                &format!("{page_path}/teleservices"),
                &token,
                &[("code", &code), ("action", "retirer")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = root
            .post(
                &app,
                &format!("{page_path}/modifier"),
                &token,
                &[("name", ""), ("email", "pas une adresse")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.html.contains("Adresse électronique invalide"),
            "{}",
            r.html
        );
        assert!(r.html.contains("Ce champ est obligatoire"), "{}", r.html);
        let r = root
            .post(
                &app,
                &format!("{page_path}/modifier"),
                &token,
                &[("name", "Petite enfance"), ("email", "enfance@a.example")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let listed = root.get(&app, list).await.html;
        assert!(listed.contains("Petite enfance"), "{listed}");
        assert!(listed.contains("enfance@a.example"), "{listed}");
        let r = root
            .post(&app, &format!("{page_path}/supprimer"), &token, &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            root.get(&app, &page_path).await.status,
            StatusCode::NOT_FOUND
        );

        // The journal tells it all.
        let journal = root.get(&app, "/collectivites/a/journal").await;
        assert_eq!(journal.status, StatusCode::OK);
        for said in [
            "création d’une catégorie",
            "droit d’un agent sur une catégorie",
            "suppression d’une catégorie",
            "superadmin:alice",
            "<details>",
        ] {
            assert!(journal.html.contains(said), "{said}");
        }
    }
}

per_backend! {
    async fn ecoles_and_centres_de_loisirs_share_their_pages(backend: Backend) {
        let (_db, store, shared) = setup(backend);
        let app = test::init_service(provisioning_app(&shared)).await;
        let mut admin = Browser::provisioning();
        admin.sign_in(&app, "admin.a@a", ADMIN_PASSWORD).await;
        for (base, new) in [
            ("/collectivites/a/ecoles", "nouvelle"),
            ("/collectivites/a/centres-de-loisirs", "nouveau"),
        ] {
            let form = format!("{base}/{new}");
            let page = admin.get(&app, &form).await;
            assert!(page
                .html
                .contains("id=\"active\" name=\"active\" value=\"oui\" checked"));
            let r = admin
                .submit(&app, &form, &form, &[("name", ""), ("email", "x")])
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{base}");
            assert!(
                r.html.contains("Le formulaire contient 2 erreurs"),
                "{}",
                r.html
            );
            assert!(
                !r.html.contains("value=\"oui\" checked"),
                "the unticked box stays unticked"
            );
            let r = admin
                .submit(
                    &app,
                    &form,
                    &form,
                    &[
                        ("name", "Jules Ferry"),
                        ("address", "1 rue de l’École"),
                        ("phone", ""),
                        ("email", ""),
                        ("active", "oui"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{base}: {}", r.html);
            let list = admin.get(&app, base).await;
            assert!(list.html.contains("Jules Ferry") && list.html.contains("en activité"));
            let edit = list
                .html
                .split("href=\"")
                .find(|s| s.starts_with(base) && s.contains("/modifier"))
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_owned();
            let r = admin
                .submit(
                    &app,
                    &edit,
                    &edit,
                    &[("name", "Jules Ferry"), ("address", "")],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
            assert!(admin.get(&app, base).await.html.contains("hors activité"));
            let del = edit.replace("/modifier", "/supprimer");
            let r = admin.submit(&app, &del, &del, &[]).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
            let after = admin.get(&app, base).await.html;
            assert!(after.contains("« Jules Ferry » est supprimé"), "{after}");
            assert!(!after.contains("<th scope=\"row\">Jules Ferry</th>"));
        }
        let a = tenant(&store, "a");
        let events = store
            .read(a.id, |tx| guichet_core::audit::recent(tx, 100))
            .unwrap();
        assert!(events.iter().any(|e| e.action == "school.delete"));
        assert!(events
            .iter()
            .any(|e| e.action == "recreation_center.create"));
    }
}

per_backend! {
    async fn an_agent_chooses_a_password_through_the_mailed_link(backend: Backend) {
        let (_db, store, shared) = setup(backend);
        let prov = test::init_service(provisioning_app(&shared)).await;
        let public = test::init_service(public_app(&shared)).await;
        let mut admin = Browser::provisioning();
        admin.sign_in(&prov, "admin.a@a", ADMIN_PASSWORD).await;
        let form = "/collectivites/a/agents/nouveau";
        let r = admin
            .submit(
                &prov,
                form,
                form,
                &[
                    ("first_name", "Léa"),
                    ("last_name", "Roux"),
                    ("email", "lea.roux@a.example"),
                    ("role", "agent"),
                    ("password", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);

        let a = tenant(&store, "a");
        let mails = store.read(a.id, |tx| outbox::unsent(tx, 10)).unwrap();
        let mail = mails
            .iter()
            .find(|m| m.recipient == "lea.roux@a.example")
            .expect("a mail to the new agent");
        let link = mail
            .body_text
            .split_whitespace()
            .find(|w| w.contains("/backoffice/mot-de-passe/"))
            .expect("the link is in the mail");
        assert!(link.starts_with("http://a.localhost:8080/"), "{link}");
        let path = &link["http://a.localhost:8080".len()..];

        let mut lea = Browser::backoffice("a");
        let page = lea.get(&public, path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        assert!(page.html.contains("12 caractères au moins"));
        assert!(page.html.contains("lea.roux"));
        let token = csrf_of(&page.html);

        let r = lea
            .post(
                &public,
                path,
                &token,
                &[
                    ("password", "un mot de passe long"),
                    ("confirmation", "un autre mot de passe"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.html.contains("ne sont pas identiques") && r.html.contains("aria-invalid=\"true\"")
        );
        let r = lea
            .post(
                &public,
                path,
                &token,
                &[("password", "court"), ("confirmation", "court")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.html.contains("12 caractères"), "{}", r.html);
        let r = lea
            .post(
                &public,
                path,
                &token,
                &[
                    ("password", "un mot de passe long"),
                    ("confirmation", "un mot de passe long"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.html);
        assert!(r.html.contains(
            "Votre mot de passe est enregistré. Vous pourrez vous connecter à l’espace des agents."
        ));

        let (st, ta) = (store.clone(), a.clone());
        let ok = off(move || {
            agents::check_password(
                &st,
                &Directory::Builtin,
                &ta,
                "lea.roux",
                "un mot de passe long",
            )
        })
        .await
        .unwrap();
        assert!(ok, "{backend:?}: the chosen password works");

        // The link is spent; an unknown one is no better.
        for dead in [
            path.to_owned(),
            "/backoffice/mot-de-passe/inconnu".to_owned(),
        ] {
            let r = lea.get(&public, &dead).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{dead}");
            assert!(r.html.contains("Ce lien n’est plus valable"));
            assert!(r.html.contains("administrateur du référentiel"));
        }
        // Another collectivité's host does not know the link either.
        let mut elsewhere = Browser::backoffice("b");
        let r = elsewhere.get(&public, path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // The referential admin mails a new link, after a confirmation.
        let page = "/collectivites/a/agents/lea.roux/lien-mot-de-passe";
        let confirm = admin.get(&prov, page).await;
        assert!(confirm
            .html
            .contains("Oui, envoyer le lien à lea.roux@a.example"));
        let r = admin.submit(&prov, page, page, &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let list = admin.get(&prov, "/collectivites/a/agents").await;
        assert!(list
            .html
            .contains("Un lien pour choisir son mot de passe est envoyé"));
        let renewed = store
            .read(a.id, |tx| outbox::unsent(tx, 10))
            .unwrap()
            .into_iter()
            .filter(|m| m.recipient == "lea.roux@a.example")
            .count();
        assert_eq!(renewed, 2, "{backend:?}");
    }
}

per_backend! {
    async fn a_referential_admin_opens_proconnect_to_their_agents(backend: Backend) {
        let (_db, store, mut shared) = setup(backend);
        let opened = |slug: &'static str| {
            let t = tenant(&store, slug);
            store
                .read(t.id, guichet_core::store::repo::agents::proconnect)
                .unwrap()
        };
        // Without the platform's ProConnect client: said, no form.
        let app = test::init_service(provisioning_app(&shared)).await;
        let mut admin = Browser::provisioning();
        admin.sign_in(&app, "admin.a@a", ADMIN_PASSWORD).await;
        let page = admin.get(&app, "/collectivites/a").await;
        assert!(page
            .html
            .contains("n’est pas configurée sur cette plateforme"));
        shared.provisioning = actix_web::web::Data::new(
            guichet_provisioning::Provisioning::new(8080).with_proconnect(true),
        );
        let app = test::init_service(provisioning_app(&shared)).await;
        let mut admin = Browser::provisioning();
        admin.sign_in(&app, "admin.a@a", ADMIN_PASSWORD).await;
        let page = admin.get(&app, "/collectivites/a").await;
        assert!(
            page.html.contains("Proposer la connexion avec ProConnect"),
            "{}",
            page.html
        );
        let token = guichet_tests::client::csrf_of(&page.html);
        let r = admin
            .post(
                &app,
                "/collectivites/a/connexion-des-agents",
                &token,
                &[("proconnect", "oui")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.html);
        assert!(opened("a") && !opened("b"), "only their own collectivité");
        let page = admin.get(&app, "/collectivites/a/journal").await;
        assert!(
            page.html.contains("sign-in.proconnect"),
            "audited: {}",
            page.html
        );
        // Another collectivité's: out of reach.
        let r = admin
            .post(
                &app,
                "/collectivites/b/connexion-des-agents",
                &token,
                &[("proconnect", "oui")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(!opened("b"));
        // Closed again.
        let r = admin
            .post(&app, "/collectivites/a/connexion-des-agents", &token, &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(!opened("a"));
    }
}
