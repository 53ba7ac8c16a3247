//! What a fit returns: [`HdbscanModel`] — labels, scores, both trees — and the
//! prediction methods on it.

use super::condense::CondensedTree;
use super::fit::ldexp;
use super::knn;
use super::linkage::SingleLinkageTree;
use super::metric::{Chebyshev, CosineUnit, Euclid, Manhattan, TreeMetric};
use super::params::HdbscanMetric;
use super::predict::{self, Attach, Lookup};
use super::soft::SoftData;
use super::tree::{self, KdTree};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use rayon::prelude::*;

/// Rows per parallel task of the prediction methods.
const CHUNK: usize = 256;

/// The fitted HDBSCAN* hierarchy and its flat clustering.
#[derive(Debug, Clone)]
pub struct HdbscanModel {
    /// Cluster of each row (`None`: noise). Clusters are numbered in the condensed
    /// tree's breadth-first order.
    pub labels: Vec<Option<usize>>,
    /// Strength of each row's membership in its cluster, in `[0, 1]` (0 for noise).
    pub probabilities: Vec<f64>,
    /// GLOSH outlier score of each row, in `[0, 1]`.
    pub outlier_scores: Vec<f64>,
    /// Number of clusters.
    pub n_clusters: usize,
    /// Stability (excess of mass) of each cluster, by label.
    pub cluster_stabilities: Vec<f64>,
    /// The condensed-tree cluster of each label.
    pub selected_clusters: Vec<usize>,
    /// Core distance of each row (metric units).
    pub core_distances: Vec<f64>,
    /// The condensed tree.
    pub condensed_tree: CondensedTree,
    /// The single-linkage tree of mutual reachability.
    pub single_linkage_tree: SingleLinkageTree,
    /// The `min_samples` used (the default resolved, capped at `n − 1`).
    pub min_samples: usize,
    /// The metric.
    pub metric: HdbscanMetric,
    pub(crate) lookup: Lookup,
    pub(crate) soft: SoftData,
    pub(crate) index: Index,
}

/// Labels and probabilities of new points ([`HdbscanModel::approximate_predict`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Cluster of each new point (`None`: noise).
    pub labels: Vec<Option<usize>>,
    /// Membership strength of each new point (0 for noise).
    pub probabilities: Vec<f64>,
}

/// The search structure kept for predictions.
#[derive(Debug, Clone)]
pub(crate) enum Index {
    Tree(Box<TreeIndex>),
    Precomputed { core: Vec<f64> },
}

/// The kd-tree of the training rows and what the searches need with it.
#[derive(Debug, Clone)]
pub(crate) struct TreeIndex {
    pub tree: KdTree,
    /// Reduced core distances, tree order.
    pub core: Vec<f64>,
    /// Smallest reduced core distance per node.
    pub node_core: Vec<f64>,
    /// Content rank, tree order.
    pub rank: Vec<u32>,
    /// Tree position of each row.
    pub pos_of_row: Vec<u32>,
    /// The tree holds the rows × `2^scale` (the fit's exact rescaling of data of extreme
    /// magnitude); new points are scaled alike, distances mapped back.
    pub scale: i32,
}

/// `-1` for noise, else the label.
pub fn labels_to_i64(labels: &[Option<usize>]) -> Vec<i64> {
    labels.iter().map(|l| l.map_or(-1, |v| v as i64)).collect()
}

impl HdbscanModel {
    crate::estimator::inherent_predict!();

    /// Number of rows the model was fitted on.
    pub fn n_rows(&self) -> usize {
        self.labels.len()
    }

    /// Labels with noise as `-1`.
    pub fn labels_i64(&self) -> Vec<i64> {
        labels_to_i64(&self.labels)
    }

    /// Number of noise rows.
    pub fn n_noise(&self) -> usize {
        self.labels.iter().filter(|l| l.is_none()).count()
    }

    /// Rows in each cluster, by label.
    pub fn cluster_sizes(&self) -> Vec<usize> {
        let mut s = vec![0; self.n_clusters];
        for l in self.labels.iter().flatten() {
            s[*l] += 1;
        }
        s
    }

    /// The exemplar rows of each cluster (the rows that stay longest in each leaf
    /// cluster beneath it), by label.
    pub fn exemplars(&self) -> &[Vec<usize>] {
        &self.soft.exemplars
    }

    fn expect_features(&self, x_cols: usize) -> Result<()> {
        let want = match &self.index {
            Index::Tree(t) => t.tree.dim(),
            Index::Precomputed { core } => core.len(),
        };
        if x_cols != want {
            let what = match self.index {
                Index::Tree(_) => "columns of the new points",
                Index::Precomputed { .. } => "columns of the distances to the training rows",
            };
            return Err(Error::shape(what, want, x_cols));
        }
        Ok(())
    }

