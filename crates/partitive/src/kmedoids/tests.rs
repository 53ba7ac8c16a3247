//! Tests of the k-medoids family (invariants of the papers, determinism, parameters).

use super::*;
use crate::dissimilarity::{
    materialize, Condensed, DenseMatrix, Dissimilarity, Gower, Metric, MetricDissimilarity,
    TriangleLayout,
};
use crate::error::ErrorKind;
use crate::matrix::Mat;
use crate::rng::Rng;

/// Random symmetric matrix with integer values in 1..=max (exact sums).
fn int_matrix(rng: &mut Rng, n: usize, max: usize) -> Mat<f64> {
    let mut m = Mat::filled(n, n, 0.0f64);
    for i in 0..n {
        for j in 0..i {
            let v = (1 + rng.below(max)) as f64;
            m.row_mut(i)[j] = v;
            m.row_mut(j)[i] = v;
        }
    }
    m
}

/// Gaussian-ish blobs (sum of uniforms) around `c` centers on a line, `d` dims.
fn blobs(rng: &mut Rng, n: usize, d: usize, c: usize, spread: f64) -> Mat<f64> {
    let mut m = Mat::filled(n, d, 0.0f64);
    for i in 0..n {
        let center = (i % c) as f64 * 10.0;
        for x in m.row_mut(i).iter_mut() {
            *x = center + spread * (rng.next_f64() + rng.next_f64() - 1.0);
        }
    }
    m
}

fn loss_of<D: Dissimilarity>(d: &D, medoids: &[usize]) -> f64 {
    (0..d.n())
        .map(|o| {
            medoids
                .iter()
                .map(|&m| d.get(o, m).as_f64())
                .fold(f64::INFINITY, f64::min)
        })
        .sum()
}

/// Minimum loss over all k-subsets (tiny n only).
fn exhaustive<D: Dissimilarity>(d: &D, k: usize) -> f64 {
    fn rec<D: Dissimilarity>(d: &D, k: usize, start: usize, cur: &mut Vec<usize>, best: &mut f64) {
        if cur.len() == k {
            *best = best.min(loss_of(d, cur));
            return;
        }
        for i in start..d.n() {
            cur.push(i);
            rec(d, k, i + 1, cur, best);
            cur.pop();
        }
    }
    let mut best = f64::INFINITY;
    rec(d, k, 0, &mut Vec::new(), &mut best);
    best
}

/// No single (medoid, non-medoid) swap decreases the loss.
fn is_swap_local_optimum<D: Dissimilarity>(d: &D, medoids: &[usize], loss: f64) -> bool {
    for i in 0..medoids.len() {
        for h in 0..d.n() {
            if medoids.contains(&h) {
                continue;
            }
            let mut m = medoids.to_vec();
            m[i] = h;
            if loss_of(d, &m) < loss - 1e-9 * loss.abs().max(1.0) {
                return false;
            }
        }
    }
    true
}

use crate::float::Float;

