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

use super::bounds::{down, f64_slack, proven, up};
use super::data::{sq_dist, sq_norm, Data};
use super::kernel::prefetch;
use super::kernel::{nearest_groups, nearest_rows, panel_width, GroupNearest, Nearest, Packed};
use super::pruned::{kernel_error, PREFETCH};
use super::sums::StepStats;
use crate::float::Float;
use crate::matrix::Mat;
use crate::parallel::{chunk_slices, fold_chunks_with, par_vec};
use crate::simd::{dispatch_upto, Kernel, Level, Simd};

/// At most this many groups (bounds memory: `4 (1 + t)` bytes per row).
pub(crate) const MAX_GROUPS: usize = 8;

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
    /// Groups of the centers `c`: seeds by farthest-first traversal from center 0, five
    /// k-means steps on the centers, then a balanced assignment (pairs by increasing
    /// distance, each group up to its capacity).
    pub(crate) fn new<T: Float>(c: &Mat<T>) -> Self {
        let k = c.n_rows();
        let w = panel_width::<T>(crate::simd::level());
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
                for (a, v) in near.iter_mut().enumerate() {
                    *v = v.min(dist(a, &means[m]));
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

/// How far each center and each group (its largest move) moved since the start of the
/// run: sums of the widened moves of every update, in `f64`.
#[derive(Debug, Clone)]
pub(crate) struct GroupDrift {
    center: Vec<f64>,
    group: Vec<f64>,
}

impl GroupDrift {
    /// No move yet.
    pub(crate) fn zero(groups: &Groups) -> Self {
        GroupDrift {
            center: vec![0.0; groups.of.len()],
            group: vec![0.0; groups.t],
        }
    }

    /// Adds the moves from `old` to `new` centers (true distances, widened).
    pub(crate) fn add<T: Float>(&mut self, groups: &Groups, old: &Mat<T>, new: &Mat<T>) {
        let grow = 1.0 + f64_slack(old.n_cols());
        let mut group = vec![0.0f64; groups.t];
        for j in 0..old.n_rows() {
            let p = sq_dist(old.row(j), new.row(j)).sqrt() * grow;
            self.center[j] += p;
            let g = groups.of[j];
            group[g] = group[g].max(p);
        }
        self.group.iter_mut().zip(group).for_each(|(a, b)| *a += b);
    }
}

/// Per-row bounds of a run, stored relative to the cumulative drift ([`GroupDrift`]) so that
/// rows the filter skips are only read: the upper bound on the distance to the assigned
/// center `a` is `upper[i] + drift.center[a]`, the lower bound for group `g` is
/// `lower[i·t + g] − drift.group[g]`.
pub(crate) struct Bounds {
    pub(crate) upper: Vec<f32>,
    pub(crate) lower: Vec<f32>,
}

impl Bounds {
    /// Unknown bounds for `n` rows and `t` groups.
    pub(crate) fn unknown(n: usize, t: usize) -> Self {
        Bounds {
            upper: par_vec(n, |_| f32::INFINITY),
            lower: par_vec(n * t, |_| f32::NEG_INFINITY),
        }
    }

    /// Forgets the bounds of row `i`.
    pub(crate) fn reset(&mut self, i: usize, t: usize) {
        self.upper[i] = f32::INFINITY;
        self.lower[i * t..(i + 1) * t].fill(f32::NEG_INFINITY);
    }
}

/// One pruned assignment over all rows: labels and bounds updated in place (`drift`: the
/// cumulative moves of the centers so far). Returns the change of the cluster sums (rows
/// that changed label; every row on the first call, when labels are `u32::MAX`).
pub(crate) fn yinyang_step<T: Float>(
    data: &Data<'_, T>,
    groups: &Groups,
    centers: &Mat<T>,
    packed: &Packed<T>,
    labels: &mut [u32],
    bounds: &mut Bounds,
    drift: &GroupDrift,
) -> StepStats {
    let (n, d, k, t) = (data.n(), data.d(), centers.n_rows(), groups.t);
    let slack = f64_slack(d);
    let e = kernel_error(data.xmax2, centers);
    let items = chunk_slices(labels, n, 1)
        .into_iter()
        .zip(chunk_slices(&mut bounds.upper, n, 1))
        .zip(chunk_slices(&mut bounds.lower, n, t))
        .collect();
    let ctx = YinyangChunk {
        data,
        groups,
        centers,
        packed,
        drift,
        e,
        slack,
    };
    fold_chunks_with(
        n,
        items,
        || StepStats::zeros(data, k),
        |st, r, ((lab, ub), lb): ((&mut [u32], &mut [f32]), &mut [f32])| {
            ctx.chunk(r, lab, ub, lb, st)
        },
        StepStats::merge,
    )
}

/// What every chunk of a step shares.
struct YinyangChunk<'a, 'd, T> {
    data: &'a Data<'d, T>,
    groups: &'a Groups,
    centers: &'a Mat<T>,
    packed: &'a Packed<T>,
    drift: &'a GroupDrift,
    /// Error bound `E` of the kernel values.
    e: f64,
    slack: f64,
}

impl<T: Float> YinyangChunk<'_, '_, T> {
    /// The step on the rows `r`.
    fn chunk(
        &self,
        r: std::ops::Range<usize>,
        lab: &mut [u32],
        ub: &mut [f32],
        lb: &mut [f32],
        st: &mut StepStats,
    ) {
        // Compiled for at most AVX2 + FMA, the level it was tuned at (the same results at
        // every level: Rust does not contract multiplications and additions into FMA).
        dispatch_upto(
            Level::Avx2,
            YinyangRows {
                step: self,
                r,
                lab,
                ub,
                lb,
                st,
            },
        )
    }

    #[inline(always)]
    fn chunk_portable(
        &self,
        r: std::ops::Range<usize>,
        lab: &mut [u32],
        ub: &mut [f32],
        lb: &mut [f32],
        st: &mut StepStats,
    ) {
        let (data, groups, t) = (self.data, self.groups, self.groups.t);
        let all = (1u32 << t) - 1;
        // Rows to evaluate (local index, mask of groups); rows needing every group, and
        // each group's other rows.
        let mut cand: Vec<(u32, u32)> = Vec::new();
        let mut lists: Vec<Vec<u32>> = vec![Vec::new(); t + 1];
        self.filter(&r, lab, ub, lb, &mut cand, &mut lists, st);
        if cand.is_empty() {
            return;
        }
        let x = data.x.rows(r.start, r.end).as_slice();
        // Rows needing every group: one pass over all panels.
        let full = &lists[t];
        let nf = full.len();
        let (mut fl, mut fb, mut fs, mut fg) = (
            vec![0u32; nf],
            vec![T::zero(); nf],
            vec![T::zero(); nf],
            vec![T::zero(); nf * t],
        );
        if nf > 0 {
            nearest_groups(
                x,
                full,
                self.packed,
                groups.ppg,
                GroupNearest {
                    labels: &mut fl,
                    best: &mut fb,
                    second: &mut fs,
                    gmin: &mut fg,
                },
            );
            st.evals += nf as u64 * groups.count.iter().sum::<u64>();
        }
        // The others: each group on its rows.
        let mut res: Vec<(Vec<T>, Vec<u32>, Vec<T>)> = Vec::with_capacity(t);
        for (g, list) in lists[..t].iter().enumerate() {
            let m = list.len();
            let (mut best, mut idx, mut sec) =
                (vec![T::zero(); m], vec![0u32; m], vec![T::zero(); m]);
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
        // Combine per row: the lowest (value, index) over the evaluated groups, then the
        // new bounds.
        let mut cursor = vec![0usize; t];
        let mut fc = 0;
        let mut gvals = vec![T::zero(); t];
        let e2 = 2.0 * self.e;
        let (dc, dg) = (&self.drift.center, &self.drift.group);
        for &(li, mask) in &cand {
            let li = li as usize;
            let (bv, bj, sb);
            if mask == all {
                (bv, bj, sb) = (fb[fc], fl[fc], fs[fc]);
                gvals.copy_from_slice(&fg[fc * t..(fc + 1) * t]);
                fc += 1;
            } else {
                let (mut v0, mut j0, mut s0) = (T::infinity(), u32::MAX, T::infinity());
                for (g, c) in cursor.iter_mut().enumerate() {
                    if mask & (1 << g) != 0 {
                        let (v, j) = (res[g].0[*c], res[g].1[*c]);
                        gvals[g] = v;
                        if v < v0 || (v == v0 && j < j0) {
                            (v0, j0, s0) = (v, j, res[g].2[*c]);
                        }
                        *c += 1;
                    }
                }
                (bv, bj, sb) = (v0, j0, s0);
            }
            let i = r.start + li;
            let xn = sq_norm(data.x.row(i));
            let b = bj as usize;
            let bg = groups.of[b];
            gvals[bg] = sb;
            let u = (xn + bv.as_f64() + e2).max(0.0).sqrt() * (1.0 + self.slack);
            ub[li] = up(u - dc[b]);
            let lbs = &mut lb[li * t..(li + 1) * t];
            for (g, ((l, m), p)) in lbs.iter_mut().zip(&gvals).zip(dg).enumerate() {
                if mask & (1 << g) != 0 {
                    let v = (xn + m.as_f64() - e2).max(0.0).sqrt() * (1.0 - self.slack);
                    *l = down(v + p);
                }
            }
            let a = lab[li];
            if a != bj {
                if a != u32::MAX {
                    st.add_row(data, i, a as usize, -1);
                }
                st.add_row(data, i, b, 1);
                st.changed += 1;
                lab[li] = bj;
            }
        }
    }

    /// Lists the rows of `r` whose label the bounds do not prove, with the groups to
    /// evaluate: first the bounds alone, then, for the rows they fail, with the upper
    /// bound tightened to the exact distance.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn filter(
        &self,
        r: &std::ops::Range<usize>,
        lab: &[u32],
        ub: &mut [f32],
        lb: &[f32],
        cand: &mut Vec<(u32, u32)>,
        lists: &mut [Vec<u32>],
        st: &mut StepStats,
    ) {
        let t = self.groups.t;
        let e = self.e;
        let (dc, dg) = (&self.drift.center, &self.drift.group);
        // Pass 1: bounds only (read-only for the rows it proves).
        let mut tight = vec![0u32; r.len()];
        let mut m = 0;
        for li in 0..r.len() {
            let a = lab[li];
            let ok = if a == u32::MAX {
                false
            } else {
                let u = ub[li] as f64 + dc[a as usize];
                let lmin = lb[li * t..(li + 1) * t]
                    .iter()
                    .zip(dg)
                    .fold(f64::INFINITY, |m, (&l, &p)| m.min(l as f64 - p));
                proven(u, lmin, e)
            };
            tight[m] = li as u32;
            m += !ok as usize;
        }
        // Pass 2: exact distance to the assigned center, then per group.
        let all = (1u32 << t) - 1;
        let x = self.data.x;
        for q in 0..m {
            if q + PREFETCH < m {
                prefetch(x.row(r.start + tight[q + PREFETCH] as usize));
            }
            let li = tight[q] as usize;
            let a = lab[li];
            let mask = if a == u32::MAX {
                all
            } else {
                let a = a as usize;
                let u =
                    sq_dist(x.row(r.start + li), self.centers.row(a)).sqrt() * (1.0 + self.slack);
                st.evals += 1;
                ub[li] = up(u - dc[a]);
                let mut fail = 0u32;
                for (g, (&l, &p)) in lb[li * t..(li + 1) * t].iter().zip(dg).enumerate() {
                    if !proven(u, l as f64 - p, e) {
                        fail |= 1 << g;
                    }
                }
                if fail == 0 {
                    continue;
                }
                fail | 1 << self.groups.of[a]
            };
            cand.push((li as u32, mask));
            if mask == all {
                lists[t].push(li as u32);
            } else {
                for (g, l) in lists[..t].iter_mut().enumerate() {
                    if mask & (1 << g) != 0 {
                        l.push(li as u32);
                    }
                }
            }
        }
    }
}

/// The kernel of [`YinyangChunk::chunk`].
struct YinyangRows<'a, 'b, 'd, T> {
    step: &'a YinyangChunk<'b, 'd, T>,
    r: std::ops::Range<usize>,
    lab: &'a mut [u32],
    ub: &'a mut [f32],
    lb: &'a mut [f32],
    st: &'a mut StepStats,
}

impl<T: Float> Kernel for YinyangRows<'_, '_, '_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self, _: Simd) {
        self.step
            .chunk_portable(self.r, self.lab, self.ub, self.lb, self.st)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// The kernel contract's value of row `x` against center `c` (brute force).
    fn value<T: Float>(x: &[T], c: &[T]) -> T {
        let mut dot = T::zero();
        for (a, b) in x.iter().zip(c) {
            dot = a.mul_add(*b, dot);
        }
        T::of_f64(c.iter().map(|v| v.as_f64() * v.as_f64()).sum::<f64>()) - (dot + dot)
    }

    /// The grouped kernels (best level of this CPU) against brute force, with ties.
    fn grouped_kernels<T: Float>() {
        for &(n, d, k, grid) in &[(53, 7, 37, true), (40, 5, 70, false), (25, 3, 203, true)] {
            let mut rng = Rng::new(k as u64);
            let mut gen = |m: usize| -> Mat<T> {
                let v = (0..m * d)
                    .map(|_| {
                        if grid {
                            T::of_usize(rng.below(3))
                        } else {
                            T::of_f64(rng.next_f64() * 4.0 - 2.0)
                        }
                    })
                    .collect();
                Mat::from_vec(v, m, d).unwrap()
            };
            let (x, c) = (gen(n), gen(k));
            let groups = Groups::new(&c);
            let p = Packed::grouped(c.view(), &groups.slots);
            let t = groups.t;
            let rows: Vec<u32> = (0..n as u32).rev().collect();
            let (mut l, mut b, mut s, mut g) = (
                vec![0u32; n],
                vec![T::zero(); n],
                vec![T::zero(); n],
                vec![T::zero(); n * t],
            );
            nearest_groups(
                x.as_slice(),
                &rows,
                &p,
                groups.ppg,
                GroupNearest {
                    labels: &mut l,
                    best: &mut b,
                    second: &mut s,
                    gmin: &mut g,
                },
            );
            for (q, &i) in rows.iter().enumerate() {
                let xi = x.row(i as usize);
                let vals: Vec<T> = (0..k).map(|j| value(xi, c.row(j))).collect();
                let (mut bv, mut bj) = (T::infinity(), 0);
                for (j, &v) in vals.iter().enumerate() {
                    if v < bv {
                        (bv, bj) = (v, j);
                    }
                }
                assert_eq!((l[q] as usize, b[q]), (bj, bv), "row {i}");
                for gg in 0..t {
                    let members = (0..k).filter(|&j| groups.of[j] == gg);
                    let m = members.clone().map(|j| vals[j]).fold(T::infinity(), T::min);
                    assert_eq!(g[q * t + gg], m);
                    if gg == groups.of[bj] {
                        let sec = members
                            .filter(|&j| j != bj)
                            .map(|j| vals[j])
                            .fold(T::infinity(), T::min);
                        assert_eq!(s[q], sec);
                    }
                    // One group alone.
                    let (mut l1, mut b1, mut s1) = ([0u32], [T::zero()], [T::zero()]);
                    nearest_rows(
                        x.as_slice(),
                        &[i],
                        &p,
                        gg * groups.ppg,
                        (gg + 1) * groups.ppg,
                        Nearest {
                            labels: &mut l1,
                            best: &mut b1,
                            second: Some(&mut s1),
                        },
                    );
                    assert_eq!(b1[0], m);
                    let lowest = (0..k).find(|&j| groups.of[j] == gg && vals[j] == m);
                    assert_eq!(Some(l1[0] as usize), lowest);
                }
            }
        }
    }

    #[test]
    fn grouped_kernels_match_brute_force_f32() {
        grouped_kernels::<f32>();
    }

    #[test]
    fn grouped_kernels_match_brute_force_f64() {
        grouped_kernels::<f64>();
    }
}
