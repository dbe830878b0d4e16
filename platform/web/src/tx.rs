//! The one way a request opens a transaction of a collectivité: with a
//! [`TenantScope`], a proof that the request may act there (the tenant gate's
//! `CurrentTenant`, a signed-in agent or household of that collectivité, a
//! plane's own reach check), off the async executor.

use super::principal::{SignedInAgent, SignedInHousehold};
use super::tenant::CurrentTenant;
use super::{blocking, AppError};
use guichet_core::store::{Store, StoreError, TenantTx, Written};
use guichet_core::tenancy::TenantId;
use guichet_core::Error as CoreError;

/// What opens a collectivité's transactions in a request.
pub trait TenantScope {
    fn tenant_id(&self) -> TenantId;
}

impl TenantScope for CurrentTenant {
    fn tenant_id(&self) -> TenantId {
        self.id
    }
}

impl TenantScope for SignedInAgent {
    fn tenant_id(&self) -> TenantId {
        self.tenant.id
    }
}

impl TenantScope for SignedInHousehold {
    fn tenant_id(&self) -> TenantId {
        self.tenant.id
    }
}

/// Runs `f` in a read transaction of the scope's collectivité.
pub async fn read<S, T, E, F>(store: &Store, scope: &S, f: F) -> Result<T, AppError>
where
    S: TenantScope + ?Sized,
    F: FnOnce(&mut TenantTx<'_>) -> Result<T, E> + Send + 'static,
    E: From<StoreError> + Into<AppError> + Send + 'static,
    T: Send + 'static,
{
    let (store, tenant) = (store.clone(), scope.tenant_id());
    blocking(move || store.read(tenant, f).map_err(Into::into)).await
}

/// Runs `f` in a read transaction of the scope's collectivité for a report
/// (a search, an export, statistics): on the read replica when it has what
/// the reader last wrote (`after`, from [`written`]), else on the primary.
/// `f` may run twice (a replica lost mid-read: again on the primary).
pub async fn report<S, T, E, F>(
    store: &Store,
    scope: &S,
    after: Option<Written>,
    f: F,
) -> Result<T, AppError>
where
    S: TenantScope + ?Sized,
    F: Fn(&mut TenantTx<'_>) -> Result<T, E> + Send + 'static,
    E: From<StoreError> + Into<AppError> + Send + 'static,
    T: Send + 'static,
{
    let (store, tenant) = (store.clone(), scope.tenant_id());
    blocking(move || store.report(tenant, after.as_ref(), f).map_err(Into::into)).await
}

/// Runs `f` in a write transaction of the scope's collectivité.
pub async fn write<S, T, E, F>(store: &Store, scope: &S, f: F) -> Result<T, AppError>
where
    S: TenantScope + ?Sized,
    F: FnOnce(&mut TenantTx<'_>) -> Result<T, E> + Send + 'static,
    E: From<StoreError> + Into<AppError> + Send + 'static,
    T: Send + 'static,
{
    let (store, tenant) = (store.clone(), scope.tenant_id());
    blocking(move || store.write(tenant, f).map_err(Into::into)).await
}

/// Runs `f` in a read transaction of the scope's collectivité, after
/// `reload` has found the signed-in principal again in it (its permit for
/// the use cases); one gone since sign-in (`SignedOut`) is sent to the
/// plane's `sign_in` page, never refused. The principal comes back with
/// what `f` found, for the page.
pub async fn read_as<S, P, T, L, F>(
    store: &Store,
    scope: &S,
    sign_in: &'static str,
    reload: L,
    f: F,
) -> Result<(P, T), AppError>
where
    S: TenantScope + ?Sized,
    L: FnOnce(&mut TenantTx<'_>) -> Result<P, CoreError> + Send + 'static,
    F: FnOnce(&mut TenantTx<'_>, &P) -> Result<T, CoreError> + Send + 'static,
    P: Send + 'static,
    T: Send + 'static,
{
    read(store, scope, move |t| {
        let principal = reload(t)?;
        let found = f(t, &principal)?;
        Ok::<_, CoreError>((principal, found))
    })
    .await
    .map_err(|e| to_sign_in(e, sign_in))
}

/// [`read_as`] for a report, which may read from the replica ([`report`]).
pub async fn report_as<S, P, T, L, F>(
    store: &Store,
    scope: &S,
    after: Option<Written>,
    sign_in: &'static str,
    reload: L,
    f: F,
) -> Result<(P, T), AppError>
where
    S: TenantScope + ?Sized,
    L: Fn(&mut TenantTx<'_>) -> Result<P, CoreError> + Send + 'static,
    F: Fn(&mut TenantTx<'_>, &P) -> Result<T, CoreError> + Send + 'static,
    P: Send + 'static,
    T: Send + 'static,
{
    report(store, scope, after, move |t| {
        let principal = reload(t)?;
        let found = f(t, &principal)?;
        Ok::<_, CoreError>((principal, found))
    })
    .await
    .map_err(|e| to_sign_in(e, sign_in))
}

/// [`read_as`] in a write transaction; what `f` made comes back.
pub async fn write_as<S, P, T, L, F>(
    store: &Store,
    scope: &S,
    sign_in: &'static str,
    reload: L,
    f: F,
) -> Result<T, AppError>
where
    S: TenantScope + ?Sized,
    L: FnOnce(&mut TenantTx<'_>) -> Result<P, CoreError> + Send + 'static,
    F: FnOnce(&mut TenantTx<'_>, &P) -> Result<T, CoreError> + Send + 'static,
    T: Send + 'static,
{
    write(store, scope, move |t| {
        let principal = reload(t)?;
        f(t, &principal)
    })
    .await
    .map_err(|e| to_sign_in(e, sign_in))
}

fn to_sign_in(e: AppError, page: &'static str) -> AppError {
    match e {
        AppError::SignedOut => AppError::SignInRequired(page),
        other => other,
    }
}

/// What a streamed download's producer works with: read transactions of the
/// scope's collectivité, one after the other (`db`), and the response's body
/// (`body`), apart so that one may be written while the other reads.
pub struct Producer {
    pub db: Reader,
    pub body: Body,
}

pub struct Reader {
    store: Store,
    tenant: TenantId,
    after: Option<Written>,
}

impl Reader {
    /// Runs `f` in a read transaction of the collectivité, on the replica
    /// when it may serve the reader ([`report`]).
    pub fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: Fn(&mut TenantTx<'_>) -> Result<T, E>,
        E: From<StoreError>,
    {
        self.store.report(self.tenant, self.after.as_ref(), f)
    }
}

/// The body, written in chunks; a full channel waits for the client, so that
/// memory stays constant however long the download.
pub struct Body {
    out: tokio::sync::mpsc::Sender<bytes::Bytes>,
    buffer: Vec<u8>,
}

const CHUNK: usize = 64 * 1024;

impl Body {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = bytes::Bytes::from(std::mem::take(&mut self.buffer));
        self.out
            .blocking_send(chunk)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client parti"))
    }
}

impl std::io::Write for Body {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// A download made by `produce` off the async executor, in as many report
/// transactions of the scope's collectivité as it opens (on the replica
/// when it may serve the reader), sent to the client
/// as it is made. A failure after the first bytes cuts the download (the
/// client sees it incomplete) and is logged.
pub fn stream<S, F>(
    store: &Store,
    scope: &S,
    after: Option<Written>,
    produce: F,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, actix_web::Error>>
where
    S: TenantScope + ?Sized,
    F: FnOnce(&mut Producer) -> std::io::Result<()> + Send + 'static,
{
    let (out, rx) = tokio::sync::mpsc::channel(4);
    let tenant = scope.tenant_id();
    let mut producer = Producer {
        db: Reader {
            store: store.clone(),
            tenant,
            after,
        },
        body: Body {
            out,
            buffer: Vec::with_capacity(CHUNK),
        },
    };
    actix_web::rt::task::spawn_blocking(move || {
        let done = produce(&mut producer).and_then(|()| producer.body.send());
        if let Err(e) = done {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                tracing::error!(tenant = %tenant, error = %e, "téléchargement interrompu");
            }
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (Ok(chunk), rx))
    })
}

/// The cookie that keeps, for a few minutes, where the person's last write
/// ended on the primary (not a secret: it only sends their own reports to
/// the primary until a replica has it).
pub const WRITTEN_COOKIE: &str = "guichet_ecrit";

/// Where the person's last write ended, from their cookie.
pub fn written(req: &actix_web::HttpRequest) -> Option<Written> {
    req.cookie(WRITTEN_COOKIE)
        .and_then(|c| Written::parse(c.value()))
}

/// After a request that may have written (any but GET, HEAD, OPTIONS), when
/// a read replica is set: keeps the primary's position in the person's
/// cookie, so that their next reports read what they just did.
pub async fn remember_writes(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::http::Method;
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let store = req
        .app_data::<actix_web::web::Data<Store>>()
        .filter(|s| !safe && s.has_replica())
        .map(|s| s.get_ref().clone());
    let mut res = next.call(req).await?;
    if let Some(store) = store {
        match blocking(move || store.written().map_err(AppError::from)).await {
            Ok(Some(at)) => {
                let cookie =
                    actix_web::cookie::Cookie::build(WRITTEN_COOKIE, at.as_str().to_owned())
                        .path("/")
                        .http_only(true)
                        .same_site(actix_web::cookie::SameSite::Lax)
                        .max_age(actix_web::cookie::time::Duration::minutes(10))
                        .finish();
                if let Err(e) = res.response_mut().add_cookie(&cookie) {
                    tracing::warn!(error = %e, "position d’écriture non gardée");
                }
            }
            Ok(None) => {}
            // The write is done; its reader may only see the primary's
            // answer later than the replica's. Said, not failed.
            Err(e) => tracing::warn!(error = %e, "position d’écriture illisible"),
        }
    }
    Ok(res)
}
