//! The back office's JSON API, on both backends: an agent's token reaches
//! the requests and foyers of their categories in their collectivité only;
//! transitions keep to the workflow, the lock, the right and the version;
//! notes reach the household; every refusal is a precise problem document.

use actix_web::http::{Method, StatusCode};
use actix_web::test;
use guichet_core::agents::principal;
use guichet_server::app::public_app;
use guichet_tests::api::{call_at, Auth};
use guichet_tests::client::Browser;
use serde_json::json;

use guichet_tests::fixtures::{add_child, household, send_canteen, setup, start_canteen};
use guichet_tests::fixtures::{agent, mails_to, signed_in_agent, state_of};

const ARLES: &str = "arles.localhost:8080";
const NIMES: &str = "nimes.localhost:8080";

per_backend! {
    async fn agents_tokens_search_read_and_move_requests_within_their_reach(backend: Backend) {
        let (p, arles, nimes) = setup(backend).await;
        let lea = agent(&p, &arles, "Léa", "Bernard", "write");
        let hugo = agent(&p, &arles, "Hugo", "Petit", "read");
        let marc = agent(&p, &arles, "Marc", "Vidal", "write");
        let ines = agent(&p, &nimes, "Inès", "Noir", "manage");
        let token = |uid: &str, slug: &str| {
            Auth::Bearer(
                principal::issue_token(&p.store, &format!("{uid}@{slug}"), 30, "test").unwrap(),
            )
        };
        let (t_lea, t_hugo, t_marc, t_ines) = (
            token(&lea, "arles"),
            token(&hugo, "arles"),
            token(&marc, "arles"),
            token(&ines, "nimes"),
        );
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let child = add_child(&app, &mut b, me, "Léo").await;
        let id = start_canteen(&app, &mut b, child).await;
        send_canteen(&app, &mut b, id).await;
        let one = format!("/api/v1/requests/{id}");
        let moves = format!("{one}/transitions");

        // The document describes the API.
        let (status, doc) = call_at(
            &app,
            ARLES,
            Method::GET,
            "/api/openapi.json",
            &Auth::None,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        assert!(doc["paths"]["/api/v1/requests/{id}/transitions"]["post"].is_object());

        // No token, a token of another collectivité: 401.
        for (host, auth) in [(ARLES, &Auth::None), (ARLES, &t_ines), (NIMES, &t_lea)] {
            let (status, problem) =
                call_at(&app, host, Method::GET, "/api/v1/requests", auth, None).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{backend:?} {host}: {problem}"
            );
        }
        // Out of reach: another collectivité's request is not found.
        let (status, _) = call_at(&app, NIMES, Method::GET, &one, &t_ines, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Search and read.
        let (status, found) = call_at(
            &app,
            ARLES,
            Method::GET,
            "/api/v1/requests?etat=Pending&tri=recentes",
            &t_lea,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{found}");
        assert_eq!(found["count"], 1);
        assert_eq!(found["cases"][0]["id"], id);
        assert!(found["cases"][0]["submitted_at"]
            .as_str()
            .unwrap()
            .contains('T'));
        let (status, problem) = call_at(
            &app,
            ARLES,
            Method::GET,
            "/api/v1/requests?numero=douze&du=hier",
            &t_lea,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["numero", "du"], "{problem}");
        let (status, record) = call_at(&app, ARLES, Method::GET, &one, &t_hugo, None).await;
        assert_eq!(status, StatusCode::OK, "{record}");
        assert_eq!(record["state"], "Pending");
        assert_eq!(record["teleservice"], "school-canteen-registration");
        assert_eq!(record["events"][0]["type"], "Creation");
        assert!(record["data"]["urgency_phone"].is_string());
        let version = record["version"].as_str().unwrap().to_owned();

        // Refused moves change nothing, each with its precise problem.
        for (auth, body, status, field_or_detail) in [
            (
                &t_lea,
                json!({"to": "Validated"}),
                StatusCode::CONFLICT,
                "ne peut pas passer à « acceptée »",
            ),
            (
                &t_lea,
                json!({"to": "Uncomplete"}),
                StatusCode::BAD_REQUEST,
                "reason",
            ),
            (
                &t_lea,
                json!({"to": "Perdue"}),
                StatusCode::BAD_REQUEST,
                "to",
            ),
            (
                &t_lea,
                json!({"to": "Inprogress", "version": "123"}),
                StatusCode::CONFLICT,
                "a changé depuis",
            ),
            (
                &t_lea,
                json!({"to": "Inprogress", "en_plus": 1}),
                StatusCode::BAD_REQUEST,
                "en_plus",
            ),
            (
                &t_hugo,
                json!({"to": "Inprogress"}),
                StatusCode::CONFLICT,
                "pas de les traiter",
            ),
        ] {
            let (got, problem) =
                call_at(&app, ARLES, Method::POST, &moves, auth, Some(&body)).await;
            assert_eq!(got, status, "{body}: {problem}");
            let text = problem.to_string();
            assert!(
                text.contains(field_or_detail),
                "{field_or_detail}: {problem}"
            );
            assert_eq!(state_of(&p, &arles, id), "Pending", "{body}");
        }

        // The right move, on the version read: the household is told.
        let (status, record) = call_at(
            &app,
            ARLES,
            Method::POST,
            &moves,
            &t_lea,
            Some(&json!({"to": "Inprogress", "version": version})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{record}");
        assert_eq!(record["state"], "Inprogress");
        let last = record["events"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (last["type"].as_str(), last["actor"]["kind"].as_str()),
            (Some("StateChange"), Some("agent"))
        );
        assert!(mails_to(&p, &arles, "durand@example.fr")
            .iter()
            .any(|(s, _)| s.contains("en cours de traitement")));

        // Léa takes the request on its page: her lock; Marc's token cannot write.
        let mut page = signed_in_agent(&app, &lea, "arles").await;
        guichet_tests::fixtures::take(&app, &mut page, &format!("/backoffice/demandes/{id}")).await;
        let note = json!({"body": "Pièce reçue, merci.", "public": true});
        let (status, problem) = call_at(
            &app,
            ARLES,
            Method::POST,
            &format!("{one}/notes"),
            &t_marc,
            Some(&note),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("Léa Bernard traite cette demande"),
            "{problem}"
        );
        // Léa's own token writes: a note to the household, e-mailed.
        let (status, record) = call_at(
            &app,
            ARLES,
            Method::POST,
            &format!("{one}/notes"),
            &t_lea,
            Some(&note),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{record}");
        assert_eq!(record["notes"][0]["body"], "Pièce reçue, merci.");
        assert!(mails_to(&p, &arles, "durand@example.fr")
            .iter()
            .any(|(_, body)| body.contains("Pièce reçue, merci.")));
        let (status, problem) = call_at(
            &app,
            ARLES,
            Method::POST,
            &format!("{one}/notes"),
            &t_lea,
            Some(&json!({"body": " "})),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(problem["errors"][0]["field"], "body");

        // Foyers: found by name, read; another collectivité's is not found.
        let (status, found) = call_at(
            &app,
            ARLES,
            Method::GET,
            "/api/v1/foyers?nom=mart",
            &t_hugo,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{found}");
        let foyer = found["lines"][0]["foyer"]
            .as_i64()
            .expect("the foyer found");
        let (status, read) = call_at(
            &app,
            ARLES,
            Method::GET,
            &format!("/api/v1/foyers/{foyer}"),
            &t_hugo,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{read}");
        assert_eq!(read["requests"][0]["id"], id);
        let (status, _) = call_at(
            &app,
            NIMES,
            Method::GET,
            &format!("/api/v1/foyers/{foyer}"),
            &t_ines,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
