//! Step 3: validate each k-means proposal with a Gaussian mixture (EM from the
//! partition) and select the (k, covariance type) with the lowest BIC.
//!
//! The E-step (`ln w_j + ln N(x | μ_j, Σ_j)` through precision Cholesky factors, one
//! GEMM per block) and the M-step sufficient statistics are the kernels of
//! [`crate::gmm`]; what differs from `gmm`'s defaults is done here: the per-feature
//! ridge `EPS_REG · var_j`, weights `N_j / m`, components of mass ≤ 1 dropped, the
//! M-step first (from the one-hot partition) and the tolerance per point.

use super::params::{PppParams, FIT_CHUNK_ROWS};
use super::path::KMeansPath;
use super::result::{BicPathEntry, PppMixture, PppProgress, PppStage};
use crate::error::Result;
use crate::gmm::covariance::{factor, CovarianceType, Covariances, Factored, GmmParameters};
use crate::gmm::em_chunk_stats;
use crate::gmm::estep::{Evaluator, BLOCK_ROWS};
use crate::gmm::mstep::{update, MStepInput, Stats};
use crate::matrix::Mat;
use crate::parallel::map_reduce_chunks_sized;

/// What EM needs about the fit sample.
pub(crate) struct FitData<'a> {
    /// The fit sample, `m × d`.
    pub x: &'a Mat<f64>,
    /// Per-feature ridge.
    pub reg: &'a [f64],
    /// Column means (the centring shift of all statistics).
    pub shift: &'a [f64],
}

impl FitData<'_> {
    fn scale(&self, eps_reg: f64) -> f64 {
        self.reg.iter().sum::<f64>() / (self.reg.len() as f64 * eps_reg)
    }
}

/// Centred `f64` copy of rows `start..start+b` into `dt`, transposed (`d × b`).
fn load_block(x: &Mat<f64>, shift: &[f64], start: usize, b: usize, dt: &mut Vec<f64>) {
    let d = shift.len();
    dt.clear();
    dt.resize(d * b, 0.0);
    for i in 0..b {
        for (j, (v, s)) in x.row(start + i).iter().zip(shift).enumerate() {
            dt[j * b + i] = v - s;
        }
    }
}

/// Sufficient statistics of the one-hot partition `labels` (`k` clusters).
fn partition_stats(fd: &FitData<'_>, kind: CovarianceType, labels: &[usize], k: usize) -> Stats {
    let d = fd.shift.len();
    map_reduce_chunks_sized(
        fd.x.n_rows(),
        FIT_CHUNK_ROWS,
        Stats::zeros(kind, k, d),
        |r| {
            let (mut st, mut dblk, mut resp, mut tmp) =
                (Stats::zeros(kind, k, d), vec![], vec![], vec![]);
            let mut start = r.start;
            while start < r.end {
                let b = BLOCK_ROWS.min(r.end - start);
                load_block(fd.x, fd.shift, start, b, &mut dblk);
                resp.clear();
                resp.resize(k * b, 0.0);
                for i in 0..b {
                    resp[labels[start + i] * b + i] = 1.0;
                }
                st.accumulate(kind, &dblk, &resp, b, d, &mut tmp);
                start += b;
            }
            st
        },
        |a, b| a.merge(b),
    )
}

/// One E-step under `ev` fused with the next M-step's statistics (loglik included).
fn em_pass(fd: &FitData<'_>, ev: &Evaluator) -> Stats {
    // (An underflowed row adds nothing to the log-likelihood.)
    map_reduce_chunks_sized(
        fd.x.n_rows(),
        FIT_CHUNK_ROWS,
        Stats::zeros(ev.kind, ev.k, ev.d),
        |r| em_chunk_stats(fd.x.view(), None, ev, r, 0.0),
        |a, b| a.merge(b),
    )
}

/// Keeps the components whose mass `N_j` exceeds one point.
fn drop_light(st: Stats, kind: CovarianceType, d: usize) -> Stats {
    let keep: Vec<usize> = (0..st.nk.len()).filter(|&c| st.nk[c] > 1.0).collect();
    if keep.len() == st.nk.len() {
        return st;
    }
    let mut out = Stats::zeros(kind, keep.len(), d);
    out.loglik = st.loglik;
    out.underflow = st.underflow;
    for (n, &c) in keep.iter().enumerate() {
        out.nk[n] = st.nk[c];
        out.s1[n * d..(n + 1) * d].copy_from_slice(&st.s1[c * d..(c + 1) * d]);
        match kind {
            CovarianceType::Full => {
                let dd = d * d;
                out.s2[n * dd..(n + 1) * dd].copy_from_slice(&st.s2[c * dd..(c + 1) * dd]);
            }
            _ => out.s2[n * d..(n + 1) * d].copy_from_slice(&st.s2[c * d..(c + 1) * d]),
        }
    }
    out
}

