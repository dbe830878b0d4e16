//! The integration suite, one binary (each file under `tests/` would be a
//! binary of its own, linked with everything): one module per area.

mod api_contract;
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
mod ldap_harness;
mod mail;
mod payfip;
mod payments;
mod portal;
mod proconnect;
mod provisioning_api;
mod provisioning_directory;
mod provisioning_pages;
mod sessions;
mod store;
