//! Saved HDBSCAN* models: what `partitive predict` returns for a row.
//!
//! HDBSCAN* is transductive: adding points can change the clustering. The `hdbscan`
//! library's `approximate_predict` (McInnes, Healy & Astels, *hdbscan: Hierarchical
//! density based clustering*, JOSS 2(11), 2017, doi:10.21105/joss.00205; documentation
//! "Predicting clusters for new points") therefore holds the clustering fixed and asks
//! where in the *unchanged* condensed tree a new point would fall: it joins through the
//! training row nearest to it in mutual reachability, at the λ of that distance, and takes
//! the label and membership strength that position gives.
//!
//! The rule, per row of the input (in the clustering space: after the model's scaling):
//!
//! - **a row equal to a training row** (every value equal) takes that training row's
//!   fitted label and membership probability (the first such training row in file order;
//!   equal rows have equal core distances and fall out of the tree together, so they
//!   share them). The condensed tree already records where that point falls, which is
//!   the question `approximate_predict` asks. Its definition gives the same answer: the
//!   copy's core distance counts `min_samples + 1` neighbours, the training row among
//!   them at distance 0, so it is the row's own core distance `c`; no training row is
//!   nearer in mutual reachability than the row itself (weight `c`, distance 0); and the
//!   row left its cluster at `λ_r ≤ 1 / c` (it joined through an edge of weight `≥ c`),
//!   so the copy leaves with it, at `λ_r`: the fit's label and probability. The rule
//!   makes this hold by construction — with no dependence on how ties among equal rows
//!   are searched — and skips the search (`approximate_predict_of_a_training_row_is_its_fit`
//!   checks the two agree);
//! - **any other row** gets [`HdbscanModel::approximate_predict`]'s label (−1: noise) and
//!   probability.
//!
//! So predicting the training file gives the fit's labels and probabilities exactly.
//!
//! The model stores the fit's parameters, the training rows as clustered (exact floats)
//! and the fit's labels and probabilities. Predict refits HDBSCAN* on the stored rows (the
//! fit is deterministic: identical for any thread count) and refuses the model when the
//! refit's labels or probabilities differ from the stored ones — a model written by a
//! partitive whose HDBSCAN* differs, or an edited file — rather than mix two clusterings.
//! The refit costs one fit of the training rows per predict run.

