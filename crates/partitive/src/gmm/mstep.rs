//! M-step: mergeable sufficient statistics of a chunk and the parameter update.
//!
//! Statistics are accumulated in `f64` on rows centred on a fixed shift `s` (the data
//! mean), which avoids the cancellation of `Σ r x xᵀ − N μ μᵀ` far from the origin:
//! `N_k = Σ r`, `S1_k = Σ r (x − s)`, `S2_k = Σ r (x − s)(x − s)ᵀ`; then
//! `μ_k = s + S1_k/N_k` and `Σ_k = S2_k/N_k − δ_k δ_kᵀ + reg·I` with `δ_k = S1_k/N_k`.
//! Blocks arrive transposed (`Dᵀ`, `d × b`, rows centred) with the responsibilities
//! `R` (`k × b`, weighted); the sums are matrix products per block: `S1 = R · D`, for full
//! covariances the lower triangles of `S2_c = Dᵀ diag(r_c) D` in register tiles
//! (`scatter.rs`: half a GEMM's work, no `k·d × b` product in memory), for diagonal ones
//! `R · (D∘D)`. A block where most responsibilities are exactly 0 (many components, each
//! far from most rows: their densities underflow) is summed term by term over the nonzero
//! ones instead, which skips the products with zero.

use super::covariance::{CovarianceType, Covariances, GmmParameters};
use super::scatter::scatter_full;
use crate::matrix::Mat;

/// Partial statistics of a set of rows (mergeable in chunk order).
#[derive(Debug, Clone, Default)]
pub(crate) struct Stats {
    /// `Σ r_ik` (weighted) per component.
    pub nk: Vec<f64>,
    /// `k × d`: `Σ r_ik (x_i − s)`.
    pub s1: Vec<f64>,
    /// Full: `(k·d) × d` with `S2_k` in row block `k`; diag/spherical: `k × d`
    /// (diagonals only); tied: empty (the total scatter is constant).
    pub s2: Vec<f64>,
    /// `Σ w_i ln p(x_i)`.
    pub loglik: f64,
    /// Rows whose densities all underflowed.
    pub underflow: usize,
}

impl Stats {
    /// Zero statistics for `k` components in `d` dimensions.
    pub fn zeros(kind: CovarianceType, k: usize, d: usize) -> Self {
        let s2 = match kind {
            CovarianceType::Full => k * d * d,
            CovarianceType::Diag | CovarianceType::Spherical => k * d,
            CovarianceType::Tied => 0,
        };
        Stats {
            nk: vec![0.0; k],
            s1: vec![0.0; k * d],
            s2: vec![0.0; s2],
            loglik: 0.0,
            underflow: 0,
        }
    }

    /// Adds `other` (the next chunk's statistics).
    pub fn merge(&mut self, other: Stats) {
        add(&mut self.nk, &other.nk);
        add(&mut self.s1, &other.s1);
        add(&mut self.s2, &other.s2);
        self.loglik += other.loglik;
        self.underflow += other.underflow;
    }

    /// Accumulates a block: `dt` holds the `b` centred rows transposed (`d × b`, at
    /// least), `rt` their weighted responsibilities (`k × b`), `tmp` a scratch buffer.
    #[inline(always)]
    pub fn accumulate(
        &mut self,
        kind: CovarianceType,
        dt: &[f64],
        rt: &[f64],
        b: usize,
        d: usize,
        tmp: &mut Vec<f64>,
    ) {
        let k = self.nk.len();
        let dt = &dt[..d * b];
        if kind != CovarianceType::Tied {
            let nonzero = rt[..k * b].iter().filter(|&&r| r != 0.0).count();
            if nonzero * SPARSE_DENSITY < k * b {
                self.accumulate_sparse(kind, dt, rt, b, d);
                return;
            }
        }
        for c in 0..k {
            for &r in &rt[c * b..(c + 1) * b] {
                self.nk[c] += r;
            }
        }
        // S1 (k × d) += R (k × b) · D (b × d), with D = dtᵀ.
        gemm_t(&mut self.s1, &rt[..k * b], dt, k, b, d);
        match kind {
            CovarianceType::Full => scatter_full(dt, rt, b, d, k, &mut self.s2, tmp),
            CovarianceType::Diag | CovarianceType::Spherical => {
                // S2 (k × d) += R · (D∘D).
                tmp.resize(d * b, 0.0);
                for (o, x) in tmp.iter_mut().zip(dt) {
                    *o = x * x;
                }
                gemm_t(&mut self.s2, &rt[..k * b], &tmp[..d * b], k, b, d);
            }
            CovarianceType::Tied => {}
        }
    }

