//! One Lloyd iteration as a chunk kernel (S. Lloyd, *Least squares quantization in PCM*,
//! IEEE Trans. Inf. Theory 28(2), 1982, doi:10.1109/TIT.1982.1056489): assign every row
//! to its nearest center (fused GEMM-form kernel), and accumulate per-center weighted
//! counts and coordinate sums in `f64` — then the shared centers update, with
//! deterministic re-seeding of empty clusters.

use super::data::{sq_dist, ChunkCells, Data};
use super::kernel::{nearest, Nearest, Packed};
use crate::float::Float;
use crate::matrix::Mat;
use crate::parallel::map_reduce_chunks;
use std::ops::Range;

/// Mergeable statistics of an assignment step over some rows.
#[derive(Debug, Clone)]
pub(crate) struct StepStats {
    /// Per-center total weight.
    pub(crate) weight: Vec<f64>,
    /// Per-center weighted coordinate sums, `k × d`.
    pub(crate) sums: Vec<f64>,
    /// Per-center number of rows with a positive weight.
    pub(crate) members: Vec<u64>,
    /// Rows whose label changed.
    pub(crate) changed: u64,
    /// Point–center distances evaluated.
    pub(crate) evals: u64,
}

impl StepStats {
    pub(crate) fn zeros(k: usize, d: usize) -> Self {
        StepStats {
            weight: vec![0.0; k],
            sums: vec![0.0; k * d],
            members: vec![0; k],
            changed: 0,
            evals: 0,
        }
    }

    /// Adds `o` (the next chunk in order).
    pub(crate) fn merge(&mut self, o: StepStats) {
        self.weight
            .iter_mut()
            .zip(&o.weight)
            .for_each(|(a, b)| *a += b);
        self.sums.iter_mut().zip(&o.sums).for_each(|(a, b)| *a += b);
        self.members
            .iter_mut()
            .zip(&o.members)
            .for_each(|(a, b)| *a += b);
        self.changed += o.changed;
        self.evals += o.evals;
    }

    /// Adds the rows `r` with their labels `labels`: weights and coordinate sums. The
    /// update half of a step — the same code for every assignment algorithm, so equal
    /// labels give bitwise-equal centers.
    pub(crate) fn accumulate<T: Float>(
        &mut self,
        data: &Data<'_, T>,
        r: Range<usize>,
        labels: &[u32],
    ) {
        #[cfg(target_arch = "x86_64")]
        if super::kernel::best_level() != super::kernel::Level::Portable {
            // SAFETY: every non-portable level implies AVX2 and FMA (see `best_level`).
            return unsafe { self.accumulate_avx2(data, r, labels) };
        }
        self.accumulate_portable(data, r, labels)
    }

    /// [`Self::accumulate_portable`] compiled for AVX2 (same code, same results: only
    /// additions and multiplications, no contraction into FMA is allowed by Rust).
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn accumulate_avx2<T: Float>(
        &mut self,
        data: &Data<'_, T>,
        r: Range<usize>,
        labels: &[u32],
    ) {
        self.accumulate_portable(data, r, labels)
    }

    #[inline(always)]
    fn accumulate_portable<T: Float>(
        &mut self,
        data: &Data<'_, T>,
        r: Range<usize>,
        labels: &[u32],
    ) {
        let d = data.d();
        match data.w {
            None => {
                for (i, &a) in r.zip(labels) {
                    let a = a as usize;
                    let s = &mut self.sums[a * d..(a + 1) * d];
                    s.iter_mut()
                        .zip(data.x.row(i))
                        .for_each(|(s, v)| *s += v.as_f64());
                    self.weight[a] += 1.0;
                    self.members[a] += 1;
                }
            }
            Some(wt) => {
                for (i, &a) in r.zip(labels) {
                    let w = wt[i].as_f64();
                    if w <= 0.0 {
                        continue;
                    }
                    let a = a as usize;
                    let s = &mut self.sums[a * d..(a + 1) * d];
                    s.iter_mut()
                        .zip(data.x.row(i))
                        .for_each(|(s, v)| *s += w * v.as_f64());
                    self.weight[a] += w;
                    self.members[a] += 1;
                }
            }
        }
    }

    /// Inertia of the assignment against the centers it used, from the sums:
    /// Σ w‖x‖² − 2 Σ_j c_j·S_j + Σ_j W_j ‖c_j‖² in `f64` (clamped at 0). Equal to the direct
    /// sum up to `f64` rounding relative to Σ w‖x‖²; only reported to observers — the
    /// result's inertia is summed directly.
    pub(crate) fn inertia<T: Float>(&self, data: &Data<'_, T>, centers: &Mat<T>) -> f64 {
        let d = centers.n_cols();
        let mut cross = 0.0;
        let mut norms = 0.0;
        for j in 0..centers.n_rows() {
            let c = centers.row(j);
            let s = &self.sums[j * d..(j + 1) * d];
            cross += c.iter().zip(s).map(|(c, s)| c.as_f64() * s).sum::<f64>();
            norms += self.weight[j] * c.iter().map(|c| c.as_f64() * c.as_f64()).sum::<f64>();
        }
        (data.wxnorm - 2.0 * cross + norms).max(0.0)
    }
}

