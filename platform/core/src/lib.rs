//! Guichet's core: what the three planes (provisioning, tenant portal, back
//! office) stand on. Business rules live here and are tested without HTTP;
//! their queries are the store's repositories (`store::repo`): no SQL here.

pub mod appearance;
pub mod audit;
pub mod auth;
pub mod config;
pub mod directory;
pub mod error;
pub use error::Error;
/// The pure rules, in their own crate (no I/O, quick to build and test).
pub use guichet_domain as domain;
pub mod files;
pub mod follow;
pub mod foyers;
pub mod identity;
pub mod jobs;
pub mod justificatifs;
pub mod mail;
pub mod net;
pub mod payments;
pub mod pdf;
pub mod processing;
pub mod provisioning;
pub mod requests;
pub mod sessions;
pub mod sms;
pub mod teleservices;
/// The store (diesel on SQLite and PostgreSQL): transactions, repositories and
/// the registry of collectivités.
pub use guichet_store as store;
pub use guichet_store::tenancy;
