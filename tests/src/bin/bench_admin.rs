//! The administration's heavy work at scale, on a database that
//! `bench-search generate` filled:
//!
//!   bench-admin run <DATABASE_URL> [COURRIERS]
//!
//! - courriers: a courrier type resolved with a request and drawn as PDF,
//!   per second, against the same text drawn as one plain paragraph;
//! - export: every request of the largest collectivité as CSV and as ODS
//!   through the back office's code (pages of a thousand, each its own read
//!   transaction), rows per second and the process's peak memory, against
//!   the same rows read bare by keyset SQL;
//! - statistics: the page's tables for the whole collectivité (p50 of 5),
//!   against its two grouped statements in raw SQL.

use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use guichet_cases::casework::{export, Query};
use guichet_cases::courriers;
use guichet_cases::statistics;
use guichet_core::agents::rights::{AgentRights, Profile};
use guichet_core::agents::Desk;
use guichet_core::pdf;
use guichet_core::store::repo::courriers::{self as courrier_rows, CourrierRow};
use guichet_core::store::repo::requests as request_rows;
use guichet_core::store::{DatabaseUrl, DbConnection, Store, StoreError, TenantTx};
use guichet_core::tenancy::{self, TenantId};
use guichet_web::sheet::{Cell, Format, Sheet};

fn usage() -> ! {
    eprintln!("usage : bench-admin run <URL> [COURRIERS]");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("run") if args.len() >= 3 => {
            let url = DatabaseUrl::parse(&args[2]).unwrap_or_else(|e| panic!("{e}"));
            let store = Store::open_with(&url, 2, 1).expect("database");
            let n = args
                .get(3)
                .map_or(300, |s| s.parse().unwrap_or_else(|_| usage()));
            run(&store, n);
        }
        _ => usage(),
    }
}

/// The process's peak resident memory so far, in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Counts what is written, keeps nothing.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn requests_of(tx: &mut TenantTx<'_>) -> Result<i64, StoreError> {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM requests WHERE tenant_id = {} AND state <> 'Draft'",
        tx.tenant_key()
    );
    Ok(match tx.conn() {
        DbConnection::Postgres(c) => diesel::sql_query(&sql).get_result::<Count>(c)?.n,
        DbConnection::Sqlite(c) => diesel::sql_query(&sql).get_result::<Count>(c)?.n,
    })
}

fn admin() -> Desk {
    Desk {
        agent_id: 1,
        name: "Administratrice".into(),
        rights: AgentRights {
            profile: Profile::Admin,
            back_office: true,
            explicit: HashMap::new(),
        },
        readable: None,
    }
}

const BODY: &str = "Madame, Monsieur {{RR_LNAME}},\n\nVotre demande n° **{{RQ_ID}}** ({{RQ_TP_LABEL}}), déposée le {{RQ_CDATE}}, pour {{SU_FNAME}} {{SU_LNAME}}, est acceptée.\n\n{{RQ_OBSERV}}\n\nPièces à présenter à l’accueil :\n- un justificatif de domicile de moins de trois mois\n- le livret de famille\n- une attestation d’assurance\n\nPour toute question, écrivez à {{RQ_CAT_EMAIL}} ou présentez-vous à l’accueil de la mairie, {{HF_ADDRESS_TOWN}}.\n\n{{LAST_AGENT_NAME}}";

