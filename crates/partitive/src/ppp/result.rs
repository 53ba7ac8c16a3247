//! The fitted model, the result with its record of every decision, and progress reports.

use crate::gmm::{CovarianceType, GmmParameters, PrecisionCholesky};
use crate::matrix::Mat;

/// The Gaussian mixture selected by BIC, on the kept (non-constant) columns.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PppMixture {
    /// Full or spherical.
    pub covariance_type: CovarianceType,
    /// Weights (`N_j / m`; they sum to less than one when EM dropped a component),
    /// means and covariances (ridge included).
    pub params: GmmParameters,
    /// Precision Cholesky factors of the covariances.
    pub precision_cholesky: PrecisionCholesky,
    /// The point rows are centred on before densities are evaluated (fit-sample mean).
    pub shift: Vec<f64>,
}

/// What a fitted PPP model needs to label any row: the mixture and the component →
/// cluster map. Usable one chunk at a time ([`PppModel::assign_chunk`]) by a
/// streaming driver.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PppModel {
    /// Number of input columns.
    pub n_features: usize,
    /// Input columns the mixture uses (the non-constant ones).
    pub kept_columns: Vec<usize>,
    /// The mixture (`None` when every column is constant: one cluster).
    pub mixture: Option<PppMixture>,
    /// Cluster of every mixture component.
    pub component_cluster: Vec<usize>,
    /// Number of clusters.
    pub n_clusters: usize,
    /// Rows are multiplied by `2^input_exponent` before the mixture evaluates them: 0
    /// unless the fit sample's largest magnitude lies outside `[2^−100, 2^100]`, where the
    /// arithmetic of the structure search (squared distances, covariances, the power
    /// iteration) would over- or underflow; the mixture is then in those scaled units
    /// (an exact power-of-two scaling, so the result is that of the scaled data).
    #[serde(default)]
    pub input_exponent: i32,
    /// Reproducibility of each component's cluster on held-out halves of the fit sample
    /// (one value in `[0, 1]` per component; empty: all 1, a model saved before it was
    /// measured). A row's confidence is its cluster posterior capped by this value.
    #[serde(default)]
    pub reproducibility: Vec<f64>,
    /// The component holding each cluster's mode (its highest peak), one per cluster; rows
    /// of a component that spans several of these modes go to the nearest (`tail.rs`).
    /// Empty for a model saved before they were recorded: every row takes its most
    /// probable component's cluster.
    #[serde(default)]
    pub cluster_modes: Vec<usize>,
}

/// Labels and confidences of a set of rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkAssignment {
    /// Cluster of every row (that of its most probable component).
    pub labels: Vec<usize>,
    /// Posterior mass of the row's cluster (sum over its components), in `[0, 1]`.
    pub confidence: Vec<f64>,
}

/// One (k, covariance type) fit of the BIC sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct BicPathEntry {
    /// The k-means proposal's k.
    pub k: usize,
    /// Covariance type of the mixture.
    pub covariance_type: CovarianceType,
    /// Components left after EM (EM drops components of mass ≤ 1 point).
    pub n_components: usize,
    /// `−2 ln L + P ln m` (lower is better).
    pub bic: f64,
    /// Total log-likelihood `ln L` of the fit sample.
    pub log_likelihood: f64,
    /// EM iterations.
    pub em_iterations: usize,
}

/// The selected model of the sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectedModel {
    /// The k-means proposal's k.
    pub k_proposal: usize,
    /// Covariance type.
    pub covariance_type: CovarianceType,
    /// Mixture components: the proposal's, plus those born at dense cores
    /// ([`PppDiagnostics::births`]).
    pub n_components: usize,
    /// Its BIC (after the births, if any; the BIC path holds the proposals' fits).
    pub bic: f64,
    /// Its total log-likelihood on the fit sample.
    pub log_likelihood: f64,
}

