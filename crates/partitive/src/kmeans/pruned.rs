//! The pruned Lloyd step with Hamerly's bounds (G. Hamerly, *Making k-means even
//! faster*, SIAM SDM 2010, doi:10.1137/1.9781611972801.12), with exact incremental sums.
//!
//! Every row keeps an upper bound `u` on the (true, Euclidean — the triangle inequality
//! needs the metric, not its square) distance to its assigned center and a lower bound
//! `l` on the distance to every other center. After the centers move by `p_j`, `u += p_a`
//! and — where Hamerly lowers `l` by `max_j p_j` — `l` drops to `min(l − P_a, Q_a)`, with
//! `P_a` the largest move among the centers near the row's cluster and `Q_a` a bound
//! through the center–center distances for the far ones ([`ClusterDrop`]): when a few
//! centers move far, only the clusters near them lose their bounds. A row keeps its label
//! without any distance computation when `max(l, s_a − u)`, with `s_a` the distance from
//! `c_a` to its nearest other center, exceeds `u` by a safe margin. The bounds are stored
//! as `f32` (8 bytes per row), rounded outwards: `u` relative to the cumulative moves
//! ([`CenterDrift`]), `l` rewritten by every step's screen (one pass over the bounds, four rows
//! per instruction, `super::screen`). Rows the bounds fail get `u` tightened with the
//! exact distance when measurements say it pays ([`TIGHTEN`]), and the rest are
//! evaluated in place by the fused kernel against every center (rows prefetched ahead);
//! their new bounds need `‖x‖²`, kept per row by the data check as an `f32` rounded up
//! (4 bytes per row, [`Data::with_norms`]) so that no step reads the row again for it.
//! When a pilot predicts that the first update will move the centers too far for the
//! bounds to prove many rows, the first step is a plain Lloyd step instead, and the
//! second sets the bounds ([`first_bounds_pay`]).
//!
//! # Exactly Lloyd's labels
//! Lloyd compares the GEMM-form values `d̃_j = fl(‖c_j‖² − 2x·c_j)`, which differ from the
//! true `‖x − c_j‖² − ‖x‖²` by at most `E = η (‖x‖ + max_j ‖c_j‖)²` with
//! `η = 4 (d + 4) ε` (ε the unit roundoff of `T`; the bound of a length-`d` FMA chain is
//! `≈ d ε Σ|x_l c_l|`, doubled for safety); we use the largest row norm for `‖x‖`. A row
//! is skipped only when `lo² − u² > 2E`, which implies `d̃_a < d̃_j` strictly for every
//! `j ≠ a`: Lloyd's argmin is `a`. Rows not skipped are evaluated with the very same
//! kernel as Lloyd (the kernel's value for a row–center pair does not depend on the other
//! rows of its tile), and the cluster sums are exact integers updated by the rows that
//! changed label ([`super::sums`]), so iterations are bitwise identical to Lloyd's.
//! Bounds derived from kernel values are widened by `2E`; bounds in `f64` are widened by
//! a relative `4 (d + 4) ε_f64`, and every stored bound by a relative `2^−20`.

use super::bounds::{down, f64_slack, proven, up, Bound, UNKNOWN};
use super::data::{sq_dist, sq_norm, Data};
use super::kernel::{nearest_rows, prefetch, Nearest, Packed};
use super::lloyd::lloyd_step;
use super::screen::Screen;
use super::sums::StepStats;
use crate::float::Float;
use crate::matrix::Mat;
use crate::parallel::{chunk_slices, fold_chunks_with, par_vec};
use crate::simd::{dispatch_upto, Kernel, Level, Simd};
use std::ops::Range;

/// The error bound `E` of the kernel values for rows of squared norm ≤ `xmax2` against
/// `centers` (module docs).
pub(crate) fn kernel_error<T: Float>(xmax2: f64, centers: &Mat<T>) -> f64 {
    let d = centers.n_cols();
    let slack = f64_slack(d);
    let cmax2 = (0..centers.n_rows())
        .map(|j| sq_norm(centers.row(j)))
        .fold(0.0, f64::max)
        * (1.0 + slack);
    let eta = 4.0 * (d as f64 + 4.0) * T::epsilon().as_f64() / 2.0;
    2.0 * eta * (xmax2 * (1.0 + slack) + cmax2) * (1.0 + 1e-6)
}

