//! Payments on both backends, through the test bank over real HTTP: a
//! basket checked (another foyer's or collectivité's invoice not found, one
//! régie per payment, payment off for a period), the payment recorded then
//! opened at the bank, settled only by what the bank's detail call says,
//! exactly once however many notifications, returns and polls arrive at
//! once; refused and cancelled payments leave the invoices owed; the bank
//! down at the start leaves nothing half-done; the poller settles a payment
//! whose notification never came.

use std::sync::Arc;

use actix_web::test;
use guichet_core::payments::billing::{self, InvoiceInput};
use guichet_core::payments::online::{self, Addresses, Basket, Payer};
use guichet_core::payments::payfip::{leaves, PayFiP};
use guichet_core::payments::regies::{self, RegieInput};
use guichet_core::payments::Provider;
use guichet_core::store::repo::payments as rows;
use guichet_core::tenancy::Tenant;
use guichet_core::Error;
use guichet_domain::payments::PaymentState;
use guichet_server::app::public_app;
use guichet_server::testbank::{Notify, TestBank};
use guichet_tests::api::Platform;
use guichet_tests::client::Browser;

use guichet_tests::fixtures::mails_to;
use guichet_tests::fixtures::{household, invoice, regie, setup, Here};

fn state(p: &Platform, t: &Tenant, payment: i64) -> String {
    p.store
        .read(t.id, |tx| rows::payment(tx, payment))
        .unwrap()
        .unwrap()
        .state
}

fn invoice_state(p: &Platform, t: &Tenant, id: i64) -> String {
    p.store
        .read(t.id, |tx| rows::invoice(tx, id))
        .unwrap()
        .unwrap()
        .state
}

fn id_op(p: &Platform, t: &Tenant, payment: i64) -> String {
    p.store
        .read(t.id, |tx| rows::payment(tx, payment))
        .unwrap()
        .unwrap()
        .provider_ref
        .unwrap()
}

