//! How reproducible each cluster is: the selected mixture refitted on each half of the fit
//! sample (its rows at even and at odd positions in hash order, the halves of
//! [`super::stability`]), started from the whole mixture's partition of that half, and
//! asked about the rows it did not see.
//!
//! A posterior computed on the rows a mixture was fitted to is over-confident where the
//! model is not determined by the data: in 64 dimensions, digit images give every point a
//! posterior of 0.999 or more under a 5-component full-covariance mixture, although a
//! refit on half of them sends a quarter of the other half to another cluster. The
//! reproducibility of cluster `c` is the mean held-out posterior of `c` over the fit rows
//! the whole model labels `c` (each half's model judging the other half's rows; a half's
//! component belongs to the cluster most of its own rows are labelled with). A row's
//! confidence is its posterior capped by its cluster's reproducibility, so the
//! clusterability (the share of rows with confidence ≥ τ) drops where the partition
//! does not come back. Separated clusters come back whole (reproducibility ≈ 1): their
//! confidences are the posteriors. This is the held-out (cross-fitted) view of cluster
//! validation: T. Lange, V. Roth, M. L. Braun, J. M. Buhmann, *Stability-based
//! validation of clustering solutions*, Neural Computation 16(6), 2004,
//! doi:10.1162/089976604773717621 (a classifier trained on one half predicts the other),
//! with the halves fixed by the content hash instead of drawn at random.

use super::merge::{evaluator, for_each_point, top2};
use super::params::PppParams;
use super::result::PppMixture;
use super::sample::ridge;
use super::select::{fit_mixture, FitData};
use super::stability::half;
use crate::error::Result;
use crate::matrix::Mat;

/// Fewer fit rows than this: every cluster counts as reproducible (halves too small to
/// refit anything).
const MIN_ROWS: usize = 16;

/// The most probable component of every row of `x` under `g` (`None` where the mixture
/// density underflows) and, with `post`, the posteriors of those rows (`k` per row).
pub(super) fn components(
    g: &PppMixture,
    x: &Mat<f64>,
    mut post: Option<&mut Vec<f64>>,
) -> Vec<Option<usize>> {
    let ev = evaluator(g);
    let mut out = vec![None; x.n_rows()];
    if let Some(p) = post.as_deref_mut() {
        *p = vec![0.0; x.n_rows() * ev.k];
    }
    for_each_point(&ev, x, 0..x.n_rows(), |i, raw, pr, _| {
        out[i] = Some(top2(raw).0);
        if let Some(p) = post.as_deref_mut() {
            p[i * ev.k..(i + 1) * ev.k].copy_from_slice(pr);
        }
    });
    out
}

/// The reproducibility of every component's cluster (see the module doc), one value in
/// `[0, 1]` per component of `g`: `x` is the fit sample (in `g`'s units), `reg` the
/// per-feature ridge `g` was fitted with, `cluster` the cluster of each component.
pub(crate) fn reproducibility(
    p: &PppParams,
    x: &Mat<f64>,
    reg: &[f64],
    g: &PppMixture,
    cluster: &[usize],
    n_clusters: usize,
) -> Result<Vec<f64>> {
    let (m, k) = (x.n_rows(), cluster.len());
    if m < MIN_ROWS || n_clusters < 2 {
        return Ok(vec![1.0; k]);
    }
    let whole = components(g, x, None);
    let (mut num, mut den) = (vec![0.0f64; n_clusters], vec![0.0f64; n_clusters]);
    for h in 0..2 {
        let (train, xt) = half(x, h, |i| whole[i].is_some());
        let (test, xh) = half(x, 1 - h, |i| whole[i].is_some());
        if train.len() < MIN_ROWS / 2 || test.is_empty() {
            continue;
        }
        let labels: Vec<usize> = train.iter().map(|&i| whole[i].unwrap_or(0)).collect();
        let shift = ridge(&xt, p.eps_reg).1;
        let fd = FitData {
            x: &xt,
            reg,
            shift: &shift,
        };
        p.interrupt.check()?;
        let Some(fit) = fit_mixture(&fd, &labels, k, g.covariance_type, p) else {
            continue;
        };
        let gh = &fit.mixture;
        let kh = gh.params.weights.len();
        // Cluster of each of the half's components: the most frequent whole-model
        // cluster among the training rows it claims (ties → lower cluster).
        let mut votes = vec![0usize; kh * n_clusters];
        for (t, c) in components(gh, &xt, None).into_iter().enumerate() {
            if let Some(c) = c {
                votes[c * n_clusters + cluster[labels[t]]] += 1;
            }
        }
        let half_cluster: Vec<Option<usize>> = (0..kh)
            .map(|c| {
                let v = &votes[c * n_clusters..(c + 1) * n_clusters];
                let best = (0..n_clusters).fold(0, |b, q| if v[q] > v[b] { q } else { b });
                (v[best] > 0).then_some(best)
            })
            .collect();
        let mut post = Vec::new();
        let held = components(gh, &xh, Some(&mut post));
        for (t, &i) in test.iter().enumerate() {
            let own = cluster[whole[i].expect("picked rows have a component")];
            den[own] += 1.0;
            if held[t].is_some() {
                num[own] += (0..kh)
                    .filter(|&c| half_cluster[c] == Some(own))
                    .map(|c| post[t * kh + c])
                    .sum::<f64>()
                    .min(1.0);
            }
        }
    }
    let per_cluster: Vec<f64> = (0..n_clusters)
        .map(|c| if den[c] > 0.0 { num[c] / den[c] } else { 1.0 })
        .collect();
    Ok(cluster.iter().map(|&c| per_cluster[c]).collect())
}

