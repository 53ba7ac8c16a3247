//! Parameters of an HDBSCAN* fit: the builder, its validation, and the progress report.

use super::fit;
use super::model::HdbscanModel;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::interrupt::Interrupt;
use crate::matrix::MatRef;

/// How flat clusters are read off the condensed tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterSelection {
    /// Excess of mass: the most stable clusters, none containing another.
    Eom,
    /// The leaves of the condensed tree: the finest clusters.
    Leaf,
}

impl ClusterSelection {
    /// The method's name as [`FromStr`](std::str::FromStr) accepts it.
    pub fn name(self) -> &'static str {
        match self {
            ClusterSelection::Eom => "eom",
            ClusterSelection::Leaf => "leaf",
        }
    }
}

impl std::str::FromStr for ClusterSelection {
    type Err = Error;
    /// Parses `"eom"` or `"leaf"` (case-insensitive).
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "eom" => Ok(ClusterSelection::Eom),
            "leaf" => Ok(ClusterSelection::Leaf),
            _ => Err(Error::param(
                "cluster_selection_method",
                format!("unknown method {s:?} (one of eom, leaf)"),
            )),
        }
    }
}

/// The dissimilarity HDBSCAN* runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HdbscanMetric {
    /// `sqrt(Σ (a−b)²)`.
    Euclidean,
    /// `Σ |a−b|`.
    Manhattan,
    /// `max |a−b|`.
    Chebyshev,
    /// `1 − a·b / (‖a‖‖b‖)`, computed as `‖u − v‖² / 2` on the rows scaled to unit
    /// length; rows of zeros are an error.
    Cosine,
    /// The input is a square `n × n` dissimilarity matrix (its upper triangle is read).
    Precomputed,
}

impl HdbscanMetric {
    /// All metrics, in declaration order.
    pub const ALL: [HdbscanMetric; 5] = [
        HdbscanMetric::Euclidean,
        HdbscanMetric::Manhattan,
        HdbscanMetric::Chebyshev,
        HdbscanMetric::Cosine,
        HdbscanMetric::Precomputed,
    ];

    /// The metric's name as [`FromStr`](std::str::FromStr) accepts it.
    pub fn name(self) -> &'static str {
        match self {
            HdbscanMetric::Euclidean => "euclidean",
            HdbscanMetric::Manhattan => "manhattan",
            HdbscanMetric::Chebyshev => "chebyshev",
            HdbscanMetric::Cosine => "cosine",
            HdbscanMetric::Precomputed => "precomputed",
        }
    }
}

impl std::str::FromStr for HdbscanMetric {
    type Err = Error;
    /// Parses a metric name (case-insensitive; `l2`, `l1`, `cityblock`, `linf` also
    /// accepted).
    fn from_str(s: &str) -> Result<Self> {
        let lower = s.to_ascii_lowercase();
        let alias = match lower.as_str() {
            "l2" => "euclidean",
            "l1" | "cityblock" => "manhattan",
            "linf" | "infinity" => "chebyshev",
            other => other,
        };
        HdbscanMetric::ALL
            .into_iter()
            .find(|m| m.name() == alias)
            .ok_or_else(|| {
                let names: Vec<&str> = HdbscanMetric::ALL.iter().map(|m| m.name()).collect();
                Error::param(
                    "metric",
                    format!("unknown metric {s:?} (one of {})", names.join(", ")),
                )
            })
    }
}

/// The default kd-tree leaf size for `d` columns: `8·d` within `[32, 128]`. Larger leaves
/// pay off as the dimension grows (fewer, fuller leaves per search); measured on 200,000
/// blobs with 2 threads' worth of work: d = 4 best at 32–40 points, d = 8 at 64 (leaf 24:
/// 10.7 s CPU, 40: 8.6 s, 64: 7.7 s).
pub fn auto_leaf_size(d: usize) -> usize {
    (8 * d).clamp(32, 128)
}

/// Entry point: `Hdbscan::params(min_cluster_size)`.
#[derive(Debug, Clone, Copy)]
pub struct Hdbscan;

impl Hdbscan {
    /// Parameters with the given smallest cluster size (≥ 2) and the defaults:
    /// `min_samples = min_cluster_size`, Euclidean, excess of mass, ε = 0, no single
    /// cluster, no maximum size.
    pub fn params(min_cluster_size: usize) -> HdbscanParams {
        HdbscanParams {
            min_cluster_size,
            min_samples: None,
            metric: HdbscanMetric::Euclidean,
            cluster_selection_epsilon: 0.0,
            cluster_selection_method: ClusterSelection::Eom,
            allow_single_cluster: false,
            max_cluster_size: None,
            leaf_size: None,
            interrupt: Interrupt::new(),
        }
    }
}

/// Parameters of HDBSCAN*. Build with [`Hdbscan::params`], adjust with the setters,
/// then [`fit`](Self::fit) (or [`check`](Self::check) once and fit the checked form).
#[derive(Debug, Clone, PartialEq)]
pub struct HdbscanParams {
    pub(crate) min_cluster_size: usize,
    pub(crate) min_samples: Option<usize>,
    pub(crate) metric: HdbscanMetric,
    pub(crate) cluster_selection_epsilon: f64,
    pub(crate) cluster_selection_method: ClusterSelection,
    pub(crate) allow_single_cluster: bool,
    pub(crate) max_cluster_size: Option<usize>,
    pub(crate) leaf_size: Option<usize>,
    pub(crate) interrupt: Interrupt,
}

