//! The pruned Lloyd step with Yinyang bounds (Y. Ding, Y. Zhao, X. Shen, M. Musuvathi,
//! T. Mytkowicz, *Yinyang K-Means: A Drop-In Replacement of the Classic K-Means with
//! Consistent Speedup*, ICML 2015, PMLR 37:579–587), with exact incremental sums.
//!
//! The centers are split once per run into `t` groups (a few steps of k-means on the
//! initial centers, then a balanced assignment), each group filling whole kernel panels.
//! Every row keeps an upper bound `u` on the (true, Euclidean) distance to its assigned
//! center and, per group, a lower bound `l_g` on the distance to every other center of
//! the group, all stored as `f32` rounded outwards (`4 (1 + t)` bytes per row). After the
//! centers move, `u += δ_a` and `l_g −= max_{j∈g} δ_j`. A row is skipped when its bounds
//! prove its label against every group (global filter); otherwise `u` is tightened with
//! the exact distance and only the groups whose bound does not prove the label — plus the
//! group of the assigned center — are evaluated with the fused kernel on the gathered
//! rows (group filter). The new bounds come from the kernel's minimum and runner-up per
//! evaluated group.
//!
//! # Exactly Lloyd's labels
//! As in [`super::pruned`]: a group `g` is skipped only when `l_g² − u² > 2E`, with `E`
//! the error bound of the GEMM-form values (here with the largest row norm), so every
//! center of `g` has a strictly larger kernel value than the assigned one. Evaluated
//! groups use the very same kernel values as Lloyd, compared with the lowest index on
//! ties, and the assigned center's group is always evaluated with them, so the new label
//! is Lloyd's argmin. Bounds from kernel values are widened by `2E`.
//!
//! # Update
//! Only rows whose label changed touch the cluster sums (subtracted from the old cluster,
//! added to the new one): the sums are exact integers ([`super::sums`]), so the result is
//! bitwise the full recomputation of Lloyd's update.

use super::data::{sq_dist, sq_norm, ChunkCells, Data};
use super::kernel::{best_level, nearest_rows, panel_width, Nearest, Packed};
use super::sums::StepStats;
use crate::float::Float;
use crate::matrix::Mat;
use crate::parallel::map_reduce_chunks;

/// At most this many groups (bounds memory: `4 (1 + t)` bytes per row).
pub(crate) const MAX_GROUPS: usize = 8;

/// Relative widening of `f64` distance computations over `d` columns.
fn f64_slack(d: usize) -> f64 {
    4.0 * (d as f64 + 4.0) * f64::EPSILON
}

/// `v` rounded up to `f32` (`v ≥ 0`).
#[inline(always)]
fn up(v: f64) -> f32 {
    (v * (1.0 + 1.0 / 1048576.0)) as f32
}

/// `v` rounded down to `f32`, at least 0.
#[inline(always)]
fn down(v: f64) -> f32 {
    (v.max(0.0) * (1.0 - 1.0 / 1048576.0)) as f32
}

/// Whether the bounds prove that Lloyd's kernel prefers the assigned center.
#[inline(always)]
fn proven(u: f64, lo: f64, e: f64) -> bool {
    lo > u && lo * lo - u * u > 2.0 * e
}

/// The groups of centers: group `g` holds the slots `g·size .. (g+1)·size` of the packing.
#[derive(Debug, Clone)]
pub(crate) struct Groups {
    /// Center index of each slot (`u32::MAX`: empty), increasing within a group.
    pub(crate) slots: Vec<u32>,
    /// Group of each center.
    of: Vec<usize>,
    /// Number of groups.
    pub(crate) t: usize,
    /// Panels per group.
    ppg: usize,
    /// Centers per group.
    count: Vec<u64>,
}

impl Groups {
    /// Number of groups for `k` centers of type `T`: one per kernel panel, merged so that
    /// there are at most [`MAX_GROUPS`].
    pub(crate) fn count<T: Float>(k: usize) -> usize {
        let w = panel_width::<T>(best_level());
        let panels = k.div_ceil(w);
        panels.div_ceil(panels.div_ceil(MAX_GROUPS))
    }

