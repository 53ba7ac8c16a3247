//! The streamed fit against the in-memory one: same bits, any chunking and thread count.

use super::{Algorithm, Init, KMeans, KMeansParams, KMeansResult};
use crate::error::Error;
use crate::matrix::{Mat, MatRef};
use crate::parallel::CHUNK_ROWS;
use crate::rng::Rng;
use crate::test_support::{chunked, labels_by_chunk, pool};

/// `n` rows in `d` columns around `blobs` centers, with noise.
fn blobs(n: usize, d: usize, blobs: usize, seed: u64) -> Mat<f64> {
    let mut rng = Rng::new(seed);
    let centers: Vec<f64> = (0..blobs * d).map(|_| rng.next_f64() * 20.0).collect();
    let mut v = Vec::with_capacity(n * d);
    for _ in 0..n {
        let b = rng.below(blobs);
        for l in 0..d {
            v.push(centers[b * d + l] + rng.next_f64() * 3.0);
        }
    }
    Mat::from_vec(v, n, d).unwrap()
}

/// A streamed fit over chunks of `chunk` rows, and its labels from a further pass.
fn streamed(
    p: &KMeansParams<f64>,
    x: MatRef<'_, f64>,
    chunk: usize,
) -> Result<(super::KMeansStreamed<f64>, Vec<usize>), Error> {
    let mut passes = 0;
    let fit = p.fit_passes(&mut chunked(x, chunk, &mut passes), &mut |_| {})?;
    let labels = labels_by_chunk(x, chunk, |m| fit.labels(m))?;
    Ok((fit, labels))
}

fn same(a: &KMeansResult<f64>, b: &super::KMeansStreamed<f64>, labels: &[usize]) {
    assert_eq!(a.inertia.to_bits(), b.inertia.to_bits(), "inertia");
    assert_eq!(a.n_iter, b.n_iter);
    assert_eq!(a.converged, b.converged);
    assert_eq!(a.diagnostics.best_restart, b.diagnostics.best_restart);
    assert_eq!(
        a.diagnostics.empty_clusters_reseeded,
        b.diagnostics.empty_clusters_reseeded
    );
    let bits = |m: &Mat<f64>| m.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a.centers), bits(&b.centers), "centers");
    assert_eq!(a.labels, labels, "labels");
}

#[test]
fn streamed_equals_in_memory_for_every_init_chunking_and_thread_count() {
    let n = 5 * CHUNK_ROWS + 321;
    let x = blobs(n, 5, 7, 11);
    let inits = [
        Init::KMeansPlusPlus,
        Init::KMeansParallel,
        Init::Deterministic,
    ];
    for init in inits {
        for alg in [Algorithm::Auto, Algorithm::Lloyd] {
            let p = KMeans::params(8)
                .init(init.clone())
                .n_init(2)
                .seed(3)
                .algorithm(alg);
            let mem = p.fit(x.view()).unwrap();
            for threads in [1, 2] {
                for chunk in [CHUNK_ROWS, 2 * CHUNK_ROWS, 16 * CHUNK_ROWS] {
                    let (fit, labels) = pool(threads)
                        .install(|| streamed(&p, x.view(), chunk))
                        .unwrap();
                    same(&mem, &fit, &labels);
                }
            }
        }
    }
}

#[test]
fn streamed_default_seeding_is_k_means_parallel_as_in_memory() {
    // n·k ≥ 2²⁰ and ≥ 64 rows per center: `Init::Auto` stands for k-means||.
    let n = (1 << 17) + 77;
    let x = blobs(n, 3, 12, 21);
    let p = KMeans::params(16).seed(9);
    let mem = p.fit(x.view()).unwrap();
    assert_eq!(mem.diagnostics.seeding, super::Seeding::KMeansParallel);
    for (threads, chunk) in [(1, 8 * CHUNK_ROWS), (2, 3 * CHUNK_ROWS)] {
        let (fit, labels) = pool(threads)
            .install(|| streamed(&p, x.view(), chunk))
            .unwrap();
        assert_eq!(fit.diagnostics.seeding, super::Seeding::KMeansParallel);
        same(&mem, &fit, &labels);
    }
}

#[test]
fn streamed_equals_in_memory_with_given_centers_and_reseeding() {
    // A center far from every row gets no rows: re-seeded from the farthest rows.
    let n = 3 * CHUNK_ROWS + 5;
    let x = blobs(n, 3, 4, 5);
    let mut c: Vec<f64> = (0..4).flat_map(|j| x.row(j * 1000).to_vec()).collect();
    c.extend([1e6, 1e6, 1e6]);
    let init = Mat::from_vec(c, 5, 3).unwrap();
    let p = KMeans::params(5).init(Init::Centers(init)).tol(0.0);
    let mem = p.fit(x.view()).unwrap();
    assert!(mem.diagnostics.empty_clusters_reseeded > 0);
    for chunk in [CHUNK_ROWS, 4 * CHUNK_ROWS] {
        let (fit, labels) = streamed(&p, x.view(), chunk).unwrap();
        same(&mem, &fit, &labels);
    }
}

#[test]
fn misaligned_chunks_and_changing_input_are_errors() {
    let x = blobs(3 * CHUNK_ROWS, 2, 3, 1);
    let p = KMeans::params(3);
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
    // k above n, as in memory.
    let small = blobs(10, 2, 2, 1);
    let e = streamed(&KMeans::params(11), small.view(), CHUNK_ROWS).unwrap_err();
    let m = KMeans::params(11).fit(small.view()).unwrap_err();
    assert_eq!(e.to_string(), m.to_string());
}
