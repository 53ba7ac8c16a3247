//! Tests of the HDBSCAN* engine: brute-force checks of every stage, the selection rules
//! on hand-made trees, determinism (threads, row order), metrics, prediction, errors.

use super::boruvka::{self, Edge};
use super::condense::{condense, lambda};
use super::knn;
use super::linkage::{single_linkage, Merge, SingleLinkageTree};
use super::metric::{Chebyshev, Euclid, Manhattan, TreeMetric};
use super::select::{flat, stabilities, SelectOptions};
use super::tree::KdTree;
use super::*;
use crate::error::ErrorKind;
use crate::matrix::{Mat, MatRef};
use crate::rng::Rng;

/// Gaussian blobs (`centers` of them, spread `sd`) plus `noise` uniform rows.
pub(super) fn blobs(
    n_per: usize,
    centers: &[[f64; 2]],
    sd: f64,
    noise: usize,
    seed: u64,
) -> Mat<f64> {
    let mut rng = Rng::new(seed);
    let mut v = Vec::new();
    for c in centers {
        for _ in 0..n_per {
            v.push(c[0] + sd * rng.normal());
            v.push(c[1] + sd * rng.normal());
        }
    }
    for _ in 0..noise {
        v.push(-20.0 + 40.0 * rng.next_f64());
        v.push(-20.0 + 40.0 * rng.next_f64());
    }
    let n = v.len() / 2;
    Mat::from_vec(v, n, 2).unwrap()
}

fn random(n: usize, d: usize, seed: u64) -> Mat<f64> {
    let mut rng = Rng::new(seed);
    let v = (0..n * d).map(|_| rng.normal()).collect();
    Mat::from_vec(v, n, d).unwrap()
}

fn in_pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Kruskal over all pairs with the engine's key: the unique MST, as a sorted edge list.
fn kruskal<M: TreeMetric>(t: &KdTree, core: &[f64], rank: &[u32]) -> Vec<(u32, u32)> {
    let n = t.n();
    let mut all = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            let d = M::rdist(t.point(a), t.point(b));
            let w = core[a].max(core[b]).max(d);
            let (lo, hi) = (rank[a].min(rank[b]), rank[a].max(rank[b]));
            all.push((w, d, lo, hi, a as u32, b as u32));
        }
    }
    all.sort_by(|x, y| {
        (x.0, x.1, x.2, x.3)
            .partial_cmp(&(y.0, y.1, y.2, y.3))
            .unwrap()
    });
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let mut out = Vec::new();
    for e in all {
        let (ra, rb) = (
            find(&mut parent, e.4 as usize),
            find(&mut parent, e.5 as usize),
        );
        if ra != rb {
            parent[ra] = rb;
            out.push((e.4.min(e.5), e.4.max(e.5)));
        }
    }
    out.sort_unstable();
    out
}

fn check_boruvka_is_kruskal<M: TreeMetric>(x: &Mat<f64>, min_samples: usize, leaf: usize) {
    let (n, d) = (x.n_rows(), x.n_cols());
    let t = KdTree::build(x.as_slice().to_vec(), n, d, leaf);
    let cd = knn::core_distances::<M>(&t, min_samples, &|| false).unwrap();
    let rank_row = super::fit::content_rank(x.view());
    let rank: Vec<u32> = t.index().iter().map(|&r| rank_row[r as usize]).collect();
    let mut observe = |_: usize, _: usize| Ok(());
    let (nb, keep) = (&cd.neighbours, cd.keep);
    let edges = boruvka::mst::<M>(&t, &cd.core, nb, keep, &rank, &mut observe, &|| false).unwrap();
    assert_eq!(edges.len(), n - 1);
    let mut got: Vec<(u32, u32)> = edges.iter().map(|e| (e.a.min(e.b), e.a.max(e.b))).collect();
    got.sort_unstable();
    assert_eq!(got, kruskal::<M>(&t, &cd.core, &rank));
    for e in &edges {
        let dd = M::rdist(t.point(e.a as usize), t.point(e.b as usize));
        assert_eq!(e.d, dd);
        assert_eq!(
            e.w,
            cd.core[e.a as usize].max(cd.core[e.b as usize]).max(dd)
        );
    }
}

