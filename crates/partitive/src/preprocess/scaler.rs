//! [`Scaler`]: per-column centring and scaling learned from training rows.

use super::moments::column_moments;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use crate::parallel::{for_each_chunk_mut, par_vec};

/// How columns are scaled (see the [module docs](super)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScaleKind {
    /// No scaling (the identity).
    #[default]
    None,
    /// `(x − mean) / std`.
    Standard,
    /// `(x − median) / IQR`.
    Robust,
    /// `(x − min) / (max − min)`.
    #[serde(rename = "minmax")]
    MinMax,
}

impl ScaleKind {
    /// The name used on the command line and in model files.
    pub fn name(self) -> &'static str {
        match self {
            ScaleKind::None => "none",
            ScaleKind::Standard => "standard",
            ScaleKind::Robust => "robust",
            ScaleKind::MinMax => "minmax",
        }
    }
}

/// A fitted scaling: `x ↦ (x − center) / scale`, per column.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scaler {
    /// The kind it was fitted as.
    pub kind: ScaleKind,
    /// Subtracted from every column (mean, median or minimum; 0 for `none`).
    pub center: Vec<f64>,
    /// Each centred column is divided by it (std, IQR or range; 1 where that is 0, and
    /// for `none`). Always finite and positive.
    pub scale: Vec<f64>,
}

impl Scaler {
    /// The identity on `d` columns.
    pub fn identity(d: usize) -> Scaler {
        Scaler {
            kind: ScaleKind::None,
            center: vec![0.0; d],
            scale: vec![1.0; d],
        }
    }

    /// Learns a scaling of kind `kind` from the rows of `x`.
    ///
    /// # Errors
    /// No rows or no columns; a non-finite value.
    pub fn fit<T: Float>(kind: ScaleKind, x: MatRef<'_, T>) -> Result<Scaler> {
        let d = x.n_cols();
        if x.n_rows() == 0 || d == 0 {
            return Err(Error::data("data matrix is empty"));
        }
        x.check_finite()?;
        let (center, spread): (Vec<f64>, Vec<f64>) = match kind {
            ScaleKind::None => return Ok(Scaler::identity(d)),
            ScaleKind::Standard => {
                let m = column_moments(x)?;
                (m.mean, m.variance.iter().map(|v| v.sqrt()).collect())
            }
            ScaleKind::Robust => {
                let q = par_vec(d, |c| {
                    let mut v: Vec<f64> = (0..x.n_rows()).map(|i| x.row(i)[c].as_f64()).collect();
                    v.sort_unstable_by(f64::total_cmp);
                    (quantile(&v, 0.5), quantile(&v, 0.75) - quantile(&v, 0.25))
                });
                q.into_iter().unzip()
            }
            ScaleKind::MinMax => {
                let r = par_vec(d, |c| {
                    (0..x.n_rows()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), i| {
                        let v = x.row(i)[c].as_f64();
                        (lo.min(v), hi.max(v))
                    })
                });
                r.into_iter().map(|(lo, hi)| (lo, hi - lo)).unzip()
            }
        };
        let scale = spread
            .into_iter()
            .map(|s| if s > 0.0 && s.is_finite() { s } else { 1.0 })
            .collect();
        Ok(Scaler {
            kind,
            center,
            scale,
        })
    }

    /// Number of columns.
    pub fn n_features(&self) -> usize {
        self.center.len()
    }

    /// `true` when the scaling changes nothing (kind `none`).
    pub fn is_identity(&self) -> bool {
        self.kind == ScaleKind::None
    }

    /// Checks a scaler read from a file: lengths agree, centres finite, scales finite and
    /// positive.
    pub fn check(&self) -> Result<()> {
        if self.scale.len() != self.center.len() {
            return Err(Error::shape(
                "scaler scale",
                self.center.len(),
                self.scale.len(),
            ));
        }
        if self.center.iter().any(|c| !c.is_finite()) {
            return Err(Error::param("scaler", "a centre is not finite"));
        }
        if self.scale.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(Error::param("scaler", "a scale is not finite and positive"));
        }
        Ok(())
    }

    /// `(x − center) / scale` for every row of `x`, computed in `f64` and rounded once to
    /// `T`.
    ///
    /// # Errors
    /// A column count other than [`n_features`](Self::n_features).
    pub fn transform<T: Float>(&self, x: MatRef<'_, T>) -> Result<Mat<T>> {
        let d = self.n_features();
        if x.n_cols() != d {
            return Err(Error::shape("columns", d, x.n_cols()));
        }
        let mut out = vec![T::zero(); x.n_rows() * d];
        for_each_chunk_mut(&mut out, d.max(1), |rows, o| {
            for (i, dst) in rows.zip(o.chunks_mut(d)) {
                for (((t, v), c), s) in dst
                    .iter_mut()
                    .zip(x.row(i))
                    .zip(&self.center)
                    .zip(&self.scale)
                {
                    *t = T::of_f64((v.as_f64() - c) / s);
                }
            }
        });
        Mat::from_vec(out, x.n_rows(), d)
    }

    /// Maps one scaled row back to the original units: `v · scale + center`.
    pub fn inverse_row<T: Float>(&self, row: &[T]) -> Vec<f64> {
        row.iter()
            .zip(&self.center)
            .zip(&self.scale)
            .map(|((v, c), s)| v.as_f64() * s + c)
            .collect()
    }
}

