//! The tenant gate: every request to a collectivité's pages is resolved, from
//! its `Host`, to that collectivité before any handler runs. Resolutions are
//! cached (unknown hosts too, in bounded memory) for [`CACHE_TTL`] at most,
//! and dropped at once when this process changes a collectivité; other
//! processes see a change within the TTL.

use std::future::{ready, Ready};
use std::num::NonZeroUsize;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lru::LruCache;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use super::{blocking, AppError};
use guichet_core::store::Store;
use guichet_core::tenancy::{self, Tenant};

/// The collectivité that the gate resolved for this request, and the origin
/// under which it was asked for.
#[derive(Debug, Clone)]
pub struct CurrentTenant {
    tenant: Arc<Tenant>,
    origin: Arc<str>,
}

impl Deref for CurrentTenant {
    type Target = Tenant;
    fn deref(&self) -> &Tenant {
        &self.tenant
    }
}

impl CurrentTenant {
    /// `scheme://host[:port]` of the links this request hands out (mailed,
    /// redirected, given to a bank or an identity provider): made from the
    /// `Host` that the gate resolved ([`guichet_core::domain::host::origin`]), never
    /// from `Forwarded` or `X-Forwarded-*`, which any client can write.
    pub fn base_url(&self) -> &str {
        &self.origin
    }

    /// The collectivité as its messages name it: its name and that origin.
    pub fn site(&self) -> guichet_core::domain::host::Site {
        guichet_core::domain::host::Site {
            name: self.tenant.name.clone(),
            url: self.origin.to_string(),
        }
    }
}

/// How long a resolution is trusted without asking the database again.
pub const CACHE_TTL: Duration = Duration::from_secs(30);
const CACHE_CAPACITY: usize = 10_000;

struct Cached {
    tenant: Option<Arc<Tenant>>,
    at: Instant,
    generation: u64,
}

/// Host name → collectivité, shared by the workers of a server.
pub struct TenantCache {
    entries: Mutex<LruCache<String, Cached>>,
    localhost_names: bool,
}

impl Default for TenantCache {
    fn default() -> Self {
        TenantCache::new(true)
    }
}

impl TenantCache {
    /// `localhost_names`: serve a collectivité under `{slug}.localhost` too
    /// (on a workstation; not behind a reverse proxy, which would forward any
    /// `Host` a client sends).
    pub fn new(localhost_names: bool) -> TenantCache {
        TenantCache {
            entries: Mutex::new(LruCache::new(
                NonZeroUsize::new(CACHE_CAPACITY).unwrap_or(NonZeroUsize::MIN),
            )),
            localhost_names,
        }
    }

    fn get(&self, host: &str) -> Option<Option<Arc<Tenant>>> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let hit = entries.get(host)?;
        (hit.at.elapsed() < CACHE_TTL && hit.generation == tenancy::generation())
            .then(|| hit.tenant.clone())
    }

    fn put(&self, host: String, tenant: Option<Arc<Tenant>>, generation: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.put(
            host,
            Cached {
                tenant,
                at: Instant::now(),
                generation,
            },
        );
    }

    /// The collectivité served under `host`, from the cache or the database.
    pub async fn resolve(
        &self,
        store: Store,
        host: String,
    ) -> Result<Option<Arc<Tenant>>, AppError> {
        if let Some(hit) = self.get(&host) {
            return Ok(hit);
        }
        // Read the generation first: a change made meanwhile makes this entry stale.
        let generation = tenancy::generation();
        let (key, localhost) = (host.clone(), self.localhost_names);
        let found =
            blocking(move || Ok(store.platform_read(|c| tenancy::resolve(c, &key, localhost))?))
                .await?
                .map(Arc::new);
        self.put(host, found.clone(), generation);
        Ok(found)
    }
}

/// [`CurrentTenant::base_url`] of the request: what every plane's links are
/// made from. Empty (relative links) only outside the gate, which no route is.
pub fn base_url(req: &HttpRequest) -> String {
    req.extensions()
        .get::<CurrentTenant>()
        .map(|t| t.base_url().to_owned())
        .unwrap_or_default()
}

/// Middleware: resolves the collectivité or answers 404; records its slug on
/// the request's log span.
pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let store = req
        .app_data::<web::Data<Store>>()
        .cloned()
        .ok_or_else(|| AppError::Internal("store absent de l’application".into()))?;
    // The Host header itself: never X-Forwarded-Host, which any client can set.
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let cache = req
        .app_data::<web::Data<TenantCache>>()
        .cloned()
        .ok_or_else(|| AppError::Internal("cache des collectivités absent".into()))?;
    let origin = guichet_core::domain::host::origin(&host);
    let tenant = match cache.resolve(store.get_ref().clone(), host).await {
        Ok(Some(tenant)) => tenant,
        Ok(None) => {
            return Ok(req
                .error_response(AppError::UnknownTenant)
                .map_into_right_body())
        }
        Err(e) => return Ok(req.error_response(e).map_into_right_body()),
    };
    // A host that resolved is a valid name, so it has an origin.
    let Some(origin) = origin else {
        return Ok(req
            .error_response(AppError::UnknownTenant)
            .map_into_right_body());
    };
    tracing::Span::current().record("tenant", tenant.slug.as_str());
    req.extensions_mut().insert(CurrentTenant {
        tenant,
        origin: origin.into(),
    });
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

impl FromRequest for CurrentTenant {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<CurrentTenant>()
                .cloned()
                .ok_or_else(|| AppError::UnknownTenant.into()),
        )
    }
}
