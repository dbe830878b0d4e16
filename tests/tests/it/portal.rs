//! The tenant portal through HTTP, on both backends: a household opens an
//! account, confirms it, adds a child, files a canteen registration with a
//! justificatif and follows it; the bad inputs get their French message and
//! store nothing; another foyer's and another collectivité's objects are out
//! of reach.

use actix_web::http::{Method, StatusCode};
use actix_web::test;
use guichet_core::catalogue::offer;
use guichet_core::mail::outbox;
use guichet_core::store::repo::requests as request_rows;
use guichet_domain::requests::SeasonDates;
use guichet_server::app::public_app;
use guichet_tests::api::Platform;
use guichet_tests::client::{csrf_of, Browser, Part};
use guichet_tests::fixtures::*;
use guichet_tests::Backend;

per_backend! {
    async fn a_household_files_a_canteen_registration_and_follows_it(backend: Backend) {
        let (p, arles, _) = setup(backend).await;
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let email = "camille.martin@example.fr";

        // Before the address is confirmed, sign-in sends the link again.
        let fields = account_fields(email);
        let r = b
            .submit(
                &app,
                "/creer-un-compte",
                "/creer-un-compte",
                &pairs(&fields),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.html);
        let r = b.household_sign_in(&app, email, PASSWORD).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend:?}");
        assert!(r.html.contains("pas encore confirmée"), "{}", r.html);
        // Only the last link works.
        let link = mailed_link(&p, &arles, email, "/compte/confirmer/");
        // Opening the link (as a mail scanner does) confirms nothing.
        let page = b.get(&app, &link).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        assert!(page.html.contains("Confirmer mon adresse"), "{}", page.html);
        let r = b.household_sign_in(&app, email, PASSWORD).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "still unconfirmed");
        let link = mailed_link(&p, &arles, email, "/compte/confirmer/");
        let r = b.submit(&app, &link, &link, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.html);
        assert!(r.html.contains("Adresse confirmée"), "{}", r.html);
        let r = b.get(&app, &link).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "a link works once");
        let r = b.household_sign_in(&app, email, PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let me = p
            .store
            .read(arles.id, |tx| {
                guichet_core::foyers::account_by_login(tx, email)
            })
            .unwrap()
            .unwrap()
            .individual;

        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        let step = format!("/mes-demandes/{id}/etapes/inscription");
        let r = b.submit(&app, &step, &step, CANTEEN).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert_eq!(
            r.location.as_deref(),
            Some(format!("/mes-demandes/{id}/etapes/health").as_str())
        );
        let step = format!("/mes-demandes/{id}/etapes/health");
        let r = b
            .submit(
                &app,
                &step,
                &step,
                &[("doctor_name", "Dr Lefèvre"), ("rules_acceptance", "oui")],
            )
            .await;
        assert_eq!(
            r.location.as_deref(),
            Some(format!("/mes-demandes/{id}/justificatifs").as_str())
        );

        // A justificatif uploaded at the justificatifs step.
        let docs = format!("/mes-demandes/{id}/justificatifs");
        let page = b.get(&app, &docs).await;
        assert!(
            page.html.contains("Justificatif de domicile"),
            "{}",
            page.html
        );
        let token = csrf_of(&page.html);
        let r = b
            .upload(
                &app,
                &docs,
                &token,
                &[
                    Part::Text("document_type", "domicile-receipt"),
                    Part::File("pages", "facture-edf.pdf", "application/pdf", PDF),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let page = b.get(&app, &docs).await;
        assert!(
            page.html.contains("Joint : Justificatif de domicile"),
            "{}",
            page.html
        );

        // The summary, then the submission: twice with the same form, one request.
        let summary = b.get(&app, &format!("/mes-demandes/{id}/envoi")).await;
        assert!(summary.html.contains("Arachides et fruits à coque"));
        assert!(summary.html.contains("Sans porc"));
        assert!(summary.html.contains("Lundi, Jeudi"));
        let token = csrf_of(&summary.html);
        let key = key_of(&summary.html);
        let send = [
            ("means", "Email"),
            ("note", "Merci !"),
            ("consent", "oui"),
            ("key", key.as_str()),
        ];
        let first = b
            .post(&app, &format!("/mes-demandes/{id}/envoi"), &token, &send)
            .await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.html);
        let again = b
            .post(&app, &format!("/mes-demandes/{id}/envoi"), &token, &send)
            .await;
        assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.html);
        assert_eq!(first.location, again.location);
        let row = p
            .store
            .read(arles.id, |tx| request_rows::get(tx, id))
            .unwrap()
            .unwrap();
        assert_eq!((row.state.as_str(), row.number), ("Pending", Some(1)));
        let actions = p
            .store
            .read(arles.id, |tx| request_rows::actions(tx, id, true))
            .unwrap();
        assert_eq!(
            actions
                .iter()
                .filter(|a| a.resulting_state == "Pending")
                .count(),
            1
        );

        // Followed: state in words, history, receipt.
        let shown = b.get(&app, &format!("/mes-demandes/{id}")).await;
        assert!(shown.html.contains("Demande n° 1"), "{}", shown.html);
        assert!(shown.html.contains("Déposée"));
        assert!(shown.html.contains("Votre demande est bien arrivée"));
        let list = b.get(&app, "/mes-demandes").await;
        assert!(list.html.contains("Inscription à la restauration scolaire"));
        let pdf = b
            .get_bytes(&app, &format!("/mes-demandes/{id}/recu.pdf"))
            .await;
        let text = pdftotext(&pdf);
        for expected in [
            "Reçu de votre demande n° 1",
            "Arachides et fruits à coque",
            "Lundi, Jeudi",
            "MARTIN Léo",
            "Ville d’Arles",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        // The receipt e-mail, with the receipt joined when it is sent.
        let mails = p
            .store
            .read(arles.id, |tx| outbox::unsent(tx, 100))
            .unwrap();
        let receipt = mails
            .iter()
            .find(|m| m.subject.contains("votre demande n° 1 est bien arrivée"))
            .expect("the receipt e-mail");
        assert_eq!(receipt.recipient, email);
        assert!(receipt
            .attachment_json
            .as_deref()
            .unwrap()
            .contains("receipt"));

        // Cancelled while still pending: the household's last word.
        let shown = b.get(&app, &format!("/mes-demandes/{id}")).await;
        let token = csrf_of(&shown.html);
        let r = b
            .post(
                &app,
                &format!("/mes-demandes/{id}/annuler"),
                &token,
                &[("confirme", "oui")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let row = p
            .store
            .read(arles.id, |tx| request_rows::get(tx, id))
            .unwrap()
            .unwrap();
        assert_eq!(row.state, "Cancelled");
        let r = b
            .post(
                &app,
                &format!("/mes-demandes/{id}/annuler"),
                &token,
                &[("confirme", "oui")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
    }
}

per_backend! {
    async fn bad_input_gets_its_message_and_stores_nothing(backend: Backend) {
        let (p, arles, _) = setup(backend).await;
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");

        // The account form: every wrong value named, what was typed kept.
        let mut fields = account_fields("pas-une-adresse");
        for (k, v) in fields.iter_mut() {
            match *k {
                "mobile_phone" => *v = "12".into(),
                "address.postal_code" => *v = "1320".into(),
                "birth_date" => *v = "2999-01-01".into(),
                "password" | "password_confirm" => *v = "court".into(),
                "last_name" => *v = "M<arti>n".into(),
                _ => {}
            }
        }
        let r = b
            .submit(
                &app,
                "/creer-un-compte",
                "/creer-un-compte",
                &pairs(&fields),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{backend:?}");
        assert!(
            r.html.contains("Le formulaire contient 6 erreurs"),
            "{}",
            r.html
        );
        for message in [
            "Adresse électronique invalide",
            "10 chiffres",
            "Code postal invalide",
            "futur",
            "12 caractères au moins",
            "seuls les lettres",
        ] {
            assert!(
                r.html.to_lowercase().contains(&message.to_lowercase()),
                "{message}"
            );
        }
        assert!(
            r.html.contains("value=\"rue de la République\""),
            "the input is kept"
        );
        let none = p
            .store
            .read(arles.id, |tx| {
                guichet_core::foyers::account_by_login(tx, "pas-une-adresse")
            })
            .unwrap();
        assert!(none.is_none());

        // A signed-in household's steps.
        let me = household(&app, &p, &arles, &mut b, "claire@example.fr").await;
        let child = add_child(&app, &mut b, me, "Jade").await;
        // A child with no legal responsible, or one of another foyer.
        let r = b
            .submit(
                &app,
                "/mon-foyer/ajouter/enfant",
                "/mon-foyer/ajouter/enfant",
                &[
                    ("born", "oui"),
                    ("last_name", "Martin"),
                    ("first_name", "Zoé"),
                    ("birth_date", "2020-01-01"),
                    ("sex", "Female"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.html.contains("au moins un responsable légal"),
            "{}",
            r.html
        );
        let id = start_canteen(&app, &mut b, child).await;
        let step = format!("/mes-demandes/{id}/etapes/inscription");
        // A paramètre key that does not exist, a wrong phone, an allergy not said.
        let r = b
            .submit(
                &app,
                &step,
                &step,
                &[
                    ("urgency_phone", "0000"),
                    ("canteen_days", "sunday"),
                    ("food_diet", "standard"),
                    ("food_allergy", "oui"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.html.contains("Le formulaire contient 3 erreurs"),
            "{}",
            r.html
        );
        assert!(r.html.contains("Ce choix n’existe pas"));
        assert!(r.html.contains("value=\"0000\""), "the input is kept");
        // A forged field name.
        let r = b
            .submit(
                &app,
                &step,
                &step,
                &[("urgency_phone", "0612345678"), ("is_admin", "oui")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.html.contains("donnée inconnue"));
        // A step skipped by URL, and the summary before the steps.
        let later = format!("/mes-demandes/{id}/etapes/health");
        let r = b
            .submit(&app, &step, &later, &[("rules_acceptance", "oui")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.html);
        assert!(
            r.html
                .contains("Remplissez d’abord l’étape « Inscription »"),
            "{}",
            r.html
        );
        let r = b.get(&app, &format!("/mes-demandes/{id}/envoi")).await;
        assert_eq!(r.location.as_deref(), Some(step.as_str()));
        // Nothing of it stored.
        let row = p
            .store
            .read(arles.id, |tx| request_rows::get(tx, id))
            .unwrap()
            .unwrap();
        assert_eq!(row.steps_done, "");
        assert!(!row.data_json.contains("sunday") && !row.data_json.contains("is_admin"));

        // A file that is not what it says.
        let docs = "/mes-documents";
        let page = b.get(&app, docs).await;
        let token = csrf_of(&page.html);
        let r = b
            .upload(
                &app,
                docs,
                &token,
                &[
                    Part::Text("document_type", "identity-receipt"),
                    Part::File(
                        "pages",
                        "carte.pdf",
                        "application/pdf",
                        b"MZ\x90\x00 not a pdf",
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("son contenu a été vérifié"), "{}", r.html);
        // No type chosen: refused, and the stored page removed.
        let r = b
            .upload(
                &app,
                docs,
                &token,
                &[
                    Part::Text("document_type", ""),
                    Part::File("pages", "a.pdf", "application/pdf", PDF),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        let household = p
            .store
            .read(arles.id, |tx| {
                guichet_core::foyers::account_by_login(tx, "claire@example.fr")
            })
            .unwrap()
            .unwrap()
            .household;
        let documents = p
            .store
            .read(arles.id, move |tx| {
                guichet_core::justificatifs::of_foyer(tx, household)
            })
            .unwrap();
        assert!(documents.is_empty());
    }
}

per_backend! {
    async fn other_foyers_and_collectivites_are_out_of_reach(backend: Backend) {
        let (p, arles, nimes) = setup(backend).await;
        let app = test::init_service(public_app(&p.shared)).await;
        // Two foyers of Arles, one of Nîmes.
        let mut a = Browser::portal("arles");
        let me_a = household(&app, &p, &arles, &mut a, "a@example.fr").await;
        let child_a = add_child(&app, &mut a, me_a, "Léo").await;
        let request_a = start_canteen(&app, &mut a, child_a).await;
        let page = a.get(&app, "/mes-documents").await;
        let token = csrf_of(&page.html);
        let r = a
            .upload(
                &app,
                "/mes-documents",
                &token,
                &[
                    Part::Text("document_type", "domicile-receipt"),
                    Part::File("pages", "a.pdf", "application/pdf", PDF),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let household_a = p
            .store
            .read(arles.id, |tx| {
                guichet_core::foyers::account_by_login(tx, "a@example.fr")
            })
            .unwrap()
            .unwrap()
            .household;
        let docs_a = p
            .store
            .read(arles.id, move |tx| {
                guichet_core::justificatifs::of_foyer(tx, household_a)
            })
            .unwrap();
        let (doc_a, page_a) = (docs_a[0].id, docs_a[0].pages[0].file_id);

        let mut b = Browser::portal("arles");
        let me_b = household(&app, &p, &arles, &mut b, "b@example.fr").await;
        let child_b = add_child(&app, &mut b, me_b, "Jade").await;
        let request_b = start_canteen(&app, &mut b, child_b).await;

        // B reaches none of A's objects: 404 on every route that names one.
        let ids = [request_a, child_a, doc_a, page_a];
        for route in guichet_tenant_portal::routes().infos() {
            if route.who != guichet_web::routes::Who::Household || !route.path.contains('{') {
                continue;
            }
            let path = route
                .path
                .replace(
                    "{id}",
                    &if route.path.starts_with("/mon-foyer") {
                        child_a
                    } else if route.path.contains("pages") {
                        page_a
                    } else {
                        request_a
                    }
                    .to_string(),
                )
                .replace("{step}", "inscription")
                .replace("{document}", &doc_a.to_string())
                .replace("{kind}", "enfant")
                .replace("{code}", "school-canteen-registration");
            if path.contains("/mon-foyer/ajouter") || path.contains("/commencer") {
                continue;
            }
            let token = csrf_of(&b.get(&app, "/mes-demandes").await.html);
            let r = if route.method == Method::GET {
                b.get(&app, &path).await
            } else if route.action == "request.document-add" {
                b.upload(
                    &app,
                    &path,
                    &token,
                    &[Part::Text("document", &doc_a.to_string())],
                )
                .await
            } else {
                b.post(
                    &app,
                    &path,
                    &token,
                    &[("body", "x"), ("urgency_phone", "0612345678")],
                )
                .await
            };
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{backend:?} {} {path}",
                route.method
            );
        }
        // Starting a request for A's child, attaching A's document: refused.
        let token = csrf_of(
            &b.get(&app, "/demarches/school-canteen-registration")
                .await
                .html,
        );
        let r = b
            .post(
                &app,
                "/demarches/school-canteen-registration/commencer",
                &token,
                &[("subject", &child_a.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        let docs = format!("/mes-demandes/{request_b}/justificatifs");
        let token = csrf_of(&b.get(&app, &docs).await.html);
        let r = b
            .upload(
                &app,
                &docs,
                &token,
                &[Part::Text("document", &doc_a.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.html);
        let _ = ids;

        // A's session under Nîmes's host opens nothing: every household route
        // answers with the sign-in page.
        let mut replayed = Browser::portal("nimes");
        replayed.cookie = a.cookie.clone();
        for route in guichet_tenant_portal::routes().infos() {
            if route.who != guichet_web::routes::Who::Household {
                continue;
            }
            let path = route
                .path
                .replace("{id}", &request_a.to_string())
                .replace("{step}", "inscription")
                .replace("{document}", &doc_a.to_string())
                .replace("{kind}", "enfant")
                .replace("{code}", "school-canteen-registration");
            let r = replayed
                .send(
                    &app,
                    actix_web::test::TestRequest::default()
                        .method(route.method.clone())
                        .uri(&path),
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {path}");
            assert_eq!(r.location.as_deref(), Some("/connexion"), "{path}");
        }
        // Nîmes's records hold nothing of Arles.
        let none = p
            .store
            .read(nimes.id, |tx| {
                guichet_core::foyers::account_by_login(tx, "a@example.fr")
            })
            .unwrap();
        assert!(none.is_none());
        let none = p
            .store
            .read(nimes.id, move |tx| request_rows::get(tx, request_a))
            .unwrap();
        assert!(none.is_none());
    }
}

per_backend! {
    async fn a_certificate_is_asked_without_an_account_and_resumed_by_the_last_link(backend: Backend) {
        let (p, arles, _) = setup(backend).await;
        let app = test::init_service(public_app(&p.shared)).await;
        let mut v = Browser::portal("arles");
        let page = v.get(&app, "/demarches/birth-details").await;
        assert!(
            page.html.contains("Faire la demande sans compte"),
            "{}",
            page.html
        );
        // A téléservice that needs an account has no such page.
        let r = v
            .get(&app, "/demarches/school-canteen-registration/sans-compte")
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let form = "/demarches/birth-details/sans-compte";
        let r = v
            .submit(
                &app,
                form,
                form,
                &[("last_name", "Roux"), ("email", "nope")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{backend:?}");
        assert!(r.html.contains("value=\"Roux\""));
        let r = v
            .submit(
                &app,
                form,
                form,
                &[
                    ("title", "Mister"),
                    ("last_name", "Roux"),
                    ("first_name", "Paul"),
                    ("email", "paul.roux@example.fr"),
                    ("mobile_phone", "0611223344"),
                    ("address.street_name", "chemin des Vignes"),
                    ("address.postal_code", "30000"),
                    ("address.city", "Nîmes"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let step = r.location.unwrap();
        assert!(step.ends_with("/etapes/nature"), "{step}");
        let id: i64 = step.split('/').nth(2).unwrap().parse().unwrap();
        // Saved for later twice: two links, only the last one works.
        let fields = [
            ("requester_quality", "Requester"),
            ("format", "FullCopy"),
            ("copies", "2"),
            ("motive", "Passport"),
            ("_then", "later"),
        ];
        let r = v.submit(&app, &step, &step, &fields).await;
        assert_eq!(
            r.location.as_deref(),
            Some(format!("/mes-demandes/{id}").as_str())
        );
        let first = mailed_link(&p, &arles, "paul.roux@example.fr", "/reprendre/");
        let r = v.submit(&app, &step, &step, &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let last = mailed_link(&p, &arles, "paul.roux@example.fr", "/reprendre/");
        assert_ne!(first, last);
        let mut elsewhere = Browser::portal("arles");
        assert_eq!(
            elsewhere.get(&app, &first).await.status,
            StatusCode::NOT_FOUND
        );
        let r = elsewhere.get(&app, &last).await;
        assert_eq!(
            r.location.as_deref(),
            Some(format!("/mes-demandes/{id}").as_str())
        );
        assert!(elsewhere
            .get(&app, &format!("/mes-demandes/{id}"))
            .await
            .html
            .contains("Demande d’acte de naissance"));
        // Sent: the link is spent.
        let person = "/etapes/person";
        let step2 = format!("/mes-demandes/{id}{person}");
        let r = elsewhere
            .submit(
                &app,
                &step2,
                &step2,
                &[
                    ("birth_last_name", "Roux"),
                    ("birth_first_names", "Paul Henri"),
                    ("birth_date", "1971-05-04"),
                    ("birth_city", "Arles"),
                    ("father_last_name", "Roux"),
                ],
            )
            .await;
        assert_eq!(
            r.location.as_deref(),
            Some(format!("/mes-demandes/{id}/envoi").as_str()),
            "{}",
            r.html
        );
        let summary = elsewhere
            .get(&app, &format!("/mes-demandes/{id}/envoi"))
            .await;
        let token = csrf_of(&summary.html);
        let r = elsewhere
            .post(
                &app,
                &format!("/mes-demandes/{id}/envoi"),
                &token,
                &[
                    ("means", "Email"),
                    ("consent", "oui"),
                    ("key", "une-clé-de-formulaire-assez-longue"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert_eq!(
            Browser::portal("arles").get(&app, &last).await.status,
            StatusCode::NOT_FOUND
        );
        let row = p
            .store
            .read(arles.id, |tx| request_rows::get(tx, id))
            .unwrap()
            .unwrap();
        assert_eq!((row.state.as_str(), row.number), ("Pending", Some(1)));
    }
}

per_backend! {
    async fn drafts_are_announced_then_deleted(backend: Backend) {
        let (p, arles, _) = setup(backend).await;
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "d@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        let list = b.get(&app, "/mes-demandes").await;
        assert!(
            list.html.contains("Supprimé le"),
            "the deletion date is shown"
        );
        let tend = |p: &Platform| {
            p.store
                .write(arles.id, |tx| {
                    guichet_cases::requests::tend_drafts(
                        tx,
                        &guichet_core::domain::host::Site {
                            url: "http://arles.localhost".into(),
                            name: "Ville d’Arles".into(),
                        },
                    )
                })
                .unwrap()
        };
        assert_eq!(tend(&p), (0, 0), "20 days to go: nothing yet");
        let move_expiry = |p: &Platform, days: i64| {
            p.store
                .write(arles.id, move |tx| {
                    let mut row = request_rows::get(tx, id)?.unwrap();
                    row.draft_expires_at =
                        Some(chrono::Utc::now().naive_utc() + chrono::Duration::days(days));
                    request_rows::update(tx, &row)
                })
                .unwrap()
        };
        move_expiry(&p, 5);
        assert_eq!(tend(&p), (1, 0));
        assert_eq!(tend(&p), (0, 0), "one notice only");
        let mails = p
            .store
            .read(arles.id, |tx| outbox::unsent(tx, 100))
            .unwrap();
        assert!(mails.iter().any(|m| m.recipient == "d@example.fr"
            && m.subject.contains("votre brouillon sera supprimé")));
        move_expiry(&p, -1);
        assert_eq!(tend(&p), (0, 1));
        assert!(p
            .store
            .read(arles.id, |tx| request_rows::get(tx, id))
            .unwrap()
            .is_none());
        assert_eq!(
            b.get(&app, &format!("/mes-demandes/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[actix_web::test]
async fn a_forgotten_password_is_replaced_by_a_single_use_link_and_a_disabled_account_is_told_whom_to_call(
) {
    let (p, arles, _) = setup(Backend::Sqlite).await;
    let app = test::init_service(public_app(&p.shared)).await;
    let mut b = Browser::portal("arles");
    household(&app, &p, &arles, &mut b, "e@example.fr").await;
    let mut other = Browser::portal("arles");
    let form = "/mot-de-passe-oublie";
    // Same answer for an unknown address: nobody learns who has an account.
    let unknown = other
        .submit(&app, form, form, &[("email", "personne@example.fr")])
        .await;
    let known = other
        .submit(&app, form, form, &[("email", "e@example.fr")])
        .await;
    assert_eq!(unknown.status, known.status);
    assert!(known.html.contains("Si un compte existe pour e@example.fr"));
    let link = mailed_link(&p, &arles, "e@example.fr", "/mot-de-passe/");
    let r = other
        .submit(
            &app,
            &link,
            &link,
            &[("password", "court"), ("password_confirm", "court")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let new = "une autre phrase facile à retenir";
    let r = other
        .submit(
            &app,
            &link,
            &link,
            &[("password", new), ("password_confirm", new)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.html);
    assert_eq!(
        other.get(&app, &link).await.status,
        StatusCode::NOT_FOUND,
        "used once"
    );
    // The earlier session ended with the old password.
    let r = b.get(&app, "/mes-demandes").await;
    assert_eq!(r.location.as_deref(), Some("/connexion"));
    assert_eq!(
        b.household_sign_in(&app, "e@example.fr", PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        b.household_sign_in(&app, "e@example.fr", new).await.status,
        StatusCode::SEE_OTHER
    );
    // Disabled by the collectivité: refused, with whom to contact.
    let household = p
        .store
        .read(arles.id, |tx| {
            guichet_core::foyers::account_by_login(tx, "e@example.fr")
        })
        .unwrap()
        .unwrap()
        .household;
    p.store
        .write(arles.id, move |tx| {
            guichet_core::store::repo::foyers::set_household_enabled(tx, household, false)
        })
        .unwrap();
    let r = b.get(&app, "/mes-demandes").await;
    assert_eq!(
        r.location.as_deref(),
        Some("/connexion"),
        "signed in no more"
    );
    let r = Browser::portal("arles")
        .household_sign_in(&app, "e@example.fr", new)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.html.contains("Votre compte est désactivé"), "{}", r.html);
    assert!(r.html.contains("l’accueil de votre mairie"));
}

per_backend! {
    /// The mail server down at submission: the request is filed all the same,
    /// the receipt e-mail waits in the outbox and leaves, with its PDF, once the
    /// server is back.
    async fn the_receipt_waits_for_the_mail_server_and_leaves_with_its_pdf(backend: Backend) {
        use base64::Engine;
        use guichet_cases::registry::Wiring;
        use guichet_core::mail::smtp::SmtpSender;
        let (p, arles, _) = setup(backend).await;
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "f@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        send_canteen(&app, &mut b, id).await;
        let port = guichet_tests::free_port();
        let url = url::Url::parse(&format!("smtp://127.0.0.1:{port}")).unwrap();
        let sender = SmtpSender::new(&url, "Ville d’Arles <mairie@arles.example>").unwrap();
        let runner = guichet_cases::registry::jobs(
            &p.store,
            Wiring {
                mail: Some(sender),
                ..Wiring::new(8080, p.shared.files.get_ref().clone())
            },
        );
        let now = chrono::Utc::now().naive_utc();
        runner.run_once_at(now).unwrap();
        let waiting = p
            .store
            .read(arles.id, |tx| outbox::unsent(tx, 100))
            .unwrap();
        assert!(
            waiting
                .iter()
                .any(|m| m.subject.contains("est bien arrivée")),
            "{backend:?}: nothing lost"
        );
        let sink = guichet_tests::SmtpSink::start_on(port);
        runner
            .run_once_at(now + chrono::Duration::minutes(5))
            .unwrap();
        let received = sink.received();
        let receipt = received
            .iter()
            .find(|m| m.subject.contains("est bien arrivée"))
            .expect("the receipt e-mail");
        assert_eq!(receipt.to, "f@example.fr");
        assert_eq!(receipt.attachments.len(), 1);
        let pdf = &receipt.attachments[0];
        assert_eq!(
            (pdf.filename.as_str(), pdf.content_type.as_str()),
            ("Recu_Demande_1.pdf", "application/pdf")
        );
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&pdf.base64)
            .unwrap();
        let text = pdftotext(&bytes);
        assert!(
            text.contains("Reçu de votre demande n° 1")
                && text.contains("Arachides et fruits à coque"),
            "{text}"
        );
    }
}

/// PostgreSQL taken away and given back again and again while households
/// submit: every request ends whole (number, history, receipt e-mail, once)
/// or absent, never half; sending again after an error never makes a second.
#[::core::prelude::v1::test]
fn submissions_cut_by_the_database_going_away_are_whole_or_absent() {
    use guichet_cases::requests::{self, Sending};
    use guichet_core::collectivite::settings::Settings;
    use guichet_core::foyers::{self, NewAccount, Opened, Person};
    use guichet_core::store::{DatabaseUrl, Store};
    use guichet_domain::forms::Input;
    use guichet_domain::foyer::{Address, Parenthood, Sex, Title};
    use guichet_tests::proxy::Proxy;
    use guichet_tests::{create_tenant, TestDb};

    const CODE: &str = "holiday-camp-registration";
    let db = TestDb::new(Backend::Postgres);
    let store = db.store();
    let tenant = create_tenant(&store, "coupe", "Coupe", &[]);
    let today = guichet_domain::time::today();
    let (foyer, drafts) = store
        .write(tenant.id, |tx| {
            // A bare collectivité: its catalogue of téléservices first, as provisioning does.
            guichet_core::store::repo::teleservices::seed(
                tx,
                guichet_core::catalogue::TELESERVICES,
            )?;
            offer::set_online(tx, CODE, true)?;
            offer::add_season(
                tx,
                CODE,
                "Été",
                SeasonDates {
                    registration_start: today,
                    registration_end: today + chrono::Duration::days(9),
                    validation_start: today,
                    effect_start: today + chrono::Duration::days(10),
                    effect_end: today + chrono::Duration::days(20),
                },
            )?;
            let person = Person {
                adult: true,
                title: Some(Title::Madam),
                last_name: "COUPE".into(),
                first_name: "Ada".into(),
                email: "ada@example.fr".into(),
                mobile_phone: "06 12 34 56 78".into(),
                born: true,
                ..Person::default()
            };
            let address = Address {
                street_name: "rue".into(),
                postal_code: "13200".into(),
                city: "Arles".into(),
                ..Address::default()
            };
            let Opened::New {
                household,
                individual,
            } = foyers::open_account(
                tx,
                &NewAccount { person, address },
                None,
                &guichet_core::domain::host::Site {
                    url: "http://x".into(),
                    name: "X".into(),
                },
            )?
            else {
                unreachable!()
            };
            let me = guichet_core::store::repo::foyers::individual(tx, individual)?.unwrap();
            let child = foyers::add_member(
                tx,
                household,
                &guichet_core::history::Actor::household(&me),
                &Person {
                    adult: false,
                    last_name: "COUPE".into(),
                    first_name: "Léa".into(),
                    birth_date: chrono::NaiveDate::from_ymd_opt(2017, 1, 1),
                    sex: Some(Sex::Female),
                    born: true,
                    ..Person::default()
                },
                &[(individual, Parenthood::Mother)],
            )?;
            let foyer = foyers::foyer(tx, household)?;
            let mut drafts = Vec::new();
            for _ in 0..30 {
                let id = requests::start(
                    tx,
                    CODE,
                    &foyer,
                    individual,
                    Some(child),
                    &Settings::default(),
                    ("Arles", "13200"),
                )?;
                let step = Input::new(vec![
                    ("camp".into(), "sea".into()),
                    ("swimming".into(), "non".into()),
                    ("rules_acceptance".into(), "oui".into()),
                ]);
                requests::save_step(tx, household, id, "camp", &step, &foyer)?;
                drafts.push(id);
            }
            Ok::<_, guichet_core::Error>((foyers::foyer(tx, household)?, drafts))
        })
        .unwrap();

    // The households' server reaches PostgreSQL through a proxy the test cuts.
    let mut url = url::Url::parse(&db.url_string()).unwrap();
    let target: std::net::SocketAddr =
        format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432))
            .parse()
            .unwrap();
    let proxy = Proxy::start(target);
    url.set_port(Some(proxy.port())).unwrap();
    let cut_store = Store::open(&DatabaseUrl::parse(url.as_str()).unwrap()).unwrap();
    // Cut all along the submissions, and surely in the middle of one in
    // three: after its statements, before its commit.
    let finished = std::sync::atomic::AtomicBool::new(false);
    let errors = std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let mut errors = 0;
            for (n, id) in drafts.iter().enumerate() {
                // Spread over the cuts.
                std::thread::sleep(std::time::Duration::from_millis(60));
                let sending = Sending {
                    means: "Email".into(),
                    consent: true,
                    key: format!("coupe-{id}"),
                    filer: None,
                    note: String::new(),
                };
                for attempt in 0.. {
                    let done = cut_store.write(tenant.id, |tx| {
                        let submitted = requests::submit(
                            tx,
                            foyer.id,
                            *id,
                            &sending,
                            &foyer,
                            &Settings::default(),
                            &guichet_core::domain::host::Site {
                                url: "http://x".into(),
                                name: "X".into(),
                            },
                        );
                        if n % 3 == 0 && attempt == 0 {
                            proxy.cut();
                            proxy.restore();
                        }
                        submitted
                    });
                    match done {
                        Ok(_) => break,
                        Err(
                            e @ (guichet_core::Error::Invalid(_) | guichet_core::Error::Refused(_)),
                        ) => {
                            panic!("refused: {e:?}")
                        }
                        Err(_) => {
                            errors += 1;
                            assert!(attempt < 200, "the database never came back");
                            std::thread::sleep(std::time::Duration::from_millis(20));
                        }
                    }
                }
            }
            finished.store(true, std::sync::atomic::Ordering::Relaxed);
            errors
        });
        while !finished.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(std::time::Duration::from_millis(300));
            proxy.cut();
            proxy.restore();
        }
        worker.join().unwrap()
    });
    // Every request once: numbers 1..=30, one submission in its history, one receipt e-mail.
    let (mut numbers, mails) = store
        .read(tenant.id, |tx| {
            let mut numbers = Vec::new();
            for id in &drafts {
                let row = request_rows::get(tx, *id)?.unwrap();
                assert_eq!(row.state, "Pending");
                let sent = request_rows::actions(tx, *id, false)?
                    .into_iter()
                    .filter(|a| a.resulting_state == "Pending")
                    .count();
                assert_eq!(sent, 1, "request {id}: one submission in its history");
                numbers.push(row.number.unwrap());
            }
            Ok::<_, guichet_core::Error>((numbers, outbox::unsent(tx, 500)?))
        })
        .unwrap();
    assert!(
        errors > 0,
        "the database never went away during a submission"
    );
    numbers.sort();
    assert_eq!(
        numbers,
        (1..=30).collect::<Vec<i64>>(),
        "no number lost or given twice ({errors} errors met)"
    );
    for n in 1..=30 {
        let subject = format!("votre demande n° {n} est bien arrivée");
        assert_eq!(
            mails
                .iter()
                .filter(|m| m.subject.ends_with(&subject))
                .count(),
            1,
            "receipt of n° {n}"
        );
    }
}

/// Seasons: windows of one type never overlap; outside every window a
/// seasonal type cannot be filed; one request per child and season.
#[actix_web::test]
async fn seasons_open_and_close_registrations() {
    let (p, arles, _) = setup(Backend::Sqlite).await;
    let today = guichet_domain::time::today();
    let d = |days: i64| today + chrono::Duration::days(days);
    let season = |start: i64, end: i64| SeasonDates {
        registration_start: d(start),
        registration_end: d(end),
        validation_start: d(start),
        effect_start: d(end + 1),
        effect_end: d(end + 100),
    };
    // Overlapping the open one (today - 3 .. today + 30): refused, with its dates.
    let e = p
        .store
        .write(arles.id, |tx| {
            offer::add_season(tx, "school-canteen-registration", "Autre", season(20, 40))
        })
        .unwrap_err();
    assert!(e.to_string().contains("données invalides"), "{e}");
    // Its period overlapping the open one's (today + 31 .. today + 300): refused too.
    assert!(p
        .store
        .write(arles.id, |tx| {
            offer::add_season(tx, "school-canteen-registration", "Autre", season(31, 60))
        })
        .is_err());
    let ok = p.store.write(arles.id, |tx| {
        offer::add_season(
            tx,
            "school-canteen-registration",
            "Suivante",
            SeasonDates {
                effect_start: d(301),
                effect_end: d(400),
                ..season(31, 60)
            },
        )
    });
    assert!(ok.is_ok(), "{ok:?}");
    // A season's dates in the wrong order, a name taken.
    assert!(p
        .store
        .write(arles.id, |tx| offer::add_season(
            tx,
            "school-canteen-registration",
            "Envers",
            season(90, 80)
        ))
        .is_err());
    assert!(p
        .store
        .write(arles.id, |tx| offer::add_season(
            tx,
            "school-canteen-registration",
            "Suivante",
            season(200, 220)
        ))
        .is_err());
    // Not seasonal: no season.
    assert!(p
        .store
        .write(arles.id, |tx| offer::add_season(
            tx,
            "bulky-waste-collection",
            "Été",
            season(1, 2)
        ))
        .is_err());

    let app = test::init_service(public_app(&p.shared)).await;
    let mut b = Browser::portal("arles");
    let me = household(&app, &p, &arles, &mut b, "g@example.fr").await;
    let child = add_child(&app, &mut b, me, "Léo").await;
    // One request per child and season: once sent, the child is not offered again.
    let id = start_canteen(&app, &mut b, child).await;
    send_canteen(&app, &mut b, id).await;
    let page = b.get(&app, "/demarches/school-canteen-registration").await;
    assert!(
        page.html
            .contains("Une demande est déjà en cours pour chaque personne"),
        "{}",
        page.html
    );
    let r = b
        .post(
            &app,
            "/demarches/school-canteen-registration/commencer",
            &csrf_of(&page.html),
            &[("subject", &child.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // Registrations closed: the open season moved to the past.
    p.store
        .write(arles.id, |tx| {
            let t =
                guichet_core::store::repo::offer::teleservice(tx, "school-canteen-registration")?
                    .unwrap();
            for s in guichet_core::store::repo::offer::seasons(tx, Some(t.id))? {
                guichet_tests::shift_season(tx, s.id, -100)?;
            }
            Ok::<_, guichet_core::Error>(())
        })
        .unwrap();
    let page = b.get(&app, "/demarches/school-canteen-registration").await;
    assert!(
        page.html.contains("Les inscriptions sont fermées"),
        "{}",
        page.html
    );
}

/// A collectivité that asks for it: the agents who process the category
/// are told of each new request, and only they.
#[actix_web::test]
async fn agents_of_the_category_are_told_of_a_new_request() {
    use guichet_core::agents::groups;
    use guichet_core::agents::{self, AgentInput};
    use guichet_core::catalogue::categories;
    let (p, arles, _) = setup(Backend::Sqlite).await;
    let directory = guichet_core::directory::Directory::from_config(None);
    for (first, last, right) in [("Léa", "Bernard", "write"), ("Hugo", "Petit", "none")] {
        agents::create(
            &p.store,
            &directory,
            &arles,
            "test",
            "http://arles.localhost",
            AgentInput {
                first_name: first.into(),
                last_name: last.into(),
                email: format!("{}@arles.example", first.to_lowercase().replace('é', "e")),
                groups: vec![groups::AGENT.into()],
                profile: Some("agent".into()),
                password: Some("un mot de passe long".into()),
                ..AgentInput::default()
            },
        )
        .unwrap();
        let uid = guichet_core::agents::uid::base(first, last);
        p.store
            .write(arles.id, |tx| {
                let c = match categories::list(tx)?.into_iter().next() {
                    Some(c) => c,
                    None => {
                        let c = categories::create(tx, "test", "Enfance", "")?;
                        categories::set_teleservice_category(
                            tx,
                            "test",
                            "school-canteen-registration",
                            Some(c.id),
                        )?;
                        c
                    }
                };
                categories::set_right(tx, "test", c.id, &uid, right)?;
                let mut s = guichet_core::collectivite::settings::current(tx)?;
                s.notify_agents = true;
                guichet_core::collectivite::settings::replace(tx, &s)
            })
            .unwrap();
    }
    let app = test::init_service(public_app(&p.shared)).await;
    let mut b = Browser::portal("arles");
    let me = household(&app, &p, &arles, &mut b, "h@example.fr").await;
    let child = add_child(&app, &mut b, me, "Léo").await;
    let id = start_canteen(&app, &mut b, child).await;
    send_canteen(&app, &mut b, id).await;
    let mails = p
        .store
        .read(arles.id, |tx| outbox::unsent(tx, 100))
        .unwrap();
    let told: Vec<&str> = mails
        .iter()
        .filter(|m| m.subject.contains("nouvelle demande n° 1"))
        .map(|m| m.recipient.as_str())
        .collect();
    assert_eq!(told, ["lea@arles.example"]);
}
