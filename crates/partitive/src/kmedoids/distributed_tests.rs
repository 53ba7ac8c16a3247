//! Distributed FastCLARA (ranks as threads here) against the in-memory fit: the same
//! medoids, losses and labels, bitwise, for any number of ranks and threads.

use super::{Clara, ClaraParams, KMedoidsResult};
use crate::dissimilarity::Metric;
use crate::distributed::threads::{on_ranks, starts};
use crate::error::Error;
use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use crate::parallel::CHUNK_ROWS;
use crate::rng::Rng;

fn blobs<T: Float>(n: usize, d: usize, blobs: usize, seed: u64) -> Mat<T> {
    let mut rng = Rng::new(seed);
    let centers: Vec<f64> = (0..blobs * d).map(|_| rng.next_f64() * 20.0).collect();
    let mut v = Vec::with_capacity(n * d);
    for _ in 0..n {
        let b = rng.below(blobs);
        v.extend((0..d).map(|l| T::of_f64(centers[b * d + l] + rng.next_f64() * 3.0)));
    }
    Mat::from_vec(v, n, d).unwrap()
}

fn distributed<T: Float>(
    p: &ClaraParams,
    x: MatRef<'_, T>,
    metric: Metric,
    at: &[usize],
) -> Vec<Result<KMedoidsResult, Error>> {
    on_ranks(at.len() - 1, |ex, rank| {
        p.fit_distributed(x.rows(at[rank], at[rank + 1]), at[rank], metric, ex)
    })
}

fn same_as_memory<T: Float>(p: &ClaraParams, x: MatRef<'_, T>, metric: Metric, at: &[usize]) {
    let mem = p.fit_data(x, metric).unwrap();
    let mut labels = Vec::new();
    for r in distributed(p, x, metric, at) {
        let r = r.unwrap();
        assert_eq!(r.medoids, mem.medoids, "medoids");
        assert_eq!(r.loss.to_bits(), mem.loss.to_bits(), "loss");
        let bits = |v: &[f64]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(&r.diagnostics.run_losses),
            bits(&mem.diagnostics.run_losses)
        );
        assert_eq!(r.diagnostics, mem.diagnostics);
        assert_eq!((r.n_iter, r.n_swaps), (mem.n_iter, mem.n_swaps));
        labels.extend(r.labels);
    }
    assert_eq!(labels, mem.labels, "labels");
}

#[test]
fn distributed_clara_equals_in_memory_for_every_rank_count_metric_and_thread_count() {
    let n = 3 * CHUNK_ROWS + 517;
    let x = blobs::<f64>(n, 3, 6, 5);
    for metric in [Metric::Euclidean, Metric::Manhattan, Metric::Cosine] {
        let p = Clara::params(6).seed(4).n_samples(3);
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for ranks in [1, 2, 3] {
                pool.install(|| same_as_memory(&p, x.view(), metric, &starts(n, ranks)));
            }
        }
    }
    // f32; a sample as large as the data; an empty last rank.
    let small = blobs::<f32>(CHUNK_ROWS + 40, 2, 3, 8);
    let at = [0, CHUNK_ROWS, small.n_rows(), small.n_rows()];
    same_as_memory(&Clara::params(3), small.view(), Metric::Euclidean, &at);
    let tiny = blobs::<f64>(50, 2, 3, 9);
    same_as_memory(&Clara::params(3), tiny.view(), Metric::Euclidean, &[0, 50]);
}

#[test]
fn distributed_clara_rescales_extreme_values_as_in_memory() {
    let n = 2 * CHUNK_ROWS + 3;
    let x = blobs::<f64>(n, 2, 4, 2);
    let huge: Vec<f64> = x.as_slice().iter().map(|v| v * 1e300).collect();
    let huge = Mat::from_vec(huge, n, 2).unwrap();
    same_as_memory(
        &Clara::params(4).seed(1),
        huge.view(),
        Metric::SqEuclidean,
        &starts(n, 3),
    );
}

#[test]
fn bad_rows_and_parameters_are_the_same_error_on_every_rank() {
    let n = 2 * CHUNK_ROWS;
    let x = blobs::<f64>(n, 2, 3, 1);
    let p = Clara::params(3);
    for r in distributed(&p, x.view(), Metric::Euclidean, &[0, 7, n]) {
        assert!(r
            .unwrap_err()
            .to_string()
            .contains("rank 1 holds rows from 7"));
    }
    let mut v = x.as_slice().to_vec();
    v[(CHUNK_ROWS + 3) * 2] = f64::NAN;
    let bad = Mat::from_vec(v, n, 2).unwrap();
    let m = p.fit_data(bad.view(), Metric::Euclidean).unwrap_err();
    for r in distributed(&p, bad.view(), Metric::Euclidean, &starts(n, 2)) {
        assert_eq!(r.unwrap_err().to_string(), m.to_string());
    }
    let tiny = blobs::<f64>(5, 2, 2, 1);
    for p in [Clara::params(6), Clara::params(2).n_samples(0)] {
        let m = p.fit_data(tiny.view(), Metric::Euclidean).unwrap_err();
        for r in distributed(&p, tiny.view(), Metric::Euclidean, &[0, 5, 5]) {
            assert_eq!(r.unwrap_err().to_string(), m.to_string());
        }
    }
}