/// The `p`-quantile of sorted `v` (linear interpolation between order statistics).
fn quantile(v: &[f64], p: f64) -> f64 {
    let h = (v.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_robust_minmax() {
        let x = Mat::from_rows(&[[1.0f64, 7.0], [2.0, 7.0], [3.0, 7.0], [10.0, 7.0]]);
        let s = Scaler::fit(ScaleKind::Standard, x.view()).unwrap();
        assert_eq!(s.center, [4.0, 7.0]);
        assert_eq!(s.scale, [(12.5f64).sqrt(), 1.0], "constant column: scale 1");
        let r = Scaler::fit(ScaleKind::Robust, x.view()).unwrap();
        // numpy: median 2.5, q25 1.75, q75 4.75
        assert_eq!(r.center, [2.5, 7.0]);
        assert_eq!(r.scale, [3.0, 1.0]);
        let m = Scaler::fit(ScaleKind::MinMax, x.view()).unwrap();
        let t = m.transform(x.view()).unwrap();
        assert_eq!(
            t.as_slice(),
            &[0.0, 0.0, 1.0 / 9.0, 0.0, 2.0 / 9.0, 0.0, 1.0, 0.0]
        );
        let back = m.inverse_row(t.row(3));
        assert_eq!(back, [10.0, 7.0]);
    }

    #[test]
    fn identity_and_checks() {
        let x = Mat::from_rows(&[[1.5f32, -2.0]]);
        let s = Scaler::fit(ScaleKind::None, x.view()).unwrap();
        assert!(s.is_identity());
        assert_eq!(s.transform(x.view()).unwrap().as_slice(), x.as_slice());
        assert!(s.transform(Mat::from_rows(&[[1.0f32]]).view()).is_err());
        let mut bad = s.clone();
        bad.scale[0] = 0.0;
        assert!(bad.check().is_err());
        bad.scale.pop();
        assert!(bad.check().is_err());
        assert!(s.check().is_ok());
        assert!(Scaler::fit(
            ScaleKind::Standard,
            Mat::from_rows(&[[f32::INFINITY]]).view()
        )
        .is_err());
    }

    #[test]
    fn names() {
        let names: Vec<&str> = [
            ScaleKind::None,
            ScaleKind::Standard,
            ScaleKind::Robust,
            ScaleKind::MinMax,
        ]
        .iter()
        .map(|k| k.name())
        .collect();
        assert_eq!(names, ["none", "standard", "robust", "minmax"]);
    }
}
