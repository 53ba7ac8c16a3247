//! Distances computed on the fly from a data matrix.

use super::source::Dissimilarity;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::MatRef;

/// A distance between two rows of a data matrix. All are computed in `f64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// `sqrt(Σ (a−b)²)`.
    Euclidean,
    /// `Σ (a−b)²` (not a metric; k-medoids accepts any dissimilarity).
    SqEuclidean,
    /// `Σ |a−b|` (L1, city block).
    Manhattan,
    /// `max |a−b|` (L∞).
    Chebyshev,
    /// `1 − a·b / (‖a‖‖b‖)`; `0` when both rows are zero, `1` when exactly one is.
    Cosine,
    /// Fraction of coordinates that differ.
    Hamming,
    /// Binary Jaccard over nonzero entries: `|a xor b| / |a or b|`; `0` when both
    /// rows are all zero.
    Jaccard,
}

impl Metric {
    /// All metrics, in declaration order.
    pub const ALL: [Metric; 7] = [
        Metric::Euclidean,
        Metric::SqEuclidean,
        Metric::Manhattan,
        Metric::Chebyshev,
        Metric::Cosine,
        Metric::Hamming,
        Metric::Jaccard,
    ];

    /// The metric's name as [`FromStr`](std::str::FromStr) accepts it.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Euclidean => "euclidean",
            Metric::SqEuclidean => "sqeuclidean",
            Metric::Manhattan => "manhattan",
            Metric::Chebyshev => "chebyshev",
            Metric::Cosine => "cosine",
            Metric::Hamming => "hamming",
            Metric::Jaccard => "jaccard",
        }
    }

    /// The distance between `a` and `b` (same length). Finite whenever the true
    /// distance is representable in `f64` (the squares of the euclidean distance are
    /// summed on rescaled coordinates when they would over- or underflow).
    pub fn distance<T: Float>(self, a: &[T], b: &[T]) -> f64 {
        debug_assert_eq!(a.len(), b.len());
        match self {
            Metric::Euclidean => {
                let s = sq_euclidean(a, b);
                if s.is_finite() && s >= f64::MIN_POSITIVE {
                    s.sqrt()
                } else {
                    // Over- or underflow of the squares (or equal rows): sum them relative
                    // to the largest difference (a power of two, so the rescaling is
                    // exact).
                    let m = a
                        .iter()
                        .zip(b)
                        .fold(0.0f64, |m, (x, y)| m.max((x.as_f64() - y.as_f64()).abs()));
                    if !(m > 0.0 && m.is_finite()) {
                        return m;
                    }
                    let e = crate::scale::normalizing_exponent(m);
                    let s: f64 = a
                        .iter()
                        .zip(b)
                        .map(|(x, y)| {
                            let t = crate::scale::ldexp(x.as_f64() - y.as_f64(), e);
                            t * t
                        })
                        .sum();
                    crate::scale::ldexp(s.sqrt(), -e)
                }
            }
            Metric::SqEuclidean => sq_euclidean(a, b),
            Metric::Manhattan => a
                .iter()
                .zip(b)
                .map(|(&x, &y)| (x.as_f64() - y.as_f64()).abs())
                .sum(),
            Metric::Chebyshev => a
                .iter()
                .zip(b)
                .fold(0.0f64, |m, (&x, &y)| m.max((x.as_f64() - y.as_f64()).abs())),
            Metric::Cosine => {
                let (mut ab, mut aa, mut bb) = dots(a, b);
                let fine = |v: f64| v.is_finite() && v >= f64::MIN_POSITIVE;
                if !(fine(aa) && fine(bb) && ab.is_finite()) {
                    // Squares over- or underflow (or a zero row): the cosine does not
                    // change when each row is scaled by its own power of two.
                    let norm = |r: &[T]| -> Vec<f64> {
                        let m = crate::scale::max_abs(r);
                        let e = if m > 0.0 && m.is_finite() {
                            crate::scale::normalizing_exponent(m)
                        } else {
                            0
                        };
                        r.iter()
                            .map(|v| crate::scale::ldexp(v.as_f64(), e))
                            .collect()
                    };
                    (ab, aa, bb) = dots(&norm(a), &norm(b));
                }
                match (aa == 0.0, bb == 0.0) {
                    (true, true) => 0.0,
                    (true, false) | (false, true) => 1.0,
                    // clamp: rounding may push the cosine a hair above 1
                    _ => (1.0 - ab / (aa.sqrt() * bb.sqrt())).max(0.0),
                }
            }
            Metric::Hamming => {
                if a.is_empty() {
                    return 0.0;
                }
                let diff = a.iter().zip(b).filter(|(x, y)| x != y).count();
                diff as f64 / a.len() as f64
            }
            Metric::Jaccard => {
                let (mut union, mut diff) = (0usize, 0usize);
                for (&x, &y) in a.iter().zip(b) {
                    let (x, y) = (x != T::zero(), y != T::zero());
                    union += (x || y) as usize;
                    diff += (x != y) as usize;
                }
                if union == 0 {
                    0.0
                } else {
                    diff as f64 / union as f64
                }
            }
        }
    }
}

