//! The arguments of `auto`, `predict`, `hdbscan` and the `evaluate` harness, and their flag enums.

use super::shared::{FitOutArgs, InputArgs, RunArgs, ScaleFlag};
use super::{at_least_one, at_least_two, count};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// `partitive auto`.
#[derive(Debug, Args, serde::Serialize)]
pub struct AutoArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Write labels, one integer per input row (0-based, input order).
    #[arg(long, value_name = "FILE")]
    pub labels_out: Option<PathBuf>,

    /// Write the decision record (tree / candidate table) as JSON.
    #[arg(long, value_name = "FILE.json")]
    pub tree_out: Option<PathBuf>,

    /// Write a plot: the data (2-D PCA projection when d > 2) coloured by cluster, and the decisions.
    #[arg(long, value_name = "FILE.svg|.png")]
    pub plot_out: Option<PathBuf>,

    /// Write per-point confidence (max posterior), one per row.
    #[arg(long, value_name = "FILE")]
    pub confidence_out: Option<PathBuf>,

    /// Smallest cluster size reported as a cluster: a lighter cluster is attached to the
    /// neighbour it shares the highest boundary density with, or, sharing a boundary with
    /// none, to the nearest one (default: d + 1 points of the fit sample, fewer than a
    /// d-dimensional cluster needs, where the fit sample holds 2(d + 1) rows; 1 keeps every
    /// cluster).
    #[arg(long, allow_negative_numbers = true, value_parser = count)]
    pub min_cluster_size: Option<usize>,

    /// Also measure how stable the partition is: the structure search runs again on two
    /// deterministic halves of the fit sample, and the summary and report give the k of
    /// each half and their agreement with the result (adjusted Rand index on the fit
    /// sample). About doubles the search time.
    #[arg(long)]
    pub stability: bool,

    /// Stream the input in chunks instead of loading it: for files larger than memory.
    /// Three passes over the file (column ranges, the fit sample, the assignment); the
    /// result is identical to the in-memory run. Memory: the fit sample plus a label and
    /// a confidence per row. Not with --plot-out (the plot needs every row).
    #[arg(long)]
    pub stream: bool,

    #[command(flatten)]
    pub out: FitOutArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// `partitive predict`.
#[derive(Debug, Args, serde::Serialize)]
pub struct PredictArgs {
    /// The model file (JSON, from --model-out).
    pub model: PathBuf,

    #[command(flatten)]
    pub input: InputArgs,

    /// Write labels, one per input row (-1 for a row dropped by --missing drop).
    #[arg(long, value_name = "FILE")]
    pub labels_out: Option<PathBuf>,

    /// Write cluster probabilities (n rows × k columns; gmm and auto models).
    #[arg(long, value_name = "FILE")]
    pub proba_out: Option<PathBuf>,

    /// Write one row per input row: its ID (or row number), `cluster`, `confidence`.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub run: RunArgs,
}

