//! The EM driver (A. P. Dempster, N. M. Laird, D. B. Rubin, *Maximum likelihood from
//! incomplete data via the EM algorithm*, JRSS-B 39(1), 1977).
//!
//! Iteration order as in scikit-learn: an E-step under the current parameters (whose
//! mean log-likelihood is the iteration's *lower bound*), then the M-step; stop when the
//! lower bound changes by less than `tol`. The E-step and the M-step statistics are one
//! pass over the data: a chunk kernel returns mergeable [`Stats`].

use super::covariance::{factor, Factored, GmmParameters, RegularizationEvent};
use super::data::{summarize, Summary};
use super::estep::{normalize_cols, normalize_row, Evaluator, Scratch, BLOCK_ROWS};
use super::init::{from_parameters, from_partition, kmeans_labels};
use super::model::{GmmDiagnostics, GmmModel};
use super::mstep::{update, MStepInput, Stats};
use super::params::{GmmInit, GmmParams};
use super::simd::{dispatch, Kernel};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::MatRef;
use crate::parallel::map_reduce_chunks;

/// Log-likelihood given to a row whose densities all underflow (finite on purpose).
pub(crate) const UNDERFLOW_LOGLIK: f64 = -1e300;

/// Progress of one EM iteration (passed to the observer of
/// [`GmmParams::fit_observed`]).
#[derive(Debug, Clone, PartialEq)]
pub struct EmIterationInfo {
    /// Run index (`0..n_init`).
    pub run: usize,
    /// Iteration number, from 1.
    pub iteration: usize,
    /// Mean log-likelihood of this iteration's E-step.
    pub lower_bound: f64,
    /// Change of the lower bound from the previous iteration (`+∞` at the first).
    pub change: f64,
}

/// One EM run's outcome.
struct Run {
    params: GmmParameters,
    factored: Factored,
    lower_bound: f64,
    n_iter: usize,
    converged: bool,
    events: Vec<RegularizationEvent>,
    empty_init: Vec<usize>,
}

/// E-step + M-step statistics over all rows (one pass).
pub(crate) fn em_stats<T: Float>(x: MatRef<'_, T>, w: Option<&[T]>, ev: &Evaluator) -> Stats {
    map_reduce_chunks(
        x.n_rows(),
        Stats::zeros(ev.kind, ev.k, ev.d),
        |range| dispatch(EmChunk { x, w, ev, range }),
        |a, p| a.merge(p),
    )
}

/// One chunk's rows for a kernel.
struct ChunkArgs<'a, T> {
    x: MatRef<'a, T>,
    w: Option<&'a [T]>,
    ev: &'a Evaluator,
    range: std::ops::Range<usize>,
}
type EmChunk<'a, T> = ChunkArgs<'a, T>;

/// The final-evaluation kernel.
struct EvalChunk<'a, T>(ChunkArgs<'a, T>);

impl<T: Float> Kernel for EmChunk<'_, T> {
    type Output = Stats;
    #[inline(always)]
    fn run(self) -> Stats {
        em_chunk(self.x, self.w, self.ev, self.range)
    }
}

impl<T: Float> Kernel for EvalChunk<'_, T> {
    type Output = Evaluation;
    #[inline(always)]
    fn run(self) -> Evaluation {
        let a = self.0;
        eval_chunk(a.x, a.w, a.ev, a.range)
    }
}

/// The E-step + M-step statistics kernel of one chunk (inlined into each SIMD tier).
#[inline(always)]
fn em_chunk<T: Float>(
    x: MatRef<'_, T>,
    w: Option<&[T]>,
    ev: &Evaluator,
    range: std::ops::Range<usize>,
) -> Stats {
    let (k, d) = (ev.k, ev.d);
    let mut st = Stats::zeros(ev.kind, k, d);
    let mut s = Scratch::default();
    let mut start = range.start;
    while start < range.end {
        let b = BLOCK_ROWS.min(range.end - start);
        ev.load(x, start, b, &mut s);
        ev.log_prob_t(b, &mut s);
        st.underflow += normalize_cols(&mut s.lpt, k, b, &mut s.ll, UNDERFLOW_LOGLIK);
        match w {
            None => s.ll.iter().for_each(|ll| st.loglik += ll),
            Some(w) => {
                let w = &w[start..start + b];
                for (ll, wi) in s.ll.iter().zip(w) {
                    st.loglik += wi.as_f64() * ll;
                }
                for c in 0..k {
                    for (r, wi) in s.lpt[c * b..(c + 1) * b].iter_mut().zip(w) {
                        *r *= wi.as_f64();
                    }
                }
            }
        }
        st.accumulate(ev.kind, &s.dt, &s.lpt, b, d, &mut s.tmp);
        start += b;
    }
    st
}

