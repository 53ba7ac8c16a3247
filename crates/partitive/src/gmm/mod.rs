//! Gaussian mixture models fitted by EM, with model selection by BIC or ICL.
//!
//! * EM: A. P. Dempster, N. M. Laird, D. B. Rubin, *Maximum likelihood from incomplete
//!   data via the EM algorithm*, Journal of the Royal Statistical Society B 39(1), 1977.
//! * BIC: G. Schwarz, *Estimating the dimension of a model*, Annals of Statistics 6(2),
//!   1978, doi:10.1214/aos/1176344136.
//! * AIC: H. Akaike, *A new look at the statistical model identification*, IEEE
//!   Transactions on Automatic Control 19(6), 1974, doi:10.1109/TAC.1974.1100705.
//! * ICL: C. Biernacki, G. Celeux, G. Govaert, *Assessing a mixture model for
//!   clustering with the integrated completed likelihood*, IEEE TPAMI 22(7), 2000,
//!   doi:10.1109/34.865189.
//!
//! Conventions follow scikit-learn's `GaussianMixture` so that results can be compared
//! from identical starting parameters: each iteration is an E-step (its mean
//! log-likelihood is the *lower bound*) followed by an M-step; `reg_covar × v̄` is added
//! to covariance diagonals in the M-step (`v̄`: the mean per-feature variance of the
//! data — relative, unlike scikit-learn's absolute `reg_covar`, so that a fit does not
//! depend on the data's units); `N_k` gets `10·ε` (ε of the data type); weights
//! are `N_k / Σ N_k`; the tied covariance is `Σ_k Σ_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ / Σ N_k`;
//! the spherical variance is the mean of the diagonal ones.
//!
//! Numerics: responsibilities by log-sum-exp; Mahalanobis terms through precision
//! Cholesky factors, all components in one GEMM per block of rows; statistics in `f64`
//! on rows centred on the data mean; a covariance that is not positive definite is
//! regularised further and reported in [`GmmDiagnostics`]. The E-step and the M-step
//! statistics are one chunk kernel merged in chunk order, so results are bitwise
//! identical for any number of threads.
//!
//! Magnitude: data whose largest value lies outside `[2^−200, 2^200]` are fitted on a
//! copy scaled by a power of two and the model mapped back to the data's units; when
//! its covariances cannot be represented in `f64` (data beyond about `1e150`, or below
//! `1e-150`) the fit fails with a one-line error rather than returning a wrong model.
//! Full and tied covariances need more rows than columns.

// Indexed loops over components and coordinates are deliberate: they are the shape the
// compiler vectorises without reordering sums.
#![allow(clippy::needless_range_loop)]

pub(crate) mod covariance;
mod data;
#[cfg(test)]
mod distributed_tests;
pub(crate) mod estep;
mod fit;
mod maha;
pub(crate) use fit::em_chunk_stats;
mod init;
mod model;
pub(crate) mod mstep;
mod params;
mod restore;
#[cfg(test)]
mod scale_tests;
mod scatter;
mod select;
mod simd;
mod source;
mod stream;
#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod test_reference;
#[cfg(test)]
mod tests;

pub use covariance::{
    CovarianceType, Covariances, GmmParameters, PrecisionCholesky, RegularizationEvent,
};
pub use fit::EmIterationInfo;
pub use model::{GmmDiagnostics, GmmModel};
pub use params::{GaussianMixture, GmmInit, GmmParams};
pub use select::{select, select_observed, Criterion, Selection, SelectionRow};
pub use stream::GmmStreamed;
