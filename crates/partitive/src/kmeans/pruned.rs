//! The pruned Lloyd step with Hamerly's bounds (G. Hamerly, *Making k-means even
//! faster*, SIAM SDM 2010, doi:10.1137/1.9781611972801.12).
//!
//! Every row keeps an upper bound `u` on the (true, Euclidean — the triangle inequality
//! needs the metric, not its square) distance to its assigned center and a lower bound
//! `l` on the distance to every other center. After the centers move by `p_j`, `u += p_a`
//! and `l −= max_{j≠a} p_j`. A row keeps its label without any distance computation when
//! `max(l, s_a − u)`, with `s_a` the distance from `c_a` to its nearest other center,
//! exceeds `u` by a safe margin.
//!
//! # Exactly Lloyd's labels
//! Lloyd compares the GEMM-form values `d̃_j = fl(‖c_j‖² − 2x·c_j)`, which differ from the
//! true `‖x − c_j‖² − ‖x‖²` by at most `E = η (‖x‖ + max_j ‖c_j‖)²` with
//! `η = 4 (d + 4) ε` (ε the unit roundoff of `T`; the bound of a length-`d` FMA chain is
//! `≈ d ε Σ|x_l c_l|`, doubled for safety). A row is skipped only when
//! `lo² − u² > 2E`, which implies `d̃_a < d̃_j` strictly for every `j ≠ a`: Lloyd's argmin is
//! `a`. Rows not skipped are evaluated with the very same kernel as Lloyd (the kernel's
//! value for a row–center pair does not depend on the other rows of its tile), and the
//! centers update is the same code, so iterations are bitwise identical to Lloyd's.
//! Bounds derived from kernel values are widened by `E`; bounds in `f64` are widened by a
//! relative `4 (d + 4) ε_f64`.

use super::data::{sq_dist, ChunkCells, Data};
use super::kernel::{nearest, Nearest, Packed};
use super::sums::StepStats;
use crate::float::Float;
use crate::matrix::Mat;
use crate::parallel::map_reduce_chunks;

/// Per-row bounds `[upper, lower]`; `[∞, 0]` means "unknown".
pub(crate) type Bound = [f64; 2];

/// How far each center moved in the last update (true distances, widened).
#[derive(Debug, Clone)]
pub(crate) struct Moves {
    p: Vec<f64>,
    /// Largest move and its center, second largest move.
    max1: f64,
    arg1: usize,
    max2: f64,
}

/// Relative widening of `f64` distance computations over `d` columns.
fn f64_slack(d: usize) -> f64 {
    4.0 * (d as f64 + 4.0) * f64::EPSILON
}

impl Moves {
    /// Moves from `old` to `new` centers.
    pub(crate) fn between<T: Float>(old: &Mat<T>, new: &Mat<T>) -> Self {
        let grow = 1.0 + f64_slack(old.n_cols());
        let p: Vec<f64> = (0..old.n_rows())
            .map(|j| sq_dist(old.row(j), new.row(j)).sqrt() * grow)
            .collect();
        let (mut max1, mut arg1, mut max2) = (0.0, 0, 0.0);
        for (j, &v) in p.iter().enumerate() {
            if v > max1 {
                max2 = max1;
                max1 = v;
                arg1 = j;
            } else if v > max2 {
                max2 = v;
            }
        }
        Moves {
            p,
            max1,
            arg1,
            max2,
        }
    }

    #[inline]
    fn other(&self, a: usize) -> f64 {
        if a == self.arg1 {
            self.max2
        } else {
            self.max1
        }
    }
}

/// Per-iteration geometry of the centers.
struct Geometry {
    /// Distance from each center to its nearest other center (narrowed; ∞ when k = 1).
    s: Vec<f64>,
    /// Largest center norm (widened).
    cmax: f64,
    /// `η` of the module docs.
    eta: f64,
}

impl Geometry {
    fn new<T: Float>(centers: &Mat<T>) -> Self {
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
        let cmax = (0..k)
            .map(|j| {
                centers
                    .row(j)
                    .iter()
                    .map(|v| v.as_f64() * v.as_f64())
                    .sum::<f64>()
            })
            .fold(0.0, f64::max)
            .sqrt()
            * (1.0 + slack);
        let eps = T::epsilon().as_f64() / 2.0;
        Geometry {
            s,
            cmax,
            eta: 4.0 * (d as f64 + 4.0) * eps,
        }
    }

    /// The error bound `E` of GEMM-form values for a row of squared norm `xnorm`:
    /// `η (‖x‖ + c)² ≤ 2η (‖x‖² + c²)` (no square root per row).
    #[inline]
    fn err(&self, xnorm: f64) -> f64 {
        2.0 * self.eta * (xnorm + self.cmax * self.cmax) * (1.0 + 1e-6)
    }
}

/// Whether the bounds prove that Lloyd's kernel picks the assigned center.
#[inline]
fn proven(u: f64, lo: f64, e: f64) -> bool {
    lo > u && lo * lo - u * u > 2.0 * e
}