    /// [`Self::accumulate`] term by term over the nonzero responsibilities only, in row
    /// order per component (a block where most components are far from most rows: with
    /// many components, nearly all responsibilities underflow to exactly 0).
    #[inline(always)]
    fn accumulate_sparse(
        &mut self,
        kind: CovarianceType,
        dt: &[f64],
        rt: &[f64],
        b: usize,
        d: usize,
    ) {
        let mut x = vec![0.0; d];
        for c in 0..self.nk.len() {
            let s1 = &mut self.s1[c * d..(c + 1) * d];
            for (i, &r) in rt[c * b..(c + 1) * b].iter().enumerate() {
                if r == 0.0 {
                    continue;
                }
                self.nk[c] += r;
                for (a, v) in x.iter_mut().enumerate() {
                    *v = dt[a * b + i];
                }
                for (s, &v) in s1.iter_mut().zip(&x) {
                    *s += r * v;
                }
                match kind {
                    CovarianceType::Full => {
                        let s2 = &mut self.s2[c * d * d..(c + 1) * d * d];
                        for (row, &va) in s2.chunks_exact_mut(d).zip(&x) {
                            let ra = r * va;
                            for (s, &vb) in row.iter_mut().zip(&x) {
                                *s += ra * vb;
                            }
                        }
                    }
                    _ => {
                        for (s, &v) in self.s2[c * d..(c + 1) * d].iter_mut().zip(&x) {
                            *s += r * (v * v);
                        }
                    }
                }
            }
        }
    }
}

/// A block's statistics are summed term by term ([`Stats::accumulate_sparse`]) when fewer
/// than one responsibility in `SPARSE_DENSITY` is nonzero (so never with at most this many
/// components: every row has a nonzero one).
const SPARSE_DENSITY: usize = 16;

/// `out (m × n) += a (m × kk) · btᵀ` with `bt` given as `n × kk` (all row-major).
#[inline(always)]
fn gemm_t(out: &mut [f64], a: &[f64], bt: &[f64], m: usize, kk: usize, n: usize) {
    faer::linalg::matmul::matmul(
        faer::MatMut::from_row_major_slice_mut(&mut out[..m * n], m, n),
        faer::Accum::Add,
        faer::MatRef::from_row_major_slice(&a[..m * kk], m, kk),
        faer::MatRef::from_row_major_slice(&bt[..n * kk], n, kk).transpose(),
        1.0,
        faer::Par::Seq,
    );
}