/// Final evaluation under given parameters: log-likelihood, entropy, labels, counts.
pub(crate) struct Evaluation {
    pub loglik: f64,
    /// `Σ_i w_i Σ_k r_ik ln r_ik` (≤ 0).
    pub entropy: f64,
    pub labels: Vec<usize>,
    /// `Σ_i w_i r_ik`.
    pub nk: Vec<f64>,
    pub underflow: usize,
}

pub(crate) fn evaluate<T: Float>(x: MatRef<'_, T>, w: Option<&[T]>, ev: &Evaluator) -> Evaluation {
    map_reduce_chunks(
        x.n_rows(),
        Evaluation::zero(ev.k),
        |range| dispatch(EvalChunk(ChunkArgs { x, w, ev, range })),
        |a, p| {
            a.loglik += p.loglik;
            a.entropy += p.entropy;
            a.labels.extend(p.labels);
            a.nk.iter_mut().zip(&p.nk).for_each(|(x, y)| *x += y);
            a.underflow += p.underflow;
        },
    )
}

impl Evaluation {
    fn zero(k: usize) -> Self {
        Evaluation {
            loglik: 0.0,
            entropy: 0.0,
            labels: Vec::new(),
            nk: vec![0.0; k],
            underflow: 0,
        }
    }
}

/// The final-evaluation kernel of one chunk.
#[inline(always)]
fn eval_chunk<T: Float>(
    x: MatRef<'_, T>,
    w: Option<&[T]>,
    ev: &Evaluator,
    range: std::ops::Range<usize>,
) -> Evaluation {
    let k = ev.k;
    let mut e = Evaluation::zero(k);
    e.labels.reserve(range.len());
    let mut s = Scratch::default();
    let mut logp = Vec::with_capacity(k);
    let mut start = range.start;
    while start < range.end {
        let b = BLOCK_ROWS.min(range.end - start);
        ev.load(x, start, b, &mut s);
        ev.log_prob(b, &mut s);
        for i in 0..b {
            let row = &mut s.lp[i * k..(i + 1) * k];
            logp.clear();
            logp.extend_from_slice(row);
            let wi = w.map_or(1.0, |w| w[start + i].as_f64());
            let ll = normalize_row(row).unwrap_or_else(|| {
                e.underflow += 1;
                UNDERFLOW_LOGLIK
            });
            e.loglik += wi * ll;
            let mut best = 0;
            let mut ent = 0.0;
            for (c, &r) in row.iter().enumerate() {
                if r > row[best] {
                    best = c;
                }
                // r ln r, with ln r = ln p_c − ln p(x) (no log of tiny r).
                if r > 0.0 {
                    ent += r * (logp[c] - ll).min(0.0);
                }
                e.nk[c] += wi * r;
            }
            e.entropy += wi * ent;
            e.labels.push(best);
        }
        start += b;
    }
    e
}

fn fixes_to_events(f: &Factored, iteration: usize, out: &mut Vec<RegularizationEvent>) {
    out.extend(
        f.fixes
            .iter()
            .map(|&(component, added)| RegularizationEvent {
                iteration,
                component,
                added,
            }),
    );
}

