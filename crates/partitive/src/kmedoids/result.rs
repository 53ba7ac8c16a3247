//! The result of a k-medoids fit.

/// A k-medoids clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct KMedoidsResult {
    /// Indices of the medoids (objects of the input), in slot order.
    pub medoids: Vec<usize>,
    /// For every object, the position in [`medoids`](Self::medoids) of its nearest
    /// medoid (ties: the lower position).
    pub labels: Vec<usize>,
    /// Sum over all objects of the dissimilarity to the nearest medoid (`f64`).
    pub loss: f64,
    /// Iterations: SWAP iterations (PAM, FastPAM1), passes over the candidates
    /// (FasterPAM), assignment/update rounds (Alternating), local searches
    /// (FastCLARANS), samples (FastCLARA).
    pub n_iter: usize,
    /// Number of medoid replacements applied.
    pub n_swaps: usize,
    /// What happened on the way.
    pub diagnostics: KMedoidsDiagnostics,
}

/// Diagnostics of a k-medoids fit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KMedoidsDiagnostics {
    /// `true` when the algorithm stopped at a local optimum (no improving swap or no
    /// medoid change) rather than at `max_iter`.
    pub converged: bool,
    /// Loss of the initial medoids (NaN where the algorithm has no single start).
    pub initial_loss: f64,
    /// Swap candidates evaluated (PAM counts (medoid, non-medoid) pairs; the others
    /// count non-medoid candidates, each evaluated against all medoids at once).
    pub candidates_evaluated: u64,
    /// FastCLARA: loss over all objects of each sample's medoids; FastCLARANS: loss
    /// of each local search. Empty otherwise.
    pub run_losses: Vec<f64>,
    /// FastCLARA / FastCLARANS: index of the sample or local search kept.
    pub best_run: Option<usize>,
}
