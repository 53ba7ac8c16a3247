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

pub mod dissimilarity;
pub mod distributed;
pub mod error;
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

pub use error::{Error, ErrorKind};
pub use float::Float;
pub use matrix::{Mat, MatRef};