/// A kept norm `c = up(v)` satisfies `c · NORM_LOW ≤ v ≤ c`: [`up`] adds `2^−20`
/// relative and the `f32` rounding at most `2^−24`, so `v ≥ c / (1 + 2^−19)`.
const NORM_LOW: f64 = 1.0 - 1.0 / 524288.0;

/// How many listed rows ahead the exact distances prefetch.
pub(crate) const PREFETCH: usize = 24;

/// How far each center moved since the start of the run (`f64`, widened), and what the
/// lower bounds need of the last update.
#[derive(Debug, Clone)]
pub(crate) struct CenterDrift {
    center: Vec<f64>,
    /// The moves of the last update (widened; empty before the first).
    moves: Vec<f64>,
    /// The centers before the last update (`k × d`, in `f64`: exact).
    old: Vec<f64>,
}

impl CenterDrift {
    /// No move yet (`k` centers).
    pub(crate) fn zero(k: usize) -> Self {
        CenterDrift {
            center: vec![0.0; k],
            moves: Vec::new(),
            old: Vec::new(),
        }
    }

    /// Adds the moves from `old` to `new` centers (true distances, widened).
    pub(crate) fn add<T: Float>(&mut self, old: &Mat<T>, new: &Mat<T>) {
        let (k, d) = (old.n_rows(), old.n_cols());
        let grow = 1.0 + f64_slack(d);
        self.moves = (0..k)
            .map(|j| sq_dist(old.row(j), new.row(j)).sqrt() * grow)
            .collect();
        for (c, &p) in self.center.iter_mut().zip(&self.moves) {
            *c += p;
        }
        self.old = old.as_slice().iter().map(|v| v.as_f64()).collect();
    }
}

/// How much each cluster's lower bounds drop in a step (per-cluster drift bounds).
///
/// For a row of cluster `a` whose distance to `c_a` was at most the cluster's radius `R_a`
/// before the update, and whose lower bound then was `l`, every other center `j` now is
/// at distance `≥ max(l, D_aj − R_a) − p_j` (`D_aj` the distance between the centers
/// before the update, `p_j` the move of `c_j`). Splitting the centers into the near ones
/// (`D_aj − R_a − p_j ≤ R_a`) and the far ones gives `l' ≥ min(l − P_a, Q_a)` with `P_a`
/// the largest move of a near center and `Q_a > R_a` the smallest `D_aj − R_a − p_j` of a
/// far one: a bound that only the moves of the centers near a cluster lower, where
/// Hamerly's drops by the largest move of all.
pub(crate) struct ClusterDrop {
    /// `P_a`.
    pub(crate) near: Vec<f64>,
    /// `Q_a` (`+∞` without far centers).
    pub(crate) far: Vec<f64>,
}

impl ClusterDrop {
    /// No drop (before the first update).
    fn none(k: usize) -> Self {
        ClusterDrop {
            near: vec![0.0; k],
            far: vec![f64::INFINITY; k],
        }
    }

    /// The drops of the last update, from the clusters' radii before it (`radius[a]`,
    /// `+∞` when unknown).
    fn new(drift: &CenterDrift, radius: &[f64]) -> Self {
        let k = drift.center.len();
        if drift.moves.is_empty() {
            return Self::none(k);
        }
        let mut near = vec![0.0f64; k];
        let mut far = vec![f64::INFINITY; k];
        let d = drift.old.len() / k;
        let narrow = 1.0 - f64_slack(d);
        let c = |j: usize| &drift.old[j * d..(j + 1) * d];
        // Center `j` seen from cluster `a`, at distance `v` before the update.
        let mut see = |a: usize, j: usize, v: f64| {
            let (r, p) = (radius[a], drift.moves[j]);
            let g = v - r - p;
            if g > r {
                far[a] = far[a].min(g);
            } else {
                near[a] = near[a].max(p);
            }
        };
        for a in 0..k {
            for b in a + 1..k {
                let v = sq_dist(c(a), c(b)).sqrt() * narrow;
                see(a, b, v);
                see(b, a, v);
            }
        }
        ClusterDrop { near, far }
    }
}

