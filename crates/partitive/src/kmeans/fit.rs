//! The fit driver: restarts, the iteration loop, convergence and the final pass.

use super::data::Data;
use super::init::{farthest_first, kmeans_plus_plus};
use super::lloyd::finalize;
use super::params::{
    Algorithm, Init, KMeansParams, PARALLEL_MIN_ROWS_PER_CENTER, PARALLEL_MIN_WORK,
};
use super::result::{IterationInfo, KMeansDiagnostics, KMeansResult, Seeding};
use super::run::{run_once, InMemory};
use super::scalable::kmeans_parallel;
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
