//! Step 2–3 for many clusters: when the one-k-at-a-time sweep reaches its cap ⌊√m⌋
//! before the patience rule confirms the best k, the number of components is searched
//! on a larger fit sample with O(log k) mixture fits instead of O(k).
//!
//! Proposals come from one **bisecting k-means tree** on the fit sample (the cluster with
//! the largest SSE is split along its principal axis by a local 2-means, as in the
//! nested path, but without a global Lloyd after every split): one tree yields a
//! partition for every k up to the cap at the cost of `O(m·d·log k)` splits. A candidate
//! k takes the tree's `k` leaves, a bounded global Lloyd, on a grown sample the swap
//! repair of [`super::repair`] (the tree leaves two centres in some clusters and one
//! across others), then EM and BIC as in
//! [`super::select`]. The k search walks up geometrically (×[`MANY_STEP`]) from the
//! best k of the first sweep while BIC improves (plus [`MANY_PATIENCE`] steps), then
//! narrows the bracket around the best by golden-section steps on the integers; every
//! evaluated k is kept in the BIC path. Bisecting k-means: M. Steinbach, G. Karypis,
//! V. Kumar, *A comparison of document clustering techniques*, KDD Workshop on Text
//! Mining, 2000; golden-section search: J. Kiefer, *Sequential minimax search for a
//! maximum*, Proc. AMS 4(3), 1953, doi:10.1090/S0002-9939-1953-0055639-3.

use super::params::PppParams;
use super::path::{gather, lloyd, mean_rows, principal_halves};
use super::repair::repair;
use super::result::{BicPathEntry, PppProgress, PppStage};
use super::select::{fit_mixture, EmFit, FitData, Sweep};
use crate::error::Result;
use crate::gmm::CovarianceType;
use crate::matrix::Mat;
use std::collections::BTreeMap;

/// A component needs at least this many fit points: the cap of the many-cluster search
/// is `m / MANY_MIN_POINTS` components (instead of ⌊√m⌋). A spherical Gaussian in the
/// dimensions of interest (2–32) is estimated to a few per cent from 25 points.
pub const MANY_MIN_POINTS: usize = 25;

/// The fit sample grows (×[`super::SAMPLE_GROWTH`]) until it holds this many points per
/// selected component, or all rows, or [`MANY_SAMPLE_MAX`] rows.
pub const MANY_GROW_POINTS: usize = 100;

/// Largest fit sample of the many-cluster search (2^18 rows: ≥ 100 points for each of
/// 2,600 components), which bounds its cost on huge inputs.
pub const MANY_SAMPLE_MAX: usize = 1 << 18;

/// Ratio between the k of two consecutive steps of the geometric walk.
pub const MANY_STEP: f64 = 1.5;

/// Steps of the geometric walk past the last improvement of BIC.
pub const MANY_PATIENCE: usize = 2;

/// Global Lloyd iterations after the tree's leaves are taken (the leaves are already
/// local 2-means optima; the global pass only repairs boundaries between branches).
pub const MANY_LLOYD_ITER: usize = 10;

/// The bisecting tree: the split history (cluster split, then its two new centres: the
/// first keeps the index, the second is appended).
pub(crate) struct Bisection {
    root: Vec<f64>,
    splits: Vec<(usize, Vec<f64>, Vec<f64>)>,
    members: Vec<Vec<usize>>,
    sse: Vec<f64>,
    max_iter: usize,
}

pub(crate) fn sse_of(x: &Mat<f64>, rows: &[usize], c: &[f64]) -> f64 {
    rows.iter()
        .map(|&i| {
            x.row(i)
                .iter()
                .zip(c)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
        })
        .sum()
}

/// A centre and its member rows.
pub(crate) type Part = (Vec<f64>, Vec<usize>);

/// The rows `rows` of `x` split in two by a local 2-means started from the halves on
/// either side of their principal axis; `None` when one side is empty.
pub(crate) fn split2(
    x: &Mat<f64>,
    rows: &[usize],
    max_iter: usize,
) -> Result<Option<(Part, Part)>> {
    let xc = gather(x, rows);
    let Some(start) = principal_halves(&xc) else {
        return Ok(None);
    };
    let (c2, lab) = lloyd(&xc, start, max_iter)?;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (t, &i) in rows.iter().enumerate() {
        if lab[t] == 0 {
            a.push(i);
        } else {
            b.push(i);
        }
    }
    if a.is_empty() || b.is_empty() {
        return Ok(None);
    }
    Ok(Some(((c2.row(0).to_vec(), a), (c2.row(1).to_vec(), b))))
}

