//! The back office through HTTP, on both backends: the task board and the
//! search show an agent the requests of their categories only, never another
//! collectivité's; bad search input gets its French message; pages follow
//! one another without a gap or a repeat.

use actix_web::http::StatusCode;
use actix_web::test;
use chrono::{Duration, Utc};
use guichet_cases::casework::{self, Query};
use guichet_core::agents::{self};
use guichet_core::store::repo::requests as request_rows;
use guichet_core::tenancy::Tenant;
use guichet_server::app::public_app;
use guichet_tests::api::Platform;
use guichet_tests::client::Browser;
use guichet_tests::fixtures::*;

use guichet_tests::fixtures::{add_child, household, send_canteen, setup, start_canteen};

fn number_of(p: &Platform, t: &Tenant, id: i64) -> i64 {
    p.store
        .read(t.id, move |tx| request_rows::get(tx, id))
        .unwrap()
        .unwrap()
        .number
        .unwrap()
}

/// The numbers of the requests listed on a page (their links).
fn listed(html: &str) -> Vec<String> {
    html.split("href=\"/backoffice/demandes/")
        .skip(1)
        .filter_map(|s| s.split_once('>').map(|(_, rest)| rest))
        .filter_map(|s| s.split_once('<').map(|(n, _)| n.to_owned()))
        .collect()
}

per_backend! {
    async fn agents_find_the_requests_of_their_categories_only(backend: Backend) {
        let (p, arles, nimes) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let hugo = agent(&p, &arles, "Hugo", "Petit", "none");
        let app = test::init_service(public_app(&p.shared)).await;

        // Arles: two canteen registrations (Léo, Zoé); Nîmes: one (Léo too).
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let mut ids = Vec::new();
        for child in ["Léo", "Zoé"] {
            let c = add_child(&app, &mut b, me, child).await;
            let id = start_canteen(&app, &mut b, c).await;
            send_canteen(&app, &mut b, id).await;
            ids.push(id);
        }
        let mut other = Browser::portal("nimes");
        let them = household(&app, &p, &nimes, &mut other, "martin@example.fr").await;
        let c = add_child(&app, &mut other, them, "Léo").await;
        let theirs = start_canteen(&app, &mut other, c).await;
        send_canteen(&app, &mut other, theirs).await;
        let (leo, zoe) = (ids[0], ids[1]);
        age(&p, &arles, zoe, 8);

        let mut a = Browser::backoffice("arles");
        let r = a.agent_sign_in(&app, &lea, AGENT_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.html);
        let board = a.get(&app, "/backoffice/").await;
        assert_eq!(board.status, StatusCode::OK, "{}", board.html);
        assert!(board
            .html
            .contains("Nouvelles demandes <span class=\"count\">(2)</span>"));
        assert!(board
            .html
            .contains("Urgentes <span class=\"count\">(1)</span>"));
        assert!(board
            .html
            .contains("En retard <span class=\"count\">(0)</span>"));
        // Oldest first: Zoé's (eight days old) before Léo's.
        let new = listed(&board.html);
        let (n_leo, n_zoe) = (
            number_of(&p, &arles, leo).to_string(),
            number_of(&p, &arles, zoe).to_string(),
        );
        assert_eq!(new[..2], [n_zoe.as_str(), n_leo.as_str()]);

        // Searches: by the child's first name, by number, by foyer, by state.
        let r = a.get(&app, "/backoffice/demandes?nom=zo").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.html);
        assert!(r.html.contains("1 demande trouvée"), "{}", r.html);
        assert_eq!(listed(&r.html), [n_zoe.as_str()]);
        let r = a
            .get(&app, &format!("/backoffice/demandes?numero={n_leo}"))
            .await;
        assert_eq!(listed(&r.html), [n_leo.as_str()]);
        let foyer = p
            .store
            .read(arles.id, move |tx| request_rows::get(tx, leo))
            .unwrap()
            .unwrap()
            .household_id;
        let r = a
            .get(
                &app,
                &format!("/backoffice/demandes?foyer={foyer}&tri=recentes"),
            )
            .await;
        assert_eq!(listed(&r.html), [n_leo.as_str(), n_zoe.as_str()]);
        let r = a
            .get(&app, "/backoffice/demandes?etat=Pending&qualite=urgent")
            .await;
        assert_eq!(listed(&r.html), [n_zoe.as_str()]);
        let r = a.get(&app, "/backoffice/demandes?etat=Validated").await;
        assert!(r.html.contains("Aucune demande trouvée"));
        // The filters stay in the form, so that the search can be refined.
        let r = a.get(&app, "/backoffice/demandes?nom=L%C3%A9o").await;
        assert!(r.html.contains("value=\"Léo\""), "{}", r.html);
        // Nîmes's Léo is not Arles's business.
        assert_eq!(listed(&r.html), [n_leo.as_str()]);

        // Bad input: each field says what to type; the page answers 400.
        let r = a
            .get(
                &app,
                "/backoffice/demandes?numero=douze&du=31%2F12%2F2026&etat=Perdue&tri=hasard&qualite=verte",
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        for message in [
            "Indiquez un numéro de demande (des chiffres).",
            "Indiquez une date au format AAAA-MM-JJ",
            "Choisissez un état de la liste.",
            "Choisissez un tri de la liste.",
            "Choisissez une qualité de service de la liste.",
        ] {
            assert!(r.html.contains(message), "{message}: {}", r.html);
        }
        assert!(r.html.starts_with("<!DOCTYPE html>"));
        assert!(r.html.contains("<title>Erreur : rechercher des demandes"));
        let r = a
            .get(&app, "/backoffice/demandes?du=2026-06-30&au=2026-06-01")
            .await;
        assert!(r.html.contains("La date de fin précède la date de début."));

        // Hugo has no right on « Enfance »: nothing on his board.
        let mut h = Browser::backoffice("arles");
        h.agent_sign_in(&app, &hugo, AGENT_PASSWORD).await;
        let board = h.get(&app, "/backoffice/").await;
        assert_eq!(board.status, StatusCode::OK);
        assert!(board
            .html
            .contains("Nouvelles demandes <span class=\"count\">(0)</span>"));
        let r = h.get(&app, "/backoffice/demandes?nom=l").await;
        assert!(r.html.contains("Aucune demande trouvée"));

        // Léa's session is worth nothing under Nîmes's host, and a household
        // session nothing in the back office.
        let mut stolen = Browser::backoffice("nimes");
        stolen.cookie = a.cookie.clone();
        let r = stolen.get(&app, "/backoffice/demandes").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let mut portal = Browser::backoffice("arles");
        portal.cookie = b.cookie.clone();
        let r = portal.get(&app, "/backoffice/").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location.as_deref(), Some("/backoffice/connexion"));
    }
}

