//! One pass over the data before EM: validation, the centring shift, the data scale,
//! constant columns and (tied covariance) the total scatter matrix.

use super::covariance::CovarianceType;
use crate::distributed::Wire;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::MatRef;
use crate::parallel::map_reduce_chunks;
use std::ops::Range;

/// What EM needs to know about the data once.
#[derive(Debug, Clone)]
pub(crate) struct Summary {
    /// `Σ w_i` (`n` without weights).
    pub weight_sum: f64,
    /// Weighted column means (exact value for constant columns): the centring shift.
    pub shift: Vec<f64>,
    /// Mean column variance (1 when all columns are constant): scale for the
    /// regularisation floor.
    pub scale: f64,
    /// Columns whose values are all equal.
    pub constant_columns: Vec<usize>,
    /// Largest magnitude of any value (decides the internal rescaling, see `fit`).
    pub amax: f64,
    /// Tied only: `Σ w_i (x_i − shift)(x_i − shift)ᵀ`, `d × d` row-major.
    pub scatter: Vec<f64>,
}

/// Weighted column sums and ranges of a set of rows (mergeable in chunk order).
#[derive(Clone)]
pub(crate) struct Moments {
    w: f64,
    s1: Vec<f64>,
    min: Vec<f64>,
    max: Vec<f64>,
}

impl Moments {
    /// No rows, `d` columns.
    pub(crate) fn zero(d: usize) -> Self {
        Moments {
            w: 0.0,
            s1: vec![0.0; d],
            min: vec![f64::INFINITY; d],
            max: vec![f64::NEG_INFINITY; d],
        }
    }

    /// The moments of the rows `r` of `x` (the kernel of the first pass).
    pub(crate) fn of<T: Float>(x: MatRef<'_, T>, weights: Option<&[T]>, r: Range<usize>) -> Self {
        let mut m = Moments::zero(x.n_cols());
        for i in r {
            let wi = weights.map_or(1.0, |w| w[i].as_f64());
            m.w += wi;
            for (j, v) in x.row(i).iter().enumerate() {
                let v = v.as_f64();
                m.s1[j] += wi * v;
                m.min[j] = m.min[j].min(v);
                m.max[j] = m.max[j].max(v);
            }
        }
        m
    }

    /// Adds `p` (the next chunk's moments).
    pub(crate) fn merge(&mut self, p: Moments) {
        self.w += p.w;
        for j in 0..self.s1.len() {
            self.s1[j] += p.s1[j];
            self.min[j] = self.min[j].min(p.min[j]);
            self.max[j] = self.max[j].max(p.max[j]);
        }
    }

    /// The centring shift (weighted means; the exact value of constant columns) and
    /// the constant columns.
    pub(crate) fn shift(&self) -> Result<(Vec<f64>, Vec<usize>)> {
        if !(self.w > 0.0 && self.w.is_finite()) {
            return Err(Error::data("sample weights sum to zero"));
        }
        let mut constant_columns = Vec::new();
        let shift = (0..self.s1.len())
            .map(|j| {
                if self.min[j] == self.max[j] {
                    constant_columns.push(j);
                    self.min[j]
                } else {
                    (self.s1[j] / self.w).clamp(self.min[j], self.max[j])
                }
            })
            .collect();
        Ok((shift, constant_columns))
    }
}

impl Wire for Moments {
    fn put(&self, out: &mut Vec<u8>) {
        self.w.put(out);
        self.s1.put(out);
        self.min.put(out);
        self.max.put(out);
    }
    fn take(input: &mut &[u8]) -> Self {
        let (w, s1, min, max) = Wire::take(input);
        Moments { w, s1, min, max }
    }
}

/// The second pass's partial sums over the rows `r` of `x`, centred on `shift`: the
/// column sums of squares, or (tied) the scatter matrix `d × d`.
pub(crate) fn spread<T: Float>(
    x: MatRef<'_, T>,
    weights: Option<&[T]>,
    r: Range<usize>,
    shift: &[f64],
    tied: bool,
) -> Vec<f64> {
    let d = x.n_cols();
    let mut a = vec![0.0; if tied { d * d } else { d }];
    let mut c = vec![0.0; d];
    for i in r {
        let wi = weights.map_or(1.0, |w| w[i].as_f64());
        for (j, v) in x.row(i).iter().enumerate() {
            c[j] = v.as_f64() - shift[j];
        }
        if tied {
            for p in 0..d {
                let wp = wi * c[p];
                for q in 0..d {
                    a[p * d + q] += wp * c[q];
                }
            }
        } else {
            for j in 0..d {
                a[j] += wi * c[j] * c[j];
            }
        }
    }
    a
}

/// Adds the partial sums `p` of [`spread`].
pub(crate) fn add_spread(a: &mut [f64], p: Vec<f64>) {
    a.iter_mut().zip(&p).for_each(|(x, y)| *x += y)
}

/// Checks `x` and `weights` and summarises the data.
pub(crate) fn summarize<T: Float>(
    x: MatRef<'_, T>,
    weights: Option<&[T]>,
    kind: CovarianceType,
) -> Result<Summary> {
    let (n, d) = (x.n_rows(), x.n_cols());
    if n == 0 {
        return Err(Error::data("no rows"));
    }
    if d == 0 {
        return Err(Error::data("no columns"));
    }
    x.check_finite()?;
    super::fit::check_shape(kind, n, d)?;
    if let Some(w) = weights {
        if w.len() != n {
            return Err(Error::shape("sample weights", n, w.len()));
        }
        if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v >= T::zero())) {
            return Err(Error::data(format!(
                "sample weight {} at row {i} is negative or not finite",
                w[i]
            )));
        }
    }
    let m = map_reduce_chunks(
        n,
        Moments::zero(d),
        |r| Moments::of(x, weights, r),
        Moments::merge,
    );
    let (shift, constant_columns) = m.shift()?;
    // Second pass: column variances, and the scatter matrix for tied covariances.
    let tied = kind == CovarianceType::Tied;
    let width = if tied { d * d } else { d };
    let acc = map_reduce_chunks(
        n,
        vec![0.0; width],
        |r| spread(x, weights, r, &shift, tied),
        |a, p| add_spread(a, p),
    );
    Ok(finish(&m, shift, constant_columns, acc, tied))
}

/// The summary from the two passes' totals.
pub(crate) fn finish(
    m: &Moments,
    shift: Vec<f64>,
    constant_columns: Vec<usize>,
    acc: Vec<f64>,
    tied: bool,
) -> Summary {
    let d = shift.len();
    let var_sum: f64 = (0..d)
        .map(|j| if tied { acc[j * d + j] } else { acc[j] })
        .sum();
    let scale = var_sum / m.w / d as f64;
    let scale = if scale > 0.0 && scale.is_finite() {
        scale
    } else {
        1.0
    };
    let amax = (0..d).fold(0.0f64, |a, j| a.max(m.min[j].abs()).max(m.max[j].abs()));
    Summary {
        weight_sum: m.w,
        shift,
        scale,
        constant_columns,
        amax,
        scatter: if tied { acc } else { Vec::new() },
    }
}