    /// Groups of the centers `c`: seeds by farthest-first traversal from center 0, five
    /// k-means steps on the centers, then a balanced assignment (pairs by increasing
    /// distance, each group up to its capacity).
    pub(crate) fn new<T: Float>(c: &Mat<T>) -> Self {
        let k = c.n_rows();
        let w = panel_width::<T>(best_level());
        let panels = k.div_ceil(w);
        let ppg = panels.div_ceil(MAX_GROUPS);
        let t = panels.div_ceil(ppg);
        let cap = ppg * w;
        let mut of = vec![0usize; k];
        if t > 1 {
            let dist = |a: usize, m: &[f64]| -> f64 {
                c.row(a)
                    .iter()
                    .zip(m)
                    .map(|(x, y)| (x.as_f64() - y) * (x.as_f64() - y))
                    .sum()
            };
            let row = |a: usize| -> Vec<f64> { c.row(a).iter().map(|v| v.as_f64()).collect() };
            let mut means = vec![row(0)];
            let mut near: Vec<f64> = (0..k).map(|a| dist(a, &means[0])).collect();
            while means.len() < t {
                let far = (0..k).fold(0, |b, a| if near[a] > near[b] { a } else { b });
                means.push(row(far));
                let m = means.len() - 1;
                for a in 0..k {
                    near[a] = near[a].min(dist(a, &means[m]));
                }
            }
            for _ in 0..5 {
                for (a, o) in of.iter_mut().enumerate() {
                    *o = (0..t).fold(0, |b, g| {
                        if dist(a, &means[g]) < dist(a, &means[b]) {
                            g
                        } else {
                            b
                        }
                    });
                }
                for (g, m) in means.iter_mut().enumerate() {
                    let members: Vec<usize> = (0..k).filter(|&a| of[a] == g).collect();
                    if members.is_empty() {
                        continue;
                    }
                    m.iter_mut().for_each(|v| *v = 0.0);
                    for &a in &members {
                        m.iter_mut()
                            .zip(c.row(a))
                            .for_each(|(m, v)| *m += v.as_f64());
                    }
                    m.iter_mut().for_each(|v| *v /= members.len() as f64);
                }
            }
            let mut pairs: Vec<(f64, usize, usize)> = (0..k)
                .flat_map(|a| (0..t).map(move |g| (a, g)))
                .map(|(a, g)| (dist(a, &means[g]), a, g))
                .collect();
            pairs.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
            let mut fill = vec![0usize; t];
            let mut done = vec![false; k];
            for (_, a, g) in pairs {
                if !done[a] && fill[g] < cap {
                    done[a] = true;
                    fill[g] += 1;
                    of[a] = g;
                }
            }
        }
        let mut slots = vec![u32::MAX; t * cap];
        let mut fill = vec![0usize; t];
        for (a, &g) in of.iter().enumerate() {
            slots[g * cap + fill[g]] = a as u32;
            fill[g] += 1;
        }
        Groups {
            slots,
            of,
            t,
            ppg,
            count: fill.iter().map(|&f| f as u64).collect(),
        }
    }
}

/// How far each center and each group (its largest) moved in the last update.
#[derive(Debug, Clone)]
pub(crate) struct Drift {
    center: Vec<f64>,
    group: Vec<f64>,
}

impl Drift {
    /// Moves from `old` to `new` centers (true distances, widened).
    pub(crate) fn between<T: Float>(groups: &Groups, old: &Mat<T>, new: &Mat<T>) -> Self {
        let grow = 1.0 + f64_slack(old.n_cols());
        let center: Vec<f64> = (0..old.n_rows())
            .map(|j| sq_dist(old.row(j), new.row(j)).sqrt() * grow)
            .collect();
        let mut group = vec![0.0f64; groups.t];
        for (j, &p) in center.iter().enumerate() {
            let g = groups.of[j];
            group[g] = group[g].max(p);
        }
        Drift { center, group }
    }
}