impl HdbscanParams {
    /// Neighbours defining the core distance: a point's core distance is the distance to
    /// its `min_samples`-th nearest other point (default `None`: `min_cluster_size`,
    /// capped at `n − 1`).
    pub fn min_samples(mut self, v: Option<usize>) -> Self {
        self.min_samples = v;
        self
    }
    /// The dissimilarity (default Euclidean).
    pub fn metric(mut self, v: HdbscanMetric) -> Self {
        self.metric = v;
        self
    }
    /// Clusters born below this distance are merged into their ancestor born above it
    /// (default 0: off).
    pub fn cluster_selection_epsilon(mut self, v: f64) -> Self {
        self.cluster_selection_epsilon = v;
        self
    }
    /// Excess of mass or leaf (default excess of mass).
    pub fn cluster_selection_method(mut self, v: ClusterSelection) -> Self {
        self.cluster_selection_method = v;
        self
    }
    /// Whether the root may be the one selected cluster (default false).
    pub fn allow_single_cluster(mut self, v: bool) -> Self {
        self.allow_single_cluster = v;
        self
    }
    /// Largest cluster excess of mass may select (default `None`: no limit; ignored by
    /// leaf selection).
    pub fn max_cluster_size(mut self, v: Option<usize>) -> Self {
        self.max_cluster_size = v;
        self
    }
    /// Points per kd-tree leaf (default `None`: [`auto_leaf_size`]); changes the speed,
    /// never the result.
    pub fn leaf_size(mut self, v: Option<usize>) -> Self {
        self.leaf_size = v;
        self
    }
    /// A token that stops the fit when triggered (see [`crate::interrupt`]): checked
    /// between the stages, between the rounds of the spanning tree and every 1024 steps
    /// of Prim; the fit then returns an error of kind
    /// [`ErrorKind::Interrupted`](crate::ErrorKind).
    pub fn interrupt(mut self, token: &Interrupt) -> Self {
        self.interrupt = token.clone();
        self
    }

    /// The smallest cluster size.
    pub fn min_cluster_size_value(&self) -> usize {
        self.min_cluster_size
    }
    /// The `min_samples` given (`None`: the default).
    pub fn min_samples_value(&self) -> Option<usize> {
        self.min_samples
    }
    /// The metric.
    pub fn metric_value(&self) -> HdbscanMetric {
        self.metric
    }

    /// The data-independent checks ([`Params::validate`](crate::estimator::Params::validate)).
    pub(crate) fn check_ref(&self) -> Result<()> {
        if self.min_cluster_size < 2 {
            return Err(Error::param(
                "min_cluster_size",
                format!("must be at least 2, got {}", self.min_cluster_size),
            ));
        }
        if self.min_samples == Some(0) {
            return Err(Error::param("min_samples", "must be at least 1"));
        }
        let e = self.cluster_selection_epsilon;
        if !(e.is_finite() && e >= 0.0) {
            return Err(Error::param(
                "cluster_selection_epsilon",
                format!("must be finite and non-negative, got {e}"),
            ));
        }
        if self.max_cluster_size == Some(0) {
            return Err(Error::param(
                "max_cluster_size",
                "must be at least 1 (no value means no limit)",
            ));
        }
        if self.leaf_size.is_some_and(|l| l < 2) {
            return Err(Error::param("leaf_size", "must be at least 2"));
        }
        Ok(())
    }

    crate::estimator::params_methods!();

    /// Clusters the rows of `x` (for [`HdbscanMetric::Precomputed`], `x` is the square
    /// dissimilarity matrix), calling `observer` between and during the stages;
    /// [`fit`](Self::fit) is this without one.
    pub fn fit_observed<T: Float>(
        &self,
        x: MatRef<'_, T>,
        observer: &mut dyn FnMut(&HdbscanProgress),
    ) -> Result<HdbscanModel> {
        self.check_ref()?;
        fit::fit(self, x, observer)
    }
}

/// Parameters that passed [`Params::check`](crate::estimator::Params::check).
pub type HdbscanValidParams = crate::estimator::Checked<HdbscanParams>;

/// The stage a fit is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HdbscanStage {
    /// Building the kd-tree (or checking the precomputed matrix).
    Tree,
    /// Core distances (k nearest neighbours).
    CoreDistances,
    /// The minimum spanning tree of mutual reachability.
    SpanningTree,
    /// Single-linkage tree, condensed tree, selection and scores.
    Hierarchy,
    /// Finished.
    Done,
}

/// Progress report given to [`HdbscanParams::fit_observed`]'s observer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HdbscanProgress {
    /// The stage.
    pub stage: HdbscanStage,
    /// Work done in the stage (spanning tree: edges found).
    pub done: usize,
    /// Work of the stage (spanning tree: `n − 1` edges).
    pub total: usize,
}
