//! The command-line grammar: every flag defined once, with its help text.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

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

const EVALUATE_HELP: &str = "\
Examples:
  partitive evaluate ../shared/benchmarks/clustering-data-v1
  partitive evaluate ../shared/benchmarks/clustering-data-v1 --batteries g2mg --match '_(2|16|64)_(10|20|30|40|50|60)$'
  partitive evaluate ../shared/benchmarks/clustering-data-v1 --permutations 10 --threads-check

Each data set NAME in ROOT/BATTERY/ is NAME.data.gz with reference labellings NAME.labels*.gz (0 = noise).
k is exact when it equals the number of non-noise classes of any reference labelling; ARI is the best
over the labellings, on non-noise points (the convention of clustering-benchmarks and autok_eval.py).";

const PREDICT_HELP: &str = "\
Examples:
  partitive auto train.csv --scale standard --model-out model.json
  partitive predict model.json new.csv --output clusters.csv
  partitive predict model.json new.parquet --labels-out labels.npy --proba-out proba.csv
  partitive hdbscan train.csv --min-cluster-size 10 --model-out hdb.json
  partitive predict hdb.json new.csv --labels-out labels.txt --proba-out membership.txt

The input must hold the model's columns (by name when the model has names; other columns are
ignored), and is scaled as the training data were. --proba-out needs a model with
probabilities (gmm, auto: one column per cluster; hdbscan: one column, the membership
probability). An hdbscan model labels a row equal to a training row with that row's fitted
label and probability, any other row as HDBSCAN*'s approximate_predict does (-1 = noise). A model written by a newer partitive (a higher format version or an
unknown kind) is refused.";

const GMM_HELP: &str = "\
Examples:
  partitive gmm examples/blobs.csv -k 5 --labels-out labels.txt --proba-out proba.csv
  partitive gmm examples/blobs.csv --k-range 1..10 --criterion bic --summary-out gmm.json
  partitive gmm data.npy --k-range 2..20 --covariance diag,full

The summary carries the model-selection table (k, covariance, log-likelihood, BIC, AIC, ICL).";

const KMEDOIDS_HELP: &str = "\
Examples:
  partitive kmedoids examples/blobs.csv -k 5 --metric manhattan --labels-out labels.txt
  partitive kmedoids dist.npy -k 10 --precomputed --algorithm fasterpam --medoids-out medoids.txt
  partitive kmedoids big.csv -k 20 --algorithm clara --seed 3
  partitive kmedoids examples/mixed.csv -k 3 --metric gower --labels-out labels.txt
  partitive kmedoids people.csv.gz -k 4 --metric gower --categorical sex,smoker,3

Medoids are reported as 0-based row indices; labels index the medoids in the order reported.

Gower (mixed numeric and categorical columns, J. C. Gower, Biometrics 27(4), 1971): numeric
columns contribute |a-b|/range, categorical ones 0 when equal and 1 otherwise, averaged over the
columns. Categories may be text (`red`, `Paris`): without --categorical every column holding a
non-numeric cell is categorical; with it, exactly the listed columns are (header names or 0-based
indices, counted after --columns; use it for numeric codes) and a non-numeric cell elsewhere is an
error. Empty cells and NA, N/A, NaN, null, ? are errors naming file, line and column. The summary
lists the categorical columns with their levels, and the numeric ranges.";

const AUTO_HELP: &str = "\
Examples:
  partitive auto examples/blobs.csv
  partitive auto data.csv.gz --labels-out labels.txt --summary-out auto.json --tree-out tree.json
  partitive auto data.npy --plot-out clusters.svg --threads 2

No k, no seed: the answer does not depend on row order, thread count or initial conditions.";

const KMEANS_HELP: &str = "\
Examples:
  partitive kmeans examples/blobs.csv -k 3
  partitive kmeans data.csv.gz -k 10 --n-init 5 --seed 7 --labels-out labels.txt --centers-out centers.csv
  partitive kmeans big.npy -k 64 --threads 2 --init deterministic --summary-out run.json

Labels are written one integer per input row, 0-based, in input order. The result is identical
for any --threads value.";

const HDBSCAN_HELP: &str = "\
Examples:
  partitive hdbscan examples/blobs.csv --min-cluster-size 10 --labels-out labels.txt
  partitive hdbscan data.npy --min-cluster-size 50 --min-samples 10 --threads 2 --summary-out run.json
  partitive hdbscan data.csv --min-cluster-size 15 --tree-out tree.json --plot-out clusters.svg
  partitive hdbscan dist.npy --min-cluster-size 5 --metric precomputed