/// Why a component is a mode or hangs under another.
#[derive(Debug, Clone, PartialEq)]
pub enum MergeDecision {
    /// No higher cluster joined at `saddle ≥ ρ · peak`: a density mode, the root of a
    /// cluster. `best_ratio` = saddle/peak of its strongest connection to a higher
    /// cluster (if any).
    Mode {
        /// Largest saddle/peak density ratio to a higher neighbour, if one exists.
        best_ratio: Option<f64>,
    },
    /// Its cluster joined a higher one through its strongest connection, with `ratio` =
    /// `saddle/peak ≥ ρ` and no gap between the two components' points.
    Attached {
        /// Saddle/peak density ratio.
        ratio: f64,
    },
    /// Joined to a higher neighbour as [`MergeDecision::Attached`] although both look
    /// Gaussian in high-dimensional data: the narrower one's mean lies within
    /// [`CONCENTRIC`](crate::ppp::CONCENTRIC) standard deviations of the wider one's (a
    /// core and its heavy tails).
    AttachedConcentric {
        /// Saddle/peak density ratio.
        ratio: f64,
        /// The smaller of the two means' Mahalanobis distances to each other (under the
        /// wider component's covariance).
        distance: f64,
    },
    /// A mode of the first pass whose cluster joined a heavier one in the second pass of the
    /// modal rule: the mixture density on the straight segment between the two modes never
    /// falls below `ratio ≥ ρ ×` the lower end (a nested component, such as the halo of a
    /// heavy-tailed core), and their points show no gap. See
    /// [`SEGMENT_NEAR`](crate::ppp::SEGMENT_NEAR).
    AttachedSegment {
        /// Lowest density on the segment over the lower end's density.
        ratio: f64,
    },
    /// A mode although a higher neighbour passes the ratio: both components look Gaussian
    /// and the data have at least `GAUSS_KEEP_MIN_DIM` columns (see that constant).
    KeptGaussian {
        /// Saddle/peak density ratio to that neighbour.
        ratio: f64,
    },
    /// A mode although a higher neighbour passes the ratio: above three dimensions both
    /// components are flat and symmetric (Mardia kurtosis below a Gaussian's, skewness
    /// not significant) and their boundary is at least as dense as the lower one's densest
    /// point — two whole flat or hollow clusters laid over each other, not pieces of one
    /// (the modal rule, [`MergeRule::Modal`](crate::ppp::MergeRule)).
    KeptSuperposed {
        /// Saddle/peak density ratio to that neighbour (≥ 1).
        ratio: f64,
    },
    /// A mode although a higher neighbour passes the ratio: above three dimensions both
    /// components are hollow — significantly flat, their points at nearly one Mahalanobis
    /// distance from their own mean ([`HOLLOW`](crate::ppp::HOLLOW)), as on a whole closed
    /// shell — and not concentric: two whole shells, whatever their skewness and boundary
    /// (the modal rule).
    KeptHollow {
        /// Saddle/peak density ratio to that neighbour.
        ratio: f64,
    },
    /// A mode although a higher neighbour passes the ratio: the points of the two
    /// components, projected on the axis that separates them, are significantly bimodal
    /// (Hartigan's dip test; at 5% in the first pass of the neighbourhood-graph merge, at
    /// 1% in its second pass and in the modal rule) — there is a gap between them.
    KeptGap {
        /// Saddle/peak density ratio to that neighbour.
        ratio: f64,
        /// Dip of the projected points.
        dip: f64,
        /// Critical value of the dip for that many points (95% or 99%, as above).
        critical: f64,
    },
    /// Its cluster joined a neighbouring one along the fit points' own density (the second
    /// pass of the neighbourhood-graph merge): their neighbourhood graph connects the two at
    /// `ratio` × the lower cluster's median neighbourhood density, through a pair of
    /// components of which at least one is not Gaussian, with no gap at 1%.
    JoinedAlongData {
        /// Saddle over the lower cluster's median density (neighbourhood estimates).
        ratio: f64,
    },
    /// A mode whose cluster joined a neighbouring one in the third pass of the modal rule
    /// ([`FLAT_NEAR`](crate::ppp::FLAT_NEAR)): a platykurtic component of each lie next to
    /// each other — their means `separation` of their points' standard deviations apart
    /// along the line through them, as two adjacent slabs of one uniform cluster — with
    /// no gap between their points.
    JoinedFlat {
        /// Distance between the two components' means over their mean sd on that line.
        separation: f64,
    },
    /// A mode whose cluster joined a neighbouring one in the fourth pass of the modal rule
    /// ([`SPHERE_CURVED`](crate::ppp::SPHERE_CURVED)): both clusters are made of
    /// platykurtic components, share a posterior boundary, and the union of their points
    /// lies on one sphere — closer than on any hyperplane and about as close as each lies
    /// on its own sphere (caps of one thin shell).
    JoinedOnSphere {
        /// Union's squared radial residual over its smallest covariance eigenvalue.
        curved: f64,
        /// Union's squared radial residual over the two clusters' pooled own residuals.
        one: f64,
    },
    /// A mode whose cluster is a halo shared by two or more denser clusters (the modal
    /// rule, after its second pass): their peaks lie inside its bulk, within
    /// [`SPAN`](crate::ppp::SPAN) `× d` squared Mahalanobis units of its mean. It joins
    /// the nearest of them; its rows are split between them by the shared-tail rule.
    SharedHalo {
        /// How many denser clusters' peaks lie in its bulk.
        clusters: usize,
        /// Squared Mahalanobis distance (under the halo) of the nearest one's peak, over `d`.
        distance: f64,
    },
    /// A mode whose cluster weighed less than the minimum cluster size; attached to the
    /// cluster it has the highest saddle with.
    SmallCluster {
        /// Mixture weight of the cluster when it was attached.
        weight: f64,
    },
}

