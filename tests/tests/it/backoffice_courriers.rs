//! Courriers types and « contacter le demandeur », on both backends: a
//! courrier is checked when saved (unknown variable, tag, unclosed bold),
//! previewed with a request in HTML and PDF whose text is exactly the one
//! written (accents, a narrow no-break space); a contact by letter, by
//! e-mail (through a real SMTP server, the courrier joined as PDF), by SMS
//! (through a loopback gateway speaking Brevo's API, down then up: nothing
//! lost) and by phone each leave their history line and document. Another
//! collectivité's agents reach none of it.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test;
use base64::Engine;
use guichet_cases::registry::Wiring;
use guichet_core::mail::smtp::SmtpSender;
use guichet_core::sms::{Brevo, Gateway, SmsConfig};
use guichet_core::store::repo::{courriers as courrier_rows, requests as request_rows};
use guichet_domain::requests::MeansOfContact;
use guichet_server::app::public_app;
use guichet_tests::client::{csrf_of, Browser};
use guichet_tests::sms::SmsGateway;
use guichet_tests::{free_port, SmtpSink};

use guichet_tests::fixtures::administrator;
use guichet_tests::fixtures::{
    add_child, household, pdfimages, pdftotext, send_canteen, setup, start_canteen,
};
use guichet_tests::fixtures::{agent, signed_in_agent};

/// A letters' logo: a PNG of 4 × 2 pixels.
const LOGO: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x04\x00\x00\x00\x02\x08\x02\x00\x00\x00\xf0\xca\xea\x34\x00\x00\x00\x10\x49\x44\x41\x54\x78\x9c\x63\x38\x21\x67\x03\x47\x0c\xc8\x1c\x00\x7a\x4a\x09\x11\xf1\x99\x40\x63\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

const COURRIERS: &str = "/backoffice/teleservices/school-canteen-registration/courriers";

/// The body of the courrier the tests write: every kind of markup, accents,
/// a narrow no-break space before the colon and the semicolon.
const BODY: &str = "Madame, Monsieur {{RR_LNAME}},\n\nVotre demande n° **{{RQ_ID}}** pour {{SU_FNAME}} est acceptée\u{202f}; elle vaut pour l’année\u{202f}:\n- les accents « é è à ç œ » sont gardés\n- déjeuners et goûters\n\n{{RQ_OBSERV}}\n\nLe service {{RQ_CAT}}";

