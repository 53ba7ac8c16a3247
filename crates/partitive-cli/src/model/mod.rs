//! Saved models (`--model-out`, `partitive predict`): a versioned JSON document.
//!
//! # Format (version 1)
//!
//! ```text
//! {
//!   "format": "partitive-model",        // always this string
//!   "version": 1,                        // format version; a reader refuses higher ones
//!   "partitive_version": "0.1.0",        // the tool that wrote it
//!   "command": "kmeans",                 // the command that fitted it
//!   "dtype": "float64",                  // precision of the fit: input is read in it
//!   "columns": ["alcohol", …] | null,    // feature names, in order (null: no header)
//!   "n_features": 13,
//!   "id_column": "id" | null,            // the ID column of the training file
//!   "scaler": {"kind": "standard", "center": […], "scale": […]},
//!   "k": 3,
//!   "model": {"kind": "kmeans", …},      // one variant per method, below
//!   "input": "train.csv", "input_sha256": "…"   // provenance
//! }
//! ```
//!
//! `model` variants (`kind`): `kmeans` (`centers`, scaled space), `gmm` (covariance type,
//! weights, means, covariances, precision Cholesky factors, centring point), `kmedoids`
//! (`metric`, the medoid rows, their training row indices), `kmedoids_gower` (categorical
//! flags, numeric ranges, category levels, medoid rows as codes), `auto` (the PPP model:
//! kept columns, mixture, component → cluster map), `hdbscan` (the parameters, the
//! training rows in the clustering space, and the fit's labels and membership
//! probabilities — see [`hdbscan`](self::hdbscan) for what predict does with them).
//! Matrices are [`StoredMat`]s with exact
//! floats in their own precision; `f64` parameters are written in the shortest form that
//! reads back to the same bits. An `hdbscan` model has `k` = the number of clusters,
//! which may be 0 (all noise).
//!
//! **Adding a method**: add one variant to [`Model`] holding what its
//! predict needs, one arm to [`Model::predict`] (in `predict.rs`) and to
//! [`Model::has_proba`]; older readers refuse the new `kind` with a message saying the
//! model was written by a newer partitive. Bump [`VERSION`] only when an existing variant
//! changes meaning.

mod hdbscan;
mod predict;
mod stored;

pub use hdbscan::HdbscanFit;
pub use predict::Prediction;
pub use stored::{Dtype, StoredMat};

use anyhow::{anyhow, bail, Context, Result};
use partitive::gmm::{CovarianceType, GmmParameters, PrecisionCholesky};
use partitive::ppp::PppModel;
use partitive::preprocess::Scaler;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The `format` field of every model file.
pub const FORMAT: &str = "partitive-model";
/// The format version this build writes and the highest it reads.
pub const VERSION: u32 = 1;

/// A model file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelFile {
    pub format: String,
    pub version: u32,
    pub partitive_version: String,
    pub command: String,
    pub dtype: Dtype,
    pub columns: Option<Vec<String>>,
    pub n_features: usize,
    pub id_column: Option<String>,
    pub scaler: Scaler,
    pub k: usize,
    pub model: Model,
    pub input: String,
    pub input_sha256: Option<String>,
}

/// What a method needs to label new rows (see the module docs).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Model {
    Kmeans {
        centers: StoredMat,
    },
    Gmm {
        covariance_type: CovarianceType,
        parameters: GmmParameters,
        precision_cholesky: PrecisionCholesky,
        data_mean: Vec<f64>,
    },
    Kmedoids {
        metric: String,
        medoids: StoredMat,
        medoid_rows: Vec<usize>,
    },
    KmedoidsGower {
        categorical: Vec<bool>,
        ranges: Vec<f64>,
        levels: Vec<Option<Vec<String>>>,
        medoids: StoredMat,
        medoid_rows: Vec<usize>,
    },
    Auto {
        ppp: PppModel,
    },
    Hdbscan(Box<hdbscan::HdbscanFit>),
}

impl Model {
    /// `true` when the method gives cluster probabilities (`--proba-out`).
    pub fn has_proba(&self) -> bool {
        matches!(
            self,
            Model::Gmm { .. } | Model::Auto { .. } | Model::Hdbscan(_)
        )
    }
}

/// Just the fields that say whether this build can read a file.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u64>,
    partitive_version: Option<String>,
    model: Option<KindOnly>,
}

#[derive(Deserialize)]
struct KindOnly {
    kind: Option<String>,
}

/// The kinds this build reads.
const KINDS: [&str; 6] = [
    "kmeans",
    "gmm",
    "kmedoids",
    "kmedoids_gower",
    "auto",
    "hdbscan",
];

impl ModelFile {
    /// The JSON document.
    pub fn to_json(&self) -> Result<serde_json::Value> {
        serde_json::to_value(self).context("cannot serialise the model")
    }

