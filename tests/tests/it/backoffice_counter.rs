//! Counter mode, on both backends: an agent opens a foyer for a citizen
//! (refused with French messages when the form is wrong, or the address
//! already has an account), and files a request for a foyer with the
//! portal's forms and checks; the history says which agent filed it and how
//! the household came. Another agent, a reader, another collectivité: kept
//! out.

use actix_web::http::StatusCode;
use actix_web::test;
use guichet_core::store::repo::requests as request_rows;
use guichet_server::app::public_app;
use guichet_tests::client::{csrf_of, Browser};

use guichet_tests::fixtures::{add_child, household, CANTEEN};
use guichet_tests::fixtures::{agent, mails_to, signed_in_agent, state_of, PERSON};

fn with<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v: Vec<(&str, &str)> = PERSON
        .iter()
        .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
        .copied()
        .collect();
    v.extend_from_slice(extra);
    v
}

per_backend! {
    async fn agents_open_foyers_and_file_requests_for_them_at_the_counter(backend: Backend) {
        let (p, arles, nimes) = guichet_tests::fixtures::setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let hugo = agent(&p, &arles, "Hugo", "Petit", "read");
        let marc = agent(&p, &arles, "Marc", "Vidal", "write");
        let ines = agent(&p, &nimes, "Inès", "Noir", "manage");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut a_lea = signed_in_agent(&app, &lea, "arles").await;
        let mut a_hugo = signed_in_agent(&app, &hugo, "arles").await;
        let mut a_marc = signed_in_agent(&app, &marc, "arles").await;
        let mut a_ines = signed_in_agent(&app, &ines, "nimes").await;

        // A household with an account, and a child.
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let leo = add_child(&app, &mut b, me, "Léo").await;
        let foyer = p
            .store
            .read(arles.id, move |tx| {
                guichet_core::store::repo::foyers::individual(tx, me)
            })
            .unwrap()
            .unwrap()
            .household_id;

        // A foyer opened at the counter: wrong input first, nothing made.
        let form = "/backoffice/foyers/nouveau";
        let page = a_lea.get(&app, form).await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {}", page.html);
        let token = csrf_of(&page.html);
        let r = a_lea
            .post(
                &app,
                form,
                &token,
                &with(&[("last_name", ""), ("mobile_phone", "12")]),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("<title>Erreur"));
        let r = a_lea
            .post(&app, form, &token, &with(&[("email", "durand@example.fr")]))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.html.contains("Un compte existe déjà avec cette adresse"),
            "{}",
            r.html
        );
        // A reader may not.
        let hugo_token = csrf_of(&a_hugo.get(&app, form).await.html);
        let r = a_hugo.post(&app, form, &hugo_token, &with(&[])).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.html);
        // Without an address: a foyer of the counter; with one: a link to
        // choose the password.
        let r = a_lea.post(&app, form, &token, &with(&[])).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let created = r.location.unwrap();
        assert!(created.starts_with("/backoffice/foyers/"), "{created}");
        let page = a_lea.get(&app, &created).await;
        assert!(page.html.contains("Le foyer est créé."), "{}", page.html);
        assert!(
            page.html.contains("Foyer créé au guichet par Léa Bernard"),
            "{}",
            page.html
        );
        assert!(page.html.contains("LEFÈVRE") || page.html.contains("Lefèvre"));
        let r = a_lea
            .post(
                &app,
                form,
                &token,
                &with(&[("first_name", "Rose"), ("email", "rose.lefevre@example.fr")]),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let mail = mails_to(&p, &arles, "rose.lefevre@example.fr");
        let link = mail[0]
            .1
            .split("/mot-de-passe/")
            .nth(1)
            .expect("a link to choose the password");
        let secret = link.split_whitespace().next().unwrap();
        let mut rose = Browser::portal("arles");
        assert_eq!(
            rose.get(&app, &format!("/mot-de-passe/{secret}"))
                .await
                .status,
            StatusCode::OK
        );

        // A request for the Durand foyer, by phone: choices checked.
        let start = format!("/backoffice/foyers/{foyer}/demandes/nouvelle");
        let page = a_lea.get(&app, &start).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        let choice = format!("school-canteen-registration:{leo}");
        assert!(page.html.contains(&choice), "{}", page.html);
        let token = csrf_of(&page.html);
        for (c, channel) in [
            (choice.as_str(), ""),
            ("school-canteen-registration:999", "Phone"),
        ] {
            let r = a_lea
                .post(&app, &start, &token, &[("choice", c), ("channel", channel)])
                .await;
            assert_eq!(
                r.status,
                StatusCode::BAD_REQUEST,
                "{c} {channel}: {}",
                r.html
            );
        }
        assert_eq!(a_ines.get(&app, &start).await.status, StatusCode::NOT_FOUND);
        let r = a_lea
            .post(
                &app,
                &start,
                &token,
                &[("choice", &choice), ("channel", "Phone")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let step = r.location.unwrap();
        assert!(step.ends_with("/etapes/inscription"), "{step}");
        let id: i64 = step.split('/').nth(3).unwrap().parse().unwrap();
        // The draft is Léa's: not Marc's, not another collectivité's.
        assert_eq!(a_marc.get(&app, &step).await.status, StatusCode::NOT_FOUND);
        assert_eq!(a_ines.get(&app, &step).await.status, StatusCode::NOT_FOUND);

        // The portal's steps, pre-filled, with the portal's checks.
        let page = a_lea.get(&app, &step).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        let token = csrf_of(&page.html);
        let r = a_lea
            .post(&app, &step, &token, &[("urgency_phone", "pas un numéro")])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = a_lea.post(&app, &step, &token, CANTEEN).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let next = r.location.unwrap();
        let r = a_lea
            .post(&app, &next, &token, &[("rules_acceptance", "oui")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let send = r.location.unwrap();
        assert_eq!(send, format!("/backoffice/guichet/{id}/envoi"));
        let page = a_lea.get(&app, &send).await;
        assert!(
            page.html.contains("Arachides et fruits à coque"),
            "{}",
            page.html
        );
        assert!(page.html.contains("par téléphone"));
        let token = csrf_of(&page.html);
        let key = page
            .html
            .split("name=\"key\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let r = a_lea
            .post(&app, &send, &token, &[("means", "Email"), ("key", &key)])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "no consent: {}", r.html);
        assert_eq!(state_of(&p, &arles, id), "Draft");
        let r = a_lea
            .post(
                &app,
                &send,
                &token,
                &[("means", "Email"), ("consent", "oui"), ("key", &key)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert_eq!(
            r.location.as_deref(),
            Some(format!("/backoffice/demandes/{id}").as_str())
        );
        assert_eq!(state_of(&p, &arles, id), "Pending");
        let actions = p
            .store
            .read(arles.id, move |tx| request_rows::actions(tx, id, false))
            .unwrap();
        let sent = actions
            .iter()
            .rev()
            .find(|a| a.resulting_state == "Pending")
            .unwrap();
        assert_eq!(sent.actor_kind, "agent");
        assert_eq!(sent.note, "Demande déposée par téléphone par Léa Bernard");
        assert!(actions[0]
            .note
            .contains("Demande commencée par téléphone par Léa Bernard"));
        // The household has its receipt, and follows the request.
        assert!(mails_to(&p, &arles, "durand@example.fr")
            .iter()
            .any(|(s, _)| s.contains("est bien arrivée")));
        let r = b.get(&app, &format!("/mes-demandes/{id}")).await;
        assert_eq!(r.status, StatusCode::OK);
        // Sent, it is no draft of Léa's any more.
        assert_eq!(a_lea.get(&app, &send).await.status, StatusCode::NOT_FOUND);
    }
}
