//! The distributed fit (ranks as threads here) against the in-memory one: same bits for
//! any number of ranks, an empty rank included.

use super::{Init, KMeans, KMeansParams, KMeansResult};
use crate::distributed::threads::{on_ranks, starts};
use crate::error::Error;
use crate::matrix::{Mat, MatRef};
use crate::parallel::CHUNK_ROWS;
use crate::rng::Rng;

/// One rank's fit and the labels of all rows, or its error.
type RankFit = Result<(super::KMeansStreamed<f64>, Vec<usize>), Error>;

fn blobs(n: usize, d: usize, blobs: usize, seed: u64) -> Mat<f64> {
    let mut rng = Rng::new(seed);
    let centers: Vec<f64> = (0..blobs * d).map(|_| rng.next_f64() * 20.0).collect();
    let v = (0..n)
        .flat_map(|_| {
            let b = rng.below(blobs);
            (0..d)
                .map(|l| centers[b * d + l] + rng.next_f64() * 3.0)
                .collect::<Vec<_>>()
        })
        .collect();
    Mat::from_vec(v, n, d).unwrap()
}

/// Every rank's fit and the labels of all rows (concatenated in rank order).
fn distributed(p: &KMeansParams<f64>, x: MatRef<'_, f64>, at: &[usize]) -> Vec<RankFit> {
    on_ranks(at.len() - 1, |ex, rank| {
        let mine = x.rows(at[rank], at[rank + 1]);
        let fit = p.fit_distributed(mine, at[rank], ex, &mut |_| {})?;
        let labels = fit.labels(mine)?;
        Ok((fit, labels))
    })
}

fn same_as_memory(mem: &KMeansResult<f64>, runs: Vec<RankFit>) {
    let bits = |m: &Mat<f64>| m.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    let mut labels = Vec::new();
    for run in runs {
        let (fit, l) = run.unwrap();
        assert_eq!(fit.inertia.to_bits(), mem.inertia.to_bits(), "inertia");
        assert_eq!(bits(&fit.centers), bits(&mem.centers), "centers");
        assert_eq!(fit.n_iter, mem.n_iter);
        assert_eq!(fit.diagnostics.seeding, mem.diagnostics.seeding);
        labels.extend(l);
    }
    assert_eq!(labels, mem.labels, "labels");
}

#[test]
fn distributed_equals_in_memory_for_every_init_and_rank_count() {
    let n = 5 * CHUNK_ROWS + 321;
    let x = blobs(n, 5, 7, 11);
    for init in [
        Init::KMeansPlusPlus,
        Init::KMeansParallel,
        Init::Deterministic,
    ] {
        let p = KMeans::params(8).init(init).n_init(2).seed(3);
        let mem = p.fit(x.view()).unwrap();
        for ranks in [1, 2, 3] {
            same_as_memory(&mem, distributed(&p, x.view(), &starts(n, ranks)));
        }
    }
}

#[test]
fn distributed_default_seeding_and_an_empty_rank() {
    // n·k ≥ 2²⁰ and ≥ 64 rows per center: `Init::Auto` stands for k-means||.
    let n = (1 << 17) + 77;
    let x = blobs(n, 3, 12, 21);
    let p = KMeans::params(16).seed(9);
    let mem = p.fit(x.view()).unwrap();
    assert_eq!(mem.diagnostics.seeding, super::Seeding::KMeansParallel);
    same_as_memory(&mem, distributed(&p, x.view(), &starts(n, 3)));
    // Greedy k-means++ by default on few rows; the last rank holds none.
    let small = blobs(2 * CHUNK_ROWS + 9, 2, 3, 4);
    let p = KMeans::params(3);
    let mem = p.fit(small.view()).unwrap();
    let at = [0, CHUNK_ROWS, small.n_rows(), small.n_rows()];
    same_as_memory(&mem, distributed(&p, small.view(), &at));
}

#[test]
fn misplaced_rows_and_bad_data_are_the_same_error_on_every_rank() {
    let x = blobs(3 * CHUNK_ROWS, 2, 3, 1);
    let p = KMeans::params(3);
    for run in distributed(&p, x.view(), &[0, CHUNK_ROWS + 1, 3 * CHUNK_ROWS]) {
        let e = run.unwrap_err();
        assert!(e.to_string().contains("rank 1 holds rows from 4097"), "{e}");
    }
    let mut bad = x.as_slice().to_vec();
    bad[(2 * CHUNK_ROWS + 7) * 2 + 1] = f64::NAN;
    let bad = Mat::from_vec(bad, 3 * CHUNK_ROWS, 2).unwrap();
    for run in distributed(&p, bad.view(), &starts(3 * CHUNK_ROWS, 3)) {
        let e = run.unwrap_err();
        assert!(
            e.to_string()
                .contains("non-finite value NaN at row 8199, column 1"),
            "{e}"
        );
    }
}
