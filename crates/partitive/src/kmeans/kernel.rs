//! The fused assignment kernel: for a block of rows, the nearest center in the GEMM form
//! `‖c‖² − 2·x·c` (‖x‖² is constant per row and left out), argmin fused, never an `n × k`
//! matrix.
//!
//! # Arithmetic contract (what makes every variant give identical labels)
//!
//! For row `x` and center `j`, every implementation computes
//! `dot = fma(x[d−1], c[d−1], … fma(x[1], c[1], fma(x[0], c[0], 0)))` — one
//! sequential chain of fused multiply-adds over the columns in order — then
//! `dist = norm[j] − 2·dot` with one rounding, where `norm[j] = ‖c_j‖²` computed in `f64`
//! and rounded to `T`. The nearest center is the lowest `j` with the smallest `dist`.
//! So the value of `dist` for a pair does not depend on the tile it was computed in, the
//! SIMD width or the dispatch level: the AVX-512 and AVX2 kernels, the portable kernel and
//! the pruned variant (which evaluates only some rows) agree bitwise — results do not
//! depend on the machine's instruction set.
//!
//! Dispatch: through [`crate::simd`], at the crate's level — the AVX-512F micro-kernel
//! (which must first pass [`avx512_agrees`], a bitwise self-check against the portable
//! kernel), else the AVX2 + FMA one, else portable Rust.

#[cfg(target_arch = "x86_64")]
#[macro_use]
mod tile;
#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod values;

pub(crate) use values::values;

use crate::float::Float;
use crate::matrix::MatRef;
use crate::simd::{dispatch, Kernel, Level, Simd};

/// Centers packed for the kernel: panels of `w` slots, each panel `d × w` (column `l`
/// of the `w` centers contiguous); empty slots hold zero centers whose norm is `+∞`
/// (never nearest). `index[s]` is the center index held by slot `s` (as a float, exact
/// below 2^24 for `f32`). Within any range of panels the kernel is given, slots hold
/// centers in increasing index order (so "first in slot order" = "lowest index").
#[derive(Debug, Clone)]
pub(crate) struct Packed<T> {
    pub(crate) k: usize,
    pub(crate) d: usize,
    pub(crate) w: usize,
    pub(crate) data: Vec<T>,
    pub(crate) norms: Vec<T>,
    pub(crate) index: Vec<T>,
}

/// A borrowed [`Packed`] (what the hand-written kernels take, per element type).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PackedRef<'a, T> {
    pub(crate) d: usize,
    pub(crate) w: usize,
    pub(crate) data: &'a [T],
    pub(crate) norms: &'a [T],
    pub(crate) index: &'a [T],
}

impl<'a, T: Float> PackedRef<'a, T> {
    /// Number of panels.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub(crate) fn panels(&self) -> usize {
        self.norms.len() / self.w
    }

    /// The `f32` view when `T` is `f32` and there are fewer than 2^24 slots (index lanes
    /// are floats, exact only below).
    #[cfg(target_arch = "x86_64")]
    fn as_f32(self) -> Option<PackedRef<'a, f32>> {
        if self.norms.len() >= 1 << 24 {
            return None;
        }
        Some(PackedRef {
            d: self.d,
            w: self.w,
            data: T::as_f32_slice(self.data)?,
            norms: T::as_f32_slice(self.norms)?,
            index: T::as_f32_slice(self.index)?,
        })
    }

    /// The `f64` view when `T` is `f64`.
    #[cfg(target_arch = "x86_64")]
    fn as_f64(self) -> Option<PackedRef<'a, f64>> {
        Some(PackedRef {
            d: self.d,
            w: self.w,
            data: T::as_f64_slice(self.data)?,
            norms: T::as_f64_slice(self.norms)?,
            index: T::as_f64_slice(self.index)?,
        })
    }
}

/// Panel width for `T` at `level`: two SIMD registers (AVX2 widths for the portable
/// kernel, which accepts any width up to 32).
pub(crate) fn panel_width<T: Float>(level: Level) -> usize {
    let lanes = if std::mem::size_of::<T>() == 4 { 8 } else { 4 };
    match level {
        Level::Avx512 => 4 * lanes,
        _ => 2 * lanes,
    }
}

