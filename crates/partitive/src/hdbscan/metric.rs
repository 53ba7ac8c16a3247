//! Distances inside the kd-tree, in *reduced* form.
//!
//! Each metric compares a monotone transform of the distance that is cheaper to compute
//! (Euclidean: the squared distance). Core distances, mutual-reachability weights and
//! the tie-break distance all stay reduced until the hierarchy is built; `dist` maps a
//! reduced value back to the metric once, so the order of edges is decided on one set of
//! numbers whatever the path that computed them.
//!
//! The box bound [`TreeMetric::rdist_box`] sums the same terms, in the same order, as
//! [`TreeMetric::rdist`], each term no larger than the corresponding term of any point in
//! the box. Floating-point addition being monotone in each argument, the bound never
//! exceeds the computed distance of a point inside the box: pruning by it is exact, not
//! only up to rounding.

/// A metric the kd-tree can bound: Minkowski distances and cosine on unit vectors.
pub(crate) trait TreeMetric: Copy + Send + Sync + 'static {
    /// The reduced distance between two rows.
    fn rdist(a: &[f64], b: &[f64]) -> f64;
    /// A lower bound of `rdist(p, x)` for every `x` in the box `lo..=hi`.
    fn rdist_box(p: &[f64], lo: &[f64], hi: &[f64]) -> f64;
    /// The metric's value for a reduced distance.
    fn dist(r: f64) -> f64;
}

#[inline(always)]
fn gap(p: f64, lo: f64, hi: f64) -> f64 {
    if p < lo {
        lo - p
    } else if p > hi {
        p - hi
    } else {
        0.0
    }
}

/// Euclidean distance; reduced form the squared distance.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Euclid;

impl TreeMetric for Euclid {
    #[inline(always)]
    fn rdist(a: &[f64], b: &[f64]) -> f64 {
        let mut s = 0.0;
        for (x, y) in a.iter().zip(b) {
            let t = x - y;
            s += t * t;
        }
        s
    }
    #[inline(always)]
    fn rdist_box(p: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
        let mut s = 0.0;
        for ((&x, &l), &h) in p.iter().zip(lo).zip(hi) {
            let t = gap(x, l, h);
            s += t * t;
        }
        s
    }
    #[inline(always)]
    fn dist(r: f64) -> f64 {
        r.sqrt()
    }
}

/// Manhattan (L1) distance; reduced form the distance itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Manhattan;

impl TreeMetric for Manhattan {
    #[inline(always)]
    fn rdist(a: &[f64], b: &[f64]) -> f64 {
        let mut s = 0.0;
        for (x, y) in a.iter().zip(b) {
            s += (x - y).abs();
        }
        s
    }
    #[inline(always)]
    fn rdist_box(p: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
        let mut s = 0.0;
        for ((&x, &l), &h) in p.iter().zip(lo).zip(hi) {
            s += gap(x, l, h);
        }
        s
    }
    #[inline(always)]
    fn dist(r: f64) -> f64 {
        r
    }
}

/// Chebyshev (L∞) distance; reduced form the distance itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chebyshev;

impl TreeMetric for Chebyshev {
    #[inline(always)]
    fn rdist(a: &[f64], b: &[f64]) -> f64 {
        let mut s: f64 = 0.0;
        for (x, y) in a.iter().zip(b) {
            s = s.max((x - y).abs());
        }
        s
    }
    #[inline(always)]
    fn rdist_box(p: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
        let mut s: f64 = 0.0;
        for ((&x, &l), &h) in p.iter().zip(lo).zip(hi) {
            s = s.max(gap(x, l, h));
        }
        s
    }
    #[inline(always)]
    fn dist(r: f64) -> f64 {
        r
    }
}

/// Cosine distance of rows scaled to unit length: `1 − u·v = ‖u − v‖² / 2`. The
/// reduced form is the squared Euclidean distance of the unit rows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CosineUnit;

impl TreeMetric for CosineUnit {
    #[inline(always)]
    fn rdist(a: &[f64], b: &[f64]) -> f64 {
        Euclid::rdist(a, b)
    }
    #[inline(always)]
    fn rdist_box(p: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
        Euclid::rdist_box(p, lo, hi)
    }
    #[inline(always)]
    fn dist(r: f64) -> f64 {
        0.5 * r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_box_bounds() {
        let a = [1.0, -2.0, 0.5];
        let b = [4.0, 2.0, 0.5];
        assert_eq!(Euclid::rdist(&a, &b), 25.0);
        assert_eq!(Euclid::dist(25.0), 5.0);
        assert_eq!(Manhattan::rdist(&a, &b), 7.0);
        assert_eq!(Chebyshev::rdist(&a, &b), 4.0);
        // a box holding b: every bound is at most the distance to b
        let lo = [3.0, 1.0, 0.0];
        let hi = [5.0, 3.0, 1.0];
        assert_eq!(Euclid::rdist_box(&a, &lo, &hi), 4.0 + 9.0);
        assert_eq!(Manhattan::rdist_box(&a, &lo, &hi), 5.0);
        assert_eq!(Chebyshev::rdist_box(&a, &lo, &hi), 3.0);
        assert_eq!(Euclid::rdist_box(&b, &lo, &hi), 0.0);
        // unit vectors at 90 degrees: cosine distance 1
        let u = [1.0, 0.0];
        let v = [0.0, 1.0];
        assert_eq!(CosineUnit::dist(CosineUnit::rdist(&u, &v)), 1.0);
    }
}