fn run(store: &Store, n: usize) {
    let tenants = store.platform_read(tenancy::list).expect("collectivités");
    let mut sized: Vec<(TenantId, i64)> = tenants
        .iter()
        .filter(|t| t.slug.starts_with("commune"))
        .map(|t| (t.id, store.read(t.id, requests_of).expect("count")))
        .collect();
    sized.sort_by_key(|(_, n)| -n);
    let Some(&(tenant, size)) = sized.first() else {
        eprintln!("bench-search generate first");
        std::process::exit(1)
    };
    println!("collectivité de {size} demandes (hors brouillons)");
    let desk = admin();

    // Courriers.
    let letter = store
        .write(tenant, |tx| {
            let first = first_request(tx)?;
            let request = request_rows::get(tx, first)?.expect("a request");
            let id = tx.next_id()?;
            let now = Utc::now().naive_utc();
            let row = CourrierRow {
                tenant_id: 0,
                id,
                teleservice_id: request.teleservice_id,
                short_label: format!("Banc {id}"),
                label: "Votre demande est acceptée".into(),
                model: "letter".into(),
                body: BODY.into(),
                created_at: now,
                updated_at: now,
            };
            courrier_rows::insert(tx, &row)?;
            let start = Instant::now();
            for _ in 0..n {
                courriers::letter(tx, &row, &request, "Merci de votre confiance.")?;
            }
            let resolved = n as f64 / start.elapsed().as_secs_f64();
            println!("courrier rempli avec une demande : {resolved:.0} par seconde");
            courriers::letter(tx, &row, &request, "Merci de votre confiance.")
        })
        .expect("courrier");
    let start = Instant::now();
    let mut bytes = 0;
    for _ in 0..n {
        bytes = courriers::document(&letter, None).render().len();
    }
    let ours = n as f64 / start.elapsed().as_secs_f64();
    // The same letter with a letters' logo of 600 × 200 pixels (a PNG of
    // two colours), decoded and compressed again for each PDF.
    let logo = {
        let img = image::RgbImage::from_fn(600, 200, |x, _| {
            image::Rgb(if x < 300 { [138, 28, 28] } else { [20, 30, 90] })
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .expect("png");
        out.into_inner()
    };
    let start = Instant::now();
    let mut logo_bytes = 0;
    for _ in 0..n {
        logo_bytes = courriers::document(&letter, Some(logo.clone()))
            .render()
            .len();
    }
    let with_logo = n as f64 / start.elapsed().as_secs_f64();
    println!(
        "courriers en PDF avec le logo (PNG 600 × 200) : {with_logo:.0} par seconde ({logo_bytes} octets)"
    );
    let mut plain = pdf::Document::new(letter.title.clone());
    plain.push(pdf::Block::Paragraph(letter.plain_body()));
    let start = Instant::now();
    for _ in 0..n {
        plain.render();
    }
    let ceiling = n as f64 / start.elapsed().as_secs_f64();
    println!(
        "courriers en PDF : {ours:.0} par seconde ({bytes} octets), le même texte en un paragraphe : {ceiling:.0} par seconde, rapport {:.2}",
        ours / ceiling
    );

    // Export.
    let before = peak_mib();
    for format in [Format::Csv, Format::Ods] {
        let plan = store
            .read(tenant, |tx| export::plan(tx, &desk, &Query::default()))
            .expect("plan");
        let start = Instant::now();
        let mut out = Counter(0);
        let mut sheet = Sheet::start(format, &mut out, "Demandes").expect("sheet");
        sheet
            .row(
                &plan
                    .header()
                    .into_iter()
                    .map(Cell::Text)
                    .collect::<Vec<_>>(),
            )
            .expect("header");
        let (mut rows, mut after) = (0u64, None);
        loop {
            let (page, next) = store.read(tenant, |tx| plan.page(tx, after)).expect("page");
            for (number, cells) in page {
                let mut line = vec![Cell::Number(number)];
                line.extend(cells);
                sheet.row(&line).expect("row");
                rows += 1;
            }
            match next {
                Some(c) => after = Some(c),
                None => break,
            }
        }
        sheet.finish().expect("finish");
        let secs = start.elapsed().as_secs_f64();
        println!(
            "export {} : {rows} demandes en {secs:.1} s, {:.0} lignes par seconde, {:.0} Mo écrits, mémoire maximale du processus {:.0} Mio (avant : {before:.0} Mio)",
            format.extension().to_uppercase(),
            rows as f64 / secs,
            out.0 as f64 / 1e6,
            peak_mib()
        );
    }
    let start = Instant::now();
    let bare = store.read(tenant, bare_pages).expect("bare");
    let secs = start.elapsed().as_secs_f64();
    println!(
        "plafond : les mêmes lignes lues en SQL brut par pages de 1000 : {bare} en {secs:.1} s, {:.0} lignes par seconde",
        bare as f64 / secs
    );

    // Statistics.
    let mut ours = Vec::new();
    let mut total = 0;
    for _ in 0..5 {
        let start = Instant::now();
        let s = store
            .read(tenant, |tx| {
                statistics::statistics(tx, &desk, &Query::default())
            })
            .expect("statistics");
        ours.push(start.elapsed().as_secs_f64() * 1000.0);
        total = s.total;
    }
    let mut bare = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        store
            .read(tenant, bare_statistics)
            .expect("bare statistics");
        bare.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    ours.sort_by(f64::total_cmp);
    bare.sort_by(f64::total_cmp);
    println!(
        "statistiques ({total} demandes) : p50 {:.0} ms ; les deux regroupements en SQL brut : p50 {:.0} ms ; rapport {:.2}",
        ours[2],
        bare[2],
        ours[2] / bare[2]
    );
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

fn first_request(tx: &mut TenantTx<'_>) -> Result<i64, StoreError> {
    let sql = format!(
        "SELECT id FROM requests WHERE tenant_id = {} AND state <> 'Draft' ORDER BY id LIMIT 1",
        tx.tenant_key()
    );
    Ok(match tx.conn() {
        DbConnection::Postgres(c) => diesel::sql_query(&sql).get_result::<Id>(c)?.id,
        DbConnection::Sqlite(c) => diesel::sql_query(&sql).get_result::<Id>(c)?.id,
    })
}

#[derive(QueryableByName)]
struct Bare {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    at: String,
    #[diesel(sql_type = Text)]
    data_json: String,
}

/// The export's rows read by keyset pages of a thousand, nothing made of them.
fn bare_pages(tx: &mut TenantTx<'_>) -> Result<u64, StoreError> {
    let mut rows = 0u64;
    let mut after: Option<(String, i64)> = None;
    loop {
        let cursor = after.as_ref().map_or(String::new(), |(at, id)| {
            format!("AND submitted_at >= '{at}' AND (submitted_at > '{at}' OR id > {id})")
        });
        let sql = format!(
            "SELECT id, CAST(submitted_at AS TEXT) AS at, data_json, number, teleservice_id, requester_name, subject_name, state, updated_at, household_id FROM requests WHERE tenant_id = {} AND state <> 'Draft' {cursor} ORDER BY submitted_at, id LIMIT 1000",
            tx.tenant_key()
        );
        let page: Vec<Bare> = match tx.conn() {
            DbConnection::Postgres(c) => diesel::sql_query(sql).load(c)?,
            DbConnection::Sqlite(c) => diesel::sql_query(sql).load(c)?,
        };
        rows += page.len() as u64;
        let total_len: usize = page.iter().map(|r| r.data_json.len()).sum();
        std::hint::black_box(total_len);
        match page.last() {
            Some(last) if page.len() == 1000 => after = Some((last.at.clone(), last.id)),
            _ => return Ok(rows),
        }
    }
}

fn bare_statistics(tx: &mut TenantTx<'_>) -> Result<(), StoreError> {
    #[derive(QueryableByName)]
    struct Group {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let tenant = tx.tenant_key();
    for sql in [
        format!("SELECT COUNT(*) AS n FROM requests WHERE tenant_id = {tenant} AND state <> 'Draft' GROUP BY state"),
        format!("SELECT COUNT(*) AS n FROM requests WHERE tenant_id = {tenant} AND state <> 'Draft' GROUP BY teleservice_id, substr(CAST(submitted_at AS TEXT), 1, 7), state"),
    ] {
        let groups: Vec<Group> = match tx.conn() {
            DbConnection::Postgres(c) => diesel::sql_query(&sql).load(c)?,
            DbConnection::Sqlite(c) => diesel::sql_query(&sql).load(c)?,
        };
        std::hint::black_box(groups.iter().map(|g| g.n).sum::<i64>());
    }
    Ok(())
}
