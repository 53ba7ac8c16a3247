//! A fitted mixture: parameters, fit criteria, diagnostics, and prediction.

use super::covariance::{
    CovarianceType, Factored, GmmParameters, PrecisionCholesky, RegularizationEvent,
};
use super::estep::{normalize_row, Evaluator, Scratch, BLOCK_ROWS};
use super::fit::{evaluate, UNDERFLOW_LOGLIK};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use crate::parallel::for_each_chunk_mut;
use crate::simd::{dispatch, Kernel, Simd};

/// Arguments of [`rows_chunk`].
struct RowsChunk<'a, T, O, F> {
    ev: &'a Evaluator,
    x: MatRef<'a, T>,
    stride: usize,
    range: std::ops::Range<usize>,
    o: &'a mut [O],
    per_row: &'a F,
}

impl<T: Float, O, F: Fn(&[f64], f64, &mut [O])> Kernel for RowsChunk<'_, T, O, F> {
    type Output = ();
    #[inline(always)]
    fn run(self, _: Simd) {
        rows_chunk(
            self.ev,
            self.x,
            self.stride,
            self.range,
            self.o,
            self.per_row,
        )
    }
}

/// The prediction kernel of one chunk: `per_row(responsibilities, loglik, out_row)`.
#[inline(always)]
fn rows_chunk<T: Float, O>(
    ev: &Evaluator,
    x: MatRef<'_, T>,
    stride: usize,
    range: std::ops::Range<usize>,
    o: &mut [O],
    per_row: &impl Fn(&[f64], f64, &mut [O]),
) {
    let k = ev.k;
    let mut s = Scratch::default();
    let mut start = range.start;
    while start < range.end {
        let b = BLOCK_ROWS.min(range.end - start);
        ev.load(x, start, b, &mut s);
        ev.log_prob(b, &mut s);
        for i in 0..b {
            let row = &mut s.lp[i * k..(i + 1) * k];
            let ll = normalize_row(row).unwrap_or(UNDERFLOW_LOGLIK);
            let r0 = (start - range.start + i) * stride;
            per_row(row, ll, &mut o[r0..r0 + stride]);
        }
        start += b;
    }
}

/// Degenerate outcomes met while fitting (all handled; outputs stay finite).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GmmDiagnostics {
    /// Covariances that were not positive definite (or variances not positive) even
    /// with `reg_covar`, and what was added to make them so.
    pub regularized: Vec<RegularizationEvent>,
    /// Components that received no rows from the initial partition.
    pub empty_initial_components: Vec<usize>,
    /// Components whose final responsibilities sum to less than one row.
    pub collapsed_components: Vec<usize>,
    /// Components whose final effective count is below `d + 1` (full) or 2 (diagonal,
    /// spherical): their covariance rests on `reg_covar`.
    pub underpopulated_components: Vec<usize>,
    /// Columns whose values are all equal (their variances are `reg_covar`).
    pub constant_columns: Vec<usize>,
    /// Rows whose densities underflowed for every component in the final evaluation
    /// (given log-likelihood −1e300 and uniform responsibilities).
    pub underflow_rows: usize,
}

impl GmmDiagnostics {
    /// True when nothing degenerate happened.
    pub fn is_clean(&self) -> bool {
        *self == GmmDiagnostics::default()
    }
}

/// A fitted Gaussian mixture.
#[derive(Debug, Clone)]
pub struct GmmModel {
    /// The covariance type.
    pub covariance_type: CovarianceType,
    /// Weights, means and covariances.
    pub params: GmmParameters,
    /// Precision Cholesky factors of the covariances.
    pub precision_cholesky: PrecisionCholesky,
    /// Weighted mean of the training rows; rows are centred on it before densities are
    /// computed (numerical accuracy only).
    pub data_mean: Vec<f64>,
    /// Mean log-likelihood of the last E-step (scikit-learn's `lower_bound_`).
    pub lower_bound: f64,
    /// Total (weighted) log-likelihood of the training rows under the final parameters.
    pub log_likelihood: f64,
    /// `log_likelihood / n_samples`: the mean log-likelihood per row.
    pub mean_log_likelihood: f64,
    /// Bayesian information criterion `−2 ln L + p ln n` (G. Schwarz, *Estimating the
    /// dimension of a model*, Annals of Statistics 6(2), 1978); lower is better.
    pub bic: f64,
    /// Akaike information criterion `−2 ln L + 2p` (H. Akaike, *A new look at the
    /// statistical model identification*, IEEE TAC 19(6), 1974,
    /// doi:10.1109/TAC.1974.1100705); lower is better.
    pub aic: f64,
    /// Integrated completed likelihood, BIC plus twice the entropy of the
    /// responsibilities (C. Biernacki, G. Celeux, G. Govaert, *Assessing a mixture
    /// model for clustering with the integrated completed likelihood*, IEEE TPAMI
    /// 22(7), 2000, doi:10.1109/34.865189); lower is better.
    pub icl: f64,
    /// EM iterations of the chosen run.
    pub n_iter: usize,
    /// Whether the chosen run met `tol` within `max_iter`.
    pub converged: bool,
    /// Most probable component of every training row under the final parameters.
    pub labels: Vec<usize>,
    /// Number of training rows (sum of the sample weights when weighted).
    pub n_samples: f64,
    /// Degenerate outcomes.
    pub diagnostics: GmmDiagnostics,
}

