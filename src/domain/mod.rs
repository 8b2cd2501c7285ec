//! The pure core: types and rules of custody health. No I/O, no SQL, no terminal.

pub mod appointment;
pub mod board;
pub mod board_legend;
pub mod booking;
pub mod care;
pub mod cell;
pub mod clock;
pub mod contact;
pub mod emergency;
pub mod entry;
pub mod fitness;
pub mod flag;
pub mod form;
pub mod handover;
pub mod medication;
pub mod nhs_number;
pub mod observation;
pub mod pace;
pub mod person;
pub mod pnc;
pub mod record;
pub mod role;
pub mod rules;
pub mod scores;
pub mod text;
pub mod transfer;
