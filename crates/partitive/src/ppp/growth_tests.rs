//! Tests of the merge rules on a non-convex shape and of the growing fit sample.

use super::*;
use crate::matrix::Mat;
use crate::rng::Rng;

fn ari(a: &[usize], b: &[usize]) -> f64 {
    crate::metrics::adjusted_rand_index(a, b).unwrap()
}

/// A ring (radius 5, radial noise 0.2, 1,200 points) around a blob (sd 0.5, 300 points).
fn ring_and_blob(seed: u64) -> (Mat<f64>, Vec<usize>) {
    let mut rng = Rng::new(seed);
    let mut v = Vec::new();
    for _ in 0..1200 {
        let a = 2.0 * std::f64::consts::PI * rng.next_f64();
        let r = 5.0 + 0.2 * rng.normal();
        v.extend([r * a.cos(), r * a.sin()]);
    }
    for _ in 0..300 {
        v.extend([0.5 * rng.normal(), 0.5 * rng.normal()]);
    }
    let t: Vec<usize> = (0..1500).map(|i| usize::from(i >= 1200)).collect();
    (Mat::from_vec(v, 1500, 2).unwrap(), t)
}

/// `k` unit Gaussians on a 2-D grid 12 apart, `per` points each.
fn grid(k: usize, per: usize, seed: u64) -> (Mat<f64>, Vec<usize>) {
    spaced_grid(k, per, 12.0, seed)
}

/// `k` unit Gaussians on a 2-D grid `gap` apart, `per` points each.
fn spaced_grid(k: usize, per: usize, gap: f64, seed: u64) -> (Mat<f64>, Vec<usize>) {
    let mut rng = Rng::new(seed);
    let side = (k as f64).sqrt().ceil() as usize;
    let (mut v, mut t) = (Vec::new(), Vec::new());
    for c in 0..k {
        let (cx, cy) = (gap * (c % side) as f64, gap * (c / side) as f64);
        for _ in 0..per {
            v.extend([cx + rng.normal(), cy + rng.normal()]);
            t.push(c);
        }
    }
    let n = t.len();
    (Mat::from_vec(v, n, 2).unwrap(), t)
}

#[test]
fn graph_merge_keeps_a_ring_whole() {
    let (x, t) = ring_and_blob(5);
    for rule in [MergeRule::Graph, MergeRule::Auto] {
        let r = Ppp::params().merge_rule(rule).fit(x.view()).unwrap();
        // BIC needs many Gaussian pieces for the ring; the merge joins them.
        assert!(r.selected.n_components > 2, "{rule:?}");
        assert_eq!(r.k, 2, "{rule:?}");
        assert!(ari(&t, &r.labels) > 0.95, "{rule:?}");
    }
}

#[test]
fn graph_merge_does_not_depend_on_row_order_or_threads() {
    let (x, _) = ring_and_blob(6);
    let n = x.n_rows();
    let mut perm: Vec<usize> = (0..n).collect();
    Rng::new(4).shuffle(&mut perm);
    let mut v = Vec::new();
    for &i in &perm {
        v.extend_from_slice(x.row(i));
    }
    let y = Mat::from_vec(v, n, 2).unwrap();
    let p = Ppp::params().merge_rule(MergeRule::Graph);
    let a = p.fit(x.view()).unwrap();
    let b = p.fit(y.view()).unwrap();
    for (j, &i) in perm.iter().enumerate() {
        assert_eq!(b.labels[j], a.labels[i]);
    }
    for threads in [1, 2, 4] {
        let c = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| p.fit(x.view()).unwrap());
        assert_eq!(c.labels, a.labels);
        assert_eq!(c.confidence, a.confidence);
    }
}

#[test]
fn fit_sample_grows_while_k_presses_against_the_cap() {
    // 40 clusters, 2,000 rows; a first sample of 400 rows caps k at 20.
    let (x, t) = grid(40, 50, 8);
    let small = Ppp::params().sample_max(400);
    let r = small.fit(x.view()).unwrap();
    assert_eq!(r.diagnostics.fit_sample_sizes, vec![400, 1600, 2000]);
    assert_eq!(r.n_fit, 2000);
    assert_eq!(r.k, 40);
    assert!(ari(&t, &r.labels) > 0.99);
    // Without growth the cap ⌊√400⌋ = 20 binds.
    let fixed = small.clone().grow_sample(false).fit(x.view()).unwrap();
    assert_eq!(fixed.diagnostics.fit_sample_sizes, vec![400]);
    assert!(fixed.k <= 20);
    // A sample that is large enough from the start does not grow.
    let (y, _) = grid(6, 100, 9);
    let r6 = Ppp::params().sample_max(400).fit(y.view()).unwrap();
    assert_eq!(r6.diagnostics.fit_sample_sizes, vec![400]);
    assert_eq!(r6.k, 6);
}

