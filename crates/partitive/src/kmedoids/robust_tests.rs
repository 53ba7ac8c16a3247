//! k-medoids on extreme dissimilarities (issue 17, case 3), duplicate objects (case 13)
//! and interruption (case 12).

use super::*;
use crate::dissimilarity::{
    materialize, Condensed, DenseMatrix, Dissimilarity, Metric, MetricDissimilarity, TriangleLayout,
};
use crate::error::ErrorKind;
use crate::float::Float;
use crate::interrupt::Interrupt;
use crate::matrix::Mat;
use crate::metrics::adjusted_rand_index;
use crate::rng::Rng;
use std::sync::atomic::{AtomicUsize, Ordering};

fn blobs<T: Float>(scale: f64) -> Mat<T> {
    let mut rng = Rng::new(8);
    let centres = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]];
    let rows: Vec<[T; 2]> = (0..90)
        .map(|i| {
            let c = centres[i % 3];
            let u = rng.next_f64() + rng.next_f64() - 1.0;
            let v = rng.next_f64() + rng.next_f64() - 1.0;
            [T::of_f64((c[0] + u) * scale), T::of_f64((c[1] + v) * scale)]
        })
        .collect();
    Mat::from_rows(&rows)
}

fn truth() -> Vec<usize> {
    (0..90).map(|i| i % 3).collect()
}

fn algorithms() -> Vec<Algorithm> {
    vec![
        Algorithm::FasterPam,
        Algorithm::FastPam1,
        Algorithm::Pam,
        Algorithm::Alternating,
        Algorithm::FastClarans {
            num_local: 2,
            max_neighbor: None,
        },
    ]
}

#[test]
fn extreme_data_under_every_metric_and_algorithm() {
    let metrics = [
        Metric::Euclidean,
        Metric::SqEuclidean,
        Metric::Manhattan,
        Metric::Chebyshev,
        Metric::Cosine,
    ];
    for scale in [1e-300, 1e-170, 1e-30, 1.0, 1e30, 1e155, 1e200, 1e300] {
        let x = blobs::<f64>(scale);
        for metric in metrics {
            let d = MetricDissimilarity::new(x.view(), metric).unwrap();
            for alg in algorithms() {
                let r = KMedoids::params(3)
                    .algorithm(alg.clone())
                    .fit(&d)
                    .unwrap_or_else(|e| panic!("{scale:e} {metric:?} {alg:?}: {e}"));
                if metric != Metric::Cosine {
                    // (cosine sees directions only: the blobs are not its clusters)
                    let ari = adjusted_rand_index(&truth(), &r.labels).unwrap();
                    assert_eq!(ari, 1.0, "{scale:e} {metric:?} {alg:?}");
                }
                assert!(r.loss >= 0.0 && !r.loss.is_nan(), "{scale:e} {metric:?}");
            }
            let r = Clara::params(3).fit(&d).unwrap();
            assert_eq!(r.medoids.len(), 3);
        }
    }
}

#[test]
fn extreme_f32_data_and_sq_distances() {
    for scale in [1e-40, 1e-30, 1e19, 1e25, 1e36] {
        let x = blobs::<f32>(scale);
        for metric in [Metric::Euclidean, Metric::SqEuclidean, Metric::Manhattan] {
            let d = MetricDissimilarity::new(x.view(), metric).unwrap();
            let r = KMedoids::params(3).fit(&d).unwrap();
            let ari = adjusted_rand_index(&truth(), &r.labels).unwrap();
            assert_eq!(ari, 1.0, "{scale:e} {metric:?}");
        }
    }
}

#[test]
fn distances_stay_finite_where_representable() {
    // The squares of 1e200 overflow; the distance itself is representable.
    let a = [1e200f64, -3e200];
    let b = [-2e200f64, 1e200];
    assert!((Metric::Euclidean.distance(&a, &b) / 5e200 - 1.0).abs() < 1e-15);
    let a = [1e-200f64, -3e-200];
    let b = [-2e-200f64, 1e-200];
    assert!((Metric::Euclidean.distance(&a, &b) / 5e-200 - 1.0).abs() < 1e-15);
    // cosine of huge and tiny rows
    let c = Metric::Cosine.distance(&[1e300f64, 0.0], &[1e300f64, 1e300]);
    assert!((c - (1.0 - 0.5f64.sqrt())).abs() < 1e-15, "{c}");
    let c = Metric::Cosine.distance(&[1e-300f64, 0.0], &[0.0, 1e-300]);
    assert_eq!(c, 1.0);
    // predict: nearest rows of extreme data under a squared metric
    let x = blobs::<f64>(1e200);
    let centres = Mat::from_rows(&[[0.0, 0.0], [1e201, 0.0], [0.0, 1e201]]);
    let l = Metric::SqEuclidean
        .nearest(x.view(), centres.view())
        .unwrap();
    assert_eq!(l, truth());
}

