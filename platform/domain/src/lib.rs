//! Pure types and rules of the domain: no I/O here.

pub mod contact;
pub mod host;
pub mod money;
pub mod patterns;
pub mod slug;
pub mod text;
pub mod time;