/// Per-step geometry of the centers.
struct Geometry {
    /// Distance from each center to its nearest other center (narrowed; ∞ when k = 1).
    s: Vec<f64>,
    /// The error bound `E` of the kernel values.
    e: f64,
    slack: f64,
}

impl Geometry {
    fn new<T: Float>(centers: &Mat<T>, xmax2: f64) -> Self {
        let (k, d) = (centers.n_rows(), centers.n_cols());
        let slack = f64_slack(d);
        let mut s = vec![f64::INFINITY; k];
        for a in 0..k {
            for b in a + 1..k {
                let v = sq_dist(centers.row(a), centers.row(b)).sqrt() * (1.0 - slack);
                s[a] = s[a].min(v);
                s[b] = s[b].min(v);
            }
        }
        Geometry {
            s,
            e: kernel_error(xmax2, centers),
            slack,
        }
    }
}

/// When a row's stored bounds fail, its upper bound can first be tightened to the exact
/// distance to its center (one distance, but a scattered read of the row: it is bound by
/// memory latency), and only the rows still failing get the full evaluation (`k`
/// distances in the kernel, which streams the rows with prefetching). Tightening pays
/// when the share `p` of failing rows it proves has `p · k ≥ TIGHTEN`. Each step measures
/// `p` — directly when it tightens; otherwise by testing, after the full evaluation, the
/// upper bound it gives against the same lower bound — and the next step decides by it
/// (before any measure, `p = 1/5`). Labels are the same either way; only the work
/// differs. The threshold lies between the shapes where skipping and where tightening
/// won (measurements: `bench/kmeans/README.md`).
const TIGHTEN: u64 = 40;

/// Evidence for the tightening decision: of the assigned rows the stored bounds failed,
/// how many an exact upper bound proved (or would have).
#[derive(Debug, Clone, Copy, Default)]
struct Odds {
    proved: u64,
    failed: u64,
}

/// What a step accumulates over its chunks (exact: integer sums and maxima).
struct Tally {
    /// The change of the cluster sums.
    st: StepStats,
    odds: Odds,
    /// Each cluster's radius at the end of the step (see [`Hamerly`]).
    radius: Vec<f64>,
}

impl Tally {
    fn zeros<T: Float>(data: &Data<'_, T>, k: usize) -> Self {
        Tally {
            st: StepStats::zeros(data, k),
            odds: Odds::default(),
            radius: vec![0.0; k],
        }
    }

    fn merge(&mut self, o: Tally) {
        self.st.merge(o.st);
        self.odds.proved += o.odds.proved;
        self.odds.failed += o.odds.failed;
        let r = self.radius.iter_mut().zip(o.radius);
        r.for_each(|(a, b)| *a = a.max(b));
    }

    /// Takes the final bounds of a chunk's assigned rows into the radii (`dc`: the drift).
    /// The largest stored bound per cluster first, in `f32`: `b + dc[a]` rounded is
    /// monotone in `b`, so adding the drift to the maximum gives the same radius.
    fn radii(&mut self, lab: &[u32], bnd: &[Bound], dc: &[f64]) {
        let k = self.radius.len();
        let mut top = vec![f32::NEG_INFINITY; k];
        for (&a, b) in lab.iter().zip(bnd) {
            if let Some(m) = top.get_mut(a as usize) {
                // (`u > m` like `maxps`; an unknown bound, ∞, wins.)
                *m = if b[0] > *m { b[0] } else { *m };
            }
        }
        for ((r, &m), &c) in self.radius.iter_mut().zip(&top).zip(dc) {
            if m > f32::NEG_INFINITY {
                let u = m as f64 + c;
                *r = if u > *r { u } else { *r };
            }
        }
    }
}

/// Per-run state of the Hamerly variant.
pub(crate) struct Hamerly {
    bounds: Vec<Bound>,
    drift: CenterDrift,
    /// The last step's [`Odds`] (the prior `1/5` before any).
    odds: Odds,
    /// Each cluster's radius as the last step left it: the largest upper bound of its
    /// rows (`+∞` when one is unknown), measured at the end of each chunk while its
    /// bounds are in cache.
    radius: Vec<f64>,
    pub(super) stage: Stage,
}

