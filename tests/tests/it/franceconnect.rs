//! Households' sign-in with FranceConnect, against npm oidc-provider on
//! loopback configured as FranceConnect is (ops/oidc/provider.mjs): the first
//! sign-in links the identity to an account (after its password) or opens
//! one filled from the claims; afterwards it signs in at once; sign-out goes
//! through the provider. And the failures: state and nonce that do not match,
//! a signature that does not verify, the provider down.

use actix_web::http::StatusCode;
use actix_web::test;
use guichet_server::app::public_app;
use guichet_tenant_portal::FranceConnect;
use guichet_tests::client::{csrf_of, Browser};
use guichet_tests::oidc::OidcProvider;
use guichet_tests::Backend;
use serde_json::json;

use guichet_tests::fixtures::{household, local, setup, through_provider, PASSWORD, RETURN};

per_backend! {
    async fn a_household_signs_in_with_franceconnect(backend: Backend) {
        let (mut p, arles, _) = setup(backend).await;
        let fc = OidcProvider::start(RETURN, "http://arles.localhost:8080/");
        p.shared.franceconnect = actix_web::web::Data::new(FranceConnect(Some(fc.config())));
        let app = test::init_service(public_app(&p.shared)).await;

        // An existing account: linked after its password.
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "camille.martin@example.fr").await;
        let page = b.get(&app, "/mes-demandes").await;
        let r = b
            .post(&app, "/deconnexion", &csrf_of(&page.html), &[])
            .await;
        assert_eq!(r.location.as_deref(), Some("/"));
        assert!(b
            .get(&app, "/connexion")
            .await
            .html
            .contains("S’identifier avec"));
        fc.set_user(
            json!({"sub": "camille", "given_name": "Camille", "family_name": "MARTIN",
            "email": "camille.martin@example.fr", "birthdate": "1985-04-02", "gender": "female"}),
        );
        let back = through_provider(&app, &mut b, &fc)
            .await
            .expect("the provider sends back a code");
        let r = b.get(&app, &local(&back)).await;
        assert_eq!(
            r.location.as_deref(),
            Some("/connexion/franceconnect/lier"),
            "{backend:?} {}",
            r.html
        );
        let page = b.get(&app, "/connexion/franceconnect/lier").await;
        assert!(page.html.contains("Camille MARTIN"), "{}", page.html);
        let token = csrf_of(&page.html);
        let wrong = b
            .post(
                &app,
                "/connexion/franceconnect/lier",
                &token,
                &[
                    ("email", "camille.martin@example.fr"),
                    ("password", "pas le bon mot de passe"),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        let r = b
            .post(
                &app,
                "/connexion/franceconnect/lier",
                &token,
                &[
                    ("email", "camille.martin@example.fr"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.location.as_deref(), Some("/mes-demandes"), "{}", r.html);
        assert_eq!(b.get(&app, "/mes-demandes").await.status, StatusCode::OK);
        // Signing out goes through the provider, with the ID token as a hint.
        let page = b.get(&app, "/mes-demandes").await;
        let r = b
            .post(&app, "/deconnexion", &csrf_of(&page.html), &[])
            .await;
        let out = r.location.unwrap();
        assert!(
            out.starts_with(&format!("{}/session/end?", fc.issuer())),
            "{out}"
        );
        assert!(
            out.contains("id_token_hint=")
                && out.contains("post_logout_redirect_uri=")
                && out.contains("state="),
            "{out}"
        );
        assert_eq!(
            b.get(&app, "/mes-demandes").await.location.as_deref(),
            Some("/connexion")
        );

        // The next time: signed in at once, as the same person.
        let mut again = Browser::portal("arles");
        let back = through_provider(&app, &mut again, &fc).await.unwrap();
        let r = again.get(&app, &local(&back)).await;
        assert_eq!(r.location.as_deref(), Some("/mes-demandes"), "{}", r.html);
        let linked = p
            .store
            .read(arles.id, |tx| {
                guichet_core::foyers::account_by_login(tx, "camille.martin@example.fr")
            })
            .unwrap()
            .unwrap();
        assert_eq!(linked.individual, me);

        // Someone new: an account opened from the claims.
        fc.set_user(
            json!({"sub": "angela", "given_name": "Angela Claire Louise", "family_name": "DUBOIS",
            "email": "angela.dubois@example.fr", "birthdate": "1962-08-24", "gender": "female"}),
        );
        let mut new = Browser::portal("arles");
        let back = through_provider(&app, &mut new, &fc).await.unwrap();
        new.get(&app, &local(&back)).await;
        let page = new.get(&app, "/connexion/franceconnect/lier").await;
        let token = csrf_of(&page.html);
        let refused = new
            .post(
                &app,
                "/connexion/franceconnect/creer",
                &token,
                &[("mobile_phone", "")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(
            refused.html.contains("au moins un numéro de téléphone"),
            "{}",
            refused.html
        );
        let r = new
            .post(
                &app,
                "/connexion/franceconnect/creer",
                &token,
                &[
                    ("mobile_phone", "0712345678"),
                    ("address.street_name", "rue Gambetta"),
                    ("address.postal_code", "13200"),
                    ("address.city", "Arles"),
                ],
            )
            .await;
        assert_eq!(r.location.as_deref(), Some("/mes-demandes"), "{}", r.html);
        let foyer = new.get(&app, "/mon-foyer").await;
        assert!(
            foyer.html.contains("Angela Claire Louise DUBOIS"),
            "{}",
            foyer.html
        );
    }
}

#[actix_web::test]
async fn what_does_not_prove_who_signed_in_is_refused() {
    let (mut p, _arles, _) = setup(Backend::Sqlite).await;
    let fc = OidcProvider::start(RETURN, "http://arles.localhost:8080/");
    p.shared.franceconnect = actix_web::web::Data::new(FranceConnect(Some(fc.config())));
    let app = test::init_service(public_app(&p.shared)).await;

    // A state that is not the one the session sent.
    let mut b = Browser::portal("arles");
    let back = through_provider(&app, &mut b, &fc).await.unwrap();
    let forged = local(&back).replace("state=", "state=x");
    let r = b.get(&app, &forged).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.html);
    assert!(r.html.contains("n’a pas pu être vérifiée"));
    // The return is spent: the right state later opens nothing either.
    assert_eq!(
        b.get(&app, &local(&back)).await.status,
        StatusCode::UNAUTHORIZED
    );

    // An ID token with another nonce.
    fc.set_mode("nonce_mismatch");
    let mut b = Browser::portal("arles");
    let back = through_provider(&app, &mut b, &fc).await.unwrap();
    assert_eq!(
        b.get(&app, &local(&back)).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Signatures that the published keys do not verify.
    fc.set_mode("bad_signature");
    let mut b = Browser::portal("arles");
    let back = through_provider(&app, &mut b, &fc).await.unwrap();
    let r = b.get(&app, &local(&back)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.html);
    assert_eq!(
        b.get(&app, "/mes-demandes").await.location.as_deref(),
        Some("/connexion")
    );
    fc.set_mode("normal");

    // The provider down: a clear page, and the password still works.
    let issuer = fc.issuer();
    drop(fc);
    let mut config =
        guichet_tests::oidc::OidcProvider::start(RETURN, "http://arles.localhost:8080/").config();
    config.issuer = issuer;
    p.shared.franceconnect = actix_web::web::Data::new(FranceConnect(Some(config)));
    let app = test::init_service(public_app(&p.shared)).await;
    let mut b = Browser::portal("arles");
    let r = b.get(&app, "/connexion/franceconnect").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.html);
    assert!(r.html.contains("FranceConnect ne répond pas"));
}