#[test]
fn boruvka_finds_the_unique_mst() {
    // continuous data, rounded data (many ties), duplicates; three metrics
    let x = random(400, 3, 1);
    let rounded = Mat::from_vec(
        x.as_slice().iter().map(|v| (v * 2.0).round()).collect(),
        400,
        3,
    )
    .unwrap();
    for ms in [1, 4, 15] {
        check_boruvka_is_kruskal::<Euclid>(&x, ms, 8);
        check_boruvka_is_kruskal::<Euclid>(&rounded, ms, 5);
        check_boruvka_is_kruskal::<Manhattan>(&rounded, ms, 16);
        check_boruvka_is_kruskal::<Chebyshev>(&x, ms, 3);
    }
}

/// A hand-made tree: rows 0–3 merge at 1, rows 4–7 at 2, both groups at 10; row 8 last.
fn hand_tree() -> SingleLinkageTree {
    let m = |left, right, distance, size| Merge {
        left,
        right,
        distance,
        size,
    };
    SingleLinkageTree {
        n: 9,
        merges: vec![
            m(0, 1, 0.5, 2),    // 9
            m(9, 2, 1.0, 3),    // 10
            m(10, 3, 1.0, 4),   // 11
            m(4, 5, 1.0, 2),    // 12
            m(12, 6, 2.0, 3),   // 13
            m(13, 7, 2.0, 4),   // 14
            m(11, 14, 10.0, 8), // 15
            m(15, 8, 20.0, 9),  // 16
        ],
    }
}

fn opts(method: ClusterSelection) -> SelectOptions {
    SelectOptions {
        method,
        allow_single_cluster: false,
        epsilon: 0.0,
        max_cluster_size: None,
    }
}

#[test]
fn condensed_tree_and_stabilities_by_hand() {
    let ct = condense(&hand_tree(), 3);
    // root; then the two groups born at λ = 0.1
    assert_eq!(ct.clusters.len(), 3);
    assert_eq!(ct.clusters[1].lambda_birth, 0.1);
    assert_eq!((ct.clusters[1].size, ct.clusters[2].size), (4, 4));
    assert_eq!(ct.cluster_of(8), 0);
    assert_eq!(ct.lambda_of(8), 1.0 / 20.0);
    // group A: row 3 leaves at λ 1; rows 0..2 leave when {0,1} and 2 split at λ 1 (both small)
    for r in 0..4 {
        assert_eq!(ct.cluster_of(r), 1);
        assert_eq!(ct.lambda_of(r), 1.0);
    }
    for r in 4..8 {
        assert_eq!(ct.cluster_of(r), 2);
        assert_eq!(ct.lambda_of(r), 0.5);
    }
    let s = stabilities(&ct);
    assert!((s[1] - 4.0 * (1.0 - 0.1)).abs() < 1e-12);
    assert!((s[2] - 4.0 * (0.5 - 0.1)).abs() < 1e-12);
    // root: row 8 (λ 0.05) and both children (λ 0.1, 4 rows each)
    assert!((s[0] - (0.05 + 8.0 * 0.1)).abs() < 1e-12);
    let f = flat(&ct, &opts(ClusterSelection::Eom));
    assert_eq!(f.selected, vec![1, 2]);
    assert_eq!(f.labels[8], None);
    assert_eq!(f.labels[0], Some(0));
    assert_eq!(f.labels[5], Some(1));
    assert_eq!(f.probabilities[0], 1.0);
    // GLOSH: row 8 left the root at 0.05, the root's subtree reaches λ 1
    assert!((f.outlier_scores[8] - 0.95).abs() < 1e-12);
    assert!((f.outlier_scores[5] - 0.0).abs() < 1e-12);
    let rows = ct.to_rows();
    assert_eq!(rows.len(), 2 + 9);
    assert_eq!(rows[0], (9, 10, 0.1, 4));
}

