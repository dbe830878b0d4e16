//! Benchmarks of the portal's use cases.
//!
//!   bench-portal submit [N] [sqlite|postgres]
//!     Submissions per second with 8 households at once (8 threads): each
//!     submission checks every step again, numbers the request, writes its
//!     history with the data as sent, the receipt e-mail and its job, in one
//!     transaction. Drafts are prepared first (not measured). The ceiling,
//!     measured in the same run on the same database: the same rows written
//!     by bare repository calls, without the checks.
//!
//!   bench-portal foyer <DATABASE_URL> <LOGIN> [REQUESTS]
//!     Gives the foyer of LOGIN (made by `guichet demo`) REQUESTS requests in
//!     all (50 by default), for the dashboard's benchmark (ops/bench-portal.sh).

use std::time::Instant;

use guichet_cases::requests::{self, Sending};
use guichet_core::catalogue::offer;
use guichet_core::collectivite::settings::Settings;
use guichet_core::foyers::{self, Foyer, NewAccount, Opened, Person};
use guichet_core::store::repo::requests as rows;
use guichet_core::store::{DatabaseUrl, Store, TenantTx};
use guichet_core::{mail::outbox, Error};
use guichet_domain::forms::Input;
use guichet_domain::foyer::{Address, Parenthood, Sex, Title};
use guichet_domain::requests::SeasonDates;
use guichet_tests::{create_tenant, Backend, TestDb};

const HOUSEHOLDS: usize = 8;
/// Several per child and season: any number of drafts can be sent.
const CODE: &str = "holiday-camp-registration";

fn input(pairs: &[(&str, &str)]) -> Input {
    Input::new(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// Puts the téléservice online with a season open today.
fn offer_online(tx: &mut TenantTx<'_>) -> Result<(), Error> {
    let today = guichet_domain::time::today();
    // A bare collectivité: its catalogue of téléservices first, as provisioning does.
    guichet_core::store::repo::teleservices::seed(tx, guichet_core::catalogue::TELESERVICES)?;
    offer::set_online(tx, CODE, true)?;
    offer::add_season(
        tx,
        CODE,
        "Été",
        SeasonDates {
            registration_start: today - chrono::Duration::days(1),
            registration_end: today + chrono::Duration::days(30),
            validation_start: today,
            effect_start: today + chrono::Duration::days(31),
            effect_end: today + chrono::Duration::days(60),
        },
    )?;
    Ok(())
}

/// A foyer with one child; returns (foyer, responsible, child).
fn new_foyer(tx: &mut TenantTx<'_>, n: usize) -> Result<(Foyer, i64, i64), Error> {
    let person = Person {
        adult: true,
        title: Some(Title::Madam),
        last_name: "BANC".into(),
        first_name: format!("Essai{n}"),
        email: format!("banc{n}-{}@example.fr", rand::random::<u32>()),
        mobile_phone: "06 12 34 56 78".into(),
        born: true,
        ..Person::default()
    };
    let address = Address {
        street_name: "rue du Banc".into(),
        postal_code: "13200".into(),
        city: "Arles".into(),
        ..Address::default()
    };
    let Opened::New {
        household,
        individual,
    } = foyers::open_account(
        tx,
        &NewAccount { person, address },
        None,
        &guichet_core::domain::host::Site {
            url: "http://bench".into(),
            name: "Banc".into(),
        },
    )?
    else {
        unreachable!("a new address")
    };
    let f = foyers::foyer(tx, household)?;
    let actor = guichet_core::history::Actor::household(
        &guichet_core::store::repo::foyers::individual(tx, individual)?.unwrap(),
    );
    let child = foyers::add_member(
        tx,
        household,
        &actor,
        &Person {
            adult: false,
            last_name: "BANC".into(),
            first_name: "Enfant".into(),
            birth_date: chrono::NaiveDate::from_ymd_opt(2016, 5, 5),
            sex: Some(Sex::Female),
            born: true,
            ..Person::default()
        },
        &[(f.members[0].id, Parenthood::Mother)],
    )?;
    Ok((foyers::foyer(tx, household)?, individual, child))
}

/// A draft with every step filled.
fn draft(tx: &mut TenantTx<'_>, foyer: &Foyer, requester: i64, child: i64) -> Result<i64, Error> {
    let settings = Settings::default();
    let id = requests::start(
        tx,
        CODE,
        foyer,
        requester,
        Some(child),
        &settings,
        ("Arles", "13200"),
    )?;
    let step = input(&[
        ("camp", "sea"),
        ("swimming", "oui"),
        ("remarks", "Aucune"),
        ("rules_acceptance", "oui"),
    ]);
    requests::save_step(tx, foyer.id, id, "camp", &step, foyer)?;
    Ok(id)
}

fn submit_all(
    store: &Store,
    tenant: guichet_core::tenancy::TenantId,
    work: &[(Foyer, Vec<i64>)],
) -> f64 {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for (foyer, drafts) in work {
            let store = store.clone();
            scope.spawn(move || {
                let settings = Settings::default();
                for id in drafts {
                    let sending = Sending {
                        means: "Email".into(),
                        consent: true,
                        key: format!("bench-{id}"),
                        filer: None,
                        note: String::new(),
                    };
                    store
                        .write(tenant, |tx| {
                            requests::submit(
                                tx,
                                foyer.id,
                                *id,
                                &sending,
                                foyer,
                                &settings,
                                &guichet_core::domain::host::Site {
                                    url: "http://bench".into(),
                                    name: "Banc".into(),
                                },
                            )
                        })
                        .expect("submitted");
                }
            });
        }
    });
    let n: usize = work.iter().map(|(_, d)| d.len()).sum();
    n as f64 / started.elapsed().as_secs_f64()
}