/// What the rows' state holds before a step of [`Hamerly`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// No labels: every row is evaluated, with the runner-up and new bounds when
    /// [`first_bounds_pay`], else by a plain Lloyd step ([`lloyd_step`]).
    Unassigned,
    /// Labels without bounds (after a plain Lloyd step): every row is evaluated.
    Unbounded,
    /// Labels and bounds: the rows are screened.
    Bounded,
}

/// Rows in the pilot of [`first_bounds_pay`] (at most an eighth of the data; none below
/// [`PILOT_MIN`], where the first step keeps its bounds).
const PILOT_ROWS: usize = 4096;
const PILOT_MIN: usize = 256;

/// Whether the first step should compute the runner-up and the bounds, predicted by a pilot
/// on a strided sample of the rows: their nearest and second-nearest centers, the first
/// update estimated from the sample's cluster means (unweighted), and Hamerly's own test
/// (`l − max_j p_j > u + p_a`) for the second step. The bounds pay when they prove at least
/// a fifth of the sample; otherwise the first step is a plain Lloyd step and the second
/// evaluates every row (and sets the bounds).
///
/// The runner-up in the kernel, the new bounds and the radii cost the first step about a
/// quarter of a full evaluation, so they pay from roughly a quarter of the rows proven in
/// the second step (measurements: `bench/kmeans/README.md`). Labels are the same either
/// way; only the work differs.
pub(super) fn first_bounds_pay<T: Float>(
    data: &Data<'_, T>,
    packed: &Packed<T>,
    centers: &Mat<T>,
) -> bool {
    let (n, d, k) = (data.n(), data.d(), packed.k);
    let m = (n / 8).min(PILOT_ROWS);
    if m < PILOT_MIN || k < 2 {
        return true;
    }
    // (Row indices are `u32`: beyond 2³² rows the sample is drawn from the first ones.)
    let span = n.min(u32::MAX as usize);
    let rows: Vec<u32> = (0..m).map(|t| (t * span / m) as u32).collect();
    let (mut lab, mut best, mut second) = (vec![0u32; m], vec![T::zero(); m], vec![T::zero(); m]);
    nearest_rows(
        data.x.as_slice(),
        &rows,
        packed,
        0,
        packed.panels(),
        Nearest {
            labels: &mut lab,
            best: &mut best,
            second: Some(&mut second),
        },
    );
    let mut sum = vec![0.0f64; k * d];
    let mut count = vec![0u32; k];
    for (&i, &a) in rows.iter().zip(&lab) {
        let a = a as usize;
        count[a] += 1;
        let s = &mut sum[a * d..(a + 1) * d];
        s.iter_mut()
            .zip(data.x.row(i as usize))
            .for_each(|(s, v)| *s += v.as_f64());
    }
    // The estimated move of each center (0 for clusters the sample misses).
    let moves: Vec<f64> = (0..k)
        .map(|a| match count[a] {
            0 => 0.0,
            c => {
                let s = &sum[a * d..(a + 1) * d];
                let c = c as f64;
                let e2 = s.iter().zip(centers.row(a)).map(|(s, v)| {
                    let e = s / c - v.as_f64();
                    e * e
                });
                e2.sum::<f64>().sqrt()
            }
        })
        .collect();
    let pmax = moves.iter().fold(0.0f64, |m, &v| m.max(v));
    let proved = (0..m)
        .filter(|&t| {
            let x2 = data.norms[rows[t] as usize] as f64;
            let u = (x2 + best[t].as_f64()).max(0.0).sqrt() + moves[lab[t] as usize];
            let l = (x2 + second[t].as_f64()).max(0.0).sqrt() - pmax;
            l > u
        })
        .count();
    5 * proved >= m
}

impl Hamerly {
    /// No bounds yet for `n` rows and `k` centers.
    pub(crate) fn new(n: usize, k: usize) -> Self {
        Hamerly {
            bounds: par_vec(n, |_| UNKNOWN),
            drift: CenterDrift::zero(k),
            odds: Odds {
                proved: 1,
                failed: 5,
            },
            radius: vec![0.0; k],
            stage: Stage::Unassigned,
        }
    }