    /// Where each new point joins the tree, and its distances to each cluster's nearest
    /// exemplar when `exemplar_dist`.
    fn attach_all<T: Float>(
        &self,
        x: MatRef<'_, T>,
        exemplar_dist: bool,
    ) -> Result<Vec<(Attach, Vec<f64>)>> {
        self.expect_features(x.n_cols())?;
        x.check_finite()?;
        let m = x.n_rows();
        match &self.index {
            Index::Tree(_) => match self.metric {
                HdbscanMetric::Manhattan => self.attach_tree::<Manhattan, T>(x, exemplar_dist),
                HdbscanMetric::Chebyshev => self.attach_tree::<Chebyshev, T>(x, exemplar_dist),
                HdbscanMetric::Cosine => self.attach_tree::<CosineUnit, T>(x, exemplar_dist),
                _ => self.attach_tree::<Euclid, T>(x, exemplar_dist),
            },
            Index::Precomputed { core } => {
                let ct = &self.condensed_tree;
                let out = (0..m)
                    .into_par_iter()
                    .with_min_len(CHUNK)
                    .map(|i| {
                        let row: Vec<f64> = x.row(i).iter().map(|v| v.as_f64()).collect();
                        let (r, w) = predict::nearest_dense(&row, core, self.min_samples);
                        let dist = if exemplar_dist {
                            self.soft
                                .exemplars
                                .iter()
                                .map(|e| e.iter().map(|&j| row[j]).fold(f64::INFINITY, f64::min))
                                .collect()
                        } else {
                            Vec::new()
                        };
                        (predict::attach(ct, r, w), dist)
                    })
                    .collect();
                Ok(out)
            }
        }
    }

    fn attach_tree<M: TreeMetric, T: Float>(
        &self,
        x: MatRef<'_, T>,
        exemplar_dist: bool,
    ) -> Result<Vec<(Attach, Vec<f64>)>> {
        let Index::Tree(ti) = &self.index else {
            unreachable!("attach_tree on a precomputed model")
        };
        let TreeIndex {
            tree,
            core,
            node_core,
            rank,
            pos_of_row,
            scale,
        } = ti.as_ref();
        let scale = *scale;
        let mut rows = tree::rows_f64(x, self.metric == HdbscanMetric::Cosine)?;
        if scale != 0 {
            rows.par_iter_mut().for_each(|v| *v = ldexp(*v, scale));
        }
        let d = tree.dim();
        let ex_trees = if exemplar_dist {
            self.exemplar_trees(tree, pos_of_row)
        } else {
            Vec::new()
        };
        let ct = &self.condensed_tree;
        let m = x.n_rows();
        let out = (0..m)
            .into_par_iter()
            .with_min_len(CHUNK)
            .map(|i| {
                let q = &rows[i * d..(i + 1) * d];
                let (p, w) =
                    predict::nearest_tree::<M>(tree, core, node_core, rank, q, self.min_samples);
                let r = tree.index()[p] as usize;
                let dist = ex_trees
                    .iter()
                    .map(|t| ldexp(M::dist(knn::nearest::<M>(t, q, 1).0[0]), -scale))
                    .collect();
                (predict::attach(ct, r, ldexp(M::dist(w), -scale)), dist)
            })
            .collect();
        Ok(out)
    }

    fn exemplar_trees(&self, tree: &KdTree, pos_of_row: &[u32]) -> Vec<KdTree> {
        let d = tree.dim();
        self.soft
            .exemplars
            .iter()
            .map(|e| {
                let mut rows = Vec::with_capacity(e.len() * d);
                for &r in e {
                    rows.extend_from_slice(tree.point(pos_of_row[r] as usize));
                }
                KdTree::build(rows, e.len(), d, 16)
            })
            .collect()
    }

    /// Labels and membership probabilities of new points, without refitting: each
    /// point joins the condensed tree through its nearest training row in mutual
    /// reachability (see the module docs of `hdbscan::predict`). For the precomputed
    /// metric `x` holds the distances from each new point to every training row.
    pub fn approximate_predict<T: Float>(&self, x: MatRef<'_, T>) -> Result<Prediction> {
        let att = self.attach_all(x, false)?;
        let (labels, probabilities) = att.iter().map(|(a, _)| self.lookup.label(*a)).unzip();
        Ok(Prediction {
            labels,
            probabilities,
        })
    }

