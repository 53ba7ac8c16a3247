//! Gower's dissimilarity for mixed numeric and categorical columns.
//!
//! J. C. Gower, *A general coefficient of similarity and some of its properties*,
//! Biometrics 27(4), 1971, 857–871. doi:10.2307/2528823.

use super::source::Dissimilarity;
use crate::error::{Error, Result};
use crate::matrix::MatRef;

/// Gower's dissimilarity: the mean over columns of a per-column dissimilarity in
/// `[0, 1]` —
///
/// - numeric column `c`: `|x_ic − x_jc| / range_c` (a column with zero range
///   contributes 0),
/// - categorical column: `0` when the codes are equal, `1` otherwise (categories are
///   encoded as numbers; only equality is used).
///
/// All columns have weight 1; missing values are not supported (reject or impute
/// them before).
#[derive(Debug, Clone)]
pub struct Gower<'a> {
    x: MatRef<'a, f64>,
    categorical: Vec<bool>,
    /// `1/range` per numeric column (0 when the range is 0), unused for categorical.
    inv_range: Vec<f64>,
    /// Per column, `e` when values and range are taken × `2^e` (a range that overflows
    /// `f64`, or whose inverse does); 0 otherwise — then `inv_range` is `1/range`.
    exps: Vec<i32>,
}

impl<'a> Gower<'a> {
    /// Gower over the columns of `x`; `categorical[c]` marks categorical columns.
    /// `ranges` gives the range of each column (ignored for categorical ones); `None`
    /// takes `max − min` of the data.
    ///
    /// Fails on an empty matrix, non-finite values, a flag or range vector of the wrong
    /// length, or a negative or non-finite range.
    pub fn new(x: MatRef<'a, f64>, categorical: &[bool], ranges: Option<&[f64]>) -> Result<Self> {
        let p = x.n_cols();
        if x.n_rows() == 0 || p == 0 {
            return Err(Error::data("data matrix is empty"));
        }
        x.check_finite()?;
        if categorical.len() != p {
            return Err(Error::shape(
                "gower categorical flags",
                p,
                categorical.len(),
            ));
        }
        // Per column: the range, and whether it is in units of 2^−1 (its halves were
        // taken: the difference of two finite values can overflow).
        let ranges: Vec<(f64, bool)> = match ranges {
            Some(r) => {
                if r.len() != p {
                    return Err(Error::shape("gower ranges", p, r.len()));
                }
                if let Some(c) = r.iter().position(|v| !v.is_finite() || *v < 0.0) {
                    return Err(Error::param(
                        "ranges",
                        format!("range of column {c} is {} (must be finite and ≥ 0)", r[c]),
                    ));
                }
                r.iter().map(|&v| (v, false)).collect()
            }
            None => (0..p)
                .map(|c| {
                    let (lo, hi) =
                        (0..x.n_rows()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), i| {
                            let v = x.row(i)[c];
                            (lo.min(v), hi.max(v))
                        });
                    let r = hi - lo;
                    if r.is_finite() {
                        (r, false)
                    } else {
                        (hi / 2.0 - lo / 2.0, true)
                    }
                })
                .collect(),
        };
        // A range whose inverse over- or underflows (or that was halved) is used with the
        // values scaled by a power of two (exact), so every contribution stays in [0, 1].
        let mut exps = vec![0; p];
        let mut inv_range = vec![0.0; p];
        for (c, &(r, halved)) in ranges.iter().enumerate() {
            if r <= 0.0 || categorical[c] {
                continue;
            }
            let inv = 1.0 / r;
            if !halved && inv.is_finite() && inv >= f64::MIN_POSITIVE {
                inv_range[c] = inv;
            } else {
                let e = crate::scale::normalizing_exponent(r);
                exps[c] = e - i32::from(halved);
                inv_range[c] = 1.0 / crate::scale::ldexp(r, e);
            }
        }
        Ok(Gower {
            x,
            categorical: categorical.to_vec(),
            inv_range,
            exps,
        })
    }
}

/// The range (`max − min`) of every numeric column of `x` (0 for a categorical one):
/// what [`Gower::new`] divides by when given no ranges. Keep it with a fitted model, so
/// that new rows are compared on the training scale
/// ([`assign_to_medoids_gower`](crate::kmedoids::assign_to_medoids_gower)). A range
/// whose difference overflows `f64` is `+∞`.
///
/// # Panics
/// When `categorical` does not have one flag per column (a caller contract).
pub fn gower_ranges(x: MatRef<'_, f64>, categorical: &[bool]) -> Vec<f64> {
    assert_eq!(categorical.len(), x.n_cols(), "one flag per column");
    (0..x.n_cols())
        .map(|c| {
            if categorical[c] || x.n_rows() == 0 {
                return 0.0;
            }
            let (lo, hi) =
                (0..x.n_rows()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), i| {
                    let v = x.row(i)[c];
                    (lo.min(v), hi.max(v))
                });
            hi - lo
        })
        .collect()
}