/// M-step with the per-feature ridge; weights `N_j / m`. Returns the parameters, their
/// factors, and whether a covariance needed more than the ridge.
fn m_step(
    fd: &FitData<'_>,
    st: &Stats,
    kind: CovarianceType,
    eps_reg: f64,
) -> (GmmParameters, Factored) {
    let d = fd.shift.len();
    let m = fd.x.n_rows() as f64;
    let inp = MStepInput {
        kind,
        d,
        reg_covar: 0.0,
        nk_eps: 0.0,
        shift: fd.shift,
        scatter: &[],
    };
    let mut p = update(st, &inp);
    p.weights = st.nk.iter().map(|v| v / m).collect();
    match &mut p.covariances {
        Covariances::Full(covs) => {
            for c in covs.iter_mut() {
                for (j, r) in fd.reg.iter().enumerate() {
                    c.row_mut(j)[j] += r;
                }
            }
        }
        Covariances::Spherical(v) => {
            let mean_reg = fd.reg.iter().sum::<f64>() / d as f64;
            v.iter_mut().for_each(|s| *s += mean_reg);
        }
        _ => unreachable!("only full and spherical are accepted by PppParams::check"),
    }
    let f = factor(&mut p.covariances, d, fd.scale(eps_reg));
    (p, f)
}

/// A fitted mixture with its total log-likelihood on the fit sample.
pub(crate) struct EmFit {
    pub mixture: PppMixture,
    pub loglik: f64,
    pub n_iter: usize,
    pub converged: bool,
    /// A covariance needed regularisation beyond the ridge.
    pub regularized: bool,
}

impl EmFit {
    /// BIC on the `m` fit rows: `−2 ln L + p ln m`.
    pub fn bic(&self, m: usize) -> f64 {
        let (kk, d) = (self.mixture.params.weights.len(), self.mixture.shift.len());
        -2.0 * self.loglik
            + self.mixture.covariance_type.n_parameters(kk, d) as f64 * (m as f64).ln()
    }
}

/// EM from the hard partition `labels` (`k` clusters; empty ones are dropped).
pub(crate) fn fit_mixture(
    fd: &FitData<'_>,
    labels: &[usize],
    k: usize,
    kind: CovarianceType,
    p: &PppParams,
) -> Option<EmFit> {
    let d = fd.shift.len();
    let m = fd.x.n_rows() as f64;
    let mut st = partition_stats(fd, kind, labels, k);
    let mut prev = f64::NEG_INFINITY;
    let mut last = None;
    let mut regularized = false;
    for it in 0..p.em_max_iter {
        if p.interrupt.is_triggered() {
            break; // `sweep` reports it
        }
        st = drop_light(st, kind, d);
        if st.nk.is_empty() {
            return None;
        }
        let (params, f) = m_step(fd, &st, kind, p.eps_reg);
        regularized |= !f.fixes.is_empty();
        let ev = Evaluator::new(&params, &f, fd.shift);
        let next = em_pass(fd, &ev);
        let tot = next.loglik;
        let mixture = PppMixture {
            covariance_type: kind,
            params,
            precision_cholesky: f.chol,
            shift: fd.shift.to_vec(),
        };
        let done = it > 0 && tot - prev < p.em_tol * m;
        last = Some(EmFit {
            mixture,
            loglik: tot,
            n_iter: it + 1,
            converged: done,
            regularized,
        });
        if done {
            break;
        }
        prev = tot;
        st = next;
    }
    last
}