per_backend! {
    async fn payments_are_settled_once_by_what_the_bank_says(backend: Backend) {
        let bank = TestBank::start(Notify::Hold);
        let provider: Arc<dyn Provider> = Arc::new(PayFiP::new(url::Url::parse(&bank.url()).unwrap()));
        let (p, arles, nimes) = setup(backend).await;
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let mut other = Browser::portal("arles");
        household(&app, &p, &arles, &mut other, "petit@example.fr").await;
        let foyer = |email: &'static str| {
            p.store
                .read(arles.id, |tx| {
                    guichet_core::foyers::account_by_login(tx, email)
                })
                .unwrap()
                .unwrap()
                .household
        };
        let (durand, petit) = (foyer("durand@example.fr"), foyer("petit@example.fr"));
        let cantine = regie(&p, &arles, "Régie de la restauration scolaire");
        let sports = regie(&p, &arles, "Régie des sports");

        // Bad invoices and régies are refused, each field said.
        let err = p
            .store
            .write(arles.id, |tx| {
                billing::create_invoice(
                    tx,
                    "test",
                    cantine,
                    &InvoiceInput {
                        household: "999999".into(),
                        reference: "F 1".into(),
                        label: "".into(),
                        amount: "12,505".into(),
                        issued_on: "30/11/2026".into(),
                        due_on: "01/11/2026".into(),
                        lines: String::new(),
                    },
                )
            })
            .unwrap_err();
        let Error::Invalid(fields) = err else {
            panic!("{err:?}")
        };
        let said: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            said,
            ["household", "reference", "label", "amount", "due_on"],
            "{fields:?}"
        );
        let err = p
            .store
            .write(arles.id, |tx| {
                regies::create(
                    tx,
                    "test",
                    &RegieInput {
                        label: "Régie des sports".into(),
                        numcli: "12345".into(),
                        mode: "demain".into(),
                        email: "x".into(),
                    },
                )
            })
            .unwrap_err();
        let Error::Invalid(fields) = err else {
            panic!("{err:?}")
        };
        assert_eq!(fields.len(), 4, "{fields:?}");

        // An import: good lines created, bad ones reported, a second import creates nothing.
        let csv = format!(
            "foyer;reference;libelle;montant;emission;echeance\n\
             {durand};F2026-001;Cantine octobre;12,50;01/10/2026;31/10/2026\n\
             {durand};F2026-002;Cantine novembre;30;01/11/2026;\n\
             {durand};F2026-003;Garderie;-4;01/11/2026;\n\
             424242;F2026-004;Garderie;4;01/11/2026;\n\
             {durand};F2026-005;Garderie\n"
        );
        let report = p
            .store
            .write(arles.id, |tx| billing::import(tx, "test", cantine, &csv))
            .unwrap();
        assert_eq!(report.created, 2, "{report:?}");
        assert_eq!(
            report.refused.iter().map(|r| r.line).collect::<Vec<_>>(),
            [4, 5, 6],
            "{report:?}"
        );
        assert!(report.refused[0].reason.contains("positif"), "{report:?}");
        let again = p
            .store
            .write(arles.id, |tx| billing::import(tx, "test", cantine, &csv))
            .unwrap();
        assert_eq!(again.created, 0);
        let invoices = p
            .store
            .read(arles.id, |tx| rows::invoices_of(tx, durand))
            .unwrap();
        let (f1, f2) = (
            invoices
                .iter()
                .find(|i| i.reference == "F2026-001")
                .unwrap()
                .id,
            invoices
                .iter()
                .find(|i| i.reference == "F2026-002")
                .unwrap()
                .id,
        );
        let theirs = invoice(&p, &arles, cantine, petit, "F2026-100", "5");
        let sport = invoice(&p, &arles, sports, durand, "S-1", "8");

        let payer = Payer {
            household: durand,
            name: "Marie Durand".into(),
            email: "durand@example.fr".into(),
        };
        let start = |basket: Basket| {
            online::start(
                &p.store,
                arles.id,
                provider.as_ref(),
                &payer,
                &basket,
                &Here,
            )
        };
        let basket = |ids: &[i64]| Basket {
            invoices: ids.to_vec(),
            top_ups: vec![],
        };
        // Another foyer's invoice, another collectivité's, two régies at once.
        assert!(matches!(start(basket(&[f1, theirs])), Err(Error::NotFound)));
        let in_nimes = online::start(
            &p.store,
            nimes.id,
            provider.as_ref(),
            &payer,
            &basket(&[f1]),
            &Here,
        );
        assert!(matches!(in_nimes, Err(Error::NotFound)), "{in_nimes:?}");
        let e = start(basket(&[f1, sport])).unwrap_err();
        assert!(e.to_string().contains("même régie"), "{e}");
        assert!(matches!(start(basket(&[])), Err(Error::Invalid(_))));

        // Two invoices in one payment: the bank gets one amount, our reference.
        let opened = start(basket(&[f1, f2])).unwrap();
        assert!(opened.url.starts_with(&bank.url()), "{}", opened.url);
        let sent = leaves(&bank.requests().pop().unwrap());
        assert!(
            sent.contains(&("montant".into(), "4250".into())),
            "{sent:?}"
        );
        assert!(sent.contains(&(
            "refdet".into(),
            guichet_domain::payments::refdet(opened.payment)
        )));
        assert!(sent.contains(&("urlredirect".into(), Here.back(opened.payment))));
        // While it is open, the same invoice cannot be paid again.
        let e = start(basket(&[f1])).unwrap_err();
        assert!(e.to_string().contains("en cours"), "{e}");
        // The operators' gauge counts it, in its collectivité only.
        let gauge = online::in_progress(&p.store).unwrap();
        assert!(gauge.contains(&("arles".to_owned(), 1)), "{gauge:?}");
        assert!(gauge.contains(&("nimes".to_owned(), 0)), "{gauge:?}");

        // A return claiming success before anything was paid changes nothing.
        let check = |payment: i64, source: &str| {
            online::check(&p.store, arles.id, provider.as_ref(), payment, source)
        };
        assert_eq!(
            check(opened.payment, "return").unwrap(),
            PaymentState::Initialized
        );
        assert_eq!(invoice_state(&p, &arles, f1), "owed");

        // Paid: a hundred notifications and returns at once, on eight threads,
        // settle it once — both invoices paid, one receipt.
        bank.pay(&id_op(&p, &arles, opened.payment), "P").unwrap();
        std::thread::scope(|s| {
            for n in 0..8 {
                let check = &check;
                s.spawn(move || {
                    for _ in 0..13 {
                        let source = if n % 2 == 0 { "notification" } else { "return" };
                        assert_eq!(
                            check(opened.payment, source).unwrap(),
                            PaymentState::Validated
                        );
                    }
                });
            }
        });
        assert_eq!(state(&p, &arles, opened.payment), "validated");
        assert_eq!(invoice_state(&p, &arles, f1), "paid");
        assert_eq!(invoice_state(&p, &arles, f2), "paid");
        assert!(online::in_progress(&p.store)
            .unwrap()
            .contains(&("arles".to_owned(), 0)));
        let receipts: Vec<_> = mails_to(&p, &arles, "durand@example.fr")
            .into_iter()
            .filter(|(subject, _)| subject.starts_with("Reçu de votre paiement"))
            .collect();
        assert_eq!(receipts.len(), 1, "{receipts:?}");
        assert!(receipts[0].1.contains("42,50"), "{}", receipts[0].1);
        // The régie gets its copy, once.
        assert_eq!(mails_to(&p, &arles, "regie@mairie.example").len(), 1);
        let events = p
            .store
            .read(arles.id, |tx| rows::events(tx, opened.payment))
            .unwrap();
        assert_eq!(
            events.iter().filter(|e| e.state == "validated").count(),
            1,
            "{events:?}"
        );
        // Paid invoices cannot be paid again.
        let e = start(basket(&[f1])).unwrap_err();
        assert!(e.to_string().contains("n’est plus à payer"), "{e}");

        // A deposit account topped up: at least a euro, two decimals; credited once paid.
        let account = p
            .store
            .write(arles.id, |tx| {
                billing::create_account(
                    tx,
                    "test",
                    cantine,
                    &billing::AccountInput {
                        household: durand.to_string(),
                        reference: "CPT-1".into(),
                        label: "Garderie".into(),
                        balance: "2,00".into(),
                    },
                )
            })
            .unwrap()
            .id;
        let top_up = |amount: &str| Basket {
            invoices: vec![],
            top_ups: vec![(account, amount.to_owned())],
        };
        assert!(matches!(start(top_up("0,50")), Err(Error::Invalid(_))));
        assert!(matches!(start(top_up("20,001")), Err(Error::Invalid(_))));
        let o = start(top_up("20")).unwrap();
        bank.pay(&id_op(&p, &arles, o.payment), "P").unwrap();
        check(o.payment, "notification").unwrap();
        check(o.payment, "return").unwrap();
        let balance = p
            .store
            .read(arles.id, |tx| rows::account(tx, account))
            .unwrap()
            .unwrap()
            .balance_cents;
        assert_eq!(balance, 2200);

        // Refused, then cancelled: the invoice stays owed and may be paid again.
        for choice in ["R", "A"] {
            let o = start(basket(&[sport])).unwrap();
            bank.pay(&id_op(&p, &arles, o.payment), choice).unwrap();
            let expected = if choice == "R" {
                PaymentState::Refused
            } else {
                PaymentState::Cancelled
            };
            assert_eq!(check(o.payment, "notification").unwrap(), expected);
            assert_eq!(invoice_state(&p, &arles, sport), "owed");
        }

        // The notification lost: the poller settles it.
        bank.set_notify(Notify::Drop);
        let o = start(basket(&[sport])).unwrap();
        bank.pay(&id_op(&p, &arles, o.payment), "V").unwrap();
        online::poll(&p.store, provider.as_ref()).unwrap();
        // Never checked: polled at once.
        assert_eq!(state(&p, &arles, o.payment), "validated");
        assert_eq!(invoice_state(&p, &arles, sport), "paid");
        bank.set_notify(Notify::Hold);

        // The household closed the window half-way: nothing decided at the
        // bank. While the idOp is open the poller waits; once 20 minutes
        // passed, it cancels the payment and the invoice is owed again.
        let fresh = invoice(&p, &arles, cantine, durand, "F2026-200", "3");
        let left = start(basket(&[fresh])).unwrap();
        online::poll(&p.store, provider.as_ref()).unwrap();
        assert_eq!(state(&p, &arles, left.payment), "initialized");
        // The poller asks again a minute later at the earliest; then 25 minutes pass.
        p.store
            .write(arles.id, |tx| {
                use diesel::prelude::*;
                use guichet_core::store::schema::payments as t;
                let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(25);
                diesel::update(t::table.filter(t::id.eq(left.payment)))
                    .set((t::started_at.eq(past), t::checked_at.eq(Some(past))))
                    .execute(tx.conn())
                    .map(drop)
                    .map_err(guichet_core::store::StoreError::from)
            })
            .unwrap();
        // The bank down: the poller leaves it for next time.
        let down: Arc<dyn Provider> = Arc::new(PayFiP::new(
            url::Url::parse(&format!("http://127.0.0.1:{}", guichet_tests::free_port())).unwrap(),
        ));
        online::poll(&p.store, down.as_ref()).unwrap();
        assert_eq!(state(&p, &arles, left.payment), "initialized");
        online::poll(&p.store, provider.as_ref()).unwrap();
        assert_eq!(state(&p, &arles, left.payment), "cancelled");
        assert_eq!(invoice_state(&p, &arles, fresh), "owed");

        // Payment off for a period: said, nothing recorded.
        p.store
            .write(arles.id, |tx| {
                let current = guichet_core::collectivite::settings::current(tx)?;
                guichet_core::collectivite::settings::replace(tx, &current)?;
                rows::save_payment_settings(
                    tx,
                    &rows::PaymentSettingsRow {
                        payments_off_from: Some(guichet_domain::time::today()),
                        payments_off_until: None,
                        payments_off_message: "Paiement fermé pendant la clôture des comptes."
                            .into(),
                        show_payments_in_progress: true,
                        show_payment_history: true,
                    },
                )?;
                Ok::<_, Error>(())
            })
            .unwrap();
        let e = start(basket(&[fresh])).unwrap_err();
        assert!(e.to_string().contains("clôture des comptes"), "{e}");
        p.store
            .write(arles.id, |tx| {
                rows::save_payment_settings(
                    tx,
                    &rows::PaymentSettingsRow {
                        payments_off_from: None,
                        payments_off_until: None,
                        payments_off_message: String::new(),
                        show_payments_in_progress: true,
                        show_payment_history: true,
                    },
                )
            })
            .unwrap();

        // The bank down at the start: said, the payment cancelled, the invoice payable.
        let e = online::start(
            &p.store,
            arles.id,
            down.as_ref(),
            &payer,
            &basket(&[fresh]),
            &Here,
        )
        .unwrap_err();
        assert!(e.to_string().contains("ne répond pas"), "{e}");
        let all = p
            .store
            .read(arles.id, |tx| rows::payments_of(tx, durand))
            .unwrap();
        assert_eq!(all[0].state, "cancelled");
        assert!(start(basket(&[fresh])).is_ok());
    }
}