impl<T: Float> Packed<T> {
    /// Packs `k × d` centers for the best kernel of this CPU.
    pub(crate) fn new(centers: MatRef<'_, T>) -> Self {
        Self::for_level(centers, crate::simd::level())
    }

    /// Packs `k × d` centers for the kernel of `level`, center `j` in slot `j`.
    pub(crate) fn for_level(centers: MatRef<'_, T>, level: Level) -> Self {
        let k = centers.n_rows();
        let w = panel_width::<T>(level);
        let slots: Vec<u32> = (0..k.div_ceil(w) * w)
            .map(|s| if s < k { s as u32 } else { u32::MAX })
            .collect();
        Self::slotted(centers, &slots, w)
    }

    /// Packs `k × d` centers into the slots `slots` (a center index, or `u32::MAX` for an
    /// empty slot; length a multiple of the best level's panel width).
    pub(crate) fn grouped(centers: MatRef<'_, T>, slots: &[u32]) -> Self {
        Self::slotted(centers, slots, panel_width::<T>(crate::simd::level()))
    }

    fn slotted(centers: MatRef<'_, T>, slots: &[u32], w: usize) -> Self {
        let (k, d) = (centers.n_rows(), centers.n_cols());
        let kp = slots.len();
        assert_eq!(kp % w, 0);
        let mut data = vec![T::zero(); kp * d];
        let mut norms = vec![T::infinity(); kp];
        let mut index = vec![T::zero(); kp];
        for (s, &j) in slots.iter().enumerate() {
            index[s] = T::of_usize(s);
            if j == u32::MAX {
                continue;
            }
            let j = j as usize;
            index[s] = T::of_usize(j);
            let c = centers.row(j);
            let (p, jj) = (s / w, s % w);
            for (l, &v) in c.iter().enumerate() {
                data[p * d * w + l * w + jj] = v;
            }
            norms[s] = T::of_f64(c.iter().map(|v| v.as_f64() * v.as_f64()).sum::<f64>());
        }
        Packed {
            k,
            d,
            w,
            data,
            norms,
            index,
        }
    }

    /// Number of panels.
    pub(crate) fn panels(&self) -> usize {
        self.norms.len() / self.w
    }

    /// The borrowed form.
    pub(crate) fn view(&self) -> PackedRef<'_, T> {
        PackedRef {
            d: self.d,
            w: self.w,
            data: &self.data,
            norms: &self.norms,
            index: &self.index,
        }
    }
}

/// Output of the kernel for a block of rows.
pub(crate) struct Nearest<'a, T> {
    /// Index of the nearest center.
    pub(crate) labels: &'a mut [u32],
    /// Its `‖c‖² − 2x·c`.
    pub(crate) best: &'a mut [T],
    /// When given: the second smallest `‖c‖² − 2x·c` over all centers (equal to `best`
    /// when two centers tie).
    pub(crate) second: Option<&'a mut [T]>,
}

/// Nearest centers of the rows of `x` (row-major, `labels.len()` rows of `packed.d`).
pub(crate) fn nearest<T: Float>(x: &[T], packed: &Packed<T>, out: Nearest<'_, T>) {
    dispatch(All {
        x,
        packed,
        out,
        hand: true,
    })
}

/// [`nearest`] at a given level, by the hand-written kernel of the level (`hand`) or
/// the portable code compiled for it (tests compare them).
pub(crate) fn nearest_at<T: Float>(
    level: Level,
    hand: bool,
    x: &[T],
    packed: &Packed<T>,
    out: Nearest<'_, T>,
) {
    crate::simd::dispatch_at(
        level,
        All {
            x,
            packed,
            out,
            hand,
        },
    )
}

/// The kernel of [`nearest`] over all rows and panels.
struct All<'a, 'o, T> {
    x: &'a [T],
    packed: &'a Packed<T>,
    out: Nearest<'o, T>,
    /// Whether the hand-written kernel of the level may serve.
    hand: bool,
}

