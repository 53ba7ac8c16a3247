//! The streamed fit against the in-memory one: same bits for every covariance type,
//! initialisation, chunking and thread count.

use super::{CovarianceType, GaussianMixture, GmmInit, GmmModel, GmmParams, GmmStreamed};
use crate::error::Error;
use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use crate::parallel::CHUNK_ROWS;
use crate::rng::Rng;
use crate::test_support::{chunked, labels_by_chunk, pool};

pub(super) const TYPES: [CovarianceType; 4] = [
    CovarianceType::Full,
    CovarianceType::Tied,
    CovarianceType::Diag,
    CovarianceType::Spherical,
];

/// `n` rows in `d` columns around `blobs` centers, with noise of unequal spread.
pub(super) fn blobs<T: Float>(n: usize, d: usize, blobs: usize, seed: u64) -> Mat<T> {
    let mut rng = Rng::new(seed);
    let centers: Vec<f64> = (0..blobs * d).map(|_| rng.next_f64() * 20.0).collect();
    let mut v = Vec::with_capacity(n * d);
    for _ in 0..n {
        let b = rng.below(blobs);
        for l in 0..d {
            let s = 1.0 + ((b + l) % 3) as f64;
            v.push(T::of_f64(centers[b * d + l] + rng.next_f64() * s));
        }
    }
    Mat::from_vec(v, n, d).unwrap()
}

/// A streamed fit over chunks of `chunk` rows, its labels from a further pass, and the
/// number of passes.
fn streamed<T: Float>(
    p: &GmmParams<T>,
    x: MatRef<'_, T>,
    chunk: usize,
) -> Result<(GmmStreamed, Vec<usize>, usize), Error> {
    let mut passes = 0;
    let fit = p.fit_passes(&mut chunked(x, chunk, &mut passes), &mut |_| {})?;
    let labels = labels_by_chunk(x, chunk, |m| fit.labels(m))?;
    Ok((fit, labels, passes))
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|v| v.to_bits()).collect()
}

/// Every number of the two models, bitwise, and the labels.
pub(super) fn same(a: &GmmModel, s: &GmmStreamed, labels: &[usize]) {
    let b = &s.model;
    assert!(b.labels.is_empty());
    assert_eq!(bits(&a.params.weights), bits(&b.params.weights), "weights");
    assert_eq!(
        bits(a.params.means.as_slice()),
        bits(b.params.means.as_slice()),
        "means"
    );
    // (PartialEq on f64 would accept −0.0 for 0.0; the Debug text tells them apart.)
    assert_eq!(
        format!("{:?}", a.params.covariances),
        format!("{:?}", b.params.covariances),
        "covariances"
    );
    assert_eq!(
        format!("{:?}", a.precision_cholesky),
        format!("{:?}", b.precision_cholesky),
        "precision factors"
    );
    assert_eq!(bits(&a.data_mean), bits(&b.data_mean), "data mean");
    for (what, x, y) in [
        ("lower bound", a.lower_bound, b.lower_bound),
        ("log-likelihood", a.log_likelihood, b.log_likelihood),
        ("bic", a.bic, b.bic),
        ("aic", a.aic, b.aic),
        ("icl", a.icl, b.icl),
        ("n_samples", a.n_samples, b.n_samples),
    ] {
        assert_eq!(x.to_bits(), y.to_bits(), "{what}: {x} vs {y}");
    }
    assert_eq!(a.n_iter, b.n_iter, "n_iter");
    assert_eq!(a.converged, b.converged);
    assert_eq!(a.diagnostics, b.diagnostics);
    assert_eq!(a.labels, labels, "labels");
}

#[test]
fn streamed_equals_in_memory_for_every_covariance_chunking_and_thread_count() {
    let n = 4 * CHUNK_ROWS + 321;
    let x = blobs::<f64>(n, 3, 5, 11);
    for kind in TYPES {
        let p = GaussianMixture::params::<f64>(5)
            .covariance(kind)
            .n_init(2)
            .seed(3)
            .tol(1e-5);
        let mem = p.fit(x.view()).unwrap();
        assert!(mem.n_iter > 2, "{kind}: {} iterations", mem.n_iter);
        for threads in [1, 2] {
            for chunk in [CHUNK_ROWS, 3 * CHUNK_ROWS, 16 * CHUNK_ROWS] {
                let (fit, labels, passes) = pool(threads)
                    .install(|| streamed(&p, x.view(), chunk))
                    .unwrap();
                same(&mem, &fit, &labels);
                assert!(passes > 3 + mem.n_iter, "{passes} passes");
            }
        }
    }
}

