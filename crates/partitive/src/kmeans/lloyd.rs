//! One Lloyd iteration as a chunk kernel (S. Lloyd, *Least squares quantization in PCM*,
//! IEEE Trans. Inf. Theory 28(2), 1982, doi:10.1109/TIT.1982.1056489): assign every row
//! to its nearest center (fused GEMM-form kernel), and accumulate per-center exact
//! fixed-point sums ([`super::sums`]) — then the shared centers update, with
//! deterministic re-seeding of empty clusters.

use super::data::{sq_dist, ChunkCells, Data};
use super::kernel::{nearest, Nearest, Packed};
use super::sums::StepStats;
use crate::float::Float;
use crate::matrix::Mat;
use crate::parallel::{fold_chunks, map_reduce_chunks};
use std::ops::Range;

/// One Lloyd assignment over all rows: labels updated in place, statistics returned.
pub(crate) fn lloyd_step<T: Float>(
    data: &Data<'_, T>,
    packed: &Packed<T>,
    labels: &mut [u32],
) -> StepStats {
    let (n, k) = (data.n(), packed.k);
    let cells = ChunkCells::new(labels);
    fold_chunks(
        n,
        || StepStats::zeros(data, k),
        |st, r| {
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
            st.changed += old.iter().zip(&new).filter(|(a, b)| a != b).count() as u64;
            st.evals += (r.len() * k) as u64;
            old.copy_from_slice(&new);
            st.accumulate(data, r, &new);
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

/// Weighted means of the clusters from the sums `st` of the assignment `labels`; an empty
/// cluster (no row of positive weight) is re-seeded with the row farthest from its center
/// (true distance, lowest index on ties) taken from a cluster that keeps at least one
/// row. `labels` and `st` are updated for moved rows (so `st` stays the sums of
/// `labels`).
pub(crate) fn update<T: Float>(
    data: &Data<'_, T>,
    old: &Mat<T>,
    labels: &mut [u32],
    st: &mut StepStats,
) -> Update<T> {
    let k = old.n_rows();
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
                st.add_row(data, p, a, -1);
                st.set_row(data, p, j);
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
        for (l, c) in centers.row_mut(j).iter_mut().enumerate() {
            let v = T::of_f64(st.mean(data, j, l));
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
/// inertia Σ weight × ‖x − c_label‖² in `f64`.
pub(crate) fn finalize<T: Float>(
    data: &Data<'_, T>,
    centers: &Mat<T>,
    labels: &mut [u32],
    reassign: bool,
) -> f64 {
    let packed = Packed::new(centers.view());
    let cells = ChunkCells::new(labels);
    map_reduce_chunks(
        data.n(),
        0.0,
        |r| {
            let mut lab = cells.lock(&r);
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
            }
            inertia_of(data, centers, r, &lab)
        },
        |a, b| *a += b,
    )
}

/// Σ weight × ‖x − c_label‖² over the rows `r` (`f64`, in row order).
fn inertia_of<T: Float>(data: &Data<'_, T>, centers: &Mat<T>, r: Range<usize>, lab: &[u32]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if super::kernel::best_level() != super::kernel::Level::Portable {
        // SAFETY: every non-portable level implies AVX2 and FMA (see `best_level`).
        return unsafe { inertia_avx2(data, centers, r, lab) };
    }
    inertia_portable(data, centers, r, lab)
}

/// [`inertia_portable`] compiled for AVX2 (same results: no contraction into FMA).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn inertia_avx2<T: Float>(
    data: &Data<'_, T>,
    centers: &Mat<T>,
    r: Range<usize>,
    lab: &[u32],
) -> f64 {
    inertia_portable(data, centers, r, lab)
}

#[inline(always)]
fn inertia_portable<T: Float>(
    data: &Data<'_, T>,
    centers: &Mat<T>,
    r: Range<usize>,
    lab: &[u32],
) -> f64 {
    let mut s = 0.0;
    for (i, &a) in r.zip(lab) {
        s += data.weight(i) * sq_dist(data.x.row(i), centers.row(a as usize));
    }
    s
}
