//! `partitive-mpi` — partitive's distributed driver over MPI.
//!
//! ```text
//! mpirun -np 3 partitive-mpi kmeans data.npy -k 64 --labels-out labels.txt
//! mpirun -np 3 partitive-mpi gmm data.npy -k 8 --covariance diag --labels-out labels.txt
//! mpirun -np 3 partitive-mpi kmedoids data.npy -k 8 --algorithm clara --labels-out labels.txt
//! mpirun -np 3 partitive-mpi auto data.npy --labels-out labels.txt --summary-out auto.json
//! ```
//!
//! Each rank holds only its contiguous range of rows (whole [`CHUNK_ROWS`]-row chunks,
//! split evenly over the ranks): a `.npy` file is memory-mapped and read by range; CSV,
//! TSV, text (gzipped too) and Parquet are streamed by every rank, which keeps its rows
//! (see `input.rs`). The fit is
//! [`partitive::kmeans::KMeansParams::fit_distributed`]: the library's chunk kernels,
//! with per-chunk partials gathered to every rank and folded in global chunk order. So
//! labels, centers and inertia are bitwise those of `partitive kmeans` on the same file
//! for any number of ranks and threads; `gmm` likewise
//! ([`partitive::gmm::GmmParams::fit_distributed`]: the model, log-likelihood and labels
//! of `partitive gmm`), and `kmedoids --algorithm clara`
//! ([`partitive::kmedoids::ClaraParams::fit_distributed`]: the medoids, loss and labels
//! of `partitive kmedoids --algorithm clara`), and `auto`
//! ([`partitive::ppp::PppParams::fit_distributed`]: the fit sample gathered from the
//! ranks, the same PPP structure search on every rank, the assignment of each rank's
//! rows: the labels, confidences and clusters of `partitive auto`). Rank 0 writes the outputs (atomically, together)
//! and prints the summary line and errors; bad input on any rank ends every rank with
//! one error line from rank 0 and exit code 2. A rank that waits in a collective longer
//! than `--timeout` seconds ends its process, and `mpirun` then ends the job.

mod auto;
mod exchange;
mod gmm;
mod input;
mod kmeans;
mod kmedoids;

use clap::{Parser, Subcommand};
use exchange::Mpi;
use partitive::distributed::{all_gather, Exchange};
use partitive::parallel::CHUNK_ROWS;
use std::process::ExitCode;
use std::time::Duration;

/// Command line of `partitive-mpi`.
#[derive(Debug, Parser)]
#[command(name = "partitive-mpi", version, about = "partitive over MPI ranks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// k-means over the ranks (as `partitive kmeans`).
    Kmeans(kmeans::Args),
    /// Gaussian mixture EM over the ranks (as `partitive gmm`).
    Gmm(gmm::Args),
    /// k-medoids by FastCLARA over the ranks (as `partitive kmedoids --algorithm clara`).
    Kmedoids(kmedoids::Args),
    /// PPP-auto over the ranks, k found by itself (as `partitive auto`).
    Auto(auto::Args),
}

