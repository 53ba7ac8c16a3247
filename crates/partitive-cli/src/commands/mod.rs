//! One file per subcommand.

mod kmeans;

use crate::cli::{Cli, Command};
use anyhow::Result;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Kmeans(args) => kmeans::run(args),
    }
}