/// `partitive hdbscan`.
#[derive(Debug, Args, serde::Serialize)]
pub struct HdbscanArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Smallest group reported as a cluster (at least 2).
    #[arg(long, allow_negative_numbers = true, value_parser = at_least_two)]
    pub min_cluster_size: usize,

    /// Neighbours of the core distance: the distance to the M-th nearest other row
    /// (default: --min-cluster-size).
    #[arg(long, value_name = "M", allow_negative_numbers = true, value_parser = at_least_one)]
    pub min_samples: Option<usize>,

    /// Dissimilarity; `precomputed` reads the input as a square n x n matrix.
    #[arg(long, value_enum, default_value_t = HdbscanMetricFlag::Euclidean)]
    pub metric: HdbscanMetricFlag,

    /// Clusters born below this distance are merged into their ancestor born above it.
    #[arg(
        long,
        default_value_t = 0.0,
        allow_negative_numbers = true,
        value_name = "EPS"
    )]
    pub cluster_selection_epsilon: f64,

    /// How clusters are read off the condensed tree: excess of mass, or its leaves.
    #[arg(long, value_enum, default_value_t = SelectionFlag::Eom)]
    pub cluster_selection_method: SelectionFlag,

    /// Allow the whole data set as the one cluster.
    #[arg(long)]
    pub allow_single_cluster: bool,

    /// Largest cluster excess of mass may select (default: no limit).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = at_least_one)]
    pub max_cluster_size: Option<usize>,

    /// Write labels, one integer per input row (input order; -1 = noise).
    #[arg(long, value_name = "FILE")]
    pub labels_out: Option<PathBuf>,

    /// Write membership probabilities, one per row (0 for noise).
    #[arg(long, value_name = "FILE")]
    pub probabilities_out: Option<PathBuf>,

    /// Write GLOSH outlier scores, one per row.
    #[arg(long, value_name = "FILE")]
    pub outlier_scores_out: Option<PathBuf>,

    /// Write the condensed tree, the selected clusters and the single-linkage tree as JSON.
    #[arg(long, value_name = "FILE.json")]
    pub tree_out: Option<PathBuf>,

    /// Write a plot: the data (2-D PCA projection when d > 2) coloured by cluster with noise
    /// in grey, and the condensed tree.
    #[arg(long, value_name = "FILE.svg|.png")]
    pub plot_out: Option<PathBuf>,

    /// Scale the features before clustering: none, standard, robust or minmax. The
    /// scaling is part of the saved model.
    #[arg(long, value_enum, default_value_t = ScaleFlag::None)]
    pub scale: ScaleFlag,

    /// Save the fitted model (versioned JSON, exact floats: the parameters, the training
    /// rows, the fit's labels and probabilities) for `partitive predict`.
    #[arg(long, value_name = "FILE.json")]
    pub model_out: Option<PathBuf>,

    /// Write one row per input row: its ID (or 0-based row number), `cluster` (-1 = noise)
    /// and `confidence` (the membership probability). Format by extension: .csv/.tsv
    /// (header), .txt, .npy (structured array), .parquet; text may be gzipped (.gz).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub run: RunArgs,
}

/// HDBSCAN* dissimilarities.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HdbscanMetricFlag {
    Euclidean,
    Manhattan,
    Chebyshev,
    Cosine,
    Precomputed,
}

/// HDBSCAN* cluster selection.
#[derive(Debug, Clone, Copy, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SelectionFlag {
    Eom,
    Leaf,
}

/// `partitive evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Root folder of the batteries (e.g. ../shared/benchmarks/clustering-data-v1).
    pub root: PathBuf,

    /// Batteries (sub-folders) to run, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "sipu,uci,fcps,other")]
    pub batteries: Vec<String>,

    /// Skip data sets with more rows than this.
    #[arg(long, default_value_t = 20_000, allow_negative_numbers = true, value_parser = count)]
    pub max_n: usize,

    /// Only data sets whose BATTERY/NAME matches this regular expression.
    #[arg(long = "match", value_name = "REGEX")]
    pub pattern: Option<String>,

    /// Also check that labels are identical (up to renaming) under this many random row permutations.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = count)]
    pub permutations: usize,

    /// Also check that labels are identical for 1, 2 and 4 threads.
    #[arg(long)]
    pub threads_check: bool,

    /// Also run k-means GIVEN the true k (k-means++, 10 restarts, seed 0; k = the smallest
    /// non-noise class count over the reference labellings) as a reference column, and
    /// print the ratio of auto's mean ARI to it.
    #[arg(long)]
    pub oracle: bool,

    /// Write per-data-set results as JSON.
    #[arg(long, value_name = "FILE.json")]
    pub json_out: Option<PathBuf>,

    /// Worker threads for the runs (default, or 0: all available cores; capped at 4 × the
    /// cores).
    #[arg(long, allow_negative_numbers = true, value_parser = count)]
    pub threads: Option<usize>,
}
