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
    /// `rdist(q, row)` for the four consecutive rows of `block` (`4 × q.len()` values),
    /// with the same arithmetic as [`rdist`](Self::rdist) lane by lane (bitwise equal);
    /// four independent sums instead of one dependency chain.
    #[inline(always)]
    fn rdist4(q: &[f64], block: &[f64]) -> [f64; 4] {
        let d = q.len();
        [
            Self::rdist(q, &block[..d]),
            Self::rdist(q, &block[d..2 * d]),
            Self::rdist(q, &block[2 * d..3 * d]),
            Self::rdist(q, &block[3 * d..4 * d]),
        ]
    }
}

/// Four rows' sums of `term(q_j − x_j)` over the coordinates, interleaved.
#[inline(always)]
fn sum4(q: &[f64], block: &[f64], term: impl Fn(f64) -> f64) -> [f64; 4] {
    let d = q.len();
    let (b0, rest) = block.split_at(d);
    let (b1, rest) = rest.split_at(d);
    let (b2, b3) = rest.split_at(d);
    let b3 = &b3[..d];
    let mut s = [0.0f64; 4];
    for j in 0..d {
        let x = q[j];
        s[0] += term(x - b0[j]);
        s[1] += term(x - b1[j]);
        s[2] += term(x - b2[j]);
        s[3] += term(x - b3[j]);
    }
    s
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
    #[inline(always)]
    fn rdist4(q: &[f64], block: &[f64]) -> [f64; 4] {
        sum4(q, block, |t| t * t)
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
    #[inline(always)]
    fn rdist4(q: &[f64], block: &[f64]) -> [f64; 4] {
        sum4(q, block, f64::abs)
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
    #[inline(always)]
    fn rdist4(q: &[f64], block: &[f64]) -> [f64; 4] {
        Euclid::rdist4(q, block)
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

    #[test]
    fn four_at_once_is_bitwise_one_at_a_time() {
        let q = [0.1, -2.7, 3.3, 1e-3, 7.0];
        let block: Vec<f64> = (0..20)
            .map(|i| ((i * 37) % 11) as f64 * 0.37 - 1.9)
            .collect();
        fn check<M: TreeMetric>(q: &[f64], block: &[f64]) {
            let four = M::rdist4(q, block);
            for (l, v) in four.iter().enumerate() {
                assert_eq!(
                    v.to_bits(),
                    M::rdist(q, &block[l * 5..(l + 1) * 5]).to_bits()
                );
            }
        }
        check::<Euclid>(&q, &block);
        check::<Manhattan>(&q, &block);
        check::<Chebyshev>(&q, &block);
        check::<CosineUnit>(&q, &block);
    }
}
