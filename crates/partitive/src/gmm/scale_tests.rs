//! Gaussian mixtures on data of extreme magnitude (issue 17, cases 4 and 5), the
//! relative `reg_covar`, the shape rule for full covariances (case 6) and interruption.

use super::*;
use crate::error::ErrorKind;
use crate::float::Float;
use crate::interrupt::Interrupt;
use crate::matrix::Mat;
use crate::metrics::adjusted_rand_index;
use crate::rng::Rng;

/// Three well-separated blobs of 40 rows in 2-D (centres 10 apart, sd about 0.4).
fn blobs<T: Float>(scale: f64) -> Mat<T> {
    let mut rng = Rng::new(11);
    let centres = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]];
    let rows: Vec<[T; 2]> = (0..120)
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
    (0..120).map(|i| i % 3).collect()
}

#[test]
fn any_magnitude_within_f64_covariances_gives_the_same_mixture() {
    let base = GaussianMixture::params::<f64>(3)
        .tol(1e-8)
        .fit(blobs::<f64>(1.0).view())
        .unwrap();
    for scale in [1e-150, 1e-100, 1e-30, 1e-6, 1e6, 1e30, 1e100, 1e150] {
        for cov in CovarianceType::ALL {
            let x = blobs::<f64>(scale);
            let m = GaussianMixture::params::<f64>(3)
                .covariance(cov)
                .tol(1e-8)
                .fit(x.view())
                .unwrap_or_else(|e| panic!("{scale:e} {cov}: {e}"));
            let ari = adjusted_rand_index(&truth(), &m.labels).unwrap();
            assert_eq!(ari, 1.0, "{scale:e} {cov}");
            if cov == CovarianceType::Full {
                // the same model in the data's units: means × s, log-likelihood − n·d·ln s
                let shift = 120.0 * 2.0 * scale.ln();
                let rel = (m.log_likelihood + shift - base.log_likelihood).abs()
                    / base.log_likelihood.abs();
                assert!(
                    rel < 1e-5,
                    "{scale:e}: {} vs {}",
                    m.log_likelihood,
                    base.log_likelihood
                );
                assert!(m.diagnostics.regularized.is_empty(), "{scale:e}");
            }
        }
    }
}

#[test]
fn power_of_two_scales_give_the_scaled_model() {
    let x = blobs::<f64>(1.0);
    let a = GaussianMixture::params::<f64>(3).fit(x.view()).unwrap();
    for e in [-450, -300, 300, 450] {
        let xs = blobs::<f64>(crate::scale::ldexp(1.0, e));
        let b = GaussianMixture::params::<f64>(3).fit(xs.view()).unwrap();
        assert_eq!(a.labels, b.labels, "2^{e}");
        for (u, v) in a
            .params
            .means
            .as_slice()
            .iter()
            .zip(b.params.means.as_slice())
        {
            let want = crate::scale::ldexp(*u, e);
            assert!((v - want).abs() <= 1e-9 * want.abs().max(crate::scale::ldexp(1.0, e)));
        }
        let (Covariances::Full(ca), Covariances::Full(cb)) =
            (&a.params.covariances, &b.params.covariances)
        else {
            panic!()
        };
        for (p, q) in ca.iter().zip(cb) {
            for (u, v) in p.as_slice().iter().zip(q.as_slice()) {
                let want = crate::scale::ldexp(*u, 2 * e);
                assert!((v - want).abs() <= 1e-9 * crate::scale::ldexp(1.0, 2 * e));
            }
        }
        let jac = -(e as f64) * 2.0 * std::f64::consts::LN_2;
        assert!((b.mean_log_likelihood - (a.mean_log_likelihood + jac)).abs() < 1e-9);
        assert!((b.bic - (a.bic - 2.0 * 120.0 * jac)).abs() < 1e-6 * a.bic.abs());
        // the mapped-back model evaluates new data in the data's units
        assert_eq!(b.predict(xs.view()).unwrap(), b.labels);
    }
}

