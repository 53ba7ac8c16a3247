//! Steps 0–1: constant columns, the content hash of every row and the deterministic,
//! permutation-invariant fit sample.

use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use crate::parallel::{for_each_chunk_mut, map_reduce_chunks};
use std::cmp::Ordering;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a 64 over the little-endian bytes of each value's `f64` bit pattern (`f32`
/// values are widened first, so both types pick the same rows), columns in order.
pub(crate) fn row_hash<T: Float>(row: &[T], cols: &[usize]) -> u64 {
    let mut h = FNV_OFFSET;
    for &j in cols {
        for byte in row[j].as_f64().to_bits().to_le_bytes() {
            h ^= byte as u64;
            h = h.wrapping_mul(FNV_PRIME);
        }
    }
    h
}

/// Widens the per-column ranges `lo`/`hi` by the rows of `x`.
pub(crate) fn widen_ranges<T: Float>(x: MatRef<'_, T>, lo: &mut [f64], hi: &mut [f64]) {
    for i in 0..x.n_rows() {
        for (j, v) in x.row(i).iter().enumerate() {
            let v = v.as_f64();
            lo[j] = lo[j].min(v);
            hi[j] = hi[j].max(v);
        }
    }
}

/// The columns whose range is not a single value.
pub(crate) fn varying(lo: &[f64], hi: &[f64]) -> Vec<usize> {
    (0..lo.len()).filter(|&j| hi[j] > lo[j]).collect()
}

/// Columns that are not constant over all rows (one chunked min/max pass).
pub(crate) fn varying_columns<T: Float>(x: MatRef<'_, T>) -> Vec<usize> {
    let (lo, hi) = column_ranges(x);
    varying(&lo, &hi)
}

/// The smallest and largest value of every column (one chunked pass).
pub(crate) fn column_ranges<T: Float>(x: MatRef<'_, T>) -> (Vec<f64>, Vec<f64>) {
    let d = x.n_cols();
    let init = (vec![f64::INFINITY; d], vec![f64::NEG_INFINITY; d]);
    map_reduce_chunks(
        x.n_rows(),
        init.clone(),
        |r| {
            let (mut lo, mut hi) = init.clone();
            widen_ranges(x.rows(r.start, r.end), &mut lo, &mut hi);
            (lo, hi)
        },
        |a, b| {
            for j in 0..d {
                a.0[j] = a.0[j].min(b.0[j]);
                a.1[j] = a.1[j].max(b.1[j]);
            }
        },
    )
}

/// The fit sample: the `min(n, sample_max)` rows first in (hash, values) order, in that
/// order, restricted to `cols`, as `f64`.
pub(crate) struct FitSample {
    /// `m × d'` rows in hash order.
    pub x: Mat<f64>,
}

fn cmp_rows<T: Float>(
    x: MatRef<'_, T>,
    cols: &[usize],
    a: (u64, usize),
    b: (u64, usize),
) -> Ordering {
    a.0.cmp(&b.0).then_with(|| {
        let (ra, rb) = (x.row(a.1), x.row(b.1));
        for &j in cols {
            match ra[j].as_f64().partial_cmp(&rb[j].as_f64()) {
                Some(Ordering::Equal) | None => {}
                Some(o) => return o,
            }
        }
        // Identical rows: indistinguishable; the index only makes the sort total.
        a.1.cmp(&b.1)
    })
}

/// The `(content hash, row index)` of the `min(n, m)` rows of `x` first in (hash,
/// values, index) order, in that order.
pub(crate) fn sample_keys<T: Float>(
    x: MatRef<'_, T>,
    cols: &[usize],
    m: usize,
) -> Vec<(u64, usize)> {
    let n = x.n_rows();
    let mut keys = vec![(0u64, 0usize); n];
    for_each_chunk_mut(&mut keys, 1, |r, out| {
        for (o, i) in out.iter_mut().zip(r) {
            *o = (row_hash(x.row(i), cols), i);
        }
    });
    let m = n.min(m);
    let cmp = |a: &(u64, usize), b: &(u64, usize)| cmp_rows(x, cols, *a, *b);
    if m < n {
        keys.select_nth_unstable_by(m, cmp);
        keys.truncate(m);
    }
    keys.sort_unstable_by(cmp);
    keys
}

/// Selects the fit sample (spec step 1).
pub(crate) fn fit_sample<T: Float>(
    x: MatRef<'_, T>,
    cols: &[usize],
    sample_max: usize,
) -> FitSample {
    let keys = sample_keys(x, cols, sample_max);
    let m = keys.len();
    let d = cols.len();
    let mut data = Vec::with_capacity(m * d);
    for &(_, i) in &keys {
        let row = x.row(i);
        data.extend(cols.iter().map(|&j| row[j].as_f64()));
    }
    FitSample {
        x: Mat::from_vec(data, m, d).expect("sizes match"),
    }
}

/// Per-feature ridge `EPS_REG · var_j` (population variance on the sample; a column
/// constant on the sample uses variance 1, as the reference prototype).
pub(crate) fn ridge(f: &Mat<f64>, eps_reg: f64) -> (Vec<f64>, Vec<f64>) {
    let (m, d) = (f.n_rows(), f.n_cols());
    let mut mean = vec![0.0; d];
    for i in 0..m {
        for (s, v) in mean.iter_mut().zip(f.row(i)) {
            *s += v;
        }
    }
    mean.iter_mut().for_each(|s| *s /= m as f64);
    let mut var = vec![0.0; d];
    for i in 0..m {
        for j in 0..d {
            let t = f.row(i)[j] - mean[j];
            var[j] += t * t;
        }
    }
    let reg = var
        .iter()
        .map(|v| {
            let v = v / m as f64;
            eps_reg * if v > 0.0 { v } else { 1.0 }
        })
        .collect();
    (reg, mean)
}
