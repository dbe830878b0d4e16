//! The queries of each bounded context, so that the rest of the code never
//! writes SQL. Functions on tenant tables take a [`TenantTx`](crate::TenantTx)
//! and filter on its collectivité; those on platform tables take a
//! [`DbConnection`](crate::DbConnection). The rules (checks, rights, what is
//! audited) stay with their callers in `guichet-core`.

pub mod agents;
pub mod api_tokens;
pub mod appearance;
pub mod audit;
pub mod casework;
pub mod categories;
pub mod courriers;
pub mod facilities;
pub mod files;
pub mod foyers;
pub mod groups;
pub mod jobs;
pub mod justificatifs;
pub mod mail;
pub mod offer;
pub mod payments;
pub mod requests;
pub mod rights;
pub mod sessions;
pub mod superadmins;
pub mod teleservices;