/// The same rows, bare: the request updated, its action, the e-mail and its job.
fn bare_all(
    store: &Store,
    tenant: guichet_core::tenancy::TenantId,
    work: &[(Foyer, Vec<i64>)],
) -> f64 {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for (foyer, drafts) in work {
            let store = store.clone();
            scope.spawn(move || {
                for id in drafts {
                    store
                        .write(tenant, |tx| {
                            let mut row = rows::get(tx, *id)?.expect("a draft");
                            row.state = "Pending".into();
                            row.number = Some(tx.next_value("request")?);
                            rows::update(tx, &row)?;
                            let action = tx.next_id()?;
                            rows::insert_action(
                                tx,
                                &rows::ActionRow {
                                    tenant_id: 0,
                                    id: action,
                                    request_id: *id,
                                    kind: "Creation".into(),
                                    actor_kind: "household".into(),
                                    actor_id: None,
                                    actor_name: "Banc".into(),
                                    resulting_state: "Pending".into(),
                                    note: String::new(),
                                    public: true,
                                    snapshot_json: Some(row.data_json.clone()),
                                    file_id: None,
                                    occurred_at: row.updated_at,
                                },
                            )?;
                            outbox::enqueue(tx, &foyer.members[0].email, "Banc", "Banc")
                                .map_err(|e| Error::Refused(e.to_string()))?;
                            Ok::<_, Error>(())
                        })
                        .expect("written");
                }
            });
        }
    });
    let n: usize = work.iter().map(|(_, d)| d.len()).sum();
    n as f64 / started.elapsed().as_secs_f64()
}

fn prepare(
    store: &Store,
    tenant: guichet_core::tenancy::TenantId,
    per_household: usize,
) -> Vec<(Foyer, Vec<i64>)> {
    (0..HOUSEHOLDS)
        .map(|n| {
            store
                .write(tenant, |tx| {
                    let (foyer, me, child) = new_foyer(tx, n)?;
                    let drafts = (0..per_household)
                        .map(|_| draft(tx, &foyer, me, child))
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok::<_, Error>((foyers::foyer(tx, foyer.id)?, drafts))
                })
                .expect("prepared")
        })
        .collect()
}

fn submit(n: usize, backend: Backend) {
    let db = TestDb::new(backend);
    let store = db.store();
    let per = n.div_ceil(HOUSEHOLDS);
    let tenant = create_tenant(&store, "banc", "Banc", &[]);
    store.write(tenant.id, offer_online).expect("online");
    let work = prepare(&store, tenant.id, per);
    let rate = submit_all(&store, tenant.id, &work);
    let work = prepare(&store, tenant.id, per);
    let ceiling = bare_all(&store, tenant.id, &work);
    println!(
        "base : {backend:?} ; {} envois par {HOUSEHOLDS} foyers à la fois",
        per * HOUSEHOLDS
    );
    println!("envois complets (vérification, numéro, historique, courriel) : {rate:.0} /s");
    println!("plafond (les mêmes lignes écrites sans vérification)          : {ceiling:.0} /s");
    println!(
        "rapport                                                      : {:.2}",
        rate / ceiling
    );
}

/// Gives the demo foyer `login` `total` requests in all (sent ones).
fn foyer(url: &str, login: &str, total: usize) {
    let url = DatabaseUrl::parse(url).expect("a database URL");
    let store = Store::open(&url).expect("the database");
    let tenant = store
        .platform_read(|c| guichet_core::tenancy::find_by_slug(c, "demo"))
        .unwrap()
        .expect("the demo collectivité (guichet demo)");
    store
        .write(tenant.id, |tx| {
            let account = foyers::account_by_login(tx, login)?.expect("the demo foyer");
            let f = foyers::foyer(tx, account.household)?;
            let child = f.children().next().expect("a child").id;
            let have = rows::household_requests(tx, f.id, 1000)?.len();
            for _ in have..total {
                let id = draft(tx, &f, account.individual, child)?;
                let sending = Sending {
                    means: "Email".into(),
                    consent: true,
                    key: format!("banc-{id}"),
                    filer: None,
                    note: String::new(),
                };
                requests::submit(
                    tx,
                    f.id,
                    id,
                    &sending,
                    &f,
                    &Settings::default(),
                    &guichet_core::domain::host::Site {
                        url: "http://demo".into(),
                        name: "Démo".into(),
                    },
                )?;
            }
            Ok::<_, Error>(())
        })
        .expect("the foyer's requests");
    println!("{login} : {total} demandes");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("submit") => {
            let n = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2000);
            let backend = match args.get(3).map(String::as_str) {
                Some("postgres") => Backend::Postgres,
                _ => Backend::Sqlite,
            };
            submit(n, backend);
        }
        Some("foyer") => {
            let (url, login) = (
                args.get(2).expect("DATABASE_URL"),
                args.get(3).expect("LOGIN"),
            );
            let total = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(50);
            foyer(url, login, total);
        }
        _ => {
            eprintln!("usage : bench-portal submit [N] [sqlite|postgres] | bench-portal foyer <URL> <LOGIN> [N]");
            std::process::exit(2);
        }
    }
}