impl<T: Float> Kernel for All<'_, '_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self, simd: Simd) {
        let All {
            x,
            packed,
            out,
            hand,
        } = self;
        debug_assert_eq!(x.len(), out.labels.len() * packed.d);
        debug_assert_eq!(out.best.len(), out.labels.len());
        #[cfg(target_arch = "x86_64")]
        if hand && simd.has_avx2() {
            let (p, avx512) = (packed.view(), simd.level() == Level::Avx512);
            macro_rules! call {
                ($slice:ident, $slice_mut:ident, $view:ident, $k512:path, $k2:path) => {
                    if let (Some(x), Some(p), Some(best)) =
                        (T::$slice(x), p.$view(), T::$slice_mut(&mut *out.best))
                    {
                        let second = out.second.and_then(T::$slice_mut);
                        // SAFETY: `simd` proves the instruction set of the kernel called
                        // (AVX-512F at level AVX-512, else AVX2 + FMA).
                        unsafe {
                            if avx512 {
                                $k512(x, &p, out.labels, best, second)
                            } else {
                                $k2(x, &p, out.labels, best, second)
                            }
                        }
                        return;
                    }
                };
            }
            call!(
                as_f32_slice,
                as_f32_slice_mut,
                as_f32,
                avx512::f32x16::run,
                avx2::f32x8::run
            );
            call!(
                as_f64_slice,
                as_f64_slice_mut,
                as_f64,
                avx512::f64x8::run,
                avx2::f64x4::run
            );
        }
        let _ = (simd, hand);
        portable(x, packed, out)
    }
}

/// Hints the CPU to load every 64-byte cache line that `row` touches, including when the
/// row does not start on a line: a `Vec` from `malloc` starts 16 bytes past one, and a
/// 128-byte row then spans three lines, the last of which a loop over the row's own
/// bytes would miss (a small measured gain: `bench/kmeans/README.md`).
#[inline(always)]
pub(crate) fn prefetch<T>(row: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        let p = row.as_ptr() as *const i8;
        let end = std::mem::size_of_val(row) as isize;
        // From the start of the line that holds the row's first byte.
        let mut off = -((p as usize % 64) as isize);
        while off < end {
            // SAFETY: a prefetch is only a hint and never faults (`wrapping_offset`: the
            // address may lie before the row, in its first cache line).
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    p.wrapping_offset(off),
                )
            };
            off += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = row;
}

/// Nearest centers among the panels `q0..q1` of the rows `rows` (indices into the
/// row-major block `x`): entry `i` of the outputs belongs to row `rows[i]`. Labels are
/// center indices ([`Packed::index`]); the same arithmetic contract as [`nearest`].
pub(crate) fn nearest_rows<T: Float>(
    x: &[T],
    rows: &[u32],
    packed: &Packed<T>,
    q0: usize,
    q1: usize,
    out: Nearest<'_, T>,
) {
    dispatch(Rows {
        x,
        rows,
        packed,
        q0,
        q1,
        out,
    })
}

/// The kernel of [`nearest_rows`].
struct Rows<'a, 'o, T> {
    x: &'a [T],
    rows: &'a [u32],
    packed: &'a Packed<T>,
    q0: usize,
    q1: usize,
    out: Nearest<'o, T>,
}

impl<T: Float> Kernel for Rows<'_, '_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self, simd: Simd) {
        let Rows {
            x,
            rows,
            packed,
            q0,
            q1,
            out,
        } = self;
        #[cfg(target_arch = "x86_64")]
        if simd.has_avx2() {
            let (p, avx512) = (packed.view(), simd.level() == Level::Avx512);
            macro_rules! call {
                ($slice:ident, $slice_mut:ident, $view:ident, $k512:path, $k2:path) => {
                    if let (Some(x), Some(p), Some(best)) =
                        (T::$slice(x), p.$view(), T::$slice_mut(&mut *out.best))
                    {
                        let second = out.second.and_then(T::$slice_mut);
                        // SAFETY: `simd` proves the instruction set of the kernel called
                        // (AVX-512F at level AVX-512, else AVX2 + FMA).
                        unsafe {
                            if avx512 {
                                $k512(x, rows, &p, q0, q1, out.labels, best, second)
                            } else {
                                $k2(x, rows, &p, q0, q1, out.labels, best, second)
                            }
                        }
                        return;
                    }
                };
            }
            call!(
                as_f32_slice,
                as_f32_slice_mut,
                as_f32,
                avx512::f32x16::run_rows,
                avx2::f32x8::run_rows
            );
            call!(
                as_f64_slice,
                as_f64_slice_mut,
                as_f64,
                avx512::f64x8::run_rows,
                avx2::f64x4::run_rows
            );
        }
        let _ = simd;
        portable_rows(x, rows, packed, q0, q1, out)
    }
}

