//! Tests of the seedings: k-means|| ([`super::scalable`]) and the batched greedy
//! k-means++ step, and [`Init::Auto`]'s choice.

use super::data::Data;
use super::fit::resolve_init;
use super::scalable::{kmeans_parallel, kmeans_parallel_with, Settings, SETTINGS};
use super::tests::blobs;
use super::*;
use crate::float::Float;
use crate::matrix::Mat;
use crate::rng::Rng;

fn with_threads<R: Send>(t: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(t)
        .build()
        .unwrap()
        .install(f)
}

fn bits<T: Float>(m: &Mat<T>) -> Vec<u64> {
    m.as_slice().iter().map(|v| v.as_f64().to_bits()).collect()
}

/// Σ min_j ‖x − c_j‖² (f64, direct).
fn cost<T: Float>(x: &Mat<T>, c: &Mat<T>) -> f64 {
    (0..x.n_rows())
        .map(|i| {
            (0..c.n_rows())
                .map(|j| {
                    x.row(i)
                        .iter()
                        .zip(c.row(j))
                        .map(|(a, b)| (a.as_f64() - b.as_f64()).powi(2))
                        .sum::<f64>()
                })
                .fold(f64::INFINITY, f64::min)
        })
        .sum()
}

/// The same seed gives bitwise the same k-means|| centers for 1, 2 and 3 threads (more
/// than one chunk of rows), and another seed other centers.
fn parallel_thread_invariant<T: Float>() {
    let (x, _) = blobs::<T>(3 * crate::parallel::CHUNK_ROWS + 123, 7, 12, 30.0, 5);
    let data = Data::new(x.view(), None, 12).unwrap();
    let run = |t: usize, seed: u64| {
        with_threads(t, || bits(&kmeans_parallel(&data, 12, &mut Rng::new(seed))))
    };
    let one = run(1, 3);
    assert_eq!(one, run(2, 3));
    assert_eq!(one, run(3, 3));
    assert_ne!(one, run(2, 4));
    // whole fits through the public API, weighted
    let w: Vec<T> = (0..x.n_rows()).map(|i| T::of_usize(1 + i % 3)).collect();
    let fit = |t: usize| {
        with_threads(t, || {
            KMeans::params::<T>(12)
                .init(Init::KMeansParallel)
                .seed(9)
                .n_init(2)
                .fit(crate::Weighted::new(x.view(), Some(&w)))
                .unwrap()
        })
    };
    let (a, b) = (fit(1), fit(3));
    assert_eq!(bits(&a.centers), bits(&b.centers));
    assert_eq!(a.labels, b.labels);
    assert_eq!(a.inertia.to_bits(), b.inertia.to_bits());
    assert_eq!(a.diagnostics.seeding, Seeding::KMeansParallel);
}

#[test]
fn parallel_thread_invariant_f32() {
    parallel_thread_invariant::<f32>();
}

#[test]
fn parallel_thread_invariant_f64() {
    parallel_thread_invariant::<f64>();
}

/// On well-separated blobs, k-means|| seeds one center per blob (as greedy k-means++
/// does), and its seeding cost is no worse than k-means++'s.
fn parallel_finds_blobs<T: Float>() {
    let k = 25;
    let (x, truth) = blobs::<T>(40_000, 5, k, 200.0, 11);
    let data = Data::new(x.view(), None, k).unwrap();
    for seed in 0..3 {
        let c = kmeans_parallel(&data, k, &mut Rng::new(seed));
        assert_eq!((c.n_rows(), c.n_cols()), (k, 5));
        // each center nearest to rows of one blob only, each blob covered
        let fit = assign(x.view(), c.view()).unwrap();
        let mut owner = vec![usize::MAX; k];
        for (i, &l) in fit.labels.iter().enumerate() {
            assert!(
                owner[l] == usize::MAX || owner[l] == truth[i],
                "seed {seed}"
            );
            owner[l] = truth[i];
        }
        let pp = super::init::kmeans_plus_plus(&data, k, &mut Rng::new(seed));
        let (cp, cpp) = (cost(&x, &c), cost(&x, &pp));
        assert!(cp <= 1.01 * cpp, "seed {seed}: {cp} vs {cpp}");
    }
}

