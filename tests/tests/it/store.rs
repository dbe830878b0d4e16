//! The store on both backends: migrations, the registry of collectivités, and
//! the tenant gate that keeps each collectivité's rows to itself.

use diesel::prelude::*;
use guichet_core::audit::{self, Change};
use guichet_core::mail::outbox;
use guichet_core::store::{DbConnection, StoreError};
use guichet_core::tenancy::{self, NewTenant, TenantError, TenantState};
use guichet_tests::{create_tenant, Backend, TestDb, BACKENDS};

fn change<'a>(object_id: &'a str) -> Change<'a> {
    Change {
        actor: "test",
        action: "create",
        object_type: "thing",
        object_id,
        before: None,
        after: Some(serde_json::json!({ "id": object_id })),
    }
}

#[test]
fn migrations_are_idempotent() {
    for backend in BACKENDS {
        let db = TestDb::new(backend);
        let store = db.store();
        assert!(
            store.migrate().unwrap().is_empty(),
            "{backend:?}: second run applies nothing"
        );
    }
}

#[test]
fn registry_of_collectivites() {
    for backend in BACKENDS {
        let db = TestDb::new(backend);
        let store = db.store();
        let a = create_tenant(
            &store,
            "arles",
            "Arles",
            &["www.arles.example", "Services.Arles.Example."],
        );
        assert_eq!(
            a.host_names,
            vec!["services.arles.example", "www.arles.example"]
        );
        assert_eq!(a.state, TenantState::Active);

        let taken = store.platform_write(|c| {
            tenancy::create(
                c,
                NewTenant {
                    slug: "arles",
                    name: "Autre",
                    host_names: &[],
                },
            )
        });
        assert!(
            matches!(taken, Err(TenantError::SlugTaken(_))),
            "{backend:?}"
        );

        let host_taken = store.platform_write(|c| {
            tenancy::create(
                c,
                NewTenant {
                    slug: "bdx",
                    name: "Bordeaux",
                    host_names: &["www.arles.example".into()],
                },
            )
        });
        assert!(
            matches!(host_taken, Err(TenantError::HostTaken(_))),
            "{backend:?}"
        );
        // The refused creation left nothing behind.
        assert!(store
            .platform_read(|c| tenancy::find_by_slug(c, "bdx"))
            .unwrap()
            .is_none());

        for (slug, host) in [
            ("Bad Slug", "x.example"),
            ("ok", "bad host"),
            ("ok2", "evil.localhost"),
        ] {
            let r = store.platform_write(|c| {
                tenancy::create(
                    c,
                    NewTenant {
                        slug,
                        name: "X",
                        host_names: &[host.into()],
                    },
                )
            });
            assert!(r.is_err(), "{backend:?}: {slug} / {host} refused");
        }

        let resolve = |h: &str| {
            store
                .platform_read(|c| tenancy::resolve_host(c, h))
                .unwrap()
                .map(|t| t.slug)
        };
        assert_eq!(resolve("www.arles.example").as_deref(), Some("arles"));
        assert_eq!(resolve("WWW.Arles.Example:8443").as_deref(), Some("arles"));
        assert_eq!(resolve("arles.localhost:8080").as_deref(), Some("arles"));
        assert_eq!(resolve("nowhere.localhost"), None);
        assert_eq!(resolve("unknown.example"), None);

        store
            .platform_write(|c| tenancy::set_state(c, a.id, TenantState::Suspended))
            .unwrap();
        assert_eq!(
            resolve("www.arles.example"),
            None,
            "{backend:?}: suspended is not served"
        );
        assert_eq!(resolve("arles.localhost"), None);
        store
            .platform_write(|c| tenancy::set_state(c, a.id, TenantState::Active))
            .unwrap();
        assert_eq!(resolve("arles.localhost").as_deref(), Some("arles"));
    }
}

#[test]
fn counters_are_per_collectivite() {
    for backend in BACKENDS {
        let db = TestDb::new(backend);
        let store = db.store();
        let a = create_tenant(&store, "a", "A", &[]);
        let b = create_tenant(&store, "b", "B", &[]);
        let next = |t, name: &'static str| store.write(t, |tx| tx.next_value(name)).unwrap();
        assert_eq!(
            [
                next(a.id, "requests"),
                next(a.id, "requests"),
                next(a.id, "requests")
            ],
            [1, 2, 3]
        );
        assert_eq!(next(b.id, "requests"), 1, "{backend:?}");
        assert_eq!(next(a.id, "other"), 1);
    }
}

