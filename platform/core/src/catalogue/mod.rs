//! The catalogue: categories of téléservices (with the agents' rights on
//! them), the téléservices a collectivité offers and their seasons, their
//! forms' choice lists. The téléservices every new collectivité starts with
//! live with the pure rules, next to the forms that file them.

pub mod categories;
pub mod library;
pub mod offer;
pub mod parameters;
pub mod studio;
pub mod teleservices;

pub use guichet_domain::teleservices::TELESERVICES;