use super::StoredMat;
use anyhow::{anyhow, bail, Result};
use partitive::hdbscan::{ClusterSelection, Hdbscan, HdbscanMetric, HdbscanModel};
use partitive::{Float, MatRef};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What an `hdbscan` model file holds (the `model` object, `kind: "hdbscan"`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HdbscanFit {
    /// `euclidean`, `manhattan`, `chebyshev` or `cosine`.
    pub metric: String,
    pub min_cluster_size: usize,
    /// The `min_samples` the fit used (the default resolved).
    pub min_samples: usize,
    pub cluster_selection_epsilon: f64,
    /// `eom` or `leaf`.
    pub cluster_selection_method: String,
    pub allow_single_cluster: bool,
    pub max_cluster_size: Option<usize>,
    /// The training rows as clustered (scaled when the fit was).
    pub training: StoredMat,
    /// The fit's label of every training row (−1: noise).
    pub labels: Vec<i64>,
    /// The fit's membership probability of every training row.
    pub probabilities: Vec<f64>,
}

/// Labels (−1: noise) and membership probabilities of some rows.
#[derive(Debug)]
pub struct Labelled {
    pub labels: Vec<i64>,
    pub probabilities: Vec<f64>,
}

impl HdbscanFit {
    /// The saved form of `model`, fitted on `x` with these parameters.
    pub fn of<T: Float>(
        model: &HdbscanModel,
        x: MatRef<'_, T>,
        min_cluster_size: usize,
        cluster_selection_epsilon: f64,
        cluster_selection_method: ClusterSelection,
        allow_single_cluster: bool,
        max_cluster_size: Option<usize>,
    ) -> HdbscanFit {
        HdbscanFit {
            metric: model.metric.name().to_string(),
            min_cluster_size,
            min_samples: model.min_samples,
            cluster_selection_epsilon,
            cluster_selection_method: cluster_selection_method.name().to_string(),
            allow_single_cluster,
            max_cluster_size,
            training: StoredMat::of(x),
            labels: model.labels_i64(),
            probabilities: model.probabilities.clone(),
        }
    }

    /// Sizes and values agree with `d` features and `k` clusters.
    pub fn check(&self, d: usize, k: usize) -> Result<()> {
        let metric = self.metric()?;
        if metric == HdbscanMetric::Precomputed {
            bail!("an hdbscan model cannot be of a precomputed fit");
        }
        self.selection()?;
        let n = self.training.rows;
        if self.training.cols != d {
            bail!(
                "the training rows have {} columns, the model {d}",
                self.training.cols
            );
        }
        if self.labels.len() != n || self.probabilities.len() != n {
            bail!(
                "{n} training rows but {} labels and {} probabilities",
                self.labels.len(),
                self.probabilities.len()
            );
        }
        if self.labels.iter().any(|&l| l < -1 || l >= k as i64) {
            bail!("a label is out of range for {k} clusters");
        }
        if self.probabilities.iter().any(|p| !(0.0..=1.0).contains(p)) {
            bail!("a probability is outside [0, 1]");
        }
        let params = self.params()?;
        params.check().map_err(|e| anyhow!("{e}"))?;
        if self.min_cluster_size > n || self.min_samples >= n {
            bail!("min_cluster_size or min_samples too large for {n} training rows");
        }
        Ok(())
    }

    fn metric(&self) -> Result<HdbscanMetric> {
        self.metric
            .parse()
            .map_err(|_| anyhow!("unknown metric '{}'", self.metric))
    }

    fn selection(&self) -> Result<ClusterSelection> {
        self.cluster_selection_method.parse().map_err(|_| {
            anyhow!(
                "unknown cluster selection method '{}'",
                self.cluster_selection_method
            )
        })
    }

    fn params(&self) -> Result<partitive::hdbscan::HdbscanParams> {
        Ok(Hdbscan::params(self.min_cluster_size)
            .min_samples(Some(self.min_samples))
            .metric(self.metric()?)
            .cluster_selection_epsilon(self.cluster_selection_epsilon)
            .cluster_selection_method(self.selection()?)
            .allow_single_cluster(self.allow_single_cluster)
            .max_cluster_size(self.max_cluster_size))
    }

    /// The fit of the stored rows, checked against the stored labels and probabilities.
    fn refit<T: Float>(&self) -> Result<HdbscanModel> {
        let x = self.training.to_mat::<T>();
        let m = self.params()?.fit(x.view())?;
        let same_p = m
            .probabilities
            .iter()
            .zip(&self.probabilities)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        if m.labels_i64() != self.labels || !same_p {
            bail!(
                "refitting HDBSCAN* on the model's training rows does not give the labels and probabilities it stores (a model from a partitive whose HDBSCAN* differs, or an edited file): fit the model again with this partitive"
            );
        }
        Ok(m)
    }

    /// Labels and probabilities of the rows of `x` (in the clustering space), by the rule
    /// of the module docs.
    pub fn predict<T: Float>(&self, x: MatRef<'_, T>) -> Result<Labelled> {
        let d = self.training.cols;
        if x.n_cols() != d {
            bail!("{} columns, the model has {d}", x.n_cols());
        }
        // Equality of values (−0 equals 0): the key is the bits with the sign of zero
        // dropped.
        let key = |row: &[f64]| -> Vec<u64> {
            row.iter()
                .map(|&v| if v == 0.0 { 0 } else { v.to_bits() })
                .collect()
        };
        let mut training: HashMap<Vec<u64>, usize> = HashMap::new();
        for i in (0..self.training.rows).rev() {
            training.insert(key(&self.training.data[i * d..(i + 1) * d]), i);
        }
        let n = x.n_rows();
        let mut labels = vec![-1i64; n];
        let mut probabilities = vec![0.0; n];
        let mut new_rows: Vec<usize> = Vec::new();
        let mut row = vec![0.0; d];
        for i in 0..n {
            for (o, v) in row.iter_mut().zip(x.row(i)) {
                *o = v.as_f64();
            }
            match training.get(&key(&row)) {
                Some(&t) => {
                    labels[i] = self.labels[t];
                    probabilities[i] = self.probabilities[t];
                }
                None => new_rows.push(i),
            }
        }
        if !new_rows.is_empty() {
            let model = self.refit::<T>()?;
            let mut data = Vec::with_capacity(new_rows.len() * d);
            for &i in &new_rows {
                data.extend_from_slice(x.row(i));
            }
            let m = partitive::Mat::from_vec(data, new_rows.len(), d)?;
            let p = model.approximate_predict(m.view())?;
            for (j, &i) in new_rows.iter().enumerate() {
                labels[i] = p.labels[j].map_or(-1, |l| l as i64);
                probabilities[i] = p.probabilities[j];
            }
        }
        Ok(Labelled {
            labels,
            probabilities,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partitive::Mat;

    /// Three noisy blobs and two far rows.
    fn data() -> Mat<f64> {
        let mut rows = Vec::new();
        let mut s = 7u64;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        for i in 0..120 {
            let (cx, cy) = [(0.0, 0.0), (5.0, 0.0), (0.0, 5.0)][i % 3];
            rows.push([cx + 2.0 * next(), cy + 2.0 * next()]);
        }
        rows.push([30.0, 30.0]);
        rows.push([-25.0, 10.0]);
        Mat::from_rows(&rows)
    }

    fn fitted(x: &Mat<f64>) -> (HdbscanModel, HdbscanFit) {
        let m = Hdbscan::params(8).fit(x.view()).unwrap();
        let f = HdbscanFit::of(&m, x.view(), 8, 0.0, ClusterSelection::Eom, false, None);
        f.check(2, m.n_clusters).unwrap();
        (m, f)
    }

    #[test]
    fn training_rows_get_the_fit_and_new_rows_approximate_predict() {
        let x = data();
        let (m, f) = fitted(&x);
        assert!(m.n_clusters >= 2 && m.n_noise() >= 2);
        let p = f.predict(x.view()).unwrap();
        assert_eq!(p.labels, m.labels_i64());
        assert_eq!(p.probabilities, m.probabilities);
        // New rows (none equal to a training row) are approximate_predict's.
        let new = Mat::from_rows(&[[0.1, 0.2], [5.2, -0.3], [-0.2, 4.9], [50.0, -50.0]]);
        let a = m.approximate_predict(new.view()).unwrap();
        let q = f.predict(new.view()).unwrap();
        assert_eq!(q.labels, partitive::hdbscan::labels_to_i64(&a.labels));
        assert_eq!(q.probabilities, a.probabilities);
        assert_eq!(q.labels[3], -1);
        assert!(q.labels[..3].iter().all(|&l| l >= 0));
        // Mixed, in any order: each row by its own rule.
        let mut mixed = vec![new.row(1).to_vec(), x.row(7).to_vec(), new.row(3).to_vec()];
        mixed.push(x.row(120).iter().map(|v| v * 1.0).collect());
        mixed.push(x.row(5).to_vec());
        let mx = Mat::from_vec(mixed.concat(), 5, 2).unwrap();
        let r = f.predict(mx.view()).unwrap();
        let fit = m.labels_i64();
        assert_eq!(r.labels, [q.labels[1], fit[7], -1, fit[120], fit[5]]);
        assert_eq!(r.probabilities[1], m.probabilities[7]);
    }

    /// The rule agrees with `approximate_predict`'s own answer for a copy of a training
    /// row (see the module docs), across selection options.
    #[test]
    fn approximate_predict_of_a_training_row_is_its_fit() {
        let mut st = 3u64;
        let mut u = || {
            st = st
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (st >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut rows = Vec::new();
        for i in 0..600 {
            let (cx, cy) = [(0.0, 0.0), (3.0, 0.0), (0.0, 3.0)][i % 3];
            if i % 4 == 0 {
                rows.push([8.0 * u() - 2.0, 8.0 * u() - 2.0]);
            } else {
                rows.push([cx + u() + u() - 1.0, cy + u() + u() - 1.0]);
            }
        }
        rows.push(rows[10]);
        let x = Mat::from_rows(&rows);
        for (ms, mcs, eps, single, leaf) in [
            (3, 5, 0.0, false, false),
            (1, 4, 0.3, false, false),
            (5, 10, 0.0, true, true),
        ] {
            let m = Hdbscan::params(mcs)
                .min_samples(Some(ms))
                .cluster_selection_epsilon(eps)
                .allow_single_cluster(single)
                .cluster_selection_method(if leaf {
                    ClusterSelection::Leaf
                } else {
                    ClusterSelection::Eom
                })
                .fit(x.view())
                .unwrap();
            assert!(m.n_clusters >= 2 && m.n_noise() > 0);
            let a = m.approximate_predict(x.view()).unwrap();
            assert_eq!(a.labels, m.labels, "{ms} {mcs} {eps} {single} {leaf}");
            assert_eq!(a.probabilities, m.probabilities);
        }
    }

    #[test]
    fn a_stored_fit_that_does_not_refit_is_refused() {
        let x = data();
        let (m, mut f) = fitted(&x);
        let i = f.labels.iter().position(|&l| l >= 0).unwrap();
        f.labels[i] = (f.labels[i] + 1) % m.n_clusters as i64;
        // Training rows only: answered from the stored fit, no refit needed.
        assert_eq!(f.predict(x.view()).unwrap().labels[i], f.labels[i]);
        let new = Mat::from_rows(&[[0.1, 0.2]]);
        let e = f.predict(new.view()).unwrap_err().to_string();
        assert!(e.contains("does not give the labels"), "{e}");
        f.probabilities[0] = 1.5;
        assert!(f.check(2, m.n_clusters).is_err());
        let (_, mut g) = fitted(&x);
        g.metric = "precomputed".into();
        assert!(g.check(2, m.n_clusters).is_err());
        let (_, mut g) = fitted(&x);
        g.labels.pop();
        assert!(g.check(2, m.n_clusters).is_err());
    }
}