impl Bisection {
    /// The root (k = 1) of the tree on `x`; leaves are split on demand.
    pub fn new(x: &Mat<f64>, max_iter: usize) -> Self {
        let all: Vec<usize> = (0..x.n_rows()).collect();
        let root = mean_rows(x, &all);
        let sse = vec![sse_of(x, &all, &root)];
        Bisection {
            root,
            splits: Vec::new(),
            members: vec![all],
            sse,
            max_iter,
        }
    }

    /// Splits until the tree has `k` leaves or no leaf can be split; returns the number
    /// of leaves.
    pub fn grow_to(&mut self, x: &Mat<f64>, k: usize) -> Result<usize> {
        let (members, sse) = (&mut self.members, &mut self.sse);
        while members.len() < k {
            // Largest SSE first (ties: lowest index); unsplittable leaves have SSE −1.
            let mut j = 0;
            for c in 1..sse.len() {
                if sse[c] > sse[j] {
                    j = c;
                }
            }
            if sse[j] <= 0.0 || members[j].len() < 2 {
                break;
            }
            let Some(((ca, a), (cb, b))) = split2(x, &members[j], self.max_iter)? else {
                sse[j] = -1.0;
                continue;
            };
            sse[j] = sse_of(x, &a, &ca);
            sse.push(sse_of(x, &b, &cb));
            members[j] = a;
            members.push(b);
            self.splits.push((j, ca, cb));
        }
        Ok(members.len())
    }

    /// The `k` leaf centres after `k − 1` splits.
    pub fn centres(&self, k: usize) -> Mat<f64> {
        let d = self.root.len();
        let mut c: Vec<Vec<f64>> = vec![self.root.clone()];
        for (j, a, b) in &self.splits[..k - 1] {
            c[*j] = a.clone();
            c.push(b.clone());
        }
        Mat::from_vec(c.concat(), k, d).expect("sizes match")
    }
}

/// Whether full covariances are worth fitting with `k` components on `m` rows: each
/// component must have at least as many points as parameters (else BIC cannot prefer
/// them and their `m·k·d²` cost is wasted).
fn full_affordable(m: usize, k: usize, d: usize) -> bool {
    m >= k * (d * (d + 3) / 2 + 1)
}

type Best = Option<(f64, usize, EmFit)>;

/// The state of one many-cluster search: the tree, the BIC of every evaluated k and
/// the records that go into [`Sweep`].
struct Search<'a, 'b> {
    fd: &'a FitData<'b>,
    p: &'a PppParams,
    tree: Bisection,
    bics: BTreeMap<usize, f64>,
    best: Best,
    rows: Vec<BicPathEntry>,
    regs: Vec<(usize, CovarianceType)>,
    nconv: Vec<(usize, CovarianceType)>,
    full_skipped: bool,
    /// Best BIC of each covariance type so far, and whether the last new evaluation
    /// improved one of them.
    type_best: Vec<f64>,
    improved: bool,
    /// Whether the search runs on a grown sample: then the ridge shrinks with k
    /// ([`ridge_factor`]) and every candidate's partition gets the swap repair.
    grown: bool,
}

/// The ridge of a k-component fit in the many-cluster search, as a fraction of the fit
/// sample's: `k^(−2/d)` (at most 1), the share of each feature's variance left to one
/// component when k components tile the data. A ridge of `EPS_REG` × the whole sample's
/// variance is negligible for a few clusters, but 1,000 unit clusters spread over
/// `[−316, 316]²` have unit variance where the ridge adds 33: BIC then sees overlapping
/// blobs and stops far below 1,000.
pub(crate) fn ridge_factor(k: usize, d: usize) -> f64 {
    (k.max(1) as f64).powf(-2.0 / d.max(1) as f64).min(1.0)
}

