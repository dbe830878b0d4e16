//! The queries of each bounded context: functions over a transaction,
//! returning rows. The use cases in `guichet-core` hold the rules.

pub mod foyers;
pub mod justificatifs;
pub mod offer;
pub mod requests;