per_backend! {
    async fn search_pages_follow_one_another_without_gap_or_repeat(backend: Backend) {
        let (p, arles, _) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "read");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let first = start_canteen(&app, &mut b, child).await;
        send_canteen(&app, &mut b, first).await;
        // 120 more requests, copies of the first one, some submitted at the
        // same instant (the cursor breaks ties by id).
        let mut expected = Vec::new();
        p.store
            .write(arles.id, |tx| {
                let model = request_rows::get(tx, first)?.unwrap();
                let base = Utc::now().naive_utc() - Duration::days(2);
                for i in 0..120i64 {
                    let id = tx.next_id()?;
                    let row = request_rows::RequestRow {
                        id,
                        number: Some(1000 + i),
                        submit_key: None,
                        submitted_at: Some(base + Duration::minutes(i / 3)),
                        ..model.clone()
                    };
                    request_rows::insert(tx, &row)?;
                    expected.push(id);
                }
                Ok::<_, guichet_core::store::StoreError>(())
            })
            .unwrap();
        expected.push(first);
        let mut seen = Vec::new();
        let desk = p
            .store
            .read(arles.id, |tx| {
                let id = agents::get(tx, &lea)?.unwrap().id;
                guichet_core::agents::desk(tx, id)
            })
            .unwrap();
        let mut query = Query::default();
        loop {
            let found = p
                .store
                .read(arles.id, |tx| casework::search(tx, &desk, &query))
                .unwrap();
            assert_eq!(found.count, 121);
            seen.extend(found.cases.iter().map(|c| c.id));
            match found.next {
                Some(next) => query.apres = next,
                None => break,
            }
        }
        assert_eq!(seen, expected, "{backend:?}");

        // The same through the pages' links.
        let mut a = Browser::backoffice("arles");
        a.agent_sign_in(&app, &lea, AGENT_PASSWORD).await;
        let r = a.get(&app, "/backoffice/demandes?tri=recentes").await;
        assert!(r.html.contains("121 demandes trouvées"));
        assert_eq!(listed(&r.html).len(), 50);
        let next = r
            .html
            .split("<a href=\"")
            .filter_map(|s| s.split_once('"').map(|(h, _)| h.to_owned()))
            .map(|h| h.replace("&amp;", "&").replace("&#x3D;", "="))
            .find(|h| h.contains("apres="))
            .expect("a link to the next page");
        let r2 = a.get(&app, &next).await;
        assert_eq!(r2.status, StatusCode::OK);
        let page2 = listed(&r2.html);
        assert_eq!(page2.len(), 50);
        assert!(page2.iter().all(|n| !listed(&r.html).contains(n)));
        let r = a.get(&app, "/backoffice/demandes?apres=n.importe").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.html.contains("Ce lien de page n’est plus valable"));
    }
}