#[cfg(test)]
mod tests {
    use crate::matrix::Mat;
    use crate::ppp::Ppp;
    use crate::rng::Rng;

    #[test]
    fn separated_clusters_are_reproducible_and_keep_their_posteriors() {
        let x = crate::ppp::stability::tests::blobs();
        let r = Ppp::params().fit(x.view()).unwrap();
        assert_eq!(r.k, 3);
        assert_eq!(r.cluster_reproducibility.len(), 3);
        assert!(
            r.cluster_reproducibility.iter().all(|&q| q > 0.99),
            "{:?}",
            r.cluster_reproducibility
        );
        assert!(r.clusterability > 0.99);
        // The cap is part of the model: predicting the same rows gives the same
        // confidences.
        let again = r.model.assign_chunk(x.view()).unwrap();
        assert_eq!(again.confidence, r.confidence);
    }

    #[test]
    fn a_partition_the_data_do_not_determine_loses_confidence() {
        // A uniform cube in 5-D: no clusters, yet a mixture cuts it into pieces whose
        // in-sample posteriors are high; refits on halves cut it elsewhere.
        let (n, d) = (3000, 5);
        let mut rng = Rng::new(42);
        let v: Vec<f64> = (0..n * d).map(|_| rng.next_f64()).collect();
        let x = Mat::from_vec(v, n, d).unwrap();
        let r = Ppp::params().fit(x.view()).unwrap();
        assert!(r.k >= 2, "k = {}", r.k);
        let worst = r
            .cluster_reproducibility
            .iter()
            .fold(1.0f64, |a, &b| a.min(b));
        assert!(worst < 0.9, "{:?}", r.cluster_reproducibility);
        // Rows of that cluster are capped below τ: the clusterability drops with them.
        let c = (0..r.k)
            .find(|&c| r.cluster_reproducibility[c] == worst)
            .unwrap();
        assert!(r
            .labels
            .iter()
            .zip(&r.confidence)
            .filter(|(&l, _)| l == c)
            .all(|(_, &q)| q <= worst));
        assert!(r.clusterability < 1.0 - r.cluster_sizes[c] as f64 / n as f64 + 1e-12);
    }

    #[test]
    fn a_model_with_bad_reproducibility_is_refused() {
        let mut rng = Rng::new(43);
        let v: Vec<f64> = (0..400)
            .map(|i| {
                if i < 200 {
                    rng.normal()
                } else {
                    20.0 + rng.normal()
                }
            })
            .collect();
        let x = Mat::from_vec(v, 200, 2).unwrap();
        let mut m = Ppp::params().fit(x.view()).unwrap().model;
        assert!(m.validate().is_ok());
        m.reproducibility.push(1.0);
        assert!(m.validate().is_err());
        m.reproducibility.pop();
        if let Some(q) = m.reproducibility.first_mut() {
            *q = 1.5;
            assert!(m.validate().is_err());
        }
        // A model saved before the measurement (no values): valid, confidences uncapped.
        m.reproducibility.clear();
        assert!(m.validate().is_ok());
        // Cluster modes: one per cluster, each a component of its own cluster (or none).
        assert_eq!(m.cluster_modes.len(), m.n_clusters);
        let modes = m.cluster_modes.clone();
        m.cluster_modes.swap(0, 1);
        assert!(m.validate().is_err());
        m.cluster_modes.pop();
        assert!(m.validate().is_err());
        m.cluster_modes.clear();
        assert!(m.validate().is_ok());
        m.cluster_modes = modes;
        assert!(m.validate().is_ok());
    }
}
