//! Labelling rows with a saved model: the same kernels the fit used, so the training rows
//! get the fit's labels back.

use super::{Model, ModelFile};
use anyhow::{anyhow, Result};
use partitive::dissimilarity::Metric;
use partitive::{Float, Mat, MatRef};

/// Labels of some rows, with the method's confidence and probabilities where it has them.
pub struct Prediction {
    /// The cluster of every row (−1: noise, for hdbscan).
    pub labels: Vec<i64>,
    /// The probability of every row's cluster (gmm, auto; hdbscan: the membership
    /// probability, 0 for noise).
    pub confidence: Option<Vec<f64>>,
    /// When asked for: `n × k` cluster probabilities (gmm, auto); for hdbscan `n × 1`,
    /// the membership probability.
    pub proba: Option<Mat<f64>>,
}

impl ModelFile {
    /// Labels the rows of `x` (scaled as the training data were; for `kmedoids_gower`,
    /// categories coded with the training levels). `proba` asks for the probability matrix.
    pub fn predict<T: Float>(&self, x: MatRef<'_, T>, proba: bool) -> Result<Prediction> {
        match &self.model {
            Model::Gmm { .. } => predict_gmm(&self.gmm()?, x, proba),
            m => m.predict(x, proba),
        }
    }
}

impl Model {
    /// Labels the rows of `x` (scaled as the training data were; for `kmedoids_gower`,
    /// categories coded with the training levels). `proba` asks for the probability matrix.
    pub fn predict<T: Float>(&self, x: MatRef<'_, T>, proba: bool) -> Result<Prediction> {
        let plain = |labels: Vec<usize>| Prediction {
            labels: labels.into_iter().map(|l| l as i64).collect(),
            confidence: None,
            proba: None,
        };
        Ok(match self {
            Model::Kmeans { centers } => {
                let c = centers.to_mat::<T>();
                plain(partitive::kmeans::assign(x, c.view())?.labels)
            }
            Model::Gmm { .. } => {
                return Err(anyhow!(
                    "internal error: a gmm model predicts through ModelFile::predict"
                ))
            }
            Model::Kmedoids {
                metric, medoids, ..
            } => {
                let metric: Metric = metric
                    .parse()
                    .map_err(|_| anyhow!("unknown metric '{metric}'"))?;
                let m = medoids.to_mat::<T>();
                plain(partitive::kmedoids::assign_to_medoids(x, m.view(), metric)?)
            }
            Model::KmedoidsGower {
                categorical,
                ranges,
                medoids,
                ..
            } => {
                let xf: Vec<f64> = x.as_slice().iter().map(|v| v.as_f64()).collect();
                let xf = MatRef::new(&xf, x.n_rows(), x.n_cols())?;
                let m = medoids.to_mat::<f64>();
                plain(partitive::kmedoids::assign_to_medoids_gower(
                    xf,
                    m.view(),
                    categorical,
                    ranges,
                )?)
            }
            Model::Auto { ppp } => {
                let a = ppp.assign_chunk(x)?;
                Prediction {
                    labels: a.labels.into_iter().map(|l| l as i64).collect(),
                    confidence: Some(a.confidence),
                    proba: if proba {
                        Some(ppp.predict_proba(x)?)
                    } else {
                        None
                    },
                }
            }
            Model::Hdbscan(h) => {
                let p = h.predict(x)?;
                let n = p.labels.len();
                Prediction {
                    labels: p.labels,
                    proba: if proba {
                        Some(Mat::from_vec(p.probabilities.clone(), n, 1)?)
                    } else {
                        None
                    },
                    confidence: Some(p.probabilities),
                }
            }
        })
    }
}

/// Labels, confidence and (when asked) probabilities from a Gaussian mixture.
fn predict_gmm<T: Float>(
    m: &partitive::gmm::GmmModel,
    x: MatRef<'_, T>,
    proba: bool,
) -> Result<Prediction> {
    let labels = m.predict(x)?;
    let p = m.predict_proba(x)?;
    let confidence = labels
        .iter()
        .enumerate()
        .map(|(i, &l)| p.row(i)[l])
        .collect();
    Ok(Prediction {
        labels: labels.into_iter().map(|l| l as i64).collect(),
        confidence: Some(confidence),
        proba: proba.then_some(p),
    })
}
