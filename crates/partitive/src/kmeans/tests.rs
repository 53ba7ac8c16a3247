//! Tests of the k-means engine (fast, release mode).

use super::*;
use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use crate::rng::Rng;

/// Gaussian-ish blobs (sum of uniforms) around `k` centers spaced `sep` apart.
pub(crate) fn blobs<T: Float>(
    n: usize,
    d: usize,
    k: usize,
    sep: f64,
    seed: u64,
) -> (Mat<T>, Vec<usize>) {
    let mut r = Rng::new(seed);
    let means: Vec<f64> = (0..k * d).map(|_| (r.next_f64() - 0.5) * sep).collect();
    let mut v = Vec::with_capacity(n * d);
    let mut truth = Vec::with_capacity(n);
    for i in 0..n {
        let c = i % k;
        truth.push(c);
        for l in 0..d {
            let g = r.next_f64() + r.next_f64() + r.next_f64() - 1.5;
            v.push(T::of_f64(means[c * d + l] + g));
        }
    }
    (Mat::from_vec(v, n, d).unwrap(), truth)
}

fn with_threads<R: Send>(t: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(t)
        .build()
        .unwrap()
        .install(f)
}

fn recovers_blobs<T: Float>() {
    let (x, truth) = blobs::<T>(3000, 5, 4, 40.0, 3);
    for init in [Init::KMeansPlusPlus, Init::Deterministic] {
        let fit = KMeans::params(4)
            .init(init)
            .n_init(2)
            .fit(x.view())
            .unwrap();
        // same truth cluster ⇔ same label
        let mut map = [usize::MAX; 4];
        for (i, &t) in truth.iter().enumerate() {
            if map[t] == usize::MAX {
                map[t] = fit.labels[i];
            }
            assert_eq!(map[t], fit.labels[i]);
        }
        let mut m = map.to_vec();
        m.sort();
        m.dedup();
        assert_eq!(m.len(), 4);
        assert!(fit.converged);
        // inertia ≈ n·d·var(sum of 3 uniforms) = 3000·5·0.25
        assert!(
            (fit.inertia / (3000.0 * 5.0 * 0.25) - 1.0).abs() < 0.1,
            "{}",
            fit.inertia
        );
    }
}

#[test]
fn recovers_blobs_f32() {
    recovers_blobs::<f32>();
}

#[test]
fn recovers_blobs_f64() {
    recovers_blobs::<f64>();
}

/// Squared distance in `f64`, term by term (the tests' oracle, independent of the
/// engine's own `sq_dist`).
pub(super) fn dist2<T: Float>(a: &[T], b: &[T]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(p, q)| (p.as_f64() - q.as_f64()).powi(2))
        .sum()
}

fn brute_force<T: Float>(x: MatRef<'_, T>, c: MatRef<'_, T>) -> (Vec<usize>, f64) {
    let mut labels = vec![];
    let mut inertia = 0.0;
    for i in 0..x.n_rows() {
        let mut best = (f64::INFINITY, 0);
        for j in 0..c.n_rows() {
            let d = dist2(x.row(i), c.row(j));
            if d < best.0 {
                best = (d, j);
            }
        }
        labels.push(best.1);
        inertia += best.0;
    }
    (labels, inertia)
}

fn assign_matches_reference<T: Float>() {
    let (x, _) = blobs::<T>(5000, 7, 5, 6.0, 11);
    let (c, _) = blobs::<T>(13, 7, 13, 6.0, 12);
    let a = assign(x.view(), c.view()).unwrap();
    let (labels, inertia) = brute_force(x.view(), c.view());
    // Near-ties may resolve differently in the GEMM form: a differing label must be as
    // near as the reference one, to rounding.
    let mut differ = 0;
    for (i, (&got, &want)) in a.labels.iter().zip(&labels).enumerate() {
        if got != want {
            differ += 1;
            let d = |j: usize| dist2(x.row(i), c.row(j));
            assert!(d(got) - d(want) < 1e-4 * (1.0 + d(want)));
        }
    }
    assert!(differ <= 2, "{differ}");
    assert!((a.inertia - inertia).abs() <= 1e-6 * inertia);
}

#[test]
fn assign_matches_reference_f32() {
    assign_matches_reference::<f32>();
}

#[test]
fn assign_matches_reference_f64() {
    assign_matches_reference::<f64>();
    // and exactly for f64 data on well-separated centers
    let (x, _) = blobs::<f64>(2000, 3, 4, 50.0, 5);
    let (c, _) = blobs::<f64>(4, 3, 4, 50.0, 5);
    let a = assign(x.view(), c.view()).unwrap();
    let (labels, inertia) = brute_force(x.view(), c.view());
    assert_eq!(a.labels, labels);
    assert!((a.inertia - inertia).abs() <= 1e-12 * inertia);
}

fn thread_invariant<T: Float>(alg: Algorithm) {
    let (x, _) = blobs::<T>(20_000, 6, 9, 4.0, 21);
    let w: Vec<T> = (0..20_000)
        .map(|i| T::of_f64(((i * 7) % 5) as f64 * 0.5))
        .collect();
    let fit = |t| {
        with_threads(t, || {
            KMeans::params(9)
                .seed(5)
                .n_init(2)
                .tol(0.0)
                .max_iter(20)
                .algorithm(alg)
                .fit(crate::Weighted::new(x.view(), Some(&w)))
                .unwrap()
        })
    };
    let a = fit(1);
    let b = fit(2);
    let c = fit(4);
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(a.inertia.to_bits(), c.inertia.to_bits());
}

