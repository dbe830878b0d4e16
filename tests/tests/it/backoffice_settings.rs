//! The collectivité's settings, on both backends: only its administrators
//! reach them; bad values are refused field by field and nothing changes;
//! the lock delay and the default delays they set rule the requests' locks
//! and quality of service at once; another collectivité keeps its own.

use actix_web::http::StatusCode;
use actix_web::test;
use chrono::{Duration, Utc};
use guichet_core::store::repo::{agents as agent_rows, requests as request_rows};
use guichet_core::tenancy::Tenant;
use guichet_server::app::public_app;
use guichet_tests::client::{csrf_of, Browser};

use guichet_tests::fixtures::{add_child, household, send_canteen, setup, start_canteen};
use guichet_tests::fixtures::{administrator, age, agent, signed_in_agent};

const GOOD: &[(&str, &str)] = &[
    ("draft_keep_days", "20"),
    ("draft_notice_days", "7"),
    ("means_of_contact", "Email"),
    ("means_of_contact", "Mail"),
    ("help_contact", "l’accueil de la mairie"),
    ("max_delay_days", "5"),
    ("alert_delay_days", "2"),
    ("lock_minutes", "5"),
];

fn with<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v: Vec<(&str, &str)> = GOOD
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .copied()
        .collect();
    v.extend(changes.iter().filter(|(_, v)| !v.is_empty()));
    v
}

per_backend! {
    async fn administrators_set_the_lock_delay_and_the_default_delays(backend: Backend) {
        let (p, arles, nimes) = setup(backend).await;
        administrator(&p, &arles, "ada.admin");
        administrator(&p, &nimes, "ada.admin");
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let hugo = agent(&p, &arles, "Hugo", "Petit", "write");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        send_canteen(&app, &mut b, id).await;
        age(&p, &arles, id, 6);

        // An agent without the administrator's profile: nothing.
        let mut a_lea = signed_in_agent(&app, &lea, "arles").await;
        assert!(!a_lea
            .get(&app, "/backoffice/")
            .await
            .html
            .contains("/backoffice/parametres"));
        assert_eq!(
            a_lea.get(&app, "/backoffice/parametres").await.status,
            StatusCode::NOT_FOUND
        );
        let mut admin = signed_in_agent(&app, "ada.admin", "arles").await;
        let page = admin.get(&app, "/backoffice/parametres").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {}", page.html);
        assert!(page.html.contains("value=\"30\""), "the default lock delay");
        let token = csrf_of(&page.html);
        let lea_token = csrf_of(&a_lea.get(&app, "/backoffice/").await.html);
        let r = a_lea
            .post(&app, "/backoffice/parametres", &lea_token, &with(&[]))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Bad values: each said, nothing saved.
        for (changes, message) in [
            (&[("lock_minutes", "2")][..], "de 5 à 480"),
            (
                &[("alert_delay_days", "5")][..],
                "L’alerte vient avant le délai maximal",
            ),
            (
                &[("draft_notice_days", "20")][..],
                "Le rappel part avant la suppression",
            ),
            (
                &[("means_of_contact", "")][..],
                "Cochez au moins un moyen de contact",
            ),
            (&[("max_delay_days", "dix")][..], "de 1 à 365"),
        ] {
            let r = admin
                .post(&app, "/backoffice/parametres", &token, &with(changes))
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{changes:?}");
            assert!(r.html.contains(message), "{message}: {}", r.html);
            let s = p
                .store
                .read(arles.id, guichet_core::collectivite::settings::current)
                .unwrap();
            assert_eq!((s.lock_minutes, s.max_delay_days), (30, 10));
        }
        // Before: 6 days after submission, on time with the 10 days default.
        let board = a_lea.get(&app, "/backoffice/").await;
        assert!(
            board
                .html
                .contains("En retard <span class=\"count\">(0)</span>"),
            "{}",
            board.html
        );
        let r = admin
            .post(&app, "/backoffice/parametres", &token, &with(&[]))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let s = p
            .store
            .read(arles.id, guichet_core::collectivite::settings::current)
            .unwrap();
        assert_eq!(
            (s.lock_minutes, s.max_delay_days, s.alert_delay_days),
            (5, 5, 2)
        );
        assert_eq!(
            p.store
                .read(nimes.id, guichet_core::collectivite::settings::current)
                .unwrap()
                .lock_minutes,
            30
        );
        // After: late with 5 days.
        let board = a_lea.get(&app, "/backoffice/").await;
        assert!(
            board
                .html
                .contains("En retard <span class=\"count\">(1)</span>"),
            "{}",
            board.html
        );

        // Léa's lock, taken 6 minutes ago, no longer holds with 5 minutes.
        let page = format!("/backoffice/demandes/{id}");
        guichet_tests::fixtures::take(&app, &mut a_lea, &page).await;
        let u = lea.clone();
        p.store
            .write(arles.id, move |tx| {
                let me = agent_rows::get(tx, &u)?.unwrap().id;
                request_rows::take_lock(tx, id, me, Utc::now().naive_utc() - Duration::minutes(6))
            })
            .unwrap();
        let mut a_hugo = signed_in_agent(&app, &hugo, "arles").await;
        let r = a_hugo.get(&app, &page).await;
        assert!(
            r.html.contains("Personne ne traite cette demande"),
            "{}",
            r.html
        );
    }
}

