//! Initial centers: greedy k-means++ (seeded) and deterministic farthest-first.
//!
//! k-means++: D. Arthur, S. Vassilvitskii, *k-means++: the advantages of careful
//! seeding*, SODA 2007, pp. 1027–1035. The greedy variant (best of `2 + ⌊ln k⌋` sampled
//! candidates by resulting potential) is the one the same paper mentions and
//! scikit-learn uses. Farthest-first (maximin) traversal: T. F. Gonzalez, *Clustering to
//! minimize the maximum intercluster distance*, Theor. Comput. Sci. 38, 1985,
//! doi:10.1016/0304-3975(85)90224-5.
//!
//! D² (each row's squared distance to its nearest chosen center) is the true squared
//! distance accumulated in `f64`; the greedy step scores its candidates with the blocked
//! assignment kernel's values (GEMM form in `T`, see [`potentials`]). Every pass is a
//! chunk kernel merged in chunk order, so the centers chosen do not depend on the thread
//! count.

use super::data::{sq_dist, sq_norm, Data};
use super::kernel::{values, Packed};
use crate::float::Float;
use crate::matrix::Mat;
use crate::parallel::{chunk_slices, map_reduce_chunks, map_reduce_chunks_with, par_vec};
use crate::rng::Rng;
use crate::simd::{dispatch_at, Kernel, Level, Simd};
use std::ops::Range;

/// Per-chunk summary after updating the nearest-center distances.
#[derive(Debug, Clone, Copy)]
pub(super) struct ChunkInfo {
    /// Σ weight × D² over the chunk.
    pub(super) mass: f64,
    /// Largest D² over rows of positive weight, and its (lowest) row.
    pub(super) max: f64,
    pub(super) argmax: usize,
}

/// Sets `d2[i] = min(d2[i], ‖x_i − c‖²)` and returns one [`ChunkInfo`] per chunk, in order.
pub(super) fn update_d2<T: Float>(data: &Data<'_, T>, d2: &mut [f64], c: &[T]) -> Vec<ChunkInfo> {
    map_reduce_chunks_with(
        data.n(),
        chunk_slices(d2, data.n(), 1),
        Vec::new(),
        |r, d2| vec![update_chunk(data, d2, r, c)],
        |acc: &mut Vec<ChunkInfo>, p| acc.extend(p),
    )
}

/// [`update_d2`] on the rows `r` (`d2`: theirs).
pub(super) fn update_chunk<T: Float>(
    data: &Data<'_, T>,
    d2: &mut [f64],
    r: Range<usize>,
    c: &[T],
) -> ChunkInfo {
    update_chunk_at(crate::simd::level(), data, d2, r, c)
}

/// [`update_chunk`] compiled for `level` or lower (at most AVX2 + FMA, the level it was
/// tuned at): the same results at every level (Rust does not contract multiplications and
/// additions into FMA, and the partial sums keep their order).
pub(super) fn update_chunk_at<T: Float>(
    level: Level,
    data: &Data<'_, T>,
    d2: &mut [f64],
    r: Range<usize>,
    c: &[T],
) -> ChunkInfo {
    dispatch_at(level.min(Level::Avx2), UpdateChunk { data, d2, r, c })
}

/// The kernel of [`update_chunk`].
struct UpdateChunk<'a, 'd, 'o, T> {
    data: &'a Data<'d, T>,
    d2: &'o mut [f64],
    r: Range<usize>,
    c: &'a [T],
}

impl<T: Float> Kernel for UpdateChunk<'_, '_, '_, T> {
    type Output = ChunkInfo;
    #[inline(always)]
    fn run(self, _: Simd) -> ChunkInfo {
        update_chunk_portable(self.data, self.d2, self.r, self.c)
    }
}

#[inline(always)]
fn update_chunk_portable<T: Float>(
    data: &Data<'_, T>,
    d2: &mut [f64],
    r: Range<usize>,
    c: &[T],
) -> ChunkInfo {
    let mut info = ChunkInfo {
        mass: 0.0,
        max: -1.0,
        argmax: usize::MAX,
    };
    for (v, i) in d2.iter_mut().zip(r) {
        let dist = sq_dist(data.x.row(i), c);
        if dist < *v {
            *v = dist;
        }
        let w = data.weight(i);
        info.mass += w * *v;
        if w > 0.0 && *v > info.max {
            info.max = *v;
            info.argmax = i;
        }
    }
    info
}

/// Rows per block of the candidates' potentials (the block's kernel values stay in L1/L2).
const POT_BLOCK: usize = 256;

