//! A collectivité: its entry in the registry (created and suspended by the
//! super-admin), its settings, its appearance and documents, its legal pages.

pub mod appearance;
pub mod authorities;
pub mod legal;
pub mod settings;
