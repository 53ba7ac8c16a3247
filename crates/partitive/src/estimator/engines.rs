//! Every engine's [`Params`], [`Fit`] and [`Predict`]: each delegates to the engine's own
//! driver (the checks, the fit and the labelling live with the engine).

use super::contract::{Fit, Params, Predict, Weighted};
use crate::dissimilarity::{Dissimilarity, MetricDissimilarity};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::gmm::{GmmModel, GmmParams};
use crate::hdbscan::{HdbscanModel, HdbscanParams};
use crate::kmeans::{KMeansParams, KMeansResult};
use crate::kmedoids::{ClaraParams, KMedoidsModel, KMedoidsParams, KMedoidsResult};
use crate::matrix::MatRef;
use crate::ppp::{PppModel, PppParams, PppResult};

// k-means

impl<T: Float> Params for KMeansParams<T> {
    fn validate(&self) -> Result<()> {
        self.check_ref()
    }
}

impl<'a, T: Float> Fit<MatRef<'a, T>> for KMeansParams<T> {
    type Model = KMeansResult<T>;
    fn fit(&self, x: MatRef<'a, T>) -> Result<KMeansResult<T>> {
        self.fit_observed(x, None, &mut |_| {})
    }
}

impl<'a, T: Float> Fit<Weighted<'a, T>> for KMeansParams<T> {
    type Model = KMeansResult<T>;
    fn fit(&self, data: Weighted<'a, T>) -> Result<KMeansResult<T>> {
        self.fit_observed(data.x, data.weights, &mut |_| {})
    }
}

/// The nearest center of every row (lowest index on ties), as the fit's final pass
/// labels the training rows ([`crate::kmeans::assign`]).
impl<'a, T: Float> Predict<MatRef<'a, T>> for KMeansResult<T> {
    type Labels = Vec<usize>;
    fn predict(&self, x: MatRef<'a, T>) -> Result<Vec<usize>> {
        Ok(crate::kmeans::assign(x, self.centers.view())?.labels)
    }
}

// Gaussian mixtures

impl<T: Float> Params for GmmParams<T> {
    fn validate(&self) -> Result<()> {
        GmmParams::validate(self)
    }
}

impl<'a, T: Float> Fit<MatRef<'a, T>> for GmmParams<T> {
    type Model = GmmModel;
    fn fit(&self, x: MatRef<'a, T>) -> Result<GmmModel> {
        self.fit_observed(x, None, &mut |_| {})
    }
}

impl<'a, T: Float> Fit<Weighted<'a, T>> for GmmParams<T> {
    type Model = GmmModel;
    fn fit(&self, data: Weighted<'a, T>) -> Result<GmmModel> {
        self.fit_observed(data.x, data.weights, &mut |_| {})
    }
}

/// The most probable component of every row ([`GmmModel::predict`]).
impl<'a, T: Float> Predict<MatRef<'a, T>> for GmmModel {
    type Labels = Vec<usize>;
    fn predict(&self, x: MatRef<'a, T>) -> Result<Vec<usize>> {
        GmmModel::predict(self, x)
    }
}

// The k-medoids family

impl Params for KMedoidsParams {
    fn validate(&self) -> Result<()> {
        KMedoidsParams::validate(self)
    }
}

impl<S: Dissimilarity> Fit<&S> for KMedoidsParams {
    type Model = KMedoidsResult;
    fn fit(&self, d: &S) -> Result<KMedoidsResult> {
        self.fit_source(d)
    }
}

impl<'a, T: Float> Fit<MatRef<'a, T>> for KMedoidsParams {
    type Model = KMedoidsModel<T>;
    fn fit(&self, x: MatRef<'a, T>) -> Result<KMedoidsModel<T>> {
        self.validate()?;
        let d = MetricDissimilarity::new(x, self.metric_value())?;
        KMedoidsModel::new(self.fit_source(&d)?, x, self.metric_value())
    }
}

impl Params for ClaraParams {
    fn validate(&self) -> Result<()> {
        ClaraParams::validate(self)
    }
}

