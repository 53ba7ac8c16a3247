//! The fit driver: restarts, the iteration loop, convergence and the final pass.

use super::data::Data;
use super::init::{farthest_first, kmeans_plus_plus};
use super::kernel::Packed;
use super::lloyd::{finalize, lloyd_step, update, Update};
use super::params::{
    Algorithm, Init, KMeansParams, PARALLEL_MIN_ROWS_PER_CENTER, PARALLEL_MIN_WORK,
};
use super::pruned::Hamerly;
use super::result::{IterationInfo, KMeansDiagnostics, KMeansResult, Seeding};
use super::scalable::kmeans_parallel;
use super::sums::StepStats;
use super::yinyang::{yinyang_step, Bounds, GroupDrift, Groups};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use crate::parallel::par_vec;
use crate::rng::Rng;

/// One restart's outcome.
struct Run<T> {
    centers: Mat<T>,
    labels: Vec<u32>,
    inertia: f64,
    n_iter: usize,
    converged: bool,
    reseeded: usize,
    evals: u64,
}

/// [`Algorithm::Auto`] picks Yinyang from this many centers on (measurements behind the
/// rule in `bench/kmeans/README.md`).
pub(crate) const YINYANG_MIN_K: usize = 512;

/// The algorithm [`Algorithm::Auto`] stands for, by the cost measured per iteration:
/// plain Lloyd when a row evaluation (`k·d` multiply-adds) is too cheap for bounds to pay
/// (`k < 4` or `k·d < 64`) or when Hamerly's per-row state (two `f32` bounds and a kept
/// `f32` norm: 12 bytes) would exceed a quarter of the data's own size (`d ·
/// size_of::<T>()` bytes per row); Yinyang from [`YINYANG_MIN_K`] centers when its state
/// (`4 (1 + t)` bytes, `t ≤ 8` groups) stays within a third of the data's size; Hamerly
/// otherwise.
pub(crate) fn resolve<T: Float>(alg: Algorithm, _n: usize, k: usize, d: usize) -> Algorithm {
    let row = d * std::mem::size_of::<T>();
    let yinyang_state = 4 * (1 + super::yinyang::MAX_GROUPS);
    match alg {
        Algorithm::Auto if k < 4 || k * d < 64 || 4 * 12 > row => Algorithm::Lloyd,
        Algorithm::Auto if k >= YINYANG_MIN_K && 3 * yinyang_state <= row => Algorithm::Yinyang,
        Algorithm::Auto => Algorithm::Hamerly,
        a => a,
    }
}

/// The seeding `init` stands for on `n` rows and `k` clusters ([`Init::Auto`]: k-means||
/// from [`PARALLEL_MIN_ROWS_PER_CENTER`] rows per center and `n·k ≥`
/// [`PARALLEL_MIN_WORK`], where k passes over the data cost more than its three).
pub(crate) fn resolve_init<T>(init: &Init<T>, n: usize, k: usize) -> Seeding {
    match init {
        Init::Auto
            if n / PARALLEL_MIN_ROWS_PER_CENTER >= k
                && n.saturating_mul(k) >= PARALLEL_MIN_WORK =>
        {
            Seeding::KMeansParallel
        }
        Init::Auto | Init::KMeansPlusPlus => Seeding::KMeansPlusPlus,
        Init::KMeansParallel => Seeding::KMeansParallel,
        Init::Deterministic => Seeding::Deterministic,
        Init::Centers(_) => Seeding::Given,
    }
}

pub(crate) fn fit<T: Float>(
    p: &KMeansParams<T>,
    x: MatRef<'_, T>,
    weights: Option<&[T]>,
    observer: &mut dyn FnMut(&IterationInfo),
) -> Result<KMeansResult<T>> {
    let algorithm = resolve::<T>(p.algorithm, x.n_rows(), p.k, x.n_cols());
    let mut data = if algorithm == Algorithm::Hamerly {
        Data::with_norms(x, weights, p.k)?
    } else {
        Data::new(x, weights, p.k)?
    };
    if let Init::Centers(c) = &p.init {
        if c.n_cols() != data.d() {
            return Err(Error::shape(
                "initial centers (columns = d)",
                data.d(),
                c.n_cols(),
            ));
        }
    }
    if let Some(r) = Rescale::of(&data, &p.init) {
        drop(data);
        return r.fit(p, x, weights, observer);
    }
    data.stop = p.interrupt.clone();
    let tol_abs = if p.tol > 0.0 {
        p.tol * data.mean_variance()
    } else {
        0.0
    };
    let seeding = resolve_init(&p.init, data.n(), p.k);
    let n_restarts = match seeding {
        Seeding::KMeansPlusPlus | Seeding::KMeansParallel => p.n_init,
        _ => 1,
    };
    let mut best: Option<(usize, Run<T>)> = None;
    let (mut reseeded, mut evals) = (0, 0);
    for restart in 0..n_restarts {
        let mut rng = Rng::with_stream(p.seed, restart as u64);
        let init = match (&p.init, seeding) {
            (Init::Centers(c), _) => c.clone(),
            (_, Seeding::KMeansParallel) => kmeans_parallel(&data, p.k, &mut rng),
            (_, Seeding::Deterministic) => farthest_first(&data, p.k),
            _ => kmeans_plus_plus(&data, p.k, &mut rng),
        };
        // (A seeding cut short by the token returns fewer than k centers.)
        p.interrupt.check()?;
        let mut steps = InMemory::new(&data, &init, algorithm);
        let Ok(core) = run_once(
            &mut steps,
            init,
            p.max_iter,
            tol_abs,
            &mut |it, inertia, shift| {
                observer(&IterationInfo {
                    restart,
                    n_restarts,
                    iter: it,
                    max_iter: p.max_iter,
                    inertia,
                    shift,
                })
            },
        );
        let run = Run {
            labels: std::mem::take(&mut steps.labels),
            centers: core.centers,
            inertia: core.inertia,
            n_iter: core.n_iter,
            converged: core.converged,
            reseeded: core.reseeded,
            evals: core.evals,
        };
        drop(steps);
        p.interrupt.check()?;
        reseeded += run.reseeded;
        evals += run.evals;
        if best.as_ref().is_none_or(|(_, b)| run.inertia < b.inertia) {
            best = Some((restart, run));
        }
    }
    let (best_restart, run) = best.expect("n_init >= 1");
    Ok(KMeansResult {
        centers: run.centers,
        labels: par_vec(run.labels.len(), |i| run.labels[i] as usize),
        inertia: run.inertia,
        n_iter: run.n_iter,
        converged: run.converged,
        diagnostics: KMeansDiagnostics {
            empty_clusters_reseeded: reseeded,
            best_restart,
            algorithm,
            distance_evaluations: evals,
            n_restarts,
            seeding,
        },
    })
}

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
    labels: Vec<u32>,
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

