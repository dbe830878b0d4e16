//! The breaks found walking the demo as people walk it (issue of the
//! journeys), each on both backends where the store is involved; their walk
//! in Chromium, with the pages' CSP in force, is in `browser.rs`.

use actix_web::http::StatusCode;
use actix_web::test;
use guichet_core::payments::online;
use guichet_core::store::repo::payments as rows;
use guichet_core::tenancy;
use guichet_server::app::{provisioning_app, public_app};
use guichet_server::testbank::{Notify, TestBank};
use guichet_tests::api::{Dir, Platform, AGENT_PASSWORD, ROOT, ROOT_PASSWORD};
use guichet_tests::client::{csrf_of, Browser};

use guichet_tests::fixtures::{household, setup};
use guichet_tests::fixtures::{invoice, regie};

per_backend! {
    /// 1. Online payment: « Mes paiements » lets its form lead to the bank
    /// (CSP `form-action`); a payment left open at the bank is resumed or
    /// abandoned at once, and an abandoned one locks nothing, while what the
    /// bank says of it later is still recorded.
    async fn a_payment_reaches_the_bank_and_is_resumed_or_abandoned(backend: Backend) {
        let bank = TestBank::start(Notify::Hold);
        let (mut p, arles, _) = setup(backend).await;
        let bank_url = url::Url::parse(&bank.url()).unwrap();
        p.shared.online = actix_web::web::Data::new(guichet_server::app::payfip(Some(&bank_url)));
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
        let f = invoice(&p, &arles, cantine, durand, "F2026-001", "12,50").to_string();

        // The page's policy lets its form lead to the bank, and only there.
        let req = test::TestRequest::get()
            .uri("/paiements")
            .insert_header(("host", "arles.localhost:8080"))
            .cookie(b.cookie.clone().unwrap())
            .to_request();
        let res = test::call_service(&app, req).await;
        let csp = res.headers().get("content-security-policy").unwrap().to_str().unwrap();
        let origin = bank_url.origin().ascii_serialization();
        assert!(csp.contains(&format!("form-action 'self' {origin};")), "{csp}");

        // Sent to the bank; back on « Mes paiements », the payment waits.
        let page = b.get(&app, "/paiements").await;
        let r = b.post(&app, "/paiements", &csrf_of(&page.html), &[("facture", &f)]).await;
        let to_bank = r.location.expect("sent to the bank");
        assert!(to_bank.starts_with(&bank.url()), "{to_bank}");
        let page = b.get(&app, "/paiements").await;
        assert!(page.html.contains("Paiement à terminer"), "{backend:?}: {}", page.html);
        assert!(
            page.html.replace("&#x3D;", "=").contains(&format!("href=\"{to_bank}\"")),
            "the bank's page to go back to: {}",
            page.html
        );
        // Paying it again meanwhile: said what to do.
        let r = b.post(&app, "/paiements", &csrf_of(&page.html), &[("facture", &f)]).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.html);
        assert!(r.html.contains("Reprendre le paiement"), "{}", r.html);
        let first = p
            .store
            .read(arles.id, |tx| rows::payments_of(tx, durand))
            .unwrap()
            .into_iter()
            .next()
            .unwrap();

        // Another foyer cannot abandon it.
        let mut other = Browser::portal("arles");
        household(&app, &p, &arles, &mut other, "roux@example.fr").await;
        let theirs = other.get(&app, "/paiements").await;
        let r = other
            .post(&app, &format!("/paiements/{}/abandonner", first.id), &csrf_of(&theirs.html), &[])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Abandoned: the invoice is payable again at once.
        let r = b
            .post(&app, &format!("/paiements/{}/abandonner", first.id), &csrf_of(&page.html), &[])
            .await;
        assert_eq!(r.location, Some(format!("/paiements/{}?abandon=1", first.id)));
        let shown = b.get(&app, &r.location.unwrap()).await;
        assert!(shown.html.contains("Paiement abandonné"), "{}", shown.html);
        let page = b.get(&app, "/paiements").await;
        assert!(!page.html.contains("Paiement à terminer"), "{}", page.html);
        let r = b.post(&app, "/paiements", &csrf_of(&page.html), &[("facture", &f)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);

        // The payer had paid the first at the bank after all: recorded.
        let idop = first.provider_ref.clone().unwrap();
        bank.pay(&idop, "V");
        let provider = p.shared.online.0.clone();
        let state = online::check(&p.store, arles.id, provider.as_ref(), first.id, "poll").unwrap();
        assert_eq!(state, guichet_domain::payments::PaymentState::Validated, "{backend:?}");
    }
}

