//! The fourth pass of the modal rule ([`super::modal`]): pieces of one thin, curved
//! cluster joined along a common sphere.
//!
//! BIC tiles a thin spherical shell in a few dimensions (4-D: 8–20 components) with caps.
//! Neighbouring caps meet on the shell, but the straight segment between their means
//! crosses its hollow inside and their posterior boundary is far less dense than their
//! own points (saddle/peak 0.4–0.5), so neither the first pass nor the segment pass joins
//! them. What they share is curvature: the points of two caps lie on one sphere about as
//! closely as each cap's points lie on its own best sphere, and much more closely than on
//! any hyperplane. Two clusters made only of platykurtic components (Mardia kurtosis z
//! below `−Z_GAUSS`; caps, tiles, whole shells) and sharing a posterior boundary are
//! joined when the union of their fit points is
//! - **curved**: the mean squared radial residual about the union's least-squares sphere
//!   is below [`SPHERE_CURVED`] × the union's smallest covariance eigenvalue (the mean
//!   squared residual about its best hyperplane), and
//! - **on one sphere**: that residual is at most [`SPHERE_ONE`] × the pooled residual of
//!   the two clusters about their own spheres.
//!
//! Pairs are visited by decreasing boundary saddle and every test is on the whole union,
//! so a chain of pairwise fits cannot carry one shell into another. Pieces of a uniform
//! ball or box fail the first condition (a sphere fits them no better than a hyperplane:
//! ratio ≈ 1); caps of two different shells fail the second (the union's residual is
//! 1.1–4 × the pooled one); Gaussian pieces are not platykurtic. The sphere is the
//! algebraic least-squares fit `|x − m|² = 2 c·(x − m) + b` (I. Kåsa, *A circle fitting
//! procedure and its error analysis*, IEEE Trans. Instrum. Meas. 25(1), 1976); the
//! residuals are geometric, `|x − c| − r`. Shell clustering by fitted spheres goes back to
//! R. N. Davé, *Fuzzy shell-clustering and applications to circle detection in digital
//! images*, Int. J. General Systems 16(4), 1990. Measured in bench/ppp/README.md
//! (session 16).

use super::merge::{pairs_by_saddle, roots_of, ClusterWeights};
use super::result::{MergeDecision, MergeNode};
use crate::matrix::Mat;
use std::collections::BTreeSet;

/// The union's squared radial residual about its sphere must be below this fraction of its
/// smallest covariance eigenvalue (module doc). Measured (session 16): unions of caps of
/// one 4-D shell 0.03–0.5; pairs of uniform balls or box tiles 0.7–1.4.
pub const SPHERE_CURVED: f64 = 0.5;

/// The union's squared radial residual must be at most this multiple of the two clusters'
/// pooled residuals about their own spheres (module doc). Each cluster's own sphere has
/// its own centre and radius, so the pooled residual is the smaller even on one sphere
/// (two halves of a 4-D shell: 1.02). Measured (session 16): caps of one shell 0.5–1.15
/// (the residual is geometric, the fit algebraic, so the ratio can fall below 1); caps
/// of two shells that overlap 1.16–4.2.
pub const SPHERE_ONE: f64 = 1.1;

/// A least-squares sphere through a set of points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct SphereFit {
    /// Radius.
    pub radius: f64,
    /// Mean squared radial residual `(|x − c| − r)²`.
    pub residual: f64,
    /// Smallest eigenvalue of the points' covariance (divisor `n`): the mean squared
    /// residual about their best hyperplane.
    pub flattest: f64,
}

