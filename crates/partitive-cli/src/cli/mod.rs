//! The command-line grammar: every flag defined once, with its help text.

mod fit_args;
mod help;
mod library;
mod other_args;
mod shared;

pub use fit_args::*;
pub use other_args::*;
pub use shared::*;

use clap::{Parser, Subcommand};
use help::*;

const ABOUT: &str =
    "Deterministic clustering: k-means, Gaussian mixtures, k-medoids, HDBSCAN*, and automatic k.";

const AFTER_HELP: &str = "\
Examples:
  partitive kmeans examples/blobs.csv -k 3 --labels-out labels.txt
  partitive kmeans data.npy -k 64 --threads 2 --summary-out summary.json

Input formats (by extension): .csv .tsv .txt .dat .data (optionally .gz), .npy, .parquet.
Outputs are checked before any work (folder, extension, not an input, not another output)
and appear together at the end; `-` or /dev/stdout writes to standard output, special files
such as /dev/null and FIFOs are written in place, symbolic links are written through.
Errors print one line naming the file, line and column (or the parameter) and exit with
code 2; an interrupted run (Ctrl-C, SIGTERM) removes its temporary files (exit 130/143).";

/// partitive: deterministic clustering.
#[derive(Debug, Parser)]
#[command(name = "partitive", version, about = ABOUT, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// k-means clustering (Lloyd, with a pruned exact variant), k given.
    #[command(after_help = KMEANS_HELP)]
    Kmeans(KmeansArgs),
    /// Gaussian mixture (EM), k given or selected over a range by BIC/ICL.
    #[command(after_help = GMM_HELP)]
    Gmm(GmmArgs),
    /// k-medoids for any dissimilarity (PAM, FastPAM1, FasterPAM, Alternating, CLARA, CLARANS).
    #[command(after_help = KMEDOIDS_HELP)]
    Kmedoids(KmedoidsArgs),
    /// Automatic clustering: finds k and a repeatable partition by itself (PPP).
    #[command(after_help = AUTO_HELP)]
    Auto(AutoArgs),
    /// HDBSCAN*: density-based clusters of any shape, with noise (the `hdbscan` library's partition).
    #[command(after_help = HDBSCAN_HELP)]
    Hdbscan(HdbscanArgs),
    /// Label new rows with a model saved by --model-out (same labels as the fit on its rows).
    #[command(after_help = PREDICT_HELP)]
    Predict(PredictArgs),
    /// Score `auto` on benchmark batteries with ground truth (k exact %, mean ARI, repeatability).
    #[command(after_help = EVALUATE_HELP)]
    Evaluate(EvaluateArgs),
}

/// A count: a non-negative integer (parsed wide, so `-3` is named as out of range).
fn count(s: &str) -> Result<usize, String> {
    at_least(s, 0)
}

/// A positive integer (k, iterations, restarts).
fn at_least_one(s: &str) -> Result<usize, String> {
    at_least(s, 1)
}

/// At least two (a cluster's smallest size).
fn at_least_two(s: &str) -> Result<usize, String> {
    at_least(s, 2)
}

fn at_least(s: &str, min: usize) -> Result<usize, String> {
    match s.trim().parse::<i128>() {
        Ok(v) if v < min as i128 => Err(format!("must be at least {min}")),
        Ok(v) => usize::try_from(v).map_err(|_| "too large".to_string()),
        Err(_) => Err(format!("expected an integer ≥ {min}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn integer_ranges() {
        assert_eq!(at_least_one("3"), Ok(3));
        assert_eq!(at_least_one("-3"), Err("must be at least 1".into()));
        assert_eq!(at_least_one("0"), Err("must be at least 1".into()));
        assert_eq!(count("0"), Ok(0));
        assert!(count("x").unwrap_err().contains("integer"));
        assert!(count("99999999999999999999999999999").is_err());
    }
}
