//! One run of k-means from given centers: the step loop (assign, update, convergence)
//! shared by the in-memory fit ([`super::fit`]), the streamed and distributed fits
//! ([`super::stream`]) and k-means||'s reclustering of its candidates
//! ([`super::scalable`]), over a driver of the passes ([`Steps`]).

use super::data::Data;
use super::kernel::Packed;
use super::lloyd::{finalize, lloyd_step, update, Update};
use super::params::Algorithm;
use super::pruned::Hamerly;
use super::sums::StepStats;
use super::yinyang::{yinyang_step, Bounds, GroupDrift, Groups};
use crate::float::Float;
use crate::matrix::Mat;
use crate::parallel::par_vec;

/// Per-run state of the pruned variants.
enum Pruning {
    None,
    Hamerly(Hamerly),
    Yinyang {
        groups: Groups,
        bounds: Bounds,
        drift: GroupDrift,
    },
}

impl Pruning {
    /// One pruned assignment: the labels' change of the sums (Yinyang) or their sums.
    fn step<T: Float>(
        &mut self,
        data: &Data<'_, T>,
        centers: &Mat<T>,
        labels: &mut [u32],
    ) -> StepStats {
        match self {
            Pruning::None => lloyd_step(data, &Packed::new(centers.view()), labels),
            Pruning::Hamerly(h) => h.step(data, &Packed::new(centers.view()), centers, labels),
            Pruning::Yinyang {
                groups,
                bounds,
                drift,
            } => yinyang_step(
                data,
                groups,
                centers,
                &Packed::grouped(centers.view(), &groups.slots),
                labels,
                bounds,
                drift,
            ),
        }
    }

    /// Records the centers' moves and forgets the bounds of re-seeded rows (`labels`: after
    /// the update).
    fn moved<T: Float>(&mut self, old: &Mat<T>, new: &Mat<T>, reseeded: &[usize], labels: &[u32]) {
        match self {
            Pruning::None => {}
            Pruning::Hamerly(h) => h.moved(old, new, reseeded, labels),
            Pruning::Yinyang {
                groups,
                bounds,
                drift,
            } => {
                drift.add(groups, old, new);
                for &p in reseeded {
                    bounds.reset(p, groups.t);
                }
            }
        }
    }
}

/// The driver of a run's passes over the rows: the matrix in memory ([`InMemory`]) or a
/// stream of chunks (`super::stream`). Both call the same chunk kernels over the same
/// fixed chunks, so a run gives the same bits through either.
pub(crate) trait Steps<'a, T: Float> {
    /// What a failed pass returns (reading a stream can fail).
    type Err;
    /// The fit's statistics (scale, Σ w‖x‖², rows) for updates and the inertia.
    fn data(&self) -> &Data<'a, T>;
    /// One assignment step against `centers`: its statistics (their change when
    /// [`Self::incremental`]).
    fn step(&mut self, centers: &Mat<T>) -> std::result::Result<StepStats, Self::Err>;
    /// Whether [`Self::step`] returns changes of the sums rather than the sums.
    fn incremental(&self) -> bool;
    /// The centers update after a step (see [`super::lloyd::update`]).
    fn update(
        &mut self,
        old: &Mat<T>,
        totals: &mut StepStats,
    ) -> std::result::Result<Update<T>, Self::Err>;
    /// Σ w‖x − c_label‖² summed row by row (the fallback of the inertia from the sums).
    fn direct_inertia(&mut self, centers: &Mat<T>) -> std::result::Result<f64, Self::Err>;
}

/// [`Steps`] over a matrix in memory, with the per-row labels and pruning state.
pub(crate) struct InMemory<'d, 'a, T> {
    data: &'d Data<'a, T>,
    /// The rows' labels (those of the last step's centers).
    pub(super) labels: Vec<u32>,
    pruning: Pruning,
}