    /// Records the centers' moves and forgets the bounds of the rows `reseeded` moved to
    /// empty clusters (`labels`: after the update).
    pub(crate) fn moved<T: Float>(
        &mut self,
        old: &Mat<T>,
        new: &Mat<T>,
        reseeded: &[usize],
        labels: &[u32],
    ) {
        self.drift.add(old, new);
        for &p in reseeded {
            self.bounds[p] = UNKNOWN;
        }
        // A re-seeded row's new cluster has an unknown radius (its old one may only shrink).
        for &p in reseeded {
            self.radius[labels[p] as usize] = f64::INFINITY;
        }
    }

    /// One pruned assignment over all rows: labels and bounds updated in place (`data` from
    /// [`Data::with_norms`]). Returns the change of the cluster sums (rows that changed
    /// label; on the first call, with labels `u32::MAX`, the sums of every row). The first
    /// call is a plain Lloyd step when [`first_bounds_pay`] says the bounds would not pay.
    pub(crate) fn step<T: Float>(
        &mut self,
        data: &Data<'_, T>,
        packed: &Packed<T>,
        centers: &Mat<T>,
        labels: &mut [u32],
    ) -> StepStats {
        let (n, k) = (data.n(), packed.k);
        assert_eq!(data.norms.len(), n, "Hamerly needs `Data::with_norms`");
        if self.stage == Stage::Unassigned && !first_bounds_pay(data, packed, centers) {
            self.stage = Stage::Unbounded;
            self.radius.fill(f64::INFINITY);
            return lloyd_step(data, packed, labels);
        }
        let geo = Geometry::new(centers, data.xmax2);
        let drift = &self.drift;
        let bounds = &mut self.bounds;
        let drop = ClusterDrop::new(drift, &self.radius);
        let clusters = Screen::table(&drift.center, &geo.s, &drop.near, &drop.far);
        let items = chunk_slices(labels, n, 1)
            .into_iter()
            .zip(chunk_slices(bounds, n, 1))
            .collect();
        let ctx = HamerlyChunk {
            data,
            packed,
            centers,
            geo: &geo,
            drift,
            clusters: &clusters,
            tighten: self.odds.proved * k as u64 >= TIGHTEN * self.odds.failed,
            every: self.stage != Stage::Bounded,
        };
        let t = fold_chunks_with(
            n,
            items,
            || Tally::zeros(data, k),
            |t, r, (lab, bnd): (&mut [u32], &mut [Bound])| {
                ctx.chunk(r, lab, bnd, t);
                t.radii(lab, bnd, &drift.center);
            },
            Tally::merge,
        );
        let Tally { st, odds, radius } = t;
        if odds.failed > 0 {
            self.odds = odds;
        }
        self.radius = radius;
        self.stage = Stage::Bounded;
        st
    }
}

/// What every chunk of a step shares.
struct HamerlyChunk<'a, 'd, T> {
    data: &'a Data<'d, T>,
    packed: &'a Packed<T>,
    centers: &'a Mat<T>,
    geo: &'a Geometry,
    drift: &'a CenterDrift,
    /// The screen's per-cluster table.
    clusters: &'a [[f64; 4]],
    /// Whether failing rows get their upper bound tightened before the full evaluation.
    tighten: bool,
    /// Whether the rows have no bounds yet (all are evaluated).
    every: bool,
}

impl<T: Float> HamerlyChunk<'_, '_, T> {
    /// The step on the rows `r`.
    fn chunk(&self, r: Range<usize>, lab: &mut [u32], bnd: &mut [Bound], t: &mut Tally) {
        // Compiled for at most AVX2 + FMA, the level it was tuned at (the same results at
        // every level: Rust does not contract multiplications and additions into FMA).
        dispatch_upto(
            Level::Avx2,
            HamerlyRows {
                step: self,
                r,
                lab,
                bnd,
                t,
            },
        )
    }