#[test]
fn parallel_finds_blobs_f32() {
    parallel_finds_blobs::<f32>();
}

#[test]
fn parallel_finds_blobs_f64() {
    parallel_finds_blobs::<f64>();
}

/// Fewer distinct rows than k, zero weights, k = n: k-means|| falls back to k-means++ and
/// returns k centers from rows of positive weight, without panicking.
#[test]
fn parallel_degenerate_inputs() {
    // 5 distinct rows repeated, k = 6
    let v: Vec<f64> = (0..300).map(|i| (i % 5) as f64).collect();
    let x = Mat::from_vec(v, 300, 1).unwrap();
    let fit = KMeans::params(6)
        .init(Init::KMeansParallel)
        .fit(x.view())
        .unwrap();
    assert_eq!(fit.centers.n_rows(), 6);
    assert!(fit.inertia.abs() < 1e-12);
    // rows of zero weight are never centers
    let x = Mat::from_vec((0..40).map(|i| i as f64).collect(), 40, 1).unwrap();
    let w: Vec<f64> = (0..40).map(|i| if i < 30 { 0.0 } else { 1.0 }).collect();
    let data = Data::new(x.view(), Some(&w), 10).unwrap();
    let c = kmeans_parallel(&data, 10, &mut Rng::new(1));
    let mut got: Vec<f64> = c.as_slice().to_vec();
    got.sort_by(f64::total_cmp);
    assert_eq!(got, (30..40).map(|i| i as f64).collect::<Vec<_>>());
    // k = n
    let c = kmeans_parallel(&data, 10, &mut Rng::new(2));
    assert_eq!(c.n_rows(), 10);
    // no rounds at all: the candidates are the first center only → fallback
    let s = Settings {
        oversampling: &[],
        ..SETTINGS
    };
    let c = kmeans_parallel_with(&data, 3, &mut Rng::new(2), s);
    assert_eq!(c.n_rows(), 3);
}

/// The rows drawn in a round: about `ℓ` of them, each with probability
/// `min(1, ℓ·w·D²/φ)` — never a row of zero weight or zero D², always a row whose
/// probability reaches 1, and the others in proportion to their mass.
#[test]
fn parallel_draws_follow_the_distances() {
    let n = 10_000;
    let x = Mat::from_vec(vec![0.0f64; n], n, 1).unwrap();
    let w: Vec<f64> = (0..n).map(|i| if i % 7 == 0 { 0.0 } else { 1.0 }).collect();
    let data = Data::new(x.view(), Some(&w), 1).unwrap();
    // D²: 0 on even rows, 1 on rows ≡ 1 (mod 4), 3 on rows ≡ 3 (mod 4); row 5001 large (always drawn).
    let mut d2: Vec<f64> = (0..n)
        .map(|i| match i % 4 {
            1 => 1.0,
            3 => 3.0,
            _ => 0.0,
        })
        .collect();
    d2[5001] = 1e4;
    let phi: f64 = (0..n).map(|i| w[i] * d2[i]).sum();
    let ell = 40.0;
    let (mut ones, mut threes, mut total) = (0usize, 0usize, 0usize);
    let rounds = 400;
    for key in 0..rounds {
        let drawn = super::scalable::draw(&data, &d2, ell / phi, key);
        assert!(drawn.windows(2).all(|p| p[0] < p[1]));
        assert!(drawn.contains(&5001));
        for &i in &drawn {
            assert!(w[i] > 0.0 && d2[i] > 0.0, "row {i}");
            match i % 4 {
                1 if i != 5001 => ones += 1,
                3 => threes += 1,
                _ => {}
            }
        }
        total += drawn.len();
    }
    // Expected: Σ min(1, ℓ w D²/φ) per round; rows ≡ 3 three times as often as ≡ 1.
    let expect: f64 = (0..n).map(|i| (ell * w[i] * d2[i] / phi).min(1.0)).sum();
    let mean = total as f64 / rounds as f64;
    assert!((mean - expect).abs() < 0.05 * expect, "{mean} vs {expect}");
    let ratio = threes as f64 / ones as f64;
    assert!((ratio - 3.0).abs() < 0.3, "{ratio}");
}

