//! `partitive-mpi kmeans`: the flags and outputs of `partitive kmeans` that a
//! distributed fit supports.

use crate::exchange::Mpi;
use crate::{agree, gather_labels, Run};
use partitive::distributed::Exchange;
use partitive::kmeans::{Init, KMeans, KMeansStreamed};
use partitive::Float;
use partitive_io::AtomicFile;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `partitive-mpi kmeans`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input file: `.npy` (each rank maps only its rows), or CSV/TSV/text (`.gz` too)
    /// and Parquet (every rank streams the file and keeps its rows). float32 (`.npy`,
    /// Parquet) is fitted in f32, everything else in f64.
    pub input: PathBuf,
    /// Number of clusters.
    #[arg(short = 'k', long = "k", value_parser = clap::value_parser!(u64).range(1..))]
    pub k: u64,
    /// Seed of k-means++ / k-means|| (ignored by --init deterministic).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Number of restarts; the lowest inertia wins.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub n_init: u64,
    /// Maximum Lloyd iterations per restart.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_iter: u64,
    /// Convergence tolerance, relative to the mean per-feature variance.
    #[arg(long, default_value_t = 1e-4, allow_negative_numbers = true)]
    pub tol: f64,
    /// Initialisation, as `partitive kmeans --init`.
    #[arg(long, value_enum, default_value_t = InitFlag::Auto)]
    pub init: InitFlag,
    /// Write labels, one integer per input row (0-based).
    #[arg(long, value_name = "FILE")]
    pub labels_out: Option<PathBuf>,
    /// Write the centers (k rows; .csv, .tsv, .txt or .npy).
    #[arg(long, value_name = "FILE")]
    pub centers_out: Option<PathBuf>,
    /// Write a JSON summary (inertia, iterations, ranks, timings).
    #[arg(long, value_name = "FILE")]
    pub summary_out: Option<PathBuf>,
    #[command(flatten)]
    pub run: Run,
}

/// `--init`, named as `partitive kmeans` names it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum InitFlag {
    /// k-means|| on large data, k-means++ otherwise.
    Auto,
    /// k-means++ (seeded).
    #[value(name = "kmeans++")]
    KmeansPlusPlus,
    /// k-means|| (seeded).
    #[value(name = "kmeans-parallel", alias = "kmeans||")]
    KmeansParallel,
    /// Farthest-first (no seed).
    Deterministic,
}

/// The outputs, staged on rank 0 before the fit (so that a bad path fails first).
struct Outputs {
    labels: Option<AtomicFile>,
    centers: Option<AtomicFile>,
    summary: Option<AtomicFile>,
}

pub(crate) fn stage(path: &Option<PathBuf>, flag: &str) -> Result<Option<AtomicFile>, String> {
    path.as_deref()
        .map(|p| AtomicFile::create(p).map_err(|e| format!("{flag}: {e}")))
        .transpose()
}

/// Runs the command on this rank: `Err` (the same on every rank) is the error line.
pub fn run(a: &Args, ex: &Mpi, threads: usize) -> Result<(), String> {
    let t0 = Instant::now();
    let outputs = match ex.rank() {
        0 => (|| {
            Ok(Outputs {
                labels: stage(&a.labels_out, "--labels-out")?,
                centers: stage(&a.centers_out, "--centers-out")?,
                summary: stage(&a.summary_out, "--summary-out")?,
            })
        })()
        .map(Some),
        _ => Ok(None),
    };
    let outputs = agree(ex, outputs)?;
    match crate::input::width(&a.input, ex)? {
        Some(4) => fit::<f32>(a, ex, threads, outputs, t0),
        _ => fit::<f64>(a, ex, threads, outputs, t0),
    }
}

