//! PPP-auto on data read as a stream of row chunks (files larger than memory).
//!
//! Three passes over the rows, each a plain sequence of chunks in row order:
//!
//! 1. column ranges (which columns vary; spec step 0) and the row count;
//! 2. the fit sample: the `min(n, sample_max)` rows first in (content hash, values, row
//!    index) order, kept in a bounded heap — exactly the rows and order of the in-memory
//!    [`fit_sample`](super::sample::fit_sample), since that order is total;
//! 3. the assignment of every row, with per-cluster sums accumulated in blocks of
//!    [`CHUNK_ROWS`] rows aligned to the row index, merged in block order — the
//!    summation order of the in-memory driver.
//!
//! So the result (labels, confidences, sizes, centroids, the decision record) is
//! bitwise the in-memory result, whatever the chunk sizes. Memory: the sample, plus
//! one label and one confidence per row.

use super::fit::{finish, structure, Assigned};
use super::params::PppParams;
use super::result::{PppProgress, PppResult, PppStage};
use super::sample::{row_hash, FitSample};
use crate::error::Error;
use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use crate::parallel::CHUNK_ROWS;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One pass over the data: calls the consumer with consecutive row chunks, in row order.
pub type Pass<'a, T, E> =
    dyn FnMut(&mut dyn FnMut(MatRef<'_, T>)) -> std::result::Result<(), E> + 'a;

/// A candidate row of the fit sample, ordered as the in-memory selection orders rows.
struct Entry {
    hash: u64,
    values: Vec<f64>,
    index: usize,
}

impl Entry {
    fn order(&self, hash: u64, values: &[f64], index: usize) -> Ordering {
        self.hash.cmp(&hash).then_with(|| {
            for (a, b) in self.values.iter().zip(values) {
                match a.partial_cmp(b) {
                    Some(Ordering::Equal) | None => {}
                    Some(o) => return o,
                }
            }
            self.index.cmp(&index)
        })
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.order(other.hash, &other.values, other.index)
    }
}

/// Pass 1 state: row count, column ranges, the first problem seen.
struct ColumnScan {
    n: usize,
    d: Option<usize>,
    lo: Vec<f64>,
    hi: Vec<f64>,
    error: Option<Error>,
}

impl ColumnScan {
    fn push<T: Float>(&mut self, x: MatRef<'_, T>) {
        if self.error.is_some() {
            return;
        }
        let d = *self.d.get_or_insert(x.n_cols());
        if x.n_cols() != d {
            self.error = Some(Error::shape("columns", d, x.n_cols()));
            return;
        }
        if let Err(e) = x.check_finite() {
            self.error = Some(e);
            return;
        }
        self.lo.resize(d, f64::INFINITY);
        self.hi.resize(d, f64::NEG_INFINITY);
        for i in 0..x.n_rows() {
            for (j, v) in x.row(i).iter().enumerate() {
                let v = v.as_f64();
                self.lo[j] = self.lo[j].min(v);
                self.hi[j] = self.hi[j].max(v);
            }
        }
        self.n += x.n_rows();
    }
}

/// Pass 2 state: the bounded heap of the sample's rows.
struct SampleScan<'a> {
    cols: &'a [usize],
    m: usize,
    next: usize,
    heap: BinaryHeap<Entry>,
}

impl SampleScan<'_> {
    fn push<T: Float>(&mut self, x: MatRef<'_, T>) {
        let mut values = Vec::with_capacity(self.cols.len());
        for i in 0..x.n_rows() {
            let index = self.next + i;
            let row = x.row(i);
            let hash = row_hash(row, self.cols);
            if self.heap.len() == self.m {
                let top = self.heap.peek().expect("m ≥ 1");
                if hash > top.hash {
                    continue;
                }
            }
            values.clear();
            values.extend(self.cols.iter().map(|&j| row[j].as_f64()));
            if self.heap.len() < self.m {
                self.heap.push(Entry {
                    hash,
                    values: values.clone(),
                    index,
                });
            } else if self.heap.peek().expect("m ≥ 1").order(hash, &values, index)
                == Ordering::Greater
            {
                self.heap.pop();
                self.heap.push(Entry {
                    hash,
                    values: values.clone(),
                    index,
                });
            }
        }
        self.next += x.n_rows();
    }

    fn finish(self) -> FitSample {
        let d = self.cols.len();
        let rows = self.heap.into_sorted_vec();
        let m = rows.len();
        let mut data = Vec::with_capacity(m * d);
        for e in rows {
            data.extend(e.values);
        }
        FitSample {
            x: Mat::from_vec(data, m, d).expect("sizes match"),
        }
    }
}

