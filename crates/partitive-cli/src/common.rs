//! Pieces every command shares: reading the input, the thread pool, output checks,
//! the JSON summary.

use crate::cli::{DtypeFlag, HeaderFlag, InputArgs, RunArgs};
use anyhow::{bail, Context, Result};
use partitive_io::{HeaderMode, ReadOptions};
use std::path::{Path, PathBuf};

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
    let mut opts = ReadOptions::default();
    opts.header = header;
    opts.delimiter = delimiter;
    opts.columns = input.columns.clone();
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

/// Runs `f` inside a rayon pool of the requested size.
pub fn with_threads<R: Send>(run: &RunArgs, f: impl FnOnce() -> R + Send) -> Result<R> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(t) = run.threads {
        b = b.num_threads(t as usize);
    }
    let pool = b.build().context("cannot start the thread pool")?;
    Ok(pool.install(f))
}

/// Checks, before any work, that every output file can be created: its folder exists
/// and it is not the input file. Outputs are written atomically afterwards.
pub fn check_outputs(input: &Path, outputs: &[(&str, &Option<PathBuf>)]) -> Result<()> {
    for (flag, path) in outputs {
        let Some(p) = path else { continue };
        if p.as_os_str().is_empty() {
            bail!("invalid value for {flag}: empty path");
        }
        if p == input {
            bail!("{flag} {} would overwrite the input file", p.display());
        }
        let dir = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.is_dir() {
            bail!(
                "{flag} {}: folder {} does not exist",
                p.display(),
                dir.display()
            );
        }
        if p.is_dir() {
            bail!("{flag} {}: is a folder", p.display());
        }
    }
    Ok(())
}

/// Writes a JSON summary atomically when `--summary-out` was given.
pub fn write_summary(run: &RunArgs, value: &serde_json::Value) -> Result<()> {
    if let Some(p) = &run.summary_out {
        partitive_io::write_json(p, value)?;
    }
    Ok(())
}
