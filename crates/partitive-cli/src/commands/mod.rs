//! The clustering commands, one module per subcommand (the benchmark harness
//! `evaluate` is apart, in `crate::harness`).

pub(crate) mod auto;
pub(crate) mod gmm;
mod gmm_stream;
pub(crate) mod hdbscan;
pub(crate) mod kmeans;
mod kmeans_stream;
pub(crate) mod kmedoids;
pub(crate) mod predict;
mod sweep;

use crate::cli::{Cli, Command};
use anyhow::Result;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Kmeans(args) => kmeans::run(args),
        Command::Gmm(args) => gmm::run(args),
        Command::Kmedoids(args) => kmedoids::run(args),
        Command::Auto(args) => auto::run(args),
        Command::Hdbscan(args) => hdbscan::run(args),
        Command::Predict(args) => predict::run(args),
        // The benchmark harness, not a user command.
        Command::Evaluate(args) => crate::harness::evaluate::run(args),
    }
}