#[test]
fn threads_bitwise_identical_f32() {
    thread_invariant::<f32>(Algorithm::Lloyd);
    thread_invariant::<f32>(Algorithm::Hamerly);
    thread_invariant::<f32>(Algorithm::Yinyang);
}

#[test]
fn threads_bitwise_identical_f64() {
    thread_invariant::<f64>(Algorithm::Lloyd);
    thread_invariant::<f64>(Algorithm::Hamerly);
    thread_invariant::<f64>(Algorithm::Yinyang);
}

fn reseeds_empty<T: Float>() {
    let (x, _) = blobs::<T>(600, 2, 3, 20.0, 8);
    // Two centers far away: no row is nearest to them in the first assignment.
    let mut c = Vec::new();
    c.extend_from_slice(x.row(0));
    c.extend_from_slice(&[T::of_f64(1e4), T::of_f64(1e4)]);
    c.extend_from_slice(&[T::of_f64(-1e4), T::of_f64(1e4)]);
    let c = Mat::from_vec(c, 3, 2).unwrap();
    let fit = KMeans::params(3)
        .init(Init::Centers(c))
        .fit(x.view())
        .unwrap();
    assert!(
        fit.diagnostics.empty_clusters_reseeded >= 2,
        "{:?}",
        fit.diagnostics
    );
    for j in 0..3 {
        assert!(fit.labels.contains(&j));
    }
    // Better than one cluster.
    let one = KMeans::params(1).fit(x.view()).unwrap();
    assert!(
        fit.inertia < 0.5 * one.inertia,
        "{} {}",
        fit.inertia,
        one.inertia
    );
}

#[test]
fn reseeds_empty_clusters_f32() {
    reseeds_empty::<f32>();
}

#[test]
fn reseeds_empty_clusters_f64() {
    reseeds_empty::<f64>();
}

#[test]
fn integer_weights_equal_duplicated_rows() {
    let (x, _) = blobs::<f64>(500, 3, 4, 5.0, 31);
    let w: Vec<f64> = (0..500).map(|i| (i % 3) as f64).collect();
    let mut dup = Vec::new();
    for i in 0..500 {
        for _ in 0..(i % 3) {
            dup.extend_from_slice(x.row(i));
        }
    }
    let dup = Mat::from_vec(dup.clone(), dup.len() / 3, 3).unwrap();
    let init = Mat::from_vec(x.as_slice()[3..15].to_vec(), 4, 3).unwrap();
    let p = KMeans::params(4).init(Init::Centers(init)).tol(0.0);
    let a = p.fit(crate::Weighted::new(x.view(), Some(&w))).unwrap();
    let b = p.fit(dup.view()).unwrap();
    assert!((a.inertia - b.inertia).abs() < 1e-9 * b.inertia);
    for (u, v) in a.centers.as_slice().iter().zip(b.centers.as_slice()) {
        assert!((u - v).abs() < 1e-9);
    }
    let mut j = 0;
    for i in 0..500 {
        for _ in 0..(i % 3) {
            assert_eq!(a.labels[i], b.labels[j]);
            j += 1;
        }
    }
}

#[test]
fn restarts_keep_best_and_observer_sees_iterations() {
    let (x, _) = blobs::<f64>(1000, 2, 8, 6.0, 41);
    let one = KMeans::params(8).seed(3).fit(x.view()).unwrap();
    let many = KMeans::params(8).seed(3).n_init(6).fit(x.view()).unwrap();
    assert!(many.inertia <= one.inertia);
    assert_eq!(many.diagnostics.n_restarts, 6);
    assert!(many.diagnostics.best_restart < 6);
    let mut seen = Vec::new();
    let fit = KMeans::params(8)
        .seed(3)
        .n_init(2)
        .tol(0.0)
        .max_iter(3)
        .fit_observed(x.view(), None, &mut |i| seen.push(*i))
        .unwrap();
    assert!(seen.len() <= 6 && seen.len() >= 2);
    assert_eq!(seen[0].restart, 0);
    assert_eq!(seen[0].iter, 1);
    assert_eq!(seen.last().unwrap().restart, 1);
    assert!(fit.n_iter <= 3);
    // restart 0 with n_init 2 is the single run with the same seed
    let single = KMeans::params(8)
        .seed(3)
        .tol(0.0)
        .max_iter(3)
        .fit(x.view())
        .unwrap();
    if fit.diagnostics.best_restart == 0 {
        assert_eq!(fit.centers, single.centers);
    } else {
        assert!(fit.inertia < single.inertia);
    }
}

#[test]
fn deterministic_init_is_seed_free() {
    let (x, _) = blobs::<f32>(2000, 4, 6, 8.0, 51);
    let a = KMeans::params(6)
        .init(Init::Deterministic)
        .seed(1)
        .fit(x.view())
        .unwrap();
    let b = KMeans::params(6)
        .init(Init::Deterministic)
        .seed(2)
        .n_init(3)
        .fit(x.view())
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(b.diagnostics.n_restarts, 1);
}

#[test]
fn converges_on_identical_rows() {
    let x = Mat::filled(10, 3, 1.5f64);
    let fit = KMeans::params(3).fit(x.view()).unwrap();
    assert_eq!(fit.inertia, 0.0);
    assert!(fit.converged);
    let fit = KMeans::params(3)
        .init(Init::Deterministic)
        .fit(x.view())
        .unwrap();
    assert_eq!(fit.inertia, 0.0);
}
