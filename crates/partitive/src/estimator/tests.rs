//! The contract, engine by engine: fit validates the parameters first, `max_iter = 0` is
//! an error everywhere, and predict gives the training rows their fit labels back.

use super::prelude::*;
use crate::dissimilarity::{materialize, Metric, MetricDissimilarity};
use crate::error::ErrorKind;
use crate::gmm::GaussianMixture;
use crate::hdbscan::Hdbscan;
use crate::kmeans::{Init, KMeans};
use crate::kmedoids::{Clara, KMedoids};
use crate::ppp::Ppp;
use crate::Mat;

/// Three separated blobs, 20 rows each.
fn blobs() -> Mat<f64> {
    let rows: Vec<[f64; 2]> = (0..60)
        .map(|i| {
            let c = (i % 3) as f64 * 10.0;
            let t = i as f64 * 0.7;
            [c + t.sin() * 0.5, c * 0.5 + t.cos() * 0.5]
        })
        .collect();
    Mat::from_rows(&rows)
}

fn bad_param<M: std::fmt::Debug>(r: crate::error::Result<M>) -> &'static str {
    match r.unwrap_err().kind() {
        ErrorKind::InvalidParameter { name, .. } => name,
        k => panic!("not a parameter error: {k:?}"),
    }
}

#[test]
fn max_iter_zero_is_an_error_of_every_engine() {
    let x = blobs();
    let v = x.view();
    assert_eq!(bad_param(KMeans::params(3).max_iter(0).fit(v)), "max_iter");
    assert_eq!(
        bad_param(GaussianMixture::params(3).max_iter(0).fit(v)),
        "max_iter"
    );
    assert_eq!(
        bad_param(KMedoids::params(3).max_iter(0).fit(v)),
        "max_iter"
    );
    assert_eq!(bad_param(Clara::params(3).max_iter(0).fit(v)), "max_iter");
    assert_eq!(
        bad_param(Ppp::params().em_max_iter(0).fit(v)),
        "em_max_iter"
    );
    assert_eq!(
        bad_param(Ppp::params().lloyd_max_iter(0).fit(v)),
        "lloyd_max_iter"
    );
    // check() gives the same error as fit, before any data is seen
    let e = KMeans::params::<f64>(3).max_iter(0).check().unwrap_err();
    assert!(matches!(
        e.kind(),
        ErrorKind::InvalidParameter {
            name: "max_iter",
            ..
        }
    ));
    let e = KMedoids::params(3).max_iter(0).check().unwrap_err();
    assert!(matches!(
        e.kind(),
        ErrorKind::InvalidParameter {
            name: "max_iter",
            ..
        }
    ));
}

#[test]
fn fit_checks_parameters_before_data() {
    // Empty data and bad parameters: the parameter error wins, for every engine.
    let empty = Mat::<f64>::from_vec(vec![], 0, 2).unwrap();
    let v = empty.view();
    assert_eq!(bad_param(KMeans::params(0).fit(v)), "k");
    assert_eq!(bad_param(GaussianMixture::params(0).fit(v)), "k");
    assert_eq!(bad_param(KMedoids::params(0).fit(v)), "k");
    assert_eq!(bad_param(Clara::params(0).fit(v)), "k");
    assert_eq!(bad_param(Ppp::params().sample_max(1).fit(v)), "sample_max");
    assert_eq!(bad_param(Hdbscan::params(1).fit(v)), "min_cluster_size");
}

/// Generic code over the contract: fit, then predict the training rows.
fn refit<'a, P, L>(p: &P, x: crate::MatRef<'a, f64>) -> (P::Model, L)
where
    P: Fit<crate::MatRef<'a, f64>>,
    P::Model: Predict<crate::MatRef<'a, f64>, Labels = L>,
{
    let m = p.check().unwrap().fit(x).unwrap();
    let l = m.predict(x).unwrap();
    (m, l)
}

#[test]
fn predict_gives_the_training_rows_their_fit_labels() {
    let x = blobs();
    let v = x.view();
    let (m, l) = refit(&KMeans::params(3).init(Init::Deterministic), v);
    assert_eq!(l, m.labels);
    let (m, l) = refit(&GaussianMixture::params(3), v);
    assert_eq!(l, m.labels);
    let (m, l) = refit(&KMedoids::params(3).metric(Metric::Manhattan), v);
    assert_eq!(l, m.result.labels);
    assert_eq!(m.metric, Metric::Manhattan);
    let (m, l) = refit(&Clara::params(3), v);
    assert_eq!(l, m.result.labels);
    let (m, l) = refit(&Ppp::params(), v);
    assert_eq!(l, m.labels);
    let (m, l) = refit(&Hdbscan::params(5), v);
    assert!(m.n_clusters >= 1);
    assert_eq!(l, m.labels);
    // A wrong column count is an error, not a panic.
    let narrow = Mat::from_rows(&[[0.0f64]]);
    let km = KMeans::params(3).fit(v).unwrap();
    assert!(km.predict(narrow.view()).is_err());
}

#[test]
fn weighted_rows_and_dissimilarity_sources() {
    let x = blobs();
    let v = x.view();
    let w = vec![1.0; 60];
    let plain = KMeans::params(3).fit(v).unwrap();
    let weighted = KMeans::params(3).fit(Weighted::new(v, Some(&w))).unwrap();
    assert_eq!(plain, weighted);
    let g = GaussianMixture::params(2)
        .fit(Weighted::new(v, None))
        .unwrap();
    assert_eq!(g.labels, GaussianMixture::params(2).fit(v).unwrap().labels);
    // k-medoids on a source gives the result; it predicts from distances to the
    // training objects (here the training matrix itself).
    let d = MetricDissimilarity::new(v, Metric::Euclidean).unwrap();
    let r = KMedoids::params(3).fit(&d).unwrap();
    let full = materialize(&d).unwrap();
    assert_eq!(r.predict(full.view()).unwrap(), r.labels);
    assert!(r.predict(v).is_err(), "two columns are not sixty distances");
    let on_rows = KMedoids::params(3).fit(v).unwrap();
    assert_eq!(on_rows.result, r);
    let c = Clara::params(3).fit(&d).unwrap();
    assert_eq!(Clara::params(3).fit(v).unwrap().result, c);
}
