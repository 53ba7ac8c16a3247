//! What a k-means fit returns: [`KMeansResult`], its [`KMeansDiagnostics`], the
//! per-iteration [`IterationInfo`] given to observers, and the [`Assignment`] of
//! [`assign`](super::assign).

use super::params::Algorithm;
use crate::matrix::Mat;

/// The result of [`KMeansParams::fit`](super::KMeansParams::fit).
///
/// `labels` and `inertia` are consistent with `centers`: after the last centers
/// update a final assignment pass assigns every row to its nearest final center
/// (lowest index on ties) and `inertia` is the sum over rows of
/// `weight × ‖x − centers[label]‖²` (not in the GEMM form), in `f64`, within 1e-9
/// relative: from the clusters' exact sums, `Σ w‖x‖² − 2 Σ c·S + Σ W‖c‖²`, when its error
/// bound allows, else accumulated directly row by row. When the last iteration changed
/// no label and re-seeded no cluster, the centers did not move and the labels of that
/// iteration are kept.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansResult<T> {
    /// `k × d` cluster centers (weighted means of their rows).
    pub centers: Mat<T>,
    /// The cluster of each row, in `0..k`.
    pub labels: Vec<usize>,
    /// Sum of (weighted) squared Euclidean distances of rows to their centers.
    pub inertia: f64,
    /// Number of assignment + update iterations run (best restart).
    pub n_iter: usize,
    /// Whether the total squared center shift fell to the tolerance within `max_iter`
    /// (best restart).
    pub converged: bool,
    /// Degenerate events and bookkeeping.
    pub diagnostics: KMeansDiagnostics,
}

impl<T: crate::float::Float> KMeansResult<T> {
    crate::estimator::inherent_predict!();
}

/// Bookkeeping of a fit: degenerate events and work done.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansDiagnostics {
    /// Empty clusters re-seeded (all restarts, all iterations).
    pub empty_clusters_reseeded: usize,
    /// Index of the restart whose result was kept (lowest inertia, lowest index on ties).
    pub best_restart: usize,
    /// The algorithm that actually ran (never [`Algorithm::Auto`]).
    pub algorithm: Algorithm,
    /// Point–center distances evaluated by the assignment steps (all restarts,
    /// including the final assignment pass; initialisation not counted). For Lloyd this
    /// is `n·k` per assignment; the pruned variant skips rows whose bounds prove their
    /// label.
    pub distance_evaluations: u64,
    /// Restarts run (1 for deterministic or user-given initial centers).
    pub n_restarts: usize,
    /// The seeding that actually ran (what [`Init::Auto`](super::Init::Auto) chose).
    pub seeding: Seeding,
}

/// The seeding a fit ran ([`KMeansDiagnostics::seeding`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seeding {
    /// Greedy k-means++.
    KMeansPlusPlus,
    /// k-means||.
    KMeansParallel,
    /// Deterministic farthest-first.
    Deterministic,
    /// User-given centers.
    Given,
}

/// Progress of one iteration, given to the observer of
/// [`KMeansParams::fit_observed`](super::KMeansParams::fit_observed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IterationInfo {
    /// Restart index, `0..n_restarts`.
    pub restart: usize,
    /// Number of restarts that will run.
    pub n_restarts: usize,
    /// Iteration number within the restart, `1..=max_iter`.
    pub iter: usize,
    /// The iteration limit.
    pub max_iter: usize,
    /// Inertia of this iteration's assignment with respect to the centers it used
    /// (before the update), in `f64` from the per-cluster sums
    /// (Σ w‖x‖² − 2 Σ_j c_j·S_j + Σ_j W_j‖c_j‖²): equal to the direct sum up to rounding.
    pub inertia: f64,
    /// Total squared shift of the centers in this iteration's update.
    pub shift: f64,
}

/// Rows assigned to their nearest center ([`assign`](super::assign)).
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Index of the nearest center of each row (lowest index on ties).
    pub labels: Vec<usize>,
    /// Sum of squared Euclidean distances of rows to their nearest center (`f64`).
    pub inertia: f64,
}
