//! The result of a k-medoids fit.

/// A k-medoids clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct KMedoidsResult {
    /// Indices of the medoids (objects of the input), in slot order.
    pub medoids: Vec<usize>,
    /// For every object, the position in [`medoids`](Self::medoids) of its nearest
    /// medoid (ties: the lower position), except that a medoid is always labelled
    /// with its own position — so every medoid's cluster contains it, even when
    /// several medoids coincide (duplicate objects).
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

impl KMedoidsResult {
    crate::estimator::inherent_predict!();
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
    /// Medoids at dissimilarity 0 from the medoid of a lower position: the data hold
    /// fewer distinct objects than `k` (duplicates), and each of these clusters holds
    /// its medoid alone (or the objects tied with it). 0 normally.
    pub coincident_medoids: usize,
}

/// The shared last step of every algorithm: each medoid labelled with its own
/// position (the tie rule of [`KMedoidsResult::labels`]), losses mapped back from the
/// internal rescaling `2^e` of the dissimilarities ([`crate::dissimilarity::Scaled`];
/// `e = 0` when there was none), and the coincident medoids counted (`d`: the source
/// the algorithm ran on, rescaled or not).
pub(crate) fn finish<D: crate::dissimilarity::Dissimilarity>(
    d: &D,
    mut r: KMedoidsResult,
    e: i32,
) -> KMedoidsResult {
    for (s, &m) in r.medoids.iter().enumerate() {
        r.labels[m] = s;
    }
    let zero = <D::Value as num_traits::Zero>::zero();
    let medoids = r.medoids.clone();
    finish_losses(r, e, |s, t| d.get(medoids[s], medoids[t]) == zero)
}

/// The losses of `r` mapped back from `2^e` and the coincident medoids counted
/// (`same(s, t)`: medoids `s` and `t` are at dissimilarity 0).
pub(crate) fn finish_losses(
    mut r: KMedoidsResult,
    e: i32,
    same: impl Fn(usize, usize) -> bool,
) -> KMedoidsResult {
    if e != 0 {
        let back = |v: f64| crate::scale::ldexp(v, -e);
        r.loss = back(r.loss);
        r.diagnostics.initial_loss = back(r.diagnostics.initial_loss);
        r.diagnostics
            .run_losses
            .iter_mut()
            .for_each(|v| *v = back(*v));
    }
    r.diagnostics.coincident_medoids = (1..r.medoids.len())
        .filter(|&s| (0..s).any(|t| same(s, t)))
        .count();
    r
}
