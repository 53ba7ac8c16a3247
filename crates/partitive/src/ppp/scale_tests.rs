//! PPP-auto on data of extreme magnitude (issue 17, cases 4 and 5), on wide data with
//! few rows (case 6) and interruption (case 12).

use super::*;
use crate::error::ErrorKind;
use crate::interrupt::Interrupt;
use crate::matrix::{Mat, MatRef};
use crate::metrics::adjusted_rand_index;
use crate::rng::Rng;

/// Three well-separated blobs of 40 rows in 2-D (the case of the issue: 120 rows).
fn blobs(scale: f64) -> Mat<f64> {
    let mut rng = Rng::new(21);
    let centres = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]];
    let rows: Vec<[f64; 2]> = (0..120)
        .map(|i| {
            let c = centres[i % 3];
            let u = rng.next_f64() + rng.next_f64() - 1.0;
            let v = rng.next_f64() + rng.next_f64() - 1.0;
            [(c[0] + u) * scale, (c[1] + v) * scale]
        })
        .collect();
    Mat::from_rows(&rows)
}

#[test]
fn the_same_clusters_at_any_magnitude() {
    let base = Ppp::params().fit(blobs(1.0).view()).unwrap();
    assert_eq!(base.k, 3);
    assert_eq!(base.model.input_exponent, 0);
    for scale in [
        1e-300, 1e-200, 1e-100, 1e-20, 1e20, 1e100, 1e155, 1e160, 1e200, 1e300,
    ] {
        let x = blobs(scale);
        let r = Ppp::params()
            .fit(x.view())
            .unwrap_or_else(|e| panic!("{scale:e}: {e}"));
        assert_eq!(r.k, 3, "{scale:e}");
        assert_eq!(adjusted_rand_index(&base.labels, &r.labels).unwrap(), 1.0);
        let extreme = !(1e-30..=1e30).contains(&scale);
        assert_eq!(r.model.input_exponent != 0, extreme, "{scale:e}");
        // centroids in the data's units
        for (c, b) in r.centroids.as_slice().iter().zip(base.centroids.as_slice()) {
            assert!(
                (c / scale - b).abs() < 1e-6 * (1.0 + b.abs()),
                "{scale:e}: {c} vs {b}"
            );
        }
        // the model labels new rows in the data's units
        let again = r.model.assign_chunk(x.view()).unwrap();
        assert_eq!(again.labels, r.labels);
        // densities reported in the data's units: log-likelihood − m·d·ln s
        let ll = r.selected.log_likelihood + 120.0 * 2.0 * scale.ln();
        assert!(
            (ll - base.selected.log_likelihood).abs() < 1e-6 * base.selected.log_likelihood.abs(),
            "{scale:e}: {ll} vs {}",
            base.selected.log_likelihood
        );
    }
}

#[test]
fn streamed_extreme_data_match_the_in_memory_fit() {
    let x = blobs(1e250);
    let whole = Ppp::params().fit(x.view()).unwrap();
    let data = x.as_slice();
    let mut pass = |f: &mut dyn FnMut(MatRef<'_, f64>)| -> Result<(), crate::Error> {
        for start in (0..120).step_by(37) {
            let end = (start + 37).min(120);
            f(MatRef::new(&data[start * 2..end * 2], end - start, 2).unwrap());
        }
        Ok(())
    };
    let streamed = Ppp::params().fit_passes(&mut pass, &mut |_| {}).unwrap();
    assert_eq!(streamed.labels, whole.labels);
    assert_eq!(streamed.centroids, whole.centroids);
    assert!(whole.centroids.as_slice().iter().all(|c| c.is_finite()));
}

#[test]
fn wide_data_with_few_rows_skip_full_covariances() {
    // 40 rows × 600 columns: two groups. Full covariances would be singular (and cost
    // 600² per component and chunk); only spherical mixtures are fitted.
    let mut rng = Rng::new(4);
    let (n, d) = (40, 600);
    let v: Vec<f64> = (0..n * d)
        .map(|p| rng.next_f64() + if p / d < 20 { 0.0 } else { 3.0 })
        .collect();
    let x = Mat::from_vec(v, n, d).unwrap();
    let r = Ppp::params().fit(x.view()).unwrap();
    assert!(r.diagnostics.full_covariance_skipped);
    assert!(r
        .bic_path
        .iter()
        .all(|e| e.covariance_type == crate::gmm::CovarianceType::Spherical));
    assert_eq!(r.k, 2);
    let truth: Vec<usize> = (0..n).map(|i| usize::from(i >= 20)).collect();
    assert_eq!(adjusted_rand_index(&truth, &r.labels).unwrap(), 1.0);
    // Full only: refused with the reason.
    let e = Ppp::params()
        .cov_types(&[crate::gmm::CovarianceType::Full])
        .fit(x.view())
        .unwrap_err();
    assert!(e.to_string().contains("more fit rows than columns"), "{e}");
    // Ordinary data: nothing skipped.
    assert!(
        !Ppp::params()
            .fit(blobs(1.0).view())
            .unwrap()
            .diagnostics
            .full_covariance_skipped
    );
}

#[test]
fn interrupt_stops_the_sweep() {
    let x = blobs(1.0);
    let stop = Interrupt::new();
    let mut proposals = 0;
    let e = Ppp::params()
        .interrupt(&stop)
        .fit_observed(x.view(), &mut |p| {
            if p.stage == PppStage::Propose {
                proposals += 1;
                if proposals == 2 {
                    stop.trigger();
                }
            }
        })
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Interrupted);
    assert_eq!(proposals, 2);
}

#[test]
fn models_read_back_are_validated() {
    let r = Ppp::params().fit(blobs(1e200).view()).unwrap();
    r.model.validate().unwrap();
    let mut m = r.model.clone();
    m.component_cluster[0] = 99;
    assert!(m.validate().unwrap_err().to_string().contains("n_clusters"));
    let mut m = r.model.clone();
    m.kept_columns = vec![0, 5];
    assert!(m.validate().is_err());
    let mut m = r.model.clone();
    m.mixture.as_mut().unwrap().shift.pop();
    assert!(m.validate().is_err());
}
