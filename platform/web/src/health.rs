//! `/healthz`: the process answers. `/readyz`: and its database too.

use actix_web::{web, HttpResponse};

use guichet_core::store::Store;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

async fn readyz(store: web::Data<Store>) -> HttpResponse {
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