#[test]
fn stored_matrices_whose_sums_overflow() {
    // A precomputed matrix of entries up to ~1e306 over 90 objects: the loss overflows
    // f64 (reported as +∞), the medoids are those of the matrix divided by 2^1000.
    let x = blobs::<f64>(1.0);
    let d = MetricDissimilarity::new(x.view(), Metric::Euclidean).unwrap();
    let full = materialize(&d).unwrap();
    let mut big = full.clone();
    crate::scale::scale_mat(&mut big, 1000);
    let (a, b) = (
        DenseMatrix::new(full.view()).unwrap(),
        DenseMatrix::new(big.view()).unwrap(),
    );
    for alg in algorithms() {
        let ra = KMedoids::params(3).algorithm(alg.clone()).fit(&a).unwrap();
        let rb = KMedoids::params(3).algorithm(alg.clone()).fit(&b).unwrap();
        assert_eq!(ra.medoids, rb.medoids, "{alg:?}");
        assert_eq!(ra.labels, rb.labels, "{alg:?}");
        assert!(
            rb.loss == f64::INFINITY || rb.loss > 1e300,
            "{alg:?}: {}",
            rb.loss
        );
    }
    // the same as a condensed vector
    let n = 90;
    let upper: Vec<f64> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .map(|(i, j)| big.row(i)[j])
        .collect();
    let c = Condensed::new(&upper, n, TriangleLayout::UpperRowMajor).unwrap();
    let rc = KMedoids::params(3).fit(&c).unwrap();
    let ra = KMedoids::params(3).fit(&a).unwrap();
    assert_eq!(rc.medoids, ra.medoids);
    let r = Clara::params(3).fit(&b).unwrap();
    assert_eq!(adjusted_rand_index(&truth(), &r.labels).unwrap(), 1.0);
}

#[test]
fn identical_objects_each_medoid_labels_itself() {
    let x = Mat::filled(50, 2, 3.0f64);
    let d = MetricDissimilarity::new(x.view(), Metric::Euclidean).unwrap();
    for alg in algorithms() {
        for init in [Init::Build, Init::Random, Init::KMedoidsPlusPlus, Init::Lab] {
            let r = KMedoids::params(3)
                .algorithm(alg.clone())
                .init(init.clone())
                .fit(&d)
                .unwrap();
            for (s, &m) in r.medoids.iter().enumerate() {
                assert_eq!(r.labels[m], s, "{alg:?} {init:?}: medoid {m} of slot {s}");
            }
            let mut distinct = r.medoids.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), 3);
            assert_eq!(r.diagnostics.coincident_medoids, 2, "{alg:?}");
            assert_eq!(r.loss, 0.0);
            // every other object: the lowest slot (ties)
            let others = (0..50).filter(|o| !r.medoids.contains(o));
            assert!(others.into_iter().all(|o| r.labels[o] == 0));
        }
    }
    let r = Clara::params(3).fit(&d).unwrap();
    for (s, &m) in r.medoids.iter().enumerate() {
        assert_eq!(r.labels[m], s);
    }
    assert_eq!(r.diagnostics.coincident_medoids, 2);
    // Distinct objects: no coincident medoid reported.
    let y = blobs::<f64>(1.0);
    let dy = MetricDissimilarity::new(y.view(), Metric::Euclidean).unwrap();
    assert_eq!(
        KMedoids::params(3)
            .fit(&dy)
            .unwrap()
            .diagnostics
            .coincident_medoids,
        0
    );
}

/// A source that triggers `stop` after `after` row reads, and counts the reads.
struct Tripwire<'a, D> {
    inner: D,
    stop: &'a Interrupt,
    after: usize,
    reads: AtomicUsize,
}

impl<D: Dissimilarity> Dissimilarity for Tripwire<'_, D> {
    type Value = D::Value;
    fn n(&self) -> usize {
        self.inner.n()
    }
    fn get(&self, i: usize, j: usize) -> D::Value {
        self.inner.get(i, j)
    }
    fn row<'s>(&'s self, i: usize, buf: &'s mut Vec<D::Value>) -> &'s [D::Value] {
        if self.reads.fetch_add(1, Ordering::Relaxed) + 1 == self.after {
            self.stop.trigger();
        }
        self.inner.row(i, buf)
    }
}

#[test]
fn interrupt_stops_every_algorithm_promptly() {
    let mut rng = Rng::new(1);
    let rows: Vec<[f64; 3]> = (0..400)
        .map(|_| [rng.next_f64(), rng.next_f64(), rng.next_f64()])
        .collect();
    let x = Mat::from_rows(&rows);
    let full =
        materialize(&MetricDissimilarity::new(x.view(), Metric::Euclidean).unwrap()).unwrap();
    let mut runs: Vec<(Algorithm, Init, usize)> = Vec::new();
    for alg in [Algorithm::FasterPam, Algorithm::FastPam1, Algorithm::Pam] {
        runs.push((alg.clone(), Init::Build, 700)); // stopped inside BUILD
        runs.push((alg, Init::Random, 700)); // stopped in the swap phase
    }
    // Alternating reads k rows per round: trip it in the second round.
    runs.push((Algorithm::Alternating, Init::Random, 30));
    let clarans = Algorithm::FastClarans {
        num_local: 2,
        max_neighbor: Some(1_000_000),
    };
    runs.push((clarans, Init::Random, 700));
    for (alg, init, after) in runs {
        let stop = Interrupt::new();
        let d = Tripwire {
            inner: DenseMatrix::new(full.view()).unwrap(),
            stop: &stop,
            after,
            reads: AtomicUsize::new(0),
        };
        let e = KMedoids::params(20)
            .algorithm(alg.clone())
            .init(init.clone())
            .max_iter(10_000)
            .interrupt(&stop)
            .fit(&d)
            .unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Interrupted, "{alg:?} {init:?}");
        // Stopped at the next step boundary: at most about one pass over the candidates
        // (plus a block of parallel reads) after the trigger.
        let reads = d.reads.load(Ordering::Relaxed);
        assert!(
            reads < after + 3 * 400,
            "{alg:?} {init:?}: {reads} row reads"
        );
    }
    let stop = Interrupt::new();
    stop.trigger();
    let d = DenseMatrix::new(full.view()).unwrap();
    let e = Clara::params(5).interrupt(&stop).fit(&d).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Interrupted);
}