/// The sphere of the rows `rows` of `x`; `None` with fewer than `d + 2` rows or when the
/// normal equations are singular or give no real radius.
pub(super) fn fit_sphere(x: &Mat<f64>, rows: &[usize]) -> Option<SphereFit> {
    let d = x.n_cols();
    let n = rows.len();
    if n < d + 2 {
        return None;
    }
    let mut mean = vec![0.0; d];
    for &i in rows {
        mean.iter_mut().zip(x.row(i)).for_each(|(m, v)| *m += v);
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    // Normal equations of t = |y|² ≈ 2 c·y + b, y = x − mean, unknowns (c, b):
    // a = Σ z zᵀ, rhs = Σ z t with z = (2y, 1); the covariance is a's top-left block / 4n.
    let p = d + 1;
    let (mut a, mut rhs) = (vec![0.0; p * p], vec![0.0; p]);
    let mut y = vec![0.0; d];
    for &i in rows {
        y.iter_mut()
            .zip(x.row(i).iter().zip(&mean))
            .for_each(|(o, (v, m))| *o = v - m);
        let t: f64 = y.iter().map(|v| v * v).sum();
        for r in 0..d {
            let zr = 2.0 * y[r];
            for s in 0..=r {
                a[r * p + s] += zr * 2.0 * y[s];
            }
            a[d * p + r] += zr;
            rhs[r] += zr * t;
        }
        rhs[d] += t;
    }
    a[d * p + d] = n as f64;
    for r in 0..p {
        for s in 0..r {
            a[s * p + r] = a[r * p + s];
        }
    }
    let cov: Vec<f64> = (0..d * d)
        .map(|i| a[(i / d) * p + i % d] / (4.0 * n as f64))
        .collect();
    let u = solve_spd(a, rhs)?;
    let (c, b) = (&u[..d], u[d]);
    let r2 = b + c.iter().map(|v| v * v).sum::<f64>();
    if r2.is_nan() || r2 <= 0.0 {
        return None;
    }
    let radius = r2.sqrt();
    let mut residual = 0.0;
    for &i in rows {
        let dist2: f64 = x
            .row(i)
            .iter()
            .zip(&mean)
            .zip(c)
            .map(|((v, m), cc)| (v - m - cc).powi(2))
            .sum();
        residual += (dist2.sqrt() - radius).powi(2);
    }
    Some(SphereFit {
        radius,
        residual: residual / n as f64,
        flattest: smallest_eigenvalue(cov, d),
    })
}

/// Solves `a u = rhs` for a symmetric positive definite `a` (`p × p`, row-major) by
/// Cholesky; `None` when a pivot is not positive.
fn solve_spd(mut a: Vec<f64>, mut rhs: Vec<f64>) -> Option<Vec<f64>> {
    let p = rhs.len();
    for j in 0..p {
        let s: f64 = (0..j).map(|t| a[j * p + t] * a[j * p + t]).sum();
        let piv = a[j * p + j] - s;
        let floor = 1e-12 * a[j * p + j].abs().max(f64::MIN_POSITIVE);
        if piv.is_nan() || piv <= floor {
            return None;
        }
        let l = piv.sqrt();
        a[j * p + j] = l;
        for i in j + 1..p {
            let s: f64 = (0..j).map(|t| a[i * p + t] * a[j * p + t]).sum();
            a[i * p + j] = (a[i * p + j] - s) / l;
        }
    }
    for i in 0..p {
        let s: f64 = (0..i).map(|t| a[i * p + t] * rhs[t]).sum();
        rhs[i] = (rhs[i] - s) / a[i * p + i];
    }
    for i in (0..p).rev() {
        let s: f64 = (i + 1..p).map(|t| a[t * p + i] * rhs[t]).sum();
        rhs[i] = (rhs[i] - s) / a[i * p + i];
    }
    Some(rhs)
}

/// The smallest eigenvalue of a symmetric `d × d` matrix (row-major), by cyclic Jacobi
/// rotations (plain arithmetic in a fixed order: the same on every machine).
fn smallest_eigenvalue(mut m: Vec<f64>, d: usize) -> f64 {
    for _sweep in 0..64 {
        let off: f64 = (0..d)
            .flat_map(|i| (0..i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * d + j] * m[i * d + j])
            .sum();
        let diag: f64 = (0..d).map(|i| m[i * d + i] * m[i * d + i]).sum();
        if off <= 1e-30 * diag || off == 0.0 {
            break;
        }
        for pp in 0..d {
            for q in pp + 1..d {
                let apq = m[pp * d + q];
                if apq == 0.0 {
                    continue;
                }
                let (app, aqq) = (m[pp * d + pp], m[q * d + q]);
                let theta = (aqq - app) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for r in 0..d {
                    let (mrp, mrq) = (m[r * d + pp], m[r * d + q]);
                    m[r * d + pp] = c * mrp - s * mrq;
                    m[r * d + q] = s * mrp + c * mrq;
                }
                for r in 0..d {
                    let (mpr, mqr) = (m[pp * d + r], m[q * d + r]);
                    m[pp * d + r] = c * mpr - s * mqr;
                    m[q * d + r] = s * mpr + c * mqr;
                }
            }
        }
    }
    (0..d).map(|i| m[i * d + i]).fold(f64::INFINITY, f64::min)
}

/// The outcome of the test of one union (module doc).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct SphereTest {
    /// Union residual over its smallest covariance eigenvalue.
    pub curved: f64,
    /// Union residual over the two clusters' pooled own residuals.
    pub one: f64,
}