/// The power-of-two scalings of data and weights whose magnitude the kernel's arithmetic
/// cannot take ([`crate::scale`]): the fit runs on `x · 2^e` with weights `w · 2^ew`,
/// which gives the same labels and `2^e ×` the centers (exactly, for data of ordinary
/// magnitude); centers, inertia and shifts are mapped back.
struct Rescale {
    /// Data exponent.
    e: i32,
    /// Weight exponent.
    ew: i32,
}

impl Rescale {
    /// `None` when data, initial centers and weights are all in the safe range.
    fn of<T: Float>(data: &Data<'_, T>, init: &Init<T>) -> Option<Self> {
        let (lo, hi) = crate::scale::kernel_range::<T>();
        let amax = match init {
            Init::Centers(c) => data.amax.max(crate::scale::max_abs(c.as_slice())),
            _ => data.amax,
        };
        let e = crate::scale::exponent_outside(amax, lo, hi);
        // Weights multiply squared distances in `f64` sums (`n · w · x²`): keep them
        // within `2^±60`.
        let wmax = data.w.map_or(1.0, crate::scale::max_abs);
        let ew = crate::scale::exponent_outside(wmax, -60, 60);
        (e.is_some() || ew.is_some()).then(|| Rescale {
            e: e.unwrap_or(0),
            ew: ew.unwrap_or(0),
        })
    }

    fn fit<T: Float>(
        &self,
        p: &KMeansParams<T>,
        x: MatRef<'_, T>,
        weights: Option<&[T]>,
        observer: &mut dyn FnMut(&IterationInfo),
    ) -> Result<KMeansResult<T>> {
        use crate::scale::{ldexp, scale_mat, scaled, scaled_slice};
        let xs = scaled(x, self.e);
        let ws = weights.map(|w| scaled_slice(w, self.ew));
        let mut ps = p.clone();
        if let Init::Centers(c) = &mut ps.init {
            scale_mat(c, self.e);
        }
        // Squared quantities come back by 2^(−2e) (and weights by 2^−ew).
        let sq = -2 * self.e - self.ew;
        let shift = -2 * self.e;
        let mut r = fit(&ps, xs.view(), ws.as_deref(), &mut |info| {
            observer(&IterationInfo {
                inertia: ldexp(info.inertia, sq),
                shift: ldexp(info.shift, shift),
                ..*info
            })
        })?;
        scale_mat(&mut r.centers, -self.e);
        r.inertia = ldexp(r.inertia, sq);
        Ok(r)
    }
}

/// Assigns every row of `x` to its nearest center (lowest index on ties) — the predict
/// step. The inertia is Σ ‖x − c_label‖² accumulated in `f64`.
pub fn assign<T: Float>(x: MatRef<'_, T>, centers: MatRef<'_, T>) -> Result<super::Assignment> {
    if centers.n_rows() == 0 {
        return Err(Error::param("centers", "no centers given"));
    }
    if centers.n_cols() != x.n_cols() {
        return Err(Error::shape(
            "centers (columns = d)",
            x.n_cols(),
            centers.n_cols(),
        ));
    }
    centers
        .check_finite()
        .map_err(|e| Error::param("centers", e.to_string()))?;
    let data = Data::new(x, None, 0)?;
    let (lo, hi) = crate::scale::kernel_range::<T>();
    let amax = data.amax.max(crate::scale::max_abs(centers.as_slice()));
    if let Some(e) = crate::scale::exponent_outside(amax, lo, hi) {
        drop(data);
        let (xs, cs) = (crate::scale::scaled(x, e), crate::scale::scaled(centers, e));
        let mut a = assign(xs.view(), cs.view())?;
        a.inertia = crate::scale::ldexp(a.inertia, -2 * e);
        return Ok(a);
    }
    let c = centers.to_owned();
    let mut labels = vec![0u32; x.n_rows()];
    let inertia = finalize(&data, &c, &mut labels, true);
    Ok(super::Assignment {
        labels: par_vec(labels.len(), |i| labels[i] as usize),
        inertia,
    })
}