#[test]
fn selection_options_by_hand() {
    let sl = hand_tree();
    let ct = condense(&sl, 3);
    // the root can win only when allowed: its stability 0.85 < 3.6 + 1.6
    let mut o = opts(ClusterSelection::Eom);
    o.allow_single_cluster = true;
    assert_eq!(flat(&ct, &o).selected, vec![1, 2]);
    // max_cluster_size 3 forbids both groups (4 rows); the root is not allowed
    let mut o = opts(ClusterSelection::Eom);
    o.max_cluster_size = Some(3);
    assert!(flat(&ct, &o).selected.is_empty());
    // ... with the root allowed, its size counts its child clusters (8 > 3): still none
    o.allow_single_cluster = true;
    assert!(flat(&ct, &o).selected.is_empty());
    // ε = 15: both groups were born at distance 10 < 15; their ancestor is the root
    let mut o = opts(ClusterSelection::Eom);
    o.epsilon = 15.0;
    assert_eq!(flat(&ct, &o).selected, vec![1, 2]); // the root is not allowed: unchanged
    o.allow_single_cluster = true;
    let f = flat(&ct, &o);
    assert_eq!(f.selected, vec![0]);
    // single-cluster root with ε: rows need λ ≥ 1/15
    assert_eq!(f.labels[8], None);
    assert_eq!(f.labels[0], Some(0));
    // leaf selection: the leaves; a tree with no child clusters selects nothing
    assert_eq!(
        flat(&ct, &opts(ClusterSelection::Leaf)).selected,
        vec![1, 2]
    );
    let ct5 = condense(&sl, 5);
    assert_eq!(ct5.clusters.len(), 1);
    let mut o = opts(ClusterSelection::Leaf);
    o.allow_single_cluster = true;
    assert!(flat(&ct5, &o).selected.is_empty());
    // EOM with the root allowed and alone: rows are labelled when they stay until the
    // root's largest λ (0.1: rows 0..8 all leave there; row 8 left at 0.05)
    let mut o = opts(ClusterSelection::Eom);
    o.allow_single_cluster = true;
    let f = flat(&ct5, &o);
    assert_eq!(f.selected, vec![0]);
    let labelled: Vec<usize> = (0..9).filter(|&r| f.labels[r].is_some()).collect();
    assert_eq!(labelled, (0..8).collect::<Vec<_>>());
}

#[test]
fn linkage_orders_children_by_size_then_rank() {
    // rows 0..4 on a line; ranks reversed
    let e = |a, b, w| Edge { a, b, w, d: w };
    let edges = vec![e(3, 4, 1.0), e(0, 1, 1.0), e(1, 2, 2.0), e(2, 3, 3.0)];
    let rank = [4, 3, 2, 1, 0];
    let sl = single_linkage(5, edges, &rank, |w| w);
    // equal weights: the edge with the smaller rank pair (3-4: ranks 1, 0) first
    assert_eq!(
        sl.merges[0],
        Merge {
            left: 4,
            right: 3,
            distance: 1.0,
            size: 2
        }
    );
    assert_eq!(
        sl.merges[1],
        Merge {
            left: 1,
            right: 0,
            distance: 1.0,
            size: 2
        }
    );
    assert_eq!(
        sl.merges[2],
        Merge {
            left: 6,
            right: 2,
            distance: 2.0,
            size: 3
        }
    );
    assert_eq!(
        sl.merges[3],
        Merge {
            left: 7,
            right: 5,
            distance: 3.0,
            size: 5
        }
    );
    assert_eq!(lambda(0.0), f64::INFINITY);
}

