//! The outbox delivered by the job runner to a real SMTP server: nothing lost
//! while it is down, nothing sent twice (several runners at once included),
//! each collectivité's messages kept apart, secret links not kept once sent.

use std::time::Duration;

use chrono::Utc;
use guichet_cases::registry::Wiring;
use guichet_core::jobs::{self, Runner};
use guichet_core::mail::outbox;
use guichet_core::mail::smtp::SmtpSender;
use guichet_core::mail::worker;
use guichet_core::tenancy::{self, TenantState};
use guichet_tests::{create_tenant, free_port, SmtpSink, TestDb};

fn mail_runner(store: &guichet_core::store::Store, port: u16) -> Runner {
    let url = url::Url::parse(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let sender = SmtpSender::new(&url, "Mairie de A <mairie@a.example>").unwrap();
    // These messages join no courrier: no file is ever read.
    let files =
        guichet_core::files::FileStore::open(None, &std::env::temp_dir().join("guichet-mail"))
            .unwrap();
    guichet_cases::registry::jobs(
        store,
        Wiring {
            mail: Some(sender),
            ..Wiring::new(8080, files)
        },
    )
}

per_backend! {
    fn outbox_survives_an_smtp_outage_and_delivers_once(backend: Backend) {
        let db = TestDb::new(backend);
        let store = db.store();
        let a = create_tenant(&store, "a", "A", &[]);
        let b = create_tenant(&store, "b", "B", &[]);
        let c = create_tenant(&store, "c", "C", &[]);
        let port = free_port();
        let runner = mail_runner(&store, port);

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
        let now = Utc::now().naive_utc();
        assert_eq!(runner.run_once_at(now).unwrap(), 3, "{backend:?}");
        let m = store
            .read(a.id, |tx| outbox::get(tx, a_mail))
            .unwrap()
            .unwrap();
        assert_eq!((m.state.as_str(), m.attempts), ("pending", 1));
        assert!(m.last_error.is_some());
        // Before the retry is due, nothing is attempted again.
        let sink = SmtpSink::start_on(port);
        assert_eq!(runner.run_once_at(now).unwrap(), 0);

        // Once due (1 minute later), delivered exactly once.
        let later = now + chrono::Duration::minutes(2);
        assert_eq!(runner.run_once_at(later).unwrap(), 2, "{backend:?}");
        assert_eq!(
            runner
                .run_once_at(later + chrono::Duration::minutes(30))
                .unwrap(),
            0,
            "the suspended collectivité's message waits an hour"
        );
        let received = sink.received();
        assert_eq!(received.len(), 2, "{received:?}");
        let elodie = received
            .iter()
            .find(|m| m.to == "elodie@example.fr")
            .expect("A's message");
        assert_eq!(elodie.subject, subject);
        assert_eq!(elodie.body, body);
        // The same words as HTML, the alternative a mail reader may prefer.
        assert!(
            elodie.html.contains("<html lang=\"fr\">")
                && elodie.html.contains("<p>Bonjour Élodie,</p>\n<p>Votre demande d’inscription à la cantine est enregistrée.</p>"),
            "{}",
            elodie.html
        );
        assert_eq!(elodie.from, "Mairie de A <mairie@a.example>");
        // The same id whatever the attempt: a receiver can drop a duplicate.
        assert_eq!(
            elodie.message_id,
            format!("<mail-{}-{a_mail}@a.example>", a.id.get())
        );
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
        // C active again: its message leaves at the next look.
        store
            .platform_write(|conn| tenancy::set_state(conn, c.id, TenantState::Active))
            .unwrap();
        assert_eq!(
            runner
                .run_once_at(later + chrono::Duration::hours(2))
                .unwrap(),
            1
        );
        assert_eq!(sink.received().len(), 3);
    }
}

per_backend! {
    /// Four runners (as four `guichet` processes) on one database: every message
    /// sent exactly once.
    fn several_runners_send_each_message_once(backend: Backend) {
        let db = TestDb::new(backend);
        let store = db.store();
        let tenants: Vec<_> = (0..3)
            .map(|i| create_tenant(&store, &format!("t{i}"), "T", &[]))
            .collect();
        for n in 0..60 {
            let t = &tenants[n % 3];
            store
                .write(t.id, |tx| {
                    outbox::enqueue(tx, &format!("h{n}@example.fr"), &format!("N° {n}"), "Corps")
                })
                .unwrap();
        }
        let port = free_port();
        let sink = SmtpSink::start_on(port);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                let store = db.store();
                scope.spawn(move || {
                    let runner = mail_runner(&store, port);
                    while runner.run_once().unwrap() > 0 {}
                });
            }
        });
        let received = sink.received();
        let mut subjects: Vec<String> = received.iter().map(|m| m.subject.clone()).collect();
        subjects.sort();
        subjects.dedup();
        assert_eq!(received.len(), 60, "{backend:?}: each message once");
        assert_eq!(subjects.len(), 60, "{backend:?}");
    }
}