#[test]
fn covariances_beyond_f64_are_refused_not_wrong() {
    for scale in [1e155, 1e200, 1e300, 1e-170, 1e-300] {
        let x = blobs::<f64>(scale);
        let e = GaussianMixture::params::<f64>(3).fit(x.view()).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::InvalidData { .. }),
            "{scale:e}: {e}"
        );
        let msg = e.to_string();
        assert!(msg.contains("covariances would overflow"), "{msg}");
        assert!(!msg.contains('\n'));
    }
}

#[test]
fn f32_data_of_extreme_magnitude() {
    for scale in [1e-40, 1e-30, 1e19, 1e30, 1e36] {
        let x = blobs::<f32>(scale);
        for cov in CovarianceType::ALL {
            let m = GaussianMixture::params::<f32>(3)
                .covariance(cov)
                .fit(x.view())
                .unwrap_or_else(|e| panic!("{scale:e} {cov}: {e}"));
            assert_eq!(
                adjusted_rand_index(&truth(), &m.labels).unwrap(),
                1.0,
                "{scale:e} {cov}"
            );
        }
    }
}

#[test]
fn reg_covar_is_relative_to_the_data_variance() {
    // A component of two identical rows: its covariance is reg_covar × v̄ exactly.
    let mut rows = vec![[5.0f64, 5.0], [5.0, 5.0]];
    let mut rng = Rng::new(2);
    for _ in 0..40 {
        rows.push([rng.next_f64() * 2.0 - 1.0, rng.next_f64() * 2.0 - 1.0]);
    }
    for s in [1e-20, 1.0, 1e20] {
        let x = Mat::from_rows(
            &rows
                .iter()
                .map(|r| [r[0] * s, r[1] * s])
                .collect::<Vec<_>>(),
        );
        let labels: Vec<usize> = (0..42).map(|i| usize::from(i >= 2)).collect();
        let m = GaussianMixture::params::<f64>(2)
            .covariance(CovarianceType::Diag)
            .init(GmmInit::Partition(labels))
            .max_iter(1)
            .fit(x.view())
            .unwrap();
        let summary = super::data::summarize::<f64>(x.view(), None, CovarianceType::Diag).unwrap();
        let Covariances::Diag(v) = &m.params.covariances else {
            panic!()
        };
        let want = 1e-6 * summary.scale;
        assert!(
            (v.row(0)[0] / want - 1.0).abs() < 1e-6,
            "{s:e}: {} vs {want}",
            v.row(0)[0]
        );
    }
}

#[test]
fn full_covariances_need_more_rows_than_columns() {
    let mut rng = Rng::new(3);
    let (n, d) = (20, 40);
    let v: Vec<f64> = (0..n * d).map(|_| rng.next_f64()).collect();
    let x = Mat::from_vec(v, n, d).unwrap();
    for cov in [CovarianceType::Full, CovarianceType::Tied] {
        let e = GaussianMixture::params::<f64>(2)
            .covariance(cov)
            .fit(x.view())
            .unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::InvalidParameter {
                    name: "covariance",
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("n = 20, d = 40"), "{e}");
    }
    for cov in [CovarianceType::Diag, CovarianceType::Spherical] {
        GaussianMixture::params::<f64>(2)
            .covariance(cov)
            .fit(x.view())
            .unwrap();
    }
}

#[test]
fn factor_terminates_on_overflowing_covariances() {
    for v in [f64::INFINITY, f64::MAX, f64::NAN] {
        let mut c = Covariances::Full(vec![Mat::filled(3, 3, v)]);
        let f = super::covariance::factor(&mut c, 3, f64::INFINITY);
        assert!(f.log_det.iter().all(|l| l.is_finite()), "{v}");
        let PrecisionCholesky::Full(u) = &f.chol else {
            panic!()
        };
        assert!(u[0].as_slice().iter().all(|x| x.is_finite()));
    }
}

#[test]
fn interrupt_stops_between_iterations() {
    let x = blobs::<f64>(1.0);
    let stop = Interrupt::new();
    let mut seen = 0;
    let e = GaussianMixture::params::<f64>(3)
        .tol(0.0)
        .max_iter(500)
        .interrupt(&stop)
        .fit_observed(x.view(), None, &mut |info| {
            seen = info.iteration;
            if info.iteration == 3 {
                stop.trigger();
            }
        })
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Interrupted);
    assert_eq!(seen, 3);
}
