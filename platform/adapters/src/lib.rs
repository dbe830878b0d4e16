//! Guichet's adapters: the protocols of the services the platform talks to.
//! Each module speaks one protocol and knows nothing of the contexts; the
//! context that uses it owns the port it sits behind (the directory, the mail
//! outbox, files, payments' provider, the SMS gateway) and is the only one to name
//! it (docs/adr/0008-bounded-contexts.md, checked by `architecture.rs`).

mod http;
pub mod ldap;
pub mod objects;
pub mod oidc;
pub mod payfip;
pub mod pdf;
pub mod sms;
pub mod smtp;