/// `Init::Auto`: k-means|| on large data with many rows per center, k-means++ otherwise;
/// explicit choices are kept.
#[test]
fn auto_init_by_size() {
    let a = Init::<f32>::Auto;
    assert_eq!(resolve_init(&a, 1_000_000, 64), Seeding::KMeansParallel);
    assert_eq!(resolve_init(&a, 1_000_000, 1024), Seeding::KMeansParallel);
    assert_eq!(resolve_init(&a, 10_000, 64), Seeding::KMeansPlusPlus);
    assert_eq!(resolve_init(&a, 100_000, 4096), Seeding::KMeansPlusPlus);
    assert_eq!(
        resolve_init(&Init::<f32>::KMeansParallel, 100, 3),
        Seeding::KMeansParallel
    );
    assert_eq!(
        resolve_init(&Init::<f32>::KMeansPlusPlus, 1_000_000, 64),
        Seeding::KMeansPlusPlus
    );
    assert_eq!(
        resolve_init(&Init::<f32>::Deterministic, 1_000_000, 64),
        Seeding::Deterministic
    );
    // Small fits keep k-means++'s results: the default equals the explicit choice.
    let (x, _) = blobs::<f64>(2000, 3, 6, 20.0, 2);
    let auto = KMeans::params(6).seed(4).fit(x.view()).unwrap();
    let pp = KMeans::params(6)
        .seed(4)
        .init(Init::KMeansPlusPlus)
        .fit(x.view())
        .unwrap();
    assert_eq!(auto, pp);
    assert_eq!(auto.diagnostics.seeding, Seeding::KMeansPlusPlus);
}

/// Overlapping blobs and more centers than blobs (no clean answer): the fits started from
/// k-means|| end, summed over seeds, no worse than those started from greedy k-means++
/// (1% slack), and `Init::Auto`'s default fit on data large enough for k-means|| is the
/// same for 1 and 2 threads.
#[test]
fn parallel_final_inertia_no_worse() {
    let (x, _) = blobs::<f32>(30_000, 6, 20, 8.0, 21);
    let k = 48;
    let fit = |init: Init<f32>, seed: u64| {
        KMeans::params::<f32>(k)
            .init(init)
            .seed(seed)
            .fit(x.view())
            .unwrap()
            .inertia
    };
    let (mut par, mut pp) = (0.0, 0.0);
    for seed in 0..4 {
        par += fit(Init::KMeansParallel, seed);
        pp += fit(Init::KMeansPlusPlus, seed);
    }
    assert!(par <= 1.01 * pp, "k-means|| {par} vs k-means++ {pp}");
    // Init::Auto on 70k rows × k = 16 (n·k ≥ 2²⁰): k-means||, thread-count invariant.
    let (x, _) = blobs::<f32>(70_000, 4, 16, 10.0, 3);
    let auto = |t: usize| {
        with_threads(t, || {
            KMeans::params::<f32>(16).seed(5).fit(x.view()).unwrap()
        })
    };
    let (a, b) = (auto(1), auto(2));
    assert_eq!(a.diagnostics.seeding, Seeding::KMeansParallel);
    assert_eq!(bits(&a.centers), bits(&b.centers));
    assert_eq!(a.labels, b.labels);
    assert_eq!(a.inertia.to_bits(), b.inertia.to_bits());
}