/// The selected mixture and the whole BIC path.
pub(crate) struct Sweep {
    pub best: EmFit,
    pub best_k: usize,
    pub best_bic: f64,
    pub path: Vec<BicPathEntry>,
    /// Proposals whose EM needed extra regularisation: `(k, type)`.
    pub regularized: Vec<(usize, CovarianceType)>,
    /// Proposals whose EM hit the iteration limit: `(k, type)`.
    pub not_converged: Vec<(usize, CovarianceType)>,
    /// Full covariances were skipped (`d ≥ m`, see `PppDiagnostics`).
    pub full_skipped: bool,
    /// The path reached `k_cap` before the patience rule confirmed the best k: the
    /// selection presses against the cap.
    pub at_cap: bool,
    /// The largest k fitted.
    pub last_k: usize,
    /// The selected fit's ridge as a fraction of the sample's (below 1 only in the
    /// many-cluster search on a grown sample, [`super::many::ridge_factor`]).
    pub ridge_scale: f64,
}

/// Steps 2–3: walk the k-means path, fit each proposal with `k ≥ k_lo`, keep the lowest
/// BIC; stop after `patience` fitted k in which no covariance type improved its own
/// best BIC, or at `k_cap`.
pub(crate) fn sweep(
    fd: &FitData<'_>,
    p: &PppParams,
    k_lo: usize,
    observer: &mut dyn FnMut(&PppProgress),
) -> Result<Option<Sweep>> {
    let m = fd.x.n_rows();
    let d = fd.shift.len();
    let k_cap = p
        .k_cap
        .unwrap_or(((m as f64).sqrt().floor() as usize).max(1));
    let mut path = KMeansPath::new(fd.x, k_cap, p.lloyd_max_iter);
    let mut best: Option<(f64, usize, EmFit)> = None;
    let (mut since, mut rows, mut regs, mut nconv) = (0, Vec::new(), Vec::new(), Vec::new());
    // With no more fit rows than columns every full covariance is singular (rank < d)
    // and its statistics cost k·d² per chunk: such candidates are not fitted.
    let full_skipped = d >= m && p.cov_types.contains(&CovarianceType::Full);
    let mut patience_stop = false;
    let mut last_k = 0;
    // The best BIC of each covariance type: the sweep goes on while any type improves
    // its own best (a type far behind at small k, e.g. spherical against full with
    // few, elongated groups, can still win at larger k).
    let mut type_best = vec![f64::INFINITY; p.cov_types.len()];
    while let Some((k, labels)) = path.next_partition()? {
        p.interrupt.check()?;
        last_k = k;
        if k < k_lo {
            continue;
        }
        let mut improved = false;
        for (ti, &kind) in p.cov_types.iter().enumerate() {
            if full_skipped && kind == CovarianceType::Full {
                continue;
            }
            let Some(fit) = fit_mixture(fd, labels, k, kind, p) else {
                continue;
            };
            let kk = fit.mixture.params.weights.len();
            let bic = fit.bic(m);
            rows.push(BicPathEntry {
                k,
                covariance_type: kind,
                n_components: kk,
                bic,
                log_likelihood: fit.loglik,
                em_iterations: fit.n_iter,
            });
            if fit.regularized {
                regs.push((k, kind));
            }
            if !fit.converged {
                nconv.push((k, kind));
            }
            if bic < type_best[ti] {
                type_best[ti] = bic;
                improved = true;
            }
            if best.as_ref().is_none_or(|b| bic < b.0) {
                best = Some((bic, k, fit));
                improved = true;
            }
        }
        p.interrupt.check()?;
        since = if improved { 0 } else { since + 1 };
        observer(&PppProgress {
            stage: PppStage::Propose,
            k,
            best_k: best.as_ref().map_or(0, |b| b.1),
            rows_done: 0,
        });
        if since >= p.patience {
            patience_stop = true;
            break;
        }
    }
    if best.is_none() && k_lo > 1 {
        // The path ended before `k_lo` (a grown sample; the caller keeps the last sweep).
        return Ok(None);
    }
    let (best_bic, best_k, best) = best.ok_or_else(|| {
        if full_skipped {
            crate::Error::param(
                "cov_types",
                format!(
                    "full covariances need more fit rows than columns (m = {m}, d = {d}); \
                     add the spherical type"
                ),
            )
        } else {
            crate::Error::data("no mixture could be fitted")
        }
    })?;
    Ok(Some(Sweep {
        best,
        best_k,
        best_bic,
        path: rows,
        regularized: regs,
        not_converged: nconv,
        full_skipped,
        at_cap: !patience_stop && last_k >= k_cap,
        last_k,
        ridge_scale: 1.0,
    }))
}