Labels are written one integer per input row, in input order: clusters 0, 1, ... and -1 for
noise. The core distance of a row is the distance to its min-samples-th nearest other row (as in
the hdbscan library); the partition equals the hdbscan library's with the same parameters up to
ties (see the README). The result is identical for any --threads value and any row order.";

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

/// Where the data come from and how to read them.
#[derive(Debug, Args, serde::Serialize)]
pub struct InputArgs {
    /// Input file: .csv/.tsv/.txt/.dat/.data (optionally gzipped), .npy or .parquet.
    pub input: PathBuf,

    /// Whether the first line of a text file is a header (default: detected).
    #[arg(long, value_enum, default_value_t = HeaderFlag::Auto)]
    pub header: HeaderFlag,

    /// Field delimiter of a text file: a single character, or "whitespace" (default: detected).
    #[arg(long, allow_hyphen_values = true)]
    pub delimiter: Option<String>,

    /// Columns to use, comma-separated names or 0-based indices (default: all numeric). Each
    /// column at most once; a name two header columns share must be given by index.
    #[arg(long, value_delimiter = ',')]
    pub columns: Option<Vec<String>>,

    /// Floating-point precision of the computation (auto: f32 for f32 .npy files, else f64).
    #[arg(long, value_enum, default_value_t = DtypeFlag::Auto)]
    pub dtype: DtypeFlag,

    /// Columns never used as features, comma-separated names or 0-based indices.
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub exclude: Vec<String>,

    /// A column of row identifiers (name or 0-based index): carried to --output, never a
    /// feature. Without it, an unnamed first column (a pandas index) is taken as the ID.
    #[arg(long, value_name = "NAME")]
    pub id_column: Option<String>,

    /// Missing values (empty cells, NA, N/A, NaN, null, ?; Parquet nulls; NaN in .npy):
    /// error (naming file, line and column) or drop those rows (marked in the outputs).
    #[arg(long, value_enum, default_value_t = MissingFlag::Error)]
    pub missing: MissingFlag,

    /// Decimal separator of numbers in text files: "." or "," (`1,5;2,3` with `;` fields).
    #[arg(long, value_parser = ["." , ","], default_value = ".")]
    pub decimal: String,
}

/// What to do with rows holding a missing value.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MissingFlag {
    Error,
    Drop,
}

/// Feature scaling before clustering (saved in the model).
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScaleFlag {
    /// No scaling (a warning names a column holding over 90% of the variance).
    None,
    /// (x − mean) / standard deviation.
    Standard,
    /// (x − median) / interquartile range.
    Robust,
    /// (x − min) / (max − min).
    Minmax,
}

/// The outputs every clustering command can write besides its own.
#[derive(Debug, Args, serde::Serialize)]
pub struct FitOutArgs {
    /// Scale the features before clustering: none, standard, robust or minmax. The
    /// scaling is part of the saved model.
    #[arg(long, value_enum, default_value_t = ScaleFlag::None)]
    pub scale: ScaleFlag,

    /// Save the fitted model (versioned JSON, exact floats) for `partitive predict`.
    #[arg(long, value_name = "FILE.json")]
    pub model_out: Option<PathBuf>,

    /// Write one row per input row: its ID (or 0-based row number), `cluster` and, where
    /// the method has one, `confidence`. Format by extension: .csv/.tsv (header), .txt,
    /// .npy (structured array), .parquet; text may be gzipped (.gz).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Write a self-contained HTML report: the clusters (PCA projection), the k-selection
    /// curves, cluster profiles, a heat map of standardised means, silhouettes, the
    /// parameters and the input's SHA-256.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
}

/// Header detection for text input.
#[derive(Debug, Clone, Copy, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HeaderFlag {
    Auto,
    Yes,
    No,
}

/// Computation precision.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DtypeFlag {
    Auto,
    F32,
    F64,
}

/// Flags every command shares.
#[derive(Debug, Args, serde::Serialize)]
pub struct RunArgs {
    /// Worker threads (default, or 0: all available cores; more than 4 × the cores is
    /// capped there, with a note). Results do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = count)]
    pub threads: Option<usize>,

    /// No progress bar and no summary on stdout.
    #[arg(long, short)]
    pub quiet: bool,

    /// Write a JSON summary of the run.
    #[arg(long, value_name = "FILE.json")]
    pub summary_out: Option<PathBuf>,
}

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

    /// Smallest cluster size reported as a cluster (default: chosen from n).
    #[arg(long, allow_negative_numbers = true, value_parser = count)]
    pub min_cluster_size: Option<usize>,

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
