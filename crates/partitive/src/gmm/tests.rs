//! Tests of the Gaussian mixture module.

use super::test_reference::naive_em_step;
use super::*;
use crate::error::ErrorKind;
use crate::matrix::{Mat, MatRef};
use crate::rng::Rng;

/// Rows drawn from isotropic Gaussians (scale `sd`) around `means`, counts per component.
fn mixture(means: &[Vec<f64>], counts: &[usize], sd: f64, seed: u64) -> (Mat<f64>, Vec<usize>) {
    let mut rng = Rng::new(seed);
    let d = means[0].len();
    let mut data = Vec::new();
    let mut labels = Vec::new();
    for (c, (m, &cnt)) in means.iter().zip(counts).enumerate() {
        for _ in 0..cnt {
            for mj in m.iter().take(d) {
                data.push(mj + sd * rng.normal());
            }
            labels.push(c);
        }
    }
    // Interleave rows deterministically so chunks hold several components.
    let n = labels.len();
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    let mut x = Vec::with_capacity(n * d);
    let mut l = Vec::with_capacity(n);
    for &i in &order {
        x.extend_from_slice(&data[i * d..(i + 1) * d]);
        l.push(labels[i]);
    }
    (Mat::from_vec(x, n, d).unwrap(), l)
}

fn three_blobs(n_per: usize, seed: u64) -> (Mat<f64>, Vec<usize>) {
    let means = vec![
        vec![0.0, 0.0, 0.0],
        vec![8.0, 0.0, 1.0],
        vec![0.0, 9.0, -2.0],
    ];
    mixture(&means, &[n_per, 2 * n_per, n_per], 1.0, seed)
}

fn flat_cov(c: &Covariances) -> Vec<f64> {
    match c {
        Covariances::Full(v) => v.iter().flat_map(|m| m.as_slice().to_vec()).collect(),
        Covariances::Tied(m) | Covariances::Diag(m) => m.as_slice().to_vec(),
        Covariances::Spherical(v) => v.clone(),
    }
}

/// Mean over columns of the population variance: the scale `reg_covar` is relative to.
fn mean_variance(x: &Mat<f64>) -> f64 {
    let (n, d) = (x.n_rows(), x.n_cols());
    let mut total = 0.0;
    for j in 0..d {
        let mean = (0..n).map(|i| x.row(i)[j]).sum::<f64>() / n as f64;
        total += (0..n).map(|i| (x.row(i)[j] - mean).powi(2)).sum::<f64>() / n as f64;
    }
    total / d as f64
}

fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{what}: {x} vs {y}");
    }
}

#[test]
fn matches_naive_em_for_all_covariance_types() {
    // Overlapping components, offset from the origin, so EM really moves.
    let means = vec![
        vec![10.0, 10.0, 10.0],
        vec![11.5, 10.0, 11.0],
        vec![10.0, 12.0, 10.0],
    ];
    let (x, labels) = mixture(&means, &[60, 90, 50], 1.0, 7);
    // A deliberately poor start: labels rotated for a third of the rows.
    let start: Vec<usize> = labels
        .iter()
        .enumerate()
        .map(|(i, &l)| if i % 3 == 0 { (l + 1) % 3 } else { l })
        .collect();
    for cov in CovarianceType::ALL {
        let base = GaussianMixture::params::<f64>(3)
            .covariance(cov)
            .tol(0.0)
            .init(GmmInit::Partition(start.clone()));
        // One EM iteration from the start, then three naive steps against four.
        let m1 = base.clone().max_iter(1).fit(x.view()).unwrap();
        let mut p = m1.params.clone();
        let mut lb = 0.0;
        let reg = 1e-6 * mean_variance(&x); // reg_covar is relative to the data's scale
        for _ in 0..3 {
            let (l, q) = naive_em_step(&x, &p, reg);
            lb = l;
            p = q;
        }
        let m = base.max_iter(4).fit(x.view()).unwrap();
        assert_eq!(m.n_iter, 4);
        assert!(!m.converged);
        assert!(
            (m.lower_bound - lb).abs() < 1e-11 * lb.abs(),
            "{cov}: {} vs {lb}",
            m.lower_bound
        );
        assert_close(&m.params.weights, &p.weights, 1e-10, "weights");
        assert_close(
            m.params.means.as_slice(),
            p.means.as_slice(),
            1e-10,
            "means",
        );
        assert_close(
            &flat_cov(&m.params.covariances),
            &flat_cov(&p.covariances),
            1e-9,
            "cov",
        );
        assert!(m.diagnostics.is_clean(), "{cov}: {:?}", m.diagnostics);
    }
}