fn add(a: &mut [f64], b: &[f64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// What the M-step needs besides the statistics.
pub(crate) struct MStepInput<'a> {
    pub kind: CovarianceType,
    pub d: usize,
    pub reg_covar: f64,
    /// Added to every `N_k` (10 × machine epsilon of the data type, as scikit-learn).
    pub nk_eps: f64,
    /// The shift `s` the statistics are centred on.
    pub shift: &'a [f64],
    /// Tied only: `Σ w_i (x_i − s)(x_i − s)ᵀ`, `d × d`.
    pub scatter: &'a [f64],
}

/// New parameters from merged statistics. Weights are `N_k / Σ N_k`.
pub(crate) fn update(stats: &Stats, inp: &MStepInput<'_>) -> GmmParameters {
    let k = stats.nk.len();
    let d = inp.d;
    let nk: Vec<f64> = stats.nk.iter().map(|v| v + inp.nk_eps).collect();
    let total: f64 = nk.iter().sum();
    let weights = nk.iter().map(|v| v / total).collect();
    let mut delta = vec![0.0; k * d];
    let mut means = Mat::filled(k, d, 0.0);
    for c in 0..k {
        for j in 0..d {
            let dl = stats.s1[c * d + j] / nk[c];
            delta[c * d + j] = dl;
            means.row_mut(c)[j] = inp.shift[j] + dl;
        }
    }
    let covariances = match inp.kind {
        CovarianceType::Full => {
            let covs = (0..k)
                .map(|c| {
                    let dl = &delta[c * d..c * d + d];
                    let mut m = Mat::filled(d, d, 0.0);
                    for a in 0..d {
                        for b in 0..=a {
                            let sab = stats.s2[(c * d + a) * d + b];
                            let sba = stats.s2[(c * d + b) * d + a];
                            let v = 0.5 * (sab + sba) / nk[c] - dl[a] * dl[b];
                            m.row_mut(a)[b] = v;
                            m.row_mut(b)[a] = v;
                        }
                        m.row_mut(a)[a] += inp.reg_covar;
                    }
                    m
                })
                .collect();
            Covariances::Full(covs)
        }
        CovarianceType::Tied => {
            let mut m = Mat::filled(d, d, 0.0);
            for a in 0..d {
                for b in 0..=a {
                    let mut v = 0.5 * (inp.scatter[a * d + b] + inp.scatter[b * d + a]);
                    for c in 0..k {
                        v -= nk[c] * delta[c * d + a] * delta[c * d + b];
                    }
                    let v = v / total;
                    m.row_mut(a)[b] = v;
                    m.row_mut(b)[a] = v;
                }
                m.row_mut(a)[a] += inp.reg_covar;
            }
            Covariances::Tied(m)
        }
        CovarianceType::Diag | CovarianceType::Spherical => {
            let mut v = Mat::filled(k, d, 0.0);
            for c in 0..k {
                for j in 0..d {
                    let dl = delta[c * d + j];
                    v.row_mut(c)[j] = stats.s2[c * d + j] / nk[c] - dl * dl + inp.reg_covar;
                }
            }
            if inp.kind == CovarianceType::Diag {
                Covariances::Diag(v)
            } else {
                Covariances::Spherical(
                    (0..k)
                        .map(|c| v.row(c).iter().sum::<f64>() / d as f64)
                        .collect(),
                )
            }
        }
    };
    GmmParameters {
        weights,
        means,
        covariances,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block of `b` rows in `d` dimensions (transposed) and responsibilities for `k`
    /// components, `nonzero_per_row` of them nonzero on each row.
    fn block(k: usize, d: usize, b: usize, nonzero_per_row: usize) -> (Vec<f64>, Vec<f64>) {
        let mut rng = crate::rng::Rng::new(0x2545_f491_4f6c_dd1d);
        let mut next = || rng.next_f64();
        let dt: Vec<f64> = (0..d * b).map(|_| 4.0 * next() - 2.0).collect();
        let mut rt = vec![0.0; k * b];
        for i in 0..b {
            for t in 0..nonzero_per_row {
                rt[((i * 7 + t * 3) % k) * b + i] = 0.1 + next();
            }
        }
        (dt, rt)
    }

    /// The statistics by their definition, one term at a time.
    fn reference(
        kind: CovarianceType,
        dt: &[f64],
        rt: &[f64],
        k: usize,
        b: usize,
        d: usize,
    ) -> Stats {
        let mut st = Stats::zeros(kind, k, d);
        for c in 0..k {
            for i in 0..b {
                let r = rt[c * b + i];
                st.nk[c] += r;
                for a in 0..d {
                    let xa = dt[a * b + i];
                    st.s1[c * d + a] += r * xa;
                    match kind {
                        CovarianceType::Full => {
                            for e in 0..d {
                                st.s2[(c * d + a) * d + e] += r * xa * dt[e * b + i];
                            }
                        }
                        _ => st.s2[c * d + a] += r * xa * xa,
                    }
                }
            }
        }
        st
    }

    fn assert_close(a: &[f64], b: &[f64]) {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() <= 1e-12 * (1.0 + y.abs()), "{x} vs {y}");
        }
    }

    #[test]
    fn sparse_and_dense_blocks_sum_the_same_statistics() {
        let (d, b) = (5, 70);
        // 40 components with one nonzero responsibility per row: summed term by term;
        // 4 components with three per row: the matrix products.
        for (k, nz) in [(40, 1), (4, 3)] {
            let (dt, rt) = block(k, d, b, nz);
            for kind in [
                CovarianceType::Full,
                CovarianceType::Diag,
                CovarianceType::Spherical,
            ] {
                let mut st = Stats::zeros(kind, k, d);
                st.accumulate(kind, &dt, &rt, b, d, &mut vec![]);
                let want = reference(kind, &dt, &rt, k, b, d);
                assert_close(&st.nk, &want.nk);
                assert_close(&st.s1, &want.s1);
                assert_close(&st.s2, &want.s2);
            }
        }
    }
}
