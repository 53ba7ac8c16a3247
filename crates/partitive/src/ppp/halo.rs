//! After the second pass of the modal rule ([`super::modal`]): a cluster that is only a
//! **halo shared by denser clusters** joins the nearest of them.
//!
//! Spiked clusters (a radius drawn from a Gaussian of mean 0 around the centre, as in
//! clustering-data-v1's `h2mg`) in many dimensions overlap in wide tails that BIC models
//! with components of their own, centred between the cores. The segment pass keeps the
//! cores apart (each core's peak towers over the halo: [`super::segment`]), but the halo,
//! heavier than either core, can join neither: the segment pass only hangs lighter
//! clusters under heavier ones, so that a light spike where two clusters cross cannot
//! bridge them. Left alone, the halo is a third cluster holding the far rows of both.
//!
//! Rule: a cluster whose root component holds the peaks (the highest component) of two or
//! more other clusters within its bulk — squared Mahalanobis distance under the root at
//! most [`SPAN`] × `d`, the bound by which [`super::tail`] calls a component a shared
//! tail — joins the one whose peak is nearest in that metric
//! ([`MergeDecision::SharedHalo`]), provided each of those peaks towers over its own by
//! more than `SPAN × d / 2` (log density): more than a Gaussian's density falls across
//! that bulk, so the peak is a core on top of the halo, not a neighbour of comparable
//! density. Its components are then shared tails of the clusters they span, and their
//! rows go to the nearest peak. The target is the nearest spanned cluster that is not a
//! halo itself: halos nest (a narrower halo component inside a wider one, both around the
//! two cores), and the wider one's nearest spanned cluster can be the narrower halo.
//! Before session 25 such a pair both stayed clusters (two spikes in 128-D: three
//! clusters). A halo with one core inside it is that core's cluster
//! already; a dense cluster is never dissolved into sparser ones. Three overlapping boxes
//! in 128 dimensions, whose peaks differ by 1–4 (log), against 16, stay three; spike cores
//! stand 200–300 above their halo.
//!
//! Measured in bench/ppp/README.md (session 23).

use super::merge::{clusters_of, highest_peaks, reroot, roots_of};
use super::result::{MergeDecision, MergeNode};
use super::tail::SPAN;