per_backend! {
    /// The alerts job: requests turning urgent then late are marked once per
    /// level, in their history; the agents who process their category are
    /// e-mailed (one line per request, or the counts), the others not, another
    /// collectivité not at all.
    async fn the_alerts_job_tells_the_right_agents_once_per_request_and_level(backend: Backend) {
        use guichet_tests::fixtures::mails_to;
        use guichet_cases::casework::alerts;
        let (p, arles, nimes) = setup(backend).await;
        let _lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let _zoe = agent(&p, &arles, "Zoé", "Blanc", "none");
        let _ines = agent(&p, &nimes, "Inès", "Noir", "write");
        for (t, detailed) in [(&arles, true), (&nimes, true)] {
            p.store
                .write(t.id, move |tx| {
                    let mut s = guichet_core::collectivite::settings::current(tx)?;
                    s.alerts_enabled = true;
                    s.alerts_detailed = detailed;
                    guichet_core::collectivite::settings::replace(tx, &s)
                })
                .unwrap();
        }
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let mut ids = Vec::new();
        for child in ["Léo", "Zoé"] {
            let c = add_child(&app, &mut b, me, child).await;
            let id = start_canteen(&app, &mut b, c).await;
            send_canteen(&app, &mut b, id).await;
            ids.push(id);
        }
        let (urgent, late) = (ids[0], ids[1]);
        age(&p, &arles, urgent, 8);
        age(&p, &arles, late, 11);
        let run = |t: &Tenant| {
            p.store
                .write(t.id, |tx| {
                    alerts::raise(
                        tx,
                        Utc::now().naive_utc(),
                        &guichet_core::domain::host::Site {
                            url: "http://arles.localhost".into(),
                            name: "Arles".into(),
                        },
                    )
                })
                .unwrap()
        };
        assert_eq!(run(&arles), (1, 1), "{backend:?}");
        assert_eq!(run(&nimes), (0, 0));
        let mails = mails_to(&p, &arles, "bernard@example.fr");
        assert_eq!(mails.len(), 1);
        assert!(mails[0]
            .1
            .contains(&format!("/backoffice/demandes/{urgent}")));
        assert!(mails[0].1.contains(&format!("/backoffice/demandes/{late}")));
        assert!(mails[0].1.contains("en retard") && mails[0].1.contains("urgente"));
        assert!(
            mails_to(&p, &arles, "blanc@example.fr").is_empty(),
            "no right, no mail"
        );
        // Once per request and level.
        assert_eq!(run(&arles), (0, 0));
        assert_eq!(mails_to(&p, &arles, "bernard@example.fr").len(), 1);
        age(&p, &arles, urgent, 11);
        assert_eq!(run(&arles), (0, 1));
        assert_eq!(mails_to(&p, &arles, "bernard@example.fr").len(), 2);
        let kinds: Vec<String> = p
            .store
            .read(arles.id, move |tx| request_rows::actions(tx, urgent, false))
            .unwrap()
            .into_iter()
            .map(|a| a.kind)
            .collect();
        assert!(kinds.contains(&"OrangeAlertNotification".to_owned()));
        assert!(kinds.contains(&"RedAlertNotification".to_owned()));
        assert!(mails_to(&p, &nimes, "noir@example.fr").is_empty());
        // Not detailed: the counts, and where to find them.
        p.store
            .write(arles.id, |tx| {
                let mut s = guichet_core::collectivite::settings::current(tx)?;
                s.alerts_detailed = false;
                guichet_core::collectivite::settings::replace(tx, &s)
            })
            .unwrap();
        let c = add_child(&app, &mut b, me, "Noé").await;
        let third = start_canteen(&app, &mut b, c).await;
        send_canteen(&app, &mut b, third).await;
        age(&p, &arles, third, 8);
        assert_eq!(run(&arles), (1, 0));
        let mails = mails_to(&p, &arles, "bernard@example.fr");
        let last = &mails.last().unwrap().1;
        assert!(
            last.contains("0 demande en retard et 1 demande urgente de plus"),
            "{last}"
        );
        assert!(last.contains("/backoffice/demandes?qualite=urgent"));
        assert!(!last.contains(&format!("/backoffice/demandes/{third}")));
    }
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

per_backend! {
    async fn administrators_give_logos_and_documents_with_their_previous_version(backend: Backend) {
        use guichet_tests::fixtures::PDF;
        use guichet_tests::client::Part;
        let (p, arles, nimes) = setup(backend).await;
        administrator(&p, &arles, "ada.admin");
        let lea = agent(&p, &arles, "Léa", "Bernard", "manage");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut admin = signed_in_agent(&app, "ada.admin", "arles").await;
        let page = admin.get(&app, "/backoffice/apparence").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {}", page.html);
        let token = csrf_of(&page.html);

        // Refused by content: a PDF is not a logo, a PNG not a document;
        // nothing is stored, nothing linked.
        let r = admin
            .upload(
                &app,
                "/backoffice/apparence/logo-portail",
                &token,
                &[Part::File("file", "logo.png", "image/png", PDF)],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("n’est pas un PNG ou JPEG"), "{}", r.html);
        let r = admin
            .upload(
                &app,
                "/backoffice/apparence/mentions-legales",
                &token,
                &[Part::File("file", "mentions.pdf", "application/pdf", PNG)],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        let r = admin
            .upload(&app, "/backoffice/apparence/faq", &token, &[])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.html.contains("Choisissez le fichier"), "{}", r.html);
        let mut b = Browser::portal("arles");
        let home = b.get(&app, "/").await;
        assert!(!home.html.contains("/apparence/logo-portail"));
        assert!(!home.html.contains("/documents/mentions-legales"));

        // A logo and the legal notices: shown and linked on the portal.
        let r = admin
            .upload(
                &app,
                "/backoffice/apparence/logo-portail",
                &token,
                &[Part::File("file", "logo.png", "image/png", PNG)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let first = b"%PDF-1.4 first version\n%%EOF\n".to_vec();
        let second = b"%PDF-1.4 second version\n%%EOF\n".to_vec();
        for version in [&first, &second] {
            let r = admin
                .upload(
                    &app,
                    "/backoffice/apparence/mentions-legales",
                    &token,
                    &[Part::File(
                        "file",
                        "mentions.pdf",
                        "application/pdf",
                        version,
                    )],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        }
        let home = b.get(&app, "/").await.html.replace("&#x3D;", "=");
        let logo = home
            .split("src=\"")
            .find(|s| s.starts_with("/apparence/logo-portail"))
            .and_then(|s| s.split('"').next())
            .expect("the logo in the header")
            .to_owned();
        assert_eq!(b.get_bytes(&app, &logo).await, PNG);
        let notices = home
            .split("href=\"")
            .find(|s| s.starts_with("/documents/mentions-legales"))
            .and_then(|s| s.split('"').next())
            .expect("the legal notices in the footer")
            .to_owned();
        assert_eq!(b.get_bytes(&app, &notices).await, second);
        // The previous version restored.
        let r = admin
            .post(
                &app,
                "/backoffice/apparence/mentions-legales/restaurer",
                &token,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            b.get_bytes(&app, "/documents/mentions-legales").await,
            first
        );
        // Nothing to restore for a kind never sent.
        let r = admin
            .post(&app, "/backoffice/apparence/faq/restaurer", &token, &[])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.html);
        assert!(r.html.contains("pas de version précédente"));

        // The portal's banner.
        let r = admin
            .upload(
                &app,
                "/backoffice/apparence/banniere",
                &token,
                &[Part::File("file", "banniere.png", "image/png", PNG)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let home = b.get(&app, "/").await.html.replace("&#x3D;", "=");
        assert!(
            home.contains("class=\"site-banner\" src=\"/apparence/banniere?v="),
            "{home}"
        );
        // A document is not a page's resource: not served at /apparence.
        assert_eq!(
            b.get(&app, "/apparence/mentions-legales").await.status,
            StatusCode::NOT_FOUND
        );

        // Nîmes shows none of it; an agent who does not administer reaches nothing.
        let mut theirs = Browser::portal("nimes");
        assert!(!theirs.get(&app, "/").await.html.contains("/apparence/"));
        assert_eq!(
            theirs.get(&app, "/documents/mentions-legales").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            theirs.get(&app, "/apparence/logo-portail").await.status,
            StatusCode::NOT_FOUND
        );
        let _ = &nimes;
        let mut a_lea = signed_in_agent(&app, &lea, "arles").await;
        assert_eq!(
            a_lea.get(&app, "/backoffice/apparence").await.status,
            StatusCode::NOT_FOUND
        );
        let lea_token = csrf_of(&a_lea.get(&app, "/backoffice/").await.html);
        let r = a_lea
            .upload(
                &app,
                "/backoffice/apparence/logo-portail",
                &lea_token,
                &[Part::File("file", "autre.png", "image/png", PNG)],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // Agents read the documents in their footer.
        assert!(a_lea
            .get(&app, "/backoffice/")
            .await
            .html
            .contains("/backoffice/documents/mentions-legales"));
        assert_eq!(
            a_lea
                .get_bytes(&app, "/backoffice/documents/mentions-legales")
                .await,
            first
        );
    }
}

fn send(css: &[u8]) -> Vec<guichet_tests::client::Part<'_>> {
    vec![guichet_tests::client::Part::File(
        "file",
        "arles.css",
        "text/css",
        css,
    )]
}

per_backend! {
    async fn the_portal_takes_a_style_sheet_that_loads_nothing_from_elsewhere(backend: Backend) {
        const STYLE: &str = "/* Couleurs d’Arles : é è à ç œ */\n\
            :root { --accent: #8a1c1c; }\n\
            .site-header { background: linear-gradient(90deg, rgb(138 28 28), white); }\n\
            .site-banner { background-image: url(\"data:image/png;base64,iVBORw0KGgo=\"); }\n";
        let (p, arles, _nimes) = setup(backend).await;
        administrator(&p, &arles, "ada.admin");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut admin = signed_in_agent(&app, "ada.admin", "arles").await;
        let page = admin.get(&app, "/backoffice/apparence").await;
        assert!(
            page.html.contains("Feuille de style du portail"),
            "{}",
            page.html
        );
        let token = csrf_of(&page.html);
        let stored = p.shared.files.keys().await.unwrap();

        // Each refusal says what to change; nothing is stored or linked.
        for (css, says) in [
            (
                format!("{STYLE}@import url(https://ailleurs.example/x.css);\n"),
                "Ligne 5 : la feuille de style importe une autre feuille (@import)",
            ),
            (
                "a { background: url(https://ailleurs.example/pixel.png) }".into(),
                "url() ne peut désigner qu’une image écrite dans la feuille",
            ),
            (
                "a { width: expression(alert(1)) }".into(),
                "la fonction expression() n’est pas acceptée",
            ),
            ("a { background: u\\72l(x) }".into(), "les échappements"),
        ] {
            let r = admin
                .upload(
                    &app,
                    "/backoffice/apparence/feuille-de-style",
                    &token,
                    &send(css.as_bytes()),
                )
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{backend:?}: {}", r.html);
            assert!(r.html.contains(says), "{says}: {}", r.html);
        }
        let r = admin
            .upload(
                &app,
                "/backoffice/apparence/feuille-de-style",
                &token,
                &send(PNG),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.html.contains("n’est pas un CSS"), "{}", r.html);
        let mut big = STYLE.repeat(1 + 200 * 1024 / STYLE.len());
        big.push_str("a{color:red}");
        let r = admin
            .upload(
                &app,
                "/backoffice/apparence/feuille-de-style",
                &token,
                &send(big.as_bytes()),
            )
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.html);
        // Text is no logo.
        let r = admin
            .upload(
                &app,
                "/backoffice/apparence/logo-portail",
                &token,
                &send(STYLE.as_bytes()),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(p.shared.files.keys().await.unwrap(), stored, "{backend:?}");
        let mut b = Browser::portal("arles");
        assert!(!b.get(&app, "/").await.html.contains("feuille-de-style"));

        // Kept, linked after the platform's own, served as CSS as it was sent.
        let r = admin
            .upload(
                &app,
                "/backoffice/apparence/feuille-de-style",
                &token,
                &send(STYLE.as_bytes()),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.html);
        let home = b.get(&app, "/").await.html.replace("&#x3D;", "=");
        let ours = home
            .find("href=\"/static/guichet.css\"")
            .expect("our style sheet");
        let theirs = home
            .find("<link rel=\"stylesheet\" href=\"/apparence/feuille-de-style?v=")
            .expect("the collectivité's style sheet");
        assert!(ours < theirs, "theirs comes after ours: {home}");
        let res = test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/apparence/feuille-de-style")
                .insert_header(("host", b.host.clone()))
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "text/css; charset=utf-8"
        );
        assert_eq!(test::read_body(res).await, STYLE.as_bytes());
        // The previous version (none) cannot be restored; another replaces it.
        let r = admin
            .upload(
                &app,
                "/backoffice/apparence/feuille-de-style",
                &token,
                &send(b"body{color:#222}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            b.get_bytes(&app, "/apparence/feuille-de-style").await,
            b"body{color:#222}"
        );
        let r = admin
            .post(
                &app,
                "/backoffice/apparence/feuille-de-style/restaurer",
                &token,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            b.get_bytes(&app, "/apparence/feuille-de-style").await,
            STYLE.as_bytes()
        );

        // Nîmes' portal keeps its look.
        let mut theirs = Browser::portal("nimes");
        assert!(!theirs
            .get(&app, "/")
            .await
            .html
            .contains("feuille-de-style"));
        assert_eq!(
            theirs.get(&app, "/apparence/feuille-de-style").await.status,
            StatusCode::NOT_FOUND
        );
    }
}

per_backend! {
    async fn administrators_manage_categories_and_rights_in_the_back_office(backend: Backend) {
        use guichet_core::catalogue::categories;
        const LIST: &str = "/backoffice/categories";
        let (p, arles, nimes) = setup(backend).await;
        administrator(&p, &arles, "ada.admin");
        administrator(&p, &nimes, "nina.admin");
        let lea = agent(&p, &arles, "Léa", "Bernard", "manage");
        let marc = agent(&p, &arles, "Marc", "Petit", "read");
        let app = test::init_service(public_app(&p.shared)).await;

        // Only administrators reach the pages.
        let mut a_lea = signed_in_agent(&app, &lea, "arles").await;
        assert_eq!(a_lea.get(&app, LIST).await.status, StatusCode::NOT_FOUND);
        let lea_token = csrf_of(&a_lea.get(&app, "/backoffice/").await.html);
        let r = a_lea
            .post(&app, LIST, &lea_token, &[("name", "Sports"), ("email", "")])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(!a_lea.get(&app, "/backoffice/").await.html.contains(LIST));

        let mut admin = signed_in_agent(&app, "ada.admin", "arles").await;
        let page = admin.get(&app, LIST).await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {}", page.html);
        assert!(page.html.contains("Enfance"), "{}", page.html);
        let token = csrf_of(&page.html);

        // Bad input: every field said, nothing created.
        let r = admin
            .post(
                &app,
                LIST,
                &token,
                &[("name", " "), ("email", "pas-une-adresse")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("Ce champ est obligatoire"), "{}", r.html);
        assert!(
            r.html.contains("Adresse électronique invalide"),
            "{}",
            r.html
        );
        let r = admin
            .post(&app, LIST, &token, &[("name", "enfance"), ("email", "")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.html);
        assert!(r.html.contains("existe déjà"), "{}", r.html);
        let count = || p.store.read(arles.id, categories::list).unwrap().len();
        assert_eq!(count(), 1);

        // A category with its address, a téléservice, a right.
        let r = admin
            .post(
                &app,
                LIST,
                &token,
                &[("name", "Propreté"), ("email", "proprete@arles.example")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let page_path = r.location.unwrap();
        let shown = admin.get(&app, &page_path).await;
        assert!(
            shown.html.contains("La catégorie « Propreté » est créée"),
            "{}",
            shown.html
        );
        let r = admin
            .post(
                &app,
                &format!("{page_path}/teleservices"),
                &token,
                &[("code", "bulky-waste-collection"), ("action", "rattacher")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let mut a_marc = signed_in_agent(&app, &marc, "arles").await;
        let config = "/backoffice/teleservices/bulky-waste-collection";
        assert_eq!(a_marc.get(&app, config).await.status, StatusCode::NOT_FOUND);
        let r = admin
            .post(
                &app,
                &format!("{page_path}/droits"),
                &token,
                &[
                    (&*format!("droit:{marc}"), "manage"),
                    (&*format!("droit:{lea}"), ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(admin
            .get(&app, &page_path)
            .await
            .html
            .contains("Le droit modifié est enregistré"));
        assert_eq!(a_marc.get(&app, config).await.status, StatusCode::OK);
        // The address is changed on the category's page, checked the same way.
        let r = admin
            .post(
                &app,
                &format!("{page_path}/modifier"),
                &token,
                &[("name", "Propreté urbaine"), ("email", "@arles")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        let r = admin
            .post(
                &app,
                &format!("{page_path}/modifier"),
                &token,
                &[("name", "Propreté urbaine"), ("email", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        // The same rows the provisioning plane reads, audited under the administrator's name.
        let (made, trail) = p
            .store
            .read(arles.id, |tx| {
                let made = categories::list(tx)?
                    .into_iter()
                    .find(|c| c.name == "Propreté urbaine")
                    .unwrap();
                let trail = guichet_core::store::repo::audit::recent(tx, 100)?;
                Ok::<_, guichet_core::Error>((made, trail))
            })
            .unwrap();
        assert_eq!(made.teleservices, vec!["bulky-waste-collection".to_owned()]);
        assert_eq!(made.email, "");
        assert!(trail
            .iter()
            .any(|e| e.action == "category.right" && e.actor == "Ada Admin"));
        // A category that holds a téléservice is not deleted.
        let r = admin
            .post(&app, &format!("{page_path}/supprimer"), &token, &[])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.html.contains("contient encore 1 téléservice"),
            "{}",
            r.html
        );

        // Nîmes' administrator finds none of it.
        let mut theirs = signed_in_agent(&app, "nina.admin", "nimes").await;
        assert!(!theirs.get(&app, LIST).await.html.contains("Propreté"));
        assert_eq!(
            theirs.get(&app, &page_path).await.status,
            StatusCode::NOT_FOUND
        );
        let their_token = csrf_of(&theirs.get(&app, LIST).await.html);
        let r = theirs
            .post(
                &app,
                &format!("{page_path}/droits"),
                &their_token,
                &[("droit:nina.admin", "none")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = theirs
            .post(&app, &format!("{page_path}/supprimer"), &their_token, &[])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(count(), 2);
    }
}
