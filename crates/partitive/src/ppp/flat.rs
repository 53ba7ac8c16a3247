//! The third pass of the modal rule ([`super::modal`]): adjacent flat pieces of one
//! cluster.
//!
//! BIC tiles a uniform cluster that is far from spherical (a 4:1 box, rotated, in 4–128
//! dimensions) with Gaussian components, often spherical ones, laid like slabs along its
//! long axis. Two adjacent slabs' Gaussians meet at `2 e^{-3/2}` = 0.45 of their peaks (far
//! less with spherical covariances) although the data's density does not dip at all, and
//! in many dimensions they share no ambiguous fit point, so neither the first pass nor
//! the segment pass joins them: a box came out as 6–13 clusters. Two components that are
//! both platykurtic (Mardia kurtosis z below `−Z_GAUSS`) are adjacent slabs when, with
//! their points projected on the line through their means ([`project_pair`]), the means
//! are [`FLAT_NEAR`] of the points' mean standard deviations apart (`√12` = 3.46 for
//! touching uniform slabs of any widths, 6.9 with one slab between), the projections are
//! as dense where two slabs would meet as around the means (at least [`RHO`] ×: two
//! bell-shaped clusters as far apart read 0.3 or less), and the dip test finds no gap between
//! their points (1%). Their clusters join, whichever components of the two clusters the
//! pair is (a slab in the middle of a cluster touches the next cluster's slab, not its
//! mode). Pairs the first pass keeps apart (two superposed flat or two hollow
//! components) stay apart. Pairs are visited by increasing separation (ties: lower
//! indices first), so the result is a function of the fit sample alone. Measured in
//! bench/ppp/README.md (session 16).

use super::graph::project_pair;
use super::merge::ClusterWeights;
use super::params::{FLAT_NEAR, RHO};
use super::result::{MergeDecision, MergeNode, PppMixture};
use crate::matrix::Mat;

/// The pass (module doc) over the clusters of `rep` (`rep[c]` = root of `c`): `top` =
/// most probable component of every fit row of `x`, `platy[c]` = component `c` is
/// platykurtic, `adjacent(c, e)` = the pair may join (platykurtic, not kept apart, no gap;
/// asked only for pairs within [`FLAT_NEAR`]), `w` = component weights. The lighter
/// cluster's root hangs under the pair's component in the heavier one
/// ([`MergeDecision::JoinedFlat`]).
#[allow(clippy::too_many_arguments)]
pub(super) fn join_flat(
    g: &PppMixture,
    x: &Mat<f64>,
    top: &[usize],
    platy: &[bool],
    adjacent: impl Fn(usize, usize) -> bool,
    w: &[f64],
    rep: &mut [usize],
    nodes: &mut [MergeNode],
) {
    let k = rep.len();
    let flat: Vec<usize> = (0..k).filter(|&c| platy[c]).collect();
    if flat.len() < 2 {
        return;
    }
    let mut pairs: Vec<(f64, usize, usize)> = flat
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| flat[i + 1..].iter().map(move |&e| (c, e)))
        .filter(|&(c, e)| rep[c] != rep[e])
        .filter_map(|(c, e)| {
            let p = project_pair(&g.params.means, x, top, (c, e))?;
            let side_by_side = (FLAT_NEAR.0..=FLAT_NEAR.1).contains(&p.separation);
            (side_by_side && p.junction >= RHO).then_some((p.separation, c, e))
        })
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut weights = ClusterWeights::new(rep, w);
    for (sep, c, e) in pairs {
        let (ra, rb) = (rep[c], rep[e]);
        if ra == rb || !adjacent(c, e) {
            continue;
        }
        let (lo, hi) = weights.join(ra, rb);
        nodes[lo].parent = Some(if lo == ra { e } else { c });
        nodes[lo].decision = MergeDecision::JoinedFlat { separation: sep };
        rep.iter_mut().filter(|r| **r == lo).for_each(|r| *r = hi);
    }
}

#[cfg(test)]
mod tests {
    use super::super::graph::project_pair;
    use crate::matrix::Mat;
    use crate::rng::Rng;

    #[test]
    fn adjacent_uniform_slabs_are_sqrt_12_apart_whatever_their_widths() {
        // Slabs [0, 1) and [1, 3) on axis 0 of a 3-D box; a third [3, 4) beyond; two
        // Gaussian bells (sd 1/√12) 1 apart, 3.46 of their sd.
        let mut rng = Rng::new(5);
        let (mut v, mut a) = (Vec::new(), Vec::new());
        for (c, (lo, hi)) in [(0.0, 1.0), (1.0, 3.0), (3.0, 4.0)].into_iter().enumerate() {
            for _ in 0..4000 {
                v.push(lo + (hi - lo) * rng.next_f64());
                v.push(rng.next_f64());
                v.push(rng.next_f64());
                a.push(c);
            }
        }
        for (c, centre) in [(3, -0.5), (4, 0.5)] {
            for _ in 0..4000 {
                v.push(centre + rng.normal() / 12f64.sqrt());
                v.push(rng.next_f64());
                v.push(rng.next_f64());
                a.push(c);
            }
        }
        let x = Mat::from_vec(v, 20000, 3).unwrap();
        let means = Mat::from_vec(
            vec![
                0.5, 0.5, 0.5, 2.0, 0.5, 0.5, 3.5, 0.5, 0.5, -0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
            ],
            5,
            3,
        )
        .unwrap();
        let p01 = project_pair(&means, &x, &a, (0, 1)).unwrap();
        // Means 1.5 apart, sds 1/√12 and 2/√12: 1.5 / (1.5/√12) = √12.
        assert!((p01.separation - 12f64.sqrt()).abs() < 0.1, "{p01:?}");
        // As dense where they meet as the sparser slab (denser: the windows straddle both).
        assert!(p01.junction > 0.9, "{p01:?}");
        let p02 = project_pair(&means, &x, &a, (0, 2)).unwrap();
        assert!(p02.separation > 2.0 * 12f64.sqrt() * 0.95, "{p02:?}");
        // Two Gaussian bells as far apart: the points thin out between them.
        let p34 = project_pair(&means, &x, &a, (3, 4)).unwrap();
        assert!((p34.separation - 12f64.sqrt()).abs() < 0.2, "{p34:?}");
        assert!(p34.junction < 0.6, "{p34:?}");
    }
}