impl<'a, 'b> Search<'a, 'b> {
    /// An empty search on the sample of `fd`, and its cap on k:
    /// `max(⌊√m⌋, m / MANY_MIN_POINTS)`.
    fn start(fd: &'a FitData<'b>, p: &'a PppParams, grown: bool) -> (Self, usize) {
        let m = fd.x.n_rows();
        let d = fd.shift.len();
        let k_cap = ((m as f64).sqrt() as usize).max(m / MANY_MIN_POINTS).max(1);
        let s = Search {
            fd,
            p,
            tree: Bisection::new(fd.x, p.lloyd_max_iter),
            bics: BTreeMap::new(),
            best: None,
            rows: Vec::new(),
            regs: Vec::new(),
            nconv: Vec::new(),
            full_skipped: d >= m && p.cov_types.contains(&CovarianceType::Full),
            type_best: vec![f64::INFINITY; p.cov_types.len()],
            improved: false,
            grown,
        };
        (s, k_cap)
    }
}

impl Search<'_, '_> {
    /// Lowest BIC over the covariance types for the tree's `k` leaves (`k` must be
    /// reachable: see [`Bisection::grow_to`]).
    fn eval(&mut self, k: usize, observer: &mut dyn FnMut(&PppProgress)) -> Result<f64> {
        if let Some(&b) = self.bics.get(&k) {
            return Ok(b);
        }
        let p = self.p;
        let (m, d) = (self.fd.x.n_rows(), self.fd.shift.len());
        let f = if self.grown { ridge_factor(k, d) } else { 1.0 };
        let reg: Vec<f64> = self.fd.reg.iter().map(|r| r * f).collect();
        let fd = &FitData {
            x: self.fd.x,
            reg: &reg,
            shift: self.fd.shift,
        };
        p.interrupt.check()?;
        let iters = MANY_LLOYD_ITER.min(p.lloyd_max_iter);
        let (c, labels) = lloyd(fd.x, self.tree.centres(k), iters)?;
        // The swaps serve the tiling of many clusters; on the first sample they also
        // move centres along curved clusters (shapes2d spirals3: k 3 → 5), so they run only
        // where the sample was grown for many clusters.
        let labels = if self.grown {
            repair(fd.x, c, labels, iters, p.lloyd_max_iter)?.1
        } else {
            labels
        };
        let mut low = f64::INFINITY;
        self.improved = false;
        for (ti, &kind) in p.cov_types.iter().enumerate() {
            if kind == CovarianceType::Full && (self.full_skipped || !full_affordable(m, k, d)) {
                continue;
            }
            let Some(fit) = fit_mixture(fd, &labels, k, kind, p) else {
                continue;
            };
            let kk = fit.mixture.params.weights.len();
            let bic = fit.bic(m);
            self.rows.push(BicPathEntry {
                k,
                covariance_type: kind,
                n_components: kk,
                bic,
                log_likelihood: fit.loglik,
                em_iterations: fit.n_iter,
            });
            if fit.regularized {
                self.regs.push((k, kind));
            }
            if !fit.converged {
                self.nconv.push((k, kind));
            }
            low = low.min(bic);
            if bic < self.type_best[ti] {
                self.type_best[ti] = bic;
                self.improved = true;
            }
            if self.best.as_ref().is_none_or(|b| bic < b.0) {
                self.best = Some((bic, k, fit));
            }
        }
        p.interrupt.check()?;
        self.bics.insert(k, low);
        observer(&PppProgress {
            stage: PppStage::Propose,
            k,
            best_k: self.best.as_ref().map_or(0, |b| b.1),
            rows_done: 0,
        });
        Ok(low)
    }
}

