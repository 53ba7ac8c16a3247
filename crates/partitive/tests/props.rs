//! Library-level property tests (issue 17, "Also build"): the cheaper half of the
//! properties the CLI tests check through the binary, with more cases.
//!
//! For random small matrices (values with duplicates, ties, constant columns, magnitudes
//! from 1e-100 to 1e100):
//! - k-means: labels in `[0, k)`, one per row; `inertia` is the sum of squared distances
//!   to the assigned centers; results bitwise identical for 1, 2 and 3 threads; the pruned
//!   variants (Hamerly, Yinyang) give plain Lloyd's labels;
//! - k-medoids: distinct medoids, every row labelled with a nearest medoid, `loss` the
//!   sum of those distances; identical for 1 and 3 threads;
//! - PPP (`auto`): labels in `[0, k)`; identical for 1 and 3 threads; the same partition
//!   (up to renaming) after permuting the rows.
//!
//! Cases per property: 32, or `PROPTEST_CASES`.

use std::collections::HashMap;

use partitive::dissimilarity::{Dissimilarity, Metric, MetricDissimilarity};
use partitive::kmeans::{Algorithm, Init, KMeans};
use partitive::kmedoids::KMedoids;
use partitive::ppp::Ppp;
use partitive::{Mat, MatRef};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(32);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => (-3i32..=3).prop_map(f64::from),
        3 => -1e3f64..1e3,
        2 => (1.0f64..10.0, -100i32..=100, any::<bool>())
            .prop_map(|(m, p, neg)| if neg { -m } else { m } * 10f64.powi(p)),
    ]
}

/// An n × d matrix (1 ≤ n ≤ 80, 1 ≤ d ≤ 4), some columns constant, some rows repeated.
fn matrix() -> impl Strategy<Value = Mat<f64>> {
    (1usize..=80, 1usize..=4)
        .prop_flat_map(|(n, d)| {
            (
                prop::collection::vec(value(), n * d),
                prop::collection::vec(prop::bool::weighted(0.2), d),
                prop::collection::vec(prop::bool::weighted(0.2), n),
                Just((n, d)),
            )
        })
        .prop_map(|(mut v, constant, repeat, (n, d))| {
            for (j, &c) in constant.iter().enumerate() {
                if c {
                    for i in 1..n {
                        v[i * d + j] = v[j];
                    }
                }
            }
            for (i, &r) in repeat.iter().enumerate() {
                if r && i > 0 {
                    let (a, b) = v.split_at_mut(i * d);
                    b[..d].copy_from_slice(&a[(i - 1) * d..i * d]);
                }
            }
            Mat::from_vec(v, n, d).expect("shape")
        })
}

/// Runs `f` on a rayon pool of `threads` threads.
fn on<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool")
        .install(f)
}

fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

fn same_partition(a: &[usize], b: &[usize]) -> bool {
    let (mut ab, mut ba) = (HashMap::new(), HashMap::new());
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(&x, &y)| *ab.entry(x).or_insert(y) == y && *ba.entry(y).or_insert(x) == x)
}