#[test]
fn finds_blobs_and_noise() {
    let x = blobs(60, &[[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]], 0.7, 30, 3);
    let m = Hdbscan::params(10).fit(x.view()).unwrap();
    assert_eq!(m.n_clusters, 3);
    for c in 0..3 {
        let labels: std::collections::BTreeSet<_> =
            m.labels[c * 60..(c + 1) * 60].iter().flatten().collect();
        assert_eq!(labels.len(), 1, "blob {c} split");
    }
    assert!(m.n_noise() >= 5, "noise {}", m.n_noise());
    assert_eq!(m.labels.len(), 210);
    for (l, p) in m.labels.iter().zip(&m.probabilities) {
        assert!((0.0..=1.0).contains(p));
        assert_eq!(l.is_none(), *p == 0.0);
    }
    assert!(m.outlier_scores.iter().all(|s| (0.0..=1.0).contains(s)));
    // the uniform rows are more outlying than the blobs on average
    let mean = |r: std::ops::Range<usize>| {
        let l = r.len() as f64;
        m.outlier_scores[r].iter().sum::<f64>() / l
    };
    assert!(mean(180..210) > 2.0 * mean(0..180));
    assert_eq!(m.cluster_sizes().iter().sum::<usize>() + m.n_noise(), 210);
    assert_eq!(
        m.labels_i64().iter().filter(|&&l| l == -1).count(),
        m.n_noise()
    );
    assert_eq!(m.single_linkage_tree.merges.len(), 209);
    assert_eq!(m.min_samples, 10);
}

#[test]
fn identical_for_any_thread_count_and_row_order() {
    let x = blobs(
        700,
        &[[0.0, 0.0], [6.0, 1.0], [2.0, 7.0], [9.0, 9.0]],
        1.3,
        400,
        5,
    );
    let n = x.n_rows();
    let fit = |x: MatRef<'_, f64>, threads| {
        in_pool(threads, || {
            Hdbscan::params(15)
                .min_samples(Some(7))
                .leaf_size(Some(8))
                .fit(x)
                .unwrap()
        })
    };
    let a = fit(x.view(), 1);
    for threads in [2, 4] {
        let b = fit(x.view(), threads);
        assert_eq!(a.labels, b.labels);
        assert_eq!(bits(&a.probabilities), bits(&b.probabilities));
        assert_eq!(bits(&a.outlier_scores), bits(&b.outlier_scores));
        assert_eq!(a.single_linkage_tree, b.single_linkage_tree);
        assert_eq!(a.condensed_tree, b.condensed_tree);
    }
    let mut perm: Vec<usize> = (0..n).collect();
    Rng::new(9).shuffle(&mut perm);
    let mut v = Vec::with_capacity(n * 2);
    for &p in &perm {
        v.extend_from_slice(x.row(p));
    }
    let xs = Mat::from_vec(v, n, 2).unwrap();
    let b = fit(xs.view(), 2);
    assert!(a.n_clusters >= 3);
    for (i, &p) in perm.iter().enumerate() {
        assert_eq!(b.labels[i], a.labels[p], "row {p}");
        assert_eq!(b.probabilities[i].to_bits(), a.probabilities[p].to_bits());
        assert_eq!(b.outlier_scores[i].to_bits(), a.outlier_scores[p].to_bits());
        assert_eq!(b.core_distances[i], a.core_distances[p]);
    }
    assert_eq!(bits(&a.cluster_stabilities), bits(&b.cluster_stabilities));
}

/// The full pairwise matrix of `metric` with the engine's own arithmetic.
fn matrix<M: TreeMetric>(x: &Mat<f64>) -> Mat<f64> {
    let n = x.n_rows();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            v[i * n + j] = M::dist(M::rdist(x.row(i), x.row(j)));
        }
    }
    Mat::from_vec(v, n, n).unwrap()
}

