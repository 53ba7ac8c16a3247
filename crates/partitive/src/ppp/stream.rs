//! PPP-auto on data read as a stream of row chunks (files larger than memory).
//!
//! Three passes over the rows, each a plain sequence of chunks in row order:
//!
//! 1. column ranges (which columns vary; spec step 0) and the row count;
//! 2. the fit sample: the `min(n, sample_max)` rows first in (content hash, values, row
//!    index) order, kept in a bounded heap — exactly the rows and order of the in-memory
//!    [`fit_sample`](super::sample::fit_sample), since that order is total;
//! 3. the assignment of every row with [`AssignScan`], the same accumulator the
//!    in-memory driver feeds the whole matrix to (per-cluster sums in blocks of
//!    [`CHUNK_ROWS`] rows aligned to the row index, merged in block order).
//!
//! So the result (labels, confidences, sizes, centroids, the decision record) is
//! bitwise the in-memory result, whatever the chunk sizes. A source that hands over a
//! different number of rows or columns in a later pass is an error. Memory: the sample, plus
//! one label and one confidence per row.

use super::fit::{finish, structure, Assigned};
use super::params::PppParams;
use super::result::PppModel;
use super::result::{PppProgress, PppResult, PppStage};
use super::sample::{row_hash, varying, widen_ranges, FitSample};
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
pub(crate) struct Entry {
    pub(crate) hash: u64,
    /// The row's varying columns, as `f64`.
    pub(crate) values: Vec<f64>,
    /// The row's index in the whole.
    pub(crate) index: usize,
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
        if let Err(e) = same_width(d, x).and_then(|()| x.check_finite()) {
            self.error = Some(e);
            return;
        }
        self.lo.resize(d, f64::INFINITY);
        self.hi.resize(d, f64::NEG_INFINITY);
        widen_ranges(x, &mut self.lo, &mut self.hi);
        self.n += x.n_rows();
    }
}

/// Every chunk of every pass must have the width of the first one.
fn same_width<T: Float>(d: usize, x: MatRef<'_, T>) -> Result<(), Error> {
    if x.n_cols() == d {
        Ok(())
    } else {
        Err(Error::shape("columns", d, x.n_cols()))
    }
}

/// Pass 2 state: the bounded heap of the sample's rows.
struct SampleScan<'a> {
    d: usize,
    cols: &'a [usize],
    m: usize,
    next: usize,
    heap: BinaryHeap<Entry>,
    error: Option<Error>,
}

impl SampleScan<'_> {
    fn push<T: Float>(&mut self, x: MatRef<'_, T>) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = same_width(self.d, x) {
            self.error = Some(e);
            return;
        }
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
        sample_of(self.heap.into_sorted_vec(), self.cols.len())
    }
}

/// The fit sample of rows `rows` (in sample order, `d` values each).
pub(crate) fn sample_of(rows: Vec<Entry>, d: usize) -> FitSample {
    let m = rows.len();
    let mut data = Vec::with_capacity(m * d);
    for e in rows {
        data.extend(e.values);
    }
    FitSample {
        x: Mat::from_vec(data, m, d).expect("sizes match"),
    }
}

/// The per-cluster sizes and coordinate sums of one block of [`CHUNK_ROWS`] rows.
pub(crate) type Block = (Vec<usize>, Vec<f64>);

/// A scan's labels, confidences and blocks ([`AssignScan::finish_blocks`]).
pub(crate) type ScanBlocks = (Vec<usize>, Vec<f64>, Vec<Block>);

/// Adds a block's sizes and sums to the totals (blocks are added in block order).
pub(crate) fn add_block(sizes: &mut [usize], sums: &mut [f64], (bs, bv): (&[usize], &[f64])) {
    for (a, b) in sizes.iter_mut().zip(bs) {
        *a += *b;
    }
    for (a, b) in sums.iter_mut().zip(bv) {
        *a += *b;
    }
}

/// The assignment pass: labels, confidences and per-cluster sizes and coordinate sums,
/// the sums added row by row in blocks of [`CHUNK_ROWS`] rows aligned to the row index
/// and merged in block order — so any chunking of the rows gives the same bits.
pub(crate) struct AssignScan<'m> {
    model: &'m PppModel,
    labels: Vec<usize>,
    confidence: Vec<f64>,
    sizes: Vec<usize>,
    sums: Vec<f64>,
    block_sizes: Vec<usize>,
    block_sums: Vec<f64>,
    block_rows: usize,
    /// `Some`: the blocks are kept here (in order) instead of being added to the sums.
    blocks: Option<Vec<Block>>,
    error: Option<Error>,
}

impl<'m> AssignScan<'m> {
    pub(crate) fn new(model: &'m PppModel, n_hint: usize) -> Self {
        let (k, d) = (model.n_clusters, model.n_features);
        AssignScan {
            model,
            labels: Vec::with_capacity(n_hint),
            confidence: Vec::with_capacity(n_hint),
            sizes: vec![0; k],
            sums: vec![0.0; k * d],
            block_sizes: vec![0; k],
            block_sums: vec![0.0; k * d],
            block_rows: 0,
            blocks: None,
            error: None,
        }
    }

