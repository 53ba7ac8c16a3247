//! The arguments of `kmeans`, `gmm` and `kmedoids` and their flag enums.

use super::at_least_one;
use super::shared::{FitOutArgs, InputArgs, RunArgs};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// `partitive kmeans`.
#[derive(Debug, Args, serde::Serialize)]
pub struct KmeansArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Number of clusters (or use --k-range).
    #[arg(
        short = 'k',
        long = "k",
        conflicts_with = "k_range",
        required_unless_present = "k_range",
        allow_negative_numbers = true,
        value_parser = at_least_one
    )]
    pub k: Option<usize>,

    /// Choose k over a range, e.g. 2..10 (inclusive): the highest mean silhouette on a
    /// deterministic sample of at most 2,000 rows wins; the report plots inertia and
    /// silhouette against k.
    #[arg(long, value_name = "A..B", allow_hyphen_values = true)]
    pub k_range: Option<String>,

    /// Seed of k-means++ / k-means|| (ignored by --init deterministic).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: u64,

    /// Number of restarts; the lowest inertia wins.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true, value_parser = at_least_one)]
    pub n_init: usize,

    /// Maximum Lloyd iterations per restart (≥ 1).
    #[arg(long, default_value_t = 300, allow_negative_numbers = true, value_parser = at_least_one)]
    pub max_iter: usize,

    /// Convergence tolerance, relative to the mean per-feature variance.
    #[arg(long, default_value_t = 1e-4, allow_negative_numbers = true)]
    pub tol: f64,

    /// Initialisation: auto (k-means|| from 64 rows per center and n·k ≥ 2^20, else
    /// k-means++), kmeans++, kmeans-parallel (k-means||) or deterministic.
    #[arg(long, value_enum, default_value_t = KmeansInitFlag::Auto)]
    pub init: KmeansInitFlag,

    /// Initial centers from a file (k rows, d columns); overrides --init.
    #[arg(long, value_name = "FILE")]
    pub init_centers: Option<PathBuf>,

    /// Lloyd variant: auto, lloyd (plain), hamerly or yinyang (pruned; same labels as plain
    /// Lloyd). auto: yinyang from 512 clusters on, hamerly below, lloyd for tiny rows.
    #[arg(long, value_enum, default_value_t = KmeansAlgorithmFlag::Auto)]
    pub algorithm: KmeansAlgorithmFlag,

    /// Write labels, one integer per input row (0-based).
    #[arg(long, value_name = "FILE")]
    pub labels_out: Option<PathBuf>,

    /// Write the centers (k rows; .csv, .tsv, .txt or .npy).
    #[arg(long, value_name = "FILE")]
    pub centers_out: Option<PathBuf>,

    /// Stream the input in chunks instead of loading it: for files larger than memory.
    /// Passes over the file: row statistics, the column variances (when --tol > 0), the
    /// seeding (k-means++: two per center; deterministic: one per center), one per
    /// iteration, and one writing the labels. Centers, inertia and labels are identical
    /// to the in-memory run's; memory does not grow with the number of rows.
    #[arg(long)]
    pub stream: bool,

    #[command(flatten)]
    pub out: FitOutArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// `partitive gmm`.
#[derive(Debug, Args, serde::Serialize)]
pub struct GmmArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Number of components (or use --k-range).
    #[arg(
        short = 'k',
        long = "k",
        conflicts_with = "k_range",
        required_unless_present = "k_range",
        allow_negative_numbers = true,
        value_parser = at_least_one
    )]
    pub k: Option<usize>,

    /// Select k over a range, e.g. 1..20 (inclusive); an end above the number of rows n
    /// is lowered to n (with a note).
    #[arg(long, value_name = "A..B", allow_hyphen_values = true)]
    pub k_range: Option<String>,

    /// Selection criterion for --k-range.
    #[arg(long, value_enum, default_value_t = CriterionFlag::Bic)]
    pub criterion: CriterionFlag,

    /// Covariance model(s), comma-separated; several are compared when selecting.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "full")]
    pub covariance: Vec<CovarianceFlag>,

    /// Regularisation relative to the data's scale: reg_covar × (mean per-feature variance)
    /// is added to the covariance diagonals (scikit-learn's reg_covar is absolute).
    #[arg(long, default_value_t = 1e-6, allow_negative_numbers = true)]
    pub reg_covar: f64,

    /// Convergence tolerance on the mean log-likelihood.
    #[arg(long, default_value_t = 1e-3, allow_negative_numbers = true)]
    pub tol: f64,

    /// Maximum EM iterations (≥ 1).
    #[arg(long, default_value_t = 100, allow_negative_numbers = true, value_parser = at_least_one)]
    pub max_iter: usize,

    /// Seed of the k-means initialisation.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: u64,

    /// Write labels (most probable component), one per input row.
    #[arg(long, value_name = "FILE")]
    pub labels_out: Option<PathBuf>,

    /// Write posterior probabilities (n rows × k columns).
    #[arg(long, value_name = "FILE")]
    pub proba_out: Option<PathBuf>,

    /// Stream the input in chunks instead of loading it: for files larger than memory.
    /// Passes over the file: two for the data summary, those of the streamed k-means
    /// start (see kmeans --stream) and one for its partition, one per EM iteration, one
    /// for the final evaluation and one writing the labels. Weights, means, covariances
    /// and labels are identical to the in-memory run's; memory does not grow with the
    /// number of rows. One -k and one --covariance; labels and the summary only.
    #[arg(long)]
    pub stream: bool,

    #[command(flatten)]
    pub out: FitOutArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// Model-selection criteria.
