//! A request's justificatifs in the back office, on both backends: an agent
//! looks at the pages, reviews a document along its lifecycle with a
//! validity date and a comment, adds a document brought to the counter and
//! a missing page, takes a document off the request; bad input and stale
//! pages change nothing; readers read only; another collectivité reaches
//! nothing. The decision's certificate is kept and reaches the household.

use actix_web::http::StatusCode;
use actix_web::test;
use guichet_core::justificatifs::{self, Justificatif};
use guichet_core::store::repo::requests as request_rows;
use guichet_core::tenancy::Tenant;
use guichet_server::app::public_app;
use guichet_tests::api::Platform;
use guichet_tests::client::{csrf_of, Browser, Part};

use guichet_tests::fixtures::{
    add_child, household, pdftotext, send_canteen, setup, start_canteen, PDF,
};
use guichet_tests::fixtures::{agent, field_value, mails_to, signed_in_agent, state_of};

/// The foyer's documents, and those of the request.
fn documents(p: &Platform, t: &Tenant, id: i64) -> (Vec<Justificatif>, Vec<Justificatif>) {
    p.store
        .read(t.id, move |tx| {
            let household = request_rows::get(tx, id)?.unwrap().household_id;
            let all = justificatifs::of_foyer(tx, household)?;
            let attached = justificatifs::of_request(tx, household, id)?;
            Ok::<_, guichet_core::Error>((all, attached))
        })
        .unwrap()
}

fn history_has(p: &Platform, t: &Tenant, id: i64, note: &str) -> bool {
    p.store
        .read(t.id, move |tx| request_rows::actions(tx, id, false))
        .unwrap()
        .iter()
        .any(|a| a.note.contains(note))
}

