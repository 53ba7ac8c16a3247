//! The argument blocks every command shares (input, fit outputs, run) and their flag enums.

use super::count;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

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