#[test]
fn partition_init_estimates_partition_parameters() {
    let x = Mat::from_rows(&[
        [0.0f64, 0.0],
        [2.0, 0.0],
        [0.0, 2.0],
        [10.0, 10.0],
        [12.0, 10.0],
    ]);
    let labels = vec![0, 0, 0, 1, 1];
    let summary = super::data::summarize::<f64>(x.view(), None, CovarianceType::Full).unwrap();
    let inp = super::mstep::MStepInput {
        kind: CovarianceType::Full,
        d: 2,
        reg_covar: 0.0,
        nk_eps: 10.0 * f64::EPSILON,
        shift: &summary.shift,
        scatter: &summary.scatter,
    };
    let (q, empty) = super::init::from_partition::<f64>(x.view(), None, &labels, 2, &inp).unwrap();
    assert!(empty.is_empty());
    let mu = q.means.row(0);
    assert!((mu[0] - 2.0 / 3.0).abs() < 1e-12 && (mu[1] - 2.0 / 3.0).abs() < 1e-12);
    assert!((q.weights[0] - 0.6).abs() < 1e-12);
    let Covariances::Full(c) = &q.covariances else {
        panic!()
    };
    // Biased covariance of (0,0),(2,0),(0,2): var = 8/9, cov = −4/9.
    assert!((c[0].row(0)[0] - 8.0 / 9.0).abs() < 1e-12);
    assert!((c[0].row(0)[1] + 4.0 / 9.0).abs() < 1e-12);
    // Component 1 has two points in two dimensions: singular, regularised (at the
    // start, iteration 0), reported.
    let m = GaussianMixture::params::<f64>(2)
        .covariance(CovarianceType::Full)
        .reg_covar(0.0)
        .max_iter(1)
        .init(GmmInit::Partition(labels))
        .fit(x.view())
        .unwrap();
    assert!(m.diagnostics.regularized.iter().any(|e| e.iteration == 0));
    assert!(m.log_likelihood.is_finite());
}

#[test]
fn recovers_means_and_weights() {
    let (x, truth) = three_blobs(400, 1);
    for cov in CovarianceType::ALL {
        let m = GaussianMixture::params::<f64>(3)
            .covariance(cov)
            .seed(3)
            .fit(x.view())
            .unwrap();
        assert!(m.converged, "{cov}");
        // Match components to true ones by nearest mean.
        let true_means = [[0.0, 0.0, 0.0], [8.0, 0.0, 1.0], [0.0, 9.0, -2.0]];
        let true_w = [0.25, 0.5, 0.25];
        for (t, tm) in true_means.iter().enumerate() {
            let c = (0..3)
                .min_by(|&a, &b| {
                    let da: f64 = (0..3)
                        .map(|j| (m.params.means.row(a)[j] - tm[j]).powi(2))
                        .sum();
                    let db: f64 = (0..3)
                        .map(|j| (m.params.means.row(b)[j] - tm[j]).powi(2))
                        .sum();
                    da.total_cmp(&db)
                })
                .unwrap();
            for j in 0..3 {
                assert!((m.params.means.row(c)[j] - tm[j]).abs() < 0.2, "{cov} mean");
            }
            assert!(
                (m.params.weights[c] - true_w[t]).abs() < 0.02,
                "{cov} weight"
            );
        }
        // Labels agree with the truth up to renaming.
        let mut agree = 0;
        for (i, &l) in m.labels.iter().enumerate() {
            let same = m
                .labels
                .iter()
                .zip(&truth)
                .take(50)
                .all(|(a, b)| (*a == l) == (*b == truth[i]));
            agree += same as usize;
        }
        assert!(agree > m.labels.len() * 99 / 100, "{cov}");
    }
}

