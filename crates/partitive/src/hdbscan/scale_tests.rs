//! Issue 17's hostile magnitudes and interruption: data × `2^k` for `k` from −600 to
//! +1000 (about `1e-181` to `1e301`) give the partition, scores and tree of the
//! unscaled data, with distances exactly × `2^k`; a triggered interrupt stops the fit.

use super::tests::blobs;
use super::*;
use crate::error::ErrorKind;
use crate::interrupt::Interrupt;
use crate::matrix::Mat;

fn times(x: &Mat<f64>, e: i32) -> Mat<f64> {
    let v = x
        .as_slice()
        .iter()
        .map(|&v| crate::scale::ldexp(v, e))
        .collect();
    Mat::from_vec(v, x.n_rows(), x.n_cols()).unwrap()
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn assert_same_up_to_scale(a: &HdbscanModel, b: &HdbscanModel, e: i32, what: &str) {
    assert_eq!(a.labels, b.labels, "{what}");
    assert!(a.n_clusters >= 2, "{what}: {} clusters", a.n_clusters);
    assert_eq!(bits(&a.probabilities), bits(&b.probabilities), "{what}");
    assert_eq!(bits(&a.outlier_scores), bits(&b.outlier_scores), "{what}");
    let unscaled: Vec<f64> = b
        .core_distances
        .iter()
        .map(|&v| crate::scale::ldexp(v, -e))
        .collect();
    assert_eq!(bits(&a.core_distances), bits(&unscaled), "{what}");
    for (m, s) in a
        .single_linkage_tree
        .merges
        .iter()
        .zip(&b.single_linkage_tree.merges)
    {
        assert_eq!(
            (m.left, m.right, m.size),
            (s.left, s.right, s.size),
            "{what}"
        );
        assert_eq!(
            m.distance.to_bits(),
            crate::scale::ldexp(s.distance, -e).to_bits(),
            "{what}"
        );
    }
}

#[test]
fn the_same_result_at_any_magnitude() {
    let x = blobs(40, &[[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]], 0.7, 12, 5);
    for metric in [
        HdbscanMetric::Euclidean,
        HdbscanMetric::Manhattan,
        HdbscanMetric::Chebyshev,
        HdbscanMetric::Cosine,
    ] {
        let p = Hdbscan::params(8).metric(metric);
        let base = p.fit(x.view()).unwrap();
        // 2^-600 ≈ 2e-181 (squares would underflow to 0), 2^520 ≈ 3e156 and 2^1000 ≈
        // 1e301 (squares would overflow to ∞); 2^-100 and 2^100 are scaled too.
        for e in [-600, -100, 100, 520, 1000] {
            let xs = times(&x, e);
            let m = p.fit(xs.view()).unwrap();
            let what = format!("{metric:?} × 2^{e}");
            if metric == HdbscanMetric::Cosine {
                // the unit rows are the same: everything equal, unscaled
                assert_same_up_to_scale(&base, &m, 0, &what);
            } else {
                assert_same_up_to_scale(&base, &m, e, &what);
            }
            // new points scaled alike land where the unscaled ones do
            let q = times(&x, e);
            let pa = base.approximate_predict(x.view()).unwrap();
            let pb = m.approximate_predict(q.view()).unwrap();
            assert_eq!(pa.labels, pb.labels, "{what}");
            assert_eq!(bits(&pa.probabilities), bits(&pb.probabilities), "{what}");
        }
    }
}

#[test]
fn f32_data_beyond_the_square_range_of_f32() {
    let x = blobs(40, &[[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]], 0.7, 6, 9);
    let v32: Vec<f32> = x.as_slice().iter().map(|&v| v as f32).collect();
    let x32 = Mat::from_vec(v32.clone(), x.n_rows(), 2).unwrap();
    let base = Hdbscan::params(8).fit(x32.view()).unwrap();
    assert!(base.n_clusters >= 2);
    // × 2^-100 ≈ 8e-31, 2^83 ≈ 1e25, 2^116 ≈ 8e34: exact in f32
    for e in [-100, 83, 116] {
        let f = crate::scale::ldexp(1.0, e) as f32;
        let xs = Mat::from_vec(v32.iter().map(|&v| v * f).collect(), x.n_rows(), 2).unwrap();
        let m = Hdbscan::params(8).fit(xs.view()).unwrap();
        assert_same_up_to_scale(&base, &m, e, &format!("f32 × 2^{e}"));
    }
}

#[test]
fn an_interrupt_stops_every_path() {
    let x = blobs(30, &[[0.0, 0.0], [6.0, 0.0]], 0.5, 0, 3);
    let stop = Interrupt::new();
    stop.trigger();
    let e = Hdbscan::params(5)
        .interrupt(&stop)
        .fit(x.view())
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Interrupted);
    // the precomputed path too
    let n = x.n_rows();
    let mut dm = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let (a, b) = (x.row(i), x.row(j));
            dm[i * n + j] = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
        }
    }
    let dm = Mat::from_vec(dm, n, n).unwrap();
    let p = Hdbscan::params(5).metric(HdbscanMetric::Precomputed);
    assert!(p.fit(dm.view()).is_ok());
    let e = p.interrupt(&stop).fit(dm.view()).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Interrupted);
    // a token triggered during the spanning tree stops it at the next round
    let late = Interrupt::new();
    let mut seen = 0;
    let e = Hdbscan::params(5)
        .interrupt(&late)
        .fit_observed(x.view(), &mut |pr| {
            if pr.stage == HdbscanStage::SpanningTree {
                seen += 1;
                late.trigger();
            }
        })
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Interrupted);
    assert_eq!(seen, 1, "stopped at the first round after the trigger");
}

