//! Agents' sign-in with ProConnect, against npm oidc-provider on loopback
//! behaving as ProConnect does (ops/oidc/provider.mjs proconnect): offered
//! only once the collectivité opened it; the agent is the one of this
//! collectivité with the e-mail address ProConnect vouches for; an unknown
//! address, a replayed return, a signature that does not verify: refused.

use actix_web::http::StatusCode;
use actix_web::test;
use guichet_backoffice::ProConnect;
use guichet_server::app::public_app;
use guichet_tests::client::Browser;
use guichet_tests::oidc::OidcProvider;
use serde_json::json;

use guichet_tests::fixtures::agent;
use guichet_tests::fixtures::setup;

const RETURN: &str = "http://arles.localhost:8080/backoffice/proconnect/retour";

fn local(url: &str) -> String {
    url.trim_start_matches("http://arles.localhost:8080")
        .to_owned()
}

per_backend! {
    async fn agents_sign_in_with_proconnect_once_their_collectivite_opens_it(backend: Backend) {
        let (mut p, arles, nimes) = setup(backend).await;
        // Léa Bernard of Arles, and an agent of Nîmes with the same address.
        agent(&p, &arles, "Léa", "Bernard", "write");
        agent(&p, &nimes, "Inès", "Bernard", "write");
        let pc = OidcProvider::start_proconnect(
            RETURN,
            "http://arles.localhost:8080/backoffice/connexion",
        );
        p.shared.proconnect = actix_web::web::Data::new(ProConnect(Some(pc.config())));
        let app = test::init_service(public_app(&p.shared)).await;

        // Not opened yet: no button, no way in.
        let mut b = Browser::backoffice("arles");
        let page = b.get(&app, "/backoffice/connexion").await;
        assert!(!page.html.contains("Se connecter avec ProConnect"));
        assert_eq!(
            b.get(&app, "/backoffice/proconnect").await.status,
            StatusCode::NOT_FOUND
        );
        p.store
            .write(arles.id, |tx| {
                guichet_core::agents::sign_in::set_proconnect(tx, "test", true)
            })
            .unwrap();
        let page = b.get(&app, "/backoffice/connexion").await;
        assert!(
            page.html.contains("Se connecter avec ProConnect"),
            "{backend:?}: {}",
            page.html
        );
        // Nîmes did not open it.
        let mut at_nimes = Browser::backoffice("nimes");
        assert_eq!(
            at_nimes.get(&app, "/backoffice/proconnect").await.status,
            StatusCode::NOT_FOUND
        );

        // Léa: through ProConnect, signed in to Arles' back office.
        pc.set_user(
            json!({"sub": "lea", "given_name": "Léa", "usual_name": "BERNARD",
            "email": "Bernard@Example.fr", "uid": "lbernard"}),
        );
        let r = b.get(&app, "/backoffice/proconnect").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let to = r.location.unwrap();
        assert!(to.starts_with(&pc.issuer()), "{to}");
        assert!(
            !to.contains("acr_values"),
            "ProConnect refuses parameters it does not list: {to}"
        );
        assert!(to.contains("usual_name"), "{to}");
        let back = pc
            .authorize(&to, RETURN)
            .expect("the provider sends back a code");
        let r = b.get(&app, &local(&back)).await;
        assert_eq!(r.location.as_deref(), Some("/backoffice/"), "{}", r.html);
        let board = b.get(&app, "/backoffice/").await;
        assert_eq!(board.status, StatusCode::OK);
        assert!(board.html.contains("Léa Bernard"), "{}", board.html);
        // The same return again: spent.
        let mut other = Browser::backoffice("arles");
        let r = other.get(&app, &local(&back)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.html.contains("n’a pas pu être vérifiée"));

        // An address no agent of Arles has: refused, and told what to do.
        let mut c = Browser::backoffice("arles");
        pc.set_user(
            json!({"sub": "x", "given_name": "Paul", "usual_name": "INCONNU",
            "email": "paul.inconnu@example.fr", "uid": "pinconnu"}),
        );
        let to = c
            .get(&app, "/backoffice/proconnect")
            .await
            .location
            .unwrap();
        let back = pc.authorize(&to, RETURN).unwrap();
        let r = c.get(&app, &local(&back)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.html.contains("aucun agent de"), "{}", r.html);
        assert_eq!(
            c.get(&app, "/backoffice/").await.status,
            StatusCode::SEE_OTHER
        );

        // A signature that does not verify: refused.
        pc.set_user(
            json!({"sub": "lea", "given_name": "Léa", "usual_name": "BERNARD",
            "email": "bernard@example.fr", "uid": "lbernard"}),
        );
        pc.set_mode("bad_signature");
        let mut d = Browser::backoffice("arles");
        let to = d
            .get(&app, "/backoffice/proconnect")
            .await
            .location
            .unwrap();
        let back = pc.authorize(&to, RETURN).unwrap();
        let r = d.get(&app, &local(&back)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.html);
        assert_eq!(
            d.get(&app, "/backoffice/").await.status,
            StatusCode::SEE_OTHER
        );
        pc.set_mode("normal");
    }
}
