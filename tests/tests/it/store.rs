//! The store on both backends: migrations, the registry of collectivités, and
//! the tenant gate that keeps each collectivité's rows to itself.

use diesel::prelude::*;
use guichet_core::audit::{self, Change};
use guichet_core::mail::outbox;
use guichet_core::store::{DbConnection, StoreError};
use guichet_core::tenancy::{self, NewTenant, TenantError, TenantState};
use guichet_tests::{create_tenant, Backend, TestDb};

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

per_backend! {
    fn migrations_are_idempotent(backend: Backend) {
        let db = TestDb::new(backend);
        let store = db.store();
        assert!(
            store.migrate().unwrap().is_empty(),
            "{backend:?}: second run applies nothing"
        );
    }
}

per_backend! {
    fn registry_of_collectivites(backend: Backend) {
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

per_backend! {
    fn counters_are_per_collectivite(backend: Backend) {
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

per_backend! {
    fn concurrent_writers_get_distinct_values(backend: Backend) {
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

per_backend! {
    fn a_failed_transaction_leaves_nothing(backend: Backend) {
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

per_backend! {
    fn another_collectivite_rows_are_invisible_and_untouchable(backend: Backend) {
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
            "UPDATE form_versions SET definition = '{}'",
            "DELETE FROM form_versions",
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

    /// Every table with a `tenant_id` is in the store's one list of a
    /// collectivité's tables (whose rows it scopes by construction), with the
    /// policy enabled and forced, or is one of the platform's tables: a table
    /// added later can forget neither.
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
        let listed = guichet_core::store::scoped::TENANT_TABLES;
        for t in &tables {
            if platform.contains(&t.name.as_str()) {
                assert!(!t.enabled, "{} is a platform table", t.name);
                continue;
            }
            assert!(
                listed.contains(&t.name.as_str()),
                "{} is not in the store's list (scoped.rs)",
                t.name
            );
            assert!(
                t.enabled && t.forced && t.policies == 1,
                "{} lacks its policy",
                t.name
            );
        }
        for name in listed {
            assert!(
                tables.iter().any(|t| t.name == *name),
                "{name} is listed but has no tenant_id"
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

per_backend! {
    /// Every migration goes down and up again, on both backends: the `down.sql`
    /// files are kept true.
    fn migrations_go_down_and_up_again(backend: Backend) {
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

mod schema {
    use super::*;
    use diesel::sql_types::{BigInt, Text};
    use std::collections::BTreeMap;

    #[derive(QueryableByName, Debug)]
    struct Column {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        column_name: String,
        #[diesel(sql_type = Text)]
        declared: String,
        #[diesel(sql_type = BigInt)]
        not_null: i64,
    }

    #[derive(QueryableByName, Debug)]
    struct Checks {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        definition: String,
    }

    /// A column's type by the family both backends store it as: SQLite by
    /// the affinity rules of its declared type, PostgreSQL by its data type.
    fn family(declared: &str) -> &'static str {
        let t = declared.to_ascii_lowercase();
        if t.contains("bool") {
            "boolean"
        } else if t.contains("timestamp") || t.contains("datetime") {
            "timestamp"
        } else if t == "date" {
            "date"
        } else if t.contains("int") || t.contains("serial") {
            "integer"
        } else if t.contains("char") || t.contains("text") || t.contains("clob") {
            "text"
        } else if t.contains("blob") || t == "bytea" {
            "bytes"
        } else if t.contains("real") || t.contains("floa") || t.contains("doub") {
            "real"
        } else if t.contains("numeric") || t.contains("decimal") {
            "numeric"
        } else {
            "other"
        }
    }

    type Shape = BTreeMap<String, BTreeMap<String, (&'static str, bool)>>;

    /// SQLite's one table of its own: the global id counter, which
    /// PostgreSQL keeps as a sequence (`global_id_seq`).
    const SQLITE_ONLY: &[&str] = &["global_ids"];

    fn shape(columns: Vec<Column>) -> Shape {
        let mut shape = Shape::new();
        for c in columns {
            if c.table_name.starts_with("__diesel")
                || c.table_name.starts_with("sqlite_")
                || SQLITE_ONLY.contains(&c.table_name.as_str())
            {
                continue;
            }
            shape
                .entry(c.table_name)
                .or_default()
                .insert(c.column_name, (family(&c.declared), c.not_null != 0));
        }
        shape
    }

    /// The CHECK clauses of SQLite's CREATE TABLE statements.
    fn sqlite_checks(sql: &str) -> Vec<String> {
        let mut found = Vec::new();
        let upper = sql.to_ascii_uppercase();
        let mut from = 0;
        while let Some(at) = upper[from..].find("CHECK") {
            let start = from + at + "CHECK".len();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            if word(upper[..from + at].chars().last()) || word(upper[start..].chars().next()) {
                from = start; // a name such as `checked_at`
                continue;
            }
            let open = start + sql[start..].find('(').expect("a check's clause");
            let mut depth = 0;
            let mut end = open;
            for (i, c) in sql[open..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = open + i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            found.push(sql[open + 1..end].to_owned());
            from = end;
        }
        found
    }

    /// The columns of a table that its checks name.
    fn columns_checked(
        checks: &[String],
        columns: &BTreeMap<String, (&str, bool)>,
    ) -> std::collections::BTreeSet<String> {
        checks
            .iter()
            .flat_map(|c| {
                c.split(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                    .filter(|w| columns.contains_key(*w))
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The two migration folders make the same tables, with the same
    /// columns, types (by affinity), nullability and checks: a column added
    /// on one backend only, or a check forgotten, is found here rather than
    /// in production.
    #[test]
    fn both_backends_define_the_same_schema() {
        let sqlite = TestDb::new(Backend::Sqlite);
        let postgres = TestDb::new(Backend::Postgres);
        let (lite_store, pg_store) = (sqlite.store(), postgres.store());
        let mut lite = lite_store.raw_connection().unwrap();
        let mut pg = pg_store.raw_connection().unwrap();
        let (DbConnection::Sqlite(lite), DbConnection::Postgres(pg)) = (&mut *lite, &mut *pg)
        else {
            unreachable!()
        };
        let lite_columns: Vec<Column> = diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS declared,
                    CAST(p.\"notnull\" OR p.pk > 0 AS BIGINT) AS not_null
               FROM sqlite_master m JOIN pragma_table_info(m.name) p
              WHERE m.type = 'table'",
        )
        .load(lite)
        .unwrap();
        let pg_columns: Vec<Column> = diesel::sql_query(
            "SELECT table_name::text, column_name::text, data_type::text AS declared,
                    CAST(CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END AS BIGINT) AS not_null
               FROM information_schema.columns WHERE table_schema = 'public'",
        )
        .load(pg)
        .unwrap();
        let (lite_shape, pg_shape) = (shape(lite_columns), shape(pg_columns));
        assert!(lite_shape.len() >= 30, "{} tables", lite_shape.len());
        let tables = |s: &Shape| s.keys().cloned().collect::<Vec<_>>();
        assert_eq!(tables(&lite_shape), tables(&pg_shape), "the same tables");
        let mut differences = Vec::new();
        for (table, columns) in &lite_shape {
            let other = &pg_shape[table];
            for (column, lite_is) in columns {
                match other.get(column) {
                    None => differences.push(format!("{table}.{column} : SQLite seulement")),
                    Some(pg_is) if pg_is != lite_is => differences.push(format!(
                        "{table}.{column} : SQLite {lite_is:?}, PostgreSQL {pg_is:?}"
                    )),
                    Some(_) => {}
                }
            }
            for column in other.keys().filter(|c| !columns.contains_key(*c)) {
                differences.push(format!("{table}.{column} : PostgreSQL seulement"));
            }
        }

        let lite_tables: Vec<Checks> = diesel::sql_query(
            "SELECT name AS table_name, sql AS definition FROM sqlite_master
              WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__diesel%'",
        )
        .load(lite)
        .unwrap();
        let pg_checks: Vec<Checks> = diesel::sql_query(
            "SELECT c.conrelid::regclass::text AS table_name,
                    pg_get_constraintdef(c.oid) AS definition
               FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
              WHERE c.contype = 'c' AND n.nspname = 'public'",
        )
        .load(pg)
        .unwrap();
        let mut lite_by_table: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for t in lite_tables {
            if SQLITE_ONLY.contains(&t.table_name.as_str()) {
                continue;
            }
            let checks = sqlite_checks(&t.definition);
            lite_by_table.insert(t.table_name, checks);
        }
        let mut pg_by_table: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for c in pg_checks {
            let clause = c.definition.trim_start_matches("CHECK ");
            pg_by_table
                .entry(c.table_name)
                .or_default()
                .push(clause.to_owned());
        }
        // What each backend checks, by the columns its checks name: the
        // same columns on both (the clauses themselves are written each in
        // its dialect, one check or two).
        for (table, lite_checks) in &lite_by_table {
            let columns = &lite_shape[table];
            let pg_checks = pg_by_table.get(table).cloned().unwrap_or_default();
            let (a, b) = (
                columns_checked(lite_checks, columns),
                columns_checked(&pg_checks, columns),
            );
            if a != b {
                differences.push(format!(
                    "{table} : colonnes contrôlées sur SQLite {a:?}, sur PostgreSQL {b:?}"
                ));
            }
        }
        assert!(
            differences.is_empty(),
            "les deux dossiers de migrations divergent :\n{}",
            differences.join("\n")
        );
    }

    #[test]
    fn the_comparison_reads_checks_as_both_backends_write_them() {
        assert_eq!(
            sqlite_checks(
                "CREATE TABLE t (a TEXT NOT NULL CHECK (a IN ('x', 'y')), checked_at TIMESTAMP, b INT CHECK(b > 0))"
            ),
            vec!["a IN ('x', 'y')", "b > 0"]
        );
        let columns: BTreeMap<String, (&str, bool)> = ["delay", "keep", "label"]
            .map(|c| (c.to_owned(), ("integer", true)))
            .into();
        let lite = ["delay BETWEEN 0 AND 364 AND delay < keep".to_owned()];
        let pg = [
            "((delay >= 0) AND (delay <= 364))".to_owned(),
            "(delay < keep)".to_owned(),
        ];
        assert_eq!(
            columns_checked(&lite, &columns),
            columns_checked(&pg, &columns)
        );
        assert_ne!(
            columns_checked(&lite, &columns),
            columns_checked(&pg[..1], &columns),
            "a check forgotten on one side is seen"
        );
        assert_eq!(family("BIGINT"), family("bigint"));
        assert_ne!(family("TEXT"), family("integer"));
        assert_eq!(family("TIMESTAMP"), family("timestamp without time zone"));
    }
}

/// A collectivité created, renamed, or given a host name by another process
/// (any connection) is told to every process following the changes, at once.
#[test]
fn every_process_hears_of_a_change_to_a_collectivite() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let db = TestDb::new(Backend::Postgres);
    let store = db.store();
    let heard = Arc::new(AtomicUsize::new(0));
    let counter = heard.clone();
    let url = guichet_core::store::DatabaseUrl::parse(&db.url_string()).unwrap();
    guichet_core::store::tenancy::follow_changes(&url, move || {
        counter.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    let wait_for = |n: usize| {
        let start = std::time::Instant::now();
        while heard.load(Ordering::SeqCst) < n {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(10),
                "change {n} not heard"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    // Listening: once, for what may have been missed before.
    wait_for(1);
    create_tenant(&store, "arles", "Ville d’Arles", &["arles.example"]);
    wait_for(2);
    let before = heard.load(Ordering::SeqCst);
    store
        .platform_write(|c| {
            diesel::sql_query("UPDATE tenants SET name = 'Arles' WHERE slug = 'arles'")
                .execute(c)
                .map_err(StoreError::from)
        })
        .unwrap();
    wait_for(before + 1);
    // Nothing changed, nothing heard.
    let now = heard.load(Ordering::SeqCst);
    std::thread::sleep(std::time::Duration::from_millis(600));
    assert_eq!(heard.load(Ordering::SeqCst), now);
}

/// The columns of the schema at the last release, one per line:
/// `table column type nullable has_default`.
const RELEASED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../migrations/released-columns.txt"
);

/// Rolling upgrades (docs/operations.md): while the processes restart one
/// after the other, the previous release runs on the migrated schema. It
/// tolerates it when every column it knew is still there, of the same type
/// and no stricter about nulls, and every column it does not know (in a
/// table it knew) fills itself in (nullable or with a default), so that its
/// inserts, which name their columns, still work. Compared with the columns
/// the last release left (`GUICHET_RELEASED=write` records them at a release).
#[test]
fn the_previous_release_runs_on_this_schema() {
    #[derive(QueryableByName)]
    struct Column {
        #[diesel(sql_type = diesel::sql_types::Text)]
        line: String,
    }
    let db = TestDb::new(Backend::Postgres);
    let store = db.owner_store();
    let mut conn = store.raw_connection().unwrap();
    let DbConnection::Postgres(pg) = &mut *conn else {
        unreachable!()
    };
    let now: Vec<String> = diesel::sql_query(
        "SELECT table_name || ' ' || column_name || ' ' || replace(data_type, ' ', '_') || ' ' \
           || is_nullable || ' ' || (column_default IS NOT NULL)::text AS line \
         FROM information_schema.columns WHERE table_schema = 'public' \
           AND table_name <> '__diesel_schema_migrations' \
         ORDER BY table_name, column_name",
    )
    .load::<Column>(pg)
    .unwrap()
    .into_iter()
    .map(|c| c.line)
    .collect();
    if std::env::var("GUICHET_RELEASED").as_deref() == Ok("write") {
        std::fs::write(
            RELEASED,
            format!(
                "# The columns of the schema at release {} (table column type nullable has_default),\n# for the rolling upgrade's check (tests/tests/it/store.rs).\n{}\n",
                env!("CARGO_PKG_VERSION"),
                now.join("\n")
            ),
        )
        .unwrap();
        return;
    }
    let parse = |line: &str| -> (String, String, String, bool, bool) {
        let f: Vec<&str> = line.split(' ').collect();
        (
            f[0].into(),
            f[1].into(),
            f[2].into(),
            f[3] == "YES",
            f[4] == "true",
        )
    };
    let released: Vec<_> = std::fs::read_to_string(RELEASED)
        .expect("the last release's columns (GUICHET_RELEASED=write records them)")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(parse)
        .collect();
    let current: Vec<_> = now.iter().map(|l| parse(l)).collect();
    let mut problems = Vec::new();
    for (table, column, kind, nullable, _) in &released {
        match current.iter().find(|c| &c.0 == table && &c.1 == column) {
            None => problems.push(format!("{table}.{column} is gone: the last release still reads it (contract in the release after the one that stops using it)")),
            Some(c) if &c.2 != kind => problems.push(format!("{table}.{column} changed type ({kind} → {})", c.2)),
            Some(c) if *nullable && !c.3 => problems.push(format!("{table}.{column} became NOT NULL: the last release may leave it empty")),
            Some(_) => {}
        }
    }
    for (table, column, _, nullable, default) in &current {
        let known_table = released.iter().any(|r| &r.0 == table);
        let known = released.iter().any(|r| &r.0 == table && &r.1 == column);
        if known_table && !known && !nullable && !default {
            problems.push(format!("{table}.{column} is new, NOT NULL and without a default: the last release's inserts into {table} would fail"));
        }
    }
    assert!(
        problems.is_empty(),
        "the previous release would fail on this schema:\n{}",
        problems.join("\n")
    );
    // The check can fail: a column the last release knew, dropped.
    assert!(released
        .iter()
        .any(|r| r.0 == "requests" && r.1 == "number"));
}