impl SphereTest {
    fn joins(&self) -> bool {
        self.curved < SPHERE_CURVED && self.one <= SPHERE_ONE
    }
}

/// The test of the union of the rows `a` and `b` (module doc); `None` when a sphere
/// cannot be fitted to either or to the union.
pub(super) fn sphere_test(x: &Mat<f64>, a: &[usize], b: &[usize]) -> Option<SphereTest> {
    let (fa, fb) = (fit_sphere(x, a)?, fit_sphere(x, b)?);
    let mut u: Vec<usize> = a.iter().chain(b).copied().collect();
    u.sort_unstable();
    let fu = fit_sphere(x, &u)?;
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let pooled = (na * fa.residual + nb * fb.residual) / (na + nb);
    let curved = if fu.flattest > 0.0 {
        fu.residual / fu.flattest
    } else {
        f64::INFINITY
    };
    let one = if pooled > 0.0 {
        fu.residual / pooled
    } else {
        f64::INFINITY
    };
    Some(SphereTest { curved, one })
}

/// The fourth pass (module doc) over the clusters of `rep` (`rep[c]` = root of `c`):
/// `top` = most probable component of every fit row of `x` (`usize::MAX`: none),
/// `platy[c]` = component `c` is platykurtic, `hollow[c]` = it holds a whole shell (such a
/// cluster is complete and never joins: [`MergeDecision::KeptHollow`]), `saddle` = the first pass's boundary saddles
/// (`K × K`), `w` = component weights. The lighter cluster's root hangs under the pair's
/// component in the heavier one ([`MergeDecision::JoinedOnSphere`]).
#[allow(clippy::too_many_arguments)]
pub(super) fn join_on_spheres(
    x: &Mat<f64>,
    top: &[usize],
    platy: &[bool],
    hollow: &[bool],
    saddle: &[f64],
    w: &[f64],
    rep: &mut [usize],
    nodes: &mut [MergeNode],
) {
    let k = rep.len();
    let roots = roots_of(rep);
    if roots.len() < 2 {
        return;
    }
    // Clusters by root: members, rows, weight, all platykurtic.
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &a) in top.iter().enumerate() {
        if a < k {
            rows[rep[a]].push(i);
        }
    }
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    (0..k).for_each(|c| members[rep[c]].push(c));
    let mut weights = ClusterWeights::new(rep, w);
    let all_platy = |m: &[usize]| m.iter().all(|&c| platy[c] && !hollow[c]);
    let mut tested: BTreeSet<(usize, usize, usize, usize)> = BTreeSet::new();
    for (c, e) in pairs_by_saddle(saddle, k) {
        let (ra, rb) = (rep[c], rep[e]);
        if ra == rb || !all_platy(&members[ra]) || !all_platy(&members[rb]) {
            continue;
        }
        let key = (
            ra.min(rb),
            members[ra.min(rb)].len(),
            ra.max(rb),
            members[ra.max(rb)].len(),
        );
        if !tested.insert(key) {
            continue;
        }
        let Some(t) = sphere_test(x, &rows[ra], &rows[rb]) else {
            continue;
        };
        if !t.joins() {
            continue;
        }
        let (lo, hi) = weights.join(ra, rb);
        let under = if lo == ra { e } else { c };
        nodes[lo].parent = Some(under);
        nodes[lo].decision = MergeDecision::JoinedOnSphere {
            curved: t.curved,
            one: t.one,
        };
        let moved = std::mem::take(&mut members[lo]);
        moved.iter().for_each(|&m| rep[m] = hi);
        members[hi].extend(moved);
        members[hi].sort_unstable();
        let moved_rows = std::mem::take(&mut rows[lo]);
        rows[hi].extend(moved_rows);
        rows[hi].sort_unstable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// `n` points of a shell of radius `r` (radial sd `t × r`) around `centre` in
    /// `centre.len()` dimensions whose direction has a positive first coordinate when
    /// `cap`, appended to `v`.
    fn shell(rng: &mut Rng, v: &mut Vec<f64>, n: usize, centre: &[f64], r: f64, t: f64, cap: bool) {
        let d = centre.len();
        for _ in 0..n {
            let mut u: Vec<f64> = (0..d).map(|_| rng.normal()).collect();
            if cap {
                u[0] = u[0].abs() + 1.0;
            }
            let norm = u.iter().map(|a| a * a).sum::<f64>().sqrt();
            let radius = r * (1.0 + t * rng.normal());
            v.extend(u.iter().zip(centre).map(|(a, c)| c + radius * a / norm));
        }
    }

    #[test]
    fn the_fitted_sphere_has_the_shells_radius_and_thickness() {
        let mut rng = Rng::new(3);
        let mut v = Vec::new();
        shell(
            &mut rng,
            &mut v,
            2000,
            &[1.0, -2.0, 0.5, 3.0],
            1.5,
            0.02,
            true,
        );
        let x = Mat::from_vec(v, 2000, 4).unwrap();
        let rows: Vec<usize> = (0..2000).collect();
        let f = fit_sphere(&x, &rows).unwrap();
        assert!((f.radius - 1.5).abs() < 0.02, "radius {}", f.radius);
        // Radial sd 0.03: residual 9e-4.
        assert!(
            (f.residual / 9e-4 - 1.0).abs() < 0.15,
            "residual {}",
            f.residual
        );
        assert!(f.residual < 0.1 * f.flattest, "a cap is curved: {f:?}");
        // Too few rows for a sphere in 4-D.
        assert!(fit_sphere(&x, &rows[..5]).is_none());
    }

    #[test]
    fn pieces_of_one_shell_or_box_join_pieces_of_two_do_not() {
        let mut rng = Rng::new(7);
        let d = 4;
        let o = vec![0.0; d];
        // Two halves of one shell (cut at the first coordinate's sign).
        let mut v = Vec::new();
        shell(&mut rng, &mut v, 3000, &o, 1.0, 0.05, false);
        let x = Mat::from_vec(v, 3000, d).unwrap();
        let (pos, neg): (Vec<usize>, Vec<usize>) = (0..3000).partition(|&i| x.row(i)[0] > 0.0);
        let t = sphere_test(&x, &pos, &neg).unwrap();
        assert!(t.joins(), "{t:?}");
        // Caps of two shells that cut through each other (centres 0.6 radii apart).
        let mut v = Vec::new();
        shell(&mut rng, &mut v, 1000, &o, 1.0, 0.05, true);
        let mut c2 = o.clone();
        c2[1] = 0.6;
        shell(&mut rng, &mut v, 1000, &c2, 1.2, 0.05, true);
        let x = Mat::from_vec(v, 2000, d).unwrap();
        let (a, b): (Vec<usize>, Vec<usize>) = ((0..1000).collect(), (1000..2000).collect());
        let t = sphere_test(&x, &a, &b).unwrap();
        assert!(!t.joins() && t.one > 2.0, "{t:?}");
        // Two halves of one uniform box join too: in 4-D a box's points concentrate at
        // one distance from its centre (hollowness 0.4) and the halves share that sphere.
        let v: Vec<f64> = (0..3000 * d).map(|_| rng.next_f64() * 2.0 - 1.0).collect();
        let x = Mat::from_vec(v, 3000, d).unwrap();
        let (pos, neg): (Vec<usize>, Vec<usize>) = (0..3000).partition(|&i| x.row(i)[0] > 0.0);
        let t = sphere_test(&x, &pos, &neg).unwrap();
        assert!(t.joins(), "{t:?}");
        // Two boxes side by side (touching) do not: each lies on its own sphere.
        let v: Vec<f64> = (0..3000 * d)
            .map(|i| {
                rng.next_f64() * 2.0 - 1.0
                    + if i % d == 0 && i >= 1500 * d {
                        2.0
                    } else {
                        0.0
                    }
            })
            .collect();
        let x = Mat::from_vec(v, 3000, d).unwrap();
        let (a, b): (Vec<usize>, Vec<usize>) = ((0..1500).collect(), (1500..3000).collect());
        let t = sphere_test(&x, &a, &b).unwrap();
        assert!(!t.joins(), "{t:?}");
    }

    #[test]
    fn the_smallest_eigenvalue_of_a_rotated_diagonal_matrix() {
        // R diag(3, 1, 0.25) Rᵀ with a rotation about the third axis and one about the first.
        let (c, s) = (0.6f64, 0.8f64);
        let r = [[c, -s, 0.0], [s * c, c * c, -s], [s * s, c * s, c]];
        let l = [3.0, 1.0, 0.25];
        let m: Vec<f64> = (0..9)
            .map(|i| (0..3).map(|t| r[i / 3][t] * l[t] * r[i % 3][t]).sum())
            .collect();
        assert!((smallest_eigenvalue(m, 3) - 0.25).abs() < 1e-12);
    }
}