impl<S: Dissimilarity> Fit<&S> for ClaraParams {
    type Model = KMedoidsResult;
    fn fit(&self, d: &S) -> Result<KMedoidsResult> {
        self.fit_source(d)
    }
}

impl<'a, T: Float> Fit<MatRef<'a, T>> for ClaraParams {
    type Model = KMedoidsModel<T>;
    fn fit(&self, x: MatRef<'a, T>) -> Result<KMedoidsModel<T>> {
        self.validate()?;
        let d = MetricDissimilarity::new(x, self.metric_value())?;
        KMedoidsModel::new(self.fit_source(&d)?, x, self.metric_value())
    }
}

/// The nearest medoid of every row under the fit's metric
/// ([`assign_to_medoids`](crate::kmedoids::assign_to_medoids)).
impl<'a, T: Float> Predict<MatRef<'a, T>> for KMedoidsModel<T> {
    type Labels = Vec<usize>;
    fn predict(&self, x: MatRef<'a, T>) -> Result<Vec<usize>> {
        crate::kmedoids::assign_to_medoids(x, self.medoid_rows.view(), self.metric)
    }
}

/// A fit on a dissimilarity source has no coordinates: `d` holds, for each new object, its
/// dissimilarities to all `n` training objects (`m × n`, as scikit-learn's precomputed
/// `predict`); each goes to the medoid at the smallest one (lowest position on ties).
impl<'a, T: Float> Predict<MatRef<'a, T>> for KMedoidsResult {
    type Labels = Vec<usize>;
    fn predict(&self, d: MatRef<'a, T>) -> Result<Vec<usize>> {
        let n = self.labels.len();
        if d.n_cols() != n {
            return Err(Error::shape(
                "dissimilarities to the training objects (columns = n)",
                n,
                d.n_cols(),
            ));
        }
        d.check_finite()?;
        Ok((0..d.n_rows())
            .map(|i| {
                let row = d.row(i);
                let mut best = 0;
                for (s, &m) in self.medoids.iter().enumerate() {
                    if row[m] < row[self.medoids[best]] {
                        best = s;
                    }
                }
                best
            })
            .collect())
    }
}

// PPP auto

impl Params for PppParams {
    fn validate(&self) -> Result<()> {
        PppParams::validate(self)
    }
}

impl<'a, T: Float> Fit<MatRef<'a, T>> for PppParams {
    type Model = PppResult;
    fn fit(&self, x: MatRef<'a, T>) -> Result<PppResult> {
        self.fit_observed(x, &mut |_| {})
    }
}

/// The cluster of every row's most probable component ([`PppModel::assign_chunk`]).
impl<'a, T: Float> Predict<MatRef<'a, T>> for PppModel {
    type Labels = Vec<usize>;
    fn predict(&self, x: MatRef<'a, T>) -> Result<Vec<usize>> {
        Ok(self.assign_chunk(x)?.labels)
    }
}

/// As the result's [`PppModel`].
impl<'a, T: Float> Predict<MatRef<'a, T>> for PppResult {
    type Labels = Vec<usize>;
    fn predict(&self, x: MatRef<'a, T>) -> Result<Vec<usize>> {
        Predict::predict(&self.model, x)
    }
}

// HDBSCAN*

impl Params for HdbscanParams {
    fn validate(&self) -> Result<()> {
        self.check_ref()
    }
}

impl<'a, T: Float> Fit<MatRef<'a, T>> for HdbscanParams {
    type Model = HdbscanModel;
    fn fit(&self, x: MatRef<'a, T>) -> Result<HdbscanModel> {
        self.fit_observed(x, &mut |_| {})
    }
}

/// The labels of [`HdbscanModel::approximate_predict`] (`None`: noise).
impl<'a, T: Float> Predict<MatRef<'a, T>> for HdbscanModel {
    type Labels = Vec<Option<usize>>;
    fn predict(&self, x: MatRef<'a, T>) -> Result<Vec<Option<usize>>> {
        Ok(self.approximate_predict(x)?.labels)
    }
}
