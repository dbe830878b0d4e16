//! E-mail: every message is written to the outbox in the transaction of the
//! change that causes it, then delivered by the outbox worker. None is lost
//! when the SMTP server is down; without SMTP configured they stay there.

pub mod html;
pub mod outbox;
pub mod template;
pub mod worker;

pub use template::{Email, Written};

/// Delivery over SMTP: the adapter the worker hands messages to.
pub use guichet_adapters::smtp;