/// Σ weight × min(D², ‖x − c‖²) over the rows `r`, for each of the first `t` candidates
/// packed in `cands`: all candidates against a block of rows in one pass of the blocked
/// kernel ([`values`]: `‖c‖² − 2x·c` in `T`), plus the rows' squared norms `xn` (`f64`),
/// clamped at 0. `xn`, `d2`: the rows' squared norms and current D² (those of `r`, in
/// order).
pub(super) fn potentials<T: Float>(
    data: &Data<'_, T>,
    xn: &[f64],
    d2: &[f64],
    r: Range<usize>,
    cands: &Packed<T>,
    t: usize,
) -> Vec<f64> {
    let s = cands.norms.len();
    let mut vals = vec![T::zero(); POT_BLOCK.min(r.len()) * s];
    let mut pot = vec![0.0; t];
    let mut start = r.start;
    while start < r.end {
        let b = POT_BLOCK.min(r.end - start);
        let v = &mut vals[..b * s];
        values(data.x.rows(start, start + b).as_slice(), cands, v);
        for (i, vi) in (start..start + b).zip(v.chunks_exact(s)) {
            let l = i - r.start;
            let (w, x2, cap) = (data.weight(i), xn[l], d2[l]);
            for (p, &v) in pot.iter_mut().zip(&vi[..t]) {
                *p += w * (x2 + v.as_f64()).max(0.0).min(cap);
            }
        }
        start += b;
    }
    pot
}

/// The rows' squared norms in `f64` ([`sq_norm`]).
pub(super) fn row_norms<T: Float>(data: &Data<'_, T>) -> Vec<f64> {
    par_vec(data.n(), |i| sq_norm(data.x.row(i)))
}

/// The row where the cumulative mass Σ weight × D² first exceeds `u` (rows of zero mass
/// are never returned).
fn locate<T: Float>(data: &Data<'_, T>, d2: &[f64], chunks: &[ChunkInfo], u: f64) -> usize {
    let (c, cum) = locate_chunk(chunks, u);
    let r = chunk_rows(c, data.n());
    walk_chunk(data, &d2[r.clone()], r, cum, u)
}

/// The rows of chunk `c` of `0..n`.
pub(super) fn chunk_rows(c: usize, n: usize) -> Range<usize> {
    let start = c * crate::parallel::CHUNK_ROWS;
    start..(start + crate::parallel::CHUNK_ROWS).min(n)
}

/// Where [`locate`]'s row lies: the chunk and the mass of the chunks before it (for
/// `u` beyond the total, by rounding, the last chunk of positive mass and `+∞`: the
/// walk then returns its last row of positive mass).
pub(super) fn locate_chunk(chunks: &[ChunkInfo], u: f64) -> (usize, f64) {
    let mut cum = 0.0;
    let mut last_positive = None;
    for (c, info) in chunks.iter().enumerate() {
        if info.mass <= 0.0 {
            continue;
        }
        if cum + info.mass <= u {
            cum += info.mass;
            last_positive = Some(c);
            continue;
        }
        return (c, cum);
    }
    (last_positive.unwrap_or(0), f64::INFINITY)
}

/// The walk of [`locate`] inside its chunk, rows `r` (`d2`: theirs), from the mass `cum`
/// before it.
pub(super) fn walk_chunk<T: Float>(
    data: &Data<'_, T>,
    d2: &[f64],
    r: Range<usize>,
    mut cum: f64,
    u: f64,
) -> usize {
    if cum.is_finite() {
        let mut last = None;
        for (t, i) in r.clone().enumerate() {
            let m = data.weight(i) * d2[t];
            if m > 0.0 {
                cum += m;
                last = Some(i);
                if cum > u {
                    return i;
                }
            }
        }
        // Rounding: the chunk's rows summed slightly below its total.
        if let Some(i) = last {
            return i;
        }
    }
    // Rounding at the very end: the last row of positive mass.
    r.clone()
        .rev()
        .find(|&i| data.weight(i) * d2[i - r.start] > 0.0)
        .unwrap_or(0)
}

/// A row drawn with probability ∝ its weight.
pub(super) fn first_row<T: Float>(data: &Data<'_, T>, rng: &mut Rng) -> usize {
    match data.w {
        None => rng.below(data.n()),
        Some(w) => {
            let total: f64 = w.iter().map(|v| v.as_f64()).sum();
            let u = rng.next_f64() * total;
            let mut cum = 0.0;
            let mut last = 0;
            for (i, v) in w.iter().enumerate() {
                let v = v.as_f64();
                if v > 0.0 {
                    cum += v;
                    last = i;
                    if cum > u {
                        return i;
                    }
                }
            }
            last
        }
    }
}

pub(super) fn centers_of<T: Float>(data: &Data<'_, T>, rows: &[usize]) -> Mat<T> {
    let d = data.d();
    let mut v = Vec::with_capacity(rows.len() * d);
    for &i in rows {
        v.extend_from_slice(data.x.row(i));
    }
    Mat::from_vec(v, rows.len(), d).expect("shape")
}