    /// Reads and checks a model file: a partitive model of a version and kind this build
    /// reads, with consistent sizes.
    pub fn read(path: &Path) -> Result<ModelFile> {
        let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
        let p = path.display();
        let header: Header = serde_json::from_str(&text)
            .map_err(|e| anyhow!("{p}: not a partitive model file (invalid JSON: {e})"))?;
        if header.format.as_deref() != Some(FORMAT) {
            bail!("{p}: not a partitive model file (no \"format\": \"{FORMAT}\")");
        }
        let by = header
            .partitive_version
            .map(|v| format!(" (written by partitive {v})"))
            .unwrap_or_default();
        match header.version {
            Some(v) if v > VERSION as u64 => bail!(
                "{p}: model format version {v}{by} is newer than this partitive reads (up to {VERSION}); upgrade partitive"
            ),
            Some(_) => {}
            None => bail!("{p}: not a partitive model file (no \"version\")"),
        }
        if let Some(kind) = header.model.and_then(|m| m.kind) {
            if !KINDS.contains(&kind.as_str()) {
                bail!(
                    "{p}: unknown model kind '{kind}'{by}: written by a newer partitive? (this one reads {})",
                    KINDS.join(", ")
                );
            }
        }
        let m: ModelFile =
            serde_json::from_str(&text).map_err(|e| anyhow!("{p}: invalid model file: {e}"))?;
        m.check()
            .map_err(|e| anyhow!("{p}: invalid model file: {e}"))?;
        Ok(m)
    }

    /// Sizes agree; parameters usable (a corrupt file is an error, never a panic).
    fn check(&self) -> Result<()> {
        let d = self.n_features;
        let hdbscan = matches!(self.model, Model::Hdbscan(_));
        if d == 0 || (self.k == 0 && !hdbscan) {
            bail!("no features or no clusters");
        }
        if self.columns.as_ref().is_some_and(|c| c.len() != d) {
            bail!(
                "{} column names for {d} features",
                self.columns.as_ref().map_or(0, Vec::len)
            );
        }
        if self.scaler.n_features() != d {
            bail!(
                "the scaler has {} columns, the model {d}",
                self.scaler.n_features()
            );
        }
        self.scaler.check()?;
        match &self.model {
            Model::Kmeans { centers } => {
                if centers.cols != d || centers.rows != self.k {
                    bail!(
                        "centers are {} × {}, expected {} × {d}",
                        centers.rows,
                        centers.cols,
                        self.k
                    );
                }
            }
            Model::Gmm { .. } => {
                self.gmm()?;
            }
            Model::Kmedoids {
                metric, medoids, ..
            } => {
                metric
                    .parse::<partitive::dissimilarity::Metric>()
                    .map_err(|_| anyhow!("unknown metric '{metric}'"))?;
                if medoids.cols != d || medoids.rows != self.k {
                    bail!(
                        "medoids are {} × {}, expected {} × {d}",
                        medoids.rows,
                        medoids.cols,
                        self.k
                    );
                }
            }
            Model::KmedoidsGower {
                categorical,
                ranges,
                levels,
                medoids,
                ..
            } => {
                if categorical.len() != d || ranges.len() != d || levels.len() != d {
                    bail!("Gower flags, ranges or levels do not have {d} entries");
                }
                if medoids.cols != d || medoids.rows != self.k {
                    bail!(
                        "medoids are {} × {}, expected {} × {d}",
                        medoids.rows,
                        medoids.cols,
                        self.k
                    );
                }
                if ranges.iter().any(|r| !(r.is_finite() && *r >= 0.0)) {
                    bail!("a Gower range is negative or not finite");
                }
                if (0..d).any(|c| categorical[c] != levels[c].is_some()) {
                    bail!("categorical flags and levels disagree");
                }
            }
            Model::Auto { ppp } => {
                ppp_ok(ppp, d, self.k)?;
            }
            Model::Hdbscan(h) => h.check(d, self.k)?,
        }
        Ok(())
    }

    /// The Gaussian mixture of a `gmm` model.
    pub fn gmm(&self) -> Result<partitive::gmm::GmmModel> {
        match &self.model {
            Model::Gmm {
                covariance_type,
                parameters,
                precision_cholesky,
                data_mean,
            } => {
                let m = partitive::gmm::GmmModel::from_parameters(
                    *covariance_type,
                    parameters.clone(),
                    precision_cholesky.clone(),
                    data_mean.clone(),
                )?;
                if m.n_features() != self.n_features || m.n_components() != self.k {
                    bail!(
                        "the mixture has {} components of {} features",
                        m.n_components(),
                        m.n_features()
                    );
                }
                Ok(m)
            }
            _ => bail!("not a gmm model"),
        }
    }
}

/// A PPP model's sizes agree with `d` features and `k` clusters (so labelling cannot
/// index out of bounds).
fn ppp_ok(p: &PppModel, d: usize, k: usize) -> Result<()> {
    if p.n_features != d || p.n_clusters != k {
        bail!(
            "the auto model has {} features and {} clusters",
            p.n_features,
            p.n_clusters
        );
    }
    if p.kept_columns.iter().any(|&c| c >= d) {
        bail!("a kept column is out of range");
    }
    if p.component_cluster.iter().any(|&c| c >= k) {
        bail!("a component maps to a cluster out of range");
    }
    if let Some(m) = &p.mixture {
        let kc = m.params.weights.len();
        let dk = p.kept_columns.len();
        if kc != p.component_cluster.len() || m.shift.len() != dk {
            bail!("the auto model's mixture does not match its component map or columns");
        }
        partitive::gmm::GmmModel::from_parameters(
            m.covariance_type,
            m.params.clone(),
            m.precision_cholesky.clone(),
            m.shift.clone(),
        )
        .map_err(|e| anyhow!("the auto model's mixture: {e}"))?;
    }
    Ok(())
}
