//! The breaks found walking the demo as people walk it (issue of the
//! journeys), each on both backends where the store is involved; their walk
//! in Chromium, with the pages' CSP in force, is in `browser.rs`.

use actix_web::http::StatusCode;
use actix_web::test;
use guichet_core::payments::online;
use guichet_core::store::repo::payments as rows;
use guichet_server::app::public_app;
use guichet_server::testbank::{Notify, TestBank};
use guichet_tests::client::{csrf_of, Browser};

use crate::payments::{invoice, regie};
use crate::portal::{household, setup};

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