impl Metric {
    /// How the distance scales when both rows are multiplied by `s > 0`: `s^degree`
    /// (2 for squared euclidean, 1 for the norms, 0 for the scale-free ones).
    fn degree(self) -> i32 {
        match self {
            Metric::SqEuclidean => 2,
            Metric::Euclidean | Metric::Manhattan | Metric::Chebyshev => 1,
            Metric::Cosine | Metric::Hamming | Metric::Jaccard => 0,
        }
    }

    /// `log₂` of an upper bound on the distance between rows of `d` columns whose
    /// values are at most `amax` in magnitude (`−∞` when `amax = 0`).
    pub(crate) fn bound_log2(self, amax: f64, d: usize) -> f64 {
        let (a, d) = ((2.0 * amax).log2(), d as f64);
        match self {
            Metric::Euclidean => a + 0.5 * d.log2(),
            Metric::SqEuclidean => 2.0 * a + d.log2(),
            Metric::Manhattan => a + d.log2(),
            Metric::Chebyshev => a,
            Metric::Cosine => 1.0,
            Metric::Hamming | Metric::Jaccard => 0.0,
        }
    }

    /// The distance of the rows multiplied by `2^(e/degree)` — `distance · 2^e` — with
    /// the scaling applied to the coordinates first, so that it is finite whenever the
    /// product is representable. `e` must be a multiple of the degree (even for squared
    /// euclidean; anything for the scale-free metrics, which ignore it).
    fn distance_scaled<T: Float>(self, a: &[T], b: &[T], e: i32) -> f64 {
        let deg = self.degree();
        if deg == 0 {
            return self.distance(a, b);
        }
        let c = e / deg;
        let sa: Vec<f64> = a
            .iter()
            .map(|v| crate::scale::ldexp(v.as_f64(), c))
            .collect();
        let sb: Vec<f64> = b
            .iter()
            .map(|v| crate::scale::ldexp(v.as_f64(), c))
            .collect();
        match self {
            Metric::Euclidean => sq_euclidean(&sa, &sb).sqrt(),
            _ => self.distance(&sa, &sb),
        }
    }
}

impl Metric {
    /// For every row of `x`, the index of the nearest row of `centers` under this metric
    /// (lowest index on ties) — the predict step of k-medoids. Data of extreme magnitude
    /// are compared on copies scaled by a power of two, which keeps every distance finite
    /// and their order exact.
    ///
    /// Fails when `centers` is empty, the column counts differ, or a value is not
    /// finite.
    pub fn nearest<T: Float>(self, x: MatRef<'_, T>, centers: MatRef<'_, T>) -> Result<Vec<usize>> {
        use rayon::prelude::*;
        if centers.n_rows() == 0 {
            return Err(Error::param("centers", "no centers given"));
        }
        if centers.n_cols() != x.n_cols() {
            return Err(Error::shape(
                "centers (columns = d)",
                x.n_cols(),
                centers.n_cols(),
            ));
        }
        x.check_finite()?;
        centers
            .check_finite()
            .map_err(|e| Error::param("centers", e.to_string()))?;
        let amax =
            crate::scale::max_abs(x.as_slice()).max(crate::scale::max_abs(centers.as_slice()));
        if self.degree() > 0 {
            if let Some(e) = crate::scale::exponent_outside(amax, -200, 200) {
                let (xs, cs) = (crate::scale::scaled(x, e), crate::scale::scaled(centers, e));
                return self.nearest(xs.view(), cs.view());
            }
        }
        Ok((0..x.n_rows())
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| {
                let row = x.row(i);
                let mut best = (0, self.distance(row, centers.row(0)));
                for c in 1..centers.n_rows() {
                    let dist = self.distance(row, centers.row(c));
                    if dist < best.1 {
                        best = (c, dist);
                    }
                }
                best.0
            })
            .collect())
    }
}

impl std::str::FromStr for Metric {
    type Err = Error;
    /// Parses a metric name (`"euclidean"`, `"sqeuclidean"`, `"manhattan"`,
    /// `"chebyshev"`, `"cosine"`, `"hamming"`, `"jaccard"`; case-insensitive).
    fn from_str(s: &str) -> Result<Self> {
        let lower = s.to_ascii_lowercase();
        Metric::ALL
            .into_iter()
            .find(|m| m.name() == lower)
            .ok_or_else(|| {
                let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
                Error::param(
                    "metric",
                    format!("unknown metric {s:?} (one of {})", names.join(", ")),
                )
            })
    }
}

/// `(a·b, a·a, b·b)` in `f64`.
#[inline]
fn dots<T: Float>(a: &[T], b: &[T]) -> (f64, f64, f64) {
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (x.as_f64(), y.as_f64());
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    (ab, aa, bb)
}