    /// A scan that keeps each block's sizes and sums apart ([`Self::finish_blocks`]),
    /// for a driver that folds the blocks of several scans (the ranks of a job) in
    /// order. The scan's first row must be the first of a block.
    pub(crate) fn keeping_blocks(model: &'m PppModel, n_hint: usize) -> Self {
        AssignScan {
            blocks: Some(Vec::new()),
            ..Self::new(model, n_hint)
        }
    }

    fn merge_block(&mut self) {
        match &mut self.blocks {
            Some(blocks) => blocks.push((self.block_sizes.clone(), self.block_sums.clone())),
            None => add_block(
                &mut self.sizes,
                &mut self.sums,
                (&self.block_sizes, &self.block_sums),
            ),
        }
        self.block_sizes.iter_mut().for_each(|b| *b = 0);
        self.block_sums.iter_mut().for_each(|b| *b = 0.0);
        self.block_rows = 0;
    }

    /// Assigns the next rows (in parallel inside the chunk) and adds them to the sums.
    pub(crate) fn push<T: Float>(&mut self, x: MatRef<'_, T>) {
        if self.error.is_some() {
            return;
        }
        let d = self.model.n_features;
        if let Err(e) = same_width(d, x) {
            self.error = Some(e);
            return;
        }
        // Sums of the rows in the model's units (× 2^input_exponent, exact), so that
        // they cannot overflow for data of extreme magnitude; `finish` maps back.
        let e = self.model.input_exponent;
        for (i, (l, c)) in self.model.assign_pairs(x).into_iter().enumerate() {
            self.labels.push(l);
            self.confidence.push(c);
            self.block_sizes[l] += 1;
            for (s, v) in self.block_sums[l * d..(l + 1) * d].iter_mut().zip(x.row(i)) {
                *s += if e == 0 {
                    v.as_f64()
                } else {
                    crate::scale::ldexp(v.as_f64(), e)
                };
            }
            self.block_rows += 1;
            if self.block_rows == CHUNK_ROWS {
                self.merge_block();
            }
        }
    }

    /// Rows assigned so far.
    pub(crate) fn rows(&self) -> usize {
        self.labels.len()
    }

    /// The labels, confidences and blocks of a scan made by [`Self::keeping_blocks`].
    pub(crate) fn finish_blocks(mut self) -> Result<ScanBlocks, Error> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.block_rows > 0 {
            self.merge_block();
        }
        let blocks = self.blocks.take().unwrap_or_default();
        Ok((self.labels, self.confidence, blocks))
    }

    /// The pass's outcome (the first problem seen, if any).
    pub(crate) fn finish(mut self) -> Result<Assigned, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.block_rows > 0 {
            self.merge_block();
        }
        Ok(Assigned {
            labels: self.labels,
            confidence: self.confidence,
            sizes: self.sizes,
            sums: self.sums,
        })
    }
}

/// [`PppParams::fit_passes`].
pub(crate) fn fit_passes<T: Float, E: From<Error>>(
    p: &PppParams,
    pass: &mut Pass<'_, T, E>,
    obs: &mut dyn FnMut(&PppProgress),
) -> std::result::Result<PppResult, E> {
    p.validate()?;
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
    let cols = varying(&scan.lo, &scan.hi);
    // One pass selecting the first `m` rows in (hash, values, index) order.
    let scan_sample = |pass: &mut Pass<'_, T, E>, m: usize| -> std::result::Result<FitSample, E> {
        let mut s = SampleScan {
            d,
            cols: &cols,
            m,
            next: 0,
            heap: BinaryHeap::new(),
            error: None,
        };
        pass(&mut |x| s.push(x))?;
        if let Some(e) = s.error {
            return Err(e.into());
        }
        if s.next != n {
            return Err(changed(n, s.next).into());
        }
        Ok(s.finish())
    };
    let sample = if cols.is_empty() {
        None
    } else {
        Some(scan_sample(pass, n.min(p.sample_max))?)
    };
    // A grown sample is one more pass; its error (of the caller's type) is kept aside
    // and returned in place of the placeholder the structure search sees.
    let mut pass_error: Option<E> = None;
    let st = {
        let mut grow = |m: usize| match scan_sample(pass, m) {
            Ok(s) => Ok(s),
            Err(e) => {
                pass_error = Some(e);
                Err(Error::data("a pass over the input failed"))
            }
        };
        structure(p, n, d, cols.clone(), sample, &mut grow, obs)
    };
    if let Some(e) = pass_error {
        return Err(e);
    }
    let st = st?;
    let best_k = st.selected.k_proposal;
    let mut a = AssignScan::new(&st.model, n);
    pass(&mut |x| {
        a.push(x);
        report(obs, PppStage::Assign, best_k, a.rows());
    })?;
    if a.rows() != n {
        return Err(changed(n, a.rows()).into());
    }
    let assigned = a.finish()?;
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