#[test]
fn grown_sample_streamed_equals_in_memory_and_ignores_row_order() {
    let (x, _) = grid(40, 50, 10);
    let n = x.n_rows();
    let p = Ppp::params().sample_max(400);
    let whole = p.fit(x.view()).unwrap();
    assert!(whole.diagnostics.fit_sample_sizes.len() > 1);
    let data = x.as_slice();
    let mut pass = |f: &mut dyn FnMut(crate::MatRef<'_, f64>)| -> Result<(), crate::Error> {
        for start in (0..n).step_by(333) {
            let end = (start + 333).min(n);
            f(crate::MatRef::new(&data[start * 2..end * 2], end - start, 2).unwrap());
        }
        Ok(())
    };
    let streamed = p.fit_passes(&mut pass, &mut |_| {}).unwrap();
    assert_eq!(streamed.labels, whole.labels);
    assert_eq!(
        streamed.diagnostics.fit_sample_sizes,
        whole.diagnostics.fit_sample_sizes
    );
    let mut perm: Vec<usize> = (0..n).collect();
    Rng::new(12).shuffle(&mut perm);
    let mut v = Vec::new();
    for &i in &perm {
        v.extend_from_slice(x.row(i));
    }
    let y = Mat::from_vec(v, n, 2).unwrap();
    let b = p.fit(y.view()).unwrap();
    for (j, &i) in perm.iter().enumerate() {
        assert_eq!(b.labels[j], whole.labels[i]);
    }
}

#[test]
fn many_clusters_beyond_the_square_root_cap() {
    // 150 clusters of 30 points, 20 sd apart: ⌊√4,500⌋ = 67 components at most under
    // the old cap, and the BIC plateau stops the one-k-at-a-time sweep near k = 34; the
    // escape probe and the many-cluster search (cap m / MANY_MIN_POINTS = 180) find them.
    let (x, t) = spaced_grid(150, 30, 20.0, 13);
    let r = Ppp::params().fit(x.view()).unwrap();
    assert_eq!(r.diagnostics.fit_sample_sizes, vec![4000, 4500]);
    assert_eq!(r.k, 150);
    assert!(ari(&t, &r.labels) > 0.99);
    // O(log k) fits, not one per k: far fewer distinct k than the 150 of a full sweep
    // after the first sample's ⌊√4,000⌋ = 63.
    let mut ks: Vec<usize> = r.bic_path.iter().map(|e| e.k).collect();
    ks.dedup();
    assert!(ks.len() < 63 + 40, "{} k fitted", ks.len());
    // Same labels for any row order and thread count.
    let n = x.n_rows();
    let mut perm: Vec<usize> = (0..n).collect();
    Rng::new(14).shuffle(&mut perm);
    let mut v = Vec::new();
    for &i in &perm {
        v.extend_from_slice(x.row(i));
    }
    let y = Mat::from_vec(v, n, 2).unwrap();
    let b = Ppp::params().fit(y.view()).unwrap();
    for (j, &i) in perm.iter().enumerate() {
        assert_eq!(b.labels[j], r.labels[i]);
    }
    for threads in [1, 4] {
        let c = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| Ppp::params().fit(x.view()).unwrap());
        assert_eq!(c.labels, r.labels);
    }
}

/// `k` unit Gaussians in `d` dimensions at random positions in [−40, 40]^d at least
/// `min_dist` apart, `per` points each.
fn scattered(k: usize, per: usize, d: usize, min_dist: f64, seed: u64) -> (Mat<f64>, Vec<usize>) {
    let mut rng = Rng::new(seed);
    let mut centres: Vec<Vec<f64>> = Vec::new();
    while centres.len() < k {
        let c: Vec<f64> = (0..d).map(|_| 80.0 * rng.next_f64() - 40.0).collect();
        let far = centres.iter().all(|o| {
            let s: f64 = o.iter().zip(&c).map(|(a, b)| (a - b) * (a - b)).sum();
            s.sqrt() >= min_dist
        });
        if far {
            centres.push(c);
        }
    }
    let (mut v, mut t) = (Vec::new(), Vec::new());
    for (ci, c) in centres.iter().enumerate() {
        for _ in 0..per {
            v.extend(c.iter().map(|&m| m + rng.normal()));
            t.push(ci);
        }
    }
    (Mat::from_vec(v, k * per, d).unwrap(), t)
}

#[test]
fn many_clusters_when_the_sample_already_holds_every_row() {
    // 100 clusters of 40 points in 3-D: n = 4,000 = the first sample, which cannot grow.
    // The sweep presses against ⌊√4,000⌋ = 63; the many-cluster search must still run
    // on the same rows (cap 4,000 / MANY_MIN_POINTS = 160) instead of stopping at 63.
    let (x, t) = scattered(100, 40, 3, 8.0, 21);
    let r = Ppp::params().fit(x.view()).unwrap();
    assert_eq!(r.diagnostics.fit_sample_sizes, vec![4000, 4000]);
    assert_eq!(r.k, 100);
    assert!(ari(&t, &r.labels) > 0.99, "{}", ari(&t, &r.labels));
}

#[test]
fn hundreds_of_clusters_tighter_than_the_samples_ridge() {
    // 400 unit Gaussians 10 apart on a 20 × 20 grid, 40 points each: every feature's
    // variance is ≈ 3,300, so the sample's ridge (EPS_REG × 3,300 ≈ 3.3) is larger than a
    // cluster's own variance. On the grown sample the many-cluster search shrinks it as
    // k^(−2/d) ([`many::ridge_factor`]) and repairs the tree's partitions by swaps
    // ([`repair`]), and finds every cluster (without either, the search found 398).
    let (x, t) = spaced_grid(400, 40, 10.0, 31);
    let r = Ppp::params().fit(x.view()).unwrap();
    assert_eq!(
        r.k, 400,
        "sample sizes {:?}",
        r.diagnostics.fit_sample_sizes
    );
    assert!(ari(&t, &r.labels) > 0.99, "{}", ari(&t, &r.labels));
}