/// The path and query of an absolute URL (the in-process app takes paths).
fn path_of(url: &str) -> String {
    let u = url::Url::parse(url).unwrap();
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_owned(),
    }
}

per_backend! {
    async fn households_pay_their_invoices_in_the_portal(backend: Backend) {
        use actix_web::http::StatusCode;
        use guichet_tests::client::csrf_of;
        let bank = TestBank::start(Notify::Hold);
        let (mut p, arles, _nimes) = setup(backend).await;
        p.shared.online = actix_web::web::Data::new(guichet_server::app::payfip(Some(
            &url::Url::parse(&bank.url()).unwrap(),
        )));
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let durand = p
            .store
            .read(arles.id, |tx| {
                guichet_core::foyers::account_by_login(tx, "durand@example.fr")
            })
            .unwrap()
            .unwrap()
            .household;
        let cantine = regie(&p, &arles, "Régie de la restauration scolaire");
        let f1 = invoice(&p, &arles, cantine, durand, "F2026-001", "12,50");
        let f2 = invoice(&p, &arles, cantine, durand, "F2026-002", "30");
        let page = b.get(&app, "/paiements").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {}", page.html);
        assert!(page.html.contains("F2026-001"), "{}", page.html);
        assert!(page.html.contains("12,50"), "{}", page.html);
        let token = csrf_of(&page.html);

        // Nothing ticked: said by the checkboxes.
        let r = b.post(&app, "/paiements", &token, &[]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(
            r.html.contains("Choisissez au moins une facture"),
            "{}",
            r.html
        );

        // Both invoices: the household goes to the bank's page.
        let (s1, s2) = (f1.to_string(), f2.to_string());
        let r = b
            .post(
                &app,
                "/paiements",
                &token,
                &[("facture", &s1), ("facture", &s2)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let to_bank = r.location.unwrap();
        assert!(
            to_bank.starts_with(&format!("{}/tpa/paiementws.web?idop=", bank.url())),
            "{to_bank}"
        );
        let idop = to_bank.split("idop=").nth(1).unwrap().to_owned();
        let payment = p
            .store
            .read(arles.id, |tx| {
                rows::payment_by_provider_ref(tx, online::PAYFIP, &idop)
            })
            .unwrap()
            .unwrap()
            .id;

        // A forged return (another idop) and one before paying change nothing.
        let r = b
            .get(&app, &format!("/paiements/{payment}/retour?idop=forged"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = b
            .get(&app, &format!("/paiements/{payment}/retour?idop={idop}"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let shown = b.get(&app, &format!("/paiements/{payment}?retour=1")).await;
        assert!(
            shown
                .html
                .contains("La banque n’a pas encore donné sa réponse"),
            "{}",
            shown.html
        );
        assert_eq!(state(&p, &arles, payment), "initialized");
        // A notification for an unknown idOp: 404, nothing changed.
        let r = b
            .post(&app, "/paiements/notification", "", &[("idOp", "inconnu")])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Paid at the bank; back in the portal, the payment is validated.
        let back = bank.pay(&idop, "P").unwrap();
        let r = b.get(&app, &path_of(&back)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let shown = b.get(&app, r.location.as_deref().unwrap()).await;
        assert!(
            shown.html.contains("Votre paiement est enregistré"),
            "{}",
            shown.html
        );
        assert!(shown.html.contains("42,50"), "{}", shown.html);
        assert_eq!(invoice_state(&p, &arles, f1), "paid");
        // The notification arrives after, replayed: nothing more happens.
        for (url, id) in bank.take_held() {
            assert_eq!(url, "http://arles.localhost:8080/paiements/notification");
            for _ in 0..3 {
                let r = b
                    .post(&app, "/paiements/notification", "", &[("idOp", &id)])
                    .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.html);
            }
        }
        let receipts = mails_to(&p, &arles, "durand@example.fr")
            .into_iter()
            .filter(|(s, _)| s.starts_with("Reçu"))
            .count();
        assert_eq!(receipts, 1);
        let pdf = b
            .get_bytes(&app, &format!("/paiements/{payment}/recu.pdf"))
            .await;
        let text = guichet_tests::fixtures::pdftotext(&pdf);
        assert!(text.contains("Reçu de paiement"), "{text}");
        assert!(text.contains("42,50"), "{text}");
        let list = b.get(&app, "/paiements").await;
        assert!(
            list.html.contains("Historique de mes paiements"),
            "{}",
            list.html
        );
        assert!(
            list.html.contains("Vous n’avez rien à payer"),
            "{}",
            list.html
        );

        // Another household and another collectivité see nothing of it.
        let mut other = Browser::portal("arles");
        household(&app, &p, &arles, &mut other, "petit@example.fr").await;
        assert_eq!(
            other
                .get(&app, &format!("/paiements/{payment}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let mut theirs = Browser::portal("nimes");
        household(&app, &p, &_nimes, &mut theirs, "durand@example.fr").await;
        assert_eq!(
            theirs
                .get(&app, &format!("/paiements/{payment}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let r = theirs
            .post(&app, "/paiements/notification", "", &[("idOp", &idop)])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

per_backend! {
    async fn administrators_follow_payments_in_the_back_office(backend: Backend) {
        use actix_web::http::StatusCode;
        use guichet_tests::client::{csrf_of, Part};

        use guichet_tests::fixtures::{agent, signed_in_agent};
        use guichet_tests::fixtures::administrator;
        let bank = TestBank::start(Notify::Hold);
        let provider: Arc<dyn Provider> = Arc::new(PayFiP::new(url::Url::parse(&bank.url()).unwrap()));
        let (mut p, arles, nimes) = setup(backend).await;
        p.shared.online = actix_web::web::Data::new(guichet_server::app::payfip(Some(
            &url::Url::parse(&bank.url()).unwrap(),
        )));
        administrator(&p, &arles, "ada.admin");
        administrator(&p, &nimes, "nina.admin");
        let lea = agent(&p, &arles, "Léa", "Bernard", "manage");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut b = Browser::portal("arles");
        let me = household(&app, &p, &arles, &mut b, "durand@example.fr").await;
        let durand = p
            .store
            .read(arles.id, |tx| {
                guichet_core::foyers::account_by_login(tx, "durand@example.fr")
            })
            .unwrap()
            .unwrap()
            .household;

        // Only administrators reach the payments.
        let mut a_lea = signed_in_agent(&app, &lea, "arles").await;
        for path in [
            "/backoffice/paiements",
            "/backoffice/regies",
            "/backoffice/paiements/reglages",
        ] {
            assert_eq!(
                a_lea.get(&app, path).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let mut admin = signed_in_agent(&app, "ada.admin", "arles").await;
        let page = admin.get(&app, "/backoffice/regies").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {}", page.html);
        let token = csrf_of(&page.html);

        // A régie: a bad client number said, then made.
        let regie_fields = |numcli: &'static str| {
            vec![
                ("label", "Régie de la restauration scolaire"),
                ("numcli", numcli),
                ("mode", "test"),
                ("email", "regie@arles.example"),
            ]
        };
        let r = admin
            .post(&app, "/backoffice/regies", &token, &regie_fields("12"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("six chiffres"), "{}", r.html);
        let r = admin
            .post(&app, "/backoffice/regies", &token, &regie_fields("012345"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let regie_page = r.location.unwrap().split('?').next().unwrap().to_owned();
        let regie: i64 = regie_page.rsplit('/').next().unwrap().parse().unwrap();

        // An invoice: a fraction of a cent refused, then made.
        let household = durand.to_string();
        let invoice_fields = |amount: &'static str| {
            vec![
                ("household", household.clone()),
                ("reference", "F2026-001".to_owned()),
                ("label", "Cantine d’octobre".to_owned()),
                ("amount", amount.to_owned()),
                ("issued_on", "2026-10-01".to_owned()),
                ("due_on", "".to_owned()),
            ]
        };
        let as_pairs = |v: &Vec<(&'static str, String)>| {
            v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>()
        };
        let fields = as_pairs(&invoice_fields("12,505"));
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = admin
            .post(&app, &format!("{regie_page}/factures"), &token, &borrowed)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("deux décimales"), "{}", r.html);
        let fields = as_pairs(&invoice_fields("42,50"));
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = admin
            .post(&app, &format!("{regie_page}/factures"), &token, &borrowed)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);

        // An invoice with its detail: a bad line said with its number, a total
        // that differs refused; without an amount, the detail's total.
        for (lines, amount, says) in [
            (
                "Repas ; douze ; 3,50",
                "",
                "Ligne 1 du détail : la quantité",
            ),
            (
                "Repas ; 12 ; 3,50\nGoûter ; 4 ; 1,25",
                "40",
                "n’est pas le total du détail",
            ),
        ] {
            let r = admin
                .post(
                    &app,
                    &format!("{regie_page}/factures"),
                    &token,
                    &[
                        ("household", &*household),
                        ("reference", "F2026-020"),
                        ("label", "Cantine et goûters"),
                        ("amount", amount),
                        ("issued_on", "2026-11-01"),
                        ("lines", lines),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
            assert!(r.html.contains(says), "{says}: {}", r.html);
        }
        let r = admin
            .post(
                &app,
                &format!("{regie_page}/factures"),
                &token,
                &[
                    ("household", &*household),
                    ("reference", "F2026-020"),
                    ("label", "Cantine et goûters"),
                    ("amount", ""),
                    ("issued_on", "2026-11-01"),
                    ("lines", "Repas ; 12 ; 3,50\nGoûter ; 4 ; 1,25"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let shown = admin
            .get(&app, &regie_page)
            .await
            .html
            .replace(['\u{a0}', '\u{202f}'], " ");
        assert!(shown.contains("Repas : 12 × 3,50 € = 42,00 €"), "{shown}");
        let mine = b.get(&app, "/paiements").await.html.replace('\u{a0}', " ");
        assert!(
            mine.contains("Détail de la facture F2026-020") && mine.contains("47,00 €"),
            "{mine}"
        );

        // A deposit account: a balance of three decimals refused, then opened.
        let r = admin
            .post(
                &app,
                &format!("{regie_page}/comptes"),
                &token,
                &[
                    ("household", &*household),
                    ("reference", "CPT-1"),
                    ("label", "Garderie"),
                    ("balance", "1,234"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("deux décimales"), "{}", r.html);
        let r = admin
            .post(
                &app,
                &format!("{regie_page}/comptes"),
                &token,
                &[
                    ("household", &*household),
                    ("reference", "CPT-1"),
                    ("label", "Garderie"),
                    ("balance", "5"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let mine = b.get(&app, "/paiements").await;
        assert!(
            mine.html.contains("Garderie (solde : 5,00"),
            "{}",
            mine.html
        );

        // An import: the report names the lines refused.
        let csv = format!("{durand};F2026-002;Cantine de novembre;30,00;01/11/2026;\n{durand};F2026-003;Garderie;abc;01/11/2026;\n");
        let r = admin
            .upload(
                &app,
                &format!("{regie_page}/import"),
                &token,
                &[Part::File(
                    "file",
                    "factures.csv",
                    "text/csv",
                    csv.as_bytes(),
                )],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.html);
        assert!(r.html.contains("1 facture importée"), "{}", r.html);
        assert!(r.html.contains("Ligne 2 : montant illisible"), "{}", r.html);
        let r = admin
            .upload(
                &app,
                &format!("{regie_page}/import"),
                &token,
                &[Part::File("file", "factures.csv", "text/csv", b"\xff\xfe")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("UTF-8"), "{}", r.html);
        // One file a form: a second is refused before it is read (S15).
        let r = admin
            .upload(
                &app,
                &format!("{regie_page}/import"),
                &token,
                &[
                    Part::File("file", "a.csv", "text/csv", csv.as_bytes()),
                    Part::File("file", "b.csv", "text/csv", csv.as_bytes()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("un seul fichier"), "{}", r.html);

        // The household pays the first invoice; another payment stays open.
        let invoices = p
            .store
            .read(arles.id, |tx| rows::invoices_of(tx, durand))
            .unwrap();
        let id_of = |r: &str| invoices.iter().find(|i| i.reference == r).unwrap().id;
        let payer = Payer {
            household: durand,
            name: "Marie Durand".into(),
            email: "durand@example.fr".into(),
        };
        let start = |ids: Vec<i64>| {
            online::start(
                &p.store,
                arles.id,
                provider.as_ref(),
                &payer,
                &Basket {
                    invoices: ids,
                    top_ups: vec![],
                },
                &Here,
            )
            .unwrap()
        };
        let paid = start(vec![id_of("F2026-001")]);
        bank.pay(&id_op(&p, &arles, paid.payment), "P").unwrap();
        online::check(
            &p.store,
            arles.id,
            provider.as_ref(),
            paid.payment,
            "notification",
        )
        .unwrap();
        let open = start(vec![id_of("F2026-002")]);
        let reference = guichet_domain::payments::refdet(paid.payment);

        // The search: by state; sorted; its CSV.
        let found = admin
            .get(&app, "/backoffice/paiements?etat=validated")
            .await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.html);
        assert!(found.html.contains(&reference), "{}", found.html);
        assert!(!found
            .html
            .contains(&guichet_domain::payments::refdet(open.payment)));
        let none = admin
            .get(&app, "/backoffice/paiements?etat=refused&tri=usager")
            .await;
        assert!(
            none.html.contains("Aucun paiement pour ces critères"),
            "{}",
            none.html
        );
        let csv = String::from_utf8(
            admin
                .get_bytes(&app, "/backoffice/paiements/export.csv?etat=validated")
                .await,
        )
        .unwrap();
        assert!(
            csv.contains(&reference) && csv.contains("42,50") && csv.contains("Marie Durand"),
            "{csv}"
        );
        assert_eq!(csv.lines().count(), 2, "{csv}");
        // « Début » as a date a spreadsheet sorts.
        let started = csv
            .lines()
            .nth(1)
            .unwrap()
            .split(';')
            .nth(8)
            .unwrap()
            .to_owned();
        assert!(
            chrono::NaiveDateTime::parse_from_str(&started, "%Y-%m-%d %H:%M").is_ok(),
            "{started}: {csv}"
        );

        // A payment's page: what the bank said; an open one asked again (still open).
        let shown = admin
            .get(&app, &format!("/backoffice/paiements/{}", paid.payment))
            .await;
        assert!(shown.html.contains("payé par carte"), "{}", shown.html);
        assert!(
            shown.html.contains(&id_op(&p, &arles, paid.payment)),
            "{}",
            shown.html
        );
        let r = admin
            .post(
                &app,
                &format!("/backoffice/paiements/{}/relire", open.payment),
                &token,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        assert_eq!(state(&p, &arles, open.payment), "initialized");

        // The day's reconciliation: paid online and recorded agree.
        let day = admin
            .get(
                &app,
                &format!("/backoffice/paiements/rapprochement?regie={regie}"),
            )
            .await;
        assert!(day.html.contains("1 paiement validé"), "{}", day.html);
        assert!(day.html.contains("tout concorde"), "{}", day.html);

        // A card payment at the counter: unknown references said; then paid at once.
        invoice(&p, &arles, regie, durand, "F2026-010", "8");
        let r = admin
            .post(
                &app,
                &format!("{regie_page}/carte"),
                &token,
                &[("household", &*household), ("references", "NOPE F2026-010")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(
            r.html
                .contains("Aucune facture de cette régie ne porte la référence NOPE"),
            "{}",
            r.html
        );
        let r = admin
            .post(
                &app,
                &format!("{regie_page}/carte"),
                &token,
                &[
                    ("household", &*household),
                    ("references", "F2026-010"),
                    ("authorisation", "A1B2C3"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let card = admin.get(&app, r.location.as_deref().unwrap()).await;
        assert!(
            card.html.contains("Par carte, à une borne") && card.html.contains("Payé"),
            "{}",
            card.html
        );
        let cards = admin.get(&app, "/backoffice/paiements?mode=card").await;
        assert!(
            cards.html.contains("1 paiement pour ces critères"),
            "{}",
            cards.html
        );
        let r = admin
            .post(
                &app,
                &format!("{regie_page}/carte"),
                &token,
                &[("household", &*household), ("references", "F2026-010")],
            )
            .await;
        assert!(
            r.html.contains("La facture F2026-010 n’est plus à payer"),
            "{}",
            r.html
        );

        // A téléservice's fee: less than a euro refused; then each request
        // sent owes it, and once paid its history says so.
        // The canteen's category collected by this régie: its fee follows it.
        let enfance = p
            .store
            .read(arles.id, guichet_core::catalogue::categories::list)
            .unwrap()
            .into_iter()
            .find(|c| c.name == "Enfance")
            .unwrap()
            .id
            .to_string();
        let r = admin
            .post(
                &app,
                &format!("{regie_page}/categories"),
                &token,
                &[("categorie", &*enfance)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let r = admin
            .post(
                &app,
                &format!("{regie_page}/frais"),
                &token,
                &[
                    ("teleservice", "school-canteen-registration"),
                    ("amount", "0,50"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("un euro au moins"), "{}", r.html);
        let r = admin
            .post(
                &app,
                &format!("{regie_page}/frais"),
                &token,
                &[
                    ("teleservice", "school-canteen-registration"),
                    ("amount", "15"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let child = guichet_tests::fixtures::add_child(&app, &mut b, me, "Léo").await;
        let request = guichet_tests::fixtures::start_canteen(&app, &mut b, child).await;
        guichet_tests::fixtures::send_canteen(&app, &mut b, request).await;
        let fee = p
            .store
            .read(arles.id, |tx| rows::invoices_of(tx, durand))
            .unwrap()
            .into_iter()
            .find(|i| i.kind == "fee")
            .expect("the request's fee");
        assert_eq!((fee.amount_cents, fee.request_id), (1500, Some(request)));
        assert_eq!(fee.regie_id, regie);
        // Collected through the category: the téléservice keeps no régie of its own.
        let own = p
            .store
            .read(arles.id, |tx| {
                guichet_core::store::repo::offer::teleservice(tx, "school-canteen-registration")
            })
            .unwrap()
            .unwrap()
            .regie_id;
        assert_eq!(own, None);
        // Another régie cannot set the fee of what this one collects.
        let sports = self::regie(&p, &arles, "Régie des sports");
        let r = admin
            .post(
                &app,
                &format!("/backoffice/regies/{sports}/frais"),
                &token,
                &[
                    ("teleservice", "school-canteen-registration"),
                    ("amount", "3"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.html);
        assert!(
            r.html
                .contains("Une autre régie encaisse pour ce téléservice"),
            "{}",
            r.html
        );
        assert!(mails_to(&p, &arles, "durand@example.fr")
            .iter()
            .any(|(_, body)| body.contains("frais de dossier de 15,00")));
        let page = b.get(&app, &format!("/mes-demandes/{request}")).await;
        assert!(
            page.html.contains("Payer dans « Mes paiements »"),
            "{}",
            page.html
        );
        let o = start(vec![fee.id]);
        bank.pay(&id_op(&p, &arles, o.payment), "P").unwrap();
        online::check(&p.store, arles.id, provider.as_ref(), o.payment, "return").unwrap();
        let history = b.get(&app, &format!("/mes-demandes/{request}")).await;
        assert!(
            history.html.contains("Frais de dossier de 15,00"),
            "{}",
            history.html
        );
        assert!(history.html.contains("payés le"), "{}", history.html);

        // Settings: an end before the start refused; a suspension shown to households.
        let page = admin.get(&app, "/backoffice/paiements/reglages").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        let r = admin
            .post(
                &app,
                "/backoffice/paiements/reglages",
                &token,
                &[
                    ("off_from", "2026-12-10"),
                    ("off_until", "2026-12-01"),
                    ("show_in_progress", "oui"),
                    ("show_history", "oui"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.html);
        assert!(r.html.contains("ne peut précéder son début"), "{}", r.html);
        let today = guichet_domain::time::today().format("%Y-%m-%d").to_string();
        let r = admin
            .post(
                &app,
                "/backoffice/paiements/reglages",
                &token,
                &[
                    ("off_from", &today),
                    ("off_until", ""),
                    ("off_message", "Paiement fermé pour la clôture annuelle."),
                    ("show_history", "oui"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let mine = b.get(&app, "/paiements").await;
        assert!(
            mine.html
                .contains("Paiement fermé pour la clôture annuelle."),
            "{}",
            mine.html
        );
        assert!(!mine.html.contains("Payer en ligne"), "{}", mine.html);
        assert!(!mine.html.contains("Paiements en cours"), "{}", mine.html);

        // Nîmes' administrator finds none of it.
        let mut theirs = signed_in_agent(&app, "nina.admin", "nimes").await;
        assert_eq!(
            theirs
                .get(&app, &format!("/backoffice/paiements/{}", paid.payment))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            theirs.get(&app, &regie_page).await.status,
            StatusCode::NOT_FOUND
        );
        assert!(!theirs
            .get(&app, "/backoffice/paiements")
            .await
            .html
            .contains(&reference));
    }
}
