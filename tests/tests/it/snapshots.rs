//! What the key pages, the receipt e-mail and a courrier say, compared with
//! their snapshots (`tests/snapshots/`): the portal's home and a request's
//! summary as the household sees them, the agent's task board, the receipt
//! e-mail, and a courrier's PDF as its text. The same snapshot on both
//! backends: what people read does not depend on the database.

use actix_web::http::StatusCode;
use actix_web::test;
use guichet_core::mail::outbox;
use guichet_core::store::repo::requests as request_rows;
use guichet_server::app::public_app;
use guichet_tests::client::{csrf_of, Browser};
use guichet_tests::snapshot::{assert_snapshot, page_text, redact};

use guichet_tests::fixtures::{
    add_child, household, pdftotext, send_canteen, setup, start_canteen,
};
use guichet_tests::fixtures::{agent, signed_in_agent};

/// What changes from one run to the next in these pages and texts.
const VOLATILE: &[(&str, &str)] = &[
    (r"n° \*?\*?\d+", "n° [numéro]"),
    (r"/mes-demandes/\d+", "/mes-demandes/[id]"),
    (r"/backoffice/demandes/\d+", "/backoffice/demandes/[id]"),
    (r"/mon-foyer/membres/\d+", "/mon-foyer/membres/[id]"),
    (r"/paiements/\d+", "/paiements/[id]"),
    (r"\(foyer \d+\)", "(foyer [id])"),
    (r"\b20\d\d[-–]20\d\d\b", "[année]-[année]"),
    (r"\b20\d\d\b", "[année]"),
];

per_backend! {
    async fn key_pages_emails_and_letters_read_as_kept(backend: Backend) {
        let (p, arles, _) = setup(backend).await;
        let paul = agent(&p, &arles, "Paul", "Roux", "manage");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "camille.martin@example.fr").await;

        let home = b.get(&app, "/").await;
        assert_eq!(home.status, StatusCode::OK, "{backend:?}");
        assert_snapshot("portal_home", &redact(&page_text(&home.html), VOLATILE));

        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        send_canteen(&app, &mut b, id).await;
        let summary = b.get(&app, &format!("/mes-demandes/{id}")).await;
        assert_eq!(summary.status, StatusCode::OK, "{backend:?}");
        assert_snapshot(
            "portal_request_summary",
            &redact(&page_text(&summary.html), VOLATILE),
        );

        let receipt = p
            .store
            .read(arles.id, |tx| outbox::unsent(tx, 100))
            .unwrap()
            .into_iter()
            .find(|m| m.recipient == "camille.martin@example.fr" && m.subject.contains("est bien arrivée"))
            .expect("the receipt e-mail");
        assert_snapshot(
            "receipt_email",
            &redact(
                &format!("Objet : {}\n\n{}", receipt.subject, receipt.body_text),
                VOLATILE,
            ),
        );

        let mut a = signed_in_agent(&app, &paul, "arles").await;
        let board = a.get(&app, "/backoffice/").await;
        assert_eq!(board.status, StatusCode::OK, "{backend:?}");
        assert_snapshot("backoffice_board", &redact(&page_text(&board.html), VOLATILE));

        let courriers = "/backoffice/teleservices/school-canteen-registration/courriers";
        let page = a.get(&app, courriers).await;
        let r = a
            .post(
                &app,
                courriers,
                &csrf_of(&page.html),
                &[
                    ("short_label", "Acceptation"),
                    ("label", "Inscription à la cantine acceptée"),
                    ("model", "letter"),
                    (
                        "body",
                        "Madame, Monsieur {{RR_LNAME}},\n\nVotre demande n° **{{RQ_ID}}** pour {{SU_FNAME}} est acceptée.\n- déjeuners les lundis et jeudis\n\nLe service {{RQ_CAT}}",
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let courrier = r.location.unwrap();
        let courrier = courrier.split('?').next().unwrap();
        let number = p
            .store
            .read(arles.id, |tx| request_rows::get(tx, id))
            .unwrap()
            .unwrap()
            .number
            .unwrap();
        let pdf = a
            .get_bytes(&app, &format!("{courrier}/apercu.pdf?demande={number}"))
            .await;
        assert_snapshot("courrier_pdf", &redact(&pdftotext(&pdf), VOLATILE));
    }
}
