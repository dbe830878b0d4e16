//! Pure types and rules of the domain: no I/O here.

pub mod contact;
pub mod courriers;
pub mod directory;
pub mod documents;
pub mod forms;
pub mod host;
pub mod household;
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
