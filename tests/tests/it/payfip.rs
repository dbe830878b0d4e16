//! PayFiP's web service, client against the test bank over real HTTP: the
//! fields the client sends follow PayFiP's rules (checked on the SOAP
//! bodies the bank received), its faults (R3, A2, P5, P1) are read as
//! PayFiP means them, and each of the payer's choices reads back as its
//! outcome, with the reference and amount paid.

use chrono::{Duration, Utc};
use guichet_core::domain::payments::{Outcome, RegieMode};
use guichet_core::payments::payfip::{leaves, PayFiP};
use guichet_core::payments::{Provider, ProviderError, StartRequest};
use guichet_server::testbank::{Notify, TestBank};

fn request(refdet: &str) -> StartRequest {
    StartRequest {
        numcli: "012345".into(),
        mode: RegieMode::Test,
        exer: 2026,
        refdet: refdet.into(),
        amount_cents: 2550,
        mel: "durand@example.fr".into(),
        objet: "Cantine novembre 2026".into(),
        notify_url: "http://127.0.0.1:9/paiements/notification".into(),
        return_url: "http://arles.localhost:8080/paiements/retour?paiement=42".into(),
    }
}

#[test]
fn the_client_and_the_test_bank_speak_payfip() {
    let bank = TestBank::start(Notify::Hold);
    let payfip = PayFiP::new(url::Url::parse(&bank.url()).unwrap());
    let now = Utc::now().naive_utc();

    // Refused as PayFiP refuses them, nothing opened.
    let refused = |r: StartRequest| match payfip.start(&r) {
        Err(ProviderError::Refused { code, .. }) => code,
        other => panic!("{other:?}"),
    };
    assert_eq!(refused(request("ABCD")), "R3");
    assert_eq!(
        refused(StartRequest {
            mel: "durand".into(),
            ..request("GU0000000042")
        }),
        "A2"
    );

    // Opened: the body carries every field as PayFiP's rules want them.
    let started = payfip.start(&request("GU0000000042")).unwrap();
    assert!(
        started
            .url
            .starts_with(&format!("{}/tpa/paiementws.web?idop=", bank.url())),
        "{}",
        started.url
    );
    let sent = bank.requests().pop().unwrap();
    let fields = leaves(&sent);
    for (name, value) in [
        ("exer", "2026"),
        ("mel", "durand@example.fr"),
        ("montant", "2550"),
        ("numcli", "012345"),
        ("objet", "Cantine novembre 2026"),
        ("refdet", "GU0000000042"),
        ("saisie", "T"),
        ("urlnotif", "http://127.0.0.1:9/paiements/notification"),
        (
            "urlredirect",
            "http://arles.localhost:8080/paiements/retour?paiement=42",
        ),
    ] {
        assert!(
            fields.contains(&(name.into(), value.into())),
            "{name}: {sent}"
        );
    }
    assert!(sent.contains("<pai:creerPaiementSecurise><arg0>"), "{sent}");

    // Open: P5, waiting; after 20 minutes, it never will be paid. Unknown: P1.
    let id = &started.provider_ref;
    assert_eq!(
        payfip.detail(id, now, now).unwrap().outcome,
        Outcome::Waiting
    );
    let old = now - Duration::minutes(25);
    assert_eq!(
        payfip.detail(id, old, now).unwrap().outcome,
        Outcome::Expired
    );
    assert_eq!(
        payfip.detail("inconnu", now, now).unwrap().outcome,
        Outcome::Expired
    );

    // Paid by card: the browser goes back with the idOp, the notification
    // carries only the idOp, the detail says paid, with what was paid.
    let back = bank.pay(id, "P").unwrap();
    assert_eq!(
        back,
        format!("http://arles.localhost:8080/paiements/retour?paiement=42&idop={id}")
    );
    assert_eq!(
        bank.take_held(),
        vec![(
            "http://127.0.0.1:9/paiements/notification".into(),
            id.clone()
        )]
    );
    let detail = payfip.detail(id, now, now).unwrap();
    assert_eq!(
        detail.outcome,
        Outcome::Paid {
            direct_debit: false
        }
    );
    assert_eq!(detail.refdet, "GU0000000042");
    assert_eq!(detail.amount_cents, Some(2550));
    assert_eq!(detail.data["resultrans"], "P");
    // A second decision changes nothing at the bank.
    bank.pay(id, "R");
    assert_eq!(
        payfip.detail(id, now, now).unwrap().outcome,
        Outcome::Paid {
            direct_debit: false
        }
    );

    // Each of the payer's other choices.
    for (choice, outcome) in [
        ("V", Outcome::Paid { direct_debit: true }),
        ("R", Outcome::Refused),
        ("Z", Outcome::Refused),
        ("A", Outcome::Cancelled),
    ] {
        let s = payfip.start(&request("GU0000000043")).unwrap();
        bank.pay(&s.provider_ref, choice).unwrap();
        assert_eq!(
            payfip.detail(&s.provider_ref, now, now).unwrap().outcome,
            outcome,
            "{choice}"
        );
    }

    // The service unreachable: said as such, to try again.
    let down = PayFiP::new(
        url::Url::parse(&format!("http://127.0.0.1:{}", guichet_tests::free_port())).unwrap(),
    );
    assert!(matches!(
        down.start(&request("GU0000000044")),
        Err(ProviderError::Unavailable(_))
    ));
    assert!(matches!(
        down.detail(id, now, now),
        Err(ProviderError::Unavailable(_))
    ));
}
