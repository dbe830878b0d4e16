//! The téléservices' configuration in the back office, on both backends:
//! only the agents who manage the category reach it; seasons are added,
//! changed and deleted by the support guide's rules (neither registrations
//! nor periods overlap, a new one opens today at the earliest, what has
//! passed no longer moves, a season with requests stays); delays; online or
//! not, with the portal's message. Another collectivité keeps its own.

use actix_web::http::StatusCode;
use actix_web::test;
use chrono::Duration;
use guichet_core::store::repo::offer;
use guichet_server::app::public_app;
use guichet_tests::client::{csrf_of, Browser};

use guichet_tests::fixtures::{add_child, household, send_canteen, setup, start_canteen};
use guichet_tests::fixtures::{agent, signed_in_agent};

const CANTEEN: &str = "/backoffice/teleservices/school-canteen-registration";

per_backend! {
    async fn managers_configure_seasons_delays_and_the_online_state(backend: Backend) {
        let (p, arles, nimes) = setup(backend).await;
        let paul = agent(&p, &arles, "Paul", "Roux", "manage");
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let app = test::init_service(public_app(&p.shared)).await;
        let today = guichet_domain::time::today();
        let day = |n: i64| (today + Duration::days(n)).format("%Y-%m-%d").to_string();
        let seasons_of = |slug: &'static str| {
            let t = if slug == "arles" { &arles } else { &nimes };
            p.store
                .read(t.id, |tx| {
                    let id = offer::teleservice(tx, "school-canteen-registration")?
                        .unwrap()
                        .id;
                    offer::seasons(tx, Some(id))
                })
                .unwrap()
        };

        // Léa does not manage the category: nothing.
        let mut a_lea = signed_in_agent(&app, &lea, "arles").await;
        assert!(a_lea
            .get(&app, "/backoffice/teleservices")
            .await
            .html
            .contains("Vous ne gérez aucune catégorie"));
        assert_eq!(a_lea.get(&app, CANTEEN).await.status, StatusCode::NOT_FOUND);

        let mut a_paul = signed_in_agent(&app, &paul, "arles").await;
        let list = a_paul.get(&app, "/backoffice/teleservices").await;
        assert!(list.html.contains(CANTEEN), "{backend:?}: {}", list.html);
        let page = a_paul.get(&app, CANTEEN).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        assert!(page.html.contains("Année scolaire"));
        let token = csrf_of(&page.html);
        let new_season = |label: &'static str, rs: i64, re: i64, es: i64, ee: i64| {
            vec![
                ("label", label.to_owned()),
                ("registration_start", day(rs)),
                ("registration_end", day(re)),
                ("validation_start", day(rs)),
                ("effect_start", day(es)),
                ("effect_end", day(ee)),
            ]
        };
        let post = |fields: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> {
            fields.clone()
        };
        // Refused seasons, each with its French reason; nothing added.
        for (fields, message) in [
            (
                new_season("Chevauche", 10, 40, 41, 100),
                "chevaucherait « Année scolaire »",
            ),
            (
                new_season("Période", 31, 40, 100, 200),
                "chevaucherait « Année scolaire »",
            ),
            (
                new_season("Hier", -1, 10, 400, 500),
                "ouvrent aujourd’hui au plus tôt",
            ),
            (
                new_season("Envers", 320, 310, 400, 500),
                "La fin des inscriptions doit suivre leur début",
            ),
            (
                vec![
                    ("label", "Mal datée".to_owned()),
                    ("registration_start", "32/13/2027".to_owned()),
                ],
                "au format jj/mm/aaaa",
            ),
        ] {
            let fields = post(&fields);
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = a_paul
                .post(&app, &format!("{CANTEEN}/saisons"), &token, &pairs)
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{fields:?}: {}", r.html);
            assert!(r.html.contains(message), "{message}: {}", r.html);
            assert_eq!(seasons_of("arles").len(), 1);
        }
        let fields = new_season("Année suivante", 301, 320, 321, 400);
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = a_paul
            .post(&app, &format!("{CANTEEN}/saisons"), &token, &pairs)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let seasons = seasons_of("arles");
        assert_eq!(seasons.len(), 2);
        assert_eq!(
            seasons_of("nimes").len(),
            1,
            "another collectivité keeps its own"
        );
        let current = seasons
            .iter()
            .find(|s| s.label == "Année scolaire")
            .unwrap()
            .clone();
        let next = seasons
            .iter()
            .find(|s| s.label == "Année suivante")
            .unwrap()
            .clone();

        // The open season: its opening has passed and no longer moves; its name does.
        let iso = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
        let change = |label: &str, rs: String| {
            vec![
                ("label", label.to_owned()),
                ("registration_start", rs),
                ("registration_end", iso(current.registration_end)),
                ("validation_start", iso(current.validation_start)),
                ("effect_start", iso(current.effect_start)),
                ("effect_end", iso(current.effect_end)),
            ]
        };
        let path = format!("{CANTEEN}/saisons/{}", current.id);
        let fields = change("Année scolaire", day(-1));
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = a_paul.post(&app, &path, &token, &pairs).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(
            r.html.contains("leur date d’ouverture ne change plus"),
            "{}",
            r.html
        );
        let fields = change("Année scolaire 2026-2027", iso(current.registration_start));
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = a_paul.post(&app, &path, &token, &pairs).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert!(seasons_of("arles")
            .iter()
            .any(|s| s.label == "Année scolaire 2026-2027"));

        // A season with a request stays; the other goes.
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        send_canteen(&app, &mut b, id).await;
        let r = a_paul
            .post(&app, &format!("{path}/supprimer"), &token, &[])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.html);
        assert!(r.html.contains("elle ne se supprime pas"));
        let r = a_paul
            .post(
                &app,
                &format!("{CANTEEN}/saisons/{}/supprimer", next.id),
                &token,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert_eq!(seasons_of("arles").len(), 1);

        // Delays: both or none, the alert before the maximum.
        for (max, alert, message) in [
            ("5", "", "indiquez les deux délais"),
            ("5", "7", "L’alerte vient avant le délai maximal"),
            ("cinq", "2", "de 1 à 365"),
        ] {
            let r = a_paul
                .post(
                    &app,
                    &format!("{CANTEEN}/delais"),
                    &token,
                    &[("max_delay_days", max), ("alert_delay_days", alert)],
                )
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{max} {alert}");
            assert!(
                r.html.to_lowercase().contains(&message.to_lowercase()),
                "{message}: {}",
                r.html
            );
        }
        let r = a_paul
            .post(
                &app,
                &format!("{CANTEEN}/delais"),
                &token,
                &[("max_delay_days", "5"), ("alert_delay_days", "2")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let t = p
            .store
            .read(arles.id, |tx| {
                offer::teleservice(tx, "school-canteen-registration")
            })
            .unwrap()
            .unwrap();
        assert_eq!((t.max_delay_days, t.alert_delay_days), (Some(5), Some(2)));

        // Offline with a message the portal shows; then online again.
        let r = a_paul
            .post(
                &app,
                &format!("{CANTEEN}/en-ligne"),
                &token,
                &[
                    ("online", "non"),
                    ("confirme", "oui"),
                    ("message", "Reprise des inscriptions le 1er septembre."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let portal = b.get(&app, "/demarches/school-canteen-registration").await;
        assert!(
            portal
                .html
                .contains("Reprise des inscriptions le 1er septembre."),
            "{}",
            portal.html
        );
        let mut at_nimes = Browser::portal("nimes");
        let theirs = at_nimes
            .get(&app, "/demarches/school-canteen-registration")
            .await;
        assert!(!theirs.html.contains("Reprise des inscriptions"));
        let r = a_paul
            .post(
                &app,
                &format!("{CANTEEN}/en-ligne"),
                &token,
                &[("online", "oui")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let portal = b.get(&app, "/demarches/school-canteen-registration").await;
        assert!(!portal.html.contains("Reprise des inscriptions"));
    }
}

per_backend! {
    async fn managers_choose_the_justificatifs_a_teleservice_requires(backend: Backend) {
        use guichet_tests::fixtures::{key_of, CANTEEN as ANSWERS, PDF};
        use guichet_tests::client::Part;
        let (p, arles, nimes) = setup(backend).await;
        let paul = agent(&p, &arles, "Paul", "Roux", "manage");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut a_paul = signed_in_agent(&app, &paul, "arles").await;
        let page = a_paul.get(&app, CANTEEN).await;
        assert!(
            page.html.contains("Justificatifs demandés"),
            "{backend:?}: {}",
            page.html
        );
        let token = csrf_of(&page.html);
        let put = format!("{CANTEEN}/justificatifs");
        for (fields, message) in [
            (
                vec![("document_type", "perdu")],
                "Choisissez le type de document",
            ),
            (
                vec![("document_type", "domicile-receipt"), ("special", "oui")],
                "Dites dans quels cas",
            ),
        ] {
            let r = a_paul.post(&app, &put, &token, &fields).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{fields:?}");
            assert!(r.html.contains(message), "{message}: {}", r.html);
        }
        let r = a_paul
            .post(
                &app,
                &put,
                &token,
                &[("document_type", "domicile-receipt"), ("required", "oui")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let page = a_paul.get(&app, CANTEEN).await;
        assert!(
            page.html.contains("Justificatif de domicile (obligatoire)"),
            "{}",
            page.html
        );

        // The household cannot send without it, and is told what to join.
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        for (step, fields) in [
            ("inscription", ANSWERS),
            ("health", &[("rules_acceptance", "oui")][..]),
        ] {
            let path = format!("/mes-demandes/{id}/etapes/{step}");
            assert_eq!(
                b.submit(&app, &path, &path, fields).await.status,
                StatusCode::SEE_OTHER
            );
        }
        let docs = b
            .get(&app, &format!("/mes-demandes/{id}/justificatifs"))
            .await;
        assert!(
            docs.html.contains("Justificatif de domicile (obligatoire)"),
            "{}",
            docs.html
        );
        let summary = b.get(&app, &format!("/mes-demandes/{id}/envoi")).await;
        let send = [
            ("means", "Email"),
            ("consent", "oui"),
            ("key", &key_of(&summary.html)),
        ];
        let r = b
            .post(
                &app,
                &format!("/mes-demandes/{id}/envoi"),
                &csrf_of(&summary.html),
                &send,
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(
            r.html.contains("Joignez Justificatif de domicile")
                || r.html.contains("joignez Justificatif de domicile"),
            "{}",
            r.html
        );
        let token_b = csrf_of(&docs.html);
        let r = b
            .upload(
                &app,
                &format!("/mes-demandes/{id}/justificatifs"),
                &token_b,
                &[
                    Part::Text("document_type", "domicile-receipt"),
                    Part::File("pages", "facture.pdf", "application/pdf", PDF),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let summary = b.get(&app, &format!("/mes-demandes/{id}/envoi")).await;
        let send = [
            ("means", "Email"),
            ("consent", "oui"),
            ("key", &key_of(&summary.html)),
        ];
        let r = b
            .post(
                &app,
                &format!("/mes-demandes/{id}/envoi"),
                &csrf_of(&summary.html),
                &send,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);

        // Nîmes asks for nothing more; Arles stops asking.
        let theirs = p
            .store
            .read(nimes.id, |tx| {
                let o = guichet_core::catalogue::offer::offer(tx, "school-canteen-registration")?;
                Ok::<_, guichet_core::Error>(guichet_core::catalogue::offer::asked(&o))
            })
            .unwrap();
        assert!(!theirs.iter().any(|a| a.required));
        let remove = format!("{CANTEEN}/justificatifs/domicile-receipt/retirer");
        assert_eq!(
            a_paul.post(&app, &remove, &token, &[]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            a_paul.post(&app, &remove, &token, &[]).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

per_backend! {
    async fn managers_edit_the_parametre_lists_the_portal_offers_at_once(backend: Backend) {
        let (p, arles, nimes) = setup(backend).await;
        let paul = agent(&p, &arles, "Paul", "Roux", "manage");
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let app = test::init_service(public_app(&p.shared)).await;
        let list = format!("{CANTEEN}/listes/food_diet");
        let mut a_paul = signed_in_agent(&app, &paul, "arles").await;
        let page = a_paul.get(&app, CANTEEN).await;
        assert!(page.html.contains(&list), "{backend:?}: {}", page.html);
        let page = a_paul.get(&app, &list).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        assert!(page.html.contains("Sans porc"));
        let token = csrf_of(&page.html);

        // A household has chosen « Sans porc » in a request it sent.
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        send_canteen(&app, &mut b, id).await;
        let second = add_child(&app, &mut b, me, "Zoé").await;
        let draft = start_canteen(&app, &mut b, second).await;
        let step = format!("/mes-demandes/{draft}/etapes/inscription");

        // Refused entries: a bad key, a key taken, no label; nothing added.
        for (fields, message) in [
            (
                vec![("key", "Sans Gluten"), ("label", "Sans gluten")],
                "La clé s’écrit en minuscules",
            ),
            (
                vec![("key", "no-pork"), ("label", "Autre")],
                "a déjà la clé « no-pork »",
            ),
            (
                vec![("key", "halal"), ("label", "")],
                "Ce champ est obligatoire",
            ),
        ] {
            let r = a_paul.post(&app, &list, &token, &fields).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{fields:?}: {}", r.html);
            assert!(r.html.contains(message), "{message}: {}", r.html);
        }
        // Added: the portal's form offers it at once.
        let r = a_paul
            .post(
                &app,
                &list,
                &token,
                &[("key", "gluten-free"), ("label", "Sans gluten")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let form = b.get(&app, &step).await;
        assert!(form.html.contains("Sans gluten"), "{}", form.html);
        // Renamed, and moved to the top.
        let r = a_paul
            .post(
                &app,
                &format!("{list}/gluten-free"),
                &token,
                &[("label", "Sans gluten (certificat médical)")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        for _ in 0..3 {
            let r = a_paul
                .post(&app, &format!("{list}/gluten-free/monter"), &token, &[])
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
        }
        let r = a_paul
            .post(&app, &format!("{list}/gluten-free/monter"), &token, &[])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "already first: {}", r.html);
        let form = b.get(&app, &step).await;
        let first = form.html.find("Sans gluten (certificat médical)").unwrap();
        assert!(first < form.html.find("Sans porc").unwrap());

        // « Sans porc » is in use: retired, no longer offered, still read.
        let r = a_paul
            .post(&app, &format!("{list}/no-pork/retirer"), &token, &[])
            .await;
        assert_eq!(r.location.as_deref(), Some(list.as_str()));
        let said = a_paul.get(&app, &list).await;
        assert!(said.html.contains("elle est retirée"), "{}", said.html);
        let form = b.get(&app, &step).await;
        assert!(!form.html.contains("Sans porc"), "{}", form.html);
        let sent = b.get(&app, &format!("/mes-demandes/{id}")).await;
        assert!(sent.html.contains("Sans porc"), "{}", sent.html);
        // « Sans viande » is not: deleted. Then « Sans porc » offered again.
        let r = a_paul
            .post(&app, &format!("{list}/vegetarian/retirer"), &token, &[])
            .await;
        assert_eq!(r.location.as_deref(), Some(list.as_str()));
        let said = a_paul.get(&app, &list).await;
        assert!(said.html.contains("L’entrée est supprimée"), "{}", said.html);
        let r = a_paul
            .post(&app, &format!("{list}/no-pork/proposer"), &token, &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let form = b.get(&app, &step).await;
        assert!(form.html.contains("Sans porc") && !form.html.contains("Sans viande"));
        let entries = |t: guichet_core::tenancy::TenantId| {
            p.store
                .read(t, |tx| {
                    let ts = offer::teleservice(tx, "school-canteen-registration")?.unwrap();
                    offer::entries(tx, ts.id)
                })
                .unwrap()
                .into_iter()
                .filter(|e| e.list == "food_diet")
                .map(|e| e.key)
                .collect::<Vec<_>>()
        };
        assert_eq!(entries(arles.id), ["gluten-free", "standard", "no-pork"]);

        // Another collectivité keeps its own; an agent who does not manage
        // the category, or of another collectivité, reaches nothing.
        let mut at_nimes = Browser::portal("nimes");
        let theirs = at_nimes
            .get(&app, "/demarches/school-canteen-registration")
            .await;
        assert!(!theirs.html.contains("Sans gluten"));
        assert!(!entries(nimes.id).contains(&"gluten-free".to_owned()));
        let mut a_lea = signed_in_agent(&app, &lea, "arles").await;
        assert_eq!(a_lea.get(&app, &list).await.status, StatusCode::NOT_FOUND);
        let lea_token = csrf_of(&a_lea.get(&app, "/backoffice/teleservices").await.html);
        let r = a_lea
            .post(&app, &format!("{list}/no-pork/retirer"), &lea_token, &[])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(entries(arles.id), ["gluten-free", "standard", "no-pork"]);
        assert_eq!(
            a_paul
                .get(&app, &format!("{CANTEEN}/listes/inconnue"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}