#[test]
fn precomputed_matches_the_tree_path() {
    let x = blobs(80, &[[0.0, 0.0], [5.0, 5.0]], 1.0, 40, 11);
    for (metric, d) in [
        (HdbscanMetric::Euclidean, matrix::<Euclid>(&x)),
        (HdbscanMetric::Manhattan, matrix::<Manhattan>(&x)),
        (HdbscanMetric::Chebyshev, matrix::<Chebyshev>(&x)),
    ] {
        let p = Hdbscan::params(8).min_samples(Some(5));
        let a = p.clone().metric(metric).fit(x.view()).unwrap();
        let b = p.metric(HdbscanMetric::Precomputed).fit(d.view()).unwrap();
        let ha: Vec<f64> = a
            .single_linkage_tree
            .merges
            .iter()
            .map(|m| m.distance)
            .collect();
        let hb: Vec<f64> = b
            .single_linkage_tree
            .merges
            .iter()
            .map(|m| m.distance)
            .collect();
        assert_eq!(bits(&ha), bits(&hb), "{metric:?}");
        assert_eq!(a.core_distances, b.core_distances);
        assert_eq!(a.labels, b.labels, "{metric:?}");
        assert_eq!(bits(&a.outlier_scores), bits(&b.outlier_scores));
    }
}

#[test]
fn cosine_is_the_angle_distance() {
    // two directions, at many radii: cosine sees two tight clusters
    let mut rows = Vec::new();
    for i in 0..40 {
        let r = 1.0 + i as f64;
        let t = i as f64 * 1e-3;
        rows.push([r * (0.3 + t).cos(), r * (0.3 + t).sin()]);
        rows.push([r * (2.0 + t).cos(), r * (2.0 + t).sin()]);
    }
    let x = Mat::from_rows(&rows);
    let m = Hdbscan::params(5)
        .metric(HdbscanMetric::Cosine)
        .fit(x.view())
        .unwrap();
    assert_eq!(m.n_clusters, 2);
    assert_ne!(m.labels[0], m.labels[1]);
    assert_eq!(m.labels[0], m.labels[78]);
    // core distances are cosine distances: tiny within a direction
    assert!(m.core_distances.iter().all(|&c| c < 1e-4));
    let zero = Mat::from_rows(&[[1.0f64, 0.0], [0.0, 0.0], [1.0, 1.0]]);
    let e = Hdbscan::params(2)
        .metric(HdbscanMetric::Cosine)
        .fit(zero.view())
        .unwrap_err();
    assert!(e.to_string().contains("row 1"), "{e}");
}

#[test]
fn f32_and_f64_agree_on_representable_data() {
    let x = blobs(50, &[[0.0, 0.0], [8.0, 0.0]], 1.0, 10, 4);
    let v32: Vec<f32> = x.as_slice().iter().map(|&v| v as f32).collect();
    let v64: Vec<f64> = v32.iter().map(|&v| v as f64).collect();
    let a = Hdbscan::params(6)
        .fit(MatRef::new(&v32, 110, 2).unwrap())
        .unwrap();
    let b = Hdbscan::params(6)
        .fit(MatRef::new(&v64, 110, 2).unwrap())
        .unwrap();
    assert_eq!(a.labels, b.labels);
    assert_eq!(bits(&a.probabilities), bits(&b.probabilities));
}

