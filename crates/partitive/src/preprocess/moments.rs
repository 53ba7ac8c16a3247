//! Per-column means and variances, merged chunk by chunk in a fixed order.

use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::MatRef;
use crate::parallel::map_reduce_chunks;

/// Means and population variances of the columns of a matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMoments {
    /// Mean of every column.
    pub mean: Vec<f64>,
    /// Population variance (`ddof = 0`) of every column.
    pub variance: Vec<f64>,
}

impl ColumnMoments {
    /// Each column's share of the total variance (all zero when every column is
    /// constant).
    pub fn variance_shares(&self) -> Vec<f64> {
        let total: f64 = self.variance.iter().sum();
        if total > 0.0 {
            self.variance.iter().map(|v| v / total).collect()
        } else {
            vec![0.0; self.variance.len()]
        }
    }
}

/// Means and variances of the columns of `x`, in `f64`: two passes (the mean, then the
/// centred sum of squares), each summed per fixed chunk of rows and merged in chunk order.
///
/// # Errors
/// No rows or no columns; a non-finite value.
pub fn column_moments<T: Float>(x: MatRef<'_, T>) -> Result<ColumnMoments> {
    let (n, d) = (x.n_rows(), x.n_cols());
    if n == 0 || d == 0 {
        return Err(Error::data("data matrix is empty"));
    }
    x.check_finite()?;
    let add = |a: &mut Vec<f64>, p: Vec<f64>| a.iter_mut().zip(p).for_each(|(a, b)| *a += b);
    let sum = map_reduce_chunks(
        n,
        vec![0.0; d],
        |r| {
            let mut s = vec![0.0; d];
            for i in r {
                s.iter_mut()
                    .zip(x.row(i))
                    .for_each(|(s, v)| *s += v.as_f64());
            }
            s
        },
        add,
    );
    let mean: Vec<f64> = sum.iter().map(|s| s / n as f64).collect();
    let ss = map_reduce_chunks(
        n,
        vec![0.0; d],
        |r| {
            let mut s = vec![0.0; d];
            for i in r {
                for ((s, v), m) in s.iter_mut().zip(x.row(i)).zip(&mean) {
                    let c = v.as_f64() - m;
                    *s += c * c;
                }
            }
            s
        },
        add,
    );
    Ok(ColumnMoments {
        variance: ss.iter().map(|s| s / n as f64).collect(),
        mean,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::Mat;

    #[test]
    fn moments_and_shares() {
        let x = Mat::from_rows(&[[1.0f32, 10.0, 5.0], [3.0, 30.0, 5.0]]);
        let m = column_moments(x.view()).unwrap();
        assert_eq!(m.mean, [2.0, 20.0, 5.0]);
        assert_eq!(m.variance, [1.0, 100.0, 0.0]);
        let s = m.variance_shares();
        assert!((s[1] - 100.0 / 101.0).abs() < 1e-15);
        assert_eq!(s[2], 0.0);
        let c = Mat::from_rows(&[[1.0f64], [1.0]]);
        assert_eq!(column_moments(c.view()).unwrap().variance_shares(), [0.0]);
        let bad = Mat::from_rows(&[[f64::NAN]]);
        assert!(column_moments(bad.view()).is_err());
    }

    #[test]
    fn same_for_any_thread_count() {
        let v: Vec<f64> = (0..30_000)
            .map(|i| ((i * 7919) % 1000) as f64 * 0.37)
            .collect();
        let x = MatRef::new(&v, 10_000, 3).unwrap();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let three = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let a = one.install(|| column_moments(x).unwrap());
        let b = three.install(|| column_moments(x).unwrap());
        assert_eq!(a, b);
    }
}
