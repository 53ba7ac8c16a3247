//! Step 5: label rows with a fitted model — one chunk kernel, used for the full pass
//! of `fit` and by streaming drivers through [`PppModel::assign_chunk`].

use super::merge::{evaluator, top2};
use super::result::{ChunkAssignment, PppModel};
use super::tail::SharedTails;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::gmm::estep::{normalize_row, Evaluator, Scratch, BLOCK_ROWS};
use crate::gmm::{CovarianceType, PrecisionCholesky};
use crate::matrix::MatRef;
use crate::parallel::for_each_chunk_mut;
use std::ops::Range;

/// Labels rows `range` of `x` into `out` (`(label, confidence)` per row).
fn assign_kernel<T: Float>(
    model: &PppModel,
    ev: Option<&Evaluator>,
    tails: Option<&SharedTails>,
    x: MatRef<'_, T>,
    range: Range<usize>,
    out: &mut [(usize, usize, f64)],
) {
    let Some(ev) = ev else {
        out.iter_mut().for_each(|o| *o = (0, 0, 1.0));
        return;
    };
    let (k, d) = (ev.k, ev.d);
    let cols = &model.kept_columns;
    let (mut s, mut buf, mut raw) = (Scratch::default(), Vec::new(), vec![0.0; k]);
    let mut start = range.start;
    while start < range.end {
        let b = BLOCK_ROWS.min(range.end - start);
        buf.clear();
        let e = model.input_exponent;
        for i in start..start + b {
            let row = x.row(i);
            if e == 0 {
                buf.extend(cols.iter().map(|&j| row[j].as_f64()));
            } else {
                buf.extend(
                    cols.iter()
                        .map(|&j| crate::scale::ldexp(row[j].as_f64(), e)),
                );
            }
        }
        let blk = MatRef::new(&buf, b, d).expect("sizes match");
        ev.load(blk, 0, b, &mut s);
        ev.log_prob(b, &mut s);
        for (i, row) in s.lp.chunks_exact_mut(k).enumerate() {
            raw.copy_from_slice(row);
            let (a, _) = top2(&raw);
            let label = tails
                .and_then(|t| t.cluster(a, &buf[i * d..(i + 1) * d]))
                .unwrap_or(model.component_cluster[a]);
            let conf = match normalize_row(row) {
                Some(_) => (0..k)
                    .filter(|&c| model.component_cluster[c] == label)
                    .map(|c| row[c])
                    .sum::<f64>()
                    .min(1.0)
                    .min(model.reproducibility.get(a).copied().unwrap_or(1.0)),
                None => 0.0,
            };
            out[start - range.start + i] = (a, label, conf);
        }
        start += b;
    }
}

impl PppModel {
    crate::estimator::inherent_predict!();

