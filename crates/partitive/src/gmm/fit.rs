//! The EM driver (A. P. Dempster, N. M. Laird, D. B. Rubin, *Maximum likelihood from
//! incomplete data via the EM algorithm*, JRSS-B 39(1), 1977).
//!
//! Iteration order as in scikit-learn: an E-step under the current parameters (whose
//! mean log-likelihood is the iteration's *lower bound*), then the M-step; stop when the
//! lower bound changes by less than `tol`. The E-step and the M-step statistics are one
//! pass over the data: a chunk kernel returns mergeable [`Stats`].

use super::covariance::{
    factor, CovarianceType, Covariances, Factored, GmmParameters, PrecisionCholesky,
    RegularizationEvent,
};
use super::data::{summarize, Summary};
use super::estep::{normalize_cols, normalize_row, Evaluator, Scratch, BLOCK_ROWS};
use super::init::{from_parameters, from_partition, kmeans_labels};
use super::model::{GmmDiagnostics, GmmModel};
use super::mstep::{update, MStepInput, Stats};
use super::params::{GmmInit, GmmParams};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use crate::parallel::map_reduce_chunks;
use crate::simd::{dispatch, Kernel, Simd};

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
pub(crate) struct Run {
    pub params: GmmParameters,
    pub factored: Factored,
    pub lower_bound: f64,
    pub n_iter: usize,
    pub converged: bool,
    pub events: Vec<RegularizationEvent>,
    pub empty_init: Vec<usize>,
}

/// E-step + M-step statistics over all rows (one pass).
pub(crate) fn em_stats<T: Float>(x: MatRef<'_, T>, w: Option<&[T]>, ev: &Evaluator) -> Stats {
    em_stats_from(Stats::zeros(ev.kind, ev.k, ev.d), x, w, ev)
}

/// [`em_stats`] of the rows of `x` added, chunk by chunk, to `acc` (the statistics of
/// the rows before; a stream continues the in-memory fold).
pub(crate) fn em_stats_from<T: Float>(
    acc: Stats,
    x: MatRef<'_, T>,
    w: Option<&[T]>,
    ev: &Evaluator,
) -> Stats {
    map_reduce_chunks(
        x.n_rows(),
        acc,
        |range| em_chunk_stats(x, w, ev, range, UNDERFLOW_LOGLIK),
        |a, p| a.merge(p),
    )
}

/// The E-step + M-step statistics of the rows `range` of `x` (one fixed chunk: the
/// kernel every driver folds in chunk order); a row whose densities all underflow counts
/// `underflow` as its log-likelihood.
pub(crate) fn em_chunk_stats<T: Float>(
    x: MatRef<'_, T>,
    w: Option<&[T]>,
    ev: &Evaluator,
    range: std::ops::Range<usize>,
    underflow: f64,
) -> Stats {
    dispatch(EmChunk(ChunkArgs { x, w, ev, range }, underflow))
}

/// The final evaluation of the rows `range` of `x` (one fixed chunk).
pub(crate) fn eval_chunk_of<T: Float>(
    x: MatRef<'_, T>,
    w: Option<&[T]>,
    ev: &Evaluator,
    range: std::ops::Range<usize>,
) -> Evaluation {
    dispatch(EvalChunk(ChunkArgs { x, w, ev, range }))
}

/// One chunk's rows for a kernel.
struct ChunkArgs<'a, T> {
    x: MatRef<'a, T>,
    w: Option<&'a [T]>,
    ev: &'a Evaluator,
    range: std::ops::Range<usize>,
}
/// The E-step + M-step statistics kernel, with the underflowed rows' log-likelihood.
struct EmChunk<'a, T>(ChunkArgs<'a, T>, f64);

/// The final-evaluation kernel.
struct EvalChunk<'a, T>(ChunkArgs<'a, T>);

impl<T: Float> Kernel for EmChunk<'_, T> {
    type Output = Stats;
    #[inline(always)]
    fn run(self, _: Simd) -> Stats {
        let a = self.0;
        em_chunk(a.x, a.w, a.ev, a.range, self.1)
    }
}

