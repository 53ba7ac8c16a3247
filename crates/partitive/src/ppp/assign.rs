//! Step 5: label rows with a fitted model — one chunk kernel, used for the full pass
//! of `fit` and by streaming drivers through [`PppModel::assign_chunk`].

use super::merge::{evaluator, top2};
use super::result::{ChunkAssignment, PppModel};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::gmm::estep::{normalize_row, Evaluator, Scratch, BLOCK_ROWS};
use crate::matrix::MatRef;
use crate::parallel::for_each_chunk_mut;
use std::ops::Range;

/// Labels rows `range` of `x` into `out` (`(label, confidence)` per row).
fn assign_kernel<T: Float>(
    model: &PppModel,
    ev: Option<&Evaluator>,
    x: MatRef<'_, T>,
    range: Range<usize>,
    out: &mut [(usize, f64)],
) {
    let Some(ev) = ev else {
        out.iter_mut().for_each(|o| *o = (0, 1.0));
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
            let label = model.component_cluster[a];
            let conf = match normalize_row(row) {
                Some(_) => (0..k)
                    .filter(|&c| model.component_cluster[c] == label)
                    .map(|c| row[c])
                    .sum::<f64>()
                    .min(1.0),
                None => 0.0,
            };
            out[start - range.start + i] = (label, conf);
        }
        start += b;
    }
}

impl PppModel {
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

    /// `(label, confidence)` of every row (input already checked).
    pub(crate) fn assign_pairs<T: Float>(&self, x: MatRef<'_, T>) -> Vec<(usize, f64)> {
        let ev = self.mixture.as_ref().map(evaluator);
        let mut out = vec![(0usize, 0.0f64); x.n_rows()];
        for_each_chunk_mut(&mut out, 1, |r, o| {
            assign_kernel(self, ev.as_ref(), x, r, o)
        });
        out
    }
}
