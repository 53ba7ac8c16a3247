//! `partitive-mpi gmm`: the flags and outputs of `partitive gmm` that a distributed fit
//! supports (one `-k`, one `--covariance`; labels and the summary).

use crate::exchange::Mpi;
use crate::kmeans::{display, stage};
use crate::{agree, gather_labels, Run};
use partitive::distributed::Exchange;
use partitive::gmm::{CovarianceType, GaussianMixture, GmmStreamed};
use partitive::Float;
use partitive_io::AtomicFile;
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

/// `partitive-mpi gmm`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input file: `.npy` (each rank maps only its rows), or CSV/TSV/text (`.gz` too)
    /// and Parquet (every rank streams the file and keeps its rows). float32 (`.npy`,
    /// Parquet) is fitted in f32, everything else in f64.
    pub input: PathBuf,
    /// Number of components.
    #[arg(short = 'k', long = "k", value_parser = clap::value_parser!(u64).range(1..))]
    pub k: u64,
    /// Covariance model.
    #[arg(long, value_enum, default_value_t = CovarianceFlag::Full)]
    pub covariance: CovarianceFlag,
    /// Regularisation relative to the data's scale: reg_covar × (mean per-feature
    /// variance) is added to the covariance diagonals.
    #[arg(long, default_value_t = 1e-6, allow_negative_numbers = true)]
    pub reg_covar: f64,
    /// Convergence tolerance on the mean log-likelihood.
    #[arg(long, default_value_t = 1e-3, allow_negative_numbers = true)]
    pub tol: f64,
    /// Maximum EM iterations (≥ 1).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_iter: u64,
    /// Seed of the k-means initialisation.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write labels (most probable component), one per input row.
    #[arg(long, value_name = "FILE")]
    pub labels_out: Option<PathBuf>,
    /// Write a JSON summary (log-likelihood, criteria, weights, means, ranks, timings).
    #[arg(long, value_name = "FILE")]
    pub summary_out: Option<PathBuf>,
    #[command(flatten)]
    pub run: Run,
}

/// `--covariance`, named as `partitive gmm` names it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CovarianceFlag {
    Full,
    Diag,
    Spherical,
    Tied,
}

/// Runs the command on this rank: `Err` (the same on every rank) is the error line.
pub fn run(a: &Args, ex: &Mpi, threads: usize) -> Result<(), String> {
    let t0 = Instant::now();
    let outputs = match ex.rank() {
        0 => (|| {
            Ok((
                stage(&a.labels_out, "--labels-out")?,
                stage(&a.summary_out, "--summary-out")?,
            ))
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

type Outputs = (Option<AtomicFile>, Option<AtomicFile>);

fn fit<T: Float>(
    a: &Args,
    ex: &Mpi,
    threads: usize,
    outputs: Option<Outputs>,
    t0: Instant,
) -> Result<(), String> {
    let path = &a.input;
    let crate::input::Rows { start, x, .. } = crate::input::read::<T>(path, ex)?;
    let read_seconds = t0.elapsed().as_secs_f64();
    std::thread::sleep(std::time::Duration::from_secs(a.run.hold));
    let covariance = match a.covariance {
        CovarianceFlag::Full => CovarianceType::Full,
        CovarianceFlag::Diag => CovarianceType::Diag,
        CovarianceFlag::Spherical => CovarianceType::Spherical,
        CovarianceFlag::Tied => CovarianceType::Tied,
    };
    let params = GaussianMixture::params::<T>(a.k as usize)
        .covariance(covariance)
        .reg_covar(a.reg_covar)
        .tol(a.tol)
        .max_iter(a.max_iter as usize)
        .seed(a.seed);
    let t1 = Instant::now();
    let ctx = |e: partitive::Error| format!("Gaussian mixture on {}: {e}", path.display());
    // Every rank gets the same model or the same error (the library's contract).
    let fit = params
        .fit_distributed(x.view(), start, ex, &mut |_| {})
        .map_err(ctx)?;
    let labels = agree(ex, fit.labels(x.view()).map_err(ctx))?;
    let all = gather_labels(ex, &labels);
    let fit_seconds = t1.elapsed().as_secs_f64();
    let written = match outputs {
        Some(o) => write::<T>(a, ex, threads, o, &fit, &all, [read_seconds, fit_seconds]),
        None => Ok(()),
    };
    agree(ex, written)?;
    let m = &fit.model;
    if ex.rank() == 0 && !a.run.quiet {
        println!(
            "gmm: n={} d={} k={} covariance={} bic={:.6e} mean log-lik={:.6} n_iter={} \
             converged={} ({:.3} s, {} ranks)",
            fit.n_rows,
            m.n_features(),
            m.n_components(),
            m.covariance_type.name(),
            m.bic,
            m.mean_log_likelihood,
            m.n_iter,
            m.converged,
            read_seconds + fit_seconds,
            ex.size()
        );
        if !m.diagnostics.is_clean() {
            eprintln!(
                "partitive-mpi: note: covariance regularised or components degenerate (see \
                 the summary's diagnostics)"
            );
        }
    }
    Ok(())
}

/// Rank 0: the outputs, committed together.
fn write<T: Float>(
    a: &Args,
    ex: &Mpi,
    threads: usize,
    (labels_out, summary_out): Outputs,
    fit: &GmmStreamed,
    labels: &[usize],
    [read_seconds, fit_seconds]: [f64; 2],
) -> Result<(), String> {
    let err = |e: partitive_io::IoError| e.to_string();
    let mut files = Vec::new();
    if let Some(mut f) = labels_out {
        partitive_io::write_labels_into(&mut f, labels).map_err(err)?;
        files.push(f);
    }
    if let Some(mut f) = summary_out {
        let m = &fit.model;
        let k = m.n_components();
        let mut sizes = vec![0usize; k];
        labels.iter().for_each(|&l| sizes[l] += 1);
        let d = &m.diagnostics;
        let summary = json!({
            "command": "gmm",
            "input": display(&a.input),
            "k": k,
            "n": fit.n_rows,
            "d": m.n_features(),
            "dtype": T::DTYPE,
            "covariance": m.covariance_type.name(),
            "n_iter": m.n_iter,
            "converged": m.converged,
            "lower_bound": m.lower_bound,
            "log_likelihood": m.log_likelihood,
            "mean_log_likelihood": m.mean_log_likelihood,
            "bic": m.bic,
            "aic": m.aic,
            "icl": m.icl,
            "weights": m.params.weights,
            "means": (0..k).map(|c| m.params.means.row(c).to_vec()).collect::<Vec<_>>(),
            "cluster_sizes": sizes,
            "seed": a.seed,
            "diagnostics": {
                "regularized": d.regularized.len(),
                "collapsed_components": d.collapsed_components,
                "underpopulated_components": d.underpopulated_components,
                "constant_columns": d.constant_columns,
                "empty_initial_components": d.empty_initial_components,
            },
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