fn bits(x: MatRef<'_, f64>) -> Vec<u64> {
    x.as_slice().iter().map(|v| v.to_bits()).collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn kmeans_labels_inertia_and_threads(
        x in matrix(),
        k in 1usize..=5,
        seed in 0u64..8,
        deterministic in any::<bool>(),
    ) {
        let init = if deterministic { Init::Deterministic } else { Init::KMeansPlusPlus };
        let params = KMeans::params::<f64>(k).seed(seed).init(init);
        let fit = |t| on(t, || params.fit(x.view()));
        let one = fit(1);
        if k > x.n_rows() {
            prop_assert!(one.is_err(), "k = {} > n = {} accepted", k, x.n_rows());
            return Ok(());
        }
        let one = one.map_err(|e| TestCaseError::fail(format!("k-means failed: {e}")))?;
        prop_assert_eq!(one.labels.len(), x.n_rows());
        prop_assert!(one.labels.iter().all(|&l| l < k));
        let c = one.centers.view();
        let inertia: f64 = (0..x.n_rows())
            .map(|i| sq_dist(x.view().row(i), c.row(one.labels[i])))
            .sum();
        prop_assert!(
            (one.inertia - inertia).abs() <= 1e-9 * inertia.max(f64::MIN_POSITIVE),
            "inertia {} but the labels give {}", one.inertia, inertia
        );
        for t in [2, 3] {
            let other = fit(t).unwrap();
            prop_assert_eq!(&other.labels, &one.labels, "labels differ with {} threads", t);
            prop_assert_eq!(bits(other.centers.view()), bits(c), "centers differ with {} threads", t);
            prop_assert_eq!(other.inertia.to_bits(), one.inertia.to_bits());
        }
    }

    #[test]
    fn kmeans_pruned_variants_match_lloyd(x in matrix(), k in 1usize..=5, seed in 0u64..8) {
        prop_assume!(k <= x.n_rows());
        let run = |a| KMeans::params::<f64>(k).seed(seed).algorithm(a).fit(x.view()).unwrap();
        let lloyd = run(Algorithm::Lloyd);
        for a in [Algorithm::Hamerly, Algorithm::Yinyang] {
            prop_assert_eq!(&run(a).labels, &lloyd.labels, "{:?} differs from Lloyd", a);
        }
    }

    #[test]
    fn kmedoids_nearest_medoid_and_threads(x in matrix(), k in 1usize..=5, seed in 0u64..8) {
        prop_assume!(k <= x.n_rows());
        let d = MetricDissimilarity::new(x.view(), Metric::Euclidean).unwrap();
        let fit = |t| on(t, || KMedoids::params(k).seed(seed).fit(&d).unwrap());
        let r = fit(1);
        prop_assert_eq!(r.medoids.len(), k);
        let mut m = r.medoids.clone();
        m.sort_unstable();
        m.dedup();
        prop_assert_eq!(m.len(), k, "repeated medoids: {:?}", r.medoids);
        prop_assert_eq!(r.labels.len(), x.n_rows());
        let mut loss = 0.0;
        for (i, &l) in r.labels.iter().enumerate() {
            prop_assert!(l < k);
            let mine = d.get(i, r.medoids[l]);
            let best = r.medoids.iter().map(|&j| d.get(i, j)).fold(f64::INFINITY, f64::min);
            prop_assert!(mine <= best, "row {} labelled {} at {} but a medoid is at {}", i, l, mine, best);
            loss += mine;
        }
        prop_assert!((r.loss - loss).abs() <= 1e-9 * loss.max(f64::MIN_POSITIVE), "loss {} vs {}", r.loss, loss);
        let other = fit(3);
        prop_assert_eq!(&other.medoids, &r.medoids);
        prop_assert_eq!(&other.labels, &r.labels);
    }

    #[test]
    fn ppp_labels_threads_and_row_order(x in matrix(), perm_seed in any::<u64>()) {
        let fit = |t, x: MatRef<'_, f64>| on(t, || Ppp::params().fit(x));
        let r = match fit(1, x.view()) {
            Ok(r) => r,
            // A refusal is allowed (e.g. too few rows); it must not depend on the threads.
            Err(_) => {
                prop_assert!(fit(3, x.view()).is_err());
                return Ok(());
            }
        };
        prop_assert_eq!(r.labels.len(), x.n_rows());
        prop_assert!(r.labels.iter().all(|&l| l < r.k), "labels outside [0, {})", r.k);
        prop_assert_eq!(&fit(3, x.view()).unwrap().labels, &r.labels);

        // A permutation of the rows from a small LCG (no extra dependency).
        let n = x.n_rows();
        let mut order: Vec<usize> = (0..n).collect();
        let mut s = perm_seed | 1;
        for i in (1..n).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            order.swap(i, (s >> 33) as usize % (i + 1));
        }
        let d = x.n_cols();
        let mut v = Vec::with_capacity(n * d);
        for &i in &order {
            v.extend_from_slice(x.view().row(i));
        }
        let shuffled = Mat::from_vec(v, n, d).unwrap();
        let p = fit(2, shuffled.view()).unwrap();
        let expect: Vec<usize> = order.iter().map(|&i| r.labels[i]).collect();
        prop_assert!(same_partition(&expect, &p.labels), "row order changes the partition: {:?} vs {:?}", expect, p.labels);
    }
}