#[cfg(test)]
impl MergeNode {
    /// A mode of weight `w` (100 fit points, peak 0), for tests of the merge passes.
    pub(crate) fn test_mode(c: usize, w: f64) -> MergeNode {
        MergeNode {
            component: c,
            parent: None,
            cluster: 0,
            weight: w,
            fit_points: 100,
            log_peak: 0.0,
            log_saddle: f64::NEG_INFINITY,
            gaussian_looking: false,
            decision: MergeDecision::Mode { best_ratio: None },
        }
    }
}

impl MergeDecision {
    /// A one-line explanation.
    pub fn reason(&self, rho: f64) -> String {
        match self {
            MergeDecision::Mode { best_ratio: None } => {
                "mode: no neighbour shares a boundary".to_string()
            }
            MergeDecision::Mode {
                best_ratio: Some(r),
            } if *r < rho => format!("mode: saddle/peak to a higher cluster {r:.3} < rho {rho}"),
            MergeDecision::Mode {
                best_ratio: Some(r),
            } => format!(
                "mode: saddle/peak to a higher cluster {r:.3} < the stricter ratio between two \
                 Gaussian-looking components"
            ),
            MergeDecision::Attached { ratio } => {
                format!("merged: saddle/peak {ratio:.3} >= rho {rho}, no gap between the points")
            }
            MergeDecision::AttachedConcentric { ratio, distance } => format!(
                "merged: saddle/peak {ratio:.3} >= rho {rho}, no gap; both look Gaussian but \
                 their means are {distance:.3} sd apart (one cluster with heavy tails)"
            ),
            MergeDecision::AttachedSegment { ratio } => format!(
                "merged into a heavier cluster: the mixture density between the two modes stays \
                 at {ratio:.3} >= rho {rho} of the lower one, no gap between the points"
            ),
            MergeDecision::KeptGaussian { ratio } => format!(
                "mode: saddle/peak {ratio:.3} to a higher neighbour, but both components look \
                 Gaussian in high-dimensional data: kept apart"
            ),
            MergeDecision::KeptSuperposed { ratio } => format!(
                "mode: saddle/peak {ratio:.3} to a higher neighbour, but both components are \
                 flat and symmetric and overlap (two whole clusters laid over each other): kept \
                 apart"
            ),
            MergeDecision::KeptHollow { ratio } => format!(
                "mode: saddle/peak {ratio:.3} to a higher neighbour, but both components are \
                 hollow (their points at nearly one distance from their own means: two whole \
                 shells): kept apart"
            ),
            MergeDecision::KeptGap {
                ratio,
                dip,
                critical,
            } => format!(
                "mode: saddle/peak {ratio:.3} to a higher neighbour, but their points show a gap \
                 (dip {dip:.4} > {critical:.4}): kept apart"
            ),
            MergeDecision::JoinedAlongData { ratio } => format!(
                "merged: the points' neighbourhood density connects it to a neighbour at \
                 {ratio:.3} x its median, through a non-Gaussian component, no gap (1% test)"
            ),
            MergeDecision::JoinedFlat { separation } => format!(
                "merged: flat pieces side by side ({separation:.2} sd apart on the line through \
                 their means), no gap between the points"
            ),
            MergeDecision::JoinedOnSphere { curved, one } => format!(
                "merged: the two clusters' points lie on one sphere (radial residual {curved:.3} \
                 x the flattest axis's variance, {one:.3} x their own spheres' residuals)"
            ),
            MergeDecision::SharedHalo { clusters, distance } => format!(
                "merged: a halo around {clusters} denser clusters (the nearest peak at \
                 {distance:.3} x d squared sd from its centre), joined to the nearest; its rows \
                 go to the nearest peak"
            ),
            MergeDecision::SmallCluster { weight } => {
                format!("merged: cluster weight {weight:.4} below the minimum size")
            }
        }
    }
}