/// Output of [`nearest_groups`] for `m` rows and `t` groups.
pub(crate) struct GroupNearest<'a, T> {
    /// Overall nearest center (lowest index on ties).
    pub(crate) labels: &'a mut [u32],
    /// Its value.
    pub(crate) best: &'a mut [T],
    /// The second smallest value within the nearest center's group.
    pub(crate) second: &'a mut [T],
    /// `m × t`: the smallest value of each group.
    pub(crate) gmin: &'a mut [T],
}

/// Every group (runs of `ppg` panels) for the rows `rows` of `x`: the overall nearest
/// center and, per group, the smallest value. The same arithmetic contract as
/// [`nearest`].
pub(crate) fn nearest_groups<T: Float>(
    x: &[T],
    rows: &[u32],
    packed: &Packed<T>,
    ppg: usize,
    out: GroupNearest<'_, T>,
) {
    dispatch(Groups {
        x,
        rows,
        packed,
        ppg,
        out,
    })
}

/// The kernel of [`nearest_groups`].
struct Groups<'a, 'o, T> {
    x: &'a [T],
    rows: &'a [u32],
    packed: &'a Packed<T>,
    ppg: usize,
    out: GroupNearest<'o, T>,
}

impl<T: Float> Kernel for Groups<'_, '_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self, simd: Simd) {
        let Groups {
            x,
            rows,
            packed,
            ppg,
            out,
        } = self;
        #[cfg(target_arch = "x86_64")]
        if simd.has_avx2() {
            let (p, avx512) = (packed.view(), simd.level() == Level::Avx512);
            macro_rules! call {
                ($slice:ident, $slice_mut:ident, $view:ident, $k512:path, $k2:path) => {
                    if let (Some(x), Some(p), Some(best), Some(second), Some(gmin)) = (
                        T::$slice(x),
                        p.$view(),
                        T::$slice_mut(&mut *out.best),
                        T::$slice_mut(&mut *out.second),
                        T::$slice_mut(&mut *out.gmin),
                    ) {
                        // SAFETY: `simd` proves the instruction set of the kernel called
                        // (AVX-512F at level AVX-512, else AVX2 + FMA).
                        unsafe {
                            if avx512 {
                                $k512(x, rows, &p, ppg, out.labels, best, second, gmin)
                            } else {
                                $k2(x, rows, &p, ppg, out.labels, best, second, gmin)
                            }
                        }
                        return;
                    }
                };
            }
            call!(
                as_f32_slice,
                as_f32_slice_mut,
                as_f32,
                avx512::f32x16::run_groups,
                avx2::f32x8::run_groups
            );
            call!(
                as_f64_slice,
                as_f64_slice_mut,
                as_f64,
                avx512::f64x8::run_groups,
                avx2::f64x4::run_groups
            );
        }
        let _ = simd;
        groups_portable(x, rows, packed, ppg, out)
    }
}

