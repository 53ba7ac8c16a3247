//! Exact, order-independent cluster sums: the statistics of the centers update.
//!
//! # Arithmetic contract of the update
//! Every coordinate contribution `w_i · x_il` (or `x_il` without weights) is computed in
//! `f64`, scaled by a power of two `2^s` fixed once per fit and rounded to the nearest
//! integer (ties to even) — a deterministic function of the row alone. Per-cluster sums
//! of these integers are kept in `i64`, so they are exact: independent of the order of
//! the rows, of the chunking and the thread count, and updatable exactly (a row that
//! changes cluster is subtracted from one sum and added to another). A cluster's total
//! weight is its member count without weights, or likewise a sum of weights rounded to
//! multiples of `2^−s_w`. A center is then `T(f64(S_l)·2^−s / W)`, the only roundings
//! being the `f64` conversion, one division and the conversion to `T`.
//!
//! `s` is the largest exponent with `max_i w_i · max|x| · 2^s ≤ 2^50` (one value fits the
//! exact rounding trick below) and `Σ_i w_i · max|x| · 2^s ≤ 2^61` (no sum can overflow:
//! `Σ|q| ≤ 2^61 + n/2`); `s_w` likewise for the weights. The quantum `2^−s` is
//! `≥ 2^−50`, and about `2^−(61 − log₂ n)` relative to the largest coordinate — finer than
//! the rounding of a plain `f64` sum of `n` values, so centers agree with an `f64`
//! summation to its accuracy. (Coordinates below `max|x|·2^−60` or so contribute as 0;
//! an exponent `s` beyond ±1000 is clamped, which coarsens the quantum for data with
//! `max|x| < 2^−950`.)
//!
//! Because the sums are a pure function of the labels, plain Lloyd (sums rebuilt every
//! iteration) and the pruned variants (sums updated by label changes only) give bitwise
//! identical centers whenever their labels agree.

use super::data::Data;
use super::fixed::Scale;
use crate::float::Float;
use crate::matrix::Mat;
use crate::parallel::CHUNK_ROWS;
use crate::simd::{dispatch_upto, Kernel, Level, Simd};
use std::ops::Range;

/// Mergeable statistics of an assignment step over some rows, or differences of them.
#[derive(Debug, Clone)]
pub(crate) struct StepStats {
    /// Per-center fixed-point coordinate sums, `k × d`.
    pub(crate) sums: Vec<i64>,
    /// Per-center fixed-point weight sums (weighted fits only; else empty).
    pub(crate) wsums: Vec<i64>,
    /// Per-center number of rows with a positive weight.
    pub(crate) members: Vec<i64>,
    /// Rows whose label changed.
    pub(crate) changed: u64,
    /// Point–center distances evaluated.
    pub(crate) evals: u64,
}

impl StepStats {
    pub(crate) fn zeros<T: Float>(data: &Data<'_, T>, k: usize) -> Self {
        StepStats {
            sums: vec![0; k * data.d()],
            wsums: if data.scale.weighted {
                vec![0; k]
            } else {
                Vec::new()
            },
            members: vec![0; k],
            changed: 0,
            evals: 0,
        }
    }

    /// Adds `o` (exact integer sums: the merge order does not matter).
    pub(crate) fn merge(&mut self, o: StepStats) {
        let add = |a: &mut Vec<i64>, b: &[i64]| a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        add(&mut self.sums, &o.sums);
        add(&mut self.wsums, &o.wsums);
        add(&mut self.members, &o.members);
        self.changed += o.changed;
        self.evals += o.evals;
    }

    /// Total weight of cluster `j` (`f64`).
    #[inline]
    pub(crate) fn weight<T: Float>(&self, data: &Data<'_, T>, j: usize) -> f64 {
        if data.scale.weighted {
            self.wsums[j] as f64 * data.scale.wdown
        } else {
            self.members[j] as f64
        }
    }

    /// Adds row `i` to cluster `a` (`sign = 1`) or removes it (`sign = −1`); rows of
    /// weight 0 do not count.
    #[inline(always)]
    pub(crate) fn add_row<T: Float>(&mut self, data: &Data<'_, T>, i: usize, a: usize, sign: i64) {
        let w = data.w.map(|wt| wt[i].as_f64());
        self.add_values(data.scale, data.x.row(i), w, a, sign)
    }

    /// [`Self::add_row`] for a row given by its values `x` and weight `w` (`None`: an
    /// unweighted fit).
    #[inline(always)]
    pub(crate) fn add_values<T: Float>(
        &mut self,
        sc: Scale,
        x: &[T],
        w: Option<f64>,
        a: usize,
        sign: i64,
    ) {
        let d = x.len();
        let s = &mut self.sums[a * d..(a + 1) * d];
        let weighted = w.is_some();
        let w = w.unwrap_or(1.0);
        if w <= 0.0 {
            return;
        }
        // Separate loops per sign and weighting keep them vectorisable.
        match (weighted, sign > 0) {
            (false, true) => s
                .iter_mut()
                .zip(x)
                .for_each(|(s, v)| *s += sc.q(v.as_f64())),
            (false, false) => s
                .iter_mut()
                .zip(x)
                .for_each(|(s, v)| *s -= sc.q(v.as_f64())),
            (true, true) => s
                .iter_mut()
                .zip(x)
                .for_each(|(s, v)| *s += sc.q(w * v.as_f64())),
            (true, false) => s
                .iter_mut()
                .zip(x)
                .for_each(|(s, v)| *s -= sc.q(w * v.as_f64())),
        }
        if sc.weighted {
            self.wsums[a] += sign * sc.qw(w);
        }
        self.members[a] += sign;
    }

