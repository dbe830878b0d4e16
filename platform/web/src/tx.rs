//! The one way a request opens a transaction of a collectivité: with a
//! [`TenantScope`], a proof that the request may act there (the tenant gate's
//! `CurrentTenant`, a signed-in agent or household of that collectivité, a
//! plane's own reach check), off the async executor.

use super::principal::{SignedInAgent, SignedInHousehold};
use super::tenant::CurrentTenant;
use super::{blocking, AppError};
use guichet_core::store::{Store, StoreError, TenantTx};
use guichet_core::tenancy::TenantId;

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
