//! [`GmmModel::from_parameters`]: a model rebuilt from saved parameters, for prediction.

use super::covariance::{CovarianceType, Covariances, GmmParameters, PrecisionCholesky};
use super::model::{GmmDiagnostics, GmmModel};
use crate::error::{Error, Result};
use crate::matrix::Mat;

fn square(m: &Mat<f64>, d: usize) -> bool {
    m.n_rows() == d && m.n_cols() == d
}

fn finite(v: &[f64]) -> bool {
    v.iter().all(|x| x.is_finite())
}

/// Upper-triangular factor with a positive, finite diagonal.
fn factor_ok(u: &Mat<f64>, d: usize) -> bool {
    square(u, d) && finite(u.as_slice()) && (0..d).all(|j| u.row(j)[j] > 0.0)
}

impl GmmModel {
    /// A model from saved parameters: `covariance_type`, `params` (weights, means,
    /// covariances), `precision_cholesky` and `data_mean` (the centring point of
    /// [`GmmModel::data_mean`]). It predicts exactly as the model they were taken from;
    /// fit statistics it cannot know are NaN (`log_likelihood`, `bic`, …), `labels` empty.
    ///
    /// # Errors
    /// Shapes that disagree (weights, means, covariances and factors for `k`
    /// components of `d` features), a covariance type other than the parameters', a
    /// non-finite value, a factor whose diagonal is not positive.
    pub fn from_parameters(
        covariance_type: CovarianceType,
        params: GmmParameters,
        precision_cholesky: PrecisionCholesky,
        data_mean: Vec<f64>,
    ) -> Result<GmmModel> {
        let bad = |why: &str| Err(Error::param("gmm parameters", why.to_string()));
        let k = params.weights.len();
        let d = params.means.n_cols();
        if k == 0 || d == 0 || params.means.n_rows() != k || data_mean.len() != d {
            return bad("weights, means and data mean disagree in size");
        }
        if !finite(&params.weights) || !finite(params.means.as_slice()) || !finite(&data_mean) {
            return bad("a weight, mean or the data mean is not finite");
        }
        if params.weights.iter().any(|w| *w < 0.0) {
            return bad("a weight is negative");
        }
        if params.covariances.covariance_type() != covariance_type {
            return bad("the covariances are not of the stated covariance type");
        }
        let cov_ok = match &params.covariances {
            Covariances::Full(v) => {
                v.len() == k && v.iter().all(|m| square(m, d) && finite(m.as_slice()))
            }
            Covariances::Diag(m) => m.n_rows() == k && m.n_cols() == d && finite(m.as_slice()),
            Covariances::Spherical(v) => v.len() == k && finite(v),
            Covariances::Tied(m) => square(m, d) && finite(m.as_slice()),
        };
        let chol_ok = match (&precision_cholesky, covariance_type) {
            (PrecisionCholesky::Full(v), CovarianceType::Full) => {
                v.len() == k && v.iter().all(|u| factor_ok(u, d))
            }
            (PrecisionCholesky::Diag(m), CovarianceType::Diag) => {
                m.n_rows() == k
                    && m.n_cols() == d
                    && m.as_slice().iter().all(|x| x.is_finite() && *x > 0.0)
            }
            (PrecisionCholesky::Spherical(v), CovarianceType::Spherical) => {
                v.len() == k && v.iter().all(|x| x.is_finite() && *x > 0.0)
            }
            (PrecisionCholesky::Tied(u), CovarianceType::Tied) => factor_ok(u, d),
            _ => false,
        };
        if !cov_ok || !chol_ok {
            return bad("covariances or precision factors of the wrong shape or not finite");
        }
        Ok(GmmModel {
            covariance_type,
            params,
            precision_cholesky,
            data_mean,
            lower_bound: f64::NAN,
            log_likelihood: f64::NAN,
            mean_log_likelihood: f64::NAN,
            bic: f64::NAN,
            aic: f64::NAN,
            icl: f64::NAN,
            n_iter: 0,
            converged: true,
            labels: Vec::new(),
            n_samples: 0.0,
            diagnostics: GmmDiagnostics::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gmm::GaussianMixture;

    #[test]
    fn restored_model_predicts_the_same() {
        let rows: Vec<[f64; 2]> = (0..300)
            .map(|i| {
                let t = i as f64 * 0.7;
                [
                    t.sin() + (i % 3) as f64 * 4.0,
                    t.cos() * 0.5 + (i % 3) as f64,
                ]
            })
            .collect();
        let x = Mat::from_rows(&rows);
        for cov in [
            CovarianceType::Full,
            CovarianceType::Diag,
            CovarianceType::Spherical,
            CovarianceType::Tied,
        ] {
            let m = GaussianMixture::params::<f64>(3)
                .covariance(cov)
                .fit(x.view())
                .unwrap();
            let r = GmmModel::from_parameters(
                m.covariance_type,
                m.params.clone(),
                m.precision_cholesky.clone(),
                m.data_mean.clone(),
            )
            .unwrap();
            assert_eq!(r.predict(x.view()).unwrap(), m.labels, "{cov:?}");
            assert_eq!(
                r.predict_proba(x.view()).unwrap().as_slice(),
                m.predict_proba(x.view()).unwrap().as_slice()
            );
            let wrong = GmmModel::from_parameters(
                if cov == CovarianceType::Full {
                    CovarianceType::Diag
                } else {
                    CovarianceType::Full
                },
                m.params.clone(),
                m.precision_cholesky.clone(),
                m.data_mean.clone(),
            );
            assert!(wrong.is_err());
            let short = GmmModel::from_parameters(
                cov,
                m.params.clone(),
                m.precision_cholesky.clone(),
                vec![0.0],
            );
            assert!(short.is_err());
        }
    }
}