#[test]
fn bic_and_icl_pick_true_k() {
    let (x, _) = three_blobs(150, 2);
    let base = GaussianMixture::params::<f64>(1).seed(1).n_init(2);
    let s = select(
        x.view(),
        None,
        1..=5,
        &[CovarianceType::Full],
        Criterion::Bic,
        &base,
    )
    .unwrap();
    assert_eq!(s.best_k, 3, "{:?}", s.table);
    assert_eq!(s.table.len(), 5);
    assert_eq!(s.best.n_components(), 3);
    let s = select(
        x.view(),
        None,
        2..=4,
        &[CovarianceType::Spherical, CovarianceType::Diag],
        Criterion::Icl,
        &base,
    )
    .unwrap();
    assert_eq!(s.best_k, 3);
    assert_eq!(s.table.len(), 6);
}

fn fit_with_threads(threads: usize, x: MatRef<'_, f32>, cov: CovarianceType) -> GmmModel {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        GaussianMixture::params::<f32>(4)
            .covariance(cov)
            .max_iter(5)
            .tol(0.0)
            .init(GmmInit::Partition(
                (0..x.n_rows()).map(|i| (i * 7) % 4).collect(),
            ))
            .fit(x)
            .unwrap()
    })
}

#[test]
fn bitwise_identical_across_thread_counts() {
    let (x, _) = three_blobs(3000, 5);
    let x32: Vec<f32> = x.as_slice().iter().map(|&v| v as f32).collect();
    let x32 = MatRef::new(&x32, x.n_rows(), 3).unwrap();
    for cov in [
        CovarianceType::Full,
        CovarianceType::Diag,
        CovarianceType::Tied,
    ] {
        let a = fit_with_threads(1, x32, cov);
        let b = fit_with_threads(2, x32, cov);
        let c = fit_with_threads(4, x32, cov);
        for m in [&b, &c] {
            assert_eq!(a.lower_bound.to_bits(), m.lower_bound.to_bits());
            assert_eq!(a.log_likelihood.to_bits(), m.log_likelihood.to_bits());
            assert_eq!(a.params, m.params);
            assert_eq!(a.labels, m.labels);
        }
    }
}

#[test]
fn prediction_consistent_with_fit() {
    let (x, _) = three_blobs(100, 3);
    let m = GaussianMixture::params::<f64>(3).fit(x.view()).unwrap();
    assert_eq!(m.predict(x.view()).unwrap(), m.labels);
    let ll = m.score_samples(x.view()).unwrap();
    let total: f64 = ll.iter().sum();
    assert!((total - m.log_likelihood).abs() < 1e-9 * total.abs());
    assert!((m.bic_on(x.view()).unwrap() - m.bic).abs() < 1e-8 * m.bic.abs());
    let p = m.predict_proba(x.view()).unwrap();
    for i in 0..x.n_rows() {
        let s: f64 = p.row(i).iter().sum();
        assert!((s - 1.0).abs() < 1e-12);
    }
    assert!(m.icl >= m.bic);
    assert!(m.predict(Mat::filled(2, 2, 0.0f64).view()).is_err());
}