#[derive(Debug, Clone, Copy, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CriterionFlag {
    Bic,
    Icl,
}

/// Covariance models.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CovarianceFlag {
    Full,
    Diag,
    Spherical,
    Tied,
}

/// `partitive kmedoids`.
#[derive(Debug, Args, serde::Serialize)]
pub struct KmedoidsArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Number of medoids (or use --k-range).
    #[arg(
        short = 'k',
        long = "k",
        conflicts_with = "k_range",
        required_unless_present = "k_range",
        allow_negative_numbers = true,
        value_parser = at_least_one
    )]
    pub k: Option<usize>,

    /// Choose k over a range, e.g. 2..10 (inclusive): the highest mean silhouette (the
    /// run's dissimilarity, a deterministic sample of at most 2,000 rows) wins; the report
    /// plots loss and silhouette against k.
    #[arg(long, value_name = "A..B", allow_hyphen_values = true)]
    pub k_range: Option<String>,

    /// Dissimilarity computed from the data rows.
    #[arg(long, value_enum, default_value_t = MetricFlag::Euclidean, conflicts_with = "precomputed")]
    pub metric: MetricFlag,

    /// The input is a square dissimilarity matrix (n × n).
    #[arg(long)]
    pub precomputed: bool,

    /// Categorical columns for --metric gower: header names or 0-based indices, comma-separated
    /// (default: every column with a non-numeric cell).
    #[arg(long, value_delimiter = ',')]
    pub categorical: Option<Vec<String>>,

    /// Algorithm.
    #[arg(long, value_enum, default_value_t = KmedoidsAlgorithmFlag::Fasterpam)]
    pub algorithm: KmedoidsAlgorithmFlag,

    /// Initialisation.
    #[arg(long, value_enum, default_value_t = KmedoidsInitFlag::Build)]
    pub init: KmedoidsInitFlag,

    /// Initial medoids: a file of k 0-based row indices (overrides --init).
    #[arg(long, value_name = "FILE")]
    pub init_medoids: Option<PathBuf>,

    /// Seed for random choices (random/k-medoids++/LAB init, CLARA samples, CLARANS).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: u64,

    /// Maximum iterations (swap passes; ≥ 1).
    #[arg(long, default_value_t = 100, allow_negative_numbers = true, value_parser = at_least_one)]
    pub max_iter: usize,

    /// Also compute the silhouette (O(n²) dissimilarities) into the summary.
    #[arg(long)]
    pub silhouette: bool,

    /// Write labels, one per input row.
    #[arg(long, value_name = "FILE")]
    pub labels_out: Option<PathBuf>,

    /// Write the medoid row indices, one per line.
    #[arg(long, value_name = "FILE")]
    pub medoids_out: Option<PathBuf>,

    #[command(flatten)]
    pub out: FitOutArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// Dissimilarities computed from data.
#[derive(Debug, Clone, Copy, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricFlag {
    Euclidean,
    Sqeuclidean,
    Manhattan,
    Chebyshev,
    Cosine,
    Hamming,
    Jaccard,
    Gower,
}

/// k-medoids algorithms.
#[derive(Debug, Clone, Copy, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KmedoidsAlgorithmFlag {
    Pam,
    Fastpam1,
    Fasterpam,
    Alternating,
    Clara,
    Clarans,
}

/// k-medoids initialisations.
#[derive(Debug, Clone, Copy, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KmedoidsInitFlag {
    Build,
    Random,
    #[value(name = "kmedoids++")]
    #[serde(rename = "kmedoids++")]
    KmedoidsPlusPlus,
    Lab,
}

/// k-means initialisations.
#[derive(Debug, Clone, Copy, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KmeansInitFlag {
    /// k-means|| on large data, k-means++ otherwise.
    Auto,
    /// k-means++ (seeded).
    #[value(name = "kmeans++")]
    #[serde(rename = "kmeans++")]
    KmeansPlusPlus,
    /// k-means|| (seeded; Bahmani et al., Scalable K-Means++, PVLDB 2012).
    #[value(name = "kmeans-parallel", alias = "kmeans||")]
    KmeansParallel,
    /// Deterministic farthest-first seeding (no seed).
    Deterministic,
}

/// k-means algorithm variants.
#[derive(Debug, Clone, Copy, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KmeansAlgorithmFlag {
    Auto,
    Lloyd,
    Hamerly,
    Yinyang,
}
