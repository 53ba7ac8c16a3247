//! The k-medoids family: PAM, FastPAM1, FasterPAM, Alternating, FastCLARA and
//! FastCLARANS, on any [`Dissimilarity`](crate::dissimilarity::Dissimilarity).
//!
//! Papers:
//! - L. Kaufman, P. J. Rousseeuw, *Finding Groups in Data: An Introduction to Cluster
//!   Analysis*, Wiley 1990 (PAM: BUILD and SWAP; CLARA).
//! - E. Schubert, P. J. Rousseeuw, *Faster k-Medoids Clustering: Improving the PAM,
//!   CLARA, and CLARANS Algorithms*, SISAP 2019, doi:10.1007/978-3-030-32047-8_16,
//!   arXiv:1810.05691 (FastPAM1, FastCLARA, FastCLARANS).
//! - E. Schubert, P. J. Rousseeuw, *Fast and Eager k-Medoids Clustering: O(k) Runtime
//!   Improvement of the PAM, CLARA, and CLARANS Algorithms*, Information Systems 101,
//!   2021, doi:10.1016/j.is.2021.101804, arXiv:2008.05171 (FasterPAM, LAB).
//! - R. T. Ng, J. Han, *CLARANS*, IEEE TKDE 14(5), 2002, doi:10.1109/TKDE.2002.1033770.
//! - H.-S. Park, C.-H. Jun, *A simple and fast algorithm for K-medoids clustering*,
//!   Expert Systems with Applications 36(2), 2009 (Alternating).
//!
//! Loss = sum over objects of the dissimilarity to the nearest medoid; labels index
//! [`KMedoidsResult::medoids`] (each medoid labels itself, even when medoids coincide:
//! [`KMedoidsDiagnostics::coincident_medoids`]). Results do not depend on the number of
//! threads.
//!
//! Magnitude: when a source's values (or their sums over `n` objects) would over- or
//! underflow ([`Dissimilarity::magnitude_log2`](crate::dissimilarity::Dissimilarity::magnitude_log2),
//! [`unit_exponent`](crate::dissimilarity::unit_exponent)), the algorithms read them
//! multiplied by a power of two (computed from rescaled data for a metric), which
//! leaves every comparison exact; the losses are mapped back (`+∞` beyond `f64`).
//!
//! ```
//! use partitive::dissimilarity::{Metric, MetricDissimilarity, materialize, DenseMatrix};
//! use partitive::kmedoids::{Algorithm, Init, KMedoids};
//! use partitive::Mat;
//! let x = Mat::from_rows(&[[0.0f64], [1.0], [2.0], [10.0], [11.0], [12.0]]);
//! let d = MetricDissimilarity::new(x.view(), Metric::Euclidean).unwrap();
//! let r = KMedoids::params(2).algorithm(Algorithm::FasterPam).init(Init::Build).fit(&d).unwrap();
//! assert_eq!(r.loss, 4.0);
//! let mut m = r.medoids.clone();
//! m.sort();
//! assert_eq!(m, vec![1, 4]);
//! // the same on a precomputed matrix
//! let full = materialize(&d).unwrap();
//! let r2 = KMedoids::params(2).fit(&DenseMatrix::new(full.view()).unwrap()).unwrap();
//! assert_eq!(r2.loss, 4.0);
//! ```

mod alternating;
mod build;
mod clara;
mod clara_ranks;
mod clarans;
#[cfg(test)]
mod distributed_tests;
mod fasterpam;
mod fastpam1;
mod init;
mod pam;
mod params;
mod predict;
mod result;
#[cfg(test)]
mod robust_tests;
mod scan;
mod state;
mod steepest;
#[cfg(test)]
mod tests;

pub use clara::{Clara, ClaraParams};
pub use params::{Algorithm, Init, KMedoids, KMedoidsParams};
pub use predict::{assign_to_medoids, assign_to_medoids_gower, KMedoidsModel};
pub use result::{KMedoidsDiagnostics, KMedoidsResult};
