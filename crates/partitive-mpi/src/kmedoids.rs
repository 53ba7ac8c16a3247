//! `partitive-mpi kmedoids --algorithm clara`: FastCLARA over the ranks, with the flags
//! and outputs of `partitive kmedoids --algorithm clara` that a distributed fit
//! supports.

use crate::exchange::Mpi;
use crate::kmeans::{display, stage};
use crate::{agree, gather_labels, Run};
use partitive::dissimilarity::Metric;
use partitive::distributed::Exchange;
use partitive::kmedoids::{Clara, KMedoidsResult};
use partitive::Float;
use partitive_io::AtomicFile;
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

/// `partitive-mpi kmedoids`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input file: `.npy` (each rank maps only its rows), or CSV/TSV/text (`.gz` too)
    /// and Parquet (every rank streams the file and keeps its rows). float32 (`.npy`,
    /// Parquet) is fitted in f32, everything else in f64.
    pub input: PathBuf,
    /// Number of clusters (medoids).
    #[arg(short = 'k', long = "k", value_parser = clap::value_parser!(u64).range(1..))]
    pub k: u64,
    /// The algorithm: only clara runs over ranks (the swap algorithms read all n²
    /// dissimilarities).
    #[arg(long, value_enum, default_value_t = AlgorithmFlag::Clara)]
    pub algorithm: AlgorithmFlag,
    /// Dissimilarity between rows.
    #[arg(long, value_enum, default_value_t = MetricFlag::Euclidean)]
    pub metric: MetricFlag,
    /// Seed of the samples.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// FasterPAM passes per sample (≥ 1).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_iter: u64,
    /// Write labels, one integer per input row (0-based).
    #[arg(long, value_name = "FILE")]
    pub labels_out: Option<PathBuf>,
    /// Write the medoids' row indices (0-based), one per line.
    #[arg(long, value_name = "FILE")]
    pub medoids_out: Option<PathBuf>,
    /// Write a JSON summary (loss, medoids, ranks, timings).
    #[arg(long, value_name = "FILE")]
    pub summary_out: Option<PathBuf>,
    #[command(flatten)]
    pub run: Run,
}

/// `--algorithm`, named as `partitive kmedoids` names them.
#[derive(Debug, Clone, Copy, PartialEq, clap::ValueEnum)]
pub enum AlgorithmFlag {
    Clara,
    Pam,
    Fastpam1,
    Fasterpam,
    Alternating,
    Clarans,
}

/// `--metric`, named as `partitive kmedoids` names them.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
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

type Outputs = [Option<AtomicFile>; 3];

/// Runs the command on this rank: `Err` (the same on every rank) is the error line.
pub fn run(a: &Args, ex: &Mpi, threads: usize) -> Result<(), String> {
    let t0 = Instant::now();
    if a.algorithm != AlgorithmFlag::Clara {
        let name = format!("{:?}", a.algorithm).to_lowercase();
        return Err(format!(
            "partitive-mpi kmedoids runs --algorithm clara only (--algorithm {name} reads all \
             n² dissimilarities on one machine: use partitive kmedoids)"
        ));
    }
    let metric = match a.metric {
        MetricFlag::Euclidean => Metric::Euclidean,
        MetricFlag::Sqeuclidean => Metric::SqEuclidean,
        MetricFlag::Manhattan => Metric::Manhattan,
        MetricFlag::Chebyshev => Metric::Chebyshev,
        MetricFlag::Cosine => Metric::Cosine,
        MetricFlag::Hamming => Metric::Hamming,
        MetricFlag::Jaccard => Metric::Jaccard,
        MetricFlag::Gower => {
            return Err(
                "--metric gower needs every column's range and text columns: use \
                        partitive kmedoids"
                    .into(),
            )
        }
    };
    let outputs = match ex.rank() {
        0 => (|| {
            Ok([
                stage(&a.labels_out, "--labels-out")?,
                stage(&a.medoids_out, "--medoids-out")?,
                stage(&a.summary_out, "--summary-out")?,
            ])
        })()
        .map(Some),
        _ => Ok(None),
    };
    let outputs = agree(ex, outputs)?;
    match crate::input::width(&a.input, ex)? {
        Some(4) => fit::<f32>(a, ex, threads, metric, outputs, t0),
        _ => fit::<f64>(a, ex, threads, metric, outputs, t0),
    }
}

fn fit<T: Float>(
    a: &Args,
    ex: &Mpi,
    threads: usize,
    metric: Metric,
    outputs: Option<Outputs>,
    t0: Instant,
) -> Result<(), String> {
    let path = &a.input;
    let crate::input::Rows { start, x, .. } = crate::input::read::<T>(path, ex)?;
    let read_seconds = t0.elapsed().as_secs_f64();
    std::thread::sleep(std::time::Duration::from_secs(a.run.hold));
    let t1 = Instant::now();
    let params = Clara::params(a.k as usize)
        .seed(a.seed)
        .max_iter(a.max_iter as usize);
    // Every rank gets the same result or the same error (the library's contract).
    let r = params
        .fit_distributed(x.view(), start, metric, ex)
        .map_err(|e| format!("k-medoids on {}: {e}", path.display()))?;
    let all = gather_labels(ex, &r.labels);
    let fit_seconds = t1.elapsed().as_secs_f64();
    let n = all.len();
    let written = match outputs {
        Some(o) => write::<T>(a, ex, threads, o, &r, &all, [read_seconds, fit_seconds]),
        None => Ok(()),
    };
    agree(ex, written)?;
    if ex.rank() == 0 && !a.run.quiet {
        println!(
            "kmedoids: n={n} k={} algorithm=clara loss={:.6e} ({:.3} s, {} ranks)",
            r.medoids.len(),
            r.loss,
            read_seconds + fit_seconds,
            ex.size()
        );
    }
    Ok(())
}

/// Rank 0: the outputs, committed together.
fn write<T: Float>(
    a: &Args,
    ex: &Mpi,
    threads: usize,
    [labels_out, medoids_out, summary_out]: Outputs,
    r: &KMedoidsResult,
    labels: &[usize],
    [read_seconds, fit_seconds]: [f64; 2],
) -> Result<(), String> {
    let err = |e: partitive_io::IoError| e.to_string();
    let mut files = Vec::new();
    if let Some(mut f) = labels_out {
        partitive_io::write_labels_into(&mut f, labels).map_err(err)?;
        files.push(f);
    }
    if let Some(mut f) = medoids_out {
        partitive_io::write_labels_into(&mut f, &r.medoids).map_err(err)?;
        files.push(f);
    }
    if let Some(mut f) = summary_out {
        let summary = json!({
            "command": "kmedoids",
            "input": display(&a.input),
            "k": r.medoids.len(),
            "n": labels.len(),
            "dtype": T::DTYPE,
            "algorithm": "clara",
            "dissimilarity": format!("{:?}", a.metric).to_lowercase(),
            "loss": r.loss,
            "medoids": r.medoids,
            "n_iter": r.n_iter,
            "n_swaps": r.n_swaps,
            "converged": r.diagnostics.converged,
            "initial_loss": r.diagnostics.initial_loss,
            "coincident_medoids": r.diagnostics.coincident_medoids,
            "seed": a.seed,
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