/// The many-cluster search on the fit sample of `fd`, from `k_start` (the best k so far)
/// up to the cap `max(⌊√m⌋, m / MANY_MIN_POINTS)`; with `grown` (the sample was grown
/// for many clusters) the ridge of a k-component fit is the sample's × [`ridge_factor`]
/// and each candidate partition gets the swap repair of [`super::repair`].
pub(crate) fn many_sweep(
    fd: &FitData<'_>,
    p: &PppParams,
    k_start: usize,
    grown: bool,
    observer: &mut dyn FnMut(&PppProgress),
) -> Result<Option<Sweep>> {
    let (mut s, k_cap) = Search::start(fd, p, grown);
    // Geometric walk up from k_start (and one step below it, to bracket the best).
    let k0 = s.tree.grow_to(fd.x, k_start.clamp(1, k_cap))?;
    let below = ((k0 as f64 / MANY_STEP).floor() as usize).max(1);
    let mut bb = s.eval(below, observer)?;
    let mut bk = below;
    let b0 = s.eval(k0, observer)?;
    if b0 <= bb {
        (bb, bk) = (b0, k0);
    }
    let (mut k, mut since, mut k_top) = (k0, 0, k0);
    while k == k_top && k < k_cap && since < MANY_PATIENCE {
        let want = ((k as f64 * MANY_STEP).ceil() as usize)
            .max(k + 1)
            .min(k_cap);
        k_top = s.tree.grow_to(fd.x, want)?;
        if k_top <= k {
            break;
        }
        k = k_top;
        let b = s.eval(k, observer)?;
        // Patience per covariance type, as in the one-k-at-a-time sweep: full
        // covariances (affordable at small k only) can lead while spherical ones still
        // descend towards a far better minimum.
        since = if s.improved { 0 } else { since + 1 };
        if b < bb {
            (bb, bk) = (b, k);
        }
    }
    // Golden-section narrowing of the bracket (lo, bk, hi) over the evaluated ks.
    loop {
        let lo = s.bics.range(..bk).next_back().map_or(bk, |(&k, _)| k);
        let hi = s.bics.range(bk + 1..).next().map_or(bk, |(&k, _)| k);
        if bk - lo <= 1 && hi - bk <= 1 {
            break;
        }
        // Probe inside the wider side, 0.382 of its width away from the best.
        let probe = if bk - lo >= hi - bk {
            bk - ((0.382 * (bk - lo) as f64).round() as usize).max(1)
        } else {
            bk + ((0.382 * (hi - bk) as f64).round() as usize).max(1)
        };
        let b = s.eval(probe, observer)?;
        if b < bb {
            (bb, bk) = (b, probe);
        }
    }
    let Some((best_bic, best_k, best)) = s.best else {
        return Ok(None);
    };
    Ok(Some(Sweep {
        best,
        best_k,
        best_bic,
        path: s.rows,
        regularized: s.regs,
        not_converged: s.nconv,
        full_skipped: s.full_skipped,
        at_cap: best_k >= k_cap,
        last_k: s.bics.keys().next_back().copied().unwrap_or(best_k),
        ridge_scale: if s.grown {
            ridge_factor(best_k, fd.shift.len())
        } else {
            1.0
        },
    }))
}

/// After the one-k-at-a-time sweep stopped by patience at `last_k` (best BIC `best_bic`):
/// probes the tree's partitions at `last_k · MANY_STEP^j` up to the cap
/// `m / MANY_MIN_POINTS` and returns the first probed k whose BIC beats `best_bic` (with
/// `to_cap`: every probe up to the cap, and the best of those that beat it — fine structure,
/// [`super::FINE_EXCESS`], where partitions of blocks of clusters can beat the smooth fit
/// slightly long before k reaches the clusters' number).
/// Many clusters on a lattice or at random positions look like one smooth density until
/// k approaches their number: BIC has a plateau far longer than any patience there
/// (150 unit Gaussians 20 sd apart on a grid: the sweep stops at k ≈ 34).
pub(crate) fn escape(
    fd: &FitData<'_>,
    p: &PppParams,
    last_k: usize,
    best_bic: f64,
    to_cap: bool,
    observer: &mut dyn FnMut(&PppProgress),
) -> Result<Option<usize>> {
    let (mut s, k_cap) = Search::start(fd, p, false);
    let mut k = last_k;
    let mut best: Option<(f64, usize)> = None;
    while k < k_cap {
        let want = ((k as f64 * MANY_STEP).ceil() as usize)
            .max(k + 1)
            .min(k_cap);
        let got = s.tree.grow_to(fd.x, want)?;
        if got <= k {
            break;
        }
        k = got;
        let b = s.eval(k, observer)?;
        if b < best_bic && best.is_none_or(|(bb, _)| b < bb) {
            if !to_cap {
                return Ok(Some(k));
            }
            best = Some((b, k));
        }
    }
    Ok(best.map(|(_, k)| k))
}
