//! The outbox delivered to a real SMTP server: nothing lost while it is down,
//! nothing sent twice, each collectivité's messages kept apart.

use chrono::{Duration, Utc};
use guichet_core::mail::outbox;
use guichet_core::mail::smtp::SmtpSender;
use guichet_core::mail::worker::deliver_due;
use guichet_core::tenancy::{self, TenantState};
use guichet_tests::{create_tenant, free_port, SmtpSink, TestDb, BACKENDS};

#[test]
fn outbox_survives_an_smtp_outage_and_delivers_once() {
    for backend in BACKENDS {
        let db = TestDb::new(backend);
        let store = db.store();
        let a = create_tenant(&store, "a", "A", &[]);
        let b = create_tenant(&store, "b", "B", &[]);
        let c = create_tenant(&store, "c", "C", &[]);
        let port = free_port();
        let url = url::Url::parse(&format!("smtp://127.0.0.1:{port}")).unwrap();
        let sender = SmtpSender::new(&url, "Mairie de A <mairie@a.example>").unwrap();

        let subject = "Votre demande n° 42 a été reçue";
        let body = "Bonjour Élodie,\n\nVotre demande d’inscription à la cantine est enregistrée.";
        let a_mail = store
            .write(a.id, |tx| {
                outbox::enqueue(tx, "elodie@example.fr", subject, body)
            })
            .unwrap();
        store
            .write(b.id, |tx| {
                outbox::enqueue(tx, "paul@example.fr", "Pour B", "Corps B")
            })
            .unwrap();
        store
            .write(c.id, |tx| {
                outbox::enqueue(tx, "zoe@example.fr", "Pour C", "Corps C")
            })
            .unwrap();
        // A suspended collectivité's messages wait for it.
        store
            .platform_write(|conn| tenancy::set_state(conn, c.id, TenantState::Suspended))
            .unwrap();

        // The SMTP server is down: nothing sent, nothing lost, a later retry planned.
        assert_eq!(
            deliver_due(&store, &sender, Utc::now().naive_utc()).unwrap(),
            0,
            "{backend:?}"
        );
        let m = store
            .read(a.id, |tx| outbox::get(tx, a_mail))
            .unwrap()
            .unwrap();
        assert_eq!((m.state.as_str(), m.attempts), ("pending", 1));
        assert!(m.last_error.is_some() && m.next_attempt_at > Utc::now().naive_utc());
        // Before the retry is due, nothing is attempted again.
        let sink = SmtpSink::start_on(port);
        assert_eq!(
            deliver_due(&store, &sender, Utc::now().naive_utc()).unwrap(),
            0
        );

        // Once due, delivered exactly once.
        let later = Utc::now().naive_utc() + Duration::minutes(2);
        assert_eq!(
            deliver_due(&store, &sender, later).unwrap(),
            2,
            "{backend:?}"
        );
        assert_eq!(
            deliver_due(&store, &sender, later + Duration::hours(1)).unwrap(),
            0
        );
        let received = sink.received();
        assert_eq!(received.len(), 2, "{received:?}");
        let elodie = received
            .iter()
            .find(|m| m.to == "elodie@example.fr")
            .expect("A's message");
        assert_eq!(elodie.subject, subject);
        assert_eq!(elodie.body, body);
        assert_eq!(elodie.from, "Mairie de A <mairie@a.example>");
        assert!(received
            .iter()
            .any(|m| m.to == "paul@example.fr" && m.subject == "Pour B"));
        let m = store
            .read(a.id, |tx| outbox::get(tx, a_mail))
            .unwrap()
            .unwrap();
        assert_eq!((m.state.as_str(), m.attempts), ("sent", 2));
        assert_eq!(
            store.read(c.id, |tx| outbox::unsent(tx, 10)).unwrap().len(),
            1
        );
    }
}

#[test]
fn bad_messages_are_refused_before_the_outbox() {
    let db = TestDb::new(guichet_tests::Backend::Sqlite);
    let store = db.store();
    let a = create_tenant(&store, "a", "A", &[]);
    for (to, subject) in [
        ("pas-une-adresse", "Objet"),
        ("x@y.fr\r\nBcc: z@w.fr", "Objet"),
        ("x@y.fr", "Objet\r\nBcc: z@w.fr"),
        ("x@y.fr", " "),
    ] {
        let r = store.write(a.id, |tx| outbox::enqueue(tx, to, subject, "Corps"));
        assert!(r.is_err(), "{to:?} / {subject:?}");
    }
    assert!(store
        .read(a.id, |tx| outbox::unsent(tx, 10))
        .unwrap()
        .is_empty());
}
