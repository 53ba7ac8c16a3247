//! PPP-auto: clustering with an automatically chosen number of clusters — **k-means
//! proposes partitions, a Gaussian mixture validates them (BIC), k emerges from the
//! data**, and a modal merge joins mixture components into clusters.
//!
//! # Method (the research specification, `docs/ppp-research.md`)
//! 0. Drop columns constant over all rows.
//! 1. Fit sample: the `min(n, SAMPLE_MAX)` rows with the smallest FNV-1a content hash
//!    (ties: row values), in that order — so the result does not depend on the input
//!    row order and no seed exists. Ridge `reg_j = EPS_REG · var_j`.
//! 2. Propose: the deterministic nested k-means path k = 1 … ⌊√m⌋ (split the cluster
//!    with the largest SSE along its principal axis, 2-means inside, global Lloyd).
//! 3. Validate: EM for full and spherical Gaussian mixtures from each k-means partition;
//!    keep the lowest BIC; stop `PATIENCE` k after the last improvement of any
//!    covariance type's own best. When k presses the cap (or coarser proposals further
//!    up beat the best), the sample grows and a bisecting-tree search with `O(log k)`
//!    fits continues up to `m / 25` components (`many.rs`). Above three columns, dense
//!    cores that no proposal isolated (modes of the sample's k-NN density) are tried as
//!    new components and kept when the BIC says so (`birth.rs`).
//! 4. Merge: a component hangs under the higher neighbour it shares the largest saddle
//!    density with when saddle ≥ ρ · its peak; roots of the forest are the clusters.
//! 5. Assign every row to its most probable component's cluster in one streaming pass;
//!    confidence = posterior mass of that cluster. Exception: a row won by a wide
//!    component whose bulk holds several clusters' modes (a shared tail, `tail.rs`) goes
//!    to the nearest of those modes in that component's metric.
//!
//! Beyond the research specification's winner: `rho_gauss` (a stricter ratio, 0.9, for
//! links between two components whose posterior-weighted Mardia kurtosis looks Gaussian,
//! which keeps overlapping Gaussian clusters apart; on by default — see [`RHO_GAUSS`] for
//! what it gains and costs) and
//! `min_cluster_size` (light clusters attached to their highest-saddle neighbour).
//!
//! Magnitude: when the fit sample's largest value lies outside `[2^−100, 2^100]`, the
//! structure is searched on the sample scaled by a power of two (exact), the model keeps
//! the exponent ([`PppModel::input_exponent`]) and labels any row in the data's units;
//! likelihoods and densities are reported in the data's units. Wide data: with no more
//! fit rows than columns, full covariances (singular, `d²` memory) are skipped
//! ([`PppDiagnostics::full_covariance_skipped`]).
//!
//! Large inputs: only the fit sample (≤ `SAMPLE_MAX` rows) is used to learn the
//! structure; [`PppModel::assign_chunk`] labels any block of rows, so a streaming driver
//! can label a file chunk by chunk with the model of [`PppResult::model`].
//! [`PppParams::fit_passes`] fits a file read as a stream of chunks, and
//! [`PppParams::fit_distributed`] rows spread over the ranks of a job (MPI), both bitwise
//! as [`PppParams::fit`].
//!
//! # Why this strategy
//! PPP (M. Sultan, *Probabilistic Partitive Partitioning*, arXiv:2003.04372) uses
//! k-means for what it does well — cheap, stable partitions for every k — and a
//! probabilistic model to judge them. Deterministic proposals (a nested split path, no
//! random seeding) make the answer a function of the data alone. BIC (G. Schwarz,
//! *Estimating the dimension of a model*, Ann. Statist. 6(2), 1978,
//! doi:10.1214/aos/1176344136) compares mixtures of different sizes on the same data;
//! but BIC counts *Gaussian components*, and a non-Gaussian cluster needs several. Those
//! are joined by following the mixture density: a component with no significantly higher
//! neighbour is a mode, as in persistence-based clustering (F. Chazal, L. J. Guibas,
//! S. Y. Oudot, P. Skraba, *Persistence-based clustering in Riemannian manifolds*,
//! J. ACM 60(6), 2013, doi:10.1145/2535927); cf. merging Gaussian mixture components
//! (C. Hennig, *Methods for merging Gaussian mixture components*, ADAC 4(1), 2010,
//! doi:10.1007/s11634-010-0058-3; J.-P. Baudry, A. E. Raftery, G. Celeux, K. Lo,
//! R. Gottardo, *Combining mixture components for clustering*, JCGS 19(2), 2010,
//! doi:10.1198/jcgs.2010.08111). Saddles are estimated from the fit points on the
//! posterior boundary of two components, so curved clusters built of many components
//! connect while gaps separate; straight-segment dip tests and entropy merging were
//! measured and lost.
//!
//! # Numbering, confidence, clusterability
//! Clusters are numbered by their root component's index (components follow the
//! hash-ordered fit sample), renumbered densely over non-empty clusters: the same labels
//! for any row order and any thread count. The confidence of a row is the posterior mass
//! of its cluster, capped by the cluster's reproducibility (its mean held-out posterior
//! when the mixture is refitted on either half of the fit sample, `reproduce.rs`: in-sample
//! posteriors are over-confident where the data do not determine the partition); the
//! separable set = rows with confidence ≥ τ (default 0.9); **clusterability = share of
//! rows in the separable set**.
//!
//! # Example
//! ```
//! use partitive::ppp::Ppp;
//! use partitive::Mat;
//! let mut rows = Vec::new();
//! for i in 0..60 {
//!     let t = (i % 10) as f64 * 0.01;
//!     let c = if i < 30 { 0.0 } else { 10.0 };
//!     rows.push([c + t, c - t * 0.5]);
//! }
//! let x = Mat::from_rows(&rows);
//! let r = Ppp::params().fit(x.view()).unwrap();
//! assert_eq!(r.k, 2);
//! assert_ne!(r.labels[0], r.labels[59]);
//! ```