/// One pruned assignment over all rows: labels and bounds updated in place (after
/// applying `moves`, the center moves of the previous update), statistics returned —
/// equal to [`super::lloyd::lloyd_step`]'s except for `evals`.
pub(crate) fn hamerly_step<T: Float>(
    data: &Data<'_, T>,
    packed: &Packed<T>,
    centers: &Mat<T>,
    labels: &mut [u32],
    bounds: &mut [Bound],
    moves: Option<&Moves>,
) -> StepStats {
    let (n, d, k) = (data.n(), data.d(), packed.k);
    debug_assert_eq!(data.xnorm.len(), n);
    let geo = Geometry::new(centers);
    let slack = f64_slack(d);
    let labels = ChunkCells::new(labels);
    let bounds = ChunkCells::new(bounds);
    map_reduce_chunks(
        n,
        StepStats::zeros(data, k),
        |r| {
            let mut lab = labels.lock(&r);
            let mut bnd = bounds.lock(&r);
            let mut st = StepStats::zeros(data, k);
            let full = screen(
                data,
                centers,
                &geo,
                slack,
                moves,
                r.clone(),
                &mut lab,
                &mut bnd,
                &mut st,
            );
            if !full.is_empty() {
                let m = full.len();
                let mut buf = Vec::with_capacity(m * d);
                for &li in &full {
                    buf.extend_from_slice(data.x.row(r.start + li));
                }
                let (mut nl, mut nb, mut ns) =
                    (vec![0u32; m], vec![T::zero(); m], vec![T::zero(); m]);
                nearest(
                    &buf,
                    packed,
                    Nearest {
                        labels: &mut nl,
                        best: &mut nb,
                        second: Some(&mut ns),
                    },
                );
                st.evals += (m * k) as u64;
                for (q, &li) in full.iter().enumerate() {
                    let i = r.start + li;
                    let e = geo.err(data.xnorm[i]);
                    if lab[li] != nl[q] {
                        st.changed += 1;
                    }
                    lab[li] = nl[q];
                    let xn = data.xnorm[i];
                    let u = (xn + nb[q].as_f64() + e).max(0.0).sqrt() * (1.0 + slack);
                    let l = (xn + ns[q].as_f64() - e).max(0.0).sqrt() * (1.0 - slack);
                    bnd[li] = [u, l];
                }
            }
            st.accumulate(data, r, &lab);
            st
        },
        StepStats::merge,
    )
}

/// How many rows ahead [`screen`] prefetches.
const PREFETCH_ROWS: usize = 32;

/// Hints the CPU to load row `i` (if `i < end`) into the cache.
#[inline(always)]
fn prefetch_row<T: Float>(data: &Data<'_, T>, i: usize, end: usize) {
    #[cfg(target_arch = "x86_64")]
    if i < end {
        let row = data.x.row(i);
        let bytes = std::mem::size_of_val(row);
        let p = row.as_ptr() as *const i8;
        let mut off = 0;
        while off < bytes {
            // SAFETY: a prefetch is only a hint and never faults; the address is inside
            // the row anyway.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.add(off))
            };
            off += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (data, i, end);
}

/// The rows of chunk `r` whose bounds (after `moves`, tightened once) do not prove their
/// label: local indices, in order. Updates the bounds of the others.
#[allow(clippy::too_many_arguments)]
fn screen<T: Float>(
    data: &Data<'_, T>,
    centers: &Mat<T>,
    geo: &Geometry,
    slack: f64,
    moves: Option<&Moves>,
    r: std::ops::Range<usize>,
    lab: &mut [u32],
    bnd: &mut [Bound],
    st: &mut StepStats,
) -> Vec<usize> {
    #[cfg(target_arch = "x86_64")]
    if super::kernel::best_level() != super::kernel::Level::Portable {
        // SAFETY: every non-portable level implies AVX2 and FMA (see `best_level`).
        return unsafe { screen_avx2(data, centers, geo, slack, moves, r, lab, bnd, st) };
    }
    screen_portable(data, centers, geo, slack, moves, r, lab, bnd, st)
}

/// [`screen_portable`] compiled for AVX2 (same code and results).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn screen_avx2<T: Float>(
    data: &Data<'_, T>,
    centers: &Mat<T>,
    geo: &Geometry,
    slack: f64,
    moves: Option<&Moves>,
    r: std::ops::Range<usize>,
    lab: &mut [u32],
    bnd: &mut [Bound],
    st: &mut StepStats,
) -> Vec<usize> {
    screen_portable(data, centers, geo, slack, moves, r, lab, bnd, st)
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn screen_portable<T: Float>(
    data: &Data<'_, T>,
    centers: &Mat<T>,
    geo: &Geometry,
    slack: f64,
    moves: Option<&Moves>,
    r: std::ops::Range<usize>,
    lab: &mut [u32],
    bnd: &mut [Bound],
    st: &mut StepStats,
) -> Vec<usize> {
    let mut full = Vec::new();
    let end = r.end;
    for (li, i) in r.enumerate() {
        // Every row is read by the update anyway: stream rows ahead into the cache so the
        // exact distances below (taken for some rows only) do not wait for memory.
        prefetch_row(data, i + PREFETCH_ROWS, end);
        let a = lab[li];
        if a == u32::MAX {
            full.push(li);
            continue;
        }
        let a = a as usize;
        let [mut u, mut l] = bnd[li];
        if let Some(m) = moves {
            u += m.p[a];
            l -= m.other(a);
        }
        let e = geo.err(data.xnorm[i]);
        if !proven(u, l.max(geo.s[a] - u), e) {
            // Tighten the upper bound with the exact distance, then test again.
            u = sq_dist(data.x.row(i), centers.row(a)).sqrt() * (1.0 + slack);
            st.evals += 1;
            if !proven(u, l.max(geo.s[a] - u), e) {
                full.push(li);
            }
        }
        bnd[li] = [u, l];
    }
    full
}
