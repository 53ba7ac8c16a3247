//! The fit driver: restarts, the iteration loop, convergence and the final pass.

use super::data::Data;
use super::init::{farthest_first, kmeans_plus_plus};
use super::kernel::Packed;
use super::lloyd::{finalize, lloyd_step, update};
use super::params::{Algorithm, Init, KMeansParams};
use super::pruned::{hamerly_step, Bound, Moves};
use super::result::{IterationInfo, KMeansDiagnostics, KMeansResult};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::{Mat, MatRef};
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

/// The algorithm [`Algorithm::Auto`] stands for: Hamerly when a full row evaluation
/// (`k·d` multiply-adds) clearly costs more than the bound bookkeeping and the occasional
/// exact distance (`≈ d`) per row, Lloyd otherwise (tiny `k·d`, or `k = 1`). Measured on
/// n = 10⁶, d = 32, k = 64: equal cost over the first 10 iterations from random rows,
/// and the pruned variant evaluates ~3× fewer distances; later iterations prune more.
pub(crate) fn resolve(alg: Algorithm, _n: usize, k: usize, d: usize) -> Algorithm {
    match alg {
        Algorithm::Auto if k >= 4 && k * d >= 64 => Algorithm::Hamerly,
        Algorithm::Auto => Algorithm::Lloyd,
        a => a,
    }
}

pub(crate) fn fit<T: Float>(
    p: &KMeansParams<T>,
    x: MatRef<'_, T>,
    weights: Option<&[T]>,
    observer: &mut dyn FnMut(&IterationInfo),
) -> Result<KMeansResult<T>> {
    let data = Data::new(x, weights, p.k)?;
    if let Init::Centers(c) = &p.init {
        if c.n_cols() != data.d() {
            return Err(Error::shape(
                "initial centers (columns = d)",
                data.d(),
                c.n_cols(),
            ));
        }
    }
    let tol_abs = if p.tol > 0.0 {
        p.tol * data.mean_variance()
    } else {
        0.0
    };
    let algorithm = resolve(p.algorithm, data.n(), p.k, data.d());
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
        reseeded += run.reseeded;
        evals += run.evals;
        if best.as_ref().is_none_or(|(_, b)| run.inertia < b.inertia) {
            best = Some((restart, run));
        }
    }
    let (best_restart, run) = best.expect("n_init >= 1");
    Ok(KMeansResult {
        centers: run.centers,
        labels: run.labels.into_iter().map(|l| l as usize).collect(),
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
    let mut labels = vec![u32::MAX; n];
    let pruned = algorithm == Algorithm::Hamerly;
    let mut bounds: Vec<Bound> = if pruned {
        vec![[f64::INFINITY, 0.0]; n]
    } else {
        Vec::new()
    };
    let mut moves: Option<Moves> = None;
    let (mut n_iter, mut converged, mut consistent) = (0, false, false);
    let (mut reseeded, mut evals) = (0, 0);
    for it in 1..=max_iter {
        let packed = Packed::new(centers.view());
        let st = if pruned {
            hamerly_step(
                data,
                &packed,
                &centers,
                &mut labels,
                &mut bounds,
                moves.as_ref(),
            )
        } else {
            lloyd_step(data, &packed, &mut labels)
        };
        evals += st.evals;
        let inertia = st.inertia(data, &centers);
        let up = update(data, &centers, &mut labels, st);
        reseeded += up.reseeded;
        observe(it, inertia, up.shift);
        n_iter = it;
        if pruned {
            moves = Some(Moves::between(&centers, &up.centers));
            for &p in &up.moved {
                bounds[p] = [f64::INFINITY, 0.0];
            }
        }
        // Labels are those of the nearest centers when the centers did not move.
        consistent = up.reseeded == 0 && up.centers == centers;
        centers = up.centers;
        if up.shift <= tol_abs {
            converged = true;
            break;
        }
    }
    if pruned && !consistent {
        // The final assignment, pruned too (same labels as a full pass).
        let packed = Packed::new(centers.view());
        let st = hamerly_step(
            data,
            &packed,
            &centers,
            &mut labels,
            &mut bounds,
            moves.as_ref(),
        );
        evals += st.evals;
        consistent = true;
    }
    let (inertia, e) = finalize(data, &centers, &mut labels, !consistent);
    evals += e;
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
    let c = centers.to_owned();
    let mut labels = vec![0u32; x.n_rows()];
    let (inertia, _) = finalize(&data, &c, &mut labels, true);
    Ok(super::Assignment {
        labels: labels.into_iter().map(|l| l as usize).collect(),
        inertia,
    })
}