#[test]
fn streamed_default_init_is_k_means_parallel_as_in_memory() {
    // n·k ≥ 2²⁰ and ≥ 64 rows per center: the k-means start is seeded by k-means||.
    let n = (1 << 17) + 77;
    let x = blobs::<f64>(n, 2, 12, 21);
    let p = GaussianMixture::params::<f64>(16)
        .covariance(CovarianceType::Diag)
        .max_iter(8)
        .seed(9);
    let mem = p.fit(x.view()).unwrap();
    for (threads, chunk) in [(1, 8 * CHUNK_ROWS), (2, 3 * CHUNK_ROWS)] {
        let (fit, labels, _) = pool(threads)
            .install(|| streamed(&p, x.view(), chunk))
            .unwrap();
        same(&mem, &fit, &labels);
    }
}

#[test]
fn streamed_equals_in_memory_in_f32_and_for_given_starts() {
    let n = 2 * CHUNK_ROWS + 999;
    let x = blobs::<f32>(n, 4, 3, 7);
    for kind in TYPES {
        let p = GaussianMixture::params::<f32>(3).covariance(kind);
        let mem = p.fit(x.view()).unwrap();
        let (fit, labels, _) = streamed(&p, x.view(), CHUNK_ROWS).unwrap();
        same(&mem, &fit, &labels);
        // From a given partition (row i in part i mod 3) and from given parameters.
        let part = GmmInit::Partition((0..n).map(|i| i % 3).collect());
        let p = p.clone().init(part);
        let mem = p.fit(x.view()).unwrap();
        let (fit, labels, _) = streamed(&p, x.view(), 2 * CHUNK_ROWS).unwrap();
        same(&mem, &fit, &labels);
        let p = p.init(GmmInit::Parameters(mem.params.clone()));
        let mem = p.fit(x.view()).unwrap();
        let (fit, labels, _) = streamed(&p, x.view(), CHUNK_ROWS).unwrap();
        same(&mem, &fit, &labels);
    }
}

#[test]
fn bad_streams_and_data_are_errors_as_in_memory() {
    let x = blobs::<f64>(3 * CHUNK_ROWS, 2, 3, 1);
    let p = GaussianMixture::params::<f64>(3);
    let e = streamed(&p, x.view(), CHUNK_ROWS + 1).unwrap_err();
    assert!(e.to_string().contains("multiple of"), "{e}");
    // A second pass with fewer rows.
    let mut calls = 0;
    let mut pass = |f: &mut dyn FnMut(MatRef<'_, f64>)| -> Result<(), Error> {
        calls += 1;
        let n = if calls == 1 { x.n_rows() } else { CHUNK_ROWS };
        f(x.view().rows(0, n));
        Ok(())
    };
    let e = p.fit_passes(&mut pass, &mut |_| {}).unwrap_err();
    assert!(e.to_string().contains("changed between passes"), "{e}");
    // A non-finite value in the second chunk: its row in the file, as in memory.
    let mut v = x.as_slice().to_vec();
    v[(CHUNK_ROWS + 5) * 2 + 1] = f64::NAN;
    let bad = Mat::from_vec(v, x.n_rows(), 2).unwrap();
    let e = streamed(&p, bad.view(), CHUNK_ROWS).unwrap_err();
    let m = p.fit(bad.view()).unwrap_err();
    assert_eq!(e.to_string(), m.to_string());
    assert!(
        e.to_string().contains(&format!("row {}", CHUNK_ROWS + 5)),
        "{e}"
    );
    // k above n; full covariances with n ≤ d; a bad partition: the in-memory messages.
    let small = blobs::<f64>(10, 2, 2, 1);
    let wide = blobs::<f64>(3, 4, 2, 1);
    let cases = [
        (GaussianMixture::params::<f64>(11), small.view()),
        (GaussianMixture::params::<f64>(1), wide.view()),
        (
            GaussianMixture::params::<f64>(2).init(GmmInit::Partition(vec![0, 1, 2])),
            small.view(),
        ),
    ];
    for (p, x) in cases {
        let e = streamed(&p, x, CHUNK_ROWS).unwrap_err();
        let m = p.fit(x).unwrap_err();
        assert_eq!(e.to_string(), m.to_string());
    }
    // Data the in-memory fit rescales: refused.
    let mut v = small.as_slice().to_vec();
    v.iter_mut().for_each(|x| *x *= 1e70);
    let huge = Mat::from_vec(v, 10, 2).unwrap();
    let e = streamed(&GaussianMixture::params::<f64>(2), huge.view(), CHUNK_ROWS).unwrap_err();
    assert!(e.to_string().contains("rescaling"), "{e}");
}