impl<T: Float> Kernel for EvalChunk<'_, T> {
    type Output = Evaluation;
    #[inline(always)]
    fn run(self, _: Simd) -> Evaluation {
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
    underflow: f64,
) -> Stats {
    let (k, d) = (ev.k, ev.d);
    let mut st = Stats::zeros(ev.kind, k, d);
    let mut s = Scratch::default();
    let mut start = range.start;
    while start < range.end {
        let b = BLOCK_ROWS.min(range.end - start);
        ev.load(x, start, b, &mut s);
        ev.log_prob_t(b, &mut s);
        st.underflow += normalize_cols(&mut s.lpt, k, b, &mut s.ll, underflow);
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
#[derive(Default)]
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
    evaluate_from(Evaluation::zero(ev.k), x, w, ev)
}

/// [`evaluate`] of the rows of `x` added, chunk by chunk, to `acc` (the evaluation of
/// the rows before).
pub(crate) fn evaluate_from<T: Float>(
    acc: Evaluation,
    x: MatRef<'_, T>,
    w: Option<&[T]>,
    ev: &Evaluator,
) -> Evaluation {
    map_reduce_chunks(
        x.n_rows(),
        acc,
        |range| eval_chunk_of(x, w, ev, range),
        Evaluation::merge,
    )
}

impl Evaluation {
    /// Adds `p` (the next chunk's evaluation).
    pub(crate) fn merge(&mut self, p: Evaluation) {
        self.loglik += p.loglik;
        self.entropy += p.entropy;
        self.labels.extend(p.labels);
        self.nk.iter_mut().zip(&p.nk).for_each(|(x, y)| *x += y);
        self.underflow += p.underflow;
    }

    pub(crate) fn zero(k: usize) -> Self {
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
    let start = match &p.init {
        GmmInit::KMeans => {
            let labels = kmeans_labels(x, w, k, p.seed, run as u64, &p.interrupt)?;
            from_partition(x, w, &labels, k, inp)?
        }
        GmmInit::Partition(labels) => from_partition(x, w, labels, k, inp)?,
        GmmInit::Parameters(q) => (from_parameters(q, k, d, p.covariance)?, Vec::new()),
    };
    em(p, start, summary, inp, run, observer, |ev| {
        Ok(em_stats(x, w, ev))
    })
}

/// EM iterations from the initial parameters `start` (and the components the initial
/// partition left empty); `stats(ev)` gives the E-step + M-step statistics of all rows
/// under the evaluator `ev` (one pass).
pub(crate) fn em<T: Float, E: From<Error>>(
    p: &GmmParams<T>,
    start: (GmmParameters, Vec<usize>),
    summary: &Summary,
    inp: &MStepInput<'_>,
    run: usize,
    observer: &mut dyn FnMut(&EmIterationInfo),
    mut stats: impl FnMut(&Evaluator) -> std::result::Result<Stats, E>,
) -> std::result::Result<Run, E> {
    let d = inp.d;
    let (mut params, empty_init) = start;
    let mut events = Vec::new();
    let mut factored = factor(&mut params.covariances, d, summary.scale);
    fixes_to_events(&factored, 0, &mut events);
    let mut lower_bound = f64::NEG_INFINITY;
    let mut converged = false;
    let mut n_iter = 0;
    for it in 1..=p.max_iter {
        p.interrupt.check()?;
        let ev = Evaluator::new(&params, &factored, &summary.shift);
        let st = stats(&ev)?;
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
    p.validate()?;
    let (n, k) = (x.n_rows(), p.k);
    let summary = summarize(x, w, p.covariance)?;
    if n < k {
        return Err(Error::data(format!(
            "{k} components need at least {k} rows, got {n}"
        )));
    }
    if let Some(r) = Rescale::of(&summary, w) {
        return r.fit(p, x, w, observer);
    }
    let inp = mstep_input(p, &summary);
    let mut best: Option<Run> = None;
    for run in 0..p.n_init {
        let r = run_em(p, x, w, &summary, &inp, run, observer)?;
        keep_better(&mut best, r);
    }
    let best = best.expect("n_init >= 1 is checked");
    let ev = Evaluator::new(&best.params, &best.factored, &summary.shift);
    let e = evaluate(x, w, &ev);
    Ok(finish(p, best, summary, e))
}

/// The M-step's fixed input for the data summarised by `summary`.
pub(crate) fn mstep_input<'a, T: Float>(p: &GmmParams<T>, summary: &'a Summary) -> MStepInput<'a> {
    MStepInput {
        kind: p.covariance,
        d: summary.shift.len(),
        // Relative to the data's scale (see `GmmParams::reg_covar`).
        reg_covar: p.reg_covar * summary.scale,
        nk_eps: 10.0 * T::epsilon().as_f64(),
        shift: &summary.shift,
        scatter: &summary.scatter,
    }
}

/// Keeps the better of `best` and `r` (the higher lower bound; the earlier on ties).
pub(crate) fn keep_better(best: &mut Option<Run>, r: Run) {
    if best.as_ref().is_none_or(|b| r.lower_bound > b.lower_bound) {
        *best = Some(r);
    }
}

/// The model of the chosen run `best` and its final evaluation `e` (the labels of
/// `e`, empty for a stream, become the model's).
pub(crate) fn finish<T: Float>(
    p: &GmmParams<T>,
    best: Run,
    summary: Summary,
    e: Evaluation,
) -> GmmModel {
    let (k, d) = (p.k, summary.shift.len());
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
        constant_columns: summary.constant_columns,
        underflow_rows: e.underflow,
    };
    let mean_ll = e.loglik / n_eff;
    GmmModel {
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
    }
}

