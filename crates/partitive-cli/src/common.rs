//! Pieces every command shares: reading the input, the thread pool. Outputs are in
//! [`crate::outputs`].

use crate::cli::{DtypeFlag, HeaderFlag, InputArgs, RunArgs};
use anyhow::{anyhow, bail, Context, Result};
use partitive_io::{HeaderMode, IoError, IoErrorKind, ReadOptions};
use std::sync::atomic::{AtomicBool, Ordering};

/// The computation precision a run resolved to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Precision {
    F32,
    F64,
}

impl Precision {
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "float32",
            Precision::F64 => "float64",
        }
    }
}

/// Builds the reader options from the flags (stage two of parsing).
/// Rows per chunk when streaming (`--stream`): a multiple of the library's chunk size
/// ([`partitive::parallel::CHUNK_ROWS`]), as the streamed fits require.
pub const STREAM_ROWS: usize = 1 << 16;

pub fn read_options(input: &InputArgs) -> Result<ReadOptions> {
    let header = match input.header {
        HeaderFlag::Auto => HeaderMode::Auto,
        HeaderFlag::Yes => HeaderMode::Present,
        HeaderFlag::No => HeaderMode::Absent,
    };
    let delimiter = match input.delimiter.as_deref() {
        None => None,
        Some("whitespace") | Some("ws") | Some(" ") => Some(b' '),
        Some("tab") | Some("\\t") | Some("\t") => Some(b'\t'),
        Some(s) if s.len() == 1 && s.is_ascii() => Some(s.as_bytes()[0]),
        Some(s) => bail!("invalid value '{s}' for --delimiter: expected one ASCII character, 'tab' or 'whitespace'"),
    };
    let opts = ReadOptions {
        header,
        delimiter,
        columns: input.columns.clone(),
        exclude: input.exclude.clone(),
        id_column: input.id_column.clone(),
        missing: crate::data::missing_policy(input.missing),
        decimal_comma: input.decimal == ",",
        ..ReadOptions::default()
    };
    if opts.decimal_comma && delimiter == Some(b',') {
        bail!("--decimal , needs another field delimiter than ',' (e.g. --delimiter ';')");
    }
    Ok(opts)
}

/// Resolves `--dtype auto`: f32 for an f32 `.npy` file (zero-copy), f64 otherwise.
pub fn precision(input: &InputArgs) -> Result<Precision> {
    Ok(match input.dtype {
        DtypeFlag::F32 => Precision::F32,
        DtypeFlag::F64 => Precision::F64,
        DtypeFlag::Auto => match partitive_io::native_float_width(&input.input)? {
            Some(4) => Precision::F32,
            _ => Precision::F64,
        },
    })
}

pub use partitive::parallel::MAX_THREADS_PER_CORE;

/// Worker threads for a `--threads` request: none or 0 means every available core; more
/// than [`MAX_THREADS_PER_CORE`] × the cores is capped, with a note on stderr (once per
/// process, and not under `--quiet`).
pub fn threads(requested: Option<usize>, quiet: bool) -> usize {
    let cores = partitive::parallel::available_cores();
    let cap = partitive::parallel::thread_cap();
    match requested {
        None | Some(0) => cores,
        Some(t) if t > cap => {
            static NOTED: AtomicBool = AtomicBool::new(false);
            if !quiet && !NOTED.swap(true, Ordering::Relaxed) {
                eprintln!(
                    "partitive: note: --threads {t} capped at {cap} ({MAX_THREADS_PER_CORE} × the {cores} available cores; results do not depend on it)"
                );
            }
            cap
        }
        Some(t) => t,
    }
}

/// Runs `f` inside a rayon pool of `n` threads.
pub fn in_pool<R: Send>(n: usize, f: impl FnOnce() -> R + Send) -> Result<R> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .context("cannot start the thread pool")?;
    Ok(pool.install(f))
}

/// Runs `f` inside a rayon pool of the size `--threads` asks for (see [`threads`]).
pub fn with_threads<R: Send>(run: &RunArgs, f: impl FnOnce() -> R + Send) -> Result<R> {
    in_pool(threads(run.threads, run.quiet), f)
}

/// A reading error `e` for the user: a bad column selection names its flag
/// (`--columns`, `--categorical`), a float32 overflow gets the `--dtype f64` hint.
pub fn input_error(input: &InputArgs, e: IoError) -> anyhow::Error {
    let f32_run = input.dtype == DtypeFlag::F32;
    if let IoErrorKind::InvalidParameter {
        name: name @ ("columns" | "categorical" | "exclude" | "id_column"),
    } = e.kind()
    {
        let flag = format!("--{}", name.replace('_', "-"));
        anyhow::Error::new(e).context(flag)
    } else if matches!(
        e.kind(),
        IoErrorKind::Missing { .. } | IoErrorKind::Null { .. }
    ) && input.missing == crate::cli::MissingFlag::Error
    {
        anyhow!("{e} (--missing drop leaves such rows out)")
    } else if let IoErrorKind::NonNumeric { value } = e.kind() {
        if partitive_io::is_decimal_comma(value) && input.decimal != "," {
            anyhow!("{e} (a decimal comma? read it with --decimal ,)")
        } else {
            e.into()
        }
    } else if e.overflows_f32() {
        anyhow!("{e} (read it as float64: --dtype f64)")
    } else if f32_run && matches!(e.kind(), IoErrorKind::NonFinite { row: Some(_), .. }) {
        // Converted from a binary file's float64: the original value is not known.
        anyhow!("{e} (read as float32 under --dtype f32: values beyond ±3.4e38 overflow it; use --dtype f64)")
    } else {
        e.into()
    }
}