#[test]
fn integer_weights_equal_repeated_rows() {
    let (x, _) = three_blobs(40, 4);
    let n = x.n_rows();
    let w: Vec<f64> = (0..n).map(|i| (i % 3) as f64).collect();
    let mut rep = Vec::new();
    let mut rep_labels = Vec::new();
    let start: Vec<usize> = (0..n).map(|i| i % 3).collect();
    for i in 0..n {
        for _ in 0..(i % 3) {
            rep.extend_from_slice(x.row(i));
            rep_labels.push(start[i]);
        }
    }
    let xr = Mat::from_vec(rep, rep_labels.len(), 3).unwrap();
    let p = GaussianMixture::params::<f64>(3)
        .covariance(CovarianceType::Diag)
        .max_iter(10)
        .tol(0.0);
    let a = p
        .clone()
        .init(GmmInit::Partition(start))
        .fit(crate::Weighted::new(x.view(), Some(&w)))
        .unwrap();
    let b = p
        .init(GmmInit::Partition(rep_labels))
        .fit(xr.view())
        .unwrap();
    assert!((a.lower_bound - b.lower_bound).abs() < 1e-9 * b.lower_bound.abs());
    assert_close(
        a.params.means.as_slice(),
        b.params.means.as_slice(),
        1e-8,
        "means",
    );
    assert!((a.bic - b.bic).abs() < 1e-8 * b.bic.abs());
}

fn all_finite(m: &GmmModel) -> bool {
    let p = &m.params;
    p.weights
        .iter()
        .chain(p.means.as_slice())
        .chain(&flat_cov(&p.covariances))
        .all(|v| v.is_finite())
        && [m.lower_bound, m.log_likelihood, m.bic, m.aic, m.icl]
            .iter()
            .all(|v| v.is_finite())
}

#[test]
fn degenerate_inputs_finish_finite_with_diagnostics() {
    // All rows identical.
    let x = Mat::filled(30, 3, 1.5f64);
    for cov in CovarianceType::ALL {
        let m = GaussianMixture::params::<f64>(2)
            .covariance(cov)
            .fit(x.view())
            .unwrap();
        assert!(all_finite(&m), "{cov}");
        assert_eq!(m.diagnostics.constant_columns, vec![0, 1, 2]);
        // Same again without reg_covar: must be regularised, and say so.
        let m = GaussianMixture::params::<f64>(2)
            .covariance(cov)
            .reg_covar(0.0)
            .fit(x.view())
            .unwrap();
        assert!(all_finite(&m), "{cov}");
        assert!(!m.diagnostics.regularized.is_empty(), "{cov}");
    }
    // A cluster with fewer points than dimensions, and a constant column.
    let mut rows = Vec::new();
    let mut rng = Rng::new(9);
    for i in 0..60 {
        let big = i < 57;
        let off = if big { 0.0 } else { 50.0 };
        rows.push([
            off + rng.normal(),
            off + rng.normal(),
            3.0,
            rng.normal(),
            rng.normal(),
        ]);
    }
    let x = Mat::from_rows(&rows);
    let labels: Vec<usize> = (0..60).map(|i| usize::from(i >= 57)).collect();
    for cov in CovarianceType::ALL {
        let m = GaussianMixture::params::<f64>(2)
            .covariance(cov)
            .init(GmmInit::Partition(labels.clone()))
            .fit(x.view())
            .unwrap();
        assert!(all_finite(&m), "{cov}");
        assert_eq!(m.diagnostics.constant_columns, vec![2]);
        if cov == CovarianceType::Full {
            assert_eq!(m.diagnostics.underpopulated_components, vec![1]);
        }
        assert!(m
            .score_samples(x.view())
            .unwrap()
            .iter()
            .all(|v| v.is_finite()));
    }
    // An empty component in the initial partition.
    let m = GaussianMixture::params::<f64>(3)
        .init(GmmInit::Partition(labels.clone()))
        .fit(x.view())
        .unwrap();
    assert!(all_finite(&m));
    assert_eq!(m.diagnostics.empty_initial_components, vec![2]);
    assert!(m.diagnostics.collapsed_components.contains(&2));
}

