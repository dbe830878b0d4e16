//! Reports read from a real streaming replica (a private primary and its
//! `pg_basebackup` copy): a reader who just wrote reads their write, a
//! replica too far behind or stopped sends reads to the primary without an
//! error, and row-level security holds there as on the primary.

use std::time::Duration;

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::test as call;
use actix_web::{web, App, HttpRequest, HttpResponse};
use guichet_core::agents::groups;
use guichet_core::directory::GroupRecord;
use guichet_core::store::{Store, StoreError, TenantTx, Written};
use guichet_core::tenancy::{Tenant, TenantId};
use guichet_tests::create_tenant;
use guichet_tests::pair::PgPair;
use guichet_web::tx::{self, TenantScope, WRITTEN_COOKIE};

fn add_group(store: &Store, tenant: &Tenant, name: &str) {
    let g = GroupRecord {
        name: name.into(),
        label: format!("Groupe {name}"),
    };
    store
        .write(tenant.id, |t| groups::insert(t, &g))
        .expect("a group written");
}

fn names(t: &mut TenantTx<'_>) -> Result<Vec<String>, StoreError> {
    Ok(groups::list(t)?
        .into_iter()
        .map(|(_, name, _)| name)
        .collect())
}

#[test]
fn reports_read_the_replica_when_it_has_what_their_reader_wrote() {
    let pair = PgPair::start();
    let max_lag = Duration::from_secs(1);
    let store = Store::open(&pair.primary_url())
        .unwrap()
        .with_replica(&pair.replica_url(), 4, max_lag)
        .unwrap();
    let arles = create_tenant(&store, "arles", "Ville d’Arles", &[]);
    let nimes = create_tenant(&store, "nimes", "Ville de Nîmes", &[]);
    add_group(&store, &nimes, "nimes-only");
    let report = |after: Option<&Written>| store.report(arles.id, after, names).unwrap();
    let served = || store.reads_served().unwrap();

    // The reader's own write is there at once: the replica, or the primary
    // while the replica has not replayed it.
    add_group(&store, &arles, "mine");
    let mine = store.written().unwrap().expect("a position on PostgreSQL");
    assert!(report(Some(&mine)).contains(&"mine".to_owned()));

    // Row-level security on the replica as on the primary.
    pair.wait_for_replay();
    let before = served();
    let seen = report(Some(&mine));
    assert_eq!(served().replica, before.replica + 1, "read on the replica");
    assert!(!seen.contains(&"nimes-only".to_owned()), "{seen:?}");

    // The replica stops replaying; someone else writes. A reader who has not
    // written since reads the replica (without the other's write: proof
    // that the replica served it); the other, who wrote, reads the primary.
    pair.pause_replay(true);
    add_group(&store, &arles, "theirs");
    let theirs = store.written().unwrap().unwrap();
    pair.wait_for_receipt();
    let before = served();
    assert!(!report(Some(&mine)).contains(&"theirs".to_owned()));
    assert_eq!(served().replica, before.replica + 1);
    assert!(report(Some(&theirs)).contains(&"theirs".to_owned()));
    assert_eq!(served().primary, before.primary + 1);

    // Once the replica lags more than allowed, everyone reads the primary.
    std::thread::sleep(max_lag + Duration::from_millis(300));
    assert!(report(Some(&mine)).contains(&"theirs".to_owned()));
    assert!(report(None).contains(&"theirs".to_owned()));

    // Caught up again, the replica serves again.
    pair.pause_replay(false);
    pair.wait_for_replay();
    let before = served();
    assert!(report(Some(&theirs)).contains(&"theirs".to_owned()));
    assert_eq!(served().replica, before.replica + 1);

    // Stopped: reads go to the primary, without an error, and the stopped
    // replica is set aside, not tried again at each read.
    pair.kill_replica();
    let before = served();
    for _ in 0..20 {
        assert!(report(Some(&theirs)).contains(&"theirs".to_owned()));
    }
    let after = served();
    assert_eq!(after.primary, before.primary + 20);
    assert!(
        after.rests > before.rests,
        "the stopped replica was noticed"
    );
    assert!(
        after.rests - before.rests < 20,
        "the stopped replica was tried at each read ({} rests)",
        after.rests - before.rests
    );
}

struct In(TenantId);

impl TenantScope for In {
    fn tenant_id(&self) -> TenantId {
        self.0
    }
}

/// The web layer keeps the writer's position in a cookie after a write, and
/// their next report honours it.
#[actix_web::test]
async fn a_write_leaves_its_position_for_the_writers_next_reports() {
    let pair = PgPair::start();
    let store = Store::open(&pair.primary_url())
        .unwrap()
        .with_replica(&pair.replica_url(), 4, Duration::from_secs(30))
        .unwrap();
    let arles = create_tenant(&store, "arles", "Ville d’Arles", &[]);
    let tenant = arles.id;
    pair.wait_for_replay();
    let app = call::init_service(
        App::new()
            .app_data(web::Data::new(store.clone()))
            .wrap(from_fn(tx::remember_writes))
            .route(
                "/groupes",
                web::post().to(move |store: web::Data<Store>| async move {
                    let g = GroupRecord {
                        name: "nouveau".into(),
                        label: "Nouveau".into(),
                    };
                    tx::write(&store, &In(tenant), move |t| groups::insert(t, &g)).await?;
                    Ok::<_, guichet_web::AppError>(HttpResponse::SeeOther().finish())
                }),
            )
            .route(
                "/groupes",
                web::get().to(
                    move |store: web::Data<Store>, req: HttpRequest| async move {
                        let found =
                            tx::report(&store, &In(tenant), tx::written(&req), names).await?;
                        Ok::<_, guichet_web::AppError>(HttpResponse::Ok().body(found.join(",")))
                    },
                ),
            ),
    )
    .await;

    // A read sets nothing.
    let res = call::call_service(&app, call::TestRequest::get().uri("/groupes").to_request()).await;
    assert!(res.response().cookies().next().is_none());

    pair.pause_replay(true);
    let res =
        call::call_service(&app, call::TestRequest::post().uri("/groupes").to_request()).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie: Cookie<'static> = res
        .response()
        .cookies()
        .find(|c| c.name() == WRITTEN_COOKIE)
        .expect("the writer's position kept")
        .into_owned();
    assert!(cookie.http_only().unwrap_or(false));
    assert!(Written::parse(cookie.value()).is_some(), "{cookie}");
    pair.wait_for_receipt();

    // With their cookie, the writer sees their group (from the primary);
    // without it, the replica answers, still without it.
    let with = call::call_and_read_body(
        &app,
        call::TestRequest::get()
            .uri("/groupes")
            .cookie(cookie.clone())
            .to_request(),
    )
    .await;
    assert!(String::from_utf8_lossy(&with).contains("nouveau"));
    let without =
        call::call_and_read_body(&app, call::TestRequest::get().uri("/groupes").to_request()).await;
    assert!(!String::from_utf8_lossy(&without).contains("nouveau"));
    // A forged position is ignored, not sent to the database.
    let forged = call::call_service(
        &app,
        call::TestRequest::get()
            .uri("/groupes")
            .cookie(Cookie::new(WRITTEN_COOKIE, "0/0'; DROP TABLE x; --"))
            .to_request(),
    )
    .await;
    assert_eq!(forged.status(), StatusCode::OK);
    pair.pause_replay(false);
}
