//! Benchmark of online payment (`ops/bench-payments.sh`): N payments
//! opened at the test bank over HTTP, paid there, then their N
//! notifications posted to the server at once by C clients — each one
//! checked against the bank by a detail call before anything is settled —
//! then replayed (settled already: no call). In the same run, the ceilings:
//! the bank's detail calls alone, and the server's bare health endpoint.
//!
//!   bench-payments DATABASE_URL [N] [C]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use actix_web::cookie::Key;
use actix_web::HttpServer;
use chrono::Utc;
use diesel::RunQueryDsl;
use guichet_core::directory::Directory;
use guichet_core::payments::billing::{self, InvoiceInput};
use guichet_core::payments::online::{self, Addresses, Basket, Payer};
use guichet_core::payments::payfip::PayFiP;
use guichet_core::payments::regies::{self, RegieInput};
use guichet_core::payments::Provider;
use guichet_core::store::repo::payments as rows;
use guichet_core::store::DatabaseUrl;
use guichet_core::store::Store;
use guichet_server::app::{payfip, public_app, Shared};
use guichet_server::testbank::{Notify, TestBank};

struct Here(u16);

impl Addresses for Here {
    fn notify(&self) -> String {
        format!("http://banc.localhost:{}/paiements/notification", self.0)
    }
    fn back(&self, payment: i64) -> String {
        format!(
            "http://banc.localhost:{}/paiements/{payment}/retour",
            self.0
        )
    }
}

/// Runs `n` calls of `f` on `clients` threads; answers calls per second.
fn hammer(n: usize, clients: usize, f: impl Fn(usize) + Sync) -> f64 {
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..clients {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                f(i);
            });
        }
    });
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(url) = args.get(1) else {
        eprintln!("usage : bench-payments DATABASE_URL [N] [CLIENTS]");
        std::process::exit(2);
    };
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2000);
    let clients: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(8);
    let url = DatabaseUrl::parse(url).unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&url).expect("database");
    let tenant = guichet_tests::create_tenant(&store, "banc", "Banc", &[]);

    // One foyer, a régie, N invoices.
    let household = store
        .write(tenant.id, |tx| {
            let h = tx.next_id()?;
            let now = Utc::now().naive_utc().format("'%Y-%m-%d %H:%M:%S'");
            let t = tx.tenant_key();
            diesel::sql_query(format!(
                "INSERT INTO households (tenant_id, id, state, enabled, temporary, address_json, created_at, updated_at) VALUES ({t}, {h}, 'Valid', TRUE, FALSE, '{{}}', {now}, {now})"
            ))
            .execute(tx.conn())
            .map_err(guichet_core::store::StoreError::from)?;
            let regie = regies::create(
                tx,
                "banc",
                &RegieInput {
                    label: "Régie du banc".into(),
                    numcli: "012345".into(),
                    mode: "test".into(),
                    email: "regie@banc.example".into(),
                },
            )?;
            for i in 0..n {
                billing::create_invoice(
                    tx,
                    "banc",
                    regie.id,
                    &InvoiceInput {
                        household: h.to_string(),
                        reference: format!("F{i:07}"),
                        label: "Cantine".into(),
                        amount: "12,50".into(),
                        issued_on: "01/11/2026".into(),
                        due_on: String::new(),
                        lines: String::new(),
                    },
                )?;
            }
            Ok::<_, guichet_core::Error>(h)
        })
        .expect("data");
    let invoices: Vec<i64> = store
        .read(tenant.id, |tx| rows::invoices_of(tx, household))
        .expect("invoices")
        .into_iter()
        .map(|i| i.id)
        .collect();

    // The server, on a loopback port, paying against the test bank.
    let bank = TestBank::start(Notify::Hold);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let port = listener.local_addr().expect("addr").port();
    let mut shared = Shared::new(
        store.clone(),
        Directory::from_config(None),
        Key::generate(),
        port,
    );
    shared.online =
        actix_web::web::Data::new(payfip(Some(&url::Url::parse(&bank.url()).expect("url"))));
    let served = shared.clone();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || public_app(&served))
                .listen(listener)
                .expect("listen")
                .run()
                .await
        })
    });
    let provider: Arc<dyn Provider> =
        Arc::new(PayFiP::new(url::Url::parse(&bank.url()).expect("url")));
    let payer = Payer {
        household,
        name: "Marie Banc".into(),
        email: "marie@banc.example".into(),
    };

    // N payments opened (recorded, then SOAP to the bank), then paid there.
    let opened: Vec<(i64, String)> = {
        let start = Instant::now();
        let made: Vec<i64> = invoices
            .iter()
            .map(|&i| {
                online::start(
                    &store,
                    tenant.id,
                    provider.as_ref(),
                    &payer,
                    &Basket {
                        invoices: vec![i],
                        top_ups: vec![],
                    },
                    &Here(port),
                )
                .expect("opened")
                .payment
            })
            .collect();
        println!(
            "paiements ouverts (enregistrés puis ouverts à la banque) : {:.0} par seconde",
            n as f64 / start.elapsed().as_secs_f64()
        );
        made.into_iter()
            .map(|p| {
                let id_op = store
                    .read(tenant.id, |tx| rows::payment(tx, p))
                    .expect("payment")
                    .and_then(|r| r.provider_ref)
                    .expect("idOp");
                bank.pay(&id_op, "P").expect("paid");
                (p, id_op)
            })
            .collect()
    };
    bank.take_held();

    let agent = ureq::AgentBuilder::new()
        .max_idle_connections_per_host(clients * 2)
        .build();
    let host = format!("banc.localhost:{port}");
    let notify = |i: usize| {
        let r = agent
            .post(&format!("http://127.0.0.1:{port}/paiements/notification"))
            .set("Host", &host)
            .send_form(&[("idOp", &opened[i].1)]);
        assert!(
            matches!(&r, Ok(r) if r.status() == 200),
            "notification : {r:?}"
        );
    };
    let absorbed = hammer(n, clients, notify);
    let replayed = hammer(n, clients, notify);

    // Each one settled once: every invoice paid, one validation each.
    let mut validated = 0;
    for (p, _) in &opened {
        let events = store
            .read(tenant.id, |tx| rows::events(tx, *p))
            .expect("events");
        validated += events.iter().filter(|e| e.state == "validated").count();
    }
    let paid = store
        .read(tenant.id, |tx| rows::invoices_of(tx, household))
        .expect("invoices")
        .iter()
        .filter(|i| i.state == "paid")
        .count();
    assert_eq!((validated, paid), (n, n), "each payment settled once");

    // Ceilings: the bank's detail call alone; the server's bare endpoint.
    let now = Utc::now().naive_utc();
    let bank_alone = hammer(n, clients, |i| {
        provider.detail(&opened[i].1, now, now).expect("detail");
    });
    let bare = hammer(n, clients, |_| {
        let r = agent
            .get(&format!("http://127.0.0.1:{port}/healthz"))
            .call();
        assert!(r.is_ok());
    });
    println!(
        "notifications absorbées, chacune vérifiée auprès de la banque : {absorbed:.0} par seconde ({n} paiements, {clients} clients) ; rejouées (déjà réglées) : {replayed:.0} par seconde"
    );
    println!(
        "plafonds : appels de détail à la banque seuls {bank_alone:.0} par seconde ; point de santé nu du serveur {bare:.0} par seconde ; rapport {:.2}",
        absorbed / bank_alone
    );
    println!("chaque paiement réglé une fois : {validated} validations, {paid} factures payées");
}