per_backend! {
    /// A handler that fails is retried with a growing wait, its error visible;
    /// out of attempts it is kept as failed, and an operator can run it again.
    fn a_failing_job_is_retried_then_kept_never_lost(backend: Backend) {
        let db = TestDb::new(backend);
        let store = db.store();
        let a = create_tenant(&store, "a", "A", &[]);
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = runs.clone();
        let runner = Runner::new(store.clone()).handle(
            "test.flaky",
            move |_: &guichet_core::store::Store, job: &jobs::Job| {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                assert_eq!(job.payload["n"], 7);
                Err(jobs::JobError::Retry(format!("panne n° {}", job.attempt)))
            },
        );
        let enqueued = store
            .write(a.id, |tx| {
                let job = jobs::NewJob {
                    max_attempts: 3,
                    ..jobs::NewJob::now(
                        "test.flaky",
                        Some(tx.tenant()),
                        serde_json::json!({"n": 7}),
                    )
                };
                jobs::enqueue(tx.conn(), job)
            })
            .unwrap();
        assert!(enqueued);
        let mut raw = store.raw_connection().unwrap();
        let counts = jobs::counts(&mut raw).unwrap();
        assert_eq!(counts, vec![("test.flaky".into(), "pending".into(), 1)]);
        let row = |raw: &mut _| jobs::failed(raw, 10).unwrap();
        let mut now = Utc::now().naive_utc();
        assert_eq!(runner.run_once_at(now).unwrap(), 1);
        assert_eq!(runner.run_once_at(now).unwrap(), 0, "not before its wait");
        now += chrono::Duration::minutes(1);
        assert_eq!(runner.run_once_at(now).unwrap(), 1, "1 minute later");
        now += chrono::Duration::minutes(1);
        assert_eq!(runner.run_once_at(now).unwrap(), 0, "then 2 minutes");
        now += chrono::Duration::minutes(1);
        assert_eq!(runner.run_once_at(now).unwrap(), 1);
        now += chrono::Duration::hours(2);
        assert_eq!(runner.run_once_at(now).unwrap(), 0, "no fourth attempt");
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 3);
        let failed = row(&mut raw);
        assert_eq!(failed.len(), 1, "{backend:?}");
        assert_eq!(failed[0].last_error.as_deref(), Some("panne n° 3"));
        assert_eq!(failed[0].tenant_id, Some(a.id.get()));
        // Run again on demand.
        assert!(jobs::retry(&mut raw, failed[0].id).unwrap());
        assert!(row(&mut raw).is_empty());
        assert_eq!(runner.run_once().unwrap(), 1);
        let again = jobs::get(&mut raw, failed[0].id).unwrap().unwrap();
        assert_eq!((again.state.as_str(), again.attempts), ("pending", 1));
    }
}

per_backend! {
    fn periodic_jobs_are_planned_once_and_again_after_each_run(backend: Backend) {
        let db = TestDb::new(backend);
        let store = db.store();
        let runner = Runner::new(store.clone()).every(
            "test.tick",
            Duration::from_secs(600),
            |_: &guichet_core::store::Store, _: &jobs::Job| Ok(()),
        );
        // Several processes starting: one pending run.
        runner.start_periodic().unwrap();
        runner.start_periodic().unwrap();
        let mut raw = store.raw_connection().unwrap();
        assert_eq!(
            jobs::counts(&mut raw).unwrap(),
            vec![("test.tick".into(), "pending".into(), 1)]
        );
        assert_eq!(runner.run_once().unwrap(), 1);
        assert_eq!(runner.run_once().unwrap(), 0, "the next run in 10 minutes");
        assert_eq!(
            jobs::counts(&mut raw).unwrap(),
            vec![
                ("test.tick".into(), "done".into(), 1),
                ("test.tick".into(), "pending".into(), 1)
            ],
            "{backend:?}"
        );
        let later = Utc::now().naive_utc() + chrono::Duration::minutes(11);
        assert_eq!(runner.run_once_at(later).unwrap(), 1);
        // Finished jobs are purged after their time (done: 7 days), not before.
        assert_eq!(jobs::purge_finished(&mut raw, 7, 90).unwrap(), 0);
        assert_eq!(jobs::purge_finished(&mut raw, -1, 90).unwrap(), 2);
    }
}

