//! Tests of the pruned variants (Hamerly, Yinyang) against Lloyd, bit for bit, and of
//! the passes they share with it (kept norms, first-step pilot, k-means++ passes).

use super::tests::{blobs, dist2};
use super::*;
use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use crate::rng::Rng;
use crate::simd::Level;

/// Fits with Lloyd, Hamerly and Yinyang from the same start; asserts bitwise-equal
/// results and observed iterations; returns the distance evaluations of each.
fn same_run<T: Float>(
    x: MatRef<'_, T>,
    w: Option<&[T]>,
    init: Init<T>,
    k: usize,
    max_iter: usize,
) -> [u64; 3] {
    let p = KMeans::params(k)
        .init(init)
        .tol(0.0)
        .max_iter(max_iter)
        .seed(9);
    let algs = [Algorithm::Lloyd, Algorithm::Hamerly, Algorithm::Yinyang];
    let fits: Vec<_> = algs
        .iter()
        .map(|&alg| {
            let mut seen = Vec::new();
            let fit = p
                .clone()
                .algorithm(alg)
                .fit_observed(x, w, &mut |i| seen.push(*i))
                .unwrap();
            assert_eq!(fit.diagnostics.algorithm, alg);
            (fit, seen)
        })
        .collect();
    let (a, ia) = &fits[0];
    for (b, ib) in &fits[1..] {
        let alg = b.diagnostics.algorithm;
        let differ = a
            .labels
            .iter()
            .zip(&b.labels)
            .filter(|(p, q)| p != q)
            .count();
        assert_eq!(differ, 0, "{alg:?}: {differ} labels differ");
        assert!(a.centers == b.centers, "{alg:?}: centers differ");
        assert_eq!(a.inertia.to_bits(), b.inertia.to_bits(), "{alg:?}");
        assert_eq!((a.n_iter, a.converged), (b.n_iter, b.converged), "{alg:?}");
        assert_eq!(
            a.diagnostics.empty_clusters_reseeded,
            b.diagnostics.empty_clusters_reseeded
        );
        // The observer sees the same iterations.
        assert_eq!(ia, ib, "{alg:?}");
    }
    [0, 1, 2].map(|i| fits[i].0.diagnostics.distance_evaluations)
}

fn grid<T: Float>(n: usize, d: usize, levels: usize, offset: f64, seed: u64) -> Mat<T> {
    let mut r = Rng::new(seed);
    let v = (0..n * d)
        .map(|_| T::of_f64(offset + r.below(levels) as f64))
        .collect();
    Mat::from_vec(v, n, d).unwrap()
}

fn uniform<T: Float>(n: usize, d: usize, offset: f64, seed: u64) -> Mat<T> {
    let mut r = Rng::new(seed);
    let v = (0..n * d)
        .map(|_| T::of_f64(offset + r.next_f64()))
        .collect();
    Mat::from_vec(v, n, d).unwrap()
}

#[test]
fn auto_picks_by_shape_and_memory() {
    use super::fit::resolve;
    assert_eq!(
        resolve::<f32>(Algorithm::Auto, 1000, 64, 32),
        Algorithm::Hamerly
    );
    assert_eq!(
        resolve::<f64>(Algorithm::Auto, 1000, 16, 6),
        Algorithm::Hamerly
    );
    assert_eq!(
        resolve::<f32>(Algorithm::Auto, 1000, 8, 11),
        Algorithm::Lloyd
    );
    // too cheap a row, or bounds larger than a quarter of a row
    assert_eq!(
        resolve::<f32>(Algorithm::Auto, 1000, 3, 32),
        Algorithm::Lloyd
    );
    assert_eq!(
        resolve::<f32>(Algorithm::Auto, 1000, 64, 4),
        Algorithm::Lloyd
    );
    assert_eq!(
        resolve::<f32>(Algorithm::Yinyang, 1000, 3, 1),
        Algorithm::Yinyang
    );
    // many centers: Yinyang when its bounds (36 bytes) fit in a third of a row
    assert_eq!(
        resolve::<f32>(Algorithm::Auto, 1000, 1024, 32),
        Algorithm::Yinyang
    );
    assert_eq!(
        resolve::<f64>(Algorithm::Auto, 1000, 512, 14),
        Algorithm::Yinyang
    );
    assert_eq!(
        resolve::<f32>(Algorithm::Auto, 1000, 511, 32),
        Algorithm::Hamerly
    );
    assert_eq!(
        resolve::<f32>(Algorithm::Auto, 1000, 1024, 26),
        Algorithm::Hamerly
    );
}

