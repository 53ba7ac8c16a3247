//! The `partitive` command line as a library: the grammar ([`cli::Cli`]), the
//! data-independent checks of a parsed command line ([`check_args`]) and the commands
//! themselves ([`run`]).
//!
//! The binary (`src/main.rs`) is a thin shell over it (signal handler, one-line errors,
//! exit codes); the library also lets the argument layer be driven without a process — by
//! the `args` fuzz target (`fuzz/fuzz_targets/args.rs`) and by tests.

mod chart;
pub mod cli;
mod commands;
mod common;
mod data;
mod fitted;
mod harness;
mod model;
mod outputs;
mod plot;
mod plot_hdbscan;
mod profile;
mod progress;
mod record;
mod report;
mod validate;

pub use commands::run;
pub use validate::check_args;