per_backend! {
    async fn a_request_is_processed_under_one_agents_lock(backend: Backend) {
        let (p, arles, nimes) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let hugo = agent(&p, &arles, "Hugo", "Petit", "read");
        let paul = agent(&p, &arles, "Paul", "Roux", "manage");
        let zoe = agent(&p, &arles, "Zoé", "Blanc", "none");
        let ines = agent(&p, &nimes, "Inès", "Noir", "manage");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        send_canteen(&app, &mut b, id).await;
        let page = format!("/backoffice/demandes/{id}");
        let mut a_lea = signed_in_agent(&app, &lea, "arles").await;
        let mut a_hugo = signed_in_agent(&app, &hugo, "arles").await;
        let mut a_paul = signed_in_agent(&app, &paul, "arles").await;
        let mut a_zoe = signed_in_agent(&app, &zoe, "arles").await;
        let mut a_ines = signed_in_agent(&app, &ines, "nimes").await;

        // Out of reach: no right on the category, another collectivité.
        assert_eq!(a_zoe.get(&app, &page).await.status, StatusCode::NOT_FOUND);
        assert_eq!(a_ines.get(&app, &page).await.status, StatusCode::NOT_FOUND);

        // Léa opens it to read it: nobody holds it. Her « Traiter » makes it
        // hers; Hugo reads it, and sees who holds it.
        let r = a_lea.get(&app, &page).await;
        assert_eq!(r.status, StatusCode::OK, "{backend:?}: {}", r.html);
        assert!(
            r.html.contains("Personne ne traite cette demande"),
            "{}",
            r.html
        );
        assert!(r.html.contains("Léo"), "the data is shown");
        let token = guichet_tests::client::csrf_of(&r.html);
        let r = b.get(&app, &format!("/mes-demandes/{id}")).await;
        assert!(
            !r.html
                .contains("Un agent de la mairie traite votre demande"),
            "reading locks nothing"
        );
        let r = a_lea
            .post(&app, &format!("{page}/traiter"), &token, &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert_eq!(r.location.as_deref(), Some(page.as_str()));
        let r = a_lea.get(&app, &page).await;
        assert!(r.html.contains("Vous traitez cette demande depuis le"));
        // What was done is said once, on the page the form led to.
        assert!(
            r.html.contains("<p class=\"notice\" role=\"status\">Vous traitez maintenant cette demande.</p>"),
            "{}",
            r.html
        );
        let again = a_lea.get(&app, &page).await;
        assert!(!again.html.contains("Vous traitez maintenant cette demande."));
        let version = field_value(&r.html, "version");
        let r = a_hugo.get(&app, &page).await;
        assert!(r
            .html
            .contains("Léa Bernard traite cette demande depuis le"));
        assert!(
            !r.html.contains("name=\"to\""),
            "no transition for a reader"
        );
        let hugo_token = guichet_tests::client::csrf_of(&r.html);
        let r = a_hugo
            .post(
                &app,
                &format!("{page}/etat"),
                &hugo_token,
                &[("version", &version), ("to", "Inprogress")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.html);
        assert!(r
            .html
            .contains("permet de consulter ses demandes, pas de les traiter"));
        // The household reads it only, meanwhile.
        let r = b.get(&app, &format!("/mes-demandes/{id}")).await;
        assert!(r
            .html
            .contains("Un agent de la mairie traite votre demande en ce moment"));

        // Léa's wrong moves change nothing.
        for (to, reason, seen, status, message) in [
            (
                "Validated",
                "",
                version.as_str(),
                StatusCode::CONFLICT,
                "ne peut pas passer à « acceptée »",
            ),
            (
                "Uncomplete",
                "",
                version.as_str(),
                StatusCode::BAD_REQUEST,
                "Indiquez le motif",
            ),
            (
                "Perdue",
                "",
                version.as_str(),
                StatusCode::BAD_REQUEST,
                "Choisissez le nouvel état parmi ceux proposés.",
            ),
            (
                "Inprogress",
                "",
                "123",
                StatusCode::CONFLICT,
                "La demande a changé depuis l’affichage de cette page",
            ),
        ] {
            let r = a_lea
                .post(
                    &app,
                    &format!("{page}/etat"),
                    &token,
                    &[("version", seen), ("to", to), ("reason", reason)],
                )
                .await;
            assert_eq!(r.status, status, "{to}: {}", r.html);
            assert!(r.html.contains(message), "{message}: {}", r.html);
            assert!(r.html.contains("<title>Erreur : demande n°"));
            assert_eq!(state_of(&p, &arles, id), "Pending", "{to}");
        }
        // The right move: in progress, the household is told.
        let r = a_lea
            .post(
                &app,
                &format!("{page}/etat"),
                &token,
                &[("version", &version), ("to", "Inprogress")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert_eq!(state_of(&p, &arles, id), "Inprogress");
        assert!(mails_to(&p, &arles, "durand@example.fr")
            .iter()
            .any(|(s, _)| s.contains("en cours de traitement")));
        // The page she had is stale now.
        let r = a_lea
            .post(
                &app,
                &format!("{page}/etat"),
                &token,
                &[("version", &version), ("to", "Complete")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(state_of(&p, &arles, id), "Inprogress");

        // Paul manages the category: he takes it over; Léa can no longer write.
        let r = a_paul.get(&app, &page).await;
        assert!(r.html.contains("Léa Bernard traite cette demande"));
        let paul_token = guichet_tests::client::csrf_of(&r.html);
        let r = a_paul
            .post(&app, &format!("{page}/reprendre"), &paul_token, &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = a_paul.get(&app, &page).await;
        assert!(
            r.html.contains("Traitement repris à Léa Bernard"),
            "{}",
            r.html
        );
        let fresh = field_value(&r.html, "version");
        let r = a_lea
            .post(
                &app,
                &format!("{page}/etat"),
                &token,
                &[("version", &fresh), ("to", "Complete")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.html.contains("Paul Roux traite cette demande depuis le"));
        assert_eq!(state_of(&p, &arles, id), "Inprogress");
        // A colleague adds an internal note all the same, not a message to the household.
        let r = a_lea
            .post(
                &app,
                &format!("{page}/messages"),
                &token,
                &[("body", "Vu au téléphone avec la mère.")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let r = a_lea
            .post(
                &app,
                &format!("{page}/messages"),
                &token,
                &[("body", "Bonjour"), ("au_foyer", "oui")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.html);

        // Notes: one to the household (e-mailed, in its space), one internal.
        let before = mails_to(&p, &arles, "durand@example.fr").len();
        for (body, to_household) in [
            ("Merci d’apporter le justificatif de domicile.", "oui"),
            ("Dossier vu avec la directrice.", ""),
        ] {
            let r = a_paul
                .post(
                    &app,
                    &format!("{page}/messages"),
                    &paul_token,
                    &[("body", body), ("au_foyer", to_household)],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        }
        let r = a_paul
            .post(
                &app,
                &format!("{page}/messages"),
                &paul_token,
                &[("body", "  ")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.html.contains("Écrivez le message."));
        let mails = mails_to(&p, &arles, "durand@example.fr");
        assert_eq!(mails.len(), before + 1);
        assert!(mails.last().unwrap().1.contains("justificatif de domicile"));
        let r = b.get(&app, &format!("/mes-demandes/{id}")).await;
        assert!(r.html.contains("justificatif de domicile"));
        assert!(!r.html.contains("directrice"), "internal notes stay inside");
        let r = a_hugo.get(&app, &page).await;
        assert!(
            r.html
                .contains("Dossier vu avec la directrice. (note interne)")
                || r.html
                    .contains("(note interne) : Dossier vu avec la directrice.")
        );

        // Printed by a reader: its data and its whole history.
        let pdf = a_hugo
            .get_bytes(&app, &format!("{page}/imprimer.pdf"))
            .await;
        let text = guichet_tests::fixtures::pdftotext(&pdf);
        for expected in [
            "Demande n° 1",
            "Léo",
            "Historique",
            "En cours de traitement",
        ] {
            assert!(text.contains(expected), "{expected}: {text}");
        }
        assert_eq!(
            a_zoe
                .get(&app, &format!("{page}/imprimer.pdf"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Released, the request is free for Léa again: her first change
        // makes it hers.
        let r = a_paul
            .post(&app, &format!("{page}/liberer"), &paul_token, &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = a_lea.get(&app, &page).await;
        assert!(
            r.html.contains("Personne ne traite cette demande"),
            "{}",
            r.html
        );
        let fresh = field_value(&r.html, "version");
        // Incomplete: waiting for the household, it is the household's, at once.
        let r = a_lea
            .post(
                &app,
                &format!("{page}/etat"),
                &token,
                &[
                    ("version", &fresh),
                    ("to", "Uncomplete"),
                    ("reason", "Il manque le justificatif de domicile."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let r = a_lea.get(&app, &page).await;
        assert!(
            r.html.contains("Personne ne traite cette demande"),
            "{}",
            r.html
        );
        let r = b.get(&app, &format!("/mes-demandes/{id}")).await;
        assert!(
            !r.html
                .contains("Un agent de la mairie traite votre demande"),
            "{}",
            r.html
        );
        let step = format!("/mes-demandes/{id}/etapes/inscription");
        let r = b.submit(&app, &step, &step, guichet_tests::fixtures::CANTEEN).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "the household completes it: {}",
            r.html
        );
    }
}

per_backend! {
    async fn agents_find_foyers_and_change_their_state_and_account(backend: Backend) {
        let (p, arles, nimes) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let hugo = agent(&p, &arles, "Hugo", "Petit", "read");
        let zoe = agent(&p, &arles, "Zoé", "Blanc", "none");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "martin@example.fr").await;
        let leo = add_child(&app, &mut b, me, "Léo").await;
        // A request of Léa's category: the foyer is hers to change.
        let id = start_canteen(&app, &mut b, leo).await;
        send_canteen(&app, &mut b, id).await;
        let mut other = Browser::portal("nimes");
        let them = household(&app, &p, &nimes, &mut other, "martin@example.fr").await;
        let foyer_of = |t: &Tenant, person: i64| {
            p.store
                .read(t.id, move |tx| {
                    guichet_core::store::repo::foyers::individual(tx, person)
                })
                .unwrap()
                .unwrap()
                .household_id
        };
        let (ours, theirs) = (foyer_of(&arles, me), foyer_of(&nimes, them));
        let mut a = signed_in_agent(&app, &lea, "arles").await;

        let r = a.get(&app, "/backoffice/foyers?nom=leo").await;
        assert_eq!(r.status, StatusCode::OK, "{backend:?}: {}", r.html);
        assert!(r.html.contains("1 personne trouvée"), "{}", r.html);
        assert!(r.html.contains(&format!("/backoffice/foyers/{ours}\"")));
        // Nîmes's Martin is not Arles's.
        let r = a.get(&app, "/backoffice/foyers?nom=martin").await;
        assert!(r.html.contains("2 personnes trouvées"), "{}", r.html);
        let r = a
            .get(&app, "/backoffice/foyers?nom=martin&responsables=oui")
            .await;
        assert!(r.html.contains("1 personne trouvée"));
        let r = a
            .get(&app, "/backoffice/foyers?etat=Perdu&compte=peut-etre")
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.html.contains("Choisissez un état de la liste."));
        assert!(r.html.contains("Choisissez « actif » ou « désactivé »."));
        assert_eq!(
            a.get(&app, &format!("/backoffice/foyers/{theirs}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        let page = format!("/backoffice/foyers/{ours}");
        let r = a.get(&app, &page).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.html);
        assert!(
            r.html.contains("Léo MARTIN") && r.html.contains("Camille MARTIN"),
            "{}",
            r.html
        );
        let token = guichet_tests::client::csrf_of(&r.html);
        let r = a
            .post(&app, &format!("{page}/etat"), &token, &[("to", "Valid")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let r = a.get(&app, &page).await;
        assert!(r.html.contains("État : validé"));
        assert!(r.html.contains("Foyer validé par la mairie"));
        // Only the household's edit makes a validated foyer « modifié ».
        let r = a
            .post(&app, &format!("{page}/etat"), &token, &[("to", "Modified")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.html.contains("ne peut pas devenir « modifié »"));
        // Disabled: the household's session ends and it cannot sign in.
        let r = a
            .post(
                &app,
                &format!("{page}/compte"),
                &token,
                &[("compte", "desactiver")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            b.get(&app, "/mes-demandes").await.status,
            StatusCode::SEE_OTHER
        );
        let r = a.get(&app, &page).await;
        assert!(r.html.contains("Compte désactivé par la mairie"));

        // Hugo reads foyers, and changes nothing; Zoé reaches no category.
        let mut h = signed_in_agent(&app, &hugo, "arles").await;
        let r = h.get(&app, &page).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.html.contains("Nouvel état du foyer"));
        let token = guichet_tests::client::csrf_of(&r.html);
        let r = h
            .post(
                &app,
                &format!("{page}/compte"),
                &token,
                &[("compte", "activer")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.html.contains("pas de le modifier"));
        let mut z = signed_in_agent(&app, &zoe, "arles").await;
        let r = z.get(&app, "/backoffice/foyers?nom=martin").await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.html.contains("les foyers ne vous sont pas ouverts"));
    }
}

per_backend! {
    async fn a_batch_acts_on_each_request_it_may_and_says_why_not_on_the_others(backend: Backend) {
        let (p, arles, _) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let hugo = agent(&p, &arles, "Hugo", "Petit", "read");
        let paul = agent(&p, &arles, "Paul", "Roux", "manage");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "martin@example.fr").await;
        let mut ids = Vec::new();
        for child in ["Léo", "Zoé", "Jade"] {
            let c = add_child(&app, &mut b, me, child).await;
            let id = start_canteen(&app, &mut b, c).await;
            send_canteen(&app, &mut b, id).await;
            ids.push(id.to_string());
        }
        let mut a_paul = signed_in_agent(&app, &paul, "arles").await;
        let held = format!("/backoffice/demandes/{}", ids[2]);
        let r = a_paul.get(&app, &held).await;
        let r = a_paul
            .post(
                &app,
                &format!("{held}/traiter"),
                &guichet_tests::client::csrf_of(&r.html),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(a_paul
            .get(&app, &held)
            .await
            .html
            .contains("Vous traitez cette demande"));

        let mut a = signed_in_agent(&app, &lea, "arles").await;
        let search = "/backoffice/demandes?teleservice=school-canteen-registration";
        let r = a.get(&app, search).await;
        assert_eq!(r.status, StatusCode::OK, "{backend:?}: {}", r.html);
        assert!(r.html.contains("Action groupée sur les demandes cochées"));
        // Only the states these requests (all « en attente ») may move to.
        let select = r.html.split("id=\"lot-etat\"").nth(1).unwrap();
        let select = select.split("</select>").next().unwrap();
        assert!(select.contains("<option value=\"Inprogress\">"), "{select}");
        for impossible in ["Closed", "Archived", "Pending", "Rectified"] {
            assert!(
                !select.contains(&format!("<option value=\"{impossible}\">")),
                "{impossible}: {select}"
            );
        }
        let token = guichet_tests::client::csrf_of(&r.html);
        let lot = |extra: &[(&'static str, &'static str)], chosen: &[String]| {
            let mut fields: Vec<(&str, String)> = vec![
                ("teleservice", "school-canteen-registration".into()),
                ("retour", "teleservice=school-canteen-registration".into()),
            ];
            fields.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
            fields.extend(chosen.iter().map(|id| ("ids", id.clone())));
            fields
        };

        // In progress: two are moved, the one Paul holds is not, and says why.
        let fields = lot(&[("action", "etat"), ("to", "Inprogress")], &ids);
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = a
            .post(&app, "/backoffice/demandes/lot", &token, &pairs)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.html);
        assert!(r.html.contains("2 demandes sur 3 traitées"), "{}", r.html);
        assert!(r.html.contains("Paul Roux traite cette demande depuis le"));
        // Each row names its request by number, refused ones too.
        let held_number = p
            .store
            .read(arles.id, |tx| {
                guichet_core::store::repo::requests::get(tx, ids[2].parse().unwrap())
            })
            .unwrap()
            .unwrap()
            .number
            .unwrap();
        let row = r
            .html
            .split("<tr>")
            .find(|row| row.contains("Non faite"))
            .expect("the refused row");
        assert!(
            row.contains(&format!("Demande n° {held_number}</a>")),
            "{row}"
        );
        let states: Vec<String> = ids
            .iter()
            .map(|id| state_of(&p, &arles, id.parse().unwrap()))
            .collect();
        assert_eq!(states, ["Inprogress", "Inprogress", "Pending"]);
        // The batch let go of the locks it took.
        let r = a_paul
            .get(&app, &format!("/backoffice/demandes/{}", ids[0]))
            .await;
        assert!(
            r.html.contains("Personne ne traite cette demande"),
            "{}",
            r.html
        );

        // A refusal needs its reason: none is refused.
        let fields = lot(&[("action", "etat"), ("to", "Rejected")], &ids[..2]);
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = a
            .post(&app, "/backoffice/demandes/lot", &token, &pairs)
            .await;
        assert!(r.html.contains("0 demande sur 2 traitée"), "{}", r.html);
        assert!(r.html.contains("Indiquez le motif"));
        // Another téléservice's batch reaches none of them.
        let mut fields = lot(&[("action", "etat"), ("to", "Complete")], &ids[..1]);
        fields[0].1 = "bulky-waste-collection".into();
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = a
            .post(&app, "/backoffice/demandes/lot", &token, &pairs)
            .await;
        assert!(
            r.html
                .contains("Elle n’est pas du téléservice de la recherche."),
            "{}",
            r.html
        );
        assert_eq!(state_of(&p, &arles, ids[0].parse().unwrap()), "Inprogress");
        // A message to both foyers' requests: the household is e-mailed twice.
        let before = mails_to(&p, &arles, "martin@example.fr").len();
        let fields = lot(
            &[
                ("action", "message"),
                ("body", "La cantine ouvre lundi."),
                ("au_foyer", "oui"),
            ],
            &ids[..2],
        );
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = a
            .post(&app, "/backoffice/demandes/lot", &token, &pairs)
            .await;
        assert!(r.html.contains("2 demandes sur 2 traitées"), "{}", r.html);
        assert_eq!(mails_to(&p, &arles, "martin@example.fr").len(), before + 2);
        // Nothing checked: said so.
        let fields = lot(&[("action", "etat"), ("to", "Complete")], &[]);
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = a
            .post(&app, "/backoffice/demandes/lot", &token, &pairs)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.html.contains("Cochez au moins une demande"));

        // A reader is offered no batch.
        let mut h = signed_in_agent(&app, &hugo, "arles").await;
        let r = h.get(&app, search).await;
        assert!(!r.html.contains("Action groupée"));
    }
}

per_backend! {
    async fn a_request_is_accepted_only_once_its_season_allows_it(backend: Backend) {
        let (p, arles, _) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "martin@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        send_canteen(&app, &mut b, id).await;
        let season = p
            .store
            .read(arles.id, move |tx| request_rows::get(tx, id))
            .unwrap()
            .unwrap()
            .season_id
            .expect("a seasonal request");
        // The season's validations start in a week.
        p.store
            .write(arles.id, |tx| guichet_tests::shift_season(tx, season, 10))
            .unwrap();
        let mut a = signed_in_agent(&app, &lea, "arles").await;
        let page = format!("/backoffice/demandes/{id}");
        for (to, expected) in [
            ("Complete", StatusCode::SEE_OTHER),
            ("Validated", StatusCode::CONFLICT),
        ] {
            let r = a.get(&app, &page).await;
            let (version, token) = (
                field_value(&r.html, "version"),
                guichet_tests::client::csrf_of(&r.html),
            );
            let r = a
                .post(
                    &app,
                    &format!("{page}/etat"),
                    &token,
                    &[("version", &version), ("to", to)],
                )
                .await;
            assert_eq!(r.status, expected, "{backend:?} {to}: {}", r.html);
            if expected == StatusCode::CONFLICT {
                assert!(
                    r.html.contains("peuvent être acceptées à partir du"),
                    "{}",
                    r.html
                );
            }
        }
        assert_eq!(state_of(&p, &arles, id), "Complete");
        // Once the date has come, it is accepted and the household told.
        p.store
            .write(arles.id, |tx| guichet_tests::shift_season(tx, season, -10))
            .unwrap();
        let r = a.get(&app, &page).await;
        let (version, token) = (
            field_value(&r.html, "version"),
            guichet_tests::client::csrf_of(&r.html),
        );
        let r = a
            .post(
                &app,
                &format!("{page}/etat"),
                &token,
                &[("version", &version), ("to", "Validated")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert_eq!(state_of(&p, &arles, id), "Validated");
        assert!(mails_to(&p, &arles, "martin@example.fr")
            .iter()
            .any(|(s, _)| s.contains("acceptée")));
    }
}

per_backend! {
    /// A household's session, whatever name its cookie is given, opens nothing
    /// of the back office: its pages send to the agents' sign-in, its API
    /// answers 401.
    async fn a_household_session_opens_nothing_in_the_back_office(backend: Backend) {
        let (p, arles, _) = setup(backend).await;
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        assert_eq!(b.get(&app, "/mes-demandes").await.status, StatusCode::OK);
        let value = b.cookie.as_ref().expect("signed in").value().to_owned();
        for name in ["guichet_agents", "guichet_portail"] {
            let mut a = Browser::backoffice("arles");
            a.cookie_name = name;
            a.cookie = Some(actix_web::cookie::Cookie::new(name, value.clone()));
            for path in ["/backoffice/", "/backoffice/demandes", "/backoffice/foyers"] {
                let r = a.get(&app, path).await;
                assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?} {name} {path}");
                assert_eq!(r.location.as_deref(), Some("/backoffice/connexion"));
            }
            let r = a.get(&app, "/api/v1/requests").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{name}");
        }
    }
}

per_backend! {
    /// A request put in each state the agents' workflow reaches shows that
    /// state to its household and to the agent, never to Nîmes's agent; once
    /// the jobs run, the household is told of the decision by e-mail.
    async fn each_state_shows_to_the_household_and_the_agent_only(backend: Backend) {
        use guichet_core::domain::requests::RequestState::{self, *};
        use guichet_tests::harness::Scene;
        let scene = Scene::new(backend).await;
        let app = test::init_service(public_app(&scene.p.shared)).await;
        let paul = scene.agent("Paul", "Martin", "write");
        let nina = agent(&scene.p, &scene.nimes, "Nina", "Durand", "manage");
        let mut paul_b = signed_in_agent(&app, &paul, "arles").await;
        let mut nina_b = signed_in_agent(&app, &nina, "nimes").await;
        let states: [RequestState; 5] = [Pending, Inprogress, Uncomplete, Validated, Rejected];
        let mut filed = Vec::new();
        for (i, state) in states.into_iter().enumerate() {
            let mut b = Browser::portal("arles");
            let email = format!("famille{i}@example.fr");
            let f = scene
                .canteen_request(&app, &mut b, &email, "Léo", &paul, state)
                .await;
            assert_eq!(state_of(&scene.p, &scene.arles, f.request), state.code());
            let theirs = b.get(&app, &format!("/mes-demandes/{}", f.request)).await;
            assert_eq!(theirs.status, StatusCode::OK, "{state:?}");
            assert!(theirs.html.contains(state.meaning()), "{state:?}: {}", theirs.html);
            let page = format!("/backoffice/demandes/{}", f.request);
            let seen = paul_b.get(&app, &page).await;
            assert_eq!(seen.status, StatusCode::OK, "{state:?}");
            assert!(seen.html.contains(state.label()), "{state:?}");
            assert_eq!(nina_b.get(&app, &page).await.status, StatusCode::NOT_FOUND, "{state:?}");
            filed.push((email, state));
        }
        let port = guichet_tests::free_port();
        let sink = guichet_tests::SmtpSink::start_on(port);
        assert!(scene.run_jobs(port) > 0);
        let received = sink.received();
        for (email, state) in filed {
            let mine: Vec<_> = received.iter().filter(|m| m.to.contains(&email)).collect();
            assert!(mine.iter().any(|m| m.subject.contains("est bien arrivée")), "{email}: the receipt");
            let told = match state {
                Pending => None,
                Inprogress => Some("est en cours de traitement"),
                Uncomplete => Some("est incomplète : il manque des informations"),
                Validated => Some("est acceptée"),
                _ => Some("est refusée"),
            };
            if let Some(told) = told {
                assert!(mine.iter().any(|m| m.body.contains(told)), "{email} {state:?}");
            }
        }
    }
}