fn pruned_equals_lloyd<T: Float>() {
    // Separated blobs: pruning must pay here.
    let (x, _) = blobs::<T>(20_000, 6, 9, 10.0, 61);
    let [lloyd, hamerly, yinyang] = same_run(x.view(), None, Init::KMeansPlusPlus, 9, 30);
    // (the first iteration evaluates everything in all; at k = 9 Hamerly skips the
    // tightening of failing rows, which would save distances but not time — see
    // `pruned::TIGHTEN` — so its bar is a third of Lloyd's evaluations, Yinyang's a quarter)
    let first = 20_000 * 9;
    assert!(
        hamerly - first < (lloyd - first) / 3,
        "{hamerly} vs {lloyd}"
    );
    assert!(
        yinyang - first < (lloyd - first) / 4,
        "{yinyang} vs {lloyd}"
    );
    // Many centers, k not a multiple of the panel width, several groups.
    let (x, _) = blobs::<T>(12_000, 7, 45, 6.0, 66);
    let [lloyd, _, yinyang] = same_run(x.view(), None, Init::KMeansPlusPlus, 45, 15);
    assert!(yinyang < lloyd / 2, "{yinyang} vs {lloyd}");
    let (x, _) = blobs::<T>(6_000, 3, 200, 30.0, 67);
    same_run(x.view(), None, Init::KMeansPlusPlus, 203, 12);
    // Exact ties everywhere: duplicated rows on a small grid.
    let x = grid::<T>(6000, 3, 3, 0.0, 62);
    same_run(x.view(), None, Init::KMeansPlusPlus, 10, 30);
    same_run(x.view(), None, Init::Deterministic, 7, 30);
    // Ties across several Yinyang groups (k spans 3 to 5 kernel panels).
    same_run(x.view(), None, Init::KMeansPlusPlus, 40, 20);
    let x = grid::<T>(5000, 4, 4, 1000.0, 68);
    same_run(x.view(), None, Init::KMeansPlusPlus, 37, 20);
    // Far from the origin (large GEMM-form rounding, many near-ties), unstructured.
    let x = uniform::<T>(8000, 5, 300.0, 63);
    same_run(x.view(), None, Init::KMeansPlusPlus, 40, 25);
    let x = grid::<T>(5000, 4, 4, 1000.0, 64);
    same_run(x.view(), None, Init::KMeansPlusPlus, 12, 25);
    // Weighted, with empty clusters to re-seed.
    let (x, _) = blobs::<T>(3000, 2, 3, 20.0, 65);
    let w: Vec<T> = (0..3000).map(|i| T::of_f64((i % 4) as f64)).collect();
    let mut c = x.as_slice()[..2].to_vec();
    c.extend([1e4, 1e4, -1e4, 1e4].map(T::of_f64));
    let c = Mat::from_vec(c, 3, 2).unwrap();
    same_run(x.view(), Some(&w), Init::Centers(c), 3, 20);
}

#[test]
fn pruned_equals_lloyd_bitwise_f32() {
    pruned_equals_lloyd::<f32>();
}

#[test]
fn pruned_equals_lloyd_bitwise_f64() {
    pruned_equals_lloyd::<f64>();
}

/// Σ w‖x − c_label‖² summed directly in `f64`.
fn direct_inertia<T: Float>(x: MatRef<'_, T>, w: Option<&[T]>, fit: &KMeansResult<T>) -> f64 {
    (0..x.n_rows())
        .map(|i| w.map_or(1.0, |w| w[i].as_f64()) * dist2(x.row(i), fit.centers.row(fit.labels[i])))
        .sum()
}

fn inertia_from_sums<T: Float>() {
    // Near the origin the result's inertia comes from the sums; 1e4 away, cancellation
    // sends it to the direct pass. Both agree with a direct sum to 1e-9 relative, for
    // every variant, weighted or not.
    for offset in [0.0, 1e4] {
        let (x, _) = blobs::<T>(9000, 5, 6, 8.0, 71);
        let x = Mat::from_vec(
            x.as_slice()
                .iter()
                .map(|v| T::of_f64(v.as_f64() + offset))
                .collect(),
            9000,
            5,
        )
        .unwrap();
        let w: Vec<T> = (0..9000).map(|i| T::of_f64(0.5 + (i % 4) as f64)).collect();
        for alg in [Algorithm::Lloyd, Algorithm::Hamerly, Algorithm::Yinyang] {
            for weights in [None, Some(&w[..])] {
                let fit = KMeans::params(6)
                    .algorithm(alg)
                    .max_iter(7)
                    .tol(0.0)
                    .fit(crate::Weighted::new(x.view(), weights))
                    .unwrap();
                let direct = direct_inertia(x.view(), weights, &fit);
                assert!(
                    (fit.inertia - direct).abs() <= 1e-9 * direct,
                    "{alg:?} offset {offset}: {} vs {direct}",
                    fit.inertia
                );
            }
        }
    }
}

#[test]
fn inertia_from_sums_f32() {
    inertia_from_sums::<f32>();
}

#[test]
fn inertia_from_sums_f64() {
    inertia_from_sums::<f64>();
}

/// The norms the data check keeps for Hamerly are `up(‖x_i‖²)` of the reference
/// [`sq_norm`](super::data::sq_norm), bitwise, on the AVX2 path (`f32`, d a multiple of 8)
/// and the portable one, across chunk boundaries; `+∞` beyond the `f32` range.
fn kept_norms<T: Float>(d: usize) {
    use super::bounds::up;
    use super::data::{sq_norm, Data};
    let n = crate::parallel::CHUNK_ROWS + 37;
    let mut x = uniform::<T>(n, d, -0.5, 71);
    x.as_mut_slice()[5 * d] = T::of_f64(3e19); // ‖x‖² ≈ 9e38: rounds up past f32::MAX
    let data = Data::with_norms(x.view(), None, 3).unwrap();
    assert_eq!(data.norms.len(), n);
    for i in 0..n {
        let want = up(sq_norm(x.row(i)));
        assert_eq!(data.norms[i].to_bits(), want.to_bits(), "row {i}");
    }
    assert_eq!(data.norms[5], f32::INFINITY);
    assert!(Data::new(x.view(), None, 3).unwrap().norms.is_empty());
}

