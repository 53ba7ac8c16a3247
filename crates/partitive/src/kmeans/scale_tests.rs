//! k-means on data of extreme magnitude (issue 17, cases 3 and 5): no panic, and the
//! partition of the data at ordinary scale, whatever the scale.

use super::{Algorithm, Init, KMeans};
use crate::float::Float;
use crate::interrupt::Interrupt;
use crate::matrix::Mat;
use crate::metrics::adjusted_rand_index;
use crate::rng::Rng;
use crate::ErrorKind;

/// Three well-separated blobs of 40 rows in 2-D (centres 0, 10, 10 apart, sd 1).
fn blobs<T: Float>(scale: f64) -> Mat<T> {
    let mut rng = Rng::new(5);
    let centres = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]];
    let mut rows = Vec::new();
    for i in 0..120 {
        let c = centres[i % 3];
        let u = rng.next_f64() + rng.next_f64() - 1.0;
        let v = rng.next_f64() + rng.next_f64() - 1.0;
        rows.push([T::of_f64((c[0] + u) * scale), T::of_f64((c[1] + v) * scale)]);
    }
    Mat::from_rows(&rows)
}

fn truth() -> Vec<usize> {
    (0..120).map(|i| i % 3).collect()
}

const INITS: [Init<f64>; 2] = [Init::KMeansPlusPlus, Init::Deterministic];
const ALGORITHMS: [Algorithm; 3] = [Algorithm::Lloyd, Algorithm::Hamerly, Algorithm::Yinyang];

#[test]
fn f64_data_of_any_magnitude_give_the_same_partition() {
    for scale in [
        1e-300, 1e-200, 1e-155, 1e-30, 1.0, 1e30, 1e100, 1e155, 1e160, 1e200, 1e300,
    ] {
        let x = blobs::<f64>(scale);
        for init in INITS {
            for alg in ALGORITHMS {
                let r = KMeans::params(3)
                    .init(init.clone())
                    .algorithm(alg)
                    .fit(x.view())
                    .unwrap_or_else(|e| panic!("{scale:e} {init:?} {alg:?}: {e}"));
                let ari = adjusted_rand_index(&truth(), &r.labels).unwrap();
                assert_eq!(ari, 1.0, "{scale:e} {init:?} {alg:?}");
                assert!(r.centers.as_slice().iter().all(|c| c.is_finite()));
                // centers are the blob means, in the data's units
                for j in 0..3 {
                    let norm = r.centers.row(j)[0].hypot(r.centers.row(j)[1]) / scale;
                    assert!(
                        norm < 1.0 || (norm > 9.0 && norm < 11.0),
                        "{scale:e}: {norm}"
                    );
                }
                // inertia ≈ scale² × (≈ 2 × 120 × 1/6): finite where representable
                let unit = r.inertia / (scale * scale);
                if scale * scale < 1e300 && scale * scale > 1e-300 {
                    assert!(unit > 10.0 && unit < 80.0, "{scale:e}: {}", r.inertia);
                } else if scale > 1.0 {
                    assert!(r.inertia > 1e300, "{scale:e}: {}", r.inertia);
                }
            }
        }
    }
}

#[test]
fn power_of_two_scales_give_bitwise_scaled_results() {
    let x = blobs::<f64>(1.0);
    for e in [-700, -300, 300, 700] {
        let s = crate::scale::ldexp(1.0, e);
        let xs = blobs::<f64>(s);
        for alg in ALGORITHMS {
            let p = KMeans::params(3).algorithm(alg).seed(4);
            let a = p.fit(x.view()).unwrap();
            let b = p.fit(xs.view()).unwrap();
            assert_eq!(a.labels, b.labels, "2^{e} {alg:?}");
            assert_eq!(a.n_iter, b.n_iter);
            for (u, v) in a.centers.as_slice().iter().zip(b.centers.as_slice()) {
                assert_eq!(crate::scale::ldexp(*u, e), *v, "2^{e} {alg:?}");
            }
            assert_eq!(crate::scale::ldexp(a.inertia, 2 * e), b.inertia);
        }
    }
}