impl GmmModel {
    /// Number of components.
    pub fn n_components(&self) -> usize {
        self.params.weights.len()
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.params.means.n_cols()
    }

    /// Free parameters counted by BIC/AIC.
    pub fn n_parameters(&self) -> usize {
        self.covariance_type
            .n_parameters(self.n_components(), self.n_features())
    }

    fn evaluator<T: Float>(&self, x: MatRef<'_, T>) -> Result<Evaluator> {
        if x.n_cols() != self.n_features() {
            return Err(Error::shape("columns", self.n_features(), x.n_cols()));
        }
        x.check_finite()?;
        let f = Factored::from_chol(&self.precision_cholesky, self.n_features());
        Ok(Evaluator::new(&self.params, &f, &self.data_mean))
    }

    /// Runs `per_row(row_index_in_block, responsibilities, loglik, out_row)` over all
    /// rows, writing `stride` outputs per row.
    fn map_rows<T: Float, O: Send + Copy + Default>(
        &self,
        x: MatRef<'_, T>,
        stride: usize,
        per_row: impl Fn(&[f64], f64, &mut [O]) + Sync,
    ) -> Result<Vec<O>> {
        let ev = self.evaluator(x)?;
        let mut out = vec![O::default(); x.n_rows() * stride];
        let per_row = &per_row;
        for_each_chunk_mut(&mut out, stride, |range, o| {
            dispatch(RowsChunk {
                ev: &ev,
                x,
                stride,
                range,
                o,
                per_row,
            })
        });
        Ok(out)
    }

    /// The most probable component of every row of `x`.
    pub fn predict<T: Float>(&self, x: MatRef<'_, T>) -> Result<Vec<usize>> {
        self.map_rows(x, 1, |r, _, o| {
            let mut best = 0;
            for (c, &v) in r.iter().enumerate() {
                if v > r[best] {
                    best = c;
                }
            }
            o[0] = best;
        })
    }

    /// Responsibilities `P(component | row)`, `n × k`.
    pub fn predict_proba<T: Float>(&self, x: MatRef<'_, T>) -> Result<Mat<f64>> {
        let k = self.n_components();
        let v = self.map_rows(x, k, |r, _, o| o.copy_from_slice(r))?;
        Mat::from_vec(v, x.n_rows(), k)
    }

    /// Log-likelihood `ln p(x_i)` of every row.
    pub fn score_samples<T: Float>(&self, x: MatRef<'_, T>) -> Result<Vec<f64>> {
        self.map_rows(x, 1, |_, ll, o| o[0] = ll)
    }

    /// Mean log-likelihood of the rows of `x`.
    pub fn score<T: Float>(&self, x: MatRef<'_, T>) -> Result<f64> {
        let ev = self.evaluator(x)?;
        if x.n_rows() == 0 {
            return Err(Error::data("no rows"));
        }
        Ok(evaluate(x, None, &ev).loglik / x.n_rows() as f64)
    }

    /// BIC of the model on `x` (unweighted rows).
    pub fn bic_on<T: Float>(&self, x: MatRef<'_, T>) -> Result<f64> {
        let n = x.n_rows() as f64;
        Ok(-2.0 * self.score(x)? * n + self.n_parameters() as f64 * n.ln())
    }

    /// AIC of the model on `x` (unweighted rows).
    pub fn aic_on<T: Float>(&self, x: MatRef<'_, T>) -> Result<f64> {
        let n = x.n_rows() as f64;
        Ok(-2.0 * self.score(x)? * n + 2.0 * self.n_parameters() as f64)
    }
}