per_backend! {
    async fn courriers_are_checked_when_saved_and_previewed_with_a_request(backend: Backend) {
        let (p, arles, nimes) = setup(backend).await;
        let paul = agent(&p, &arles, "Paul", "Roux", "manage");
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let zoe = agent(&p, &nimes, "Zoé", "Faure", "manage");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        send_canteen(&app, &mut b, id).await;
        let number = p
            .store
            .read(arles.id, |tx| request_rows::get(tx, id))
            .unwrap()
            .unwrap()
            .number
            .unwrap();

        let mut a_paul = signed_in_agent(&app, &paul, "arles").await;
        let page = a_paul.get(&app, COURRIERS).await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {}", page.html);
        assert!(page.html.contains("Aucun courrier type"));
        assert!(page.html.contains("{{RQ_OBSERV}}"), "the variables' list");
        let token = csrf_of(&page.html);
        let count = || {
            p.store
                .read(arles.id, |tx| {
                    let t = guichet_core::store::repo::offer::teleservice(
                        tx,
                        "school-canteen-registration",
                    )?
                    .unwrap();
                    courrier_rows::list(tx, t.id)
                })
                .unwrap()
                .len()
        };
        // Refused, each with what to change; nothing saved.
        for (body, message) in [
            (
                "Bonjour {{RR_QUESTION}}",
                "La variable {{RR_QUESTION}} n’existe pas",
            ),
            ("Bonjour {{FOO}}", "La variable {{FOO}} n’existe pas"),
            (
                "Bonjour <script>alert(1)</script>",
                "ne peut pas contenir de balise HTML (&lt;script&gt;)",
            ),
            ("Un **gras sans fin", "passage en gras n’est pas fermé"),
            ("", "Écrivez le texte du courrier"),
        ] {
            let r = a_paul
                .post(
                    &app,
                    COURRIERS,
                    &token,
                    &[
                        ("short_label", "Acceptation"),
                        ("label", "Inscription à la cantine acceptée"),
                        ("model", "letter"),
                        ("body", body),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.html);
            assert!(r.html.contains(message), "{message}: {}", r.html);
            assert_eq!(count(), 0);
        }
        let r = a_paul
            .post(
                &app,
                COURRIERS,
                &token,
                &[
                    ("short_label", "Acceptation"),
                    ("label", "Inscription à la cantine acceptée"),
                    ("model", "letter"),
                    ("body", BODY),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let at = r.location.clone().unwrap();
        let courrier: i64 = at
            .rsplit('/')
            .next()
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // A second one may not take its short label.
        let r = a_paul
            .post(
                &app,
                COURRIERS,
                &token,
                &[
                    ("short_label", "Acceptation"),
                    ("label", "Autre"),
                    ("model", "notice"),
                    ("body", "Texte"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.html.contains("porte déjà ce nom court"), "{}", r.html);

        // The preview with the request: HTML escaped, PDF exact.
        let path = format!("{COURRIERS}/{courrier}");
        let preview = a_paul.get(&app, &format!("{path}?demande={number}")).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.html);
        for expected in [
            "Madame, Monsieur MARTIN,",
            &format!("<strong>{number}</strong>"),
            "<li>les accents « é è à ç œ » sont gardés</li>",
            "acceptée\u{202f}; elle vaut pour l’année\u{202f}:",
            "Objet : Inscription à la cantine acceptée",
        ] {
            assert!(
                preview.html.contains(expected),
                "{expected}: {}",
                preview.html
            );
        }
        let pdf = a_paul
            .get_bytes(&app, &format!("{path}/apercu.pdf?demande={number}"))
            .await;
        let text = pdftotext(&pdf);
        for expected in [
            "Ville d’Arles",
            "Objet : Inscription à la cantine acceptée",
            "Madame, Monsieur MARTIN,",
            &format!("Votre demande n° {number} pour Léo est acceptée\u{202f}; elle vaut pour l’année\u{202f}:"),
            "• les accents « é è à ç œ » sont gardés",
            "• déjeuners et goûters",
        ] {
            // pdftotext reads the narrow no-break space as a space (the
            // PDF maps its glyph to U+202F: see guichet_core::pdf's tests).
            let expected = expected.replace('\u{202f}', " ");
            assert!(text.contains(&expected), "{expected:?} in {text:?}");
        }
        // A request that is not of the téléservice, or not a number: said so.
        let r = a_paul.get(&app, &format!("{path}?demande=9999")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.html.contains("Aucune demande n° 9999 de ce téléservice"),
            "{}",
            r.html
        );
        let r = a_paul.get(&app, &format!("{path}?demande=douze")).await;
        assert!(
            r.html.contains("Indiquez le numéro d’une demande"),
            "{}",
            r.html
        );

        // Every mistake of a body at once.
        let r = a_paul
            .post(
                &app,
                COURRIERS,
                &token,
                &[
                    ("short_label", "Erreurs"),
                    ("label", "Plusieurs erreurs"),
                    ("model", "letter"),
                    ("body", "Bonjour {{FOO}}\n\nUn **gras sans fin\n- {{BAR}}"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        for message in [
            "La variable {{FOO}} n’existe pas",
            "passage en gras n’est pas fermé",
            "La variable {{BAR}} n’existe pas",
        ] {
            assert!(r.html.contains(message), "{message}: {}", r.html);
        }
        // The answers of the téléservice are variables, listed with the
        // others; the greeting says the civility when it is known.
        let page = a_paul.get(&app, COURRIERS).await;
        assert!(
            page.html.contains("{{RQ_DATA_CANTEEN_DAYS}}"),
            "{}",
            page.html
        );
        assert!(page.html.contains("{{RR_GREETING}}"), "{}", page.html);
        let r = a_paul
            .post(
                &app,
                COURRIERS,
                &token,
                &[
                    ("short_label", "Jours"),
                    ("label", "Vos jours de cantine"),
                    ("model", "letter"),
                    (
                        "body",
                        "{{RR_GREETING}},\n\nJours : {{RQ_DATA_CANTEEN_DAYS}} ; régime : {{RQ_DATA_FOOD_DIET}}.",
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let days = r.location.unwrap();
        let days = days.split('?').next().unwrap();
        let preview = a_paul.get(&app, &format!("{days}?demande={number}")).await;
        for expected in [
            "Madame MARTIN,",
            "Jours : Lundi, Jeudi ; régime : Sans porc.",
        ] {
            assert!(
                preview.html.contains(expected),
                "{expected}: {}",
                preview.html
            );
        }
        assert!(
            !preview.html.contains("Madame, Monsieur MARTIN"),
            "{}",
            preview.html
        );

        // Changed, with the same checks.
        let r = a_paul
            .post(
                &app,
                &path,
                &token,
                &[
                    ("short_label", "Acceptation"),
                    ("label", "Inscription acceptée"),
                    ("model", "notice"),
                    ("body", "Bonjour {{INCONNUE}}"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = a_paul
            .post(
                &app,
                &path,
                &token,
                &[
                    ("short_label", "Acceptation"),
                    ("label", "Inscription acceptée"),
                    ("model", "letter"),
                    ("body", BODY),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);

        // Léa does not manage the category; Nîmes' manager sees none of Arles'.
        let mut a_lea = signed_in_agent(&app, &lea, "arles").await;
        assert_eq!(
            a_lea.get(&app, COURRIERS).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(a_lea.get(&app, &path).await.status, StatusCode::NOT_FOUND);
        let mut a_zoe = signed_in_agent(&app, &zoe, "nimes").await;
        let theirs = a_zoe.get(&app, COURRIERS).await;
        assert_eq!(theirs.status, StatusCode::OK);
        assert!(theirs.html.contains("Aucun courrier type"));
        assert_eq!(a_zoe.get(&app, &path).await.status, StatusCode::NOT_FOUND);
        let ztoken = csrf_of(&theirs.html);
        let r = a_zoe
            .post(&app, &format!("{path}/supprimer"), &ztoken, &[])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(count(), 2, "« Acceptation » and « Jours »");

        // Deleted by Paul.
        let r = a_paul
            .post(&app, &format!("{path}/supprimer"), &token, &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(count(), 1);
    }
}

per_backend! {
    async fn contacts_by_letter_email_sms_and_phone_are_kept_with_their_document(backend: Backend) {
        let smtp = SmtpSink::start_on(free_port());
        let gateway = SmsGateway::start();
        let (mut p, arles, _nimes) = setup(backend).await;
        p.shared.sms = actix_web::web::Data::new(guichet_backoffice::Sms(true));
        let paul = agent(&p, &arles, "Paul", "Roux", "manage");
        let app = test::init_service(public_app(&p.shared)).await;
        p.store
            .write(arles.id, |tx| {
                let mut s = guichet_core::collectivite::settings::current(tx)?;
                s.means_of_contact.push(MeansOfContact::Sms);
                guichet_core::collectivite::settings::replace(tx, &s)
            })
            .unwrap();
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        send_canteen(&app, &mut b, id).await;

        let mut a = signed_in_agent(&app, &paul, "arles").await;
        let page = a.get(&app, COURRIERS).await;
        let token = csrf_of(&page.html);
        let r = a
            .post(
                &app,
                COURRIERS,
                &token,
                &[
                    ("short_label", "Acceptation"),
                    ("label", "Inscription à la cantine acceptée"),
                    ("model", "letter"),
                    ("body", BODY),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let courrier = p
            .store
            .read(arles.id, |tx| {
                let t = guichet_core::store::repo::offer::teleservice(
                    tx,
                    "school-canteen-registration",
                )?
                .unwrap();
                courrier_rows::list(tx, t.id)
            })
            .unwrap()[0]
            .id
            .to_string();

        // The request is opened (its lock), then the form: the requester's
        // means preselected among the collectivité's.
        a.get(&app, &format!("/backoffice/demandes/{id}")).await;
        let form = a
            .get(&app, &format!("/backoffice/demandes/{id}/contacter"))
            .await;
        assert_eq!(form.status, StatusCode::OK, "{backend:?}: {}", form.html);
        assert!(form.html.contains("Acceptation"), "{}", form.html);
        assert!(form.html.contains("06 12 34 56 78"));
        let contact = format!("/backoffice/demandes/{id}/contacter");

        // Bad input: said, nothing recorded.
        let history = || {
            p.store
                .read(arles.id, |tx| request_rows::actions(tx, id, false))
                .unwrap()
                .into_iter()
                .filter(|a| a.kind == "ContactCitizen")
                .count()
        };
        for (fields, message) in [
            (
                vec![("means", "Sms"), ("confirme", "oui"), ("message", "")],
                "Écrivez le texte du SMS",
            ),
            (
                vec![
                    ("means", "Sms"),
                    ("confirme", "oui"),
                    ("message", &*"x".repeat(481)),
                ],
                "480 caractères au plus",
            ),
            (
                vec![
                    ("means", "Sms"),
                    ("confirme", "oui"),
                    ("courrier", &*courrier),
                    ("message", "ok"),
                ],
                "part par courriel, par courrier postal ou à l’accueil",
            ),
            (
                vec![("means", "OfficePhone"), ("message", "allô")],
                "Choisissez un moyen de contact parmi ceux de la collectivité",
            ),
            (
                vec![
                    ("means", "Email"),
                    ("confirme", "oui"),
                    ("courrier", "999999"),
                    ("message", "x"),
                ],
                "Choisissez un courrier de ce téléservice",
            ),
        ] {
            let r = a.post(&app, &contact, &token, &fields).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{fields:?}: {}", r.html);
            assert!(r.html.contains(message), "{message}: {}", r.html);
            assert_eq!(history(), 0);
        }

        // The collectivité's letters' logo, given by its administrator.
        administrator(&p, &arles, "ada.admin");
        let mut admin = signed_in_agent(&app, "ada.admin", "arles").await;
        let admin_token = csrf_of(&admin.get(&app, "/backoffice/apparence").await.html);
        let give_logo = async |admin: &mut Browser| {
            let r = admin
                .upload(
                    &app,
                    "/backoffice/apparence/logo-courriers",
                    &admin_token,
                    &[guichet_tests::client::Part::File(
                        "file",
                        "logo.png",
                        "image/png",
                        LOGO,
                    )],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        };
        give_logo(&mut admin).await;

        // A letter: its page and its PDF (with the logo), the agent's message as observation.
        let r = a
            .post(
                &app,
                &contact,
                &token,
                &[
                    ("means", "Mail"),
                    ("courrier", &courrier),
                    ("message", "Merci de votre confiance."),
                    ("note", "Posté le jour même"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let sent = r.location.clone().unwrap();
        assert!(sent.contains("/contacts/"), "{sent}");
        let shown = a.get(&app, &sent).await;
        assert!(shown.html.contains("Merci de votre confiance."));
        assert!(shown.html.contains("Posté le jour même"));
        let pdf_path = format!("{}/courrier.pdf", sent.split('?').next().unwrap());
        let letter = a.get_bytes(&app, &pdf_path).await;
        let text = pdftotext(&letter);
        assert!(text.contains("Merci de votre confiance."), "{text}");
        assert!(text.contains("« é è à ç œ »"), "{text}");
        assert_eq!(pdfimages(&letter), vec![(4, 2)], "the letters' logo");
        let request_page = a.get(&app, &format!("/backoffice/demandes/{id}")).await;
        assert!(
            request_page
                .html
                .contains("Par courrier postal : « Acceptation »"),
            "{}",
            request_page.html
        );
        assert!(request_page.html.contains(sent.split('?').next().unwrap()));

        // An e-mail with the courrier: delivered by SMTP with its PDF.
        let r = a
            .post(
                &app,
                &contact,
                &token,
                &[
                    ("means", "Email"),
                    ("confirme", "oui"),
                    ("courrier", &courrier),
                    ("message", "Bonne rentrée."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let url = url::Url::parse(&format!("smtp://127.0.0.1:{}", smtp.port)).unwrap();
        let sender = SmtpSender::new(&url, "Mairie <mairie@arles.example>").unwrap();
        let config = SmsConfig {
            url: url::Url::parse(&gateway.url()).unwrap(),
            api_key: gateway.key.clone(),
            sender: "ARLES".into(),
        };
        let runner = guichet_cases::registry::jobs(
            &p.store,
            Wiring {
                mail: Some(sender),
                sms: Some(Arc::new(Brevo::new(config)) as Arc<dyn Gateway>),
                ..Wiring::new(8080, p.shared.files.get_ref().clone())
            },
        );
        while runner.run_once().unwrap() > 0 {}
        let mail = smtp
            .received()
            .into_iter()
            .find(|m| m.to.contains("durand@example.fr") && m.subject.contains("courrier au sujet"))
            .expect("the courrier's e-mail");
        assert!(mail.body.contains("Bonne rentrée."), "{}", mail.body);
        let joined = &mail.attachments[0];
        assert_eq!(joined.content_type, "application/pdf");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&joined.base64)
            .unwrap();
        let text = pdftotext(&bytes);
        assert!(text.contains("Bonne rentrée."), "{text}");
        assert!(text.contains("Madame, Monsieur MARTIN,"), "{text}");
        assert_eq!(pdfimages(&bytes), vec![(4, 2)], "the letters' logo");
        // Once the collectivité no longer keeps the logo a letter was
        // written with (two others since), the letter goes without it.
        give_logo(&mut admin).await;
        give_logo(&mut admin).await;
        let letter = a.get_bytes(&app, &pdf_path).await;
        assert!(pdfimages(&letter).is_empty());
        assert!(pdftotext(&letter).contains("Merci de votre confiance."));

        // An SMS while the gateway is down: kept, then sent once it is up.
        gateway.set_down(true);
        let before = gateway.received().len();
        let r = a
            .post(
                &app,
                &contact,
                &token,
                &[
                    ("means", "Sms"),
                    ("confirme", "oui"),
                    ("message", "Votre dossier est complet. Mairie d’Arles"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let to = r.location.clone().unwrap();
        assert!(to.starts_with("/backoffice/demandes/") && !to.contains("/contacts/"), "{to}");
        assert_eq!(runner.run_once().unwrap(), 1);
        assert_eq!(gateway.received().len(), before);
        gateway.set_down(false);
        let later = chrono::Utc::now().naive_utc() + chrono::Duration::hours(1);
        assert_eq!(runner.run_once_at(later).unwrap(), 1);
        let got = gateway.received();
        assert_eq!(got.len(), before + 1);
        let sms = got.last().unwrap();
        assert_eq!(sms.recipient, "33612345678");
        assert_eq!(sms.sender, "ARLES");
        assert_eq!(sms.content, "Votre dossier est complet. Mairie d’Arles");
        assert_eq!(runner.run_once_at(later).unwrap(), 0, "sent once");

        // A phone call's record.
        let r = a
            .post(
                &app,
                &contact,
                &token,
                &[
                    ("means", "MobilePhone"),
                    ("message", "Appelée : elle apportera le justificatif lundi."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert_eq!(history(), 4);
        let actions = p
            .store
            .read(arles.id, |tx| request_rows::actions(tx, id, false))
            .unwrap();
        let notes: Vec<&str> = actions
            .iter()
            .filter(|a| a.kind == "ContactCitizen")
            .map(|a| a.note.as_str())
            .collect();
        assert!(notes.contains(&"Par SMS"), "{notes:?}");
        assert!(notes.contains(&"Par téléphone portable"), "{notes:?}");
        assert!(notes
            .iter()
            .any(|n| n.starts_with("Par courriel : « Acceptation »")));
        let phone = actions
            .iter()
            .rfind(|a| a.kind == "ContactCitizen")
            .unwrap();
        assert!(phone
            .snapshot_json
            .as_deref()
            .unwrap()
            .contains("elle apportera le justificatif lundi"));
        // The household sees none of the internal notes.
        let theirs = b.get(&app, &format!("/mes-demandes/{id}")).await;
        assert!(!theirs.html.contains("Posté le jour même"));
    }
}