/// Full and tied covariances need more rows than columns: with `n ≤ d` every covariance
/// estimate is singular (rank < d) and would rest on `reg_covar` alone, while costing
/// `k·d²` memory and `d³` work per component and iteration. (Checked by `summarize`
/// once the data are known to be finite, before its `d × d` pass.)
pub(crate) fn check_shape(kind: CovarianceType, n: usize, d: usize) -> Result<()> {
    if matches!(kind, CovarianceType::Full | CovarianceType::Tied) && n <= d {
        return Err(Error::param(
            "covariance",
            format!(
                "{kind} covariances need more rows than columns (n = {n}, d = {d}): every \
                 covariance would be singular; use diag or spherical, or reduce the dimension"
            ),
        ));
    }
    Ok(())
}

/// Range `[2^lo, 2^hi]` of the data's largest magnitude that EM's `f64` arithmetic takes
/// as it is (variances and their inverses stay far from overflow and underflow).
const SAFE_EXP: (i32, i32) = (-200, 200);

/// Whether data whose largest magnitude is `amax` are fitted rescaled (see [`Rescale`]).
pub(crate) fn needs_rescale(amax: f64) -> bool {
    crate::scale::exponent_outside(amax, SAFE_EXP.0, SAFE_EXP.1).is_some()
}

/// The power-of-two rescaling ([`crate::scale`]) of data (`x · 2^e`) and weights
/// (`w · 2^ew`) whose magnitude EM's arithmetic cannot take; the model of the scaled
/// problem is mapped back to the data's units.
struct Rescale {
    e: i32,
    ew: i32,
    /// The data's largest magnitude (for the message when the model cannot be mapped
    /// back).
    amax: f64,
}

impl Rescale {
    fn of<T: Float>(summary: &Summary, w: Option<&[T]>) -> Option<Self> {
        let e = crate::scale::exponent_outside(summary.amax, SAFE_EXP.0, SAFE_EXP.1);
        // Sample weights: `N_k` gets `10·ε` added (as scikit-learn), which only makes
        // sense for weights of ordinary size.
        let wmax = w.map_or(1.0, crate::scale::max_abs);
        let ew = crate::scale::exponent_outside(wmax, -60, 60);
        (e.is_some() || ew.is_some()).then(|| Rescale {
            e: e.unwrap_or(0),
            ew: ew.unwrap_or(0),
            amax: summary.amax,
        })
    }