#[test]
fn a_stop_inside_a_long_stage_ends_it() {
    // The k-NN core distances (tests in `knn`), a Borůvka round and the core distances of
    // a precomputed matrix poll the token point by point, not only between stages: a
    // token that triggers after the stage began (here at its 50th poll) ends it.
    use super::metric::Euclid;
    use super::tree::KdTree;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let x = blobs(2000, &[[0.0, 0.0], [6.0, 0.0], [0.0, 9.0]], 0.7, 1, 5);
    let (n, d) = (x.n_rows(), x.n_cols());
    let t = KdTree::build(x.as_slice().to_vec(), n, d, 16);
    let cd = super::knn::core_distances::<Euclid>(&t, 5, &|| false).unwrap();
    let rank: Vec<u32> = (0..n as u32).collect();
    let polls = AtomicUsize::new(0);
    let stop = || polls.fetch_add(1, Ordering::Relaxed) >= 50;
    let mut rounds = 0;
    let mut observe = |_: usize, _: usize| {
        rounds += 1;
        Ok(())
    };
    let (nb, keep) = (&cd.neighbours, cd.keep);
    let e = super::boruvka::mst::<Euclid>(&t, &cd.core, nb, keep, &rank, &mut observe, &stop);
    assert_eq!(e.unwrap_err().kind(), &ErrorKind::Interrupted);
    assert_eq!(rounds, 1, "stopped inside the first round");
    assert!(polls.load(Ordering::Relaxed) < n, "searches went on");
    // untriggered, the same call spans the tree
    let mut observe = |_: usize, _: usize| Ok(());
    let edges =
        super::boruvka::mst::<Euclid>(&t, &cd.core, nb, keep, &rank, &mut observe, &|| false);
    assert_eq!(edges.unwrap().len(), n - 1);

    let m = 600;
    let dm: Vec<f64> = (0..m * m)
        .map(|k| ((k / m) as f64 - (k % m) as f64).abs())
        .collect();
    let dm = Mat::from_vec(dm, m, m).unwrap();
    let polls = AtomicUsize::new(0);
    let stop = || polls.fetch_add(1, Ordering::Relaxed) >= 50;
    let e = super::prim::core_distances(dm.view(), 3, &stop).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Interrupted);
    assert!(super::prim::core_distances(dm.view(), 3, &|| false).is_ok());
}
