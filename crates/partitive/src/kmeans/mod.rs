//! k-means clustering: Lloyd iterations with a fused SIMD assignment kernel, k-means++
//! or deterministic seeding, restarts, sample weights, and a pruned (Hamerly) variant
//! that returns exactly Lloyd's labels.
//!
//! References:
//! - S. Lloyd, *Least squares quantization in PCM*, IEEE Trans. Inf. Theory 28(2),
//!   129–137, 1982, doi:10.1109/TIT.1982.1056489.
//! - D. Arthur, S. Vassilvitskii, *k-means++: the advantages of careful seeding*,
//!   SODA 2007, 1027–1035.
//! - G. Hamerly, *Making k-means even faster*, SIAM SDM 2010,
//!   doi:10.1137/1.9781611972801.12.
//!
//! # Determinism
//! Every pass is a chunk kernel merged in chunk order ([`crate::parallel`]): the same
//! input and parameters give bitwise-identical centers, labels and inertia for any number
//! of threads. Distances for assignment use the GEMM form `‖c‖² − 2x·c` with one fixed
//! arithmetic (see the kernel contract), so every SIMD level and the pruned variant
//! agree bitwise too.
//!
//! # Example
//! ```
//! use partitive::kmeans::{Init, KMeans};
//! use partitive::Mat;
//! let x = Mat::from_rows(&[[0.0f64, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]]);
//! let fit = KMeans::params(2).init(Init::Deterministic).fit(x.view(), None).unwrap();
//! assert_eq!(fit.labels[0], fit.labels[1]);
//! assert_ne!(fit.labels[0], fit.labels[2]);
//! assert!((fit.inertia - 0.01).abs() < 1e-12);
//! ```

mod data;
mod fit;
mod init;
mod kernel;
mod lloyd;
mod params;
mod pruned;
mod result;
mod sums;
#[cfg(test)]
mod tests;
mod yinyang;

pub use fit::assign;
pub use params::{Algorithm, Init, KMeans, KMeansParams, KMeansValidParams};
pub use result::{Assignment, IterationInfo, KMeansDiagnostics, KMeansResult};
