//! k-means clustering: Lloyd iterations with a fused SIMD assignment kernel, k-means++,
//! k-means|| or deterministic seeding, restarts, sample weights, and pruned variants (Hamerly,
//! Yinyang) that return exactly Lloyd's labels and centers, iteration by iteration.
//!
//! References:
//! - S. Lloyd, *Least squares quantization in PCM*, IEEE Trans. Inf. Theory 28(2),
//!   129–137, 1982, doi:10.1109/TIT.1982.1056489.
//! - D. Arthur, S. Vassilvitskii, *k-means++: the advantages of careful seeding*,
//!   SODA 2007, 1027–1035.
//! - B. Bahmani, B. Moseley, A. Vattani, R. Kumar, S. Vassilvitskii, *Scalable
//!   K-Means++*, PVLDB 5(7), 622–633, 2012, arXiv:1203.6402.
//! - G. Hamerly, *Making k-means even faster*, SIAM SDM 2010,
//!   doi:10.1137/1.9781611972801.12.
//! - Y. Ding, Y. Zhao, X. Shen, M. Musuvathi, T. Mytkowicz, *Yinyang K-Means: A Drop-In
//!   Replacement of the Classic K-Means with Consistent Speedup*, ICML 2015, PMLR
//!   37:579–587.
//!
//! # Determinism
//! Every pass is a chunk kernel merged in chunk order ([`crate::parallel`]): the same
//! input and parameters give bitwise-identical centers, labels and inertia for any number
//! of threads. Distances for assignment use the GEMM form `‖c‖² − 2x·c` with one fixed
//! arithmetic (see the kernel contract), so every SIMD level and the pruned variants
//! agree bitwise too. The centers update sums fixed-point integers (`sums.rs`: each
//! coordinate rounded once to a multiple of a power of two fixed per fit, summed exactly
//! in `i64`), so the sums are a pure function of the labels: order-independent, and
//! updatable exactly — the pruned variants move only the rows whose label changed and
//! still get Lloyd's centers bit for bit.
//!
//! # Magnitude
//! Data (with initial centers) whose largest magnitude lies outside the range where the
//! kernel's squared distances can neither overflow nor underflow (`[2^−30, 2^40]` for
//! `f32`, `[2^−60, 2^60]` for `f64`), and weights outside `[2^−60, 2^60]`, are clustered
//! as a copy scaled by a power of two, and centers, inertia and shifts are mapped back.
//! The scaling is exact, so the labels are those of the data at ordinary scale (bit for
//! bit when the scale is a power of two); an inertia beyond the float range is `+∞`.
//! Data in the range are neither copied nor changed.
//!
//! # Example
//! ```
//! use partitive::kmeans::{Init, KMeans};
//! use partitive::Mat;
//! let x = Mat::from_rows(&[[0.0f64, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]]);
//! let fit = KMeans::params(2).init(Init::Deterministic).fit(x.view()).unwrap();
//! assert_eq!(fit.labels[0], fit.labels[1]);
//! assert_ne!(fit.labels[0], fit.labels[2]);
//! assert!((fit.inertia - 0.01).abs() < 1e-12);
//! ```

mod bounds;
mod data;
#[cfg(test)]
mod distributed_tests;
mod entry;
mod fit;
mod fixed;
mod init;
mod kernel;
mod lloyd;
mod norms;
mod params;
mod pruned;
mod result;
mod run;
mod scalable;
#[cfg(test)]
mod scale_tests;
mod screen;
mod source;
mod stream;
#[cfg(test)]
mod stream_tests;
mod sums;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_pruned;
#[cfg(test)]
mod tests_seeding;
mod yinyang;

pub use fit::assign;
pub(crate) use kernel::avx512_agrees;
pub(crate) use lloyd::nearest_gap;
pub use params::{
    Algorithm, Init, KMeans, KMeansParams, KMeansValidParams, PARALLEL_MIN_ROWS_PER_CENTER,
    PARALLEL_MIN_WORK,
};
pub use result::{Assignment, IterationInfo, KMeansDiagnostics, KMeansResult, Seeding};
pub use stream::KMeansStreamed;
