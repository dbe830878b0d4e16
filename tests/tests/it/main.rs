//! The integration suite, one binary (each file under `tests/` would be a
//! binary of its own, linked with everything): one module per area.

/// An integration test run once per backend, each its own test: a failure
/// names its backend, and the other backend still runs.
macro_rules! per_backend {
    ($(#[$m:meta])* async fn $name:ident($backend:ident: Backend) $body:block) => {
        $(#[$m])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn the_test($backend: guichet_tests::Backend) $body
            #[actix_web::test]
            async fn sqlite() {
                the_test(guichet_tests::Backend::Sqlite).await
            }
            #[actix_web::test]
            async fn postgres() {
                the_test(guichet_tests::Backend::Postgres).await
            }
        }
    };
    ($(#[$m:meta])* fn $name:ident($backend:ident: Backend) $body:block) => {
        $(#[$m])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn the_test($backend: guichet_tests::Backend) $body
            #[::core::prelude::v1::test]
            fn sqlite() {
                the_test(guichet_tests::Backend::Sqlite)
            }
            #[::core::prelude::v1::test]
            fn postgres() {
                the_test(guichet_tests::Backend::Postgres)
            }
        }
    };
}

mod api_contract;
mod architecture;
mod backoffice;
mod backoffice_api;
mod backoffice_counter;
mod backoffice_courriers;
mod backoffice_documents;
mod backoffice_settings;
mod backoffice_statistics;
mod backoffice_teleservices;
mod browser;
mod cli;
mod files;
mod franceconnect;
mod http;
mod isolation;
mod journeys;
mod ldap_harness;
mod mail;
mod payfip;
mod payments;
mod portal;
mod proconnect;
mod provisioning_api;
mod provisioning_directory;
mod provisioning_pages;
mod replica;
mod security;
mod sessions;
mod snapshots;
mod store;
mod studio;