    fn fit<T: Float>(
        &self,
        p: &GmmParams<T>,
        x: MatRef<'_, T>,
        w: Option<&[T]>,
        observer: &mut dyn FnMut(&EmIterationInfo),
    ) -> Result<GmmModel> {
        use crate::scale::{ldexp, scaled, scaled_slice};
        let d = x.n_cols();
        let xs = scaled(x, self.e);
        let ws = w.map(|w| scaled_slice(w, self.ew));
        let mut ps = p.clone();
        if let GmmInit::Parameters(q) = &mut ps.init {
            scale_parameters(q, self.e);
        }
        // ln p(x) = ln p'(x·2^e) + e·d·ln 2 (the Jacobian of the scaling).
        let jac = self.e as f64 * d as f64 * std::f64::consts::LN_2;
        let mut m = fit(&ps, xs.view(), ws.as_deref(), &mut |info| {
            observer(&EmIterationInfo {
                lower_bound: info.lower_bound + jac,
                ..info.clone()
            })
        })?;
        scale_parameters(&mut m.params, -self.e);
        scale_precision(&mut m.precision_cholesky, self.e);
        m.data_mean.iter_mut().for_each(|v| *v = ldexp(*v, -self.e));
        for ev in &mut m.diagnostics.regularized {
            ev.added = ldexp(ev.added, -2 * self.e);
        }
        let entropy = ldexp(0.5 * (m.bic - m.icl), -self.ew);
        m.n_samples = ldexp(m.n_samples, -self.ew);
        m.log_likelihood = ldexp(m.log_likelihood, -self.ew) + m.n_samples * jac;
        m.mean_log_likelihood += jac;
        m.lower_bound += jac;
        let n_params = m.n_parameters() as f64;
        m.bic = -2.0 * m.log_likelihood + n_params * m.n_samples.ln();
        m.aic = -2.0 * m.log_likelihood + 2.0 * n_params;
        m.icl = m.bic - 2.0 * entropy;
        if !representable(&m) {
            return Err(Error::data(format!(
                "values up to {:e} are too large (or too small) for a Gaussian mixture: its \
                 covariances would overflow (or underflow) f64; divide (or multiply) the \
                 data by a constant",
                self.amax
            )));
        }
        Ok(m)
    }
}

/// Means × `2^e`, covariances × `2^2e`.
fn scale_parameters(q: &mut GmmParameters, e: i32) {
    use crate::scale::ldexp;
    q.means
        .as_mut_slice()
        .iter_mut()
        .for_each(|v| *v = ldexp(*v, e));
    let sq = |v: &mut f64| *v = ldexp(*v, 2 * e);
    match &mut q.covariances {
        Covariances::Full(cs) => cs
            .iter_mut()
            .for_each(|c| c.as_mut_slice().iter_mut().for_each(sq)),
        Covariances::Tied(c) | Covariances::Diag(c) => c.as_mut_slice().iter_mut().for_each(sq),
        Covariances::Spherical(v) => v.iter_mut().for_each(sq),
    }
}

/// Precision Cholesky factors × `2^e` (they scale as `1/σ`).
fn scale_precision(u: &mut PrecisionCholesky, e: i32) {
    let f = |v: &mut f64| *v = crate::scale::ldexp(*v, e);
    match u {
        PrecisionCholesky::Full(us) => us
            .iter_mut()
            .for_each(|m| m.as_mut_slice().iter_mut().for_each(f)),
        PrecisionCholesky::Tied(m) | PrecisionCholesky::Diag(m) => {
            m.as_mut_slice().iter_mut().for_each(f)
        }
        PrecisionCholesky::Spherical(v) => v.iter_mut().for_each(f),
    }
}

/// Whether every parameter of `m` is finite, and every variance and precision factor
/// on a diagonal is positive (nothing over- or underflowed when mapped back).
fn representable(m: &GmmModel) -> bool {
    let fin = |v: &[f64]| v.iter().all(|x| x.is_finite());
    let diag_pos = |a: &Mat<f64>| (0..a.n_rows()).all(|j| a.row(j)[j] > 0.0);
    let covs = match &m.params.covariances {
        Covariances::Full(cs) => cs.iter().all(|c| fin(c.as_slice()) && diag_pos(c)),
        Covariances::Tied(c) => fin(c.as_slice()) && diag_pos(c),
        Covariances::Diag(c) => fin(c.as_slice()) && c.as_slice().iter().all(|v| *v > 0.0),
        Covariances::Spherical(v) => fin(v) && v.iter().all(|v| *v > 0.0),
    };
    let precs = match &m.precision_cholesky {
        PrecisionCholesky::Full(us) => us.iter().all(|u| fin(u.as_slice()) && diag_pos(u)),
        PrecisionCholesky::Tied(u) => fin(u.as_slice()) && diag_pos(u),
        PrecisionCholesky::Diag(u) => fin(u.as_slice()) && u.as_slice().iter().all(|v| *v > 0.0),
        PrecisionCholesky::Spherical(v) => fin(v) && v.iter().all(|v| *v > 0.0),
    };
    covs && precs && fin(m.params.means.as_slice()) && fin(&m.data_mean) && m.bic.is_finite()
}