per_backend! {
    async fn agents_review_justificatifs_and_decisions_are_certified(backend: Backend) {
        let (p, arles, nimes) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let hugo = agent(&p, &arles, "Hugo", "Petit", "read");
        let ines = agent(&p, &nimes, "Inès", "Noir", "manage");
        let app = test::init_service(public_app(&p.shared)).await;

        // The household files a canteen registration with a proof of address.
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        let docs = format!("/mes-demandes/{id}/justificatifs");
        let token = csrf_of(&b.get(&app, &docs).await.html);
        let r = b
            .upload(
                &app,
                &docs,
                &token,
                &[
                    Part::Text("document_type", "domicile-receipt"),
                    Part::File("pages", "facture.pdf", "application/pdf", PDF),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        send_canteen(&app, &mut b, id).await;
        let (_, attached) = documents(&p, &arles, id);
        let domicile = attached[0].id;
        let first_page = attached[0].pages[0].file_id;

        let page = format!("/backoffice/demandes/{id}");
        let mut a_lea = signed_in_agent(&app, &lea, "arles").await;
        let mut a_hugo = signed_in_agent(&app, &hugo, "arles").await;
        let mut a_ines = signed_in_agent(&app, &ines, "nimes").await;

        // The zone: the document, its state, its page; a reader sees no form.
        let r = a_lea.get(&app, &page).await;
        assert_eq!(r.status, StatusCode::OK, "{backend:?}: {}", r.html);
        assert!(r.html.contains("Justificatif de domicile"));
        assert!(r
            .html
            .contains("État : <strong>en attente de vérification</strong>"));
        let version = field_value(&r.html, "version");
        let token = csrf_of(&r.html);
        let r = a_hugo.get(&app, &page).await;
        assert!(r.html.contains("Justificatif de domicile"));
        assert!(!r.html.contains("Enregistrer la vérification"));
        let hugo_token = csrf_of(&r.html);

        // The pages: for those who reach the request only.
        let file = format!("{page}/pages/{first_page}");
        assert_eq!(a_hugo.get_bytes(&app, &file).await, PDF);
        assert_eq!(a_ines.get(&app, &file).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            a_lea
                .get(&app, &format!("{page}/pages/{}", first_page + 1000))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Beside the data, the first page in the viewer, served inline for
        // this site's frames only; the printout named by the request's number.
        let r = a_hugo.get(&app, &page).await;
        let view = format!("{file}/voir");
        assert!(r.html.contains("id=\"visionneuse\""), "{}", r.html);
        assert!(r.html.contains(&format!("<iframe src=\"{view}\" title=\"Justificatif de domicile, page 1 sur 1 : facture.pdf\">")), "{}", r.html);
        assert!(r
            .html
            .contains("<main role=\"main\" id=\"contenu\" tabindex=\"-1\" class=\"wide\">"));
        let raw = |path: &str, cookie: actix_web::cookie::Cookie<'static>| {
            test::TestRequest::get()
                .uri(path)
                .insert_header(("host", "arles.localhost:8080"))
                .cookie(cookie)
                .to_request()
        };
        let res = test::call_service(&app, raw(&view, a_hugo.cookie.clone().unwrap())).await;
        assert_eq!(res.status(), StatusCode::OK);
        let header = |name: &str| {
            res.headers()
                .get(name)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(header("content-disposition"), "inline");
        assert_eq!(header("x-frame-options"), "SAMEORIGIN");
        assert!(header("content-security-policy").contains("frame-ancestors 'self'"));
        assert_eq!(test::read_body(res).await, PDF);
        assert_eq!(a_ines.get(&app, &view).await.status, StatusCode::NOT_FOUND);
        let number = p
            .store
            .read(arles.id, |tx| {
                guichet_core::store::repo::requests::get(tx, id)
            })
            .unwrap()
            .unwrap()
            .number
            .unwrap();
        let res = test::call_service(
            &app,
            raw(
                &format!("{page}/imprimer.pdf"),
                a_hugo.cookie.clone().unwrap(),
            ),
        )
        .await;
        let disposition = res
            .headers()
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(
            disposition,
            format!("inline; filename=\"Demande_{number}.pdf\"")
        );

        // Bad reviews change nothing.
        let review = format!("{page}/justificatifs/{domicile}");
        for (by_hugo, seen, state, until, status, message) in [
            (
                false,
                version.as_str(),
                "Validated",
                "31-02-2027",
                StatusCode::BAD_REQUEST,
                "au format jj/mm/aaaa",
            ),
            (
                false,
                version.as_str(),
                "Validated",
                "2020-01-01",
                StatusCode::BAD_REQUEST,
                "Cette date est passée",
            ),
            (
                false,
                version.as_str(),
                "Perdu",
                "",
                StatusCode::BAD_REQUEST,
                "Choisissez l’état du document",
            ),
            (
                false,
                version.as_str(),
                "Draft",
                "",
                StatusCode::CONFLICT,
                "ne peut pas devenir « brouillon »",
            ),
            (
                false,
                "123",
                "Validated",
                "",
                StatusCode::CONFLICT,
                "La demande a changé depuis l’affichage",
            ),
            (
                true,
                version.as_str(),
                "Validated",
                "",
                StatusCode::CONFLICT,
                "pas de les traiter",
            ),
        ] {
            let (who, token) = if by_hugo {
                (&mut a_hugo, &hugo_token)
            } else {
                (&mut a_lea, &token)
            };
            let r = who
                .post(
                    &app,
                    &review,
                    token,
                    &[
                        ("version", seen),
                        ("state", state),
                        ("valid_until", until),
                        ("comment", ""),
                    ],
                )
                .await;
            assert_eq!(r.status, status, "{state} {until}: {}", r.html);
            assert!(r.html.contains(message), "{message}: {}", r.html);
            assert_eq!(documents(&p, &arles, id).1[0].state_code, "Pending");
        }
        // Another collectivité's agent reaches nothing.
        let ines_token = csrf_of(&a_ines.get(&app, "/backoffice/").await.html);
        let r = a_ines
            .post(
                &app,
                &review,
                &ines_token,
                &[("version", &version), ("state", "Refused")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Validated until a date, with a comment for the household.
        let r = a_lea
            .post(
                &app,
                &review,
                &token,
                &[
                    ("version", &version),
                    ("state", "Validated"),
                    ("valid_until", "30/06/2030"),
                    ("comment", "Facture lisible, merci."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let doc = &documents(&p, &arles, id).1[0];
        assert_eq!(doc.state_code, "Validated");
        assert_eq!(doc.valid_until.as_deref(), Some("30 juin 2030"));
        assert_eq!(doc.comment, "Facture lisible, merci.");
        assert!(history_has(
            &p,
            &arles,
            id,
            "Justificatif de domicile : validé, valable jusqu’au 30 juin 2030"
        ));
        let r = b.get(&app, "/mes-documents").await;
        assert!(r.html.contains("Facture lisible, merci."), "{}", r.html);
        // The page drawn before is stale; on the new one, the lifecycle rules.
        let r = a_lea.get(&app, &page).await;
        let version = field_value(&r.html, "version");
        let r = a_lea
            .post(
                &app,
                &review,
                &token,
                &[("version", &version), ("state", "Refused")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.html
                .contains("un document « validé » ne peut pas devenir « refusé »")
                || r.html
                    .contains("Un document « validé » ne peut pas devenir « refusé »"),
            "{}",
            r.html
        );

        // A document brought to the counter: refused without a type, then added.
        let add = format!("{page}/justificatifs");
        let r = a_lea
            .upload(
                &app,
                &add,
                &token,
                &[
                    Part::Text("version", &version),
                    Part::Text("document_type", ""),
                    Part::File("pages", "livret.pdf", "application/pdf", PDF),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r
            .html
            .contains("Choisissez le type de document dans la liste"));
        assert_eq!(documents(&p, &arles, id).0.len(), 1, "nothing kept");
        let r = a_lea
            .upload(
                &app,
                &add,
                &token,
                &[
                    Part::Text("version", &version),
                    Part::Text("document_type", "family-notebook"),
                    Part::File("pages", "livret.pdf", "application/pdf", PDF),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let (all, attached) = documents(&p, &arles, id);
        assert_eq!((all.len(), attached.len()), (2, 2));
        let notebook = attached
            .iter()
            .find(|d| d.document_type == "family-notebook")
            .unwrap()
            .id;
        let r = a_lea.get(&app, &page).await;
        assert!(r.html.contains("(ajouté par la mairie)"));
        let version = field_value(&r.html, "version");

        // A missing page, added to it.
        let r = a_lea
            .upload(
                &app,
                &format!("{page}/justificatifs/{notebook}/pages"),
                &token,
                &[
                    Part::Text("version", &version),
                    Part::File("page", "page2.pdf", "application/pdf", PDF),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let (_, attached) = documents(&p, &arles, id);
        let pages = attached
            .iter()
            .find(|d| d.id == notebook)
            .unwrap()
            .pages
            .len();
        assert_eq!(pages, 2);
        assert!(history_has(
            &p,
            &arles,
            id,
            "Livret de famille : page 2 ajoutée"
        ));

        // The proof of address taken off the request: still the foyer's.
        let version = field_value(&a_lea.get(&app, &page).await.html, "version");
        let r = a_lea
            .post(
                &app,
                &format!("{review}/retirer"),
                &token,
                &[("version", &version)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let (all, attached) = documents(&p, &arles, id);
        assert_eq!((all.len(), attached.len()), (2, 1));

        // Complete, then accepted: the documents it was judged on accepted,
        // the certificate kept, the household e-mailed and able to read it.
        for to in ["Complete", "Validated"] {
            let version = field_value(&a_lea.get(&app, &page).await.html, "version");
            let r = a_lea
                .post(
                    &app,
                    &format!("{page}/etat"),
                    &token,
                    &[("version", &version), ("to", to)],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{to}: {}", r.html);
        }
        assert_eq!(state_of(&p, &arles, id), "Validated");
        assert_eq!(documents(&p, &arles, id).1[0].state_code, "Validated");
        let mail = mails_to(&p, &arles, "durand@example.fr")
            .into_iter()
            .find(|(s, _)| s.contains("acceptée"))
            .expect("the acceptance e-mail");
        assert!(
            mail.1
                .contains(&format!("/mes-demandes/{id}/attestation.pdf")),
            "{}",
            mail.1
        );
        let r = b.get(&app, &format!("/mes-demandes/{id}")).await;
        assert!(r.html.contains("Télécharger l’attestation de la décision"));
        let text = pdftotext(
            &b.get_bytes(&app, &format!("/mes-demandes/{id}/attestation.pdf"))
                .await,
        );
        for expected in ["Attestation", "acceptée", "Léo", "Camille"] {
            assert!(
                text.to_lowercase().contains(&expected.to_lowercase()),
                "{expected}: {text}"
            );
        }
        let text = pdftotext(
            &a_hugo
                .get_bytes(&app, &format!("{page}/attestation.pdf"))
                .await,
        );
        assert!(text.contains("acceptée"), "{text}");
        assert_eq!(
            a_ines
                .get(&app, &format!("{page}/attestation.pdf"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        // Another foyer of the same collectivité has no access to it.
        let mut other = Browser::portal("arles");
        household(&app, &p, &arles, &mut other, "martin@example.fr").await;
        assert_eq!(
            other
                .get(&app, &format!("/mes-demandes/{id}/attestation.pdf"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

per_backend! {
    async fn agents_correct_a_requests_data_and_the_history_keeps_before_and_after(backend: Backend) {
        let (p, arles, nimes) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let hugo = agent(&p, &arles, "Hugo", "Petit", "read");
        let ines = agent(&p, &nimes, "Inès", "Noir", "manage");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        send_canteen(&app, &mut b, id).await;
        let page = format!("/backoffice/demandes/{id}");
        let step = format!("{page}/etapes/inscription");
        let mut a_lea = signed_in_agent(&app, &lea, "arles").await;
        let mut a_hugo = signed_in_agent(&app, &hugo, "arles").await;
        let mut a_ines = signed_in_agent(&app, &ines, "nimes").await;
        let data = |p: &Platform| {
            p.store
                .read(arles.id, move |tx| request_rows::get(tx, id))
                .unwrap()
                .unwrap()
                .data_json
        };

        // Not under instruction yet: nothing to correct.
        let r = a_lea.get(&app, &page).await;
        assert!(!r.html.contains("Corriger les données"));
        let token = csrf_of(&r.html);
        let r = a_lea.get(&app, &step).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{backend:?}: {}", r.html);
        assert!(r
            .html
            .contains("passez-la d’abord « en cours de traitement »"));
        let version = field_value(&a_lea.get(&app, &page).await.html, "version");
        let r = a_lea
            .post(
                &app,
                &format!("{page}/etat"),
                &token,
                &[("version", &version), ("to", "Inprogress")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = a_lea.get(&app, &page).await;
        assert!(r.html.contains("Corriger les données"));

        // The step as the household filled it; readers and others stay out.
        let r = a_lea.get(&app, &step).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.html);
        assert!(r.html.contains("06 98 76 54 32"));
        let version = field_value(&r.html, "_version");
        let token = csrf_of(&r.html);
        let r = a_hugo.get(&app, &step).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.html.contains("pas de les traiter"));
        assert_eq!(a_ines.get(&app, &step).await.status, StatusCode::NOT_FOUND);

        let with = |phone: &'static str, seen: &str| {
            let mut v: Vec<(&str, String)> = guichet_tests::fixtures::CANTEEN
                .iter()
                .map(|(k, v)| {
                    (
                        *k,
                        if *k == "urgency_phone" {
                            phone.to_owned()
                        } else {
                            (*v).to_owned()
                        },
                    )
                })
                .collect();
            v.push(("_version", seen.to_owned()));
            v
        };
        let before = data(&p);
        // A wrong phone number, a stale page: refused, nothing changed.
        let fields = with("pas de numéro", &version);
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = a_lea.post(&app, &step, &token, &pairs).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("<title>Erreur"));
        assert!(r.html.contains("pas de numéro"), "the input is kept");
        let fields = with("06 11 22 33 44", "123");
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = a_lea.post(&app, &step, &token, &pairs).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.html.contains("La demande a changé depuis l’affichage"));
        assert_eq!(data(&p), before);

        // The correction: saved, with before and after in the history.
        let fields = with("06 11 22 33 44", &version);
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = a_lea.post(&app, &step, &token, &pairs).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert!(data(&p).contains("06 11 22 33 44"));
        let actions = p
            .store
            .read(arles.id, move |tx| request_rows::actions(tx, id, false))
            .unwrap();
        let changed: Vec<_> = actions
            .iter()
            .filter(|a| a.kind == "Modification")
            .collect();
        assert_eq!(changed.len(), 1);
        assert!(
            changed[0].note.contains("06 98 76 54 32 → 06 11 22 33 44"),
            "{}",
            changed[0].note
        );
        let snapshot = changed[0].snapshot_json.as_deref().unwrap();
        assert!(snapshot.contains("\"before\"") && snapshot.contains("06 98 76 54 32"));
        let r = a_lea.get(&app, &page).await;
        assert!(
            r.html.contains("Les corrections sont enregistrées")
                || r.html.contains("06 98 76 54 32 → 06 11 22 33 44")
        );
        let r = b.get(&app, &format!("/mes-demandes/{id}")).await;
        assert!(
            r.html.contains("06 11 22 33 44"),
            "the household reads the new data"
        );
        // The same answers again: nothing recorded.
        let version = field_value(&a_lea.get(&app, &step).await.html, "_version");
        let fields = with("06 11 22 33 44", &version);
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            a_lea.post(&app, &step, &token, &pairs).await.status,
            StatusCode::SEE_OTHER
        );
        let actions = p
            .store
            .read(arles.id, move |tx| request_rows::actions(tx, id, false))
            .unwrap();
        assert_eq!(
            actions.iter().filter(|a| a.kind == "Modification").count(),
            1
        );
    }
}

per_backend! {
    /// The back office's whole path on a real slapd: the agent signs in with
    /// the directory's password, finds the canteen request the household filed
    /// with its proof of address, opens it (a second agent reads it only),
    /// validates the justificatif until a date, finds the data valid, moves the
    /// request to complete then accepted; the household is e-mailed and reads
    /// the certificate; an agent without rights reaches nothing.
    async fn an_agent_of_the_directory_processes_the_canteen_request_to_its_certificate(backend: Backend) {
        use guichet_tests::api::Dir;
        let (p, arles, _) = guichet_tests::fixtures::setup_with(backend, Dir::Ldap).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let hugo = agent(&p, &arles, "Hugo", "Petit", "write");
        let zoe = agent(&p, &arles, "Zoé", "Blanc", "none");
        assert!(
            p.agents_in_ldap("arles").contains(&lea),
            "the agents live in the directory"
        );
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        let docs = format!("/mes-demandes/{id}/justificatifs");
        let token = csrf_of(&b.get(&app, &docs).await.html);
        b.upload(
            &app,
            &docs,
            &token,
            &[
                Part::Text("document_type", "domicile-receipt"),
                Part::File("pages", "facture.pdf", "application/pdf", PDF),
            ],
        )
        .await;
        send_canteen(&app, &mut b, id).await;

        // Léa signs in against slapd and finds the request by the child's name.
        let mut a_lea = signed_in_agent(&app, &lea, "arles").await;
        let found = a_lea.get(&app, "/backoffice/demandes?nom=leo").await;
        assert!(
            found
                .html
                .contains(&format!("href=\"/backoffice/demandes/{id}\"")),
            "{backend:?}: {}",
            found.html
        );
        let page = format!("/backoffice/demandes/{id}");
        let r = guichet_tests::fixtures::take(&app, &mut a_lea, &page).await;
        let token = csrf_of(&r.html);
        // Hugo reads it only while Léa holds it.
        let mut a_hugo = signed_in_agent(&app, &hugo, "arles").await;
        let r = a_hugo.get(&app, &page).await;
        assert!(r
            .html
            .contains("Léa Bernard traite cette demande depuis le"));
        assert!(!r.html.contains("Enregistrer la vérification"));
        // Zoé has no right on the category: nothing.
        let mut a_zoe = signed_in_agent(&app, &zoe, "arles").await;
        assert_eq!(a_zoe.get(&app, &page).await.status, StatusCode::NOT_FOUND);

        // The justificatif validated until a date, the data found valid.
        let document = documents(&p, &arles, id).1[0].id;
        let version = field_value(&a_lea.get(&app, &page).await.html, "version");
        let r = a_lea
            .post(
                &app,
                &format!("{page}/justificatifs/{document}"),
                &token,
                &[
                    ("version", &version),
                    ("state", "Validated"),
                    ("valid_until", "2030-06-30"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let version = field_value(&a_lea.get(&app, &page).await.html, "version");
        let r = a_lea
            .post(
                &app,
                &format!("{page}/donnees"),
                &token,
                &[("version", "123"), ("data_state", "Valid")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "a stale page");
        let r = a_lea
            .post(
                &app,
                &format!("{page}/donnees"),
                &token,
                &[("version", &version), ("data_state", "Valid")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let r = a_lea.get(&app, &page).await;
        assert!(r.html.contains("Données vérifiées"));
        assert!(!r.html.contains("value=\"Invalid\""), "checked once");

        // Complete, then accepted.
        for to in ["Complete", "Validated"] {
            let version = field_value(&a_lea.get(&app, &page).await.html, "version");
            let r = a_lea
                .post(
                    &app,
                    &format!("{page}/etat"),
                    &token,
                    &[("version", &version), ("to", to)],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{to}: {}", r.html);
        }
        assert_eq!(state_of(&p, &arles, id), "Validated");
        assert!(mails_to(&p, &arles, "durand@example.fr")
            .iter()
            .any(|(s, body)| s.contains("acceptée") && body.contains("attestation.pdf")));
        let text = pdftotext(
            &b.get_bytes(&app, &format!("/mes-demandes/{id}/attestation.pdf"))
                .await,
        );
        assert!(text.contains("acceptée"), "{text}");
        assert!(history_has(&p, &arles, id, "Données vérifiées"));
        assert!(history_has(
            &p,
            &arles,
            id,
            "Justificatif de domicile : validé, valable jusqu’au 30 juin 2030"
        ));
    }
}