#[test]
fn f32_data_of_any_magnitude_give_the_same_partition() {
    for scale in [1e-40, 1e-30, 1e-12, 1.0, 1e12, 1e19, 1e25, 1e36] {
        let x = blobs::<f32>(scale);
        for alg in ALGORITHMS {
            for init in [Init::KMeansPlusPlus, Init::Deterministic] {
                let r = KMeans::params(3)
                    .init(init.clone())
                    .algorithm(alg)
                    .fit(x.view())
                    .unwrap();
                let ari = adjusted_rand_index(&truth(), &r.labels).unwrap();
                assert_eq!(ari, 1.0, "{scale:e} {init:?} {alg:?}");
                assert!(r.centers.as_slice().iter().all(|c| c.is_finite()));
            }
        }
    }
}

#[test]
fn extreme_weights_and_given_centers() {
    let x = blobs::<f64>(1e200);
    let base = KMeans::params(3).fit(x.view()).unwrap();
    // weights of 1e300 (and 1e-300): the same partition, inertia scaled with them
    for w in [1e300, 1e-300] {
        let weights = vec![w; 120];
        let r = KMeans::params(3)
            .fit(crate::Weighted::new(x.view(), Some(&weights)))
            .unwrap();
        assert_eq!(
            adjusted_rand_index(&base.labels, &r.labels).unwrap(),
            1.0,
            "{w:e}"
        );
    }
    let small = blobs::<f64>(1.0);
    let weights = vec![1e300; 120];
    let a = KMeans::params(3).fit(small.view()).unwrap();
    let b = KMeans::params(3)
        .fit(crate::Weighted::new(small.view(), Some(&weights)))
        .unwrap();
    assert_eq!(adjusted_rand_index(&a.labels, &b.labels).unwrap(), 1.0);
    assert!((b.inertia / (a.inertia * 1e300) - 1.0).abs() < 1e-9);
    // given centers far out (and the data at 1e-200): scaled together
    let c = Mat::from_rows(&[[0.0, 0.0], [1e301, 0.0], [0.0, 1e301]]);
    let x = blobs::<f64>(1e300);
    let r = KMeans::params(3)
        .init(Init::Centers(c))
        .fit(x.view())
        .unwrap();
    assert_eq!(adjusted_rand_index(&truth(), &r.labels).unwrap(), 1.0);
}

#[test]
fn predict_on_extreme_data() {
    for scale in [1e-300, 1e200, 1e300] {
        let x = blobs::<f64>(scale);
        let c = Mat::from_rows(&[[0.0, 0.0], [10.0 * scale, 0.0], [0.0, 10.0 * scale]]);
        let a = super::assign(x.view(), c.view()).unwrap();
        assert_eq!(a.labels, truth(), "{scale:e}");
    }
}

#[test]
fn fewer_distinct_rows_than_k() {
    // 50 identical rows, k = 3: no panic; every row in one cluster, centers all equal
    // (k-means has no rule to split ties; the Python layer warns, as scikit-learn).
    let x = Mat::filled(50, 2, 1.5f64);
    for init in INITS {
        let r = KMeans::params(3).init(init).fit(x.view()).unwrap();
        assert!(r.labels.iter().all(|&l| l == r.labels[0]));
        assert!(r.centers.as_slice().iter().all(|&c| c == 1.5));
        assert_eq!(r.inertia, 0.0);
    }
}

#[test]
fn interrupt_stops_between_iterations() {
    let x = blobs::<f64>(1.0);
    let stop = Interrupt::new();
    let mut seen = 0;
    let e = KMeans::params(3)
        .tol(0.0)
        .max_iter(1000)
        .init(Init::Centers(Mat::from_rows(&[
            [0.0, 0.0],
            [0.1, 0.0],
            [0.2, 0.0],
        ])))
        .interrupt(&stop)
        .fit_observed(x.view(), None, &mut |info| {
            seen = info.iter;
            if info.iter == 2 {
                stop.trigger();
            }
        })
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Interrupted);
    assert_eq!(seen, 2, "no iteration after the trigger");
    // a triggered token stops the seeding too, and restarts
    let e = KMeans::params(3)
        .n_init(5)
        .interrupt(&stop)
        .fit(x.view())
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Interrupted);
}
