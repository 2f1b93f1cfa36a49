//! tally: the human side of AI evaluation, in the terminal.
//!
//! Layers, each allowed to use only the ones above it:
//! `model` (domain types) and `stats` (pure statistics) know nothing of I/O;
//! `store` is the only code that speaks SQL; `io` imports and exports files;
//! `report` turns statistics over store data into tables and JSON;
//! `tui` holds the screens; `cli` wires everything to the command line.

pub mod cli;
pub mod io;
pub mod model;
pub mod report;
pub mod stats;
pub mod store;
pub mod tui;