/// The rule of the module doc on the forest `rep` (`rep[c]` = root of `c`); `dist[i * K + j]`
/// = Mahalanobis distance of mean `i` under component `j`, `peak` = the components' peaks,
/// `dim` = the number of columns. The peak of a cluster is its highest component (ties →
/// lower index). Decisions are taken on the forest as it was: a halo never joins another
/// halo.
pub(super) fn join_shared_halos(
    rep: &mut [usize],
    nodes: &mut [MergeNode],
    dist: &[f64],
    peak: &[f64],
    dim: usize,
) {
    let k = rep.len();
    let roots = roots_of(rep);
    if roots.len() < 3 {
        return;
    }
    let cluster = clusters_of(rep, &roots);
    let top = highest_peaks(&cluster, roots.len(), |c| peak[c]);
    let bound = SPAN * dim as f64;
    let d2 = |j: usize, h: usize| dist[top[j] * k + h].powi(2);
    // Per cluster: the clusters whose peaks tower inside its bulk.
    let spanned: Vec<Vec<usize>> = roots
        .iter()
        .enumerate()
        .map(|(i, &h)| {
            (0..roots.len())
                .filter(|&j| j != i && peak[top[j]] > peak[top[i]] + bound / 2.0)
                .filter(|&j| d2(j, h) <= bound)
                .collect()
        })
        .collect();
    let is_halo: Vec<bool> = spanned.iter().map(|s| s.len() >= 2).collect();
    let mut new_root: Vec<usize> = roots.clone();
    for (i, &h) in roots.iter().enumerate() {
        if !is_halo[i] {
            continue;
        }
        // The nearest spanned cluster that is no halo itself (a halo inside a wider one
        // is a spanned cluster too, and joins a core of its own).
        let near = spanned[i]
            .iter()
            .copied()
            .filter(|&j| !is_halo[j])
            .min_by(|&a, &b| d2(a, h).total_cmp(&d2(b, h)).then(a.cmp(&b)));
        if let Some(j) = near {
            new_root[i] = roots[j];
            nodes[h].parent = Some(top[j]);
            nodes[h].decision = MergeDecision::SharedHalo {
                clusters: spanned[i].len(),
                distance: d2(j, h) / dim as f64,
            };
        }
    }
    reroot(rep, &roots, &new_root);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(c: usize) -> MergeNode {
        MergeNode::test_mode(c, 0.25)
    }

    /// Four one-component clusters in 8-D (a bulk of D² ≤ 8 / 4 = 2, a rise of more than 1
    /// to tower over it): a halo (0) whose bulk holds the peaks of the denser 1 (D² 1) and 2
    /// (D² 1.5), and a dense cluster 3 far from all.
    #[test]
    fn a_halo_around_two_denser_peaks_joins_the_nearest() {
        let k = 4;
        let dim = 8;
        let mut dist = vec![10.0; k * k];
        (0..k).for_each(|c| dist[c * k + c] = 0.0);
        dist[k] = 1.0; // mean 1 under component 0: D = 1
        dist[2 * k] = 1.5f64.sqrt(); // mean 2 under component 0: D² = 1.5
        let peak = [-50.0, -1.0, -2.0, -1.0];
        let mut rep: Vec<usize> = (0..k).collect();
        let mut nodes: Vec<MergeNode> = (0..k).map(node).collect();
        join_shared_halos(&mut rep, &mut nodes, &dist, &peak, dim);
        assert_eq!(rep, vec![1, 1, 2, 3]);
        assert_eq!(nodes[0].parent, Some(1));
        assert!(matches!(
            nodes[0].decision,
            MergeDecision::SharedHalo { clusters: 2, distance } if (distance - 1.0 / 8.0).abs() < 1e-12
        ));
        // One peak in its bulk: the halo stays a cluster.
        dist[2 * k] = 3.0;
        let mut rep: Vec<usize> = (0..k).collect();
        let mut nodes: Vec<MergeNode> = (0..k).map(node).collect();
        join_shared_halos(&mut rep, &mut nodes, &dist, &peak, dim);
        assert_eq!(rep, vec![0, 1, 2, 3]);
        // Peaks in its bulk that rise less than 1 above its own: neighbours, it stays.
        dist[2 * k] = 1.0;
        let mut rep: Vec<usize> = (0..k).collect();
        join_shared_halos(&mut rep, &mut nodes, &dist, &[-1.5, -1.0, -0.8, -1.0], dim);
        assert_eq!(rep, vec![0, 1, 2, 3]);
        // Peaks in its bulk that are lower than its own: it is the dense one, it stays.
        let peak = [0.0, -1.0, -2.0, -1.0];
        let mut rep: Vec<usize> = (0..k).collect();
        join_shared_halos(&mut rep, &mut nodes, &dist, &peak, dim);
        assert_eq!(rep, vec![0, 1, 2, 3]);
    }

    /// Nested halos in 8-D: an inner halo (3) holds both cores (1, 2) in its bulk, and an
    /// outer one (0) holds both cores and, nearest of all, the inner halo. The inner halo
    /// joins its nearest core; the outer one joins its nearest core, not the inner halo
    /// (before, it stayed a cluster because its nearest target was a halo).
    #[test]
    fn a_halo_around_a_halo_joins_the_nearest_core() {
        let k = 4;
        let dim = 8;
        let mut dist = vec![10.0; k * k];
        (0..k).for_each(|c| dist[c * k + c] = 0.0);
        dist[k] = 1.0; // core 1 under the outer halo: D² 1
        dist[2 * k] = 1.5f64.sqrt(); // core 2 under it: D² 1.5
        dist[3 * k] = 0.5; // the inner halo under it: D² 0.25
        dist[k + 3] = 1.2f64.sqrt(); // core 1 under the inner halo: D² 1.2
        dist[2 * k + 3] = 0.8f64.sqrt(); // core 2 under it: D² 0.8
        let peak = [-50.0, -1.0, -2.0, -40.0];
        let mut rep: Vec<usize> = (0..k).collect();
        let mut nodes: Vec<MergeNode> = (0..k).map(node).collect();
        join_shared_halos(&mut rep, &mut nodes, &dist, &peak, dim);
        assert_eq!(rep, vec![1, 1, 2, 2]);
        assert!(matches!(
            nodes[0].decision,
            MergeDecision::SharedHalo { clusters: 3, distance } if (distance - 1.0 / 8.0).abs() < 1e-12
        ));
        assert_eq!(nodes[3].parent, Some(2));
    }
}