    /// Soft membership vectors of new points (`m × n_clusters`; see the module docs
    /// of `hdbscan::soft`). Same input as [`approximate_predict`](Self::approximate_predict).
    pub fn predict_membership<T: Float>(&self, x: MatRef<'_, T>) -> Result<Mat<f64>> {
        let att = self.attach_all(x, true)?;
        let k = self.n_clusters;
        let mut out = vec![0.0; att.len() * k];
        if k > 0 {
            out.par_chunks_mut(k)
                .zip(att.par_iter())
                .for_each(|(o, (a, dist))| {
                    self.soft
                        .vector(&self.condensed_tree, &self.selected_clusters, *a, dist, o)
                });
        }
        Mat::from_vec(out, att.len(), k)
    }

    /// Soft membership vectors of the training rows (`n × n_clusters`). Not for the
    /// precomputed metric: use
    /// [`membership_vectors_precomputed`](Self::membership_vectors_precomputed).
    pub fn membership_vectors(&self) -> Result<Mat<f64>> {
        match &self.index {
            Index::Tree(ti) => match self.metric {
                HdbscanMetric::Manhattan => Ok(self.training_vectors::<Manhattan>(ti)),
                HdbscanMetric::Chebyshev => Ok(self.training_vectors::<Chebyshev>(ti)),
                HdbscanMetric::Cosine => Ok(self.training_vectors::<CosineUnit>(ti)),
                _ => Ok(self.training_vectors::<Euclid>(ti)),
            },
            Index::Precomputed { .. } => Err(Error::param(
                "metric",
                "membership vectors of a precomputed fit need the distance matrix (membership_vectors_precomputed)",
            )),
        }
    }

    /// Soft membership vectors of the training rows of a precomputed fit, given the
    /// same `n × n` matrix (its upper triangle is read).
    pub fn membership_vectors_precomputed<T: Float>(&self, d: MatRef<'_, T>) -> Result<Mat<f64>> {
        let n = self.n_rows();
        if !matches!(self.index, Index::Precomputed { .. }) {
            return Err(Error::param(
                "metric",
                "the model was not fitted on a precomputed matrix",
            ));
        }
        if d.n_rows() != n || d.n_cols() != n {
            return Err(Error::shape(
                "rows and columns of the distance matrix",
                n,
                d.n_rows().max(d.n_cols()),
            ));
        }
        d.check_finite()?;
        let s = d.as_slice();
        let at = |i: usize, j: usize| {
            if i <= j {
                s[i * n + j].as_f64()
            } else {
                s[j * n + i].as_f64()
            }
        };
        Ok(self.vectors_with(|i, e| if i == e { 0.0 } else { at(i, e) }))
    }

    fn training_vectors<M: TreeMetric>(&self, ti: &TreeIndex) -> Mat<f64> {
        let (tree, pos_of_row, scale) = (&ti.tree, &ti.pos_of_row, ti.scale);
        let trees = self.exemplar_trees(tree, pos_of_row);
        let k = self.n_clusters;
        let n = self.n_rows();
        let mut out = vec![0.0; n * k];
        if k > 0 {
            out.par_chunks_mut(k)
                .enumerate()
                .with_min_len(CHUNK)
                .for_each(|(i, o)| {
                    let q = tree.point(pos_of_row[i] as usize);
                    let dist: Vec<f64> = trees
                        .iter()
                        .map(|t| ldexp(M::dist(knn::nearest::<M>(t, q, 1).0[0]), -scale))
                        .collect();
                    let a = Attach {
                        cluster: self.condensed_tree.cluster_of(i),
                        lambda: self.condensed_tree.lambda_of(i),
                    };
                    self.soft
                        .vector(&self.condensed_tree, &self.selected_clusters, a, &dist, o);
                });
        }
        Mat::from_vec(out, n, k).expect("n × k buffer")
    }

    fn vectors_with(&self, dist_to: impl Fn(usize, usize) -> f64 + Sync) -> Mat<f64> {
        let k = self.n_clusters;
        let n = self.n_rows();
        let mut out = vec![0.0; n * k];
        if k > 0 {
            out.par_chunks_mut(k)
                .enumerate()
                .with_min_len(CHUNK)
                .for_each(|(i, o)| {
                    let dist: Vec<f64> = self
                        .soft
                        .exemplars
                        .iter()
                        .map(|e| {
                            e.iter()
                                .map(|&j| dist_to(i, j))
                                .fold(f64::INFINITY, f64::min)
                        })
                        .collect();
                    let a = Attach {
                        cluster: self.condensed_tree.cluster_of(i),
                        lambda: self.condensed_tree.lambda_of(i),
                    };
                    self.soft
                        .vector(&self.condensed_tree, &self.selected_clusters, a, &dist, o);
                });
        }
        Mat::from_vec(out, n, k).expect("n × k buffer")
    }
}
