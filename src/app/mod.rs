//! Application state and the one `update` that changes it (The Elm Architecture).

pub mod action;