/// One node of the merge forest (one mixture component).
#[derive(Debug, Clone, PartialEq)]
pub struct MergeNode {
    /// Component index.
    pub component: usize,
    /// Parent component (`None` for a root).
    pub parent: Option<usize>,
    /// Final cluster.
    pub cluster: usize,
    /// Mixture weight.
    pub weight: f64,
    /// Fit points whose most probable component it is.
    pub fit_points: usize,
    /// Peak: highest log mixture density among its fit points (−∞ if none).
    pub log_peak: f64,
    /// Log saddle density with the parent, or with the best higher neighbour for a
    /// mode (−∞ if none).
    pub log_saddle: f64,
    /// Whether its posterior-weighted Mardia kurtosis looked Gaussian (only evaluated
    /// when the `rho_gauss` option is set; `false` otherwise).
    pub gaussian_looking: bool,
    /// The decision and its reason.
    pub decision: MergeDecision,
}

/// How stable the partition is over two deterministic halves of the fit sample (see
/// [`PppParams::stability`](super::PppParams::stability)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PppStability {
    /// Clusters found on each half (rows at even / odd positions of the hash-ordered fit
    /// sample), searched as a whole fit sample would be.
    pub half_k: [usize; 2],
    /// Mean adjusted Rand index between the labels of the fit sample's rows under the
    /// selected model and under each half's model: near 1 when the data determine the
    /// partition, lower when the halves partition the data differently.
    pub agreement: f64,
}

/// Degenerate outcomes (all handled).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PppDiagnostics {
    /// Input columns dropped because they are constant.
    pub dropped_columns: Vec<usize>,
    /// Proposals `(k, type)` whose covariances needed more than the ridge.
    pub regularized: Vec<(usize, CovarianceType)>,
    /// Proposals `(k, type)` whose EM stopped at the iteration limit.
    pub em_not_converged: Vec<(usize, CovarianceType)>,
    /// Clusters that received no row in the final pass (removed, labels renumbered).
    pub empty_clusters_removed: usize,
    /// Full-covariance mixtures were not fitted: the fit sample has no more rows than
    /// (non-constant) columns, so every full covariance would be singular (and cost
    /// `d²` memory per component); only the other covariance types were tried.
    pub full_covariance_skipped: bool,
    /// Rows of every fit sample swept, in order: more than one when the selected k
    /// pressed against the cap ⌊√m⌋, or the points clumped below the mixture's scale
    /// (`fine_structure`), and the sample grew.
    pub fit_sample_sizes: Vec<usize>,
    /// A fit sample's points lay more than [`FINE_EXCESS`](super::FINE_EXCESS) nats
    /// denser around one another than the selected mixture says (structure below its
    /// scale: many small clusters), so the sample grew and the search probed further up.
    pub fine_structure: bool,
    /// Components born at dense cores no k-means proposal isolated (`ppp/birth.rs`):
    /// the selected mixture has this many components beyond its proposal's.
    pub births: usize,
}

