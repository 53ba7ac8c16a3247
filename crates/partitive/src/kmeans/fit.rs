//! The fit driver: restarts, the iteration loop, convergence and the final pass.

use super::data::Data;
use super::init::{farthest_first, kmeans_plus_plus};
use super::kernel::Packed;
use super::lloyd::{finalize, lloyd_step, update};
use super::params::{Algorithm, Init, KMeansParams};
use super::pruned::Hamerly;
use super::result::{IterationInfo, KMeansDiagnostics, KMeansResult};
use super::sums::StepStats;
use super::yinyang::{yinyang_step, Bounds, Drift, Groups};
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

/// The algorithm [`Algorithm::Auto`] stands for: plain Lloyd when a row evaluation
/// (`k·d` multiply-adds) is too cheap for bounds to pay (`k < 4` or `k·d < 64`), or when
/// Hamerly's per-row state (two `f32` bounds and a kept `f32` norm: 12 bytes) would
/// exceed a quarter of the data's own size
/// (`d · size_of::<T>()` bytes per row; a fit on memory-mapped data then stays near
/// 1.1× the file); Hamerly otherwise. Yinyang is never chosen: measured on this
/// project's 2-vCPU AVX2 machine (f32, d = 32, 2 threads, same starts), Hamerly with the
/// exact incremental update needs 0.77× Lloyd's CPU time over 10 iterations
/// (n = 10⁶, k = 64) and 0.49× over 20 iterations (n = 2·10⁵, k = 256), Yinyang 1.1× and
/// 0.64× — it evaluates fewer distances, but its per-row bookkeeping costs more.
pub(crate) fn resolve<T: Float>(alg: Algorithm, _n: usize, k: usize, d: usize) -> Algorithm {
    let row = d * std::mem::size_of::<T>();
    match alg {
        Algorithm::Auto if k < 4 || k * d < 64 || 4 * 12 > row => Algorithm::Lloyd,
        Algorithm::Auto => Algorithm::Hamerly,
        a => a,
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
    let n_restarts = match p.init {
        Init::KMeansPlusPlus => p.n_init,
        _ => 1,
    };
    let mut best: Option<(usize, Run<T>)> = None;
    let (mut reseeded, mut evals) = (0, 0);
    for restart in 0..n_restarts {
        let init = match &p.init {
            Init::KMeansPlusPlus => {
                kmeans_plus_plus(&data, p.k, &mut Rng::with_stream(p.seed, restart as u64))
            }
            Init::Deterministic => farthest_first(&data, p.k),
            Init::Centers(c) => c.clone(),
        };
        // (A seeding cut short by the token returns fewer than k centers.)
        p.interrupt.check()?;
        let run = run_once(
            &data,
            init,
            algorithm,
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
        drift: Drift,
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

/// Iterates from `centers` until the squared shift is ≤ `tol_abs` or `max_iter`.
fn run_once<T: Float>(
    data: &Data<'_, T>,
    mut centers: Mat<T>,
    algorithm: Algorithm,
    max_iter: usize,
    tol_abs: f64,
    observe: &mut dyn FnMut(usize, f64, f64),
) -> Run<T> {
    let n = data.n();
    let k = centers.n_rows();
    let mut labels = par_vec(n, |_| u32::MAX);
    let mut pruning = match algorithm {
        Algorithm::Hamerly => Pruning::Hamerly(Hamerly::new(n, k)),
        Algorithm::Yinyang => {
            let groups = Groups::new(&centers);
            Pruning::Yinyang {
                bounds: Bounds::unknown(n, groups.t),
                drift: Drift::zero(&groups),
                groups,
            }
        }
        _ => Pruning::None,
    };
    // The pruned variants update the sums by label changes only (exact integers, see
    // `sums`); Lloyd rebuilds them.
    let incremental = !matches!(pruning, Pruning::None);
    let mut totals = StepStats::zeros(data, k);
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
        if data.stop.is_triggered() {
            break; // the caller reports the interruption
        }
        let st = pruning.step(data, &centers, &mut labels);
        evals += st.evals;
        absorb(&mut totals, st);
        let inertia = totals.inertia(data, &centers);
        let up = update(data, &centers, &mut labels, &mut totals);
        reseeded += up.reseeded;
        observe(it, inertia, up.shift);
        n_iter = it;
        pruning.moved(&centers, &up.centers, &up.moved, &labels);
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
        let st = pruning.step(data, &centers, &mut labels);
        evals += st.evals;
        absorb(&mut totals, st);
    }
    drop(pruning);
    // The inertia from the exact sums, which saves a pass over the data, unless
    // cancellation makes it less accurate than 1e-9 relative; then summed directly.
    let (inertia, error) = totals.inertia_bounded(data, &centers);
    let inertia = if error <= 1e-9 * inertia {
        inertia
    } else {
        finalize(data, &centers, &mut labels, false)
    };
    Run {
        centers,
        labels,
        inertia,
        n_iter,
        converged,
        reseeded,
        evals,
    }
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
