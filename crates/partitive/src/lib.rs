//! # partitive — deterministic clustering
//!
//! `partitive` is the algorithm crate of the partitive project: k-means, Gaussian
//! mixtures, k-medoids and automatic-k clustering (Probabilistic Partitive Partitioning).
//! It does no IO; readers and writers live in `partitive-io`, the command line in
//! `partitive-cli`.
//!
//! ## Design
//!
//! Every iterative step is one *kernel* over a chunk of rows that returns mergeable
//! partial statistics ([`parallel::map_reduce_chunks`]). Chunk boundaries are a fixed
//! constant ([`parallel::CHUNK_ROWS`]) and partials are merged in chunk order, so the
//! output is bitwise identical for any number of threads. Threads come from the
//! current rayon pool: callers choose the thread count with
//! `rayon::ThreadPoolBuilder::new().num_threads(n).build()?.install(|| ...)`.
//!
//! Data are row-major [`MatRef`] views over `f32` or `f64` ([`Float`]); one generic
//! implementation serves both.
//!
//! ```
//! use partitive::{Mat, MatRef};
//! let m = Mat::from_rows(&[[0.0f64, 1.0], [2.0, 3.0]]);
//! assert_eq!(m.view().row(1), &[2.0, 3.0]);
//! ```
//!
//! ## One estimator contract
//!
//! Every engine — k-means, Gaussian mixtures, the k-medoids family (CLARA included), PPP
//! auto and HDBSCAN* — has the same shape ([`estimator`]):
//!
//! 1. a parameter builder (`KMeans::params(k)`, `GaussianMixture::params(k)`, …) that
//!    implements [`Params`]: `validate()` for the data-independent checks, `check()` for
//!    the [`Checked`] parameters;
//! 2. [`Fit`]: `params.fit(data) -> Result<Model>`, which always validates the parameters
//!    first (a bad one is an [`ErrorKind::InvalidParameter`] naming it), then the data;
//! 3. [`Predict`]: `model.predict(rows) -> Result<Labels>`, which labels new rows as the
//!    fit labelled its own.
//!
//! One rule for iteration limits: `max_iter = 0` is an error of every engine.
//!
//! ```
//! use partitive::gmm::GaussianMixture;
//! use partitive::kmeans::{Init, KMeans};
//! use partitive::{ErrorKind, Mat};
//!
//! let x = Mat::from_rows(&[[0.0f64, 0.0], [0.2, 0.1], [0.1, 0.3], [5.0, 5.0], [5.2, 5.1], [5.1, 4.8]]);
//! let new = Mat::from_rows(&[[0.1f64, 0.0], [4.9, 5.2]]);
//!
//! let km = KMeans::params(2).init(Init::Deterministic).fit(x.view())?;
//! assert_eq!(km.predict(x.view())?, km.labels);
//! let l = km.predict(new.view())?;
//! assert_eq!((l[0], l[1]), (km.labels[0], km.labels[3]));
//!
//! let gmm = GaussianMixture::params(2).check()?.fit(x.view())?;
//! assert_eq!(gmm.predict(new.view())?, vec![gmm.labels[0], gmm.labels[3]]);
//!
//! // fit validates: a bad parameter is named, whatever the data
//! let e = KMeans::params(2).max_iter(0).fit(x.view()).unwrap_err();
//! assert!(matches!(e.kind(), ErrorKind::InvalidParameter { name: "max_iter", .. }));
//! # Ok::<(), partitive::Error>(())
//! ```
//!
//! Generic code names the traits ([`prelude`]):
//!
//! ```
//! use partitive::prelude::*;
//! use partitive::{hdbscan::Hdbscan, kmedoids::KMedoids, Mat, MatRef};
//!
//! fn labels_of_new<'a, P>(p: &P, train: MatRef<'a, f64>, new: MatRef<'a, f64>)
//!     -> partitive::error::Result<<P::Model as Predict<MatRef<'a, f64>>>::Labels>
//! where
//!     P: Fit<MatRef<'a, f64>>,
//!     P::Model: Predict<MatRef<'a, f64>>,
//! {
//!     p.fit(train)?.predict(new)
//! }
//!
//! let x = Mat::from_rows(&[[0.0f64], [0.1], [0.2], [0.3], [9.0], [9.1], [9.2], [9.3]]);
//! let new = Mat::from_rows(&[[0.15f64], [9.15]]);
//! assert_ne!(labels_of_new(&KMedoids::params(2), x.view(), new.view())?, vec![0, 0]);
//! let h = labels_of_new(&Hdbscan::params(3), x.view(), new.view())?;
//! assert!(h[0].is_some() && h[1].is_some() && h[0] != h[1]);
//! # Ok::<(), partitive::Error>(())
//! ```

pub mod dissimilarity;
pub mod distributed;
pub mod error;
pub mod estimator;
pub mod float;
pub mod gmm;
pub mod hdbscan;
pub mod interrupt;
pub mod kmeans;
pub mod kmedoids;
pub mod matrix;
pub mod metrics;
pub mod parallel;
pub(crate) mod passes;
pub mod ppp;
pub mod preprocess;
pub mod rng;
pub(crate) mod scale;
pub(crate) mod simd;
#[cfg(test)]
mod test_support;

pub use error::{Error, ErrorKind};
pub use estimator::{prelude, Checked, Fit, Params, Predict, Weighted};
pub use float::Float;
pub use matrix::{Mat, MatRef};
