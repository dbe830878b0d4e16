//! Guichet's core: what the three planes (provisioning, tenant portal, back
//! office) stand on. Business rules live here and are tested without HTTP;
//! their queries are the store's repositories (`store::repo`): no SQL here.

// Bounded contexts: each owns its rules, use cases and e-mails; the planes
// call them, none is named after a plane (see docs/adr/0008-bounded-contexts.md).
pub mod agents;
pub mod catalogue;
pub mod collectivite;
pub mod facilities;
pub mod foyers;
pub mod justificatifs;
pub mod payments;

// What the contexts stand on.
pub mod audit;
pub mod auth;
pub mod directory;
pub mod error;
pub use error::Error;
/// The pure rules, in their own crate (no I/O, quick to build and test).
pub use guichet_domain as domain;
pub mod files;
pub mod history;
/// Sign-in through the State's identity providers (OpenID Connect).
pub use guichet_adapters::oidc as identity;
pub mod jobs;
pub mod mail;
pub mod net;
/// PDF documents (receipts, courriers), drawn by their adapter.
pub use guichet_adapters::pdf;
pub mod sessions;
pub mod sms;
/// The store (diesel on SQLite and PostgreSQL): transactions, repositories and
/// the registry of collectivités.
pub use guichet_store as store;
pub use guichet_store::tenancy;
