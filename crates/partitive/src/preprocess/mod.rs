//! Feature scaling: a [`Scaler`] learned from training rows and applied, identically, to
//! any later rows (so a saved model labels new data exactly as its training data).
//!
//! Four kinds ([`ScaleKind`]), as in scikit-learn's preprocessing module:
//!
//! - `none`: the identity;
//! - `standard`: `(x − mean) / std` (population standard deviation, `ddof = 0`);
//! - `robust`: `(x − median) / IQR` (interquartile range `q75 − q25`, quantiles by linear
//!   interpolation between order statistics, NumPy's default "linear" method; P. J. Rousseeuw,
//!   C. Croux, *Alternatives to the median absolute deviation*, JASA 88(424), 1993,
//!   doi:10.1080/01621459.1993.10476408, discuss such robust scales);
//! - `minmax`: `(x − min) / (max − min)`, into `[0, 1]` on the training rows.
//!
//! A column whose spread is zero (constant) gets the scale 1, so it is only centred.
//! Statistics are computed in `f64`, chunk by chunk in a fixed order (bitwise the same for
//! any thread count); [`Scaler::transform`] computes `(x − center) / scale` in `f64` and
//! rounds once to `T`.
//!
//! [`column_moments`] gives per-column means and variances, e.g. to warn when one column's
//! variance dominates the others' before any scaling.
//!
//! ```
//! use partitive::preprocess::{ScaleKind, Scaler};
//! use partitive::Mat;
//! let x = Mat::from_rows(&[[1.0f64, 100.0], [3.0, 300.0]]);
//! let s = Scaler::fit(ScaleKind::Standard, x.view()).unwrap();
//! assert_eq!(s.transform(x.view()).unwrap().as_slice(), &[-1.0, -1.0, 1.0, 1.0]);
//! ```

mod moments;
mod scaler;

pub use moments::{column_moments, ColumnMoments};
pub use scaler::{ScaleKind, Scaler};
