//! The two HTTP applications: the public one (tenant portal at `/`, back
//! office at `/backoffice/`, both behind the tenant gate) and the provisioning
//! one, on its own listener.

use actix_session::SessionMiddleware;
use actix_web::body::MessageBody;
use actix_web::cookie::Key;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{web, App, Error};
use guichet_core::auth::throttle::Throttle;
use guichet_core::directory::Directory;
use guichet_core::files::FileStore;
use guichet_core::store::Store;
use guichet_web::client::TrustedProxies;
use guichet_web::device::DeviceCookies;
use guichet_web::logging::GuichetRootSpan;
use guichet_web::session::{DbSessionStore, Plane};
use guichet_web::tenant::TenantCache;
use guichet_web::{assets, error, health, security, session, tenant, Renderer};
use std::time::Duration;
use tracing_actix_web::TracingLogger;

/// What every worker of both servers shares.
#[derive(Clone)]
pub struct Shared {
    pub store: web::Data<Store>,
    /// The provisioning listener's own small pool: a flood of sign-in
    /// attempts there cannot take the portal's connections.
    pub provisioning_store: web::Data<Store>,
    pub directory: web::Data<Directory>,
    pub pages: web::Data<Renderer>,
    pub provisioning: web::Data<guichet_provisioning::Provisioning>,
    /// One login throttle for every plane: a guesser gains nothing by switching.
    pub throttle: web::Data<Throttle>,
    pub trusted_proxies: web::Data<TrustedProxies>,
    pub tenants: web::Data<TenantCache>,
    pub files: web::Data<FileStore>,
    /// Households' sign-in with FranceConnect, when configured.
    pub franceconnect: web::Data<guichet_tenant_portal::FranceConnect>,
    pub proconnect: web::Data<guichet_backoffice::ProConnect>,
    /// Whether text messages can be sent (an SMS gateway is configured).
    pub sms: web::Data<guichet_backoffice::Sms>,
    /// Online payment (PayFiP, or the test bank).
    pub online: web::Data<guichet_core::payments::online::Online>,
    /// Who hosts the platform, for the collectivités' legal notices.
    pub hosting: web::Data<guichet_web::legal::Hosting>,
    pub key: Key,
    /// Session cookies sent over HTTPS only.
    pub secure_cookies: bool,
    pub session_idle: Duration,
    pub session_max: Duration,
    pub draining: web::Data<guichet_web::health::Draining>,
    /// What this process counts for `/metrics`.
    pub metrics: web::Data<guichet_web::metrics::Metrics>,
}

impl Shared {
    /// `local_port`: the public listener's port, for links mailed to agents.
    /// Files go under the system's temporary directory until [`Shared::files`]
    /// is set (the server sets it from the configuration).
    pub fn new(store: Store, directory: Directory, key: Key, local_port: u16) -> Shared {
        let files = FileStore::open(None, &std::env::temp_dir().join("guichet-files"))
            .expect("a temporary directory for files");
        let mut pages = Renderer::new();
        guichet_tenant_portal::templates(&mut pages);
        guichet_backoffice::templates(&mut pages);
        guichet_provisioning::templates(&mut pages);
        // Counted in the database: every process, every plane, the same failures.
        let throttle = web::Data::new(Throttle::new(store.clone()));
        let metrics = web::Data::new(guichet_web::metrics::Metrics::new(store.clone()));
        Shared {
            provisioning_store: web::Data::new(store.clone()),
            store: web::Data::new(store),
            directory: web::Data::new(directory),
            pages: web::Data::new(pages),
            provisioning: web::Data::new(guichet_provisioning::Provisioning::new(local_port)),
            throttle,
            trusted_proxies: web::Data::new(TrustedProxies::default()),
            tenants: web::Data::new(TenantCache::default()),
            files: web::Data::new(files),
            franceconnect: web::Data::new(guichet_tenant_portal::FranceConnect::default()),
            proconnect: web::Data::new(guichet_backoffice::ProConnect::default()),
            sms: web::Data::new(guichet_backoffice::Sms::default()),
            online: web::Data::new(payfip(None)),
            hosting: web::Data::new(guichet_web::legal::Hosting::default()),
            key,
            secure_cookies: false,
            session_idle: Duration::from_secs(30 * 60),
            session_max: Duration::from_secs(12 * 3600),
            draining: web::Data::new(guichet_web::health::Draining::default()),
            metrics,
        }
    }

