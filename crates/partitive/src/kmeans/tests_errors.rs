//! Every error of the k-means engine: each bad parameter and bad datum is named.

use super::*;
use crate::error::ErrorKind;
use crate::matrix::{Mat, MatRef};

fn param_err(e: crate::Error, name: &str) {
    match e.kind() {
        ErrorKind::InvalidParameter { name: n, .. } => assert_eq!(*n, name, "{e}"),
        _ => panic!("expected a parameter error for {name}, got {e}"),
    }
}

fn data_err(e: crate::Error, needle: &str) {
    assert!(matches!(e.kind(), ErrorKind::InvalidData { .. }), "{e}");
    assert!(e.to_string().contains(needle), "{e}");
}

#[test]
fn every_error() {
    let x = Mat::from_rows(&[[0.0f64, 1.0], [1.0, 0.0], [2.0, 2.0]]);
    let v = x.view();
    param_err(KMeans::params::<f64>(0).check().unwrap_err(), "k");
    param_err(KMeans::params::<f64>(0).fit(v).unwrap_err(), "k");
    param_err(KMeans::params::<f64>(4).fit(v).unwrap_err(), "k");
    param_err(
        KMeans::params::<f64>(2).n_init(0).check().unwrap_err(),
        "n_init",
    );
    param_err(
        KMeans::params::<f64>(2).max_iter(0).check().unwrap_err(),
        "max_iter",
    );
    param_err(
        KMeans::params::<f64>(2).tol(-1.0).check().unwrap_err(),
        "tol",
    );
    param_err(
        KMeans::params::<f64>(2).tol(f64::NAN).check().unwrap_err(),
        "tol",
    );
    let bad = Mat::from_rows(&[[0.0f64, f64::INFINITY], [1.0, 1.0]]);
    param_err(
        KMeans::params(2)
            .init(Init::Centers(bad))
            .check()
            .unwrap_err(),
        "init",
    );
    let wrong_k = Mat::from_rows(&[[0.0f64, 0.0]]);
    let e = KMeans::params(2)
        .init(Init::Centers(wrong_k))
        .check()
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::ShapeMismatch { .. }), "{e}");
    let wrong_d = Mat::from_rows(&[[0.0f64, 0.0, 0.0], [1.0, 1.0, 1.0]]);
    let e = KMeans::params(2)
        .init(Init::Centers(wrong_d))
        .fit(v)
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::ShapeMismatch { .. }), "{e}");

    let empty = MatRef::<f64>::new(&[], 0, 2).unwrap();
    data_err(KMeans::params(1).fit(empty).unwrap_err(), "no rows");
    let no_cols = MatRef::<f64>::new(&[], 3, 0).unwrap();
    data_err(KMeans::params(1).fit(no_cols).unwrap_err(), "no columns");
    let nan = Mat::from_rows(&[[0.0f64, f64::NAN], [1.0, 1.0]]);
    data_err(KMeans::params(1).fit(nan.view()).unwrap_err(), "non-finite");

    let p = KMeans::params::<f64>(2);
    let e = p
        .fit(crate::Weighted::new(v, Some(&[1.0, 1.0])))
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::ShapeMismatch { .. }), "{e}");
    data_err(
        p.fit(crate::Weighted::new(v, Some(&[1.0, f64::NAN, 1.0])))
            .unwrap_err(),
        "not finite",
    );
    data_err(
        p.fit(crate::Weighted::new(v, Some(&[1.0, -1.0, 1.0])))
            .unwrap_err(),
        "negative",
    );
    data_err(
        p.fit(crate::Weighted::new(v, Some(&[0.0, 0.0, 0.0])))
            .unwrap_err(),
        "all sample weights are zero",
    );
    data_err(
        p.fit(crate::Weighted::new(v, Some(&[0.0, 0.0, 1.0])))
            .unwrap_err(),
        "positive weight",
    );

    param_err(
        assign(v, MatRef::new(&[], 0, 2).unwrap()).unwrap_err(),
        "centers",
    );
    let e = assign(v, MatRef::new(&[0.0, 0.0, 0.0], 1, 3).unwrap()).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::ShapeMismatch { .. }), "{e}");
    param_err(
        assign(v, MatRef::new(&[0.0, f64::NAN], 1, 2).unwrap()).unwrap_err(),
        "centers",
    );
}