fn fit<T: Float>(
    a: &Args,
    ex: &Mpi,
    threads: usize,
    outputs: Option<Outputs>,
    t0: Instant,
) -> Result<(), String> {
    let path = &a.input;
    let crate::input::Rows { start, x, names } = crate::input::read::<T>(path, ex)?;
    let read_seconds = t0.elapsed().as_secs_f64();
    std::thread::sleep(std::time::Duration::from_secs(a.run.hold));
    let init = match a.init {
        InitFlag::Auto => Init::Auto,
        InitFlag::KmeansPlusPlus => Init::KMeansPlusPlus,
        InitFlag::KmeansParallel => Init::KMeansParallel,
        InitFlag::Deterministic => Init::Deterministic,
    };
    let params = KMeans::params::<T>(a.k as usize)
        .seed(a.seed)
        .n_init(a.n_init as usize)
        .max_iter(a.max_iter as usize)
        .tol(a.tol)
        .init(init);
    let t1 = Instant::now();
    let ctx = |e: partitive::Error| format!("k-means on {}: {e}", path.display());
    // Every rank gets the same result or the same error (the library's contract).
    let fit = params
        .fit_distributed(x.view(), start, ex, &mut |_| {})
        .map_err(ctx)?;
    let labels = agree(ex, fit.labels(x.view()).map_err(ctx))?;
    let all = gather_labels(ex, &labels);
    let fit_seconds = t1.elapsed().as_secs_f64();
    let written = match outputs {
        Some(o) => write(
            a,
            ex,
            threads,
            o,
            &fit,
            &all,
            names,
            [read_seconds, fit_seconds],
        ),
        None => Ok(()),
    };
    agree(ex, written)?;
    if ex.rank() == 0 && !a.run.quiet {
        println!(
            "k-means: n={} d={} k={} inertia={:.6e} n_iter={} converged={} ({:.3} s, {} ranks)",
            fit.n_rows,
            fit.centers.n_cols(),
            fit.centers.n_rows(),
            fit.inertia,
            fit.n_iter,
            fit.converged,
            read_seconds + fit_seconds,
            ex.size()
        );
    }
    Ok(())
}

/// Rank 0: the outputs, committed together.
#[allow(clippy::too_many_arguments)]
fn write<T: Float>(
    a: &Args,
    ex: &Mpi,
    threads: usize,
    o: Outputs,
    fit: &KMeansStreamed<T>,
    labels: &[usize],
    names: Option<Vec<String>>,
    [read_seconds, fit_seconds]: [f64; 2],
) -> Result<(), String> {
    let err = |e: partitive_io::IoError| e.to_string();
    let mut files = Vec::new();
    if let Some(mut f) = o.labels {
        partitive_io::write_labels_into(&mut f, labels).map_err(err)?;
        files.push(f);
    }
    if let Some(mut f) = o.centers {
        // The file's column names as the centers' header, as `partitive kmeans` writes it.
        let names = names.as_deref();
        partitive_io::write_matrix_into(&mut f, fit.centers.view(), names).map_err(err)?;
        files.push(f);
    }
    if let Some(mut f) = o.summary {
        let summary = json!({
            "command": "kmeans",
            "input": display(&a.input),
            "k": a.k,
            "n": fit.n_rows,
            "d": fit.centers.n_cols(),
            "dtype": T::DTYPE,
            "n_iter": fit.n_iter,
            "inertia": fit.inertia,
            "converged": fit.converged,
            "seed": a.seed,
            "n_init": a.n_init,
            "seeding": format!("{:?}", fit.diagnostics.seeding),
            "best_restart": fit.diagnostics.best_restart,
            "empty_clusters_reseeded": fit.diagnostics.empty_clusters_reseeded,
            "ranks": ex.size(),
            "threads_per_rank": threads,
            "read_seconds": read_seconds,
            "fit_seconds": fit_seconds,
        });
        partitive_io::write_json_into(&mut f, &summary).map_err(err)?;
        files.push(f);
    }
    partitive_io::commit_all(files).map_err(err)
}

pub(crate) fn display(p: &Path) -> String {
    p.display().to_string()
}