    fn sessions(&self, plane: Plane) -> SessionMiddleware<DbSessionStore> {
        let pool = match plane {
            Plane::Provisioning => &self.provisioning_store,
            Plane::Portal | Plane::Backoffice => &self.store,
        };
        let store = DbSessionStore::new(
            pool.get_ref().clone(),
            plane,
            self.session_idle,
            self.session_max,
        );
        session::middleware(store, &self.key, self.secure_cookies)
    }

    /// The device cookies of the sign-in pages (`guichet_web::device`).
    pub fn devices(&self) -> web::Data<DeviceCookies> {
        web::Data::new(DeviceCookies::new(&self.key, self.secure_cookies))
    }
}

/// PayFiP at `url`, or at the DGFiP's address.
pub fn payfip(url: Option<&url::Url>) -> guichet_core::payments::online::Online {
    use guichet_core::payments::payfip::{PayFiP, DEFAULT_URL};
    let url = url
        .cloned()
        .unwrap_or_else(|| url::Url::parse(DEFAULT_URL).expect("PayFiP's address"));
    guichet_core::payments::online::Online(std::sync::Arc::new(PayFiP::new(url)))
}

/// Largest form or JSON body accepted by default (uploads get their own limits).
const BODY_LIMIT: usize = 256 * 1024;

pub fn public_app(
    shared: &Shared,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(shared.store.clone())
        .app_data(shared.directory.clone())
        .app_data(shared.pages.clone())
        .app_data(shared.throttle.clone())
        .app_data(shared.trusted_proxies.clone())
        .app_data(shared.tenants.clone())
        .app_data(shared.files.clone())
        .app_data(shared.franceconnect.clone())
        .app_data(shared.proconnect.clone())
        .app_data(shared.sms.clone())
        .app_data(shared.online.clone())
        .app_data(shared.hosting.clone())
        .app_data(shared.draining.clone())
        .app_data(shared.metrics.clone())
        .app_data(shared.devices())
        .app_data(web::PayloadConfig::new(BODY_LIMIT))
        .wrap(from_fn(error::render_errors))
        .wrap(security::headers(shared.secure_cookies))
        .wrap(TracingLogger::<GuichetRootSpan>::new())
        .wrap(from_fn(guichet_web::metrics::count))
        .configure(health::configure)
        .configure(assets::configure)
        .service(
            web::scope("")
                .wrap(from_fn(security::same_origin_writes))
                .wrap(from_fn(tenant::gate))
                .service(web::scope("/api").configure(guichet_backoffice::configure_api))
                .service(
                    web::scope("/backoffice")
                        .wrap(from_fn(guichet_web::tx::remember_writes))
                        .wrap(from_fn(session::notice_ended))
                        .wrap(shared.sessions(Plane::Backoffice))
                        .configure(guichet_backoffice::configure),
                )
                .service(
                    web::scope("")
                        .wrap(from_fn(
                            guichet_tenant_portal::franceconnect::allow_sign_out,
                        ))
                        .wrap(from_fn(session::notice_ended))
                        .wrap(shared.sessions(Plane::Portal))
                        .configure(guichet_tenant_portal::configure),
                ),
        )
}

pub fn provisioning_app(
    shared: &Shared,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(shared.provisioning_store.clone())
        .app_data(shared.directory.clone())
        .app_data(shared.pages.clone())
        .app_data(shared.throttle.clone())
        .app_data(shared.trusted_proxies.clone())
        .app_data(shared.provisioning.clone())
        .app_data(shared.metrics.clone())
        .app_data(shared.devices())
        .app_data(web::PayloadConfig::new(BODY_LIMIT))
        .wrap(from_fn(error::render_errors))
        .wrap(security::headers(shared.secure_cookies))
        .wrap(TracingLogger::<GuichetRootSpan>::new())
        .wrap(from_fn(guichet_web::metrics::count))
        .configure(health::configure)
        .configure(assets::configure)
        // The operators' side only: never under a collectivité's host.
        .route("/metrics", web::get().to(guichet_web::metrics::page))
        .service(
            web::scope("")
                .wrap(from_fn(security::same_origin_writes))
                .wrap(from_fn(session::notice_ended))
                .wrap(shared.sessions(Plane::Provisioning))
                .configure(guichet_provisioning::configure),
        )
}
