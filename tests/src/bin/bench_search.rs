//! The back office's search at scale.
//!
//!   bench-search generate <DATABASE_URL> <COLLECTIVITES> <REQUESTS_EACH>
//!     Fills a migrated, empty database with realistic data: collectivités
//!     with their catalogue in three categories, foyers (one or two adults,
//!     up to three children), and requests of every téléservice in every
//!     state, submitted over two years, with their history.
//!
//!   bench-search run <DATABASE_URL> [SEARCHES]
//!     Runs the search of an agent of two categories with three filters
//!     (category, state, submitted since) and a sort (newest first), through
//!     the back office's code, then the same two statements (the page and the
//!     count) as raw SQL in the same kind of transaction, on collectivités in
//!     turn; prints p50 and p95 of both and their ratio.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use guichet_cases::casework::{self, Query};
use guichet_core::agents::rights::{AgentRights, Profile};
use guichet_core::agents::Desk;
use guichet_core::catalogue::categories;
use guichet_core::store::repo::offer;
use guichet_core::store::{DatabaseUrl, DbConnection, Store, TenantTx};
use guichet_core::tenancy::{self, Tenant};
use guichet_domain::text::search_key;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const LAST: [&str; 40] = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefèvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefebvre",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Garcia",
];
const FIRST: [&str; 40] = [
    "Léa", "Emma", "Chloé", "Inès", "Manon", "Jade", "Louise", "Alice", "Lina", "Rose", "Anna",
    "Zoé", "Camille", "Sarah", "Léna", "Eva", "Juliette", "Mila", "Ambre", "Nina", "Gabriel",
    "Léo", "Raphaël", "Arthur", "Louis", "Jules", "Adam", "Lucas", "Hugo", "Nathan", "Paul", "Tom",
    "Noah", "Sacha", "Éthan", "Maël", "Théo", "Aaron", "Victor", "Martin",
];
/// States and their weight (out of 100).
const STATES: [(&str, u32); 8] = [
    ("Pending", 20),
    ("Inprogress", 15),
    ("Complete", 10),
    ("Uncomplete", 5),
    ("Validated", 30),
    ("Rejected", 5),
    ("Cancelled", 5),
    ("Closed", 10),
];
const CATEGORIES: [&str; 3] = ["Enfance", "État civil", "Cadre de vie"];

fn usage() -> ! {
    eprintln!(
        "usage : bench-search generate <URL> <COLLECTIVITES> <DEMANDES> | run <URL> [RECHERCHES]"
    );
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("generate") if args.len() == 5 => {
            let store = open(&args[2]);
            let tenants: usize = args[3].parse().unwrap_or_else(|_| usage());
            let each: usize = args[4].parse().unwrap_or_else(|_| usage());
            generate(&store, tenants, each);
        }
        Some("run") if args.len() >= 3 => {
            let store = open(&args[2]);
            let searches: usize = args
                .get(3)
                .map_or(400, |s| s.parse().unwrap_or_else(|_| usage()));
            run(&store, searches);
        }
        _ => usage(),
    }
}