#[test]
fn parameters_init_round_trip() {
    let (x, _) = three_blobs(100, 6);
    let m = GaussianMixture::params::<f64>(3)
        .covariance(CovarianceType::Tied)
        .fit(x.view())
        .unwrap();
    let again = GaussianMixture::params::<f64>(3)
        .covariance(CovarianceType::Tied)
        .max_iter(1)
        .init(GmmInit::Parameters(m.params.clone()))
        .fit(x.view())
        .unwrap();
    // The first E-step evaluates the given parameters: m's own log-likelihood.
    assert!((again.lower_bound - m.mean_log_likelihood).abs() < 1e-9 * m.mean_log_likelihood.abs());
    assert_eq!(again.labels, m.labels);
}

fn param_name(e: crate::Error) -> &'static str {
    match e.kind() {
        ErrorKind::InvalidParameter { name, .. } => name,
        ErrorKind::InvalidData { .. } => "<data>",
        ErrorKind::ShapeMismatch { .. } => "<shape>",
        _ => "<other>",
    }
}

#[test]
fn each_bad_parameter_has_its_error() {
    let x = Mat::from_rows(&[[0.0f64, 1.0], [1.0, 0.0], [2.0, 2.0]]);
    let p = || GaussianMixture::params::<f64>(2);
    let e = |q: GmmParams<f64>| param_name(q.fit(x.view()).unwrap_err());
    assert_eq!(e(p().k(0)), "k");
    assert_eq!(e(p().reg_covar(-1.0)), "reg_covar");
    assert_eq!(e(p().reg_covar(f64::NAN)), "reg_covar");
    assert_eq!(e(p().tol(-1.0)), "tol");
    assert_eq!(e(p().n_init(0)), "n_init");
    assert_eq!(
        e(p().n_init(2).init(GmmInit::Partition(vec![0, 1, 0]))),
        "n_init"
    );
    assert_eq!(e(p().init(GmmInit::Partition(vec![0, 2, 0]))), "init");
    assert_eq!(e(p().init(GmmInit::Partition(vec![0, 1]))), "<shape>");
    assert_eq!(e(p().k(4)), "<data>");
    assert_eq!(e(p().max_iter(0)), "max_iter");
    let good = p()
        .max_iter(1)
        .init(GmmInit::Partition(vec![0, 1, 0]))
        .fit(x.view())
        .unwrap();
    let mut wrong = good.params.clone();
    wrong.covariances = Covariances::Spherical(vec![1.0, 1.0]);
    assert_eq!(e(p().init(GmmInit::Parameters(wrong))), "init");
    let mut wrong = good.params.clone();
    wrong.weights = vec![1.0];
    assert_eq!(e(p().init(GmmInit::Parameters(wrong))), "<shape>");
    let mut wrong = good.params.clone();
    wrong.weights = vec![-1.0, 2.0];
    assert_eq!(e(p().init(GmmInit::Parameters(wrong))), "init");
    // Data checks.
    assert_eq!(
        param_name(
            p().fit(crate::Weighted::new(x.view(), Some(&[1.0, -1.0, 1.0])))
                .unwrap_err()
        ),
        "<data>"
    );
    assert_eq!(
        param_name(
            p().fit(crate::Weighted::new(x.view(), Some(&[1.0])))
                .unwrap_err()
        ),
        "<shape>"
    );
    let nan = Mat::from_rows(&[[0.0f64, f64::NAN], [1.0, 0.0]]);
    assert_eq!(param_name(p().fit(nan.view()).unwrap_err()), "<data>");
    // Selection.
    let s = |r, q: &GmmParams<f64>| {
        param_name(select(x.view(), None, r, &[], Criterion::Bic, q).unwrap_err())
    };
    assert_eq!(s(0..=2, &p()), "k_range");
    #[allow(clippy::reversed_empty_ranges)]
    let empty = 3..=2;
    assert_eq!(s(empty, &p()), "k_range");
    assert_eq!(
        s(1..=2, &p().init(GmmInit::Partition(vec![0, 1, 0]))),
        "init"
    );
    assert!(p().check().is_ok());
}