/// Greedy k-means++ seeding. Each step draws its candidates from the exact D², scores
/// them all in one blocked pass ([`potentials`]) and updates D² exactly for the winner.
pub(crate) fn kmeans_plus_plus<T: Float>(data: &Data<'_, T>, k: usize, rng: &mut Rng) -> Mat<T> {
    let n = data.n();
    let xn = row_norms(data);
    let mut rows = vec![first_row(data, rng)];
    let mut d2 = par_vec(n, |_| f64::INFINITY);
    let mut chunks = update_d2(data, &mut d2, data.x.row(rows[0]));
    let trials = 2 + (k as f64).ln().floor() as usize;
    while rows.len() < k && !data.stop.is_triggered() {
        let total: f64 = chunks.iter().map(|c| c.mass).sum();
        let cands: Vec<usize> = (0..trials)
            .map(|_| {
                if total > 0.0 {
                    locate(data, &d2, &chunks, rng.next_f64() * total)
                } else {
                    rng.below(n)
                }
            })
            .collect();
        let packed = Packed::new(centers_of(data, &cands).view());
        let d2r = &d2;
        let pots = map_reduce_chunks(
            n,
            vec![0.0; trials],
            |r| potentials(data, &xn[r.clone()], &d2r[r.clone()], r, &packed, trials),
            |a, b| a.iter_mut().zip(b).for_each(|(a, b)| *a += b),
        );
        let mut best = 0;
        for t in 1..trials {
            if pots[t] < pots[best] {
                best = t;
            }
        }
        rows.push(cands[best]);
        chunks = update_d2(data, &mut d2, data.x.row(cands[best]));
    }
    centers_of(data, &rows)
}

/// Deterministic farthest-first seeding from the row nearest the weighted mean.
pub(crate) fn farthest_first<T: Float>(data: &Data<'_, T>, k: usize) -> Mat<T> {
    let (n, d) = (data.n(), data.d());
    let (sum, wsum) = map_reduce_chunks(
        n,
        (vec![0.0; d], 0.0),
        |r| weighted_sums(data, r),
        merge_sums,
    );
    let mean: Vec<f64> = sum.iter().map(|s| s / wsum).collect();
    let (_, first) = map_reduce_chunks(
        n,
        (f64::INFINITY, usize::MAX),
        |r| nearest_to(data, r, &mean),
        keep_nearer,
    );
    // (Distances are finite: `fit` rescales data whose squares would overflow. Should
    // none compare, the first row of positive weight stands in rather than an index
    // out of range.)
    let fallback = || (0..n).find(|&i| data.weight(i) > 0.0).unwrap_or(0);
    let first = if first < n { first } else { fallback() };
    let mut rows = vec![first];
    let mut d2 = vec![f64::INFINITY; n];
    let mut chunks = update_d2(data, &mut d2, data.x.row(first));
    while rows.len() < k && !data.stop.is_triggered() {
        let mut best = (-1.0, usize::MAX);
        for c in &chunks {
            if c.max > best.0 {
                best = (c.max, c.argmax);
            }
        }
        if best.1 >= n {
            best.1 = fallback();
        }
        rows.push(best.1);
        chunks = update_d2(data, &mut d2, data.x.row(best.1));
    }
    centers_of(data, &rows)
}

/// Σ w·x and Σ w over the rows `r`.
pub(super) fn weighted_sums<T: Float>(data: &Data<'_, T>, r: Range<usize>) -> (Vec<f64>, f64) {
    let mut s = vec![0.0; data.d()];
    let mut ws = 0.0;
    for i in r {
        let w = data.weight(i);
        ws += w;
        s.iter_mut()
            .zip(data.x.row(i))
            .for_each(|(s, v)| *s += w * v.as_f64());
    }
    (s, ws)
}

/// The merge of [`weighted_sums`].
pub(super) fn merge_sums(a: &mut (Vec<f64>, f64), b: (Vec<f64>, f64)) {
    a.0.iter_mut().zip(b.0).for_each(|(a, b)| *a += b);
    a.1 += b.1;
}

/// The row of positive weight of `r` nearest `mean` (lowest index on ties) and its
/// squared distance; `(+∞, usize::MAX)` when none compares.
pub(super) fn nearest_to<T: Float>(
    data: &Data<'_, T>,
    r: Range<usize>,
    mean: &[f64],
) -> (f64, usize) {
    let mut best = (f64::INFINITY, usize::MAX);
    for i in r {
        if data.weight(i) > 0.0 {
            let dist: f64 = data
                .x
                .row(i)
                .iter()
                .zip(mean)
                .map(|(v, m)| (v.as_f64() - m) * (v.as_f64() - m))
                .sum();
            if dist < best.0 {
                best = (dist, i);
            }
        }
    }
    best
}

/// The merge of [`nearest_to`]: the earlier chunk wins ties.
pub(super) fn keep_nearer(a: &mut (f64, usize), b: (f64, usize)) {
    if b.0 < a.0 {
        *a = b;
    }
}