mod assign;
mod birth;
mod dip;
mod fit;
mod flat;
mod graph;
#[cfg(test)]
mod growth_tests;
mod halo;
mod knn;
mod many;
mod merge;
mod modal;
mod params;
mod path;
mod proba;
mod ranks;
mod repair;
mod reproduce;
mod result;
mod sample;
#[cfg(test)]
mod scale_tests;
mod segment;
mod select;
mod skew;
mod sphere;
mod stability;
mod stream;
mod tail;
#[cfg(test)]
mod tests;

pub use graph::KNN_K;
pub use merge::{GRAPH_MAX, GRAPH_MAX_DIM};
pub use params::{
    MergeRule, Ppp, PppParams, CONCENTRIC, COV_TYPES, EM_MAX_ITER, EM_TOL, EPS_REG, FINE_EXCESS,
    FIT_CHUNK_ROWS, FLAT_NEAR, GAUSS_KEEP_MIN_DIM, GRAPH_RHO, HOLLOW, LLOYD_MAX_ITER, MERGE_RULE,
    PATIENCE, POWER_MAX_ITER, POWER_TOL, Q_AMBIG, RHO, RHO_GAUSS, SAMPLE_GROWTH, SAMPLE_MAX, TAU,
    Z_GAUSS, Z_SKEW,
};
pub use result::{
    BicPathEntry, ChunkAssignment, MergeDecision, MergeNode, PppDiagnostics, PppMixture, PppModel,
    PppProgress, PppResult, PppStability, PppStage, SelectedModel,
};
pub use segment::{SEGMENT_FAR, SEGMENT_NEAR, SEGMENT_POINTS};
pub use sphere::{SPHERE_CURVED, SPHERE_ONE};
pub use stream::Pass;
pub use tail::SPAN;
