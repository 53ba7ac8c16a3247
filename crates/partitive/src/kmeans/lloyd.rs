//! One Lloyd iteration as a chunk kernel (S. Lloyd, *Least squares quantization in PCM*,
//! IEEE Trans. Inf. Theory 28(2), 1982, doi:10.1109/TIT.1982.1056489): assign every row
//! to its nearest center (fused GEMM-form kernel), and accumulate per-center exact
//! fixed-point sums ([`super::sums`]) — then the shared centers update, with
//! deterministic re-seeding of empty clusters.

use super::data::{sq_dist, Data};
use super::kernel::{nearest, Nearest, Packed};
use super::sums::StepStats;
use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use crate::parallel::{chunk_slices, fold_chunks_with, map_reduce_chunks, map_reduce_chunks_with};
use crate::simd::{dispatch_upto, Kernel, Level, Simd};
use std::ops::Range;

/// One Lloyd assignment over all rows: labels updated in place, statistics returned.
pub(crate) fn lloyd_step<T: Float>(
    data: &Data<'_, T>,
    packed: &Packed<T>,
    labels: &mut [u32],
) -> StepStats {
    let (n, k) = (data.n(), packed.k);
    fold_chunks_with(
        n,
        chunk_slices(labels, n, 1),
        || StepStats::zeros(data, k),
        |st, r, old| {
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
    /// The clusters they moved to.
    pub(crate) moved_to: Vec<u32>,
}

/// A row that may be moved into an empty cluster: its index, its label, its values and
/// weight.
pub(crate) struct Donor<T> {
    pub(crate) index: usize,
    pub(crate) label: u32,
    pub(crate) row: Vec<T>,
    pub(crate) weight: Option<f64>,
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
    let up = update_with(data, old, st, |m| {
        farthest_rows(data, old, labels, m)
            .into_iter()
            .map(|(_, p, ())| Donor {
                index: p,
                label: labels[p],
                row: data.x.row(p).to_vec(),
                weight: data.w.map(|w| w[p].as_f64()),
            })
            .collect()
    });
    for (&p, &j) in up.moved.iter().zip(&up.moved_to) {
        labels[p] = j;
    }
    up
}

/// [`update`] for any driver: `donors(m)` lists the `m` rows of positive weight farthest
/// from their center (by decreasing distance, then increasing index) when a cluster is
/// empty. [`Update::moved`] and [`Update::moved_to`] say which rows the caller must
/// relabel.
pub(crate) fn update_with<T: Float>(
    data: &Data<'_, T>,
    old: &Mat<T>,
    st: &mut StepStats,
    donors: impl FnOnce(usize) -> Vec<Donor<T>>,
) -> Update<T> {
    let k = old.n_rows();
    let empties: Vec<usize> = (0..k).filter(|&j| st.members[j] == 0).collect();
    let (mut moved, mut moved_to) = (Vec::new(), Vec::new());
    if !empties.is_empty() {
        let wanted = (empties.len() + k).min(data.n_fit);
        let mut next = donors(wanted).into_iter();
        for &j in &empties {
            for c in next.by_ref() {
                let a = c.label as usize;
                if st.members[a] < 2 {
                    continue;
                }
                st.add_values(data.scale, &c.row, c.weight, a, -1);
                st.set_values(data.scale, &c.row, c.weight, j);
                moved.push(c.index);
                moved_to.push(j as u32);
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
        moved_to,
    }
}

/// Whether candidate `a` ranks before `b`: farther, then lower index.
fn better<X>(a: &(f64, usize, X), b: &(f64, usize, X)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 < b.1)
}

/// Inserts `c` into the ranked list `top` of at most `m` candidates.
pub(crate) fn insert_top<X>(top: &mut Vec<(f64, usize, X)>, c: (f64, usize, X), m: usize) {
    if top.len() == m && !better(&c, &top[m - 1]) {
        return;
    }
    let pos = top.iter().position(|t| better(&c, t)).unwrap_or(top.len());
    top.insert(pos, c);
    top.truncate(m);
}

/// The `m` rows of positive weight farthest from their current center, by decreasing
/// distance then increasing index.
fn farthest_rows<T: Float>(
    data: &Data<'_, T>,
    centers: &Mat<T>,
    labels: &[u32],
    m: usize,
) -> Vec<(f64, usize, ())> {
    map_reduce_chunks(
        data.n(),
        Vec::new(),
        |r| farthest_chunk(data, centers, &labels[r.clone()], r, m),
        |acc, part| part.into_iter().for_each(|c| insert_top(acc, c, m)),
    )
}

/// The chunk kernel of [`farthest_rows`] over the rows `r` (labels `lab`).
pub(crate) fn farthest_chunk<T: Float>(
    data: &Data<'_, T>,
    centers: &Mat<T>,
    lab: &[u32],
    r: Range<usize>,
    m: usize,
) -> Vec<(f64, usize, ())> {
    let mut top = Vec::with_capacity(m + 1);
    for (i, &a) in r.zip(lab) {
        if data.weight(i) > 0.0 {
            let dist = sq_dist(data.x.row(i), centers.row(a as usize));
            insert_top(&mut top, (dist, i, ()), m);
        }
    }
    top
}

/// Final pass: labels of every row against `centers` (when `reassign`) and the exact
/// inertia Σ weight × ‖x − c_label‖² in `f64`.
pub(crate) fn finalize<T: Float>(
    data: &Data<'_, T>,
    centers: &Mat<T>,
    labels: &mut [u32],
    reassign: bool,
) -> f64 {
    finalize_from(data, centers, labels, reassign, 0.0)
}

/// [`finalize`] adding the chunks' inertias, in order, to `init` (a streamed fit's running
/// total over the rows before `data`).
pub(crate) fn finalize_from<T: Float>(
    data: &Data<'_, T>,
    centers: &Mat<T>,
    labels: &mut [u32],
    reassign: bool,
    init: f64,
) -> f64 {
    let packed = Packed::new(centers.view());
    map_reduce_chunks_with(
        data.n(),
        chunk_slices(labels, data.n(), 1),
        init,
        |r, lab| {
            if reassign {
                nearest_of(data, &packed, r.clone(), lab);
            }
            inertia_of(data, centers, r, lab)
        },
        |a, b| *a += b,
    )
}

/// The labels `lab` of the rows `r`: their nearest center of `packed`.
fn nearest_of<T: Float>(data: &Data<'_, T>, packed: &Packed<T>, r: Range<usize>, lab: &mut [u32]) {
    let mut best = vec![T::zero(); r.len()];
    nearest(
        data.x.rows(r.start, r.end).as_slice(),
        packed,
        Nearest {
            labels: lab,
            best: &mut best,
            second: None,
        },
    );
}

/// The inertia of the rows `r` against their nearest center (`packed`: `centers`
/// packed): the chunk kernel of [`finalize_from`] with `reassign`.
pub(crate) fn reassigned_inertia<T: Float>(
    data: &Data<'_, T>,
    packed: &Packed<T>,
    centers: &Mat<T>,
    r: Range<usize>,
) -> f64 {
    let mut lab = vec![0u32; r.len()];
    nearest_of(data, packed, r.clone(), &mut lab);
    inertia_of(data, centers, r, &lab)
}

/// Σ weight × ‖x − c_label‖² over the rows `r` (`f64`, in row order).
fn inertia_of<T: Float>(data: &Data<'_, T>, centers: &Mat<T>, r: Range<usize>, lab: &[u32]) -> f64 {
    // Compiled for at most AVX2 + FMA, the level it was tuned at (the same results at
    // every level: no contraction into FMA).
    dispatch_upto(
        Level::Avx2,
        Inertia {
            data,
            centers,
            r,
            lab,
        },
    )
}

/// The kernel of [`inertia_of`].
struct Inertia<'a, 'd, T> {
    data: &'a Data<'d, T>,
    centers: &'a Mat<T>,
    r: Range<usize>,
    lab: &'a [u32],
}

impl<T: Float> Kernel for Inertia<'_, '_, T> {
    type Output = f64;
    #[inline(always)]
    fn run(self, _: Simd) -> f64 {
        inertia_portable(self.data, self.centers, self.r, self.lab)
    }
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

/// The nearest center of every row of `x` (lowest index on ties) and the gap to the
/// second nearest, `‖x − c₂‖² − ‖x − c₁‖²` (≥ 0; at least two centers), through the
/// same kernel as the Lloyd iterations: the swap repair of the PPP many-cluster search
/// reads the cost of removing a center from it.
pub(crate) fn nearest_gap<T: Float>(x: MatRef<'_, T>, centers: &Mat<T>) -> (Vec<u32>, Vec<T>) {
    let n = x.n_rows();
    let packed = Packed::new(centers.view());
    let mut labels = vec![0u32; n];
    let mut gap = vec![T::zero(); n];
    let items: Vec<_> = chunk_slices(&mut labels, n, 1)
        .into_iter()
        .zip(chunk_slices(&mut gap, n, 1))
        .collect();
    map_reduce_chunks_with(
        n,
        items,
        (),
        |r, (lab, g)| {
            let mut best = vec![T::zero(); r.len()];
            nearest(
                x.rows(r.start, r.end).as_slice(),
                &packed,
                Nearest {
                    labels: lab,
                    best: &mut best,
                    second: Some(&mut *g),
                },
            );
            g.iter_mut()
                .zip(&best)
                .for_each(|(s, &b)| *s = (*s - b).max(T::zero()));
        },
        |_, _| {},
    );
    (labels, gap)
}
