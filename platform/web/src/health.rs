//! `/healthz`: the process answers. `/readyz`: and its database too, and it
//! is not stopping (a balancer drains it before it goes).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use actix_web::{web, HttpResponse};

use guichet_core::store::Store;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Set once the process is asked to stop: `/readyz` answers 503 from then on.
#[derive(Debug, Clone, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    pub fn start(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_on(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

async fn readyz(store: web::Data<Store>, draining: Option<web::Data<Draining>>) -> HttpResponse {
    if draining.is_some_and(|d| d.is_on()) {
        return HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("stopping");
    }
    let store = store.into_inner();
    let ready = web::block(move || store.ping()).await.unwrap_or(false);
    if ready {
        HttpResponse::Ok().content_type("text/plain").body("ready")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("database unavailable")
    }
}
