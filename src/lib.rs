//! SONAR Custody: health screening, the suite risk board and signed handover bundles for
//! police custody suites in England and Wales.

pub mod app;
pub mod atomic_file;
pub mod cli;
pub mod commands;
pub mod demo;
pub mod domain;
pub mod handover;
pub mod keymap;
pub mod limited_file;
pub mod logging;
pub mod national;
pub mod safety;
pub mod secret;
pub mod store;
pub mod terminal;
pub mod ui;