    /// Checks that the parts of a model fit together — for a model read back from its
    /// serialised form (the Python package's pickles), so that a damaged or hand-made
    /// state is refused instead of failing inside [`assign_chunk`](Self::assign_chunk).
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::data(format!("inconsistent PPP model: {what}")));
        let d = self.kept_columns.len();
        if self.kept_columns.windows(2).any(|w| w[0] >= w[1])
            || self.kept_columns.iter().any(|&j| j >= self.n_features)
        {
            return bad("kept columns must increase and lie below n_features");
        }
        if self.n_clusters == 0 || self.component_cluster.iter().any(|&c| c >= self.n_clusters) {
            return bad("every component's cluster must lie below n_clusters");
        }
        if !(-4000..=4000).contains(&self.input_exponent) {
            return bad("input exponent out of range");
        }
        if !(self.reproducibility.is_empty()
            || self.reproducibility.len() == self.component_cluster.len())
            || self
                .reproducibility
                .iter()
                .any(|r| !(0.0..=1.0).contains(r))
        {
            return bad("one reproducibility in [0, 1] per component (or none)");
        }
        if !(self.cluster_modes.is_empty()
            || self.cluster_modes.len() == self.n_clusters
                && self
                    .cluster_modes
                    .iter()
                    .enumerate()
                    .all(|(cl, &c)| self.component_cluster.get(c) == Some(&cl)))
        {
            return bad("one mode component per cluster, in that cluster (or none)");
        }
        let Some(g) = &self.mixture else {
            return if self.component_cluster.len() == 1 {
                Ok(())
            } else {
                bad("a model without mixture has one component")
            };
        };
        let k = g.params.weights.len();
        let fin = |v: &[f64]| v.iter().all(|x| x.is_finite());
        let square = |m: &crate::matrix::Mat<f64>| m.n_rows() == d && m.n_cols() == d;
        let shapes = k >= 1
            && self.component_cluster.len() == k
            && g.shift.len() == d
            && g.params.means.n_rows() == k
            && g.params.means.n_cols() == d
            && fin(&g.params.weights)
            && fin(g.params.means.as_slice())
            && fin(&g.shift)
            && match (&g.precision_cholesky, g.covariance_type) {
                (PrecisionCholesky::Full(us), CovarianceType::Full) => {
                    us.len() == k
                        && us.iter().all(|u| {
                            square(u) && fin(u.as_slice()) && (0..d).all(|j| u.row(j)[j] > 0.0)
                        })
                }
                (PrecisionCholesky::Spherical(v), CovarianceType::Spherical) => {
                    v.len() == k && v.iter().all(|p| p.is_finite() && *p > 0.0)
                }
                _ => false,
            };
        if !shapes {
            return bad("mixture parts of mismatched shapes or non-finite values");
        }
        Ok(())
    }

    fn check_input<T: Float>(&self, x: MatRef<'_, T>) -> Result<()> {
        if x.n_cols() != self.n_features {
            return Err(Error::shape("columns", self.n_features, x.n_cols()));
        }
        x.check_finite()
    }

    /// Labels and confidences of the rows of `x` (all input columns; chunks in parallel,
    /// deterministic). A streaming driver calls this once per chunk of a file.
    pub fn assign_chunk<T: Float>(&self, x: MatRef<'_, T>) -> Result<ChunkAssignment> {
        self.check_input(x)?;
        let out = self.assign_pairs(x);
        Ok(ChunkAssignment {
            labels: out.iter().map(|o| o.0).collect(),
            confidence: out.iter().map(|o| o.1).collect(),
        })
    }

    /// The most probable mixture component of every row of `x` (all input columns),
    /// before components are merged into clusters: row `i`'s cluster is
    /// `component_cluster[components[i]]`, unless that component is a shared tail (its
    /// bulk holds several clusters' modes; `tail.rs`), whose rows go to the nearest of
    /// those modes. All 0 for a model without mixture.
    ///
    /// # Errors
    /// A column count other than `n_features`; non-finite values.
    pub fn components<T: Float>(&self, x: MatRef<'_, T>) -> Result<Vec<usize>> {
        self.check_input(x)?;
        Ok(self.assign_full(x).into_iter().map(|o| o.0).collect())
    }

    /// `(label, confidence)` of every row (input already checked).
    pub(crate) fn assign_pairs<T: Float>(&self, x: MatRef<'_, T>) -> Vec<(usize, f64)> {
        self.assign_full(x)
            .into_iter()
            .map(|(_, l, c)| (l, c))
            .collect()
    }

    /// `(component, label, confidence)` of every row (input already checked).
    fn assign_full<T: Float>(&self, x: MatRef<'_, T>) -> Vec<(usize, usize, f64)> {
        let ev = self.mixture.as_ref().map(evaluator);
        let tails = SharedTails::new(self);
        let mut out = vec![(0usize, 0usize, 0.0f64); x.n_rows()];
        for_each_chunk_mut(&mut out, 1, |r, o| {
            assign_kernel(self, ev.as_ref(), tails.as_ref(), x, r, o)
        });
        out
    }
}