/// Flags of every command.
#[derive(Debug, clap::Args)]
pub struct Run {
    /// Worker threads per rank (default: the CPUs this rank may run on, divided by the
    /// ranks on the node, at least 1). Open MPI binds each rank to
    /// one core when it starts 2 or fewer: run `mpirun --bind-to none` (or
    /// `--map-by slot:PE=N`) to give a rank N threads.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Seconds a rank may wait for the others in one exchange before it ends the job
    /// (a rank hung or died).
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
    /// Testing fault handling: every rank sleeps this many seconds after reading its rows.
    #[arg(long, default_value_t = 0, hide = true)]
    pub hold: u64,
    /// No summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// One error line, as `partitive` prints it.
fn fail(msg: &str) {
    let one: String = msg
        .chars()
        .map(|c| match c.is_control() {
            true => c.escape_debug().to_string(),
            false => c.to_string(),
        })
        .collect();
    eprintln!("partitive-mpi: error: {one}");
}

/// The same outcome on every rank: `Err` with the first failing rank's message when any
/// rank's `local` is an error (ranks in order).
pub fn agree<V>(ex: &Mpi, local: Result<V, String>) -> Result<V, String> {
    let errors = all_gather(ex, &local.as_ref().err().cloned());
    match errors.into_iter().flatten().next() {
        Some(e) => Err(e),
        None => local,
    }
}

/// Every rank's labels, in rank order (so in row order): the labels of all rows. They
/// travel as `u32` (half the bytes; a k that large is refused long before).
pub fn gather_labels(ex: &Mpi, local: &[usize]) -> Vec<usize> {
    let local: Vec<u32> = local.iter().map(|&l| l as u32).collect();
    all_gather(ex, &local)
        .into_iter()
        .flatten()
        .map(|l| l as usize)
        .collect()
}

/// The rows of rank `rank` of `size`: whole chunks, as evenly as they go.
pub fn rows_of(n: usize, rank: usize, size: usize) -> (usize, usize) {
    let chunks = n.div_ceil(CHUNK_ROWS);
    let at = |r: usize| (r * chunks / size * CHUNK_ROWS).min(n);
    (at(rank), at(rank + 1))
}

fn main() -> ExitCode {
    let Some(universe) = mpi::initialize() else {
        fail("MPI was already initialised");
        return ExitCode::from(2);
    };
    let world = universe.world();
    let rank = mpi::traits::Communicator::rank(&world);
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            let help = matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
            if rank == 0 {
                match help {
                    true => drop(e.print()),
                    false => {
                        let text = e.to_string();
                        let line = text.lines().next().unwrap_or("bad arguments");
                        fail(line.trim_start_matches("error: "))
                    }
                }
            }
            return if help {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let run = match &cli.command {
        Command::Kmeans(a) => &a.run,
        Command::Gmm(a) => &a.run,
        Command::Kmedoids(a) => &a.run,
        Command::Auto(a) => &a.run,
    };
    let ex = Mpi::new(world, Duration::from_secs(run.timeout.max(1)));
    // The CPUs this rank may run on (its affinity mask: launchers bind ranks to cores).
    let cores = partitive::parallel::available_cores();
    let cap = partitive::parallel::thread_cap();
    if let Some(t) = run.threads.filter(|&t| t > cap) {
        if ex.rank() == 0 && !run.quiet {
            eprintln!(
                "partitive-mpi: note: --threads {t} capped at {cap} per rank ({} × the {cores} CPUs a rank may run on; results do not depend on it)",
                partitive::parallel::MAX_THREADS_PER_CORE
            );
        }
    } else if let Some(t) = run.threads.filter(|&t| t > cores) {
        if ex.rank() == 0 && !run.quiet {
            eprintln!(
                "partitive-mpi: note: --threads {t}, but this rank may run on {cores} CPU{} \
                 only (the launcher's binding), which the threads share. Start with \
                 `mpirun --bind-to none` or `mpirun --map-by slot:PE={t}`.",
                if cores == 1 { "" } else { "s" }
            );
        }
    }
    let threads = run
        .threads
        .filter(|&t| t > 0)
        .map(|t| t.min(cap))
        .unwrap_or_else(|| {
            let local = std::env::var("OMPI_COMM_WORLD_LOCAL_SIZE")
                .ok()
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(ex.size());
            (cores / local.max(1)).max(1)
        });
    // The global pool: the kernels' workers; MPI is called from this (the main) thread only.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .map_err(|e| format!("cannot start {threads} threads: {e}"));
    let outcome = agree(&ex, pool).and_then(|()| match cli.command {
        Command::Kmeans(a) => kmeans::run(&a, &ex, threads),
        Command::Gmm(a) => gmm::run(&a, &ex, threads),
        Command::Kmedoids(a) => kmedoids::run(&a, &ex, threads),
        Command::Auto(a) => auto::run(&a, &ex, threads),
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if ex.rank() == 0 {
                fail(&e);
            }
            ExitCode::from(2)
        }
    }
}