#[test]
fn kept_norms_match_the_reference() {
    kept_norms::<f32>(16);
    kept_norms::<f32>(5);
    kept_norms::<f64>(16);
}

/// Hamerly's first-step pilot keeps the bounds for a start that the first update barely
/// moves and chooses a plain Lloyd step for one it moves far (the stage the first step
/// leaves shows which ran); labels equal Lloyd's either way.
fn first_step_pilot<T: Float>() {
    let (n, d, k) = (20_000, 6, 9);
    // Row `i` lies in blob `i % k`.
    let (x, _) = blobs::<T>(n, d, k, 10.0, 71);
    // One center in each blob (rows 0..k), or every center in blob 0 (rows 0, k, 2k, …).
    let near = Mat::from_vec(x.as_slice()[..k * d].to_vec(), k, d).unwrap();
    let far: Vec<T> = (0..k).flat_map(|j| x.row(j * k).to_vec()).collect();
    let far = Mat::from_vec(far, k, d).unwrap();
    let data = data::Data::with_norms(x.view(), None, k).unwrap();
    // The pilot's prediction, and the state the first step leaves.
    let first = |c: &Mat<T>| {
        let packed = kernel::Packed::new(c.view());
        let pays = pruned::first_bounds_pay(&data, &packed, c);
        let mut h = pruned::Hamerly::new(n, k);
        let mut labels = vec![u32::MAX; n];
        h.step(&data, &packed, c, &mut labels);
        (pays, h.stage)
    };
    assert_eq!(
        first(&near),
        (true, pruned::Stage::Bounded),
        "one center per blob"
    );
    assert_eq!(
        first(&far),
        (false, pruned::Stage::Unbounded),
        "all in one blob"
    );
    // Whole fits: Lloyd's labels either way; with the bounds, the second step proves most
    // rows, without them it evaluates every row.
    let full = (n * k) as u64;
    let [_, hamerly, _] = same_run(x.view(), None, Init::Centers(far), k, 20);
    assert!(hamerly >= 2 * full, "{hamerly}");
    let [_, hamerly, _] = same_run(x.view(), None, Init::Centers(near), k, 20);
    assert!(hamerly < full + full / 2, "{hamerly}");
}

#[test]
fn first_step_pilot_f32() {
    first_step_pilot::<f32>();
}

#[test]
fn first_step_pilot_f64() {
    first_step_pilot::<f64>();
}

/// The k-means++ passes compiled for every level give bitwise the portable build's distances
/// and masses (weighted, `d` not a multiple of the 8 partial sums); the candidates'
/// potentials from the blocked kernel equal the direct sums to rounding.
fn init_passes_match<T: Float>() {
    let (n, d) = (3000, 13);
    let x = uniform::<T>(n, d, 5.0, 81);
    let w: Vec<T> = (0..n).map(|i| T::of_f64((i % 5) as f64 * 0.75)).collect();
    let data = data::Data::new(x.view(), Some(&w), 1).unwrap();
    let mut a = vec![f64::INFINITY; n];
    for c in [7, 1999, 2500] {
        let before = a.clone();
        let ia = init::update_chunk_at(Level::Portable, &data, &mut a, 0..n, x.row(c));
        for level in crate::simd::supported_levels().into_iter().skip(1) {
            let mut b = before.clone();
            let ib = init::update_chunk_at(level, &data, &mut b, 0..n, x.row(c));
            assert_eq!(ia.mass.to_bits(), ib.mass.to_bits());
            assert_eq!((ia.max.to_bits(), ia.argmax), (ib.max.to_bits(), ib.argmax));
            assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
        }
    }
    let cands = [3, 17, 1024, 2999, 17];
    let c = init::centers_of(&data, &cands);
    let packed = kernel::Packed::new(c.view());
    let xn = init::row_norms(&data);
    let got = init::potentials(
        &data,
        &xn[100..2900],
        &a[100..2900],
        100..2900,
        &packed,
        cands.len(),
    );
    let tol = if T::DTYPE == "float32" { 1e-5 } else { 1e-12 };
    for (t, &j) in cands.iter().enumerate() {
        let want: f64 = (100..2900)
            .map(|i| data.weight(i) * dist2(x.row(i), x.row(j)).min(a[i]))
            .sum();
        assert!((got[t] - want).abs() <= tol * want, "{} vs {want}", got[t]);
    }
    assert_eq!(got[1].to_bits(), got[4].to_bits());
}

#[test]
fn init_passes_match_f32() {
    init_passes_match::<f32>();
}

#[test]
fn init_passes_match_f64() {
    init_passes_match::<f64>();
}