/// One Lloyd assignment over all rows: labels updated in place, statistics returned.
pub(crate) fn lloyd_step<T: Float>(
    data: &Data<'_, T>,
    packed: &Packed<T>,
    labels: &mut [u32],
) -> StepStats {
    let (n, d, k) = (data.n(), data.d(), packed.k);
    let cells = ChunkCells::new(labels);
    map_reduce_chunks(
        n,
        StepStats::zeros(k, d),
        |r| {
            let mut old = cells.lock(&r);
            let mut new = vec![0u32; r.len()];
            let mut best = vec![T::zero(); r.len()];
            nearest(
                data.x.rows(r.start, r.end).as_slice(),
                packed,
                Nearest {
                    labels: &mut new,
                    best: &mut best,
                    second: None,
                },
            );
            let mut st = StepStats::zeros(k, d);
            st.changed = old.iter().zip(&new).filter(|(a, b)| a != b).count() as u64;
            st.evals = (r.len() * k) as u64;
            old.copy_from_slice(&new);
            st.accumulate(data, r, &new);
            st
        },
        StepStats::merge,
    )
}

/// New centers after a step.
pub(crate) struct Update<T> {
    pub(crate) centers: Mat<T>,
    /// Σ_j ‖new_j − old_j‖² (`f64`).
    pub(crate) shift: f64,
    /// Empty clusters re-seeded in this update.
    pub(crate) reseeded: usize,
    /// Rows moved to an empty cluster (their bounds, if any, are no longer valid).
    pub(crate) moved: Vec<usize>,
}

/// Weighted means of the clusters; an empty cluster (no row of positive weight) is
/// re-seeded with the row farthest from its center (true distance, lowest index on ties)
/// taken from a cluster that keeps at least one row. `labels` is updated for moved rows.
pub(crate) fn update<T: Float>(
    data: &Data<'_, T>,
    old: &Mat<T>,
    labels: &mut [u32],
    mut st: StepStats,
) -> Update<T> {
    let (k, d) = (old.n_rows(), old.n_cols());
    let empties: Vec<usize> = (0..k).filter(|&j| st.members[j] == 0).collect();
    let mut moved = Vec::new();
    if !empties.is_empty() {
        let wanted = (empties.len() + k).min(data.n());
        let cands = farthest_rows(data, old, labels, wanted);
        let mut next = cands.into_iter();
        for &j in &empties {
            for (_, p) in next.by_ref() {
                let a = labels[p] as usize;
                if st.members[a] < 2 {
                    continue;
                }
                let w = data.weight(p);
                let x = data.x.row(p);
                st.members[a] -= 1;
                st.weight[a] -= w;
                for (l, v) in x.iter().enumerate() {
                    st.sums[a * d + l] -= w * v.as_f64();
                    st.sums[j * d + l] = w * v.as_f64();
                }
                st.members[j] = 1;
                st.weight[j] = w;
                labels[p] = j as u32;
                moved.push(p);
                break;
            }
        }
    }
    let mut centers = old.clone();
    let mut shift = 0.0;
    for j in 0..k {
        if st.members[j] == 0 {
            continue; // no donor found: the center stays
        }
        let inv = 1.0 / st.weight[j];
        for (l, c) in centers.row_mut(j).iter_mut().enumerate() {
            let v = T::of_f64(st.sums[j * d + l] * inv);
            let t = v.as_f64() - c.as_f64();
            shift += t * t;
            *c = v;
        }
    }
    Update {
        centers,
        shift,
        reseeded: moved.len(),
        moved,
    }
}

/// The `m` rows of positive weight farthest from their current center, by decreasing
/// distance then increasing index.
fn farthest_rows<T: Float>(
    data: &Data<'_, T>,
    centers: &Mat<T>,
    labels: &[u32],
    m: usize,
) -> Vec<(f64, usize)> {
    let better = |a: &(f64, usize), b: &(f64, usize)| a.0 > b.0 || (a.0 == b.0 && a.1 < b.1);
    let insert = |top: &mut Vec<(f64, usize)>, c: (f64, usize)| {
        if top.len() == m && !better(&c, &top[m - 1]) {
            return;
        }
        let pos = top.iter().position(|t| better(&c, t)).unwrap_or(top.len());
        top.insert(pos, c);
        top.truncate(m);
    };
    map_reduce_chunks(
        data.n(),
        Vec::new(),
        |r| {
            let mut top = Vec::with_capacity(m + 1);
            for i in r {
                if data.weight(i) > 0.0 {
                    let dist = sq_dist(data.x.row(i), centers.row(labels[i] as usize));
                    insert(&mut top, (dist, i));
                }
            }
            top
        },
        |acc, part| part.into_iter().for_each(|c| insert(acc, c)),
    )
}

/// Final pass: labels of every row against `centers` (when `reassign`) and the exact
/// inertia Σ weight × ‖x − c_label‖² in `f64`. Returns (inertia, distance evaluations).
pub(crate) fn finalize<T: Float>(
    data: &Data<'_, T>,
    centers: &Mat<T>,
    labels: &mut [u32],
    reassign: bool,
) -> (f64, u64) {
    let packed = Packed::new(centers.view());
    let k = centers.n_rows();
    let cells = ChunkCells::new(labels);
    map_reduce_chunks(
        data.n(),
        (0.0, 0u64),
        |r| {
            let mut lab = cells.lock(&r);
            let mut evals = 0;
            if reassign {
                let mut best = vec![T::zero(); r.len()];
                nearest(
                    data.x.rows(r.start, r.end).as_slice(),
                    &packed,
                    Nearest {
                        labels: &mut lab,
                        best: &mut best,
                        second: None,
                    },
                );
                evals = (r.len() * k) as u64;
            }
            let mut s = 0.0;
            for (i, &a) in r.zip(lab.iter()) {
                s += data.weight(i) * sq_dist(data.x.row(i), centers.row(a as usize));
            }
            (s, evals)
        },
        |a, b| {
            a.0 += b.0;
            a.1 += b.1;
        },
    )
}
