//! Cluster probabilities of a fitted PPP model: the posterior mass of every cluster (the
//! sum of its components' posteriors) for any rows.

use super::merge::evaluator;
use super::result::PppModel;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::gmm::estep::{normalize_row, Scratch, BLOCK_ROWS};
use crate::matrix::{Mat, MatRef};
use crate::parallel::for_each_chunk_mut;

impl PppModel {
    /// `P(cluster | row)` for every row of `x` (all input columns): `n × n_clusters`,
    /// rows summing to 1. A row whose densities underflow for every component gets each
    /// component's share spread evenly.
    ///
    /// The label of a row ([`assign_chunk`](Self::assign_chunk)) is the cluster of its
    /// most probable *component*, and its confidence this matrix's entry for that label
    /// capped by the cluster's reproducibility ([`PppModel::reproducibility`]); the most
    /// probable *cluster* can differ when a cluster gathers several small components.
    ///
    /// # Errors
    /// A column count other than `n_features`; non-finite values.
    pub fn predict_proba<T: Float>(&self, x: MatRef<'_, T>) -> Result<Mat<f64>> {
        if x.n_cols() != self.n_features {
            return Err(Error::shape("columns", self.n_features, x.n_cols()));
        }
        x.check_finite()?;
        let kc = self.n_clusters;
        let mut out = vec![0.0; x.n_rows() * kc];
        let Some(mix) = &self.mixture else {
            out.chunks_mut(kc).for_each(|r| r[0] = 1.0);
            return Mat::from_vec(out, x.n_rows(), kc);
        };
        let ev = evaluator(mix);
        let (k, d) = (ev.k, ev.d);
        let cols = &self.kept_columns;
        for_each_chunk_mut(&mut out, kc, |range, o| {
            let (mut s, mut buf) = (Scratch::default(), Vec::new());
            let mut start = range.start;
            while start < range.end {
                let b = BLOCK_ROWS.min(range.end - start);
                buf.clear();
                for i in start..start + b {
                    let row = x.row(i);
                    buf.extend(cols.iter().map(|&j| row[j].as_f64()));
                }
                let blk = MatRef::new(&buf, b, d).expect("sizes match");
                ev.load(blk, 0, b, &mut s);
                ev.log_prob(b, &mut s);
                for (i, row) in s.lp.chunks_exact_mut(k).enumerate() {
                    let _ = normalize_row(row);
                    let dst = &mut o[(start - range.start + i) * kc..][..kc];
                    for (c, &p) in row.iter().enumerate() {
                        dst[self.component_cluster[c]] += p;
                    }
                }
                start += b;
            }
        });
        Mat::from_vec(out, x.n_rows(), kc)
    }
}

#[cfg(test)]
mod tests {
    use crate::matrix::Mat;
    use crate::ppp::Ppp;

    #[test]
    fn rows_sum_to_one_and_confidence_matches() {
        let mut rows = Vec::new();
        for i in 0..300 {
            let t = (i % 17) as f64 * 0.05;
            let c = [0.0, 6.0, 12.0][i % 3];
            rows.push([c + t, c * 0.5 - t]);
        }
        let x = Mat::from_rows(&rows);
        let r = Ppp::params().fit(x.view()).unwrap();
        let p = r.model.predict_proba(x.view()).unwrap();
        assert_eq!((p.n_rows(), p.n_cols()), (300, r.k));
        for i in 0..300 {
            let s: f64 = p.row(i).iter().sum();
            assert!((s - 1.0).abs() < 1e-12, "row {i}: {s}");
            let capped = p.row(i)[r.labels[i]].min(r.cluster_reproducibility[r.labels[i]]);
            assert!((capped - r.confidence[i]).abs() < 1e-12, "row {i}");
        }
        assert!(r
            .model
            .predict_proba(Mat::from_rows(&[[1.0f64]]).view())
            .is_err());
    }
}