    /// Sets cluster `j` to the row `x` (weight `w`) alone.
    pub(crate) fn set_values<T: Float>(&mut self, sc: Scale, x: &[T], w: Option<f64>, j: usize) {
        let d = x.len();
        self.sums[j * d..(j + 1) * d].fill(0);
        if sc.weighted {
            self.wsums[j] = 0;
        }
        self.members[j] = 0;
        self.add_values(sc, x, w, j, 1);
    }

    /// Adds the rows `r` with their labels `labels`.
    pub(crate) fn accumulate<T: Float>(
        &mut self,
        data: &Data<'_, T>,
        r: Range<usize>,
        labels: &[u32],
    ) {
        // Compiled for at most AVX2 + FMA, the level it was tuned at (the same integer
        // results at every level).
        dispatch_upto(
            Level::Avx2,
            Accumulate {
                sums: self,
                data,
                r,
                labels,
            },
        )
    }

    #[inline(always)]
    fn accumulate_portable<T: Float>(
        &mut self,
        data: &Data<'_, T>,
        r: Range<usize>,
        labels: &[u32],
    ) {
        for (i, &a) in r.zip(labels) {
            self.add_row(data, i, a as usize, 1);
        }
    }

    /// The center of cluster `j`, coordinate `l` (`f64`): `f64(S)·2^−s / W`.
    #[inline]
    pub(crate) fn mean<T: Float>(&self, data: &Data<'_, T>, j: usize, l: usize) -> f64 {
        let d = data.d();
        self.sums[j * d + l] as f64 * data.scale.down / self.weight(data, j)
    }

    /// Inertia of the assignment against `centers`, from the sums:
    /// Σ w‖x‖² − 2 Σ_j c_j·S_j + Σ_j W_j ‖c_j‖² in `f64` (clamped at 0).
    pub(crate) fn inertia<T: Float>(&self, data: &Data<'_, T>, centers: &Mat<T>) -> f64 {
        self.inertia_bounded(data, centers).0
    }

    /// [`Self::inertia`] and a bound on its error. The formula is exact algebra for any
    /// centers given the true sums; what it loses is (1) the `f64` roundings of its three
    /// terms — Σ w‖x‖² summed row by row within chunks and then chunk by chunk, the other
    /// two over `k·d` products — at most `(n/CHUNK_ROWS + CHUNK_ROWS + k·d + d + 8) ε`
    /// times the sum of the terms' magnitudes, and (2) the fixed-point quantum of the sums:
    /// each member of a cluster moves a coordinate sum by at most half a quantum `2^−s`
    /// (and a weight sum by half of `2^−s_w`). Cancellation between the terms is what
    /// makes the bound large relative to the value: far from the origin, or near zero
    /// inertia.
    pub(crate) fn inertia_bounded<T: Float>(
        &self,
        data: &Data<'_, T>,
        centers: &Mat<T>,
    ) -> (f64, f64) {
        let (k, d) = (centers.n_rows(), centers.n_cols());
        let sc = data.scale;
        let (mut cross, mut norms, mut magnitude, mut quantum) = (0.0, 0.0, 0.0, 0.0);
        for j in 0..k {
            let c = centers.row(j);
            let s = &self.sums[j * d..(j + 1) * d];
            let (mut dot, mut abs, mut l1, mut l2) = (0.0, 0.0, 0.0, 0.0);
            for (c, &s) in c.iter().zip(s) {
                let (c, s) = (c.as_f64(), s as f64 * sc.down);
                dot += c * s;
                abs += (c * s).abs();
                l1 += c.abs();
                l2 += c * c;
            }
            cross += dot;
            magnitude += abs;
            norms += self.weight(data, j) * l2;
            let members = self.members[j] as f64;
            quantum += members * sc.down * l1;
            if sc.weighted {
                quantum += members * 0.5 * sc.wdown * l2;
            }
        }
        let value = (data.wxnorm - 2.0 * cross + norms).max(0.0);
        let terms = (data.n_fit / CHUNK_ROWS + CHUNK_ROWS + k * d + d + 8) as f64;
        let error = terms * f64::EPSILON * (data.wxnorm + 2.0 * magnitude + norms) + quantum;
        (value, error)
    }
}

/// The kernel of [`StepStats::accumulate`].
struct Accumulate<'a, 'd, T> {
    sums: &'a mut StepStats,
    data: &'a Data<'d, T>,
    r: Range<usize>,
    labels: &'a [u32],
}

impl<T: Float> Kernel for Accumulate<'_, '_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self, _: Simd) {
        self.sums
            .accumulate_portable(self.data, self.r, self.labels)
    }
}
