//! Dissimilarity sources for the k-medoids family and the silhouette metrics.
//!
//! Every k-medoids algorithm reads distances through one trait, [`Dissimilarity`], so
//! the same code runs on
//!
//! - a precomputed full matrix ([`DenseMatrix`], `f32` or `f64`),
//! - a condensed triangle ([`Condensed`], lower or upper row-major),
//! - distances computed on the fly from a data matrix with a [`Metric`]
//!   ([`MetricDissimilarity`]: euclidean, squared euclidean, manhattan, chebyshev,
//!   cosine, hamming, binary jaccard),
//! - Gower's coefficient over mixed numeric and categorical columns ([`Gower`]),
//! - a row subset of any of the above ([`Subset`], used by CLARA samples).
//!
//! When the `n × n` matrix fits in memory and an algorithm reads it several times,
//! [`materialize`] computes it once (in parallel) — the cache that pays for on-the-fly
//! sources. [`MedoidRows`] keeps the `k` medoid rows that the swap algorithms re-read.
//!
//! ```
//! use partitive::dissimilarity::{Dissimilarity, Metric, MetricDissimilarity};
//! use partitive::Mat;
//! let x = Mat::from_rows(&[[0.0f64, 0.0], [3.0, 4.0]]);
//! let d = MetricDissimilarity::new(x.view(), Metric::Euclidean).unwrap();
//! assert_eq!(d.get(0, 1), 5.0);
//! ```

mod cache;
mod condensed;
mod gower;
mod matrix;
mod metric;
mod scaled;
mod source;

pub use cache::{materialize, MedoidRows};
pub use condensed::{Condensed, TriangleLayout};
pub use gower::{gower_ranges, Gower};
pub use matrix::{symmetry_tolerance, DenseMatrix};
pub use metric::{Metric, MetricDissimilarity};
pub use scaled::unit_exponent;
pub(crate) use scaled::unit_exponent_of;
pub(crate) use scaled::Scaled;
pub use source::{Dissimilarity, Subset};
