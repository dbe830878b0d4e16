//! The téléservices every new collectivité starts with (the list lives with
//! the pure rules, next to the forms that file them).

pub use guichet_domain::teleservices::TELESERVICES;
