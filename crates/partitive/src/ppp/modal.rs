//! Step 4, the default rule ([`MergeRule::Modal`](super::params::MergeRule)): every
//! component hangs under the "higher" neighbour (larger peak; equal peaks → lower
//! index) with which it shares the largest posterior-boundary saddle, if that saddle
//! reaches `ρ ×` its own peak and the two components' points show no gap on the axis
//! that separates them (dip test at 1%, [`super::graph::gap_test`]); otherwise it is a
//! mode (the root of a cluster). A second pass ([`super::segment`]) lets a lighter
//! cluster join a heavier one when the mixture density on the segment between their
//! modes does not dip (nested components that share no boundary points); then clusters
//! below the minimum weight are attached ([`super::merge::attach_small`]).
//!
//! Why the gap test: above three dimensions every sample point lies far from the modes
//! (concentration of measure), so the boundary saddle of two clusters can reach the
//! peaks even when their points are well apart — two shells in 8-D whose BIC components
//! each held one shell (purity 0.99) were joined at a saddle/peak ratio of 0.9 although
//! their projections on Fisher's axis are clearly bimodal. The level is 1%, that of the
//! neighbourhood-graph merge's test for non-Gaussian pieces (pairs of Gaussian-looking
//! components are kept apart in these dimensions anyway); measured in
//! bench/ppp/README.md (session 8). The
//! landscape (peaks, boundary saddles) is [`super::merge`]'s. Maxima are
//! order-independent, so the result is a function of the fit sample alone. Cf. ToMATo
//! (F. Chazal, L. J. Guibas, S. Y. Oudot, P. Skraba, *Persistence-based clustering in
//! Riemannian manifolds*, J. ACM 60(6), 2013, doi:10.1145/2535927).
//!
//! Concentric first (above three dimensions): among the neighbours that pass, a component
//! hangs under one it is concentric with ([`CONCENTRIC`]: one mean within one sd of the
//! other, as the wider sees it) before any other, then by decreasing saddle. A wide halo
//! centred on a spike's core overlaps the neighbouring cluster's halo as well, and the
//! boundary it shares with that halo can be the denser one (two spikes in 8-D, where
//! births sharpened the cores: the halo of one went to the other, ARI 0.88 → 0.32;
//! bench/ppp/README.md, session 25).
//!
//! After the second pass, a cluster that is only a halo shared by two or more denser
//! clusters — their peaks inside its bulk — joins the nearest of them
//! ([`super::halo`]); its rows are split between them by the shared-tail rule.
//!
//! Superposed flat components: above three dimensions two components that are both
//! flatter than a Gaussian (Mardia kurtosis z below `−Z_GAUSS`: uniform or hollow) and
//! symmetric (skewness z ≤ [`Z_SKEW`](super::params::Z_SKEW)), whose boundary is at least
//! as dense as the lower one's densest fit point, are kept apart (unless concentric). Two
//! hollow shells that cut through each other are such a pair: each BIC component holds a
//! whole shell, the densest points of a shell are where it crosses the other, and the
//! projection on Fisher's axis is unimodal, so neither the ratio nor the gap test could
//! separate them. Pieces cut from one cluster are skewed (caps of a shell, parts of a
//! ball) or meet at a boundary less dense than their own points (tiles of a box), and
//! heavy-tailed halos are leptokurtic. Measured in bench/ppp/README.md (session 14).
//!
//! Hollow components: two components that are both significantly flat and hollow (their
//! points lie at nearly one Mahalanobis distance from their own mean: hollowness below
//! [`HOLLOW`](super::params::HOLLOW), where a Gaussian reads 1 and a uniform box 0.4) and
//! not concentric are kept apart as well, whatever their skewness and boundary density,
//! in both passes. A component that surrounds its own mean on a thin shell holds a whole
//! closed shell, not a piece of one: caps cut from a shell and tiles of a box are not
//! hollow around their own means. Measured in bench/ppp/README.md (session 15).
//!
//! Flat pieces (above three dimensions): Gaussians fitted to adjacent slabs of one uniform
//! cluster meet at 0.45 of their peaks although the data do not dip, so a third pass
//! ([`super::flat`]) joins the clusters of two platykurtic components that lie side by
//! side like adjacent slabs with no gap between them, and a fourth ([`super::sphere`])
//! joins clusters of platykurtic, non-hollow pieces whose points lie on one sphere (caps
//! of one thin shell). Measured in bench/ppp/README.md (session 16).

