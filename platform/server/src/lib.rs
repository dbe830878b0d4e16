//! The `guichet` binary's library: its command line, and the applications of
//! the three planes, composed (also used by the integration tests).

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod testbank;