#[inline]
fn sq_euclidean<T: Float>(a: &[T], b: &[T]) -> f64 {
    // four independent accumulators: lets the compiler pipeline the adds
    let mut s = [0.0f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for l in 0..4 {
            let t = x[l].as_f64() - y[l].as_f64();
            s[l] += t * t;
        }
    }
    for (&x, &y) in ca.remainder().iter().zip(cb.remainder()) {
        let t = x.as_f64() - y.as_f64();
        s[0] += t * t;
    }
    (s[0] + s[1]) + (s[2] + s[3])
}

/// Dissimilarities computed on demand from the rows of a data matrix.
///
/// Nothing `n × n` is stored; use [`materialize`](super::materialize) when the full
/// matrix fits in memory and will be read several times.
#[derive(Debug, Clone, Copy)]
pub struct MetricDissimilarity<'a, T> {
    x: MatRef<'a, T>,
    metric: Metric,
    /// The largest magnitude of the data.
    amax: f64,
}

impl<'a, T: Float> MetricDissimilarity<'a, T> {
    /// Distances between the rows of `x` under `metric`. Fails on an empty matrix or a
    /// non-finite value.
    pub fn new(x: MatRef<'a, T>, metric: Metric) -> Result<Self> {
        if x.n_rows() == 0 || x.n_cols() == 0 {
            return Err(Error::data("data matrix is empty"));
        }
        x.check_finite()?;
        let amax = crate::scale::max_abs(x.as_slice());
        Ok(MetricDissimilarity { x, metric, amax })
    }

    /// The metric.
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// The data.
    pub fn data(&self) -> MatRef<'a, T> {
        self.x
    }
}

impl<T: Float> Dissimilarity for MetricDissimilarity<'_, T> {
    type Value = T;
    #[inline]
    fn n(&self) -> usize {
        self.x.n_rows()
    }
    #[inline]
    fn get(&self, i: usize, j: usize) -> T {
        if i == j {
            // By definition (cosine would give a rounding residue).
            return T::zero();
        }
        T::of_f64(self.metric.distance(self.x.row(i), self.x.row(j)))
    }
    fn magnitude_log2(&self) -> Option<f64> {
        Some(self.metric.bound_log2(self.amax, self.x.n_cols()))
    }
    fn get_scaled(&self, i: usize, j: usize, e: i32) -> T {
        if i == j {
            return T::zero();
        }
        self.metric.value_scaled(self.x.row(i), self.x.row(j), e)
    }
}

impl Metric {
    /// The dissimilarity of two distinct objects' rows `a` and `b` times `2^e`, as
    /// [`MetricDissimilarity`] gives it ([`Dissimilarity::get_scaled`]; `e = 0`: exactly
    /// [`Dissimilarity::get`]).
    pub(crate) fn value_scaled<T: Float>(self, a: &[T], b: &[T], e: i32) -> T {
        let deg = self.degree();
        if deg == 0 || e == 0 {
            return T::of_f64(crate::scale::ldexp(self.distance(a, b), e));
        }
        // The coordinates take `2^⌊e/deg⌋`; what the division leaves, the result.
        let c = e.div_euclid(deg) * deg;
        T::of_f64(crate::scale::ldexp(self.distance_scaled(a, b, c), e - c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::Mat;

    #[test]
    fn known_values() {
        let a = [1.0f64, 0.0, 2.0, 0.0, 1.0];
        let b = [0.0f64, 0.0, 2.0, 3.0, 1.0];
        assert_eq!(Metric::SqEuclidean.distance(&a, &b), 10.0);
        assert_eq!(Metric::Euclidean.distance(&a, &b), 10.0f64.sqrt());
        assert_eq!(Metric::Manhattan.distance(&a, &b), 4.0);
        assert_eq!(Metric::Chebyshev.distance(&a, &b), 3.0);
        assert_eq!(Metric::Hamming.distance(&a, &b), 0.4);
        // nonzero: a = {0,2,4}, b = {2,3,4}: union 4, xor 2
        assert_eq!(Metric::Jaccard.distance(&a, &b), 0.5);
        let c = 1.0 - 5.0 / (6.0f64.sqrt() * 14.0f64.sqrt());
        assert!((Metric::Cosine.distance(&a, &b) - c).abs() < 1e-15);
        let z = [0.0f64; 5];
        assert_eq!(Metric::Cosine.distance(&z, &z), 0.0);
        assert_eq!(Metric::Cosine.distance(&z, &a), 1.0);
        assert_eq!(Metric::Jaccard.distance(&z, &z), 0.0);
    }

    #[test]
    fn source_rows() {
        let x = Mat::from_rows(&[[0.0f32, 0.0], [3.0, 4.0], [6.0, 8.0]]);
        let d = MetricDissimilarity::new(x.view(), Metric::Euclidean).unwrap();
        let mut buf = Vec::new();
        assert_eq!(d.row(1, &mut buf), &[5.0f32, 0.0, 5.0]);
        for m in Metric::ALL {
            assert_eq!(m.name().to_uppercase().parse::<Metric>().unwrap(), m);
        }
        assert!("cityblock".parse::<Metric>().is_err());
        let bad = Mat::from_rows(&[[f32::NAN, 0.0]]);
        assert!(MetricDissimilarity::new(bad.view(), Metric::Euclidean).is_err());
    }
}