/// The portable form of [`nearest_groups`].
#[inline(always)]
fn groups_portable<T: Float>(
    x: &[T],
    rows: &[u32],
    packed: &Packed<T>,
    ppg: usize,
    out: GroupNearest<'_, T>,
) {
    // Portable: group by group, then the lowest (value, index) over the groups.
    let (n, t) = (rows.len(), packed.panels() / ppg);
    let (mut l, mut b, mut s) = (vec![0u32; n], vec![T::zero(); n], vec![T::zero(); n]);
    for g in 0..t {
        let nb = Nearest {
            labels: &mut l,
            best: &mut b,
            second: Some(&mut s),
        };
        portable_rows(x, rows, packed, g * ppg, (g + 1) * ppg, nb);
        for i in 0..n {
            out.gmin[i * t + g] = b[i];
            if g == 0 || b[i] < out.best[i] || (b[i] == out.best[i] && l[i] < out.labels[i]) {
                out.best[i] = b[i];
                out.labels[i] = l[i];
                out.second[i] = s[i];
            }
        }
    }
}

/// Whether the AVX-512 kernel agrees bitwise with the portable one on small problems
/// (with ties): [`crate::simd::level`] checks it once before it names AVX-512 the
/// crate's level; otherwise AVX2 serves. The CPU must support AVX-512
/// ([`crate::simd::supported`]).
pub(crate) fn avx512_agrees() -> bool {
    fn agree<T: Float>() -> bool {
        let mut rng = crate::rng::Rng::new(0x5eed);
        [(37, 19, 45, false), (50, 3, 70, true), (13, 33, 5, false)]
            .iter()
            .all(|&(n, d, k, grid)| {
                let mut gen = |m: usize| -> Vec<T> {
                    (0..m * d)
                        .map(|_| {
                            if grid {
                                T::of_usize(rng.below(3))
                            } else {
                                T::of_f64(rng.next_f64() * 4.0 - 2.0)
                            }
                        })
                        .collect()
                };
                let (x, c) = (gen(n), gen(k));
                let c = MatRef::new(&c, k, d).expect("shape");
                let run = |level| {
                    let p = Packed::for_level(c, level);
                    let (mut l, mut b, mut s) =
                        (vec![0; n], vec![T::zero(); n], vec![T::zero(); n]);
                    let out = Nearest {
                        labels: &mut l,
                        best: &mut b,
                        second: Some(&mut s),
                    };
                    nearest_at(level, true, &x, &p, out);
                    (l, b, s)
                };
                run(Level::Avx512) == run(Level::Portable)
            })
    }
    agree::<f32>() && agree::<f64>()
}

/// Reference implementation of the arithmetic contract (module docs).
#[inline(always)]
fn portable<T: Float>(x: &[T], packed: &Packed<T>, out: Nearest<'_, T>) {
    let rows: Vec<u32> = (0..out.labels.len() as u32).collect();
    portable_rows(x, &rows, packed, 0, packed.panels(), out)
}

/// [`portable`] on the rows `rows` of `x` and the panels `q0..q1`.
#[inline(always)]
fn portable_rows<T: Float>(
    x: &[T],
    rows: &[u32],
    packed: &Packed<T>,
    q0: usize,
    q1: usize,
    out: Nearest<'_, T>,
) {
    let (d, w) = (packed.d, packed.w);
    let n = out.labels.len();
    let mut second = out.second;
    assert!(w <= 32, "panel width {w}");
    let mut acc = [T::zero(); 32];
    for i in 0..n {
        let ri = rows[i] as usize;
        let xr = &x[ri * d..(ri + 1) * d];
        let (mut b, mut bi, mut s) = (T::infinity(), 0u32, T::infinity());
        for p in q0..q1 {
            let panel = &packed.data[p * d * w..(p + 1) * d * w];
            let acc = &mut acc[..w];
            acc.fill(T::zero());
            for (l, &xv) in xr.iter().enumerate() {
                let col = &panel[l * w..(l + 1) * w];
                for (a, &c) in acc.iter_mut().zip(col) {
                    *a = xv.mul_add(c, *a);
                }
            }
            for (jj, &a) in acc.iter().enumerate() {
                let j = p * w + jj;
                let v = packed.norms[j] - (a + a);
                if v < b {
                    s = b;
                    b = v;
                    bi = packed.index[j].as_f64() as u32;
                } else if v < s {
                    s = v;
                }
            }
        }
        out.labels[i] = bi;
        out.best[i] = b;
        if let Some(sec) = second.as_deref_mut() {
            sec[i] = s;
        }
    }
}

#[cfg(test)]
mod tests;