#[test]
fn approximate_predict_places_new_points() {
    let x = blobs(100, &[[0.0, 0.0], [10.0, 10.0]], 1.0, 0, 8);
    let m = Hdbscan::params(10).fit(x.view()).unwrap();
    assert_eq!(m.n_clusters, 2);
    let new = Mat::from_rows(&[[0.1, -0.2], [9.8, 10.1], [50.0, -40.0], [5.0, 5.0]]);
    let p = m.approximate_predict(new.view()).unwrap();
    assert_eq!(p.labels[0], m.labels[0]);
    assert_eq!(p.labels[1], m.labels[100]);
    assert_eq!(p.labels[2], None);
    assert_eq!(p.probabilities[2], 0.0);
    assert!(p.probabilities[0] > 0.5);
    // training rows deep inside a cluster are predicted into it
    let core_rows: Vec<usize> = (0..200).filter(|&i| m.probabilities[i] == 1.0).collect();
    assert!(core_rows.len() > 10);
    let mut v = Vec::new();
    for &i in &core_rows {
        v.extend_from_slice(x.row(i));
    }
    let again = m
        .approximate_predict(Mat::from_vec(v, core_rows.len(), 2).unwrap().view())
        .unwrap();
    for (k, &i) in core_rows.iter().enumerate() {
        assert_eq!(again.labels[k], m.labels[i]);
    }
    let bad = Mat::from_rows(&[[1.0, 2.0, 3.0]]);
    assert!(matches!(
        m.approximate_predict(bad.view()).unwrap_err().kind(),
        ErrorKind::ShapeMismatch { .. }
    ));
}

#[test]
fn membership_vectors_are_probabilities() {
    let x = blobs(80, &[[0.0, 0.0], [8.0, 0.0], [4.0, 7.0]], 0.8, 20, 12);
    let m = Hdbscan::params(10).fit(x.view()).unwrap();
    assert_eq!(m.n_clusters, 3);
    let v = m.membership_vectors().unwrap();
    assert_eq!((v.n_rows(), v.n_cols()), (260, 3));
    let mut agree = 0;
    for i in 0..260 {
        let r = v.row(i);
        let s: f64 = r.iter().sum();
        assert!(r.iter().all(|&p| (0.0..=1.0 + 1e-12).contains(&p)));
        assert!(s <= 1.0 + 1e-9, "row {i} sums to {s}");
        if let Some(l) = m.labels[i] {
            let best = (0..3).max_by(|&a, &b| r[a].total_cmp(&r[b])).unwrap();
            agree += (best == l) as usize;
        }
    }
    let labelled = 260 - m.n_noise();
    assert!(agree * 100 >= 95 * labelled, "{agree} of {labelled}");
    // exemplars belong to their cluster
    for (l, ex) in m.exemplars().iter().enumerate() {
        assert!(!ex.is_empty());
        assert!(ex.iter().all(|&r| m.labels[r] == Some(l)));
    }
    // new points: a point at a blob centre is mostly that blob's
    let p = m
        .predict_membership(Mat::from_rows(&[[8.0, 0.0]]).view())
        .unwrap();
    let l = m.labels[80].unwrap();
    assert!(p.row(0)[l] > 0.5, "{:?}", p.row(0));
    // a precomputed fit needs its matrix
    let d = matrix::<Euclid>(&x);
    let mp = Hdbscan::params(10)
        .metric(HdbscanMetric::Precomputed)
        .fit(d.view())
        .unwrap();
    assert!(mp.membership_vectors().is_err());
    let vp = mp.membership_vectors_precomputed(d.view()).unwrap();
    for (a, b) in vp.as_slice().iter().zip(v.as_slice()) {
        assert!((a - b).abs() < 1e-9);
    }
    let dp: Vec<f64> = (0..260).map(|j| d.row(80)[j]).collect();
    let pp = mp
        .approximate_predict(MatRef::new(&dp, 1, 260).unwrap())
        .unwrap();
    assert_eq!(pp.labels[0], mp.labels[80]);
}

#[test]
fn duplicates_and_zero_distances() {
    // 30 copies of two points and a few others: λ = ∞ handled, no NaN
    let mut rows = vec![[0.0, 0.0]; 30];
    rows.extend(vec![[5.0, 5.0]; 30]);
    rows.push([2.0, 50.0]);
    let x = Mat::from_rows(&rows);
    let m = Hdbscan::params(5).fit(x.view()).unwrap();
    assert_eq!(m.n_clusters, 2);
    assert!(m.outlier_scores.iter().all(|s| s.is_finite()));
    assert!(m.probabilities.iter().all(|s| s.is_finite()));
    assert_eq!(m.labels[0], m.labels[29]);
    assert_eq!(m.labels[60], None);
    let v = m.membership_vectors().unwrap();
    assert!(v.as_slice().iter().all(|p| p.is_finite()));
}