/// Pass 3 state: labels, confidences and block-aligned cluster sums.
struct AssignScan {
    d: usize,
    k: usize,
    labels: Vec<usize>,
    confidence: Vec<f64>,
    sizes: Vec<usize>,
    sums: Vec<f64>,
    block_sizes: Vec<usize>,
    block_sums: Vec<f64>,
    block_rows: usize,
}

impl AssignScan {
    fn merge_block(&mut self) {
        for (a, b) in self.sizes.iter_mut().zip(&mut self.block_sizes) {
            *a += *b;
            *b = 0;
        }
        for (a, b) in self.sums.iter_mut().zip(&mut self.block_sums) {
            *a += *b;
            *b = 0.0;
        }
        self.block_rows = 0;
    }

    fn push<T: Float>(&mut self, model: &super::result::PppModel, x: MatRef<'_, T>) {
        let d = self.d;
        for (i, (l, c)) in model.assign_pairs(x).into_iter().enumerate() {
            self.labels.push(l);
            self.confidence.push(c);
            self.block_sizes[l] += 1;
            for (s, v) in self.block_sums[l * d..(l + 1) * d].iter_mut().zip(x.row(i)) {
                *s += v.as_f64();
            }
            self.block_rows += 1;
            if self.block_rows == CHUNK_ROWS {
                self.merge_block();
            }
        }
        debug_assert!(self.k == self.sizes.len());
    }
}

/// [`PppParams::fit_passes`].
pub(crate) fn fit_passes<T: Float, E: From<Error>>(
    p: &PppParams,
    pass: &mut Pass<'_, T, E>,
    obs: &mut dyn FnMut(&PppProgress),
) -> std::result::Result<PppResult, E> {
    p.check()?;
    report(obs, PppStage::Sample, 0, 0);
    let mut scan = ColumnScan {
        n: 0,
        d: None,
        lo: Vec::new(),
        hi: Vec::new(),
        error: None,
    };
    pass(&mut |x| scan.push(x))?;
    if let Some(e) = scan.error {
        return Err(e.into());
    }
    let (n, d) = (scan.n, scan.d.unwrap_or(0));
    if n == 0 {
        return Err(Error::data("no rows").into());
    }
    if d == 0 {
        return Err(Error::data("no columns").into());
    }
    let cols: Vec<usize> = (0..d).filter(|&j| scan.hi[j] > scan.lo[j]).collect();
    let sample = if cols.is_empty() {
        None
    } else {
        let mut s = SampleScan {
            cols: &cols,
            m: n.min(p.sample_max),
            next: 0,
            heap: BinaryHeap::new(),
        };
        pass(&mut |x| s.push(x))?;
        if s.next != n {
            return Err(changed(n, s.next).into());
        }
        Some(s.finish())
    };
    let st = structure(p, n, d, cols, sample, obs)?;
    let k = st.model.n_clusters;
    let mut a = AssignScan {
        d,
        k,
        labels: Vec::with_capacity(n),
        confidence: Vec::with_capacity(n),
        sizes: vec![0; k],
        sums: vec![0.0; k * d],
        block_sizes: vec![0; k],
        block_sums: vec![0.0; k * d],
        block_rows: 0,
    };
    let model = &st.model;
    let best_k = st.selected.k_proposal;
    pass(&mut |x| {
        a.push(model, x);
        report(obs, PppStage::Assign, best_k, a.labels.len());
    })?;
    if a.labels.len() != n {
        return Err(changed(n, a.labels.len()).into());
    }
    if a.block_rows > 0 {
        a.merge_block();
    }
    let assigned = Assigned {
        labels: a.labels,
        confidence: a.confidence,
        sizes: a.sizes,
        sums: a.sums,
    };
    Ok(finish(p, st, assigned, obs)?)
}

fn changed(first: usize, now: usize) -> Error {
    Error::data(format!(
        "the input changed between passes ({first} rows, then {now})"
    ))
}

fn report(obs: &mut dyn FnMut(&PppProgress), stage: PppStage, k: usize, rows: usize) {
    obs(&PppProgress {
        stage,
        k,
        best_k: k,
        rows_done: rows,
    });
}