/// Per-row bounds of a run: `upper[i]`, `lower[i·t + g]`.
pub(crate) struct Bounds {
    pub(crate) upper: Vec<f32>,
    pub(crate) lower: Vec<f32>,
}

impl Bounds {
    /// Unknown bounds for `n` rows and `t` groups.
    pub(crate) fn unknown(n: usize, t: usize) -> Self {
        Bounds {
            upper: vec![f32::INFINITY; n],
            lower: vec![0.0; n * t],
        }
    }

    /// Forgets the bounds of row `i`.
    pub(crate) fn reset(&mut self, i: usize, t: usize) {
        self.upper[i] = f32::INFINITY;
        self.lower[i * t..(i + 1) * t].fill(0.0);
    }
}

/// One pruned assignment over all rows: labels and bounds updated in place (after
/// applying `drift`, the moves of the previous update). Returns the change of the cluster
/// sums (rows that changed label; every row on the first call, when labels are
/// `u32::MAX`).
pub(crate) fn yinyang_step<T: Float>(
    data: &Data<'_, T>,
    groups: &Groups,
    centers: &Mat<T>,
    packed: &Packed<T>,
    labels: &mut [u32],
    bounds: &mut Bounds,
    drift: Option<&Drift>,
) -> StepStats {
    let (n, d, k, t) = (data.n(), data.d(), centers.n_rows(), groups.t);
    let slack = f64_slack(d);
    let cmax2 = (0..k)
        .map(|j| sq_norm(centers.row(j)))
        .fold(0.0, f64::max)
        * (1.0 + slack);
    let eta = 4.0 * (d as f64 + 4.0) * T::epsilon().as_f64() / 2.0;
    let e = 2.0 * eta * (data.xmax2 * (1.0 + slack) + cmax2) * (1.0 + 1e-6);
    let labels = ChunkCells::new(labels);
    let upper = ChunkCells::new(&mut bounds.upper);
    let lower = ChunkCells::with_width(&mut bounds.lower, t);
    let ctx = Ctx {
        data,
        groups,
        centers,
        packed,
        drift,
        e,
        slack,
    };
    map_reduce_chunks(
        n,
        StepStats::zeros(data, k),
        |r| {
            let mut lab = labels.lock(&r);
            let mut ub = upper.lock(&r);
            let mut lb = lower.lock(&r);
            ctx.chunk(r, &mut lab, &mut ub, &mut lb)
        },
        StepStats::merge,
    )
}

/// What every chunk of a step shares.
struct Ctx<'a, 'd, T> {
    data: &'a Data<'d, T>,
    groups: &'a Groups,
    centers: &'a Mat<T>,
    packed: &'a Packed<T>,
    drift: Option<&'a Drift>,
    /// Error bound `E` of the kernel values.
    e: f64,
    slack: f64,
}