fn open(url: &str) -> Store {
    let url = DatabaseUrl::parse(url).unwrap_or_else(|e| panic!("{e}"));
    Store::open_with(&url, 2, 1).expect("database")
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn stamp(t: NaiveDateTime) -> String {
    quote(&t.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
}

/// Reserves `n` ids of the platform's sequence; returns the first.
fn reserve(tx: &mut TenantTx<'_>, n: i64) -> i64 {
    #[derive(QueryableByName)]
    struct Last {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let last: Last = match tx.conn() {
        DbConnection::Postgres(pg) => {
            diesel::sql_query(format!("SELECT setval('guichet_ids', nextval('guichet_ids') + {}) AS id", n - 1))
                .get_result(pg)
        }
        DbConnection::Sqlite(lite) => diesel::sql_query(format!(
            "UPDATE global_ids SET last_value = last_value + {n} WHERE id = 1 RETURNING last_value AS id"
        ))
        .get_result(lite),
    }
    .expect("ids reserved");
    last.id - n + 1
}

/// Rows kept, then written 500 at a time in multi-row INSERTs (parents first).
struct Inserter {
    head: &'static str,
    rows: Vec<String>,
}

impl Inserter {
    fn new(head: &'static str) -> Inserter {
        Inserter {
            head,
            rows: Vec::new(),
        }
    }

    fn push(&mut self, row: String) {
        self.rows.push(row);
    }

    fn flush(&mut self, tx: &mut TenantTx<'_>) {
        for chunk in self.rows.chunks(500) {
            let sql = format!("{} VALUES {}", self.head, chunk.join(","));
            diesel::sql_query(sql)
                .execute(tx.conn())
                .unwrap_or_else(|e| panic!("{}: {e}", self.head));
        }
        self.rows.clear();
    }
}

fn generate(store: &Store, tenants: usize, each: usize) {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(2026);
    let now = Utc::now().naive_utc();
    for n in 0..tenants {
        let slug = format!("commune{n:03}");
        let tenant = guichet_tests::create_tenant(store, &slug, &format!("Commune {n:03}"), &[]);
        store
            .write(tenant.id, |tx| {
                guichet_core::store::repo::teleservices::seed(
                    tx,
                    guichet_core::catalogue::TELESERVICES,
                )?;
                let teleservices = offer::teleservices(tx)?;
                let mut made = Vec::new();
                for name in CATEGORIES {
                    made.push(
                        categories::create(tx, "bench", name, "")
                            .expect("category")
                            .id,
                    );
                }
                let mut services = Vec::new();
                for (i, t) in teleservices.iter().enumerate() {
                    let c = made[i % made.len()];
                    categories::set_teleservice_category(tx, "bench", &t.code, Some(c))
                        .expect("category of a téléservice");
                    services.push((t.id, t.code.clone(), c));
                }
                fill(tx, &mut rng, &services, each, now);
                Ok::<_, guichet_core::Error>(())
            })
            .expect("collectivité filled");
        if (n + 1) % 10 == 0 || n + 1 == tenants {
            eprintln!(
                "{} collectivités, {} demandes ({:.0} s)",
                n + 1,
                (n + 1) * each,
                started.elapsed().as_secs_f64()
            );
        }
    }
}

fn fill(
    tx: &mut TenantTx<'_>,
    rng: &mut StdRng,
    services: &[(i64, String, i64)],
    requests: usize,
    now: NaiveDateTime,
) {
    let t = tx.tenant_key();
    let foyers = (requests / 4).max(1);
    // Ids: a foyer, its members (at most five), then its requests and their history.
    let mut next = reserve(tx, (foyers * 6 + requests * 3) as i64);
    let mut id = || {
        next += 1;
        next - 1
    };
    let mut households = Inserter::new(
        "INSERT INTO households (tenant_id, id, state, enabled, temporary, address_json, created_at, updated_at)",
    );
    let mut individuals = Inserter::new(
        "INSERT INTO individuals (tenant_id, id, household_id, kind, responsible, state, title, last_name, first_name, name_key, birth_date, birth_city, sex, born, email, home_phone, mobile_phone, office_phone, profession, created_at, updated_at)",
    );
    let mut people: Vec<(i64, Vec<(i64, String)>)> = Vec::with_capacity(foyers);
    for f in 0..foyers {
        let h = id();
        let created = now - Duration::days(rng.gen_range(700..1500));
        households.push(format!(
            "({t}, {h}, 'Valid', TRUE, FALSE, '{{}}', {}, {})",
            stamp(created),
            stamp(created)
        ));
        let last = LAST[rng.gen_range(0..LAST.len())];
        let adults = rng.gen_range(1..=2);
        let children = rng.gen_range(0..=3);
        let mut members = Vec::new();
        for m in 0..adults + children {
            let i = id();
            let first = FIRST[rng.gen_range(0..FIRST.len())];
            let adult = m < adults;
            let name = format!("{first} {last}");
            let email = if m == 0 {
                quote(&format!("foyer{f}@example.fr"))
            } else {
                "''".into()
            };
            let birth = if adult { "1985-04-12" } else { "2016-09-03" };
            individuals.push(
                format!(
                    "({t}, {i}, {h}, '{}', {}, 'Valid', 'Unknown', {}, {}, {}, '{birth}', '', 'Unknown', TRUE, {email}, '', '0601020304', '', '', {}, {})",
                    if adult { "adult" } else { "child" },
                    if m == 0 { "TRUE" } else { "FALSE" },
                    quote(last),
                    quote(first),
                    quote(&search_key(&format!("{last} {first}"))),
                    stamp(created),
                    stamp(created)
                ),
            );
            members.push((i, name));
        }
        people.push((h, members));
    }
    households.flush(tx);
    individuals.flush(tx);

    let mut submitted: Vec<NaiveDateTime> = (0..requests)
        .map(|_| now - Duration::minutes(rng.gen_range(0..730 * 24 * 60)))
        .collect();
    submitted.sort();
    let mut rows = Inserter::new(
        "INSERT INTO requests (tenant_id, id, number, teleservice_id, category_id, form_code, form_version, season_id, household_id, requester_id, requester_name, requester_key, subject_id, subject_name, subject_key, state, data_state, means_of_contact, data_json, steps_done, household_note, submit_key, created_at, updated_at, submitted_at, validated_at, last_agent_id, orange_alert, red_alert, draft_expires_at, draft_notified_at)",
    );
    let mut actions = Inserter::new(
        "INSERT INTO request_actions (tenant_id, id, request_id, kind, actor_kind, actor_id, actor_name, resulting_state, note, public, snapshot_json, file_id, occurred_at)",
    );
    for (n, at) in submitted.into_iter().enumerate() {
        let r = id();
        let (h, members) = &people[rng.gen_range(0..people.len())];
        let (requester, requester_name) = &members[0];
        let (subject, subject_name) = &members[rng.gen_range(0..members.len())];
        let (service, code, category) = &services[rng.gen_range(0..services.len())];
        let mut pick = rng.gen_range(0..100);
        let state = STATES
            .iter()
            .find(|(_, w)| {
                let hit = pick < *w;
                pick = pick.saturating_sub(*w);
                hit
            })
            .map_or("Pending", |(s, _)| s);
        let changed = if state == "Pending" {
            at
        } else {
            at + Duration::minutes(rng.gen_range(10..20 * 24 * 60))
        };
        let agent = if state == "Pending" {
            "NULL".to_owned()
        } else {
            rng.gen_range(1..6).to_string()
        };
        rows.push(
            format!(
                "({t}, {r}, {}, {service}, {category}, {}, 1, NULL, {h}, {requester}, {}, {}, {subject}, {}, {}, '{state}', '{}', 'Email', '{{}}', '', '', NULL, {}, {}, {}, {}, {agent}, FALSE, FALSE, NULL, NULL)",
                n + 1,
                quote(code),
                quote(requester_name),
                quote(&search_key(requester_name)),
                quote(subject_name),
                quote(&search_key(subject_name)),
                if state == "Validated" { "Valid" } else { "Pending" },
                stamp(at),
                stamp(changed),
                stamp(at),
                if state == "Validated" { stamp(changed) } else { "NULL".into() },
            ),
        );
        actions.push(
            format!(
                "({t}, {}, {r}, 'Creation', 'household', {requester}, {}, 'Pending', '', TRUE, NULL, NULL, {})",
                id(),
                quote(requester_name),
                stamp(at)
            ),
        );
        if state != "Pending" {
            actions.push(
                format!(
                    "({t}, {}, {r}, 'StateChange', 'agent', {agent}, 'Agent {agent}', '{state}', '', TRUE, NULL, NULL, {})",
                    id(),
                    stamp(changed)
                ),
            );
        }
    }
    rows.flush(tx);
    actions.flush(tx);
    // Numbers given from now on follow the generated ones.
    diesel::sql_query(format!(
        "INSERT INTO id_sequences (tenant_id, name, last_value) VALUES ({t}, 'request', {requests})"
    ))
    .execute(tx.conn())
    .expect("request counter");
}

#[derive(QueryableByName)]
#[allow(dead_code)]
struct RawRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    number: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    requester_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    subject_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    state: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    submitted_at: Option<NaiveDateTime>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn raw(tx: &mut TenantTx<'_>, page: &str, count: &str) -> (usize, i64) {
    match tx.conn() {
        DbConnection::Postgres(c) => (
            diesel::sql_query(page)
                .load::<RawRow>(c)
                .expect("page")
                .len(),
            diesel::sql_query(count)
                .get_result::<Count>(c)
                .expect("count")
                .n,
        ),
        DbConnection::Sqlite(c) => (
            diesel::sql_query(page)
                .load::<RawRow>(c)
                .expect("page")
                .len(),
            diesel::sql_query(count)
                .get_result::<Count>(c)
                .expect("count")
                .n,
        ),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn run(store: &Store, searches: usize) {
    let tenants: Vec<Tenant> = store
        .platform_read(tenancy::list)
        .expect("collectivités")
        .into_iter()
        .filter(|t| t.slug.starts_with("commune"))
        .collect();
    assert!(!tenants.is_empty(), "bench-search generate first");
    let since = (Utc::now() - Duration::days(365)).date_naive();
    let mut setups = HashMap::new();
    for t in &tenants {
        let cats: Vec<i64> = store.read(t.id, categories_of).expect("categories");
        setups.insert(t.id, cats);
    }
    let (mut ours, mut bare) = (Vec::new(), Vec::new());
    let mut found = 0i64;
    for i in 0..searches {
        let t = &tenants[i % tenants.len()];
        let cats = &setups[&t.id];
        let states = ["Pending", "Inprogress", "Validated"];
        let state = states[i % states.len()];
        let category = cats[i % 2];
        let desk = Desk {
            agent_id: 1,
            name: "Agent".into(),
            rights: AgentRights {
                profile: Profile::Agent,
                back_office: true,
                explicit: HashMap::new(),
            },
            readable: Some(cats[..2].to_vec()),
        };
        let query = Query {
            categorie: category.to_string(),
            etat: state.into(),
            du: since.to_string(),
            tri: "recentes".into(),
            ..Query::default()
        };
        let start = Instant::now();
        let result = store
            .read(t.id, |tx| casework::search(tx, &desk, &query))
            .expect("search");
        ours.push(start.elapsed().as_secs_f64() * 1000.0);
        found += result.count;

        let from = stamp(guichet_domain::time::day_start(since));
        let filter = format!(
            "tenant_id = {} AND state <> 'Draft' AND category_id IN ({}, {}) AND submitted_at >= {from} AND category_id = {category} AND state IN ('{state}')",
            t.id.get(),
            cats[0],
            cats[1]
        );
        let page = format!(
            "SELECT id, number, requester_name, subject_name, state, submitted_at FROM requests WHERE {filter} ORDER BY submitted_at DESC, id DESC LIMIT 51"
        );
        let count = format!("SELECT COUNT(*) AS n FROM requests WHERE {filter}");
        let start = Instant::now();
        let (_, n) = store
            .read(t.id, |tx| {
                Ok::<_, guichet_core::store::StoreError>(raw(tx, &page, &count))
            })
            .expect("raw");
        bare.push(start.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(n, result.count, "the same query");
    }
    ours.sort_by(f64::total_cmp);
    bare.sort_by(f64::total_cmp);
    let (p50, p95) = (percentile(&ours, 0.5), percentile(&ours, 0.95));
    let (b50, b95) = (percentile(&bare, 0.5), percentile(&bare, 0.95));
    println!(
        "{searches} recherches sur {} collectivités (en moyenne {} demandes trouvées)",
        tenants.len(),
        found / searches as i64
    );
    println!("recherche du back office : p50 {p50:.2} ms, p95 {p95:.2} ms");
    println!("SQL brut (page et compte) : p50 {b50:.2} ms, p95 {b95:.2} ms");
    println!("rapport des p95            : {:.2}", p95 / b95);
}

fn categories_of(tx: &mut TenantTx<'_>) -> Result<Vec<i64>, guichet_core::store::StoreError> {
    Ok(guichet_core::store::repo::categories::list(tx)?
        .into_iter()
        .map(|c| c.id)
        .collect())
}
