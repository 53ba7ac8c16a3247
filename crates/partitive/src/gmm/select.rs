//! Model selection: fit over a range of `k` (and covariance types), pick by BIC or ICL.

use super::covariance::CovarianceType;
use super::model::GmmModel;
use super::params::{GmmInit, GmmParams};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::MatRef;
use std::ops::RangeInclusive;

/// The criterion that picks the model (lower is better for both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Criterion {
    /// Bayesian information criterion.
    #[default]
    Bic,
    /// Integrated completed likelihood (prefers well-separated clusters).
    Icl,
}

/// One candidate of a selection.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectionRow {
    /// Number of components.
    pub k: usize,
    /// Covariance type.
    pub covariance: CovarianceType,
    /// Total log-likelihood under the fitted parameters.
    pub log_likelihood: f64,
    /// Free parameters.
    pub n_parameters: usize,
    /// BIC (lower is better).
    pub bic: f64,
    /// AIC (lower is better).
    pub aic: f64,
    /// ICL (lower is better).
    pub icl: f64,
    /// EM iterations.
    pub n_iter: usize,
    /// Whether EM converged.
    pub converged: bool,
}

/// The outcome of [`select`]: the best model and the whole table.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The model with the lowest criterion.
    pub best: GmmModel,
    /// Its number of components.
    pub best_k: usize,
    /// Its covariance type.
    pub best_covariance: CovarianceType,
    /// Every candidate, in the order fitted (covariance types outer, `k` inner).
    pub table: Vec<SelectionRow>,
}

/// Fits `base` (k-means initialisation) for every `k` in `k_range` and every type in
/// `covariance_types` (the base's type when empty) and keeps the lowest `criterion`;
/// ties go to the first candidate fitted.
pub fn select<T: Float>(
    x: MatRef<'_, T>,
    weights: Option<&[T]>,
    k_range: RangeInclusive<usize>,
    covariance_types: &[CovarianceType],
    criterion: Criterion,
    base: &GmmParams<T>,
) -> Result<Selection> {
    select_observed(
        x,
        weights,
        k_range,
        covariance_types,
        criterion,
        base,
        &mut |_| {},
    )
}

/// [`select`], calling `observe` with every candidate's row as soon as it is fitted (for
/// progress reports).
pub fn select_observed<T: Float>(
    x: MatRef<'_, T>,
    weights: Option<&[T]>,
    k_range: RangeInclusive<usize>,
    covariance_types: &[CovarianceType],
    criterion: Criterion,
    base: &GmmParams<T>,
    observe: &mut dyn FnMut(&SelectionRow),
) -> Result<Selection> {
    if k_range.is_empty() || *k_range.start() == 0 {
        return Err(Error::param(
            "k_range",
            "must be a non-empty range of positive k",
        ));
    }
    if base.init != GmmInit::KMeans {
        return Err(Error::param(
            "init",
            "model selection refits for each k and needs the k-means initialisation",
        ));
    }
    let types: Vec<CovarianceType> = if covariance_types.is_empty() {
        vec![base.covariance]
    } else {
        covariance_types.to_vec()
    };
    let mut table = Vec::new();
    let mut best: Option<(f64, GmmModel)> = None;
    for &cov in &types {
        for k in k_range.clone() {
            let m = base
                .clone()
                .k(k)
                .covariance(cov)
                .fit_observed(x, weights, &mut |_| {})?;
            table.push(SelectionRow {
                k,
                covariance: cov,
                log_likelihood: m.log_likelihood,
                n_parameters: m.n_parameters(),
                bic: m.bic,
                aic: m.aic,
                icl: m.icl,
                n_iter: m.n_iter,
                converged: m.converged,
            });
            observe(table.last().expect("just pushed"));
            let score = match criterion {
                Criterion::Bic => m.bic,
                Criterion::Icl => m.icl,
            };
            if best.as_ref().is_none_or(|(s, _)| score < *s) {
                best = Some((score, m));
            }
        }
    }
    let (_, best) = best.expect("at least one candidate");
    Ok(Selection {
        best_k: best.n_components(),
        best_covariance: best.covariance_type,
        best,
        table,
    })
}