/// The outcome of PPP-auto.
#[derive(Debug, Clone, PartialEq)]
pub struct PppResult {
    /// The model (labels any further rows identically).
    pub model: PppModel,
    /// Number of clusters found.
    pub k: usize,
    /// Cluster of every input row; clusters are numbered by their root component's index
    /// (components are ordered by the hash-ordered fit sample, so the numbering does not
    /// depend on the row order).
    pub labels: Vec<usize>,
    /// Confidence of every row: posterior mass of its cluster, capped by that cluster's
    /// reproducibility.
    pub confidence: Vec<f64>,
    /// Separable-set threshold τ.
    pub tau: f64,
    /// Rows with confidence ≥ τ (the separable set).
    pub n_separable: usize,
    /// Clusterability score = share of rows in the separable set (`n_separable / n`).
    pub clusterability: f64,
    /// Mean confidence over all rows.
    pub mean_confidence: f64,
    /// Reproducibility of each cluster: its mean held-out posterior when the mixture is
    /// refitted on either half of the fit sample (1: the cluster comes back whole; see
    /// `ppp/reproduce.rs`). Confidences are capped by it.
    pub cluster_reproducibility: Vec<f64>,
    /// Rows in each cluster.
    pub cluster_sizes: Vec<usize>,
    /// Mean of each cluster's rows (`k × n_features`, all input columns).
    pub centroids: Mat<f64>,
    /// Rows of the fit sample.
    pub n_fit: usize,
    /// Every (k, type) fitted, in order.
    pub bic_path: Vec<BicPathEntry>,
    /// The selected mixture.
    pub selected: SelectedModel,
    /// The merge forest, one node per component.
    pub merge_forest: Vec<MergeNode>,
    /// The saddle/peak ratio the merge held joins to: [`PppParams::rho`](super::PppParams::rho)
    /// by default, [`PppParams::graph_rho`](super::PppParams::graph_rho) (the graph rule) in at most
    /// [`GRAPH_MAX_DIM`](super::GRAPH_MAX_DIM) columns. Pass it to
    /// [`MergeDecision::reason`].
    pub merge_rho: f64,
    /// Degenerate outcomes.
    pub diagnostics: PppDiagnostics,
    /// Stability over half-samples, when asked for ([`PppParams::stability`](super::PppParams::stability)).
    pub stability: Option<PppStability>,
}

impl PppResult {
    crate::estimator::inherent_predict!();

    /// Whether row `i` is in the separable set (confidence ≥ τ).
    pub fn is_separable(&self, i: usize) -> bool {
        self.confidence[i] >= self.tau
    }

    /// Indices of the rows of the separable set.
    pub fn separable_indices(&self) -> Vec<usize> {
        (0..self.labels.len())
            .filter(|&i| self.is_separable(i))
            .collect()
    }
}

/// Stage of a running fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PppStage {
    /// Constant columns and fit sample.
    Sample,
    /// The k sweep (proposal + validation); `k` is the last k fitted.
    Propose,
    /// Merging components into clusters.
    Merge,
    /// Assigning all rows.
    Assign,
    /// Finished.
    Done,
}

/// A progress report.
#[derive(Debug, Clone, PartialEq)]
pub struct PppProgress {
    /// Current stage.
    pub stage: PppStage,
    /// Last k fitted in the sweep.
    pub k: usize,
    /// k of the best BIC so far.
    pub best_k: usize,
    /// Rows assigned so far (stage `Assign`).
    pub rows_done: usize,
}
