//! Benchmark: jobs per second the runner sustains (enqueue excluded), with 1
//! and 4 runners at once (as 4 `guichet` processes would), against a ceiling
//! measured in the same run on the same database: one bare `UPDATE` per job
//! in its own transaction, the least a job's completion costs.
//!
//!   cargo run --release -p guichet-tests --bin bench-jobs -- [N] [sqlite|postgres]

use std::time::Instant;

use diesel::prelude::*;
use guichet_core::jobs::{self, Job, NewJob, Runner};
use guichet_core::store::schema::jobs as jobs_table;
use guichet_core::store::Store;
use guichet_tests::{create_tenant, Backend, TestDb};

fn enqueue(store: &Store, n: usize) {
    let tenants: Vec<_> = (0..10)
        .map(|i| {
            create_tenant(
                store,
                &format!("b{i}-{}", rand::random::<u32>()),
                "Bench",
                &[],
            )
        })
        .collect();
    for chunk in 0..n.div_ceil(500) {
        let t = &tenants[chunk % tenants.len()];
        store
            .write(t.id, |tx| {
                for _ in 0..500.min(n - chunk * 500) {
                    let tenant = tx.tenant();
                    jobs::enqueue(
                        tx.conn(),
                        NewJob::now("bench.noop", Some(tenant), serde_json::json!({"n": 1})),
                    )?;
                }
                Ok::<_, guichet_core::store::StoreError>(())
            })
            .unwrap();
    }
}

fn run(db: &TestDb, n: usize, runners: usize) -> f64 {
    let store = db.store();
    enqueue(&store, n);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..runners {
            let store = db.store();
            scope.spawn(move || {
                let runner = Runner::new(store).handle("bench.noop", |_: &Store, _: &Job| Ok(()));
                while runner.run_once().unwrap() > 0 {}
            });
        }
    });
    let elapsed = start.elapsed().as_secs_f64();
    let mut raw = store.raw_connection().unwrap();
    let done: i64 = jobs::counts(&mut raw)
        .unwrap()
        .into_iter()
        .filter(|(_, state, _)| state == "done")
        .map(|(_, _, n)| n)
        .sum();
    assert!(done as usize >= n, "every job done once: {done}");
    n as f64 / elapsed
}

/// One bare UPDATE per job, each in its own transaction.
fn ceiling(db: &TestDb, n: usize) -> f64 {
    let store = db.store();
    let mut raw = store.raw_connection().unwrap();
    let ids: Vec<i64> = jobs_table::table
        .select(jobs_table::id)
        .limit(n as i64)
        .load(&mut *raw)
        .unwrap();
    let start = Instant::now();
    for id in &ids {
        diesel::update(jobs_table::table.find(id))
            .set(jobs_table::attempts.eq(jobs_table::attempts + 1))
            .execute(&mut *raw)
            .unwrap();
    }
    ids.len() as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let backends = match args.next().as_deref() {
        Some("sqlite") => vec![Backend::Sqlite],
        Some("postgres") => vec![Backend::Postgres],
        _ => vec![Backend::Sqlite, Backend::Postgres],
    };
    for backend in backends {
        let one = run(&TestDb::new(backend), n, 1);
        let db = TestDb::new(backend);
        let four = run(&db, n, 4);
        let bare = ceiling(&db, n);
        println!(
            "{backend:?} : {n} tâches — 1 exécutant {one:.0}/s, 4 exécutants {four:.0}/s ; plafond (un UPDATE nu par tâche) {bare:.0}/s ; rapport 4 exécutants / plafond {:.2}",
            four / bare
        );
    }
}
