//! One file per subcommand.

mod auto;
mod evaluate;
pub(crate) mod gmm;
mod gmm_stream;
pub(crate) mod hdbscan;
mod kmeans;
mod kmeans_stream;
mod kmedoids;
mod kmedoids_gower;
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
        Command::Evaluate(args) => evaluate::run(args),
    }
}
