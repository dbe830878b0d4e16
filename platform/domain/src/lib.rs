//! Pure types and rules of the domain: no I/O here.

pub mod contact;
pub mod courriers;
pub mod directory;
pub mod forms;
pub mod foyer;
pub mod host;
pub mod justificatifs;
pub mod legal;
pub mod money;
pub mod patterns;
pub mod payments;
pub mod requests;
pub mod sheet;
pub mod slug;
pub mod stylesheet;
pub mod teleservices;
pub mod text;
pub mod time;