#[test]
fn concurrent_writers_get_distinct_values() {
    for backend in BACKENDS {
        let db = TestDb::new(backend);
        let store = db.store();
        let t = create_tenant(&store, "a", "A", &[]);
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                std::thread::spawn(move || {
                    (0..25)
                        .map(|_| store.write(t.id, |tx| tx.next_value("n")).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<i64> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        all.sort();
        assert_eq!(all, (1..=100).collect::<Vec<_>>(), "{backend:?}");
    }
}

#[test]
fn a_failed_transaction_leaves_nothing() {
    for backend in BACKENDS {
        let db = TestDb::new(backend);
        let store = db.store();
        let t = create_tenant(&store, "a", "A", &[]);
        let r: Result<(), StoreError> = store.write(t.id, |tx| {
            audit::record(tx, change("1"))?;
            Err(StoreError::NotFound)
        });
        assert!(r.is_err());
        let events = store.read(t.id, |tx| audit::recent(tx, 10)).unwrap();
        assert!(events.is_empty(), "{backend:?}: rolled back");
    }
}

#[test]
fn another_collectivite_rows_are_invisible_and_untouchable() {
    for backend in BACKENDS {
        let db = TestDb::new(backend);
        let store = db.store();
        let a = create_tenant(&store, "a", "A", &[]);
        let b = create_tenant(&store, "b", "B", &[]);
        // B has ids 1 to 3; A will only have 1, so B's 3 names nothing in A.
        let mut b_event = 0;
        for _ in 0..3 {
            b_event = store
                .write(b.id, |tx| audit::record(tx, change("b-secret")))
                .unwrap();
        }
        let b_mail = store
            .write(b.id, |tx| {
                outbox::enqueue(tx, "habitant@b.example", "Votre demande", "Bonjour")
            })
            .unwrap();
        store
            .write(a.id, |tx| audit::record(tx, change("a-own")))
            .unwrap();

        // A sees its own rows only.
        let seen = store.read(a.id, |tx| audit::recent(tx, 100)).unwrap();
        assert_eq!(
            seen.iter()
                .map(|e| e.object_id.as_str())
                .collect::<Vec<_>>(),
            ["a-own"],
            "{backend:?}"
        );
        // B's ids mean nothing to A: same number, nothing found, nothing deleted.
        assert!(store
            .read(a.id, |tx| outbox::get(tx, b_mail))
            .unwrap()
            .is_none());
        assert!(store
            .read(a.id, |tx| outbox::unsent(tx, 100))
            .unwrap()
            .is_empty());
        assert_eq!(b_event, 3);
        // B's rows are intact.
        let b_seen = store.read(b.id, |tx| audit::recent(tx, 100)).unwrap();
        assert_eq!(b_seen.len(), 3, "{backend:?}");
        assert_eq!(
            store
                .read(b.id, |tx| outbox::unsent(tx, 100))
                .unwrap()
                .len(),
            1
        );
    }
}

mod rls {
    use super::*;
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::{BigInt, Text};

    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn count(conn: &mut DbConnection, table: &str) -> i64 {
        let DbConnection::Postgres(pg) = conn else {
            unreachable!()
        };
        diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
            .get_result::<N>(pg)
            .unwrap()
            .n
    }

    /// The runtime role (the one `serve` and the tests run as) writes rows and
    /// nothing else: no DDL, no policy dropped, the audit trails append-only.
    #[test]
    fn the_runtime_role_cannot_change_the_schema_or_the_audit_trail() {
        let db = TestDb::new(Backend::Postgres);
        let store = db.store();
        let a = create_tenant(&store, "a", "A", &[]);
        store
            .write(a.id, |tx| audit::record(tx, change("x")))
            .unwrap();
        let mut raw = store.raw_connection().unwrap();
        let DbConnection::Postgres(pg) = &mut *raw else {
            unreachable!()
        };
        for sql in [
            "ALTER TABLE agents NO FORCE ROW LEVEL SECURITY",
            "ALTER TABLE agents ADD COLUMN intrus TEXT",
            "DROP POLICY tenant_isolation ON agents",
            "DROP TABLE mail_outbox",
            "CREATE TABLE intrus (id INT)",
            "UPDATE audit_events SET actor = 'personne'",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events",
            "UPDATE platform_audit_events SET actor = 'personne'",
            "DELETE FROM platform_audit_events",
            "DELETE FROM __diesel_schema_migrations",
        ] {
            let refused = pg.transaction(|c| diesel::sql_query(sql).execute(c).map(drop));
            let err = refused.expect_err(sql).to_string();
            assert!(
                err.contains("permission denied") || err.contains("must be owner"),
                "{sql}: {err}"
            );
        }
        // What serving needs still works: rows written, the trail appended.
        pg.batch_execute(
            "INSERT INTO platform_audit_events (occurred_at, actor, action, object_type, object_id)
             VALUES (now(), 'test', 'essai', 'x', 'y')",
        )
        .unwrap();
        assert_eq!(count(&mut raw, "platform_audit_events"), 1);
        drop(raw);
        // The owner still can (migrations run as the owner).
        let owner = db.owner_store();
        let mut raw = owner.raw_connection().unwrap();
        raw.batch_execute("ALTER TABLE agents ADD COLUMN essai TEXT")
            .unwrap();
    }

    /// On PostgreSQL, the database itself refuses what the code might forget.
    #[test]
    fn row_level_security_is_the_second_wall() {
        let db = TestDb::new(Backend::Postgres);
        let store = db.store();
        assert!(
            store.row_security_enforced().unwrap(),
            "tests run as an ordinary role"
        );
        let a = create_tenant(&store, "a", "A", &[]);
        let b = create_tenant(&store, "b", "B", &[]);
        for t in [&a, &b] {
            store
                .write(t.id, |tx| audit::record(tx, change("x")))
                .unwrap();
            store
                .write(t.id, |tx| {
                    outbox::enqueue(tx, "x@y.example", "Objet", "Corps")
                })
                .unwrap();
        }

        // Without the tenant setting: no tenant row at all, whatever the query.
        let mut raw = store.raw_connection().unwrap();
        for table in ["audit_events", "mail_outbox", "id_sequences"] {
            assert_eq!(count(&mut raw, table), 0, "{table} without app.tenant_id");
        }
        // Platform tables stay readable.
        assert_eq!(count(&mut raw, "tenants"), 2);

        // With A's setting, a query that forgets to filter still sees A only.
        store
            .read(a.id, |tx| -> Result<(), StoreError> {
                assert_eq!(count(tx.conn(), "audit_events"), 1);
                let DbConnection::Postgres(pg) = tx.conn() else {
                    unreachable!()
                };
                let other: i64 = diesel::sql_query(
                    "SELECT count(*) AS n FROM audit_events WHERE tenant_id = $1",
                )
                .bind::<BigInt, _>(b.id.get())
                .get_result::<N>(pg)?
                .n;
                assert_eq!(other, 0, "B's rows hidden even when asked for by id");
                Ok(())
            })
            .unwrap();

        // Writing a row for B while scoped to A is refused by the policy.
        let forged: Result<(), StoreError> = store.write(a.id, |tx| {
            let DbConnection::Postgres(pg) = tx.conn() else { unreachable!() };
            diesel::sql_query(
                "INSERT INTO audit_events (tenant_id, id, occurred_at, actor, action, object_type, object_id) \
                 VALUES ($1, 999, now(), 'x', 'x', 'x', $2)",
            )
            .bind::<BigInt, _>(b.id.get())
            .bind::<Text, _>("forged")
            .execute(pg)?;
            Ok(())
        });
        let err = forged.unwrap_err().to_string();
        assert!(err.contains("row-level security"), "{err}");

        // Updating or deleting B's rows while scoped to A touches nothing.
        let touched = store
            .write(a.id, |tx| -> Result<usize, StoreError> {
                let DbConnection::Postgres(pg) = tx.conn() else {
                    unreachable!()
                };
                Ok(
                    diesel::sql_query("DELETE FROM mail_outbox WHERE tenant_id = $1")
                        .bind::<BigInt, _>(b.id.get())
                        .execute(pg)?,
                )
            })
            .unwrap();
        assert_eq!(touched, 0);
        assert_eq!(
            store.read(b.id, |tx| outbox::unsent(tx, 10)).unwrap().len(),
            1
        );
    }

    #[derive(QueryableByName)]
    struct TenantTable {
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        enabled: bool,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        forced: bool,
        #[diesel(sql_type = BigInt)]
        policies: i64,
    }

    /// Every table with a `tenant_id` (but the platform's own registry tables)
    /// has the policy, enabled and forced: a table added later cannot forget it.
    #[test]
    fn every_tenant_table_has_the_policy() {
        let db = TestDb::new(Backend::Postgres);
        let store = db.store();
        let mut raw = store.raw_connection().unwrap();
        let DbConnection::Postgres(pg) = &mut *raw else {
            unreachable!()
        };
        let tables: Vec<TenantTable> = diesel::sql_query(
            "SELECT c.relname::text AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
                    (SELECT count(*) FROM pg_policies p
                      WHERE p.tablename = c.relname AND p.policyname = 'tenant_isolation') AS policies
               FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
              WHERE c.relkind = 'r' ORDER BY 1",
        )
        .load(pg)
        .unwrap();
        // Platform tables that name a collectivité: read before any is chosen (sessions),
        // or across them by design (the jobs queue: ids only in its payloads).
        let platform = ["api_tokens", "jobs", "sessions", "tenant_hosts"];
        let tenant_tables: Vec<&TenantTable> = tables
            .iter()
            .filter(|t| !platform.contains(&t.name.as_str()))
            .collect();
        assert!(
            tenant_tables.len() >= 11,
            "{:?}",
            tables.iter().map(|t| &t.name).collect::<Vec<_>>()
        );
        for t in tenant_tables {
            assert!(
                t.enabled && t.forced && t.policies == 1,
                "{} lacks its policy",
                t.name
            );
        }
    }
}

/// Both backends have the same migrations, by name, each with its way back.
#[test]
fn migrations_are_the_same_on_both_backends() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let names = |backend: &str| {
        let mut names: Vec<String> = std::fs::read_dir(root.join(backend))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for n in &names {
            for file in ["up.sql", "down.sql"] {
                assert!(
                    root.join(backend).join(n).join(file).exists(),
                    "{backend}/{n}/{file}"
                );
            }
        }
        names
    };
    assert_eq!(names("postgres"), names("sqlite"));
}

/// Every migration goes down and up again, on both backends: the `down.sql`
/// files are kept true.
#[test]
fn migrations_go_down_and_up_again() {
    for backend in BACKENDS {
        let db = TestDb::new(backend);
        let owner = db.owner_store();
        let applied = owner.pending_migrations().unwrap();
        assert!(applied.is_empty(), "{backend:?}: a migrated database");
        let n = owner.revert_all_migrations().unwrap();
        assert!(n >= 6, "{backend:?}: {n} reverted");
        assert_eq!(owner.pending_migrations().unwrap().len(), n);
        let again = owner.migrate().unwrap();
        assert_eq!(again.len(), n, "{backend:?}");
        assert!(owner.pending_migrations().unwrap().is_empty());
    }
}

/// PostgreSQL: two writers of one collectivité do not wait for each other
/// to number their rows (ids come from a sequence, not from a counter row
/// locked until commit): the second writes while the first is still open.
#[test]
fn writers_of_one_collectivite_do_not_queue_on_ids() {
    let db = TestDb::new(Backend::Postgres);
    let store = db.store();
    let a = create_tenant(&store, "a", "A", &[]);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let second = {
        let store = store.clone();
        let id = a.id;
        move || {
            store
                .write(id, |tx| audit::record(tx, change("deuxième")))
                .unwrap();
            done_tx.send(()).unwrap();
        }
    };
    let overlapped = store
        .write(a.id, |tx| -> Result<bool, StoreError> {
            audit::record(tx, change("premier"))?;
            // Still open: the other writer numbers and commits its row meanwhile.
            std::thread::spawn(second);
            Ok(done_rx
                .recv_timeout(std::time::Duration::from_secs(10))
                .is_ok())
        })
        .unwrap();
    assert!(
        overlapped,
        "the second writer waited for the first to commit"
    );
    let events = store.read(a.id, |tx| audit::recent(tx, 10)).unwrap();
    assert_eq!(events.len(), 2);
    assert_ne!(events[0].id, events[1].id);
}
