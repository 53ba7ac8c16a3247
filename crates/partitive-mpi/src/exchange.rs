//! [`partitive::distributed::Exchange`] over MPI, with a watchdog: a rank that waits in a
//! collective longer than the timeout (another rank hung, or died without the job being
//! torn down) ends its process with an error, and `mpirun` then ends the job.

use mpi::datatype::PartitionMut;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Count;
use partitive::distributed::Exchange;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The world communicator of the job.
pub struct Mpi {
    world: SimpleCommunicator,
    /// Milliseconds since `start` at which the collective in flight began; 0: none.
    since: Arc<AtomicU64>,
    start: Instant,
}

impl Mpi {
    /// The exchange over `world`, and a watchdog thread that ends the process when a
    /// collective waits longer than `timeout`.
    pub fn new(world: SimpleCommunicator, timeout: Duration) -> Mpi {
        let since = Arc::new(AtomicU64::new(0));
        let start = Instant::now();
        let rank = world.rank();
        let watched = Arc::clone(&since);
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(250));
            let began = watched.load(Ordering::Acquire);
            if began == 0 {
                continue;
            }
            let now = start.elapsed().as_millis() as u64;
            if now.saturating_sub(began) > timeout.as_millis() as u64 {
                eprintln!(
                    "partitive-mpi: error: rank {rank} waited more than {} s for the other \
                     ranks (one hung or died); ending the job",
                    timeout.as_secs()
                );
                // Without MPI_Finalize: mpirun sees the rank fail and ends the others.
                std::process::exit(2);
            }
        });
        Mpi {
            world,
            since,
            start,
        }
    }

    fn watch<R>(&self, f: impl FnOnce() -> R) -> R {
        let now = self.start.elapsed().as_millis() as u64;
        self.since.store(now.max(1), Ordering::Release);
        let r = f();
        self.since.store(0, Ordering::Release);
        r
    }
}

impl Exchange for Mpi {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }

    fn size(&self) -> usize {
        self.world.size() as usize
    }

    fn all_gather(&self, local: &[u8]) -> Vec<Vec<u8>> {
        self.watch(|| {
            let size = self.world.size() as usize;
            let len = Count::try_from(local.len()).expect("a partial under 2 GiB");
            let mut counts: Vec<Count> = vec![0; size];
            self.world.all_gather_into(&len, &mut counts[..]);
            let displs: Vec<Count> = counts
                .iter()
                .scan(0, |acc, &c| {
                    let at = *acc;
                    *acc += c;
                    Some(at)
                })
                .collect();
            let total: usize = counts.iter().map(|&c| c as usize).sum();
            let mut buf = vec![0u8; total];
            {
                let mut part = PartitionMut::new(&mut buf[..], counts.clone(), &displs[..]);
                self.world.all_gather_varcount_into(local, &mut part);
            }
            (0..size)
                .map(|r| {
                    let at = displs[r] as usize;
                    buf[at..at + counts[r] as usize].to_vec()
                })
                .collect()
        })
    }
}