per_backend! {
    /// A password link leaves in the mail, and its body is blanked once sent;
    /// sent mail is purged after the retention period.
    fn secret_links_are_not_kept_once_sent(backend: Backend) {
        let db = TestDb::new(backend);
        let store = db.store();
        let a = create_tenant(&store, "a", "A", &[]);
        #[derive(serde::Serialize)]
        struct PasswordLink<'a> {
            link: &'a str,
        }
        impl guichet_core::mail::Email for PasswordLink<'_> {
            const NAME: &'static str = "mail.rs";
            const TEMPLATE: &'static str = "Votre compte\n\nLien : {{link}}\n";
        }
        let link = "https://a.example/backoffice/mot-de-passe/SECRET123";
        let id = store
            .write(a.id, |tx| {
                outbox::send_secret(tx, "agent@a.example", &PasswordLink { link })
            })
            .unwrap();
        let port = free_port();
        let sink = SmtpSink::start_on(port);
        assert_eq!(mail_runner(&store, port).run_once().unwrap(), 1);
        assert!(
            sink.received()[0].body.contains(link),
            "the mail carries it"
        );
        let kept = store.read(a.id, |tx| outbox::get(tx, id)).unwrap().unwrap();
        assert!(!kept.body_text.contains("SECRET123"), "{backend:?}");
        assert_eq!(kept.body_text, outbox::SECRET_SENT);
        // Purged after the retention period.
        let after = Utc::now().naive_utc() + chrono::Duration::days(worker::RETENTION_DAYS + 1);
        assert_eq!(
            store
                .write(a.id, |tx| outbox::purge_sent(tx, after))
                .unwrap(),
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
    let mut raw = store.raw_connection().unwrap();
    assert!(jobs::counts(&mut raw).unwrap().is_empty(), "and no job");
}

/// The registry is the one list of job kinds: each context's jobs are
/// there, those of an adapter only where the process has it, and a kind
/// claimed twice stops the start.
#[test]
fn every_kind_of_job_is_in_the_registry() {
    use guichet_core::sms::{Brevo, Gateway, SmsConfig};
    let db = TestDb::new(guichet_tests::Backend::Sqlite);
    let store = db.store();
    let files =
        guichet_core::files::FileStore::open(None, &std::env::temp_dir().join("guichet-mail"))
            .unwrap();
    let upkeep = [
        "accounts.purge",
        "documents.outdate",
        "drafts.tend",
        "files.sweep",
        "jobs.purge",
        "limits.purge",
        "mail.purge",
        "requests.alerts",
    ];
    let bare = guichet_cases::registry::jobs(&store, Wiring::new(8080, files.clone()));
    assert_eq!(bare.kinds(), upkeep);

    let url = url::Url::parse("smtp://127.0.0.1:2525").unwrap();
    let sms = SmsConfig {
        url: url::Url::parse("http://127.0.0.1:9/").unwrap(),
        api_key: "clé".into(),
        sender: "MAIRIE".into(),
    };
    let full = guichet_cases::registry::jobs(
        &store,
        Wiring {
            mail: Some(SmtpSender::new(&url, "Mairie <mairie@a.example>").unwrap()),
            sms: Some(std::sync::Arc::new(Brevo::new(sms)) as std::sync::Arc<dyn Gateway>),
            payments: Some(guichet_server::app::payfip(None).0),
            ..Wiring::new(8080, files)
        },
    );
    let mut all: Vec<&str> = upkeep.to_vec();
    all.extend([
        outbox::SEND,
        guichet_core::sms::SEND,
        guichet_core::payments::online::POLL,
    ]);
    all.sort_unstable();
    assert_eq!(full.kinds(), all);

    let twice = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Runner::new(store.clone())
            .handle("x", |_: &guichet_core::store::Store, _: &jobs::Job| Ok(()))
            .handle("x", |_: &guichet_core::store::Store, _: &jobs::Job| Ok(()));
    }));
    assert!(twice.is_err(), "a kind has one handler");
}