per_backend! {
    /// 3. Counter mode: a family without e-mail is registered at the
    /// counter, its child added, its address and members kept by the agent
    /// with the portal's checks, each change in the foyer's history; then a
    /// canteen registration filed for the child. A reader, an agent of
    /// another collectivité: kept out.
    async fn the_counter_keeps_a_foyers_members_and_files_for_its_child(backend: Backend) {
        use guichet_tests::fixtures::{agent, signed_in_agent};
        let (p, arles, nimes) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let hugo = agent(&p, &arles, "Hugo", "Petit", "read");
        let ines = agent(&p, &nimes, "Inès", "Noir", "manage");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut a = signed_in_agent(&app, &lea, "arles").await;
        let form = "/backoffice/foyers/nouveau";
        let r = a.submit(&app, form, form, guichet_tests::fixtures::PERSON).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.html);
        let page = r.location.unwrap().split('?').next().unwrap().to_owned();
        let _foyer: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
        let shown = a.get(&app, &page).await;
        assert!(shown.html.contains("Ajouter un enfant"), "{}", shown.html);

        // A child: refused without what the portal asks, then added.
        let add = format!("{page}/ajouter/enfant");
        let responsible = shown
            .html
            .split("/membres/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_owned();
        let r = a.submit(&app, &add, &add, &[("born", "oui"), ("last_name", "Lefèvre")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("<title>Erreur : ajouter un enfant au foyer"), "{}", r.html);
        let key = format!("responsible.{responsible}");
        let child = [
            ("born", "oui"),
            ("last_name", "Lefèvre"),
            ("first_name", "Sami"),
            ("birth_date", "2019-02-03"),
            ("sex", "Male"),
            ("birth_city", ""),
            (key.as_str(), "ClrFather"),
        ];
        let r = a.submit(&app, &add, &add, &child).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        // The address, then the responsible's phone.
        let address = format!("{page}/adresse");
        let r = a
            .submit(&app, &address, &address, &[
                ("address.street_number", "5"),
                ("address.street_name", "rue des Arènes"),
                ("address.postal_code", "1320"),
                ("address.city", "Arles"),
            ])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        let r = a
            .submit(&app, &address, &address, &[
                ("address.street_number", "5"),
                ("address.street_name", "rue des Arènes"),
                ("address.postal_code", "13200"),
                ("address.city", "Arles"),
            ])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let member = format!("{page}/membres/{responsible}");
        let mut fields: Vec<(&str, &str)> = guichet_tests::fixtures::PERSON
            .iter()
            .filter(|(k, _)| !k.starts_with("address."))
            .copied()
            .collect();
        fields.retain(|(k, _)| *k != "mobile_phone");
        fields.push(("mobile_phone", "07 99 88 77 66"));
        let r = a.submit(&app, &member, &member, &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let shown = a.get(&app, &page).await;
        for line in ["Ajout d’un enfant : Sami", "Modification de l’adresse", "Modification de Jules"] {
            assert!(shown.html.contains(line), "{line}: {}", shown.html);
        }
        assert!(shown.html.contains("rue des Arènes"), "{}", shown.html);
        assert!(shown.html.contains("Léa Bernard"), "the agent's name in the history");

        // The child's canteen registration, at the counter.
        let start = format!("{page}/demandes/nouvelle");
        let form_page = a.get(&app, &start).await;
        assert!(form_page.html.contains("Sami"), "{}", form_page.html);

        // A reader reads, changes nothing; Nîmes finds nothing.
        let mut h = signed_in_agent(&app, &hugo, "arles").await;
        let token = csrf_of(&h.get(&app, "/backoffice/foyers").await.html);
        let r = h.post(&app, &address, &token, &[("address.street_name", "ailleurs")]).await;
        assert!(matches!(r.status, StatusCode::CONFLICT | StatusCode::NOT_FOUND), "{}", r.html);
        let mut i = signed_in_agent(&app, &ines, "nimes").await;
        assert_eq!(i.get(&app, &address).await.status, StatusCode::NOT_FOUND);
        assert_eq!(i.get(&app, &format!("{page}/ajouter/enfant")).await.status, StatusCode::NOT_FOUND);
    }
}

/// The last link of that kind mailed to `to` (its path, from the marker on).
fn link_in(
    p: &guichet_tests::api::Platform,
    t: &guichet_core::tenancy::Tenant,
    to: &str,
    marker: &str,
) -> Option<String> {
    guichet_tests::fixtures::mails_to(p, t, to)
        .iter()
        .rev()
        .find_map(|(_, body)| {
            body.split(marker)
                .nth(1)
                .and_then(|r| r.split(|c: char| c.is_whitespace() || c == ')').next())
                .map(|s| format!("{marker}{s}"))
        })
}

per_backend! {
    /// 4. A request filed without an account: its e-mails carry a follow-up
    /// link (never « Mes demandes »), which signs in once; a new one is
    /// sent on demand and from « mot de passe oublié »; from the request,
    /// its requester keeps it in an account of their own.
    async fn a_request_filed_without_an_account_is_followed_by_its_links(backend: Backend) {
        use guichet_tests::fixtures::{agent, field_value, signed_in_agent};
        use guichet_tests::fixtures::key_of;
        let (p, arles, _) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let uid = lea.clone();
        p.store
            .write(arles.id, move |tx| {
                use guichet_core::catalogue::categories;
                let c = categories::create(tx, "test", "État civil", "")?;
                categories::set_teleservice_category(tx, "test", "birth-details", Some(c.id))?;
                categories::set_right(tx, "test", c.id, &uid, "write")
            })
            .unwrap();
        let app = test::init_service(public_app(&p.shared)).await;
        let email = "paul.roux@example.fr";
        let mut v = Browser::portal("arles");
        let form = "/demarches/birth-details/sans-compte";
        let r = v
            .submit(&app, form, form, &[
                ("title", "Mister"), ("last_name", "Roux"), ("first_name", "Paul"),
                ("email", email), ("mobile_phone", "0611223344"),
                ("address.street_name", "chemin des Vignes"),
                ("address.postal_code", "30000"), ("address.city", "Nîmes"),
            ])
            .await;
        let step = r.location.unwrap();
        let id: i64 = step.split('/').nth(2).unwrap().parse().unwrap();
        let r = v
            .submit(&app, &step, &step, &[
                ("requester_quality", "Requester"), ("format", "FullCopy"),
                ("copies", "2"), ("motive", "Passport"),
            ])
            .await;
        let person = r.location.unwrap();
        let r = v
            .submit(&app, &person, &person, &[
                ("birth_last_name", "Roux"), ("birth_first_names", "Paul Henri"),
                ("birth_date", "1971-05-04"), ("birth_city", "Arles"),
                ("father_last_name", "Roux"),
            ])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let summary = v.get(&app, &format!("/mes-demandes/{id}/envoi")).await;
        let r = v
            .post(&app, &format!("/mes-demandes/{id}/envoi"), &csrf_of(&summary.html), &[
                ("means", "Email"), ("consent", "oui"), ("key", &key_of(&summary.html)),
            ])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);

        // The receipt: a follow-up link, never « Mes demandes ».
        let receipt = guichet_tests::fixtures::mails_to(&p, &arles, email)
            .into_iter()
            .find(|(s, _)| s.contains("est bien arrivée"))
            .unwrap();
        assert!(!receipt.1.contains("/mes-demandes") && !receipt.1.contains("votre espace"), "{}", receipt.1);
        let link = link_in(&p, &arles, email, "/suivi/").expect("a follow-up link");
        // Opening it spends nothing; its button signs in, once.
        let mut later = Browser::portal("arles");
        let page = later.get(&app, &link).await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {}", page.html);
        assert!(page.html.contains("Ouvrir ma demande"));
        let r = later.post(&app, &link, &csrf_of(&page.html), &[]).await;
        assert_eq!(r.location, Some(format!("/mes-demandes/{id}")), "{}", r.html);
        let shown = later.get(&app, &format!("/mes-demandes/{id}")).await;
        assert!(shown.html.contains("Garder vos demandes dans un compte"), "{}", shown.html);
        assert_eq!(Browser::portal("arles").get(&app, &link).await.status, StatusCode::NOT_FOUND);

        // An agent's change: the e-mail carries a new link.
        let mut a = signed_in_agent(&app, &lea, "arles").await;
        let page = a.get(&app, &format!("/backoffice/demandes/{id}")).await;
        let r = a
            .post(&app, &format!("/backoffice/demandes/{id}/etat"), &csrf_of(&page.html),
                &[("version", &field_value(&page.html, "version")), ("to", "Inprogress")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let second = link_in(&p, &arles, email, "/suivi/").unwrap();
        assert_ne!(second, link);

        // On demand: with the number and the address only.
        let number = p
            .store
            .read(arles.id, move |tx| guichet_core::store::repo::requests::get(tx, id))
            .unwrap()
            .unwrap()
            .number
            .unwrap()
            .to_string();
        let before = guichet_tests::fixtures::mails_to(&p, &arles, email).len();
        let mut anyone = Browser::portal("arles");
        let r = anyone.submit(&app, "/suivi", "/suivi", &[("numero", &number), ("email", "autre@example.fr")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.html);
        assert_eq!(guichet_tests::fixtures::mails_to(&p, &arles, email).len(), before);
        let r = anyone.submit(&app, "/suivi", "/suivi", &[("numero", &number), ("email", email)]).await;
        assert!(r.html.contains("Vérifiez votre messagerie"), "{}", r.html);
        assert_eq!(guichet_tests::fixtures::mails_to(&p, &arles, email).len(), before + 1);
        let r = anyone.submit(&app, "/suivi", "/suivi", &[("numero", "douze"), ("email", email)]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        // « Mot de passe oublié », without an account: the requests' links.
        let form = "/mot-de-passe-oublie";
        Browser::portal("arles").submit(&app, form, form, &[("email", email)]).await;
        let reminder = guichet_tests::fixtures::mails_to(&p, &arles, email).pop().unwrap();
        assert!(reminder.0.contains("vos demandes faites sans compte"), "{reminder:?}");
        assert!(reminder.1.contains(&format!("demande n° {number}")), "{reminder:?}");

        // Kept in an account of their own: confirmed, it signs in and lists it.
        let link = link_in(&p, &arles, email, "/suivi/").unwrap();
        let mut owner = Browser::portal("arles");
        let page = owner.get(&app, &link).await;
        owner.post(&app, &link, &csrf_of(&page.html), &[]).await;
        let shown = owner.get(&app, &format!("/mes-demandes/{id}")).await;
        let r = owner
            .post(&app, "/compte/garder", &csrf_of(&shown.html), &[
                ("password", "court"), ("password_confirm", "court"),
            ])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        let r = owner
            .post(&app, "/compte/garder", &csrf_of(&shown.html), &[
                ("password", guichet_tests::fixtures::PASSWORD), ("password_confirm", guichet_tests::fixtures::PASSWORD),
            ])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.html);
        assert!(r.html.contains("Votre compte est créé"), "{}", r.html);
        let confirm = guichet_tests::fixtures::mailed_link(&p, &arles, email, "/compte/confirmer/");
        Browser::portal("arles").submit(&app, &confirm, &confirm, &[]).await;
        let mut signed = Browser::portal("arles");
        let r = signed.household_sign_in(&app, email, guichet_tests::fixtures::PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let mine = signed.get(&app, "/mes-demandes").await;
        assert!(mine.html.contains(&format!("/mes-demandes/{id}")), "{}", mine.html);
    }
}

per_backend! {
    /// 5. The household's message for the mairie, typed when sending,
    /// reaches agents: on the request's page, in its printout, in exports
    /// and in the API.
    async fn the_households_message_reaches_the_agents(backend: Backend) {
        use guichet_tests::fixtures::{agent, signed_in_agent};
        use guichet_tests::fixtures::{add_child, key_of, start_canteen, CANTEEN};
        let (p, arles, _) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "manage");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        for (step, fields) in [("inscription", CANTEEN), ("health", &[("rules_acceptance", "oui")][..])] {
            let path = format!("/mes-demandes/{id}/etapes/{step}");
            b.submit(&app, &path, &path, fields).await;
        }
        let message = "Léo est allergique aux arachides : le PAI est chez l’infirmière.";
        let summary = b.get(&app, &format!("/mes-demandes/{id}/envoi")).await;
        let r = b
            .post(&app, &format!("/mes-demandes/{id}/envoi"), &csrf_of(&summary.html), &[
                ("means", "Email"), ("consent", "oui"), ("note", message), ("key", &key_of(&summary.html)),
            ])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let mut a = signed_in_agent(&app, &lea, "arles").await;
        let page = a.get(&app, &format!("/backoffice/demandes/{id}")).await;
        let shown = page.html.replace("&#x27;", "’");
        assert!(shown.contains("Message du foyer") && shown.contains("allergique aux arachides"), "{backend:?}: {}", page.html);
        let pdf = a.get_bytes(&app, &format!("/backoffice/demandes/{id}/imprimer.pdf")).await;
        let text = guichet_tests::fixtures::pdftotext(&pdf);
        assert!(text.contains("Message du foyer") && text.contains("allergique aux arachides"), "{text}");
        let csv = String::from_utf8(a.get_bytes(&app, "/backoffice/exports/demandes.csv").await).unwrap();
        assert!(csv.contains("Message du foyer") && csv.contains(message), "{csv}");
        let token = guichet_core::agents::principal::issue_token(&p.store, &format!("{lea}@arles"), 1, "test").unwrap();
        let req = test::TestRequest::get()
            .uri(&format!("/api/v1/requests/{id}"))
            .insert_header(("host", "arles.localhost:8080"))
            .insert_header(("authorization", format!("Bearer {token}")))
            .to_request();
        let record: serde_json::Value = test::call_and_read_body_json(&app, req).await;
        assert_eq!(record["household_note"], message, "{record}");
    }
}

per_backend! {
    /// 6. No silent change: the household's change to a sent request is a
    /// line of its history with the answers before and after, its data to
    /// be checked again, its agent told; cancelling a request, taking a
    /// téléservice off line and sending an e-mail to a requester each ask
    /// first (an e-mail is seen before it leaves).
    async fn changes_are_said_and_destructive_actions_ask_first(backend: Backend) {
        use guichet_tests::fixtures::{agent, field_value, mails_to, signed_in_agent, take};
        use guichet_tests::fixtures::{add_child, send_canteen, start_canteen};
        let (p, arles, _) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "manage");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        send_canteen(&app, &mut b, id).await;
        let other = add_child(&app, &mut b, me, "Zoé").await;
        let id2 = start_canteen(&app, &mut b, other).await;
        send_canteen(&app, &mut b, id2).await;

        // Léa asks for more: the household changes its answers.
        let mut a = signed_in_agent(&app, &lea, "arles").await;
        let page = format!("/backoffice/demandes/{id}");
        let r = take(&app, &mut a, &page).await;
        let r = a
            .post(&app, &format!("{page}/etat"), &csrf_of(&r.html), &[
                ("version", &field_value(&r.html, "version")),
                ("to", "Uncomplete"),
                ("reason", "Précisez les jours."),
            ])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let step = format!("/mes-demandes/{id}/etapes/inscription");
        let mut changed: Vec<(&str, &str)> =
            guichet_tests::fixtures::CANTEEN.iter().filter(|(k, _)| *k != "canteen_days").copied().collect();
        changed.push(("canteen_days", "tuesday"));
        let r = b.submit(&app, &step, &step, &changed).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let seen = a.get(&app, &page).await;
        assert!(seen.html.contains("Étape « Inscription » : Jours"), "{backend:?}: {}", seen.html);
        assert!(seen.html.contains("Lundi, Jeudi → Mardi"), "{}", seen.html);
        assert!(seen.html.contains("Données à vérifier"), "{}", seen.html);
        // Léa hears of it when the household sends it back (item 10).
        let theirs = b.get(&app, &format!("/mes-demandes/{id}")).await;
        assert!(theirs.html.contains("Lundi, Jeudi → Mardi"), "{}", theirs.html);

        // Cancelling asks first.
        let token = csrf_of(&theirs.html);
        let r = b.post(&app, &format!("/mes-demandes/{id2}/annuler"), &token, &[]).await;
        assert_eq!(r.location, Some(format!("/mes-demandes/{id2}/annuler")));
        assert_eq!(guichet_tests::fixtures::state_of(&p, &arles, id2), "Pending");
        let ask = b.get(&app, &format!("/mes-demandes/{id2}/annuler")).await;
        assert!(ask.html.contains("Oui, annuler la demande"), "{}", ask.html);

        // An e-mail is seen before it leaves; « Modifier » brings the form back.
        let contact = format!("{page}/contacter");
        let form = a.get(&app, &contact).await;
        let before = mails_to(&p, &arles, "durand@example.fr").len();
        let fields = [("means", "Email"), ("courrier", ""), ("message", "Merci de passer à l’accueil."), ("note", "")];
        let r = a.post(&app, &contact, &csrf_of(&form.html), &fields).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.html);
        assert!(r.html.contains("Aperçu avant envoi") && r.html.contains("Envoyer au demandeur"), "{}", r.html);
        assert_eq!(mails_to(&p, &arles, "durand@example.fr").len(), before, "nothing sent yet");
        let mut again = fields.to_vec();
        again.push(("modifier", "oui"));
        let r = a.post(&app, &contact, &csrf_of(&form.html), &again).await;
        assert!(r.html.contains("Merci de passer à l’accueil.") || r.html.contains("Merci de passer à l&#x27;accueil."), "{}", r.html);
        let mut confirmed = fields.to_vec();
        confirmed.push(("confirme", "oui"));
        let r = a.post(&app, &contact, &csrf_of(&form.html), &confirmed).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert_eq!(mails_to(&p, &arles, "durand@example.fr").len(), before + 1);

        // Off line: asked first, then done.
        let tele = "/backoffice/teleservices/school-canteen-registration";
        let page = a.get(&app, tele).await;
        let r = a.post(&app, &format!("{tele}/en-ligne"), &csrf_of(&page.html), &[("online", "non"), ("message", "")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.html);
        assert!(r.html.contains("Oui, mettre hors ligne"), "{}", r.html);
        assert!(Browser::portal("arles").get(&app, "/demarches/school-canteen-registration").await.status.is_success());
        let r = a
            .post(&app, &format!("{tele}/en-ligne"), &csrf_of(&page.html), &[("online", "non"), ("message", ""), ("confirme", "oui")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);

        // Cancelled, once confirmed.
        let r = b.post(&app, &format!("/mes-demandes/{id2}/annuler"), &csrf_of(&ask.html), &[("confirme", "oui")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert_eq!(guichet_tests::fixtures::state_of(&p, &arles, id2), "Cancelled");
    }
}

per_backend! {
    /// 7. Forms: a condition on an earlier step's answer is decided by the
    /// server; the rules are ticked and linked; a justificatif sent without
    /// file nor type says both and keeps what was chosen; a proof of address
    /// holds three months; the household sees the pages it sent.
    async fn forms_decide_conditions_ask_consent_and_show_what_was_sent(backend: Backend) {
        use guichet_tests::fixtures::{add_child, start_canteen, CANTEEN, PDF};
        use guichet_tests::client::Part;
        let (p, arles, _) = setup(backend).await;
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;

        // Birth certificate: the parents asked for a copy with filiation only.
        for (format, asked) in [("ExtractWithRelationship", true), ("ExtractWithoutRelationship", false)] {
            let page = "/demarches/birth-details";
            let r = b.submit(&app, page, &format!("{page}/commencer"), &[("subject", "")]).await;
            let step = r.location.unwrap_or_else(|| panic!("{}", r.html));
            let r = b
                .submit(&app, &step, &step, &[
                    ("requester_quality", "Requester"), ("format", format),
                    ("copies", "1"), ("motive", "Passport"),
                ])
                .await;
            let next = r.location.unwrap_or_else(|| panic!("{}", r.html));
            let person = b.get(&app, &next).await;
            assert_eq!(person.html.contains("Nom du père"), asked, "{backend:?} {format}: {}", person.html);
            assert!(!person.html.contains("À remplir si vous avez répondu"), "{}", person.html);
        }

        // The canteen: its rules ticked, and linked once the collectivité gives them.
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        let inscription = format!("/mes-demandes/{id}/etapes/inscription");
        b.submit(&app, &inscription, &inscription, CANTEEN).await;
        let health = format!("/mes-demandes/{id}/etapes/health");
        let page = b.get(&app, &health).await;
        assert!(page.html.contains("remis à l’accueil"), "{}", page.html);
        let r = b.submit(&app, &health, &health, &[]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("Cochez la case pour continuer"), "{}", r.html);
        let stored = p
            .shared
            .files
            .put_stream(
                arles.id,
                futures_util::stream::iter([Ok::<_, String>(bytes::Bytes::from_static(PDF))]),
                &guichet_core::files::Limits::PUBLICATIONS,
            )
            .await
            .unwrap();
        p.store
            .write(arles.id, |tx| {
                guichet_core::collectivite::appearance::replace(
                    tx,
                    "test",
                    guichet_core::collectivite::appearance::Kind::ServiceRules,
                    &stored,
                    "reglement.pdf",
                )
                .map(drop)
            })
            .unwrap();
        let page = b.get(&app, &health).await;
        assert!(page.html.contains("href=\"/documents/reglement\""), "{}", page.html);
        assert_eq!(b.get(&app, "/documents/reglement").await.status, StatusCode::OK);

        // A justificatif with neither file nor type: both said, nothing lost.
        let docs = "/mes-documents";
        let token = csrf_of(&b.get(&app, docs).await.html);
        let r = b.upload(&app, docs, &token, &[Part::Text("document_type", "")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("Choisissez le type de document") && r.html.contains("Joignez au moins une page"), "{}", r.html);
        let r = b.upload(&app, docs, &token, &[Part::Text("document_type", "domicile-receipt")]).await;
        assert!(r.html.contains("<option value=\"domicile-receipt\" selected"), "the type kept: {}", r.html);
        // A proof of address: three months.
        let r = b
            .upload(&app, docs, &token, &[
                Part::Text("document_type", "domicile-receipt"),
                Part::File("pages", "edf.pdf", "application/pdf", PDF),
            ])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let household = p
            .store
            .read(arles.id, |tx| guichet_core::foyers::account_by_login(tx, "durand@example.fr"))
            .unwrap()
            .unwrap()
            .household;
        let kept = p
            .store
            .read(arles.id, move |tx| guichet_core::justificatifs::of_foyer(tx, household))
            .unwrap();
        let proof = kept.iter().find(|d| d.document_type == "domicile-receipt").unwrap();
        let in_three_months = guichet_domain::time::today()
            .checked_add_months(chrono::Months::new(3))
            .unwrap();
        assert_eq!(proof.valid_until_date, Some(in_three_months), "{backend:?}");
        // Joined to the request, its page is there to see.
        let attach = format!("/mes-demandes/{id}/justificatifs");
        let page = b.get(&app, &attach).await;
        let r = b
            .upload(&app, &attach, &csrf_of(&page.html), &[Part::Text("document", &proof.id.to_string())])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let page = b.get(&app, &attach).await;
        let link = page.html.split("href=\"/mes-documents/pages/").nth(1).expect("a page link");
        let file = link.split('"').next().unwrap();
        let r = b.get(&app, &format!("/mes-documents/pages/{file}")).await;
        assert_eq!(r.status, StatusCode::OK);
    }
}

per_backend! {
    /// 8. Provisioning: a collectivité created through its page with what a
    /// browser posts (line breaks as CRLF), the SIRET the hint gives, its own
    /// `.localhost` listed with its host names; its first admin reaches the
    /// back office's administration at once, and agents have one role there.
    async fn a_collectivite_is_created_as_a_browser_sends_it(backend: Backend) {
        let p = Platform::new(backend, Dir::Builtin);
        let prov = test::init_service(provisioning_app(&p.shared)).await;
        let mut root = Browser::provisioning();
        let r = root.sign_in(&prov, ROOT, ROOT_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let form = "/collectivites/nouvelle";
        let page = root.get(&prov, form).await;
        let hint = "212 100 047 00019";
        assert!(page.html.contains(hint), "{}", page.html);
        let fields = |hosts: &'static str| {
            vec![
                ("slug", "arles"),
                ("name", "Ville d’Arles"),
                ("host_names", hosts),
                ("postal_address", "Hôtel de ville\r\n2 place de la République\r\n13200 Arles"),
                ("contact_email", "mairie@arles.example"),
                ("siret", hint),
                ("admin_first_name", "Marie"),
                ("admin_last_name", "Dupont"),
                ("admin_email", "marie.dupont@arles.example"),
                ("admin_uid", ""),
                ("admin_password", AGENT_PASSWORD),
            ]
        };

        // Another collectivité's `.localhost`: refused, and said why.
        let r = root
            .submit(&prov, form, form, &fields("demarches.arles.example\r\nville2.localhost\r\n"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("réservé au poste de travail"), "{}", r.html);
        assert!(r.html.contains("arles.localhost"), "{}", r.html);
        assert!(!r.html.contains("Adresse postale :"), "the CRLF address is fine: {}", r.html);

        // Its own: accepted, with the address and the SIRET as typed.
        let r = root
            .submit(&prov, form, form, &fields("demarches.arles.example\r\narles.localhost\r\n"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let arles = p
            .store
            .platform_read(|c| tenancy::find_by_slug(c, "arles"))
            .unwrap()
            .unwrap();
        assert_eq!(arles.host_names, ["demarches.arles.example"]);
        assert_eq!(arles.postal_address, "Hôtel de ville\n2 place de la République\n13200 Arles");
        assert_eq!(arles.siret.as_deref().map(|s| s.replace(' ', "")).as_deref(), Some("21210004700019"));
        let summary = root.get(&prov, "/collectivites/arles").await;
        assert!(
            summary.html.contains("https://demarches.arles.example/backoffice"),
            "the notice says where the back office is: {}",
            summary.html
        );
        // Changed with its own `.localhost` among them: the same rule.
        let edit = "/collectivites/arles/modifier";
        let r = root
            .submit(
                &prov,
                edit,
                edit,
                &[
                    ("name", "Ville d’Arles"),
                    ("host_names", "arles.localhost\r\nwww.arles.example"),
                    ("postal_address", "Hôtel de ville\r\n13200 Arles"),
                    ("contact_email", "mairie@arles.example"),
                    ("siret", hint),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let arles = p
            .store
            .platform_read(|c| tenancy::find_by_slug(c, "arles"))
            .unwrap()
            .unwrap();
        assert_eq!(arles.host_names, ["www.arles.example"]);
        assert_eq!(arles.postal_address, "Hôtel de ville\n13200 Arles");

        // The first admin: both administrations, at once.
        let app = test::init_service(public_app(&p.shared)).await;
        let mut marie = Browser::backoffice("arles");
        let r = marie.agent_sign_in(&app, "marie.dupont", AGENT_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let settings = marie.get(&app, "/backoffice/parametres").await;
        assert_eq!(settings.status, StatusCode::OK, "{}", settings.html);
        let mut referential = Browser::provisioning();
        let r = referential.sign_in(&prov, "marie.dupont@arles", AGENT_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);

        // One role per agent in the back office: chosen once, no look-alike groups.
        let new = "/collectivites/arles/agents/nouveau";
        let page = referential.get(&prov, new).await;
        assert!(page.html.contains("Rôle dans l’espace des agents"), "{}", page.html);
        for gone in [
            "Administrateurs Guichet",
            "Agents instructeurs",
            "name=\"groups\" value=\"admin\"",
            "name=\"groups\" value=\"agent\"",
        ] {
            assert!(!page.html.contains(gone), "{gone}: {}", page.html);
        }
        let r = referential
            .submit(
                &prov,
                new,
                new,
                &[
                    ("first_name", "Paul"),
                    ("last_name", "Roux"),
                    ("email", "paul.roux@arles.example"),
                    ("role", "admin"),
                    ("password", AGENT_PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let mut paul = Browser::backoffice("arles");
        paul.agent_sign_in(&app, "paul.roux", AGENT_PASSWORD).await;
        let settings = paul.get(&app, "/backoffice/parametres").await;
        assert_eq!(settings.status, StatusCode::OK, "{}", settings.html);
        let r = Browser::provisioning()
            .sign_in(&prov, "paul.roux@arles", AGENT_PASSWORD)
            .await;
        assert_ne!(r.status, StatusCode::SEE_OTHER, "not an admin of the référentiel");
        // Without a role: signed in, and told whom to ask.
        let r = referential
            .submit(
                &prov,
                new,
                new,
                &[
                    ("first_name", "Zoé"),
                    ("last_name", "Blanc"),
                    ("email", "zoe.blanc@arles.example"),
                    ("role", "aucun"),
                    ("password", AGENT_PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let mut zoe = Browser::backoffice("arles");
        zoe.agent_sign_in(&app, "zoe.blanc", AGENT_PASSWORD).await;
        let board = zoe.get(&app, "/backoffice/").await;
        assert!(
            board.html.contains("vous donner un rôle dans l’espace des agents"),
            "{}",
            board.html
        );
        assert_eq!(zoe.get(&app, "/backoffice/parametres").await.status, StatusCode::NOT_FOUND);
    }
}

per_backend! {
    /// 10. After « compléter », one e-mail each: the household's, saying its
    /// request went back to the mairie, and its agent's, with every change;
    /// changes to a request waiting for its agent tell them once a burst.
    async fn completing_a_request_sends_one_email_each(backend: Backend) {
        use guichet_tests::fixtures::{agent, field_value, mails_to, signed_in_agent, take};
        use guichet_tests::fixtures::{add_child, key_of, send_canteen, start_canteen, CANTEEN};
        let (p, arles, _) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "manage");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        send_canteen(&app, &mut b, id).await;
        let mut a = signed_in_agent(&app, &lea, "arles").await;
        let page = format!("/backoffice/demandes/{id}");
        let r = take(&app, &mut a, &page).await;
        let r = a
            .post(&app, &format!("{page}/etat"), &csrf_of(&r.html), &[
                ("version", &field_value(&r.html, "version")),
                ("to", "Uncomplete"),
                ("reason", "Précisez les jours."),
            ])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let (household_before, agent_before) =
            (mails_to(&p, &arles, "durand@example.fr").len(), mails_to(&p, &arles, "bernard@example.fr").len());

        // Two steps, then « renvoyer » from « Modifier ma demande ».
        let mine = b.get(&app, &format!("/mes-demandes/{id}")).await;
        assert!(mine.html.contains(&format!("<a href=\"/mes-demandes/{id}/envoi\">Modifier ma demande</a>")), "{}", mine.html);
        let mut changed: Vec<(&str, &str)> = CANTEEN.iter().filter(|(k, _)| *k != "canteen_days").copied().collect();
        changed.push(("canteen_days", "tuesday"));
        for (step, fields) in [("inscription", &changed[..]), ("health", &[("rules_acceptance", "oui")][..])] {
            let path = format!("/mes-demandes/{id}/etapes/{step}");
            let r = b.submit(&app, &path, &path, fields).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        }
        assert_eq!(mails_to(&p, &arles, "bernard@example.fr").len(), agent_before, "nothing while the household completes it");
        let summary = b.get(&app, &format!("/mes-demandes/{id}/envoi")).await;
        let r = b
            .post(&app, &format!("/mes-demandes/{id}/envoi"), &csrf_of(&summary.html), &[
                ("means", "Email"), ("consent", "oui"), ("note", ""), ("key", &key_of(&summary.html)),
            ])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let household_mails = mails_to(&p, &arles, "durand@example.fr");
        assert_eq!(household_mails.len(), household_before + 1, "{household_mails:?}");
        assert!(household_mails.last().unwrap().0.contains("complétée est renvoyée à la mairie"), "{household_mails:?}");
        let agent_mails = mails_to(&p, &arles, "bernard@example.fr");
        assert_eq!(agent_mails.len(), agent_before + 1, "{agent_mails:?}");
        let (subject, body) = agent_mails.last().unwrap();
        assert!(subject.contains("complétée par le foyer") && body.contains("Lundi, Jeudi → Mardi"), "{subject}: {body}");
        assert_eq!(guichet_tests::fixtures::state_of(&p, &arles, id), "Rectified");

        // Waiting for its agents (told of changes, as the collectivité
        // asks): two changes in a row, one e-mail.
        p.store
            .write(arles.id, |tx| {
                let mut s = guichet_core::collectivite::settings::current(tx)?;
                s.notify_agents = true;
                guichet_core::collectivite::settings::replace(tx, &s)
            })
            .unwrap();
        let id2 = {
            let other = add_child(&app, &mut b, me, "Zoé").await;
            let id2 = start_canteen(&app, &mut b, other).await;
            send_canteen(&app, &mut b, id2).await;
            id2
        };
        let before = mails_to(&p, &arles, "bernard@example.fr").len();
        let path = format!("/mes-demandes/{id2}/etapes/inscription");
        for days in ["tuesday", "friday"] {
            let mut fields: Vec<(&str, &str)> = CANTEEN.iter().filter(|(k, _)| *k != "canteen_days").copied().collect();
            fields.push(("canteen_days", days));
            let r = b.submit(&app, &path, &path, &fields).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        }
        let told = mails_to(&p, &arles, "bernard@example.fr");
        assert_eq!(told.len(), before + 1, "{told:?}");
        assert!(told.last().unwrap().0.contains("modifiée par le foyer"));
    }
}

per_backend! {
    /// 10. The pages a commune must have: legal notice, personal data and
    /// accessibility statement, there from the start (written from its
    /// settings), in every page's footer, and written anew by its
    /// administrator; another collectivité's stay its own.
    async fn the_legal_pages_are_there_and_editable(backend: Backend) {
        use guichet_tests::fixtures::{agent, signed_in_agent};
        let (p, arles, _) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "manage");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut visitor = Browser::portal("arles");
        let home = visitor.get(&app, "/").await;
        for (href, label) in [
            ("/mentions-legales", "Mentions légales"),
            ("/donnees-personnelles", "Données personnelles"),
            ("/accessibilite", "Accessibilité"),
        ] {
            assert!(home.html.contains(&format!("<a href=\"{href}\">{label}</a>")), "{label}: {}", home.html);
            let page = visitor.get(&app, href).await;
            assert_eq!(page.status, StatusCode::OK, "{href}");
            assert!(page.html.contains(&format!("<h1>{label}</h1>")), "{}", page.html);
            assert!(page.html.contains("Ville d’Arles"), "{}", page.html);
        }
        let notice = visitor.get(&app, "/mentions-legales").await;
        assert!(notice.html.contains("Hôtel de ville") && notice.html.contains("http://arles.localhost:8080"), "{}", notice.html);
        let data = visitor.get(&app, "/donnees-personnelles").await;
        assert!(data.html.contains("après 30 jours") && data.html.contains("CNIL"), "{}", data.html);
        let a11y = visitor.get(&app, "/accessibilite").await;
        assert!(a11y.html.contains("n’est pas en conformité") && a11y.html.contains("Défenseur des droits"), "{}", a11y.html);

        // Its administrator writes its own statement; refused ones say every mistake.
        let mut admin = Browser::backoffice("arles");
        let r = admin.agent_sign_in(&app, "admin.darles", AGENT_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let settings = admin.get(&app, "/backoffice/parametres").await;
        assert!(settings.html.contains("/backoffice/parametres/pages/accessibilite"), "{}", settings.html);
        assert!(settings.html.contains("<a href=\"/accessibilite\">Accessibilité</a>"), "in the footer of the agents' pages too");
        let edit = "/backoffice/parametres/pages/accessibilite";
        let form = admin.get(&app, edit).await;
        assert!(form.html.contains("## État de conformité"), "the default text to start from: {}", form.html);
        let r = admin.submit(&app, edit, edit, &[("text", "## \r\n\r\n<b>Conforme</b> {{RQ_ID}}")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("titre de partie est vide") && r.html.contains("balise HTML"), "{}", r.html);
        let own = "## État de conformité\r\n\r\nLe portail est **partiellement conforme** au RGAA 4.1.2 (audit de mars 2027).\r\n- taux de conformité : 87 %";
        let r = admin.submit(&app, edit, edit, &[("text", own)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let a11y = visitor.get(&app, "/accessibilite").await;
        assert!(a11y.html.contains("<h2>État de conformité</h2>"), "{}", a11y.html);
        assert!(a11y.html.contains("<strong>partiellement conforme</strong>") && a11y.html.contains("<li>taux de conformité : 87 %</li>"), "{}", a11y.html);
        assert!(a11y.html.contains("Page mise à jour le"), "{}", a11y.html);
        assert!(!a11y.html.contains("Défenseur des droits"));
        // Nîmes keeps its own.
        let theirs = Browser::portal("nimes").get(&app, "/accessibilite").await;
        assert!(theirs.html.contains("Ville de Nîmes") && theirs.html.contains("n’est pas en conformité"), "{}", theirs.html);
        // An agent who does not administer the back office cannot write it.
        let mut a = signed_in_agent(&app, &lea, "arles").await;
        assert_eq!(a.get(&app, edit).await.status, StatusCode::NOT_FOUND);
        // Back to the text of the settings.
        let r = admin.submit(&app, edit, edit, &[("text", own), ("defaut", "oui")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let a11y = visitor.get(&app, "/accessibilite").await;
        assert!(a11y.html.contains("n’est pas en conformité"), "{}", a11y.html);

        // And the words of every page: « Erreur : » once in a title, no
        // « (s) » nor « né(e) » where the number or the sex is known.
        let start = "/demarches/birth-details/sans-compte";
        let r = visitor.submit(&app, start, start, &[]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        let title = r.html.split("<title>").nth(1).unwrap().split("</title>").next().unwrap();
        assert_eq!(title.matches("Erreur : ").count(), 1, "{title}");
        let none = visitor.get(&app, "/?q=zzz").await;
        assert!(none.html.contains("Aucune démarche ne correspond à « zzz »"), "{}", none.html);
        let one = visitor.get(&app, "/?q=encombrants").await;
        assert!(one.html.contains("1 démarche trouvée"), "{}", one.html);
        let mut b = Browser::portal("arles");
        household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let foyer = b.get(&app, "/mon-foyer").await;
        assert!(foyer.html.contains("née le 02/04/1985") && !foyer.html.contains("né(e)"), "{}", foyer.html);
    }
}