#[test]
fn parameter_and_data_errors_name_the_parameter() {
    let x = random(20, 2, 2);
    let param = |r: crate::error::Result<HdbscanModel>| match r.unwrap_err().kind() {
        ErrorKind::InvalidParameter { name, .. } => *name,
        k => panic!("not a parameter error: {k:?}"),
    };
    assert_eq!(param(Hdbscan::params(1).fit(x.view())), "min_cluster_size");
    assert_eq!(param(Hdbscan::params(21).fit(x.view())), "min_cluster_size");
    assert_eq!(
        param(Hdbscan::params(5).min_samples(Some(0)).fit(x.view())),
        "min_samples"
    );
    assert_eq!(
        param(Hdbscan::params(5).min_samples(Some(20)).fit(x.view())),
        "min_samples"
    );
    for e in [-1.0, f64::NAN, f64::INFINITY] {
        assert_eq!(
            param(
                Hdbscan::params(5)
                    .cluster_selection_epsilon(e)
                    .fit(x.view())
            ),
            "cluster_selection_epsilon"
        );
    }
    assert_eq!(
        param(Hdbscan::params(5).max_cluster_size(Some(0)).fit(x.view())),
        "max_cluster_size"
    );
    assert_eq!(
        param(Hdbscan::params(5).leaf_size(Some(1)).fit(x.view())),
        "leaf_size"
    );
    assert!(Hdbscan::params(5).check().is_ok());
    assert!(Hdbscan::params(1).check().is_err());
    // n = min_cluster_size is fine; min_samples defaults to n − 1 then
    let m = Hdbscan::params(20).fit(x.view()).unwrap();
    assert_eq!(m.min_samples, 19);
    let nan = Mat::from_rows(&[[0.0, 1.0], [f64::NAN, 0.0], [1.0, 1.0]]);
    assert!(matches!(
        Hdbscan::params(2).fit(nan.view()).unwrap_err().kind(),
        ErrorKind::InvalidData { .. }
    ));
    let empty: Vec<f64> = Vec::new();
    assert!(Hdbscan::params(2)
        .fit(MatRef::new(&empty, 0, 2).unwrap())
        .is_err());
    let rect = random(4, 3, 1);
    assert!(matches!(
        Hdbscan::params(2)
            .metric(HdbscanMetric::Precomputed)
            .fit(rect.view())
            .unwrap_err()
            .kind(),
        ErrorKind::ShapeMismatch { .. }
    ));
    let neg = Mat::from_rows(&[[0.0, -1.0], [-1.0, 0.0]]);
    assert!(Hdbscan::params(2)
        .metric(HdbscanMetric::Precomputed)
        .fit(neg.view())
        .is_err());
    assert_eq!(
        "L1".parse::<HdbscanMetric>().unwrap(),
        HdbscanMetric::Manhattan
    );
    assert!("mahalanobis".parse::<HdbscanMetric>().is_err());
    assert_eq!(
        "LEAF".parse::<ClusterSelection>().unwrap(),
        ClusterSelection::Leaf
    );
    assert!("excess".parse::<ClusterSelection>().is_err());
}

#[test]
fn progress_reports_every_stage() {
    let x = random(500, 2, 6);
    let mut stages = Vec::new();
    Hdbscan::params(5)
        .fit_observed(x.view(), &mut |p| stages.push(p.stage))
        .unwrap();
    stages.dedup();
    assert_eq!(
        stages,
        vec![
            HdbscanStage::Tree,
            HdbscanStage::CoreDistances,
            HdbscanStage::SpanningTree,
            HdbscanStage::Hierarchy,
            HdbscanStage::Done
        ]
    );
}