#[allow(clippy::too_many_arguments)]
fn run_em<T: Float>(
    p: &GmmParams<T>,
    x: MatRef<'_, T>,
    w: Option<&[T]>,
    summary: &Summary,
    inp: &MStepInput<'_>,
    run: usize,
    observer: &mut dyn FnMut(&EmIterationInfo),
) -> Result<Run> {
    let (k, d) = (p.k, x.n_cols());
    let (mut params, empty_init) = match &p.init {
        GmmInit::KMeans => {
            let labels = kmeans_labels(x, w, k, p.seed, run as u64)?;
            from_partition(x, w, &labels, k, inp)?
        }
        GmmInit::Partition(labels) => from_partition(x, w, labels, k, inp)?,
        GmmInit::Parameters(q) => (from_parameters(q, k, d, p.covariance)?, Vec::new()),
    };
    let mut events = Vec::new();
    let mut factored = factor(&mut params.covariances, d, summary.scale);
    fixes_to_events(&factored, 0, &mut events);
    let mut lower_bound = f64::NEG_INFINITY;
    let mut converged = false;
    let mut n_iter = 0;
    for it in 1..=p.max_iter {
        let ev = Evaluator::new(&params, &factored, &summary.shift);
        let st = em_stats(x, w, &ev);
        let prev = lower_bound;
        lower_bound = st.loglik / summary.weight_sum;
        params = update(&st, inp);
        factored = factor(&mut params.covariances, d, summary.scale);
        fixes_to_events(&factored, it, &mut events);
        n_iter = it;
        let change = lower_bound - prev;
        observer(&EmIterationInfo {
            run,
            iteration: it,
            lower_bound,
            change,
        });
        if change.abs() < p.tol {
            converged = true;
            break;
        }
    }
    Ok(Run {
        params,
        factored,
        lower_bound,
        n_iter,
        converged,
        events,
        empty_init,
    })
}

/// Fits a mixture (checked parameters, `n_init` runs, final evaluation).
pub(crate) fn fit<T: Float>(
    p: &GmmParams<T>,
    x: MatRef<'_, T>,
    w: Option<&[T]>,
    observer: &mut dyn FnMut(&EmIterationInfo),
) -> Result<GmmModel> {
    p.check()?;
    let (n, d, k) = (x.n_rows(), x.n_cols(), p.k);
    let summary = summarize(x, w, p.covariance)?;
    if n < k {
        return Err(Error::data(format!(
            "{k} components need at least {k} rows, got {n}"
        )));
    }
    let inp = MStepInput {
        kind: p.covariance,
        d,
        reg_covar: p.reg_covar,
        nk_eps: 10.0 * T::epsilon().as_f64(),
        shift: &summary.shift,
        scatter: &summary.scatter,
    };
    let mut best: Option<Run> = None;
    for run in 0..p.n_init {
        let r = run_em(p, x, w, &summary, &inp, run, observer)?;
        if best.as_ref().is_none_or(|b| r.lower_bound > b.lower_bound) {
            best = Some(r);
        }
    }
    let best = best.expect("n_init >= 1 is checked");
    let ev = Evaluator::new(&best.params, &best.factored, &summary.shift);
    let e = evaluate(x, w, &ev);
    let n_eff = summary.weight_sum;
    let n_params = p.covariance.n_parameters(k, d) as f64;
    let bic = -2.0 * e.loglik + n_params * n_eff.ln();
    let min_count = match p.covariance {
        super::covariance::CovarianceType::Full => (d + 1) as f64,
        _ => 2.0,
    };
    let diagnostics = GmmDiagnostics {
        regularized: best.events,
        empty_initial_components: best.empty_init,
        collapsed_components: (0..k).filter(|&c| e.nk[c] < 1.0).collect(),
        underpopulated_components: if p.covariance == super::covariance::CovarianceType::Tied {
            Vec::new()
        } else {
            (0..k).filter(|&c| e.nk[c] < min_count).collect()
        },
        constant_columns: summary.constant_columns.clone(),
        underflow_rows: e.underflow,
    };
    let mean_ll = e.loglik / n_eff;
    Ok(GmmModel {
        covariance_type: p.covariance,
        params: best.params,
        precision_cholesky: best.factored.chol,
        data_mean: summary.shift,
        lower_bound: if best.n_iter == 0 {
            mean_ll
        } else {
            best.lower_bound
        },
        log_likelihood: e.loglik,
        mean_log_likelihood: mean_ll,
        bic,
        aic: -2.0 * e.loglik + 2.0 * n_params,
        icl: bic - 2.0 * e.entropy,
        n_iter: best.n_iter,
        converged: best.converged,
        labels: e.labels,
        n_samples: n_eff,
        diagnostics,
    })
}
