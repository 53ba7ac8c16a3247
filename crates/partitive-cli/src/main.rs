//! `partitive` — the command-line front of the partitive clustering engine.
//!
//! Parsing happens in two stages (as in ripgrep): clap validates what was typed
//! ([`cli`]), then each command builds the real parameter objects and runs. Every
//! error — bad flag, bad file, bad data — ends as one line on stderr and exit code 2.

mod cli;
mod commands;
mod common;
mod plot;
mod plot_hdbscan;
mod progress;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = commands::run(cli);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the whole cause chain joined, newlines folded.
            let msg = format!("{e:#}").replace('\n', " ");
            eprintln!("partitive: error: {msg}");
            ExitCode::from(2)
        }
    }
}