    /// The step on the rows `r`.
    #[inline(always)]
    fn chunk_body(&self, r: Range<usize>, lab: &mut [u32], bnd: &mut [Bound], t: &mut Tally) {
        let (data, geo) = (self.data, self.geo);
        let k = self.packed.k;
        let full = self.screen(&r, lab, bnd, t);
        let Tally { st, odds, .. } = t;
        if full.is_empty() {
            return;
        }
        let m = full.len();
        let x = data.x.rows(r.start, r.end).as_slice();
        let (mut nl, mut nb, mut ns) = (vec![0u32; m], vec![T::zero(); m], vec![T::zero(); m]);
        nearest_rows(
            x,
            &full,
            self.packed,
            0,
            self.packed.panels(),
            Nearest {
                labels: &mut nl,
                best: &mut nb,
                second: Some(&mut ns),
            },
        );
        st.evals += (m * k) as u64;
        let e2 = 2.0 * geo.e;
        let dc = &self.drift.center;
        for (q, &li) in full.iter().enumerate() {
            let li = li as usize;
            let i = r.start + li;
            let (a, b) = (lab[li], nl[q]);
            if a != b {
                // Only changed rows move the (exact integer) sums.
                st.changed += 1;
                if a != u32::MAX {
                    st.add_row(data, i, a as usize, -1);
                }
                st.add_row(data, i, b as usize, 1);
                lab[li] = b;
            }
            // ‖x‖², rounded up to `f32` by the data check.
            let xhi = data.norms[i] as f64;
            // (Beyond the `f32` range the data check keeps ∞: the exact norm instead.)
            let xlo = if xhi.is_finite() {
                xhi * NORM_LOW
            } else {
                sq_norm(data.x.row(i))
            };
            let u = (xhi + nb[q].as_f64() + e2).max(0.0).sqrt() * (1.0 + geo.slack);
            let l = (xlo + ns[q].as_f64() - e2).max(0.0).sqrt() * (1.0 - geo.slack);
            if !self.tighten && a != u32::MAX {
                // Would a tightened upper bound (at most `u` when the label stays) have
                // proved the row against its lowered bound (`bnd[li][1]`, from the screen)?
                let lo = (bnd[li][1] as f64).max(geo.s[a as usize] - u);
                odds.proved += (a == b && proven(u, lo, geo.e)) as u64;
                odds.failed += 1;
            }
            bnd[li] = [up(u - dc[b as usize]), down(l)];
        }
    }

    /// The rows of chunk `r` whose bounds do not prove their label, as local indices in
    /// order: first the bounds alone (rows they prove are only read), then, when
    /// tightening, for the rows they fail, with the upper bound tightened to the exact
    /// distance.
    #[inline(always)]
    fn screen(&self, r: &Range<usize>, lab: &[u32], bnd: &mut [Bound], t: &mut Tally) -> Vec<u32> {
        let Tally { st, odds, .. } = t;
        let geo = self.geo;
        let dc = &self.drift.center;
        let e = geo.e;
        if self.every {
            // First step: no bounds yet.
            return (0..r.len() as u32).collect();
        }
        // Pass 1: bounds only.
        let mut tight = vec![0u32; r.len()];
        let screen = Screen {
            clusters: self.clusters,
            e,
        };
        let m = screen.unproven(lab, bnd, &mut tight);
        if !self.tighten {
            tight.truncate(m);
            return tight;
        }
        // Pass 2: exact distance to the assigned center. Branch-free: the outcome is
        // data-dependent, and mispredictions would also expose the latency of the square
        // roots.
        let x = self.data.x;
        let mut f = 0;
        for q in 0..m {
            if q + PREFETCH < m {
                prefetch(x.row(r.start + tight[q + PREFETCH] as usize));
            }
            let li = tight[q] as usize;
            let a = lab[li];
            st.evals += (a != u32::MAX) as u64;
            odds.failed += (a != u32::MAX) as u64;
            let ok = a != u32::MAX && {
                let a = a as usize;
                let u =
                    sq_dist(x.row(r.start + li), self.centers.row(a)).sqrt() * (1.0 + geo.slack);
                bnd[li][0] = up(u - dc[a]);
                let l = bnd[li][1] as f64;
                proven(u, l.max(geo.s[a] - u), e)
            };
            tight[f] = li as u32;
            f += !ok as usize;
            odds.proved += ok as u64;
        }
        tight.truncate(f);
        tight
    }
}

/// The kernel of [`HamerlyChunk::chunk`].
struct HamerlyRows<'a, 'b, 'd, T> {
    step: &'a HamerlyChunk<'b, 'd, T>,
    r: Range<usize>,
    lab: &'a mut [u32],
    bnd: &'a mut [Bound],
    t: &'a mut Tally,
}

impl<T: Float> Kernel for HamerlyRows<'_, '_, '_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self, _: Simd) {
        self.step.chunk_body(self.r, self.lab, self.bnd, self.t)
    }
}