impl<T: Float> Ctx<'_, '_, T> {
    /// The step on the rows `r`.
    fn chunk(
        &self,
        r: std::ops::Range<usize>,
        lab: &mut [u32],
        ub: &mut [f32],
        lb: &mut [f32],
    ) -> StepStats {
        let (data, groups, t) = (self.data, self.groups, self.groups.t);
        let mut st = StepStats::zeros(data, self.centers.n_rows());
        // Rows to evaluate (local index, mask of groups), and each group's rows.
        let mut cand: Vec<(u32, u32)> = Vec::new();
        let mut lists: Vec<Vec<u32>> = vec![Vec::new(); t];
        self.filter(&r, lab, ub, lb, &mut cand, &mut lists, &mut st);
        if cand.is_empty() {
            return st;
        }
        // Evaluate each group on its rows.
        let x = data.x.rows(r.start, r.end).as_slice();
        let mut res: Vec<(Vec<T>, Vec<u32>, Vec<T>)> = Vec::with_capacity(t);
        for (g, list) in lists.iter().enumerate() {
            let m = list.len();
            let (mut best, mut idx, mut sec) = (vec![T::zero(); m], vec![0u32; m], vec![T::zero(); m]);
            if m > 0 {
                nearest_rows(
                    x,
                    list,
                    self.packed,
                    g * groups.ppg,
                    (g + 1) * groups.ppg,
                    Nearest {
                        labels: &mut idx,
                        best: &mut best,
                        second: Some(&mut sec),
                    },
                );
                st.evals += m as u64 * groups.count[g];
            }
            res.push((best, idx, sec));
        }
        // Combine per row: the lowest (value, index) over the evaluated groups.
        let mut cursor = vec![0usize; t];
        let e2 = 2.0 * self.e;
        for &(li, mask) in &cand {
            let li = li as usize;
            let (mut bv, mut bj) = (T::infinity(), u32::MAX);
            for (g, c) in cursor.iter().enumerate() {
                if mask & (1 << g) != 0 {
                    let (v, j) = (res[g].0[*c], res[g].1[*c]);
                    if v < bv || (v == bv && j < bj) {
                        bv = v;
                        bj = j;
                    }
                }
            }
            let i = r.start + li;
            let xn = sq_norm(data.x.row(i));
            let bg = groups.of[bj as usize];
            ub[li] = up((xn + bv.as_f64() + e2).max(0.0).sqrt() * (1.0 + self.slack));
            for (g, c) in cursor.iter_mut().enumerate() {
                if mask & (1 << g) != 0 {
                    let m = if g == bg { res[g].2[*c] } else { res[g].0[*c] };
                    lb[li * t + g] = down((xn + m.as_f64() - e2).max(0.0).sqrt() * (1.0 - self.slack));
                    *c += 1;
                }
            }
            let a = lab[li];
            if a != bj {
                if a != u32::MAX {
                    st.add_row(data, i, a as usize, -1);
                }
                st.add_row(data, i, bj as usize, 1);
                st.changed += 1;
                lab[li] = bj;
            }
        }
        st
    }

    /// Applies the drift to the bounds of rows `r` and lists the rows whose label the
    /// bounds do not prove, with the groups to evaluate.
    #[allow(clippy::too_many_arguments)]
    fn filter(
        &self,
        r: &std::ops::Range<usize>,
        lab: &[u32],
        ub: &mut [f32],
        lb: &mut [f32],
        cand: &mut Vec<(u32, u32)>,
        lists: &mut [Vec<u32>],
        st: &mut StepStats,
    ) {
        let t = self.groups.t;
        let all = (1u32 << t) - 1;
        let e = self.e;
        for li in 0..r.len() {
            let a = lab[li];
            if a == u32::MAX {
                cand.push((li as u32, all));
                for l in lists.iter_mut() {
                    l.push(li as u32);
                }
                continue;
            }
            let a = a as usize;
            let lbs = &mut lb[li * t..(li + 1) * t];
            let mut u = ub[li] as f64;
            let mut lmin = f64::INFINITY;
            if let Some(dr) = self.drift {
                u += dr.center[a];
                for (l, &p) in lbs.iter_mut().zip(&dr.group) {
                    let v = down(*l as f64 - p);
                    *l = v;
                    lmin = lmin.min(v as f64);
                }
            } else {
                lmin = lbs.iter().fold(f64::INFINITY, |m, &l| m.min(l as f64));
            }
            if proven(u, lmin, e) {
                ub[li] = up(u);
                continue;
            }
            // Tighten the upper bound with the exact distance, then test again.
            let i = r.start + li;
            u = sq_dist(self.data.x.row(i), self.centers.row(a)).sqrt() * (1.0 + self.slack);
            st.evals += 1;
            ub[li] = up(u);
            if proven(u, lmin, e) {
                continue;
            }
            let mut mask = 1u32 << self.groups.of[a];
            for (g, &l) in lbs.iter().enumerate() {
                if !proven(u, l as f64, e) {
                    mask |= 1 << g;
                }
            }
            cand.push((li as u32, mask));
            for (g, l) in lists.iter_mut().enumerate() {
                if mask & (1 << g) != 0 {
                    l.push(li as u32);
                }
            }
        }
    }
}