impl<'d, 'a, T: Float> InMemory<'d, 'a, T> {
    pub(super) fn new(data: &'d Data<'a, T>, centers: &Mat<T>, algorithm: Algorithm) -> Self {
        let n = data.n();
        let k = centers.n_rows();
        let pruning = match algorithm {
            Algorithm::Hamerly => Pruning::Hamerly(Hamerly::new(n, k)),
            Algorithm::Yinyang => {
                let groups = Groups::new(centers);
                Pruning::Yinyang {
                    bounds: Bounds::unknown(n, groups.t),
                    drift: GroupDrift::zero(&groups),
                    groups,
                }
            }
            _ => Pruning::None,
        };
        InMemory {
            data,
            labels: par_vec(n, |_| u32::MAX),
            pruning,
        }
    }
}

impl<'a, T: Float> Steps<'a, T> for InMemory<'_, 'a, T> {
    type Err = std::convert::Infallible;

    fn data(&self) -> &Data<'a, T> {
        self.data
    }

    fn step(&mut self, centers: &Mat<T>) -> std::result::Result<StepStats, Self::Err> {
        Ok(self.pruning.step(self.data, centers, &mut self.labels))
    }

    fn incremental(&self) -> bool {
        // The pruned variants update the sums by label changes only (exact integers, see
        // `sums`); Lloyd rebuilds them.
        !matches!(self.pruning, Pruning::None)
    }

    fn update(
        &mut self,
        old: &Mat<T>,
        totals: &mut StepStats,
    ) -> std::result::Result<Update<T>, Self::Err> {
        let up = update(self.data, old, &mut self.labels, totals);
        self.pruning
            .moved(old, &up.centers, &up.moved, &self.labels);
        Ok(up)
    }

    fn direct_inertia(&mut self, centers: &Mat<T>) -> std::result::Result<f64, Self::Err> {
        Ok(finalize(self.data, centers, &mut self.labels, false))
    }
}

/// A run's outcome apart from the labels (which its driver holds).
pub(crate) struct RunCore<T> {
    pub(crate) centers: Mat<T>,
    pub(crate) inertia: f64,
    pub(crate) n_iter: usize,
    pub(crate) converged: bool,
    pub(crate) reseeded: usize,
    pub(crate) evals: u64,
}

/// Iterates from `centers` until the squared shift is ≤ `tol_abs` or `max_iter`; the
/// driver's labels are then those of the returned centers.
pub(crate) fn run_once<'a, T: Float, S: Steps<'a, T>>(
    steps: &mut S,
    mut centers: Mat<T>,
    max_iter: usize,
    tol_abs: f64,
    observe: &mut dyn FnMut(usize, f64, f64),
) -> std::result::Result<RunCore<T>, S::Err> {
    let k = centers.n_rows();
    let incremental = steps.incremental();
    let mut totals = StepStats::zeros(steps.data(), k);
    let (mut n_iter, mut converged, mut consistent) = (0, false, false);
    let (mut reseeded, mut evals) = (0, 0);
    // A step's statistics into the totals: its change (pruned) or the sums themselves.
    let absorb = |totals: &mut StepStats, st: StepStats| {
        if incremental {
            totals.merge(st);
        } else {
            *totals = st;
        }
    };
    for it in 1..=max_iter {
        if steps.data().stop.is_triggered() {
            break; // the caller reports the interruption
        }
        let st = steps.step(&centers)?;
        evals += st.evals;
        absorb(&mut totals, st);
        let inertia = totals.inertia(steps.data(), &centers);
        let up = steps.update(&centers, &mut totals)?;
        reseeded += up.reseeded;
        observe(it, inertia, up.shift);
        n_iter = it;
        // Labels are those of the nearest centers when the centers did not move.
        consistent = up.reseeded == 0 && up.centers == centers;
        centers = up.centers;
        if up.shift <= tol_abs {
            converged = true;
            break;
        }
    }
    if !consistent {
        // The final assignment (pruned too: the same labels as a full pass), with its sums.
        let st = steps.step(&centers)?;
        evals += st.evals;
        absorb(&mut totals, st);
    }
    // The inertia from the exact sums, which saves a pass over the data, unless
    // cancellation makes it less accurate than 1e-9 relative; then summed directly.
    let (inertia, error) = totals.inertia_bounded(steps.data(), &centers);
    let inertia = if error <= 1e-9 * inertia {
        inertia
    } else {
        steps.direct_inertia(&centers)?
    };
    Ok(RunCore {
        centers,
        inertia,
        n_iter,
        converged,
        reseeded,
        evals,
    })
}
