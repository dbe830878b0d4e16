//! The findings of the December 2026 review, each tried as the attacker did:
//! links built from forwarded headers, redirections after sign-in, secrets in
//! the logs, FranceConnect links, uploads, and the lower findings.

use actix_web::http::StatusCode;
use actix_web::test;
use guichet_core::mail::outbox;
use guichet_core::tenancy::Tenant;
use guichet_server::app::public_app;
use guichet_server::testbank::{Notify, TestBank};
use guichet_tests::api::Platform;
use guichet_tests::client::{csrf_of, Browser};
use guichet_tests::Backend;

use guichet_tests::fixtures::{
    account_fields, add_child, household, send_canteen, setup, start_canteen,
};
use guichet_tests::fixtures::{agent, signed_in_agent};
use guichet_tests::fixtures::{invoice, regie};

const ORIGIN: &str = "http://arles.localhost:8080";

/// Every address in the e-mails of `t`: each must be of the collectivité.
fn mailed_urls(p: &Platform, t: &Tenant) -> Vec<String> {
    let mails = p.store.read(t.id, |tx| outbox::unsent(tx, 1000)).unwrap();
    mails
        .iter()
        .flat_map(|m| {
            m.body_text
                .split_whitespace()
                .filter(|w| w.contains("://"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

per_backend! {
    /// S1: every link mailed or handed to a bank is made from the `Host` the
    /// collectivité was resolved from, whatever `Forwarded`,
    /// `X-Forwarded-Host` and `X-Forwarded-Proto` say.
    async fn links_come_from_the_host_never_from_forwarded_headers(backend: Backend) {
        let bank = TestBank::start(Notify::Hold);
        let (mut p, arles, _) = setup(backend).await;
        p.shared.online = actix_web::web::Data::new(guichet_server::app::payfip(Some(
            &url::Url::parse(&bank.url()).unwrap(),
        )));
        p.store
            .write(arles.id, |tx| {
                let mut s = guichet_core::collectivite::settings::current(tx)?;
                s.notify_agents = true;
                guichet_core::collectivite::settings::replace(tx, &s)
            })
            .unwrap();
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let app = test::init_service(public_app(&p.shared)).await;

        // Sign-up, confirmation, a request filed (receipt, agents told).
        let mut b = Browser::portal("arles").forging_forwarded_headers();
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        send_canteen(&app, &mut b, id).await;

        // The same address again (« a compte exists »), an unconfirmed
        // account signing in (the link sent again), a forgotten password.
        let mut other = Browser::portal("arles").forging_forwarded_headers();
        let fields = account_fields("durand@example.fr");
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        other.submit(&app, "/creer-un-compte", "/creer-un-compte", &fields).await;
        let fields = account_fields("nouveau@example.fr");
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        other.submit(&app, "/creer-un-compte", "/creer-un-compte", &fields).await;
        let r = other
            .household_sign_in(&app, "nouveau@example.fr", guichet_tests::fixtures::PASSWORD)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.html);
        let form = "/mot-de-passe-oublie";
        other.submit(&app, form, form, &[("email", "durand@example.fr")]).await;

        // A request filed without an account, saved for later.
        let mut v = Browser::portal("arles").forging_forwarded_headers();
        let form = "/demarches/birth-details/sans-compte";
        let r = v
            .submit(&app, form, form, &[
                ("title", "Mister"), ("last_name", "Roux"), ("first_name", "Paul"),
                ("email", "paul.roux@example.fr"), ("mobile_phone", "0611223344"),
                ("address.street_name", "chemin des Vignes"),
                ("address.postal_code", "30000"), ("address.city", "Nîmes"),
            ])
            .await;
        let step = r.location.expect("the first step");
        let r = v
            .submit(&app, &step, &step, &[
                ("requester_quality", "Requester"), ("format", "FullCopy"),
                ("copies", "2"), ("motive", "Passport"), ("_then", "later"),
            ])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);

        // An agent: a state the household is told of, a foyer opened at the
        // counter (its welcome link).
        let mut a = signed_in_agent(&app, &lea, "arles").await.forging_forwarded_headers();
        let page = a.get(&app, &format!("/backoffice/demandes/{id}")).await;
        let version = guichet_tests::fixtures::field_value(&page.html, "version");
        let r = a
            .post(&app, &format!("/backoffice/demandes/{id}/etat"), &csrf_of(&page.html),
                &[("version", &version), ("to", "Inprogress")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let form = "/backoffice/foyers/nouveau";
        let r = a
            .submit(&app, form, form, &[
                ("title", "Mister"), ("last_name", "Lefèvre"), ("first_name", "Rose"),
                ("birth_date", "1979-05-12"), ("email", "rose@example.fr"),
                ("mobile_phone", "06 11 22 33 44"), ("home_phone", ""), ("office_phone", ""),
                ("address.street_number", "3"), ("address.street_name", "place du Forum"),
                ("address.postal_code", "13200"), ("address.city", "Arles"),
            ])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);

        // Payment: the addresses given to the bank.
        let household = p
            .store
            .read(arles.id, |tx| guichet_core::foyers::account_by_login(tx, "durand@example.fr"))
            .unwrap()
            .unwrap()
            .household;
        let cantine = regie(&p, &arles, "Régie de la restauration scolaire");
        let f = invoice(&p, &arles, cantine, household, "F2026-001", "12,50");
        let page = b.get(&app, "/paiements").await;
        let r = b
            .post(&app, "/paiements", &csrf_of(&page.html), &[("facture", &f.to_string())])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let soap = bank.requests().join("\n");
        assert!(
            soap.contains(&format!("{ORIGIN}/paiements/notification")),
            "{soap}"
        );
        assert!(!soap.contains("evil"), "{soap}");

        // Every link mailed is of the collectivité, and there are all kinds.
        let urls = mailed_urls(&p, &arles);
        for url in &urls {
            assert!(url.starts_with(ORIGIN), "{backend:?}: {url}");
        }
        for kind in [
            "/compte/confirmer/", "/connexion", "/mot-de-passe-oublie", "/mot-de-passe/",
            "/mes-demandes/", "/backoffice/demandes/", "/reprendre/",
        ] {
            assert!(
                urls.iter().any(|u| u.starts_with(&format!("{ORIGIN}{kind}"))),
                "{backend:?}: no {kind} link in {urls:?}"
            );
        }
    }
}

/// S1: the address FranceConnect sends the household back to is the
/// collectivité's, whatever the forwarded headers say.
#[actix_web::test]
async fn the_identity_providers_return_address_is_the_collectivites() {
    let (mut p, _, _) = setup(Backend::Sqlite).await;
    let back = format!("{ORIGIN}/connexion/franceconnect/retour");
    let fc = guichet_tests::oidc::OidcProvider::start(&back, &format!("{ORIGIN}/"));
    p.shared.franceconnect =
        actix_web::web::Data::new(guichet_tenant_portal::FranceConnect(Some(fc.config())));
    let app = test::init_service(public_app(&p.shared)).await;
    let mut b = Browser::portal("arles").forging_forwarded_headers();
    let r = b.get(&app, "/connexion/franceconnect").await;
    let to = r.location.expect("sent to the provider");
    let expected: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
    assert!(to.contains(&format!("redirect_uri={expected}")), "{to}");
    assert!(!to.contains("evil"), "{to}");
}

/// S2: after sign-in, the household goes to a page of this site only, however
/// the « suite » is written, on the page and in the form posted.
#[actix_web::test]
async fn sign_in_goes_on_to_a_page_of_this_site_only() {
    let (p, arles, _) = setup(Backend::Sqlite).await;
    let app = test::init_service(public_app(&p.shared)).await;
    household(
        &app,
        &p,
        &arles,
        &mut Browser::portal("arles"),
        "d@example.fr",
    )
    .await;
    for (suite, to) in [
        ("/%09/evil.example", "/mes-demandes"),
        ("/%0A/evil.example", "/mes-demandes"),
        ("//evil.example", "/mes-demandes"),
        ("/%5Cevil.example", "/mes-demandes"),
        ("https://evil.example/", "/mes-demandes"),
        ("/demarches/birth-details", "/demarches/birth-details"),
    ] {
        let mut b = Browser::portal("arles");
        let page = b.get(&app, &format!("/connexion?suite={suite}")).await;
        assert_eq!(page.status, StatusCode::OK, "{suite}");
        assert!(
            page.html
                .contains(&format!("name=\"suite\" value=\"{to}\"")),
            "{suite}: {}",
            page.html
        );
        // The form's hidden field forged: checked again.
        let decoded: String = url::form_urlencoded::parse(format!("s={suite}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap();
        let r = b
            .post(
                &app,
                "/connexion",
                &csrf_of(&page.html),
                &[
                    ("email", "d@example.fr"),
                    ("password", guichet_tests::fixtures::PASSWORD),
                    ("suite", &decoded),
                ],
            )
            .await;
        assert_eq!(r.location.as_deref(), Some(to), "{suite}");
    }
}

per_backend! {
    /// S4: an identity is linked only to a confirmed account, never confirms
    /// it, is told to the address, listed and removable in « Mon foyer »,
    /// and dropped when the password is reset by e-mail.
    async fn franceconnect_links_are_seen_removable_and_dropped_at_reset(backend: Backend) {
        use guichet_tests::fixtures::{local, through_provider, RETURN};
        use guichet_tests::fixtures::{mailed_link, PASSWORD};
        use serde_json::json;
        let (mut p, arles, _) = setup(backend).await;
        let fc = guichet_tests::oidc::OidcProvider::start(RETURN, &format!("{ORIGIN}/"));
        p.shared.franceconnect =
            actix_web::web::Data::new(guichet_tenant_portal::FranceConnect(Some(fc.config())));
        let app = test::init_service(public_app(&p.shared)).await;
        let victim = "victime@example.fr";
        let links_of = |p: &Platform| {
            let login = victim.to_owned();
            p.store
                .read(arles.id, move |tx| {
                    let a = guichet_core::foyers::account_by_login(tx, &login)?.unwrap();
                    Ok::<_, guichet_core::Error>((
                        a.confirmed,
                        guichet_core::foyers::identity_links(tx, a.individual)?.len(),
                    ))
                })
                .unwrap()
        };

        // The attacker opens an account with the victim's address, then links
        // their own FranceConnect identity with its password: refused.
        let mut attacker = Browser::portal("arles");
        let fields = account_fields(victim);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        attacker.submit(&app, "/creer-un-compte", "/creer-un-compte", &fields).await;
        fc.set_user(json!({"sub": "intrus", "given_name": "Ivan", "family_name": "INTRUS",
            "email": "intrus@example.org", "birthdate": "1980-01-01", "gender": "male"}));
        let back = through_provider(&app, &mut attacker, &fc).await.unwrap();
        attacker.get(&app, &local(&back)).await;
        let page = attacker.get(&app, "/connexion/franceconnect/lier").await;
        let r = attacker
            .post(&app, "/connexion/franceconnect/lier", &csrf_of(&page.html),
                &[("email", victim), ("password", PASSWORD)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend:?}: {}", r.html);
        assert!(r.html.contains("pas encore confirmée"), "{}", r.html);
        assert_eq!(links_of(&p), (false, 0), "neither linked nor confirmed");

        // The owner confirms the address, then links their own identity: the
        // address is told, « Mon foyer » lists the link.
        let mut owner = Browser::portal("arles");
        let confirm = mailed_link(&p, &arles, victim, "/compte/confirmer/");
        let r = owner.submit(&app, &confirm, &confirm, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.html);
        assert_eq!(links_of(&p), (true, 0));
        fc.set_user(json!({"sub": "victime", "given_name": "Camille", "family_name": "MARTIN",
            "email": victim, "birthdate": "1985-04-02", "gender": "female"}));
        let back = through_provider(&app, &mut owner, &fc).await.unwrap();
        owner.get(&app, &local(&back)).await;
        let page = owner.get(&app, "/connexion/franceconnect/lier").await;
        let r = owner
            .post(&app, "/connexion/franceconnect/lier", &csrf_of(&page.html),
                &[("email", victim), ("password", PASSWORD)])
            .await;
        assert_eq!(r.location.as_deref(), Some("/mes-demandes"), "{}", r.html);
        assert_eq!(links_of(&p), (true, 1));
        let told = guichet_tests::fixtures::mails_to(&p, &arles, victim);
        assert!(
            told.iter().any(|(subject, body)| subject.contains("relié à FranceConnect")
                && body.contains(&format!("{ORIGIN}/mon-foyer"))),
            "{told:?}"
        );
        let foyer = owner.get(&app, "/mon-foyer").await;
        assert!(foyer.html.contains("Retirer la liaison du"), "{}", foyer.html);
        let subject = foyer.html.split("name=\"subject\" value=\"").nth(1).unwrap();
        let subject = subject.split('"').next().unwrap().to_owned();
        let issuer = foyer.html.split("name=\"issuer\" value=\"").nth(1).unwrap();
        let issuer = issuer.split('"').next().unwrap().to_owned();

        // Removed from « Mon foyer »: the next FranceConnect sign-in asks again.
        let r = owner
            .post(&app, "/mon-foyer/franceconnect/retirer", &csrf_of(&foyer.html),
                &[("issuer", &issuer), ("subject", &subject)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert_eq!(links_of(&p), (true, 0));
        let history = owner.get(&app, "/mon-foyer/historique").await;
        assert!(history.html.contains("Liaison à FranceConnect retirée"), "{}", history.html);
        // Another person's link is not theirs to remove.
        let r = owner
            .post(&app, "/mon-foyer/franceconnect/retirer", &csrf_of(&foyer.html),
                &[("issuer", &issuer), ("subject", "intrus")])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Linked again, then the password reset by e-mail: the link is gone.
        let mut again = Browser::portal("arles");
        let back = through_provider(&app, &mut again, &fc).await.unwrap();
        again.get(&app, &local(&back)).await;
        let page = again.get(&app, "/connexion/franceconnect/lier").await;
        again
            .post(&app, "/connexion/franceconnect/lier", &csrf_of(&page.html),
                &[("email", victim), ("password", PASSWORD)])
            .await;
        assert_eq!(links_of(&p), (true, 1));
        let form = "/mot-de-passe-oublie";
        Browser::portal("arles").submit(&app, form, form, &[("email", victim)]).await;
        let reset = mailed_link(&p, &arles, victim, "/mot-de-passe/");
        let new = "une autre phrase facile à retenir";
        let r = Browser::portal("arles")
            .submit(&app, &reset, &reset, &[("password", new), ("password_confirm", new)])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.html);
        assert_eq!(links_of(&p), (true, 0));
        let mut later = Browser::portal("arles");
        let back = through_provider(&app, &mut later, &fc).await.unwrap();
        let r = later.get(&app, &local(&back)).await;
        assert_eq!(r.location.as_deref(), Some("/connexion/franceconnect/lier"));
    }
}

/// The number of session rows (every plane, every collectivité).
fn session_rows(p: &Platform) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    p.store
        .platform_read(|c| {
            Ok::<_, guichet_core::store::StoreError>(
                diesel::sql_query("SELECT COUNT(*) AS n FROM sessions").get_result::<Count>(c)?,
            )
        })
        .unwrap()
        .n
}

per_backend! {
    /// S13: the sign-in, sign-up and visitor pages of every plane write no
    /// session row for an anonymous visitor; their forms still work.
    async fn anonymous_visits_write_no_session(backend: Backend) {
        let (p, arles, _) = setup(backend).await;
        let app = test::init_service(public_app(&p.shared)).await;
        let prov = test::init_service(guichet_server::app::provisioning_app(&p.shared)).await;
        let before = session_rows(&p);
        for _ in 0..10 {
            for path in ["/connexion", "/creer-un-compte", "/mot-de-passe-oublie",
                "/demarches/birth-details/sans-compte", "/backoffice/connexion"] {
                let r = Browser::portal("arles").get(&app, path).await;
                assert_eq!(r.status, StatusCode::OK, "{path}");
                assert!(r.html.contains("csrf_token"), "{path}");
            }
            assert_eq!(Browser::provisioning().get(&prov, "/connexion").await.status, StatusCode::OK);
        }
        assert_eq!(session_rows(&p), before, "{backend:?}");
        // The token kept in the cookie is checked all the same.
        let mut b = Browser::portal("arles");
        household(&app, &p, &arles, &mut b, "d@example.fr").await;
        assert_eq!(session_rows(&p), before + 1, "one row, for the signed-in household");
        let mut forger = Browser::portal("arles");
        forger.get(&app, "/connexion").await;
        let r = forger
            .post(&app, "/connexion", "pas-le-bon-jeton", &[("email", "d@example.fr"),
                ("password", guichet_tests::fixtures::PASSWORD)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.html);
    }
}

per_backend! {
    /// S12: a session revoked while one of its requests runs is not saved
    /// back: neither its principal nor what a plane keeps beside it.
    async fn a_session_revoked_during_a_request_is_not_saved_back(backend: Backend) {
        use actix_session::storage::SessionStore;
        use guichet_web::session::{DbSessionStore, Plane, SessionPrincipal};
        let (p, _, _) = setup(backend).await;
        let sessions = DbSessionStore::new(
            p.store.clone(),
            Plane::Provisioning,
            std::time::Duration::from_secs(1800),
            std::time::Duration::from_secs(3600),
        );
        let ttl = actix_web::cookie::time::Duration::hours(1);
        let who = serde_json::to_string(&SessionPrincipal::super_admin("root")).unwrap();
        let state: std::collections::HashMap<String, String> = [
            ("who".to_owned(), who),
            ("principal".to_owned(), "{\"kind\":\"super\"}".to_owned()),
            ("flash".to_owned(), "\"Enregistré\"".to_owned()),
        ]
        .into();
        let key = sessions.save(state.clone(), &ttl).await.unwrap();
        assert!(sessions.load(&key).await.unwrap().is_some());
        p.store
            .platform_write(|c| {
                guichet_web::session::revoke(c, &SessionPrincipal::super_admin("root"), None)
            })
            .unwrap();
        let again = sessions.update(key, state, &ttl).await.unwrap();
        let kept = sessions.load(&again).await.unwrap().unwrap_or_default();
        assert!(kept.is_empty(), "{backend:?}: {kept:?}");
        // And a cookie that claims a principal in its own state opens nothing.
        let forged = actix_session::storage::SessionKey::try_from(
            "{\"who\":\"{}\"}".to_owned(),
        )
        .unwrap();
        assert!(sessions.load(&forged).await.unwrap().is_none());
    }
}

/// The number of objects in the store and of `files` rows of `t`.
async fn stored(p: &Platform, t: &Tenant) -> (usize, i64) {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let rows = p
        .store
        .read(t.id, |tx| {
            Ok::<_, guichet_core::store::StoreError>(
                diesel::sql_query("SELECT COUNT(*) AS n FROM files")
                    .get_result::<Count>(tx.conn())?,
            )
        })
        .unwrap()
        .n;
    (p.shared.files.keys().await.unwrap().len(), rows)
}

per_backend! {
    /// S5: an upload takes files in its one file field only, within a count
    /// and a total per form and a foyer's daily allowance; pages sent beside
    /// a document already deposited are refused, not dropped; what a form
    /// left behind is swept; a visitor's start is counted per address.
    async fn uploads_are_bounded_and_leave_nothing_behind(backend: Backend) {
        use guichet_tests::fixtures::PDF;
        use guichet_tests::client::Part;
        let (mut p, arles, _) = setup(backend).await;
        // A store of its own: other tests' collectivités have the same ids.
        let dir = std::env::temp_dir().join(format!("guichet-sweep-{}", rand::random::<u64>()));
        p.shared.files = actix_web::web::Data::new(
            guichet_core::files::FileStore::open(None, &dir).unwrap(),
        );
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        household(&app, &p, &arles, &mut b, "d@example.fr").await;
        let docs = "/mes-documents";
        let token = csrf_of(&b.get(&app, docs).await.html);
        let before = stored(&p, &arles).await;

        // The review's request: a page, and junk under another name.
        let junk = [b"%PDF-1.4\n".as_slice(), &vec![0u8; 300 * 1024]].concat();
        let r = b
            .upload(&app, docs, &token, &[
                Part::Text("document_type", "identity-receipt"),
                Part::File("pages", "a.pdf", "application/pdf", PDF),
                Part::File("x", "junk.pdf", "application/pdf", &junk),
                Part::File("x", "junk2.pdf", "application/pdf", &junk),
            ])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{backend:?}: {}", r.html);
        assert!(r.html.contains("par son champ « pages » seulement"), "{}", r.html);
        assert_eq!(stored(&p, &arles).await, before, "nothing kept");

        // Eleven pages: ten at most.
        let mut parts = vec![Part::Text("document_type", "identity-receipt")];
        for _ in 0..11 {
            parts.push(Part::File("pages", "p.pdf", "application/pdf", PDF));
        }
        let r = b.upload(&app, docs, &token, &parts).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.html);
        assert!(r.html.contains("10 fichiers au plus"), "{}", r.html);
        assert_eq!(stored(&p, &arles).await, before);

        // An empty file field (no file chosen) is no file.
        let r = b
            .upload(&app, docs, &token, &[
                Part::Text("document_type", "identity-receipt"),
                Part::File("pages", "", "application/octet-stream", b""),
            ])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("Joignez au moins une page"), "{}", r.html);

        // Within: taken and counted against the day.
        let r = b
            .upload(&app, docs, &token, &[
                Part::Text("document_type", "identity-receipt"),
                Part::File("pages", "a.pdf", "application/pdf", PDF),
            ])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let household = p
            .store
            .read(arles.id, |tx| guichet_core::foyers::account_by_login(tx, "d@example.fr"))
            .unwrap()
            .unwrap()
            .household;
        let left = p
            .store
            .read(arles.id, move |tx| guichet_core::justificatifs::allowance(tx, household))
            .unwrap();
        assert_eq!(left.files, guichet_core::justificatifs::DAILY_FILES - 1);
        // The day's allowance spent: refused before anything is stored.
        p.store
            .write(arles.id, move |tx| {
                guichet_core::store::repo::justificatifs::add_upload_usage(
                    tx,
                    household,
                    guichet_domain::time::today(),
                    (guichet_core::justificatifs::DAILY_FILES - 1) as i64,
                    0,
                )
            })
            .unwrap();
        let kept = stored(&p, &arles).await;
        let r = b
            .upload(&app, docs, &token, &[
                Part::Text("document_type", "identity-receipt"),
                Part::File("pages", "a.pdf", "application/pdf", PDF),
            ])
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.html);
        assert!(r.html.contains("en une journée"), "{}", r.html);
        assert_eq!(stored(&p, &arles).await, kept);

        // A visitor's start makes a foyer: ten an hour from one address.
        let form = "/demarches/birth-details/sans-compte";
        let visitor = [
            ("title", "Mister"), ("last_name", "Roux"), ("first_name", "Paul"),
            ("email", "paul.roux@example.fr"), ("mobile_phone", "0611223344"),
            ("address.street_name", "chemin des Vignes"),
            ("address.postal_code", "30000"), ("address.city", "Nîmes"),
        ];
        for n in 0..10 {
            let r = Browser::portal("arles").submit(&app, form, form, &visitor).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "start {n}: {}", r.html);
        }
        let r = Browser::portal("arles").submit(&app, form, form, &visitor).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.html);
        assert!(r.html.contains("réessayez dans une heure"), "{}", r.html);

        // What a form left behind (stored, never recorded) is swept; what is
        // recorded stays.
        let orphan = p
            .shared
            .files
            .put_stream(
                arles.id,
                futures_util::stream::iter([Ok::<_, String>(bytes::Bytes::from_static(PDF))]),
                &guichet_core::files::Limits::DOCUMENTS,
            )
            .await
            .unwrap();
        let files = p.shared.files.clone();
        let store = p.store.clone();
        let soon = chrono::Utc::now() + chrono::Duration::minutes(1);
        let t = arles.id;
        let swept = std::thread::spawn(move || files.sweep_blocking(&store, t, soon).unwrap())
            .join()
            .unwrap();
        assert_eq!(swept, 1, "{backend:?}");
        let keys = p.shared.files.keys().await.unwrap();
        assert!(!keys.contains(&orphan.key));
        assert_eq!(stored(&p, &arles).await, kept);
    }
}

per_backend! {
    /// S6: one address is sent a few messages an hour about an account,
    /// whoever asks; a client address opens a few accounts an hour; an
    /// account never confirmed is forgotten after a month.
    async fn anonymous_mail_and_sign_ups_are_counted(backend: Backend) {
        let (p, arles, _) = setup(backend).await;
        let app = test::init_service(public_app(&p.shared)).await;
        let victim = "victime@example.org";
        let fields = account_fields(victim);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for _ in 0..6 {
            let r = Browser::portal("arles")
                .submit(&app, "/creer-un-compte", "/creer-un-compte", &fields)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.html);
            assert!(r.html.contains("Vérifiez votre messagerie"));
        }
        let mails = guichet_tests::fixtures::mails_to(&p, &arles, victim);
        assert_eq!(mails.len(), 3, "{backend:?}: {mails:?}");
        // Other addresses, from the same client: ten accounts an hour.
        for n in 0..10 {
            let fields = account_fields(&format!("autre{n}@example.org"));
            let fields: Vec<(&str, &str)> =
                fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = Browser::portal("arles")
                .submit(&app, "/creer-un-compte", "/creer-un-compte", &fields)
                .await;
            let expected = if n < 4 { StatusCode::OK } else { StatusCode::TOO_MANY_REQUESTS };
            assert_eq!(r.status, expected, "{n}: {}", r.html);
        }
        // A month later, never confirmed: forgotten; a confirmed one stays.
        let back = match backend {
            Backend::Postgres => {
                "UPDATE household_logins SET created_at = created_at - INTERVAL '31 days'"
            }
            Backend::Sqlite => {
                "UPDATE household_logins SET created_at = datetime(created_at, '-31 days')"
            }
        };
        p.store
            .write(arles.id, |tx| {
                use diesel::RunQueryDsl;
                diesel::sql_query(back)
                    .execute(tx.conn())
                    .map_err(guichet_core::store::StoreError::from)
            })
            .unwrap();
        let purged = p
            .store
            .write(arles.id, guichet_core::foyers::purge_unconfirmed)
            .unwrap();
        assert_eq!(purged, 5, "{backend:?}");
        let left = p
            .store
            .read(arles.id, |tx| guichet_core::foyers::account_by_login(tx, victim))
            .unwrap();
        assert!(left.is_none());
    }
}

per_backend! {
    /// S8: a reader reaches the foyers of the requests they may read; the
    /// counter's agents find every foyer, and change only those with a
    /// request they may process.
    async fn foyers_are_reached_through_their_requests(backend: Backend) {
        let (p, arles, _) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let hugo = agent(&p, &arles, "Hugo", "Petit", "read");
        let marc = agent(&p, &arles, "Marc", "Vidal", "none");
        // Marc processes the « État civil » category only.
        let uid = marc.clone();
        p.store
            .write(arles.id, move |tx| {
                use guichet_core::catalogue::categories;
                let c = categories::create(tx, "test", "État civil", "")?;
                categories::set_teleservice_category(tx, "test", "birth-details", Some(c.id))?;
                categories::set_right(tx, "test", c.id, &uid, "write")
            })
            .unwrap();
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        send_canteen(&app, &mut b, id).await;
        household(&app, &p, &arles, &mut Browser::portal("arles"), "roux@example.fr").await;
        let foyer_of = |login: &'static str| {
            p.store
                .read(arles.id, move |tx| guichet_core::foyers::account_by_login(tx, login))
                .unwrap()
                .unwrap()
                .household
        };
        let (filed, idle) = (foyer_of("durand@example.fr"), foyer_of("roux@example.fr"));

        // Hugo reads the canteen's requests: Durand's foyer, not Roux's.
        let mut h = signed_in_agent(&app, &hugo, "arles").await;
        let r = h.get(&app, "/backoffice/foyers?nom=martin").await;
        assert_eq!(r.status, StatusCode::OK, "{backend:?}: {}", r.html);
        assert!(r.html.contains(&format!("/backoffice/foyers/{filed}\"")), "{}", r.html);
        assert!(!r.html.contains(&format!("/backoffice/foyers/{idle}\"")), "{}", r.html);
        assert_eq!(h.get(&app, &format!("/backoffice/foyers/{idle}")).await.status, StatusCode::NOT_FOUND);

        // Marc, at the counter, finds both, and changes neither.
        let mut m = signed_in_agent(&app, &marc, "arles").await;
        let r = m.get(&app, "/backoffice/foyers?nom=martin").await;
        assert!(r.html.contains(&format!("/backoffice/foyers/{idle}\"")), "{}", r.html);
        for foyer in [filed, idle] {
            let page = m.get(&app, &format!("/backoffice/foyers/{foyer}")).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(!page.html.contains("Nouvel état du foyer"), "{}", page.html);
            let token = csrf_of(&page.html);
            for (path, field) in [("compte", ("compte", "desactiver")), ("etat", ("to", "Valid"))] {
                let r = m
                    .post(&app, &format!("/backoffice/foyers/{foyer}/{path}"), &token, &[field])
                    .await;
                assert_eq!(r.status, StatusCode::CONFLICT, "{foyer} {path}: {}", r.html);
            }
        }
        // Léa processes the canteen: Durand's foyer is hers to change.
        let mut a = signed_in_agent(&app, &lea, "arles").await;
        let page = a.get(&app, &format!("/backoffice/foyers/{filed}")).await;
        let r = a
            .post(&app, &format!("/backoffice/foyers/{filed}/etat"), &csrf_of(&page.html), &[("to", "Valid")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let page = a.get(&app, &format!("/backoffice/foyers/{idle}")).await;
        let r = a
            .post(&app, &format!("/backoffice/foyers/{idle}/etat"), &csrf_of(&page.html), &[("to", "Valid")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.html);
    }
}

per_backend! {
    /// S14: eight payers at once on one invoice (the same basket twice in
    /// it, too) open one payment at the bank, of its amount.
    async fn one_invoice_is_paid_once_however_many_start_at_once(backend: Backend) {
        use guichet_core::payments::online::{self, Basket, Payer};
        let bank = TestBank::start(Notify::Hold);
        let (p, arles, _) = setup(backend).await;
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let durand = p
            .store
            .read(arles.id, |tx| guichet_core::foyers::account_by_login(tx, "durand@example.fr"))
            .unwrap()
            .unwrap()
            .household;
        let cantine = regie(&p, &arles, "Régie de la restauration scolaire");
        let f = invoice(&p, &arles, cantine, durand, "F2026-001", "12,50");
        let provider = guichet_server::app::payfip(Some(&url::Url::parse(&bank.url()).unwrap())).0;
        let payer = Payer {
            household: durand,
            name: "Marie Durand".into(),
            email: "durand@example.fr".into(),
        };
        let opened: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        online::start(
                            &p.store,
                            arles.id,
                            provider.as_ref(),
                            &payer,
                            &Basket { invoices: vec![f, f], top_ups: Vec::new() },
                            &guichet_tests::fixtures::Here,
                        )
                        .is_ok()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(opened.iter().filter(|o| **o).count(), 1, "{backend:?}: {opened:?}");
        let soap = bank.requests();
        assert_eq!(soap.len(), 1, "one payment opened at the bank");
        assert!(soap[0].contains("<montant>1250</montant>"), "{}", soap[0]);
    }
}

/// S9: wrong passwords tried on a login from anywhere slow it down, then
/// refuse it for now; the person's own browser, which signed in to it
/// before, is not locked out, in each plane.
#[actix_web::test]
async fn guessing_a_password_elsewhere_never_locks_out_its_owners_browser() {
    let (p, arles, _) = setup(Backend::Sqlite).await;
    let lea = agent(&p, &arles, "Léa", "Bernard", "write");
    let app = test::init_service(public_app(&p.shared)).await;
    let prov = test::init_service(guichet_server::app::provisioning_app(&p.shared)).await;
    let mut own = Browser::portal("arles").from("192.0.2.10");
    household(&app, &p, &arles, &mut own, "d@example.fr").await;
    let mut own_agent = Browser::backoffice("arles").from("192.0.2.11");
    let r = own_agent
        .agent_sign_in(&app, &lea, "un mot de passe long")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut own_root = Browser::provisioning().from("192.0.2.12");
    let r = own_root
        .sign_in(
            &prov,
            guichet_tests::api::ROOT,
            guichet_tests::api::ROOT_PASSWORD,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    // Someone guesses, from many addresses, long enough to block the logins.
    for (n, login) in [
        "foyer:d@example.fr@arles".to_owned(),
        format!("{lea}@arles"),
        guichet_tests::api::ROOT.to_owned(),
    ]
    .iter()
    .enumerate()
    {
        for i in 0..12u8 {
            let addr = format!("198.51.{n}.{i}").parse().ok();
            p.shared.throttle.failed(login, addr).unwrap();
        }
    }
    // Another browser, right password: refused for now.
    let r = Browser::portal("arles")
        .from("192.0.2.20")
        .household_sign_in(&app, "d@example.fr", guichet_tests::fixtures::PASSWORD)
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.html);
    let r = Browser::backoffice("arles")
        .from("192.0.2.21")
        .agent_sign_in(&app, &lea, "un mot de passe long")
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.html);
    // The owners' own browsers: signed in at once.
    let page = own.get(&app, "/mes-demandes").await;
    own.post(&app, "/deconnexion", &csrf_of(&page.html), &[])
        .await;
    let r = own
        .household_sign_in(&app, "d@example.fr", guichet_tests::fixtures::PASSWORD)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    // (their sessions ended: the device cookie alone is kept)
    own_agent.cookie = None;
    let r = own_agent
        .agent_sign_in(&app, &lea, "un mot de passe long")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    own_root.cookie = None;
    let r = own_root
        .sign_in(
            &prov,
            guichet_tests::api::ROOT,
            guichet_tests::api::ROOT_PASSWORD,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    // A wrong password from the owner's browser still counts, and is refused.
    own.cookie = None;
    let r = own
        .household_sign_in(&app, "d@example.fr", "pas le bon")
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

per_backend! {
    /// S11: a token opens one API: an agent's the back office's, a
    /// provisioning token the provisioning API only.
    async fn a_token_opens_the_one_api_of_its_scope(backend: Backend) {
        use guichet_core::agents::principal::{issue_scoped_token, issue_token, Scope};
        use guichet_tests::api::{call, Auth};
        use actix_web::http::Method;
        let (p, _, _) = setup(backend).await;
        let app = test::init_service(public_app(&p.shared)).await;
        let prov = test::init_service(guichet_server::app::provisioning_app(&p.shared)).await;
        let admin = p
            .store
            .platform_read(|c| guichet_core::tenancy::find_by_slug(c, "arles"))
            .unwrap()
            .unwrap();
        let uid = p
            .store
            .read(admin.id, |tx| guichet_core::agents::search(tx, "", 10))
            .unwrap()
            .into_iter()
            .next()
            .unwrap()
            .uid;
        let login = format!("{uid}@arles");
        let backoffice = issue_token(&p.store, &login, 30, "test").unwrap();
        let provisioning =
            issue_scoped_token(&p.store, &login, Some(Scope::Provisioning), 30, "test").unwrap();
        let api = |token: &str| {
            test::TestRequest::get()
                .uri("/api/v1/requests")
                .insert_header(("host", "arles.localhost:8080"))
                .insert_header(("authorization", format!("Bearer {token}")))
                .to_request()
        };
        let status = test::call_service(&app, api(&backoffice)).await.status();
        assert_eq!(status, StatusCode::OK, "{backend:?}");
        let status = test::call_service(&app, api(&provisioning)).await.status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let path = "/api/v1/local-authorities/arles";
        let (status, _) = call(&prov, Method::GET, path, &Auth::Bearer(provisioning.clone()), None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = call(&prov, Method::GET, path, &Auth::Bearer(backoffice.clone()), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // A super-admin has no back office.
        assert!(issue_scoped_token(&p.store, "root", Some(Scope::Backoffice), 30, "test").is_err());
    }
}

per_backend! {
    /// Two processes on one database count the same failed passwords: five
    /// wrong guesses spread over both block the login from that address on
    /// either (each process counted for itself before, and let through
    /// five per process).
    async fn failed_passwords_are_counted_by_every_process(backend: Backend) {
        use guichet_core::auth::throttle::Throttle;
        let (p, arles, _) = guichet_tests::fixtures::setup(backend).await;
        let first = test::init_service(public_app(&p.shared)).await;
        let mut other = p.shared.clone();
        other.throttle = actix_web::web::Data::new(Throttle::new(p.store.clone()));
        let second = test::init_service(public_app(&other)).await;
        let mut b = Browser::portal("arles").from("192.0.2.77");
        guichet_tests::fixtures::household(&first, &p, &arles, &mut b, "d@example.fr").await;
        // Signed out, the browser keeps what says it signed in before: the
        // per-login slowdown spares it, the per-address block does not.
        let page = b.get(&first, "/mes-demandes").await;
        let r = b.post(&first, "/deconnexion", &csrf_of(&page.html), &[]).await;
        assert_eq!(r.location.as_deref(), Some("/"));
        for i in 0..5 {
            let r = if i % 2 == 0 {
                b.household_sign_in(&first, "d@example.fr", "pas le bon").await
            } else {
                b.household_sign_in(&second, "d@example.fr", "pas le bon").await
            };
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "guess {i}");
        }
        for app in [&first, &second] {
            let r = b
                .household_sign_in(app, "d@example.fr", guichet_tests::fixtures::PASSWORD)
                .await;
            assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.html);
        }
        // Another address is not blocked, and the right password clears the
        // login's count.
        let mut elsewhere = Browser::portal("arles").from("192.0.2.78");
        let r = elsewhere
            .household_sign_in(&second, "d@example.fr", guichet_tests::fixtures::PASSWORD)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    }
}
