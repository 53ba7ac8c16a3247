//! Hartigan's dip test of unimodality, for the merge step's "is there a gap between
//! these two components" question asked of their points projected on one axis.
//!
//! The dip of a sample is the largest distance between its empirical distribution
//! function and the closest unimodal distribution function (J. A. Hartigan and
//! P. M. Hartigan, *The dip test of unimodality*, Ann. Statist. 13(1), 70–84, 1985,
//! doi:10.1214/aos/1176346577). It is computed as the paper describes: shrink a modal
//! interval `[lo, hi]`, taking the greatest convex minorant of the distribution function
//! left of the mode and the least concave majorant right of it, until the two hulls are
//! within the current dip of each other. Written from the paper; checked against an
//! independent implementation on random samples (bench/ppp/README.md).
//!
//! Significance uses the uniform distribution, the least favourable unimodal one: the
//! tables [`NULL_95`] and [`NULL_99`] hold the 95% and 99% quantiles of `√n · dip` for
//! uniform samples, simulated
//! for this project (bench/ppp/dip_null.py: 20,000 uniform samples per size up to
//! n = 1,000, 5,000 above).

/// Sample sizes of the null table.
const NULL_N: [f64; 15] = [
    4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0, 30.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0,
];

/// 95% quantiles of `√n · dip` under the uniform null, at the sizes [`NULL_N`].
pub(crate) const NULL_95: [f64; 15] = [
    0.4147, 0.4163, 0.4039, 0.4359, 0.4410, 0.4586, 0.4710, 0.4826, 0.4943, 0.5114, 0.5223, 0.5315,
    0.5343, 0.5332, 0.5512,
];

/// 99% quantiles of `√n · dip` under the uniform null, at the sizes [`NULL_N`] (same
/// simulation as [`NULL_95`]).
pub(crate) const NULL_99: [f64; 15] = [
    0.4641, 0.4397, 0.4684, 0.4912, 0.5010, 0.5228, 0.5387, 0.5568, 0.5712, 0.5881, 0.6051, 0.6133,
    0.6166, 0.6288, 0.6333,
];

/// The critical value of the dip for a sample of `n` points from the quantile `table`
/// of `√n · dip` (linear in `ln n` between the tabulated sizes, constant beyond them).
fn critical(table: &[f64; 15], n: usize) -> f64 {
    let n = (n.max(4)) as f64;
    let q = if n >= NULL_N[NULL_N.len() - 1] {
        table[table.len() - 1]
    } else {
        let j = NULL_N
            .iter()
            .position(|&v| v > n)
            .unwrap_or(NULL_N.len() - 1);
        let (n0, n1) = (NULL_N[j - 1].ln(), NULL_N[j].ln());
        let t = (n.ln() - n0) / (n1 - n0);
        table[j - 1] + t * (table[j] - table[j - 1])
    };
    q / n.sqrt()
}

/// The 95% critical value of the dip for a sample of `n` points.
pub(crate) fn critical_95(n: usize) -> f64 {
    critical(&NULL_95, n)
}

/// The 99% critical value of the dip for a sample of `n` points.
pub(crate) fn critical_99(n: usize) -> f64 {
    critical(&NULL_99, n)
}

/// Knot indices of the greatest convex minorant (`convex = true`) or least concave
/// majorant of the points `(x_i, y_i)`, `i ∈ lo..=hi` (`x` sorted).
fn hull(x: &[f64], y: impl Fn(usize) -> f64, lo: usize, hi: usize, convex: bool) -> Vec<usize> {
    let mut h: Vec<usize> = vec![lo];
    for i in lo + 1..=hi {
        while h.len() >= 2 {
            let (a, b) = (h[h.len() - 2], h[h.len() - 1]);
            let lhs = (y(b) - y(a)) * (x[i] - x[a]);
            let rhs = (y(i) - y(a)) * (x[b] - x[a]);
            if (convex && lhs >= rhs) || (!convex && lhs <= rhs) {
                h.pop();
            } else {
                break;
            }
        }
        h.push(i);
    }
    h
}