fn with_threads<R: Send>(t: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(t)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn tiny_exact_results() {
    let x = Mat::from_rows(&[[0.0f64], [1.0], [2.0], [10.0], [11.0], [12.0], [30.0]]);
    let d = MetricDissimilarity::new(x.view(), Metric::Euclidean).unwrap();
    for alg in [
        Algorithm::Pam,
        Algorithm::FastPam1,
        Algorithm::FasterPam,
        Algorithm::Alternating,
    ] {
        let r = KMedoids::params(3).algorithm(alg.clone()).fit(&d).unwrap();
        let mut m = r.medoids.clone();
        m.sort();
        assert_eq!(m, vec![1, 4, 6], "{alg:?}");
        assert_eq!(r.loss, 4.0, "{alg:?}");
        assert!(r.diagnostics.converged);
        for (o, &l) in r.labels.iter().enumerate() {
            assert_eq!(
                d.get(o, r.medoids[l]),
                loss_of(&d, &[r.medoids[l]]) * 0.0 + d.get(o, r.medoids[l])
            );
            let best = r
                .medoids
                .iter()
                .map(|&m| d.get(o, m))
                .fold(f64::INFINITY, f64::min);
            assert_eq!(d.get(o, r.medoids[l]), best);
        }
    }
    // PAM from a poor start: exact swap and iteration counts
    let r = KMedoids::params(3)
        .algorithm(Algorithm::Pam)
        .init(Init::Given(vec![0, 1, 2]))
        .fit(&d)
        .unwrap();
    assert_eq!(r.loss, 4.0);
    assert_eq!(r.n_swaps, 2);
    assert_eq!(r.n_iter, 3);
    assert_eq!(r.diagnostics.initial_loss, 8.0 + 9.0 + 10.0 + 28.0);
}

/// FastPAM1 performs exactly PAM's swaps (integer matrices: exact sums, many ties).
#[test]
fn fastpam1_equals_pam() {
    let mut rng = Rng::new(11);
    for trial in 0..60 {
        let n = 5 + rng.below(30);
        let k = 1 + rng.below(5.min(n - 1));
        let m = int_matrix(&mut rng, n, if trial % 2 == 0 { 5 } else { 1000 });
        let d = DenseMatrix::new(m.view()).unwrap();
        let init = if trial % 3 == 0 {
            Init::Build
        } else {
            Init::Random
        };
        let p = KMedoids::params(k)
            .algorithm(Algorithm::Pam)
            .init(init.clone())
            .seed(trial);
        let a = p.clone().fit(&d).unwrap();
        let b = p.algorithm(Algorithm::FastPam1).fit(&d).unwrap();
        assert_eq!(a.medoids, b.medoids, "trial {trial} n={n} k={k}");
        assert_eq!(a.loss, b.loss);
        assert_eq!(a.labels, b.labels);
        assert_eq!((a.n_swaps, a.n_iter), (b.n_swaps, b.n_iter));
        assert!(
            is_swap_local_optimum(&d, &a.medoids, a.loss),
            "trial {trial}"
        );
    }
    // real-valued (euclidean) matrices: same medoids, loss equal to rounding
    for trial in 0..10 {
        let x = blobs(&mut rng, 60, 3, 4, 4.0);
        let d = MetricDissimilarity::new(x.view(), Metric::Euclidean).unwrap();
        let p = KMedoids::params(4)
            .algorithm(Algorithm::Pam)
            .init(Init::Random)
            .seed(trial);
        let a = p.clone().fit(&d).unwrap();
        let b = p.algorithm(Algorithm::FastPam1).fit(&d).unwrap();
        assert_eq!(a.medoids, b.medoids);
        assert!((a.loss - b.loss).abs() <= 1e-12 * a.loss);
    }
}

/// PAM (BUILD + SWAP) reaches the exhaustive optimum where it is known to: k = 1
/// always, and well-separated clusters.
#[test]
fn pam_matches_exhaustive() {
    let mut rng = Rng::new(5);
    for _ in 0..20 {
        let n = 4 + rng.below(8);
        let m = int_matrix(&mut rng, n, 50);
        let d = DenseMatrix::new(m.view()).unwrap();
        let r = KMedoids::params(1)
            .algorithm(Algorithm::Pam)
            .fit(&d)
            .unwrap();
        assert_eq!(r.loss, exhaustive(&d, 1));
    }
    for trial in 0..10 {
        let k = 2 + trial % 3;
        let x = blobs(&mut rng, 12, 2, k, 1.0);
        let d = MetricDissimilarity::new(x.view(), Metric::Euclidean).unwrap();
        let r = KMedoids::params(k)
            .algorithm(Algorithm::Pam)
            .fit(&d)
            .unwrap();
        assert!((r.loss - exhaustive(&d, k)).abs() < 1e-12, "trial {trial}");
    }
}

/// FasterPAM ends at a swap local optimum, never above its start.
#[test]
fn fasterpam_local_optimum() {
    let mut rng = Rng::new(3);
    for trial in 0..20 {
        let n = 6 + rng.below(40);
        let k = 1 + rng.below(6.min(n - 1));
        let m = int_matrix(&mut rng, n, 100);
        let d = DenseMatrix::new(m.view()).unwrap();
        for shuffle in [false, true] {
            let r = KMedoids::params(k)
                .init(Init::Random)
                .seed(trial)
                .shuffle(shuffle)
                .fit(&d)
                .unwrap();
            assert!(r.diagnostics.converged);
            assert!(r.loss <= r.diagnostics.initial_loss);
            assert_eq!(r.loss, loss_of(&d, &r.medoids));
            assert!(
                is_swap_local_optimum(&d, &r.medoids, r.loss),
                "trial {trial}"
            );
        }
    }
}

/// Same input + params ⇒ identical result for 1, 2 and 4 threads (f32 and f64).
#[test]
fn thread_count_invariance() {
    let mut rng = Rng::new(17);
    let x = blobs(&mut rng, 1500, 4, 12, 6.0);
    let x32 = Mat::from_vec(x.as_slice().iter().map(|&v| v as f32).collect(), 1500, 4).unwrap();
    let d64 = MetricDissimilarity::new(x.view(), Metric::Euclidean).unwrap();
    let d32 = MetricDissimilarity::new(x32.view(), Metric::Euclidean).unwrap();
    let m32 = materialize(&d32).unwrap();
    let dense32 = DenseMatrix::new(m32.view()).unwrap();
    let runs: Vec<Box<dyn Fn() -> KMedoidsResult + Sync>> = vec![
        Box::new(|| {
            KMedoids::params(10)
                .init(Init::Random)
                .fit(&dense32)
                .unwrap()
        }),
        Box::new(|| {
            KMedoids::params(10)
                .init(Init::Lab)
                .shuffle(true)
                .seed(4)
                .fit(&dense32)
                .unwrap()
        }),
        Box::new(|| {
            KMedoids::params(7)
                .init(Init::KMedoidsPlusPlus)
                .fit(&d64)
                .unwrap()
        }),
        Box::new(|| {
            KMedoids::params(5)
                .algorithm(Algorithm::FastPam1)
                .init(Init::Random)
                .fit(&dense32)
                .unwrap()
        }),
        Box::new(|| {
            KMedoids::params(6)
                .algorithm(Algorithm::FastClarans {
                    num_local: 3,
                    max_neighbor: Some(50),
                })
                .fit(&dense32)
                .unwrap()
        }),
        Box::new(|| {
            KMedoids::params(8)
                .algorithm(Algorithm::Alternating)
                .init(Init::Random)
                .fit(&dense32)
                .unwrap()
        }),
        Box::new(|| {
            Clara::params(12)
                .n_samples(3)
                .fit_data(x32.view(), Metric::Euclidean)
                .unwrap()
        }),
    ];
    for (i, run) in runs.iter().enumerate() {
        let a = with_threads(1, run);
        let b = with_threads(2, run);
        let c = with_threads(4, run);
        assert_eq!(a.loss.to_bits(), b.loss.to_bits(), "run {i}");
        assert_eq!(a.loss.to_bits(), c.loss.to_bits(), "run {i}");
        assert_eq!(a, b, "run {i}");
        assert_eq!(a, c, "run {i}");
        assert!(a.n_swaps > 0 || i == 5, "run {i} did nothing");
    }
}

/// Every source gives the same clustering for the same distances.
#[test]
fn sources_agree() {
    let mut rng = Rng::new(8);
    let x = blobs(&mut rng, 50, 3, 3, 5.0);
    let d = MetricDissimilarity::new(x.view(), Metric::Manhattan).unwrap();
    let full = materialize(&d).unwrap();
    let n = 50;
    let mut lower = Vec::new();
    let mut upper = Vec::new();
    for i in 0..n {
        for j in 0..i {
            lower.push(full.row(i)[j]);
        }
        for j in i + 1..n {
            upper.push(full.row(i)[j]);
        }
    }
    let dense = DenseMatrix::new(full.view()).unwrap();
    let lo = Condensed::new(&lower, n, TriangleLayout::LowerRowMajor).unwrap();
    let up = Condensed::new(&upper, n, TriangleLayout::UpperRowMajor).unwrap();
    let p = KMedoids::params(4).init(Init::Random).seed(1);
    let a = p.fit(&d).unwrap();
    assert_eq!(a, p.fit(&dense).unwrap());
    assert_eq!(a, p.fit(&lo).unwrap());
    assert_eq!(a, p.fit(&up).unwrap());
}

/// Gower and binary Jaccard: optimal loss equals a brute-force reference computed
/// with independent distance code.
#[test]
fn gower_and_jaccard_match_reference() {
    // mixed data: numeric age, numeric income, categorical colour, categorical city
    let rows: [[f64; 4]; 10] = [
        [20.0, 1.0, 0.0, 1.0],
        [22.0, 1.2, 0.0, 1.0],
        [21.0, 0.9, 0.0, 2.0],
        [60.0, 5.0, 1.0, 3.0],
        [62.0, 5.5, 1.0, 3.0],
        [59.0, 4.8, 2.0, 3.0],
        [40.0, 3.0, 3.0, 0.0],
        [41.0, 2.9, 3.0, 0.0],
        [39.0, 3.2, 3.0, 4.0],
        [23.0, 1.1, 0.0, 1.0],
    ];
    let x = Mat::from_rows(&rows);
    let cat = [false, false, true, true];
    let g = Gower::new(x.view(), &cat, None).unwrap();
    let reference = |i: usize, j: usize| -> f64 {
        let (a, b) = (&rows[i], &rows[j]);
        let range = |c: usize| {
            let v: Vec<f64> = rows.iter().map(|r| r[c]).collect();
            v.iter().cloned().fold(f64::MIN, f64::max) - v.iter().cloned().fold(f64::MAX, f64::min)
        };
        let num = (a[0] - b[0]).abs() / range(0) + (a[1] - b[1]).abs() / range(1);
        let cats = (a[2] != b[2]) as u8 as f64 + (a[3] != b[3]) as u8 as f64;
        (num + cats) / 4.0
    };
    let mut refm = Mat::filled(10, 10, 0.0);
    for i in 0..10 {
        for j in 0..10 {
            refm.row_mut(i)[j] = reference(i, j);
        }
    }
    let rd = DenseMatrix::new(refm.view()).unwrap();
    for k in 1..=4 {
        let r = KMedoids::params(k)
            .algorithm(Algorithm::Pam)
            .fit(&g)
            .unwrap();
        let best = exhaustive(&rd, k);
        assert!(
            (r.loss - best).abs() < 1e-12,
            "gower k={k}: {} vs {best}",
            r.loss
        );
        assert!((loss_of(&rd, &r.medoids) - r.loss).abs() < 1e-12);
    }
    // binary data, Jaccard
    let mut rng = Rng::new(21);
    let bits: Vec<f64> = (0..12 * 8)
        .map(|i| {
            let proto = (i / 8) % 3; // 3 prototypes
            let on = (i % 8) / 3 == proto || rng.below(10) == 0;
            on as u8 as f64
        })
        .collect();
    let xb = Mat::from_vec(bits.clone(), 12, 8).unwrap();
    let jd = MetricDissimilarity::new(xb.view(), Metric::Jaccard).unwrap();
    let mut jm = Mat::filled(12, 12, 0.0);
    for i in 0..12 {
        for j in 0..12 {
            let (a, b) = (&bits[i * 8..i * 8 + 8], &bits[j * 8..j * 8 + 8]);
            let inter = a
                .iter()
                .zip(b)
                .filter(|(x, y)| **x == 1.0 && **y == 1.0)
                .count();
            let uni = a
                .iter()
                .zip(b)
                .filter(|(x, y)| **x == 1.0 || **y == 1.0)
                .count();
            jm.row_mut(i)[j] = if uni == 0 {
                0.0
            } else {
                (uni - inter) as f64 / uni as f64
            };
        }
    }
    let jr = DenseMatrix::new(jm.view()).unwrap();
    for k in 1..=4 {
        // same swaps as on the reference matrix
        let p = KMedoids::params(k).algorithm(Algorithm::Pam);
        let (r, q) = (p.fit(&jd).unwrap(), p.fit(&jr).unwrap());
        assert_eq!(r.medoids, q.medoids, "jaccard k={k}");
        assert!((r.loss - q.loss).abs() < 1e-12, "jaccard k={k}");
    }
    // k = 3 matches the 3 prototypes: the exhaustive optimum
    let r = KMedoids::params(3)
        .algorithm(Algorithm::Pam)
        .fit(&jd)
        .unwrap();
    assert!((r.loss - exhaustive(&jr, 3)).abs() < 1e-12, "jaccard k=3");
}

#[test]
fn clara_finds_blobs() {
    let mut rng = Rng::new(2);
    let x = blobs(&mut rng, 4000, 2, 5, 2.0);
    let r = Clara::params(5)
        .seed(3)
        .fit_data(x.view(), Metric::Euclidean)
        .unwrap();
    let truth: Vec<usize> = (0..4000).map(|i| i % 5).collect();
    let ari = crate::metrics::adjusted_rand_index(&truth, &r.labels).unwrap();
    assert_eq!(ari, 1.0);
    let d = MetricDissimilarity::new(x.view(), Metric::Euclidean).unwrap();
    assert!((r.loss - loss_of(&d, &r.medoids)).abs() < 1e-9 * r.loss);
    assert_eq!(r.diagnostics.run_losses.len(), 5);
    let b = r.diagnostics.best_run.unwrap();
    assert_eq!(r.diagnostics.run_losses[b], r.loss);
    assert!(r.diagnostics.run_losses.iter().all(|&l| l >= r.loss));
}

#[test]
fn inits_are_valid() {
    let mut rng = Rng::new(9);
    let x = blobs(&mut rng, 200, 2, 4, 3.0);
    let d = MetricDissimilarity::new(x.view(), Metric::Euclidean).unwrap();
    for init in [
        Init::Build,
        Init::Random,
        Init::KMedoidsPlusPlus,
        Init::Lab,
        Init::Given(vec![5, 6, 7, 8]),
    ] {
        let stop = crate::interrupt::Interrupt::new();
        let start = super::init::initial_medoids(&d, 4, &init, 0, &stop).unwrap();
        let mut m = start.clone();
        m.sort();
        m.dedup();
        assert_eq!(m.len(), 4, "{init:?}");
        let r = KMedoids::params(4)
            .init(init.clone())
            .algorithm(Algorithm::FastPam1)
            .fit(&d)
            .unwrap();
        assert_eq!(r.diagnostics.initial_loss, loss_of(&d, &start), "{init:?}");
    }
    // k = n: every object is a medoid
    let r = KMedoids::params(200).init(Init::Random).fit(&d).unwrap();
    assert_eq!(r.loss, 0.0);
}

fn param_name(e: crate::Error) -> String {
    match e.kind() {
        ErrorKind::InvalidParameter { name, .. } => name.to_string(),
        ErrorKind::ShapeMismatch { what, .. } => format!("shape:{what}"),
        ErrorKind::InvalidData { reason } => format!("data:{reason}"),
        _ => "other".to_string(),
    }
}

#[test]
fn parameter_errors() {
    let x = Mat::from_rows(&[[0.0f64], [1.0], [2.0]]);
    let d = MetricDissimilarity::new(x.view(), Metric::Euclidean).unwrap();
    let e = |p: KMedoidsParams| param_name(p.fit(&d).unwrap_err());
    assert_eq!(e(KMedoids::params(0)), "k");
    assert_eq!(e(KMedoids::params(4)), "k");
    assert_eq!(e(KMedoids::params(2).max_iter(0)), "max_iter");
    let clarans = |num_local, max_neighbor| Algorithm::FastClarans {
        num_local,
        max_neighbor,
    };
    assert_eq!(
        e(KMedoids::params(2).algorithm(clarans(0, None))),
        "num_local"
    );
    assert_eq!(
        e(KMedoids::params(2).algorithm(clarans(1, Some(0)))),
        "max_neighbor"
    );
    assert_eq!(
        e(KMedoids::params(2).init(Init::Given(vec![0]))),
        "shape:initial medoids"
    );
    assert_eq!(e(KMedoids::params(2).init(Init::Given(vec![0, 0]))), "init");
    assert_eq!(e(KMedoids::params(2).init(Init::Given(vec![0, 3]))), "init");
    let c = |p: ClaraParams| param_name(p.fit(&d).unwrap_err());
    assert_eq!(c(Clara::params(0)), "k");
    assert_eq!(c(Clara::params(4)), "k");
    assert_eq!(c(Clara::params(2).n_samples(0)), "n_samples");
    assert_eq!(c(Clara::params(2).sample_size(1)), "sample_size");
    assert_eq!(c(Clara::params(2).max_iter(0)), "max_iter");
}

#[test]
fn rounding_ties_do_not_cycle() {
    // Binary rows with many duplicates: cosine and jaccard give many equal distances, and
    // rounding can make a zero-gain swap look like an improvement. Every swap algorithm
    // must converge well before max_iter.
    let mut rng = Rng::new(0);
    let rows: Vec<[f64; 8]> = (0..60)
        .map(|_| std::array::from_fn(|_| if rng.next_f64() < 0.3 { 1.0 } else { 0.0 }))
        .collect();
    let x = Mat::from_rows(&rows);
    for metric in [Metric::Cosine, Metric::Jaccard] {
        let d = MetricDissimilarity::new(x.view(), metric).unwrap();
        for algorithm in [Algorithm::FasterPam, Algorithm::FastPam1, Algorithm::Pam] {
            let r = KMedoids::params(3)
                .algorithm(algorithm.clone())
                .fit(&d)
                .unwrap();
            assert!(
                r.diagnostics.converged,
                "{metric:?} {algorithm:?}: {} swaps",
                r.n_swaps
            );
            assert!(
                r.n_swaps < 50,
                "{metric:?} {algorithm:?}: {} swaps",
                r.n_swaps
            );
        }
    }
}
