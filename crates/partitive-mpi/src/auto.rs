//! `partitive-mpi auto`: PPP-auto (k found by itself) with the flags and outputs of
//! `partitive auto` that a distributed fit supports (labels, confidences, the summary;
//! not the plot, report, model or decision tree, which need the CLI's writers).

use crate::exchange::Mpi;
use crate::kmeans::{display, stage};
use crate::{agree, Run};
use partitive::distributed::Exchange;
use partitive::ppp::{Ppp, PppResult};
use partitive::{Float, Mat};
use partitive_io::AtomicFile;
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

/// `partitive-mpi auto`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input file: `.npy` (each rank maps only its rows), or CSV/TSV/text (`.gz` too)
    /// and Parquet (every rank streams the file and keeps its rows). float32 (`.npy`,
    /// Parquet) is fitted in f32, everything else in f64.
    pub input: PathBuf,
    /// Write labels, one integer per input row (0-based, input order).
    #[arg(long, value_name = "FILE")]
    pub labels_out: Option<PathBuf>,
    /// Write per-point confidence (the posterior mass of its cluster), one per row.
    #[arg(long, value_name = "FILE")]
    pub confidence_out: Option<PathBuf>,
    /// Write a JSON summary (k, sizes, clusterability, the selected model, ranks, timings).
    #[arg(long, value_name = "FILE")]
    pub summary_out: Option<PathBuf>,
    /// Smallest cluster size reported as a cluster (default: chosen from n).
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u64))]
    pub min_cluster_size: Option<u64>,
    #[command(flatten)]
    pub run: Run,
}

/// The outputs, staged on rank 0 before the fit (so that a bad path fails first).
struct Outputs {
    labels: Option<AtomicFile>,
    confidence: Option<AtomicFile>,
    summary: Option<AtomicFile>,
}

/// Runs the command on this rank: `Err` (the same on every rank) is the error line.
pub fn run(a: &Args, ex: &Mpi, threads: usize) -> Result<(), String> {
    let t0 = Instant::now();
    let outputs = match ex.rank() {
        0 => (|| {
            Ok(Outputs {
                labels: stage(&a.labels_out, "--labels-out")?,
                confidence: stage(&a.confidence_out, "--confidence-out")?,
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
    let crate::input::Rows { start, x, .. } = crate::input::read::<T>(path, ex)?;
    let read_seconds = t0.elapsed().as_secs_f64();
    std::thread::sleep(std::time::Duration::from_secs(a.run.hold));
    let params = Ppp::params().min_cluster_size(a.min_cluster_size.map(|s| s as usize));
    let t1 = Instant::now();
    // Every rank gets the same result (every row's label) or the same error.
    let r = params
        .fit_distributed(x.view(), start, ex, &mut |_| {})
        .map_err(|e| format!("auto on {}: {e}", path.display()))?;
    let fit_seconds = t1.elapsed().as_secs_f64();
    let written = match outputs {
        Some(o) => write::<T>(a, ex, threads, o, &r, [read_seconds, fit_seconds]),
        None => Ok(()),
    };
    agree(ex, written)?;
    if ex.rank() == 0 && !a.run.quiet {
        let n = r.labels.len();
        println!(
            "auto: n={} d={} k={} clusterability={:.3} (separable {} of {} at tau={}) \
             sizes={:?} ({:.3} s, {} ranks)",
            n,
            r.model.n_features,
            r.k,
            r.clusterability,
            r.n_separable,
            n,
            r.tau,
            r.cluster_sizes,
            read_seconds + fit_seconds,
            ex.size()
        );
        if r.diagnostics.full_covariance_skipped {
            eprintln!(
                "partitive-mpi: note: full-covariance mixtures skipped ({} columns for {} fit \
                 rows: they would be singular); spherical mixtures only",
                r.model.kept_columns.len(),
                r.n_fit
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
    o: Outputs,
    r: &PppResult,
    [read_seconds, fit_seconds]: [f64; 2],
) -> Result<(), String> {
    let err = |e: partitive_io::IoError| e.to_string();
    let n = r.labels.len();
    let mut files = Vec::new();
    if let Some(mut f) = o.labels {
        partitive_io::write_labels_into(&mut f, &r.labels).map_err(err)?;
        files.push(f);
    }
    if let Some(mut f) = o.confidence {
        let c = Mat::from_vec(r.confidence.clone(), n, 1).map_err(|e| e.to_string())?;
        let names = ["confidence".to_string()];
        partitive_io::write_matrix_into(&mut f, c.view(), Some(&names)).map_err(err)?;
        files.push(f);
    }
    if let Some(mut f) = o.summary {
        let s = &r.selected;
        let summary = json!({
            "command": "auto",
            "input": display(&a.input),
            "n": n,
            "d": r.model.n_features,
            "dtype": T::DTYPE,
            "k": r.k,
            "cluster_sizes": r.cluster_sizes,
            "clusterability": r.clusterability,
            "clusterability_definition": "share of rows whose confidence (cluster posterior, capped by the cluster's reproducibility) is at least tau (the separable set)",
            "cluster_reproducibility": r.cluster_reproducibility,
            "tau": r.tau,
            "n_separable": r.n_separable,
            "mean_confidence": r.mean_confidence,
            "n_components": s.n_components,
            "selected": {
                "k_proposal": s.k_proposal,
                "covariance": s.covariance_type.name(),
                "bic": s.bic,
                "births": r.diagnostics.births,
            },
            "n_fit": r.n_fit,
            "fit_sample_sizes": r.diagnostics.fit_sample_sizes,
            "centroids": (0..r.k).map(|c| r.centroids.row(c).to_vec()).collect::<Vec<_>>(),
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