use super::flat::join_flat;
use super::graph::{gap_test, GapLevel, GapTest};
use super::halo::join_shared_halos;
use super::merge::{
    attach_small, kurtosis, landscape, lone_roots, mean_distances, MergeConfig, Merged,
};
use super::params::CONCENTRIC;
use super::result::{MergeDecision, MergeNode, PppMixture};
use super::segment::{join_nested, segment_dips, segment_ratio, SEGMENT_FAR, SEGMENT_NEAR};
use super::skew::{shapes, Shapes};
use super::sphere::join_on_spheres;
use crate::matrix::Mat;

/// The modal forest (see the module doc), with the optional stricter ratio between
/// Gaussian-looking components, `keep_gauss` and the minimum cluster weight of `cfg`.
pub(crate) fn modal_merge(g: &PppMixture, x: &Mat<f64>, cfg: &MergeConfig) -> Merged {
    let l = landscape(g, x, cfg.q_ambig);
    let k = l.peak.len();
    let w = &g.params.weights;
    let (peak, sad) = (&l.peak, |c: usize, d: usize| l.saddle[c * k + d]);
    let higher = |d: usize, c: usize| peak[d] > peak[c] || (peak[d] == peak[c] && d < c);
    let z_max = cfg.rho_gauss.map_or(super::params::Z_GAUSS, |r| r.1);
    let (
        Shapes {
            gaussian: gauss,
            flat,
            hollow,
        },
        platy,
    ) = if cfg.rho_gauss.is_some() || cfg.keep_gauss {
        let kurt = kurtosis(g, x);
        let platy: Vec<bool> = kurt.z.iter().map(|&z| z < -z_max).collect();
        (shapes(g, x, &kurt, z_max), platy)
    } else {
        let no = vec![false; k];
        (
            Shapes {
                gaussian: no.clone(),
                flat: no.clone(),
                hollow: no.clone(),
            },
            no,
        )
    };
    // Both ways: the smaller of the two means' distances under each other's covariance,
    // i.e. the distance as the wider component sees it (a narrow core inside a wide halo is
    // concentric with it even when the core's own covariance puts the halo's mean far away).
    let m = mean_distances(g);
    let apart: Vec<f64> = (0..k * k)
        .map(|i| m[i].min(m[(i % k) * k + i / k]))
        .collect();
    let concentric = |c: usize, d: usize| cfg.keep_gauss && apart[c * k + d] < CONCENTRIC;
    // Two flat, symmetric components laid over each other: their boundary is at least as
    // dense as the lower one's densest point.
    let superposed = |c: usize, d: usize| {
        cfg.keep_gauss
            && flat[c]
            && flat[d]
            && !concentric(c, d)
            && sad(c, d) >= peak[c].min(peak[d])
    };
    // Two hollow ones (whole shells, skewed or not) that are not concentric.
    let shells = |c: usize, d: usize| cfg.keep_gauss && hollow[c] && hollow[d] && !concentric(c, d);
    // Two Gaussian-looking components that high-dimensional data keep apart, two superposed
    // flat ones, or two hollow ones.
    let kept_apart = |c: usize, d: usize| {
        (cfg.keep_gauss && gauss[c] && gauss[d] && !concentric(c, d))
            || superposed(c, d)
            || shells(c, d)
    };
    let threshold = |c: usize, d: usize| match cfg.rho_gauss {
        Some((rg, _)) if gauss[c] && gauss[d] => rg,
        _ => cfg.rho,
    };
    let mut parent: Vec<Option<usize>> = vec![None; k];
    let mut nodes = Vec::with_capacity(k);
    for c in 0..k {
        // `best`: higher neighbour with the largest saddle (for the record); `passing`:
        // those whose saddle reaches their threshold, by decreasing saddle.
        let mut best: Option<usize> = None;
        let mut passing: Vec<usize> = Vec::new();
        let mut kept: Option<usize> = None; // would pass, but both look Gaussian
        for d in 0..k {
            if d == c || !sad(c, d).is_finite() || !higher(d, c) {
                continue;
            }
            if best.is_none_or(|b| sad(c, d) > sad(c, b)) {
                best = Some(d);
            }
            if sad(c, d) >= threshold(c, d).ln() + peak[c] {
                if kept_apart(c, d) {
                    if kept.is_none_or(|b| sad(c, d) > sad(c, b)) {
                        kept = Some(d);
                    }
                } else {
                    passing.push(d);
                }
            }
        }
        // A concentric neighbour first (a halo hangs under the core it surrounds, not
        // under a neighbouring cluster it overlaps), then by decreasing saddle.
        passing.sort_by(|&a, &b| {
            concentric(c, b)
                .cmp(&concentric(c, a))
                .then(sad(c, b).total_cmp(&sad(c, a)))
                .then(a.cmp(&b))
        });
        // The first passing neighbour (in that order) whose points show no gap.
        let mut gapped: Option<(usize, GapTest)> = None;
        let pass = passing.into_iter().find(|&d| {
            if !cfg.gap_test {
                return true;
            }
            let t = gap_test(g, x, &l.top, (c, d), GapLevel::One);
            if t.gap() && gapped.is_none() {
                gapped = Some((d, t));
            }
            !t.gap()
        });
        parent[c] = pass;
        let ratio = |b: usize| (sad(c, b) - peak[c]).exp();
        let shown = pass.or(gapped.map(|(d, _)| d)).or(kept).or(best);
        nodes.push(MergeNode {
            component: c,
            parent: pass,
            cluster: 0,
            weight: w[c],
            fit_points: l.count[c],
            log_peak: peak[c],
            log_saddle: shown.map_or(f64::NEG_INFINITY, |b| sad(c, b)),
            gaussian_looking: gauss[c],
            decision: match (pass, gapped, kept) {
                (Some(b), _, _) if cfg.keep_gauss && gauss[c] && gauss[b] => {
                    MergeDecision::AttachedConcentric {
                        ratio: ratio(b),
                        distance: apart[c * k + b],
                    }
                }
                (Some(b), _, _) => MergeDecision::Attached { ratio: ratio(b) },
                (None, Some((b, t)), _) => MergeDecision::KeptGap {
                    ratio: ratio(b),
                    dip: t.dip,
                    critical: t.critical,
                },
                (None, None, Some(b)) if shells(c, b) => {
                    MergeDecision::KeptHollow { ratio: ratio(b) }
                }
                (None, None, Some(b)) if superposed(c, b) => {
                    MergeDecision::KeptSuperposed { ratio: ratio(b) }
                }
                (None, None, Some(b)) => MergeDecision::KeptGaussian { ratio: ratio(b) },
                (None, None, None) => MergeDecision::Mode {
                    best_ratio: best.map(ratio),
                },
            },
        });
    }
    // Roots (the order "higher" is strict, so chains end within k steps).
    let mut rep: Vec<usize> = (0..k)
        .map(|c| {
            let mut r = c;
            while let Some(p) = parent[r] {
                r = p;
            }
            r
        })
        .collect();
    // Second pass: lighter clusters join a heavier one along the mixture's segment
    // between the two roots (modes).
    // Clusters of one component reach any component of a composite cluster (segment.rs).
    let lone = lone_roots(&rep);
    let dips = segment_dips(g, |c, d| {
        let dist = m[c * k + d].min(m[d * k + c]);
        (rep[c] == c && rep[d] == d && dist <= SEGMENT_NEAR)
            || (lone[c] != lone[d] && rep[c] != rep[d] && dist <= SEGMENT_FAR)
    });
    let joins =
        |a: usize, b: usize| dips.ratio[a * k + b] >= threshold(a, b).ln() && !kept_apart(a, b);
    let no_gap =
        |a: usize, b: usize| !cfg.gap_test || !gap_test(g, x, &l.top, (a, b), GapLevel::One).gap();
    let ln_rho = |a: usize, b: usize| threshold(a, b).ln();
    // The segment between two groups' peaks (computed when no pass needed it yet).
    let peaks_ratio = |p: usize, q: usize| match dips.ratio[p * k + q] {
        r if r.is_finite() => r,
        _ => segment_ratio(g, p, q),
    };
    join_nested(
        &mut rep,
        &mut nodes,
        w,
        &dips,
        ln_rho,
        peaks_ratio,
        joins,
        no_gap,
    );
    if cfg.keep_gauss {
        join_shared_halos(&mut rep, &mut nodes, &m, &l.peak, g.shift.len());
        // Third pass: adjacent platykurtic pieces with no gap between them.
        let adjacent =
            |a: usize, b: usize| platy[a] && platy[b] && !kept_apart(a, b) && no_gap(a, b);
        join_flat(g, x, &l.top, &platy, adjacent, w, &mut rep, &mut nodes);
        // Fourth pass: clusters of platykurtic pieces whose union lies on one sphere.
        join_on_spheres(
            x, &l.top, &platy, &hollow, &l.saddle, w, &mut rep, &mut nodes,
        );
    }
    attach_small(
        &mut rep,
        &mut nodes,
        w,
        &l.saddle,
        &super::merge::mean_surprisal(g),
        cfg.min_weight,
    );
    Merged::from_roots(rep, nodes, cfg.rho)
}