/// The database goes down just after a job did its work outside (an e-mail
/// accepted): the runner waits for it to come back and records the job
/// done, runs the rest of its batch, and runs nothing twice.
#[test]
fn a_database_outage_mid_batch_loses_and_repeats_nothing() {
    use guichet_core::store::{DatabaseUrl, Store};
    use guichet_tests::proxy::Proxy;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let db = TestDb::new(guichet_tests::Backend::Postgres);
    let mut url = url::Url::parse(&db.url_string()).unwrap();
    let target: std::net::SocketAddr =
        format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432))
            .parse()
            .unwrap();
    let proxy = Arc::new(Proxy::start(target));
    url.set_port(Some(proxy.port())).unwrap();
    let store = Store::open(&DatabaseUrl::parse(url.as_str()).unwrap()).unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let (seen, cutter) = (runs.clone(), proxy.clone());
    let runner = Runner::new(store.clone()).handle(
        "test.outside",
        move |_: &guichet_core::store::Store, _: &jobs::Job| {
            // The work is done outside; then the database goes away for a while.
            if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                cutter.cut();
                let back = cutter.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(1500));
                    back.restore();
                });
            }
            Ok(())
        },
    );
    for n in 0..3 {
        store
            .platform_write(|c| {
                jobs::enqueue(
                    c,
                    jobs::NewJob::now("test.outside", None, serde_json::json!({ "n": n })),
                )
            })
            .unwrap();
    }
    assert_eq!(runner.run_once().unwrap(), 3, "the whole batch ran");
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    assert_eq!(runner.run_once().unwrap(), 0, "nothing again");
    let mut raw = store.raw_connection().unwrap();
    assert_eq!(
        jobs::counts(&mut raw).unwrap(),
        vec![("test.outside".into(), "done".into(), 3)]
    );
}

/// Asked to stop, the runner claims nothing more and gives back what it
/// had claimed and not begun, due at once for another process.
#[test]
fn a_stopping_runner_gives_back_what_it_has_not_begun() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let db = TestDb::new(guichet_tests::Backend::Sqlite);
    let store = db.store();
    let runs = Arc::new(AtomicUsize::new(0));
    let seen = runs.clone();
    let runner = Runner::new(store.clone());
    let stopping = runner.stopping();
    let runner = runner.handle(
        "test.slow",
        move |_: &guichet_core::store::Store, _: &jobs::Job| {
            // The stop comes while the first job runs.
            seen.fetch_add(1, Ordering::SeqCst);
            stopping.start();
            Ok(())
        },
    );
    for n in 0..3 {
        store
            .platform_write(|c| {
                jobs::enqueue(
                    c,
                    jobs::NewJob::now("test.slow", None, serde_json::json!({ "n": n })),
                )
            })
            .unwrap();
    }
    assert_eq!(runner.run_once().unwrap(), 1, "the job in hand finished");
    assert_eq!(
        runner.run_once().unwrap(),
        0,
        "nothing claimed once stopping"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let mut raw = store.raw_connection().unwrap();
    let mut counts = jobs::counts(&mut raw).unwrap();
    counts.sort();
    assert_eq!(
        counts,
        vec![
            ("test.slow".into(), "done".into(), 1),
            ("test.slow".into(), "pending".into(), 2)
        ]
    );
    // Given back: another runner takes them at once, first attempts still.
    let other = Runner::new(store.clone()).handle(
        "test.slow",
        |_: &guichet_core::store::Store, j: &jobs::Job| {
            assert_eq!(j.attempt, 1, "given back, not counted");
            Ok(())
        },
    );
    assert_eq!(other.run_once().unwrap(), 2);
}

/// A job that runs longer than the lease keeps it, and so do the jobs of
/// its batch waiting behind it: another process takes none of them.
#[test]
fn a_long_job_keeps_its_lease_and_its_batch() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let db = TestDb::new(guichet_tests::Backend::Sqlite);
    let store = db.store();
    let lease = Duration::from_millis(1200);
    let runner = Runner::new(store.clone()).with_lease(lease).handle(
        "test.long",
        |_: &guichet_core::store::Store, _: &jobs::Job| {
            std::thread::sleep(Duration::from_millis(2000));
            Ok(())
        },
    );
    let taken = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = taken.clone();
    let other = Runner::new(store.clone()).with_lease(lease).handle(
        "test.long",
        move |_: &guichet_core::store::Store, _: &jobs::Job| {
            seen.fetch_add(1, Ordering::SeqCst);
            Ok(())
        },
    );
    for n in 0..2 {
        store
            .platform_write(|c| {
                jobs::enqueue(
                    c,
                    jobs::NewJob::now("test.long", None, serde_json::json!({ "n": n })),
                )
            })
            .unwrap();
    }
    std::thread::scope(|s| {
        let first = s.spawn(|| runner.run_once().unwrap());
        // Past the first lease, while the first job still runs, and again
        // while the second runs.
        for wait in [1600, 1600] {
            std::thread::sleep(Duration::from_millis(wait));
            assert_eq!(other.run_once().unwrap(), 0, "taken by a second process");
        }
        assert_eq!(first.join().unwrap(), 2);
    });
    assert_eq!(taken.load(Ordering::SeqCst), 0);
}
