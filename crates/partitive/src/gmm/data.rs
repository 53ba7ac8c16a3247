//! One pass over the data before EM: validation, the centring shift, the data scale,
//! constant columns and (tied covariance) the total scatter matrix.

use super::covariance::CovarianceType;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::MatRef;
use crate::parallel::map_reduce_chunks;

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

#[derive(Clone)]
struct Moments {
    w: f64,
    s1: Vec<f64>,
    min: Vec<f64>,
    max: Vec<f64>,
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
    let wt = |i: usize| weights.map_or(1.0, |w| w[i].as_f64());
    let zero = Moments {
        w: 0.0,
        s1: vec![0.0; d],
        min: vec![f64::INFINITY; d],
        max: vec![f64::NEG_INFINITY; d],
    };
    let m = map_reduce_chunks(
        n,
        zero.clone(),
        |r| {
            let mut m = zero.clone();
            for i in r {
                let wi = wt(i);
                m.w += wi;
                for (j, v) in x.row(i).iter().enumerate() {
                    let v = v.as_f64();
                    m.s1[j] += wi * v;
                    m.min[j] = m.min[j].min(v);
                    m.max[j] = m.max[j].max(v);
                }
            }
            m
        },
        |a, p| {
            a.w += p.w;
            for j in 0..d {
                a.s1[j] += p.s1[j];
                a.min[j] = a.min[j].min(p.min[j]);
                a.max[j] = a.max[j].max(p.max[j]);
            }
        },
    );
    if !(m.w > 0.0 && m.w.is_finite()) {
        return Err(Error::data("sample weights sum to zero"));
    }
    let mut constant_columns = Vec::new();
    let shift: Vec<f64> = (0..d)
        .map(|j| {
            if m.min[j] == m.max[j] {
                constant_columns.push(j);
                m.min[j]
            } else {
                (m.s1[j] / m.w).clamp(m.min[j], m.max[j])
            }
        })
        .collect();
    // Second pass: column variances, and the scatter matrix for tied covariances.
    let tied = kind == CovarianceType::Tied;
    let width = if tied { d * d } else { d };
    let acc = map_reduce_chunks(
        n,
        vec![0.0; width],
        |r| {
            let mut a = vec![0.0; width];
            let mut c = vec![0.0; d];
            for i in r {
                let wi = wt(i);
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
        },
        |a, p| a.iter_mut().zip(&p).for_each(|(x, y)| *x += y),
    );
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
    Ok(Summary {
        weight_sum: m.w,
        shift,
        scale,
        constant_columns,
        amax,
        scatter: if tied { acc } else { Vec::new() },
    })
}
