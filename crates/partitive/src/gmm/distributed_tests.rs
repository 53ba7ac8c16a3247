//! The distributed fit (ranks as threads here) against the in-memory one: same bits for
//! every covariance type, start, number of ranks (an empty rank included) and threads.

use super::stream_tests::{blobs, same, TYPES};
use super::{CovarianceType, GaussianMixture, GmmInit, GmmParams, GmmStreamed};
use crate::distributed::threads::{on_ranks, starts};
use crate::error::Error;
use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use crate::parallel::CHUNK_ROWS;
use crate::test_support::pool;

/// One rank's fit and the labels of its rows, or its error.
type RankFit = Result<(GmmStreamed, Vec<usize>), Error>;

/// Every rank's fit and labels; the ranks' first rows are `at` (and the end).
fn distributed<T: Float>(p: &GmmParams<T>, x: MatRef<'_, T>, at: &[usize]) -> Vec<RankFit> {
    on_ranks(at.len() - 1, |ex, rank| {
        let mine = x.rows(at[rank], at[rank + 1]);
        let fit = p.fit_distributed(mine, at[rank], ex, &mut |_| {})?;
        let labels = fit.labels(mine)?;
        Ok((fit, labels))
    })
}

/// Every rank has the in-memory model, bitwise; the ranks' labels are its labels.
fn same_as_memory<T: Float>(p: &GmmParams<T>, x: MatRef<'_, T>, at: &[usize]) {
    let mem = p.fit(x).unwrap();
    let runs: Vec<_> = distributed(p, x, at)
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let labels: Vec<usize> = runs.iter().flat_map(|(_, l)| l.clone()).collect();
    for (fit, _) in &runs {
        same(&mem, fit, &labels);
    }
}

#[test]
fn distributed_equals_in_memory_for_every_covariance_rank_and_thread_count() {
    let n = 4 * CHUNK_ROWS + 321;
    let x = blobs::<f64>(n, 3, 5, 11);
    for kind in TYPES {
        let p = GaussianMixture::params::<f64>(5)
            .covariance(kind)
            .n_init(2)
            .seed(3)
            .tol(1e-5);
        for threads in [1, 2] {
            for ranks in [1, 2, 3] {
                pool(threads).install(|| same_as_memory(&p, x.view(), &starts(n, ranks)));
            }
        }
    }
}

#[test]
fn distributed_default_init_f32_given_starts_and_an_empty_rank() {
    // n·k ≥ 2²⁰ and ≥ 64 rows per center: the k-means start is seeded by k-means||.
    let n = (1 << 17) + 77;
    let x = blobs::<f64>(n, 2, 12, 21);
    let p = GaussianMixture::params::<f64>(16)
        .covariance(CovarianceType::Diag)
        .max_iter(8)
        .seed(9);
    same_as_memory(&p, x.view(), &starts(n, 3));
    // f32; from a partition and from parameters; the last rank holds no rows.
    let n = 2 * CHUNK_ROWS + 999;
    let x = blobs::<f32>(n, 4, 3, 7);
    let at = [0, CHUNK_ROWS, n, n];
    for kind in [CovarianceType::Full, CovarianceType::Spherical] {
        let p = GaussianMixture::params::<f32>(3).covariance(kind);
        same_as_memory(&p, x.view(), &at);
        let part = GmmInit::Partition((0..n).map(|i| i % 3).collect());
        let p = p.init(part);
        same_as_memory(&p, x.view(), &at);
        let mem = p.fit(x.view()).unwrap();
        let p = p.init(GmmInit::Parameters(mem.params));
        same_as_memory(&p, x.view(), &starts(n, 2));
    }
}

#[test]
fn misplaced_rows_and_bad_data_are_the_same_error_on_every_rank() {
    let x = blobs::<f64>(3 * CHUNK_ROWS, 2, 3, 1);
    let p = GaussianMixture::params::<f64>(3);
    for run in distributed(&p, x.view(), &[0, CHUNK_ROWS + 1, 3 * CHUNK_ROWS]) {
        let e = run.unwrap_err();
        assert!(e.to_string().contains("rank 1 holds rows from 4097"), "{e}");
    }
    // A non-finite value on the last rank: the in-memory message on every rank.
    let mut v = x.as_slice().to_vec();
    v[(2 * CHUNK_ROWS + 7) * 2 + 1] = f64::NAN;
    let bad = Mat::from_vec(v, 3 * CHUNK_ROWS, 2).unwrap();
    let m = p.fit(bad.view()).unwrap_err();
    for run in distributed(&p, bad.view(), &starts(3 * CHUNK_ROWS, 3)) {
        let e = run.unwrap_err();
        assert_eq!(e.to_string(), m.to_string());
        assert!(e.to_string().contains("row 8199, column 1"), "{e}");
    }
    // k above n, and data the in-memory fit rescales (refused).
    let small = blobs::<f64>(10, 2, 2, 1);
    let p = GaussianMixture::params::<f64>(11);
    let m = p.fit(small.view()).unwrap_err();
    for run in distributed(&p, small.view(), &[0, 10, 10]) {
        assert_eq!(run.unwrap_err().to_string(), m.to_string());
    }
    let huge: Vec<f64> = small.as_slice().iter().map(|v| v * 1e70).collect();
    let huge = Mat::from_vec(huge, 10, 2).unwrap();
    let p = GaussianMixture::params::<f64>(2);
    for run in distributed(&p, huge.view(), &[0, 10]) {
        let e = run.unwrap_err();
        assert!(e.to_string().contains("rescaling"), "{e}");
    }
}
