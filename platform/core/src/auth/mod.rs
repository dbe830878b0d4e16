//! Identities: password hashing and the platform's super-admins.

pub mod password;
pub mod rate;
pub mod superadmin;
pub mod throttle;