impl Dissimilarity for Gower<'_> {
    type Value = f64;
    #[inline]
    fn n(&self) -> usize {
        self.x.n_rows()
    }
    fn get(&self, i: usize, j: usize) -> f64 {
        self.pair(self.x.row(i), self.x.row(j))
    }
}

impl Gower<'_> {
    /// The dissimilarity of two rows `a`, `b` (not necessarily rows of the data), with
    /// this Gower's categorical flags and ranges: how new rows are compared to medoids.
    ///
    /// # Panics
    /// When a row's length is not the number of columns (a caller contract).
    pub fn between(&self, a: &[f64], b: &[f64]) -> f64 {
        assert_eq!(a.len(), self.categorical.len(), "row length");
        assert_eq!(b.len(), self.categorical.len(), "row length");
        self.pair(a, b)
    }

    #[inline]
    fn pair(&self, a: &[f64], b: &[f64]) -> f64 {
        let mut s = 0.0;
        for c in 0..a.len() {
            s += if self.categorical[c] {
                (a[c] != b[c]) as u8 as f64
            } else {
                // clamp: a value outside a user-given range still contributes ≤ 1
                let e = self.exps[c];
                let diff = if e == 0 {
                    (a[c] - b[c]).abs()
                } else {
                    use crate::scale::ldexp;
                    (ldexp(a[c], e) - ldexp(b[c], e)).abs()
                };
                (diff * self.inv_range[c]).min(1.0)
            };
        }
        s / a.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::Mat;

    #[test]
    fn known_value() {
        // columns: numeric (range 10), categorical, numeric constant
        let x = Mat::from_rows(&[[0.0, 1.0, 5.0], [10.0, 1.0, 5.0], [5.0, 2.0, 5.0]]);
        let g = Gower::new(x.view(), &[false, true, false], None).unwrap();
        assert_eq!(g.get(0, 1), 1.0 / 3.0);
        assert_eq!(g.get(0, 2), (0.5 + 1.0) / 3.0);
        assert_eq!(g.get(2, 2), 0.0);
        let g = Gower::new(x.view(), &[false, true, false], Some(&[20.0, 0.0, 0.0])).unwrap();
        assert_eq!(g.get(0, 1), 0.5 / 3.0);
        assert!(Gower::new(x.view(), &[false, true], None).is_err());
        assert!(Gower::new(x.view(), &[false; 3], Some(&[1.0, -1.0, 0.0])).is_err());
        // The ranges `new` uses by default, given back: the same distances.
        let flags = [false, true, false];
        let r = gower_ranges(x.view(), &flags);
        assert_eq!(r, [10.0, 0.0, 0.0]);
        let a = Gower::new(x.view(), &flags, None).unwrap();
        let b = Gower::new(x.view(), &flags, Some(&r)).unwrap();
        for (i, j) in [(0, 1), (0, 2), (1, 2)] {
            assert_eq!(a.get(i, j), b.get(i, j));
        }
    }

    #[test]
    fn extreme_ranges_keep_contributions_in_unit_interval() {
        // A range that overflows f64 (1.5e308 − (−1.5e308)), one whose inverse does
        // (1e-310), and an ordinary one.
        let x = Mat::from_rows(&[
            [1.5e308, 1e-310, 0.0],
            [-1.5e308, 0.0, 1.0],
            [0.0, 5e-311, 0.5],
        ]);
        let g = Gower::new(x.view(), &[false; 3], None).unwrap();
        assert_eq!(g.get(0, 1), 1.0); // each column contributes its full range
        assert!(
            (g.get(0, 2) - (0.5 + 0.5 + 0.5) / 3.0).abs() < 1e-12,
            "{}",
            g.get(0, 2)
        );
        for i in 0..3 {
            assert_eq!(g.get(i, i), 0.0);
        }
        let g = Gower::new(x.view(), &[false; 3], Some(&[f64::MAX, 1e-310, 1.0])).unwrap();
        assert!(g.get(0, 1).is_finite() && g.get(0, 1) <= 1.0);
        assert_eq!(g.get(2, 2), 0.0);
    }
}