/// Value at `x_i` of the piecewise-linear hull through `knots` (sorted indices).
fn at(x: &[f64], y: impl Fn(usize) -> f64, knots: &[usize], i: usize) -> f64 {
    let j = knots.partition_point(|&k| k < i);
    if knots[j] == i {
        return y(i);
    }
    let (a, b) = (knots[j - 1], knots[j]);
    if x[b] == x[a] {
        return y(a);
    }
    y(a) + (y(b) - y(a)) * (x[i] - x[a]) / (x[b] - x[a])
}

/// The dip statistic of the values `x` (sorted in place). Samples of fewer than four
/// points, or of one value, have dip 0 (nothing to test).
pub(crate) fn dip(x: &mut [f64]) -> f64 {
    x.sort_by(|a, b| a.total_cmp(b));
    let n = x.len();
    if n < 4 || x[0] == x[n - 1] {
        return 0.0;
    }
    // Distribution function in counts: just below x_i and at x_i.
    let below = |i: usize| i as f64;
    let upto = |i: usize| (i + 1) as f64;
    let (mut lo, mut hi, mut d) = (0usize, n - 1, 0.0f64);
    loop {
        let g = hull(x, below, lo, hi, true);
        let l = hull(x, upto, lo, hi, false);
        // Largest vertical distance between the two hulls and where it occurs.
        let (mut best, mut xl, mut xu) = (0.0f64, lo, hi);
        for &i in &g {
            let v = at(x, upto, &l, i) - below(i);
            if v > best {
                best = v;
                xl = i;
                xu = l[l.partition_point(|&k| k < i)];
            }
        }
        for &i in &l {
            let v = upto(i) - at(x, below, &g, i);
            if v > best {
                best = v;
                xu = i;
                xl = g[g.partition_point(|&k| k <= i) - 1];
            }
        }
        if xl == lo && xu == hi {
            d = d.max(best);
            break;
        }
        if best <= d {
            break;
        }
        let dl = (lo..=xl)
            .map(|i| upto(i) - at(x, below, &g, i))
            .fold(0.0, f64::max);
        let du = (xu..=hi)
            .map(|i| at(x, upto, &l, i) - below(i))
            .fold(0.0, f64::max);
        d = d.max(dl).max(du);
        lo = xl;
        hi = xu;
    }
    d / (2.0 * n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Values checked against an independent implementation (bench/ppp/README.md).
        let mut two_points_each = [0.0, 0.0, 0.1, 0.1, 5.0, 5.0, 5.1, 5.1];
        assert!((dip(&mut two_points_each) - 0.245).abs() < 1e-12);
        // Evenly spaced values: the smallest possible dip, 1 / (2n).
        let mut even: Vec<f64> = (0..100).map(|i| i as f64).collect();
        assert!((dip(&mut even) - 0.005).abs() < 1e-12);
        let mut few = [1.0, 2.0, 3.0];
        assert_eq!(dip(&mut few), 0.0);
        let mut same = [2.0; 10];
        assert_eq!(dip(&mut same), 0.0);
    }

    #[test]
    fn bimodal_samples_are_significant_and_unimodal_ones_are_not() {
        let mut rng = crate::rng::Rng::new(11);
        let mut normal = || {
            let u1 = rng.next_f64().max(1e-300);
            let u2 = rng.next_f64();
            (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
        };
        let mut uni: Vec<f64> = (0..500).map(|_| normal()).collect();
        let mut bi: Vec<f64> = (0..500)
            .map(|i| normal() + if i % 2 == 0 { 0.0 } else { 5.0 })
            .collect();
        assert!(dip(&mut uni) < critical_95(500));
        assert!(dip(&mut bi) > 2.0 * critical_95(500));
    }

    #[test]
    fn critical_values_interpolate_and_shrink_with_n() {
        assert!((critical_95(100) - 0.5114 / 10.0).abs() < 1e-12);
        assert!(critical_95(4) > critical_95(40));
        assert!(critical_95(40) > critical_95(400));
        assert!((critical_95(1_000_000) - 0.5512 / 1000.0).abs() < 1e-12);
        for n in [4, 10, 100, 1000, 100_000] {
            assert!(critical_99(n) > critical_95(n));
        }
    }
}
