//! The bound types and roundings shared by the pruned steps (Hamerly's in
//! [`super::pruned`], its screen in [`super::screen`], Yinyang in [`super::yinyang`]) and
//! the data check that keeps the rows' norms ([`super::data`]): bounds are stored as `f32`
//! rounded outwards (up for upper bounds, down for lower ones) with a relative margin
//! that also covers the `f64` arithmetic, and a row is proven when its lower bound beats
//! its upper bound by the kernel's error bound.

/// Relative widening of `f64` distance computations over `d` columns.
pub(crate) fn f64_slack(d: usize) -> f64 {
    4.0 * (d as f64 + 4.0) * f64::EPSILON
}

/// `v` rounded up to `f32`, with a relative margin (`2^−20`) that also covers the `f64`
/// roundings of the bound arithmetic.
#[inline(always)]
pub(crate) fn up(v: f64) -> f32 {
    (v + v.abs() * (1.0 / 1048576.0)) as f32
}

/// `v` rounded down to `f32` (see [`up`]).
#[inline(always)]
pub(crate) fn down(v: f64) -> f32 {
    (v - v.abs() * (1.0 / 1048576.0)) as f32
}

/// Whether the bounds prove that Lloyd's kernel prefers the assigned center: `lo > u`
/// and `lo² − u² > 2e`.
#[inline(always)]
pub(crate) fn proven(u: f64, lo: f64, e: f64) -> bool {
    (lo > u) & (lo * lo - u * u > 2.0 * e)
}

/// Per-row bounds `[upper, lower]`: the upper one relative to the drift (the bound of row
/// `i` assigned to `a` is `upper + drift.center[a]`), the lower one as of the last step
/// that screened the row (every step lowers it by its cluster's drop); `[∞, −∞]` is
/// unknown.
pub(crate) type Bound = [f32; 2];

/// The unknown bound.
pub(crate) const UNKNOWN: Bound = [f32::INFINITY, f32::NEG_INFINITY];
