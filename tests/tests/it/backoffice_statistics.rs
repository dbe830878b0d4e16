//! Statistics and exports, on both backends: the counts of the requests an
//! agent may read (by state, by téléservice and month, by quality of
//! service), their charts and tables, each table as CSV and ODS; a search's
//! requests exported with their answers, read in pages. Another
//! collectivité's requests never count.

use std::io::Read;

use actix_web::http::StatusCode;
use actix_web::test;
use guichet_cases::casework::{export, Query};
use guichet_server::app::public_app;
use guichet_tests::client::Browser;

use guichet_tests::fixtures::{add_child, household, send_canteen, setup, start_canteen};
use guichet_tests::fixtures::{agent, signed_in_agent};

fn ods_content(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let mut mimetype = String::new();
    zip.by_name("mimetype")
        .unwrap()
        .read_to_string(&mut mimetype)
        .unwrap();
    assert_eq!(mimetype, "application/vnd.oasis.opendocument.spreadsheet");
    let mut content = String::new();
    zip.by_name("content.xml")
        .unwrap()
        .read_to_string(&mut content)
        .unwrap();
    content
}

per_backend! {
    async fn statistics_and_exports_count_what_the_agent_manages(backend: Backend) {
        let (p, arles, nimes) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "manage");
        let zoe = agent(&p, &nimes, "Zoé", "Faure", "manage");
        let hugo = agent(&p, &arles, "Hugo", "Petit", "write");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        for name in ["Léo", "Zoé", "Jules"] {
            let child = add_child(&app, &mut b, me, name).await;
            let id = start_canteen(&app, &mut b, child).await;
            send_canteen(&app, &mut b, id).await;
        }
        let mut theirs = Browser::portal("nimes");
        let them = household(&app, &p, &nimes, &mut theirs, "roux@example.fr").await;
        let child = add_child(&app, &mut theirs, them, "Noé").await;
        let id = start_canteen(&app, &mut theirs, child).await;
        send_canteen(&app, &mut theirs, id).await;

        let mut a = signed_in_agent(&app, &lea, "arles").await;
        let page = a.get(&app, "/backoffice/statistiques").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {}", page.html);
        assert!(
            page.html.contains("3 demandes pour ces critères"),
            "{}",
            page.html
        );
        assert!(page.html.contains(r#"<svg class="chart" role="img""#));
        assert!(
            page.html
                .contains("<th scope=\"row\">Déposée</th><td class=\"number\">3</td>"),
            "{}",
            page.html
        );
        assert!(page.html.contains("Inscription à la restauration scolaire"));
        // A period without requests, then a date that is not one.
        let page = a
            .get(&app, "/backoffice/statistiques?du=2001-01-01&au=2001-12-31")
            .await;
        assert!(
            page.html.contains("0 demande pour ces critères"),
            "{}",
            page.html
        );
        let page = a.get(&app, "/backoffice/statistiques?du=2026-13-45").await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        assert!(
            page.html.contains("Indiquez une date au format AAAA-MM-JJ"),
            "{}",
            page.html
        );

        // The tables as CSV and ODS.
        let csv = String::from_utf8(
            a.get_bytes(&app, "/backoffice/statistiques/etats.csv")
                .await,
        )
        .unwrap();
        assert!(csv.starts_with("\u{feff}État;Demandes\r\n"), "{csv}");
        assert!(csv.contains("\r\nDéposée;3\r\n"), "{csv}");
        let ods = a.get_bytes(&app, "/backoffice/statistiques/mois.ods").await;
        let content = ods_content(&ods);
        assert!(
            content.contains("Inscription à la restauration scolaire"),
            "{content}"
        );
        assert!(content.contains(r#"office:value="3""#), "{content}");
        assert_eq!(
            a.get(&app, "/backoffice/statistiques/inconnu.csv")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            a.get(&app, "/backoffice/statistiques/etats.pdf")
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // The search's requests, with the answers of their form.
        let search = a
            .get(
                &app,
                "/backoffice/demandes?teleservice=school-canteen-registration",
            )
            .await;
        assert!(
            search.html.replace("&#x3D;", "=").contains(
                "/backoffice/exports/demandes.csv?teleservice=school-canteen-registration"
            ),
            "{}",
            search.html
        );
        let csv = String::from_utf8(
            a.get_bytes(
                &app,
                "/backoffice/exports/demandes.csv?teleservice=school-canteen-registration",
            )
            .await,
        )
        .unwrap();
        let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 4, "{csv}");
        assert!(
            lines[0].starts_with("\u{feff}Numéro;Téléservice;État;"),
            "{}",
            lines[0]
        );
        assert!(
            lines[0].contains("Jours où votre enfant mangera"),
            "{}",
            lines[0]
        );
        assert!(lines[1].contains("Lundi ; Jeudi"), "{}", lines[1]);
        // Dates as a spreadsheet sorts them: « Déposée le » and « Dernière
        // modification », in Paris time, ISO written.
        let cells: Vec<&str> = lines[1].split(';').collect();
        let today = guichet_domain::time::today().format("%Y-%m-%d").to_string();
        for column in [6, 8] {
            let cell = cells[column];
            assert!(
                cell.starts_with(&today) && cell.len() == "2026-11-30 14:05".len(),
                "column {column}: {cell} in {}",
                lines[1]
            );
        }
        assert!(lines[1].contains("Sans porc"), "{}", lines[1]);
        assert!(
            lines[1].contains("Arachides et fruits à coque"),
            "{}",
            lines[1]
        );
        let ods = a
            .get_bytes(&app, "/backoffice/exports/demandes.ods?nom=martin")
            .await;
        let content = ods_content(&ods);
        assert_eq!(content.matches("<table:table-row>").count(), 4, "{content}");
        assert!(
            content.contains(&format!(
                "office:value-type=\"date\" office:date-value=\"{}T",
                guichet_domain::time::today().format("%Y-%m-%d")
            )),
            "{content}"
        );
        let bad = a
            .get(&app, "/backoffice/exports/demandes.csv?du=hier")
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);

        // A right to process is not a right to count: statistics and whole
        // exports take the right to manage (S7 of the December 2026 review).
        let mut h = signed_in_agent(&app, &hugo, "arles").await;
        for path in [
            "/backoffice/statistiques",
            "/backoffice/statistiques/etats.csv",
            "/backoffice/exports/demandes.csv",
            "/backoffice/exports/demandes.ods?nom=martin",
        ] {
            assert_eq!(
                h.get(&app, path).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let search = h.get(&app, "/backoffice/demandes").await;
        assert_eq!(search.status, StatusCode::OK);
        assert!(
            !search.html.contains("/backoffice/exports/")
                && !search.html.contains("/backoffice/statistiques"),
            "{}",
            search.html
        );

        // Nîmes' agent counts and exports Nîmes' request only.
        let mut z = signed_in_agent(&app, &zoe, "nimes").await;
        let page = z.get(&app, "/backoffice/statistiques").await;
        assert!(
            page.html.contains("1 demande pour ces critères"),
            "{}",
            page.html
        );
        let csv =
            String::from_utf8(z.get_bytes(&app, "/backoffice/exports/demandes.csv").await).unwrap();
        assert_eq!(csv.trim_end().split("\r\n").count(), 2, "{csv}");
        assert!(!csv.contains("Léo") && !csv.contains("Jules"), "{csv}");

        // Read in pages: every request once, in the search's order.
        let uid = lea.clone();
        let numbers: Vec<i64> = p
            .store
            .read(arles.id, move |tx| {
                let agent = guichet_core::agents::get(tx, &uid)?.unwrap();
                let desk = guichet_core::agents::desk(tx, agent.id)?;
                let plan = export::plan(tx, &desk, &Query::default())?.in_pages_of(2);
                let mut all = Vec::new();
                let mut after = None;
                loop {
                    let (rows, next) = plan.page(tx, after)?;
                    all.extend(rows.into_iter().map(|(n, _)| n));
                    match next {
                        Some(n) => after = Some(n),
                        None => break,
                    }
                }
                Ok::<_, guichet_core::Error>(all)
            })
            .unwrap();
        let mut sorted = numbers.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(numbers.len(), 3);
        assert_eq!(numbers, sorted, "oldest first, each once");
    }
}
