//! The constants of PPP-auto (each with the reason for its value) and the parameter
//! builder.
//!
//! The values are those of the research specification (`docs/ppp-research.md`,
//! "Winner: specification", measured on 41 benchmark sets + 18 g2mg sets).

use super::result::{PppProgress, PppResult};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::gmm::CovarianceType;
use crate::interrupt::Interrupt;
use crate::matrix::MatRef;

/// Rows of the fit sample. Enough points for BIC to resolve ~60 components in 2–16
/// dimensions (a3: 50 clusters × 80 points recovered exactly); bounds the cost of the
/// structure search independently of `n`; sets up to n = 10,000 gave the same k with the
/// sample as without.
pub const SAMPLE_MAX: usize = 4_000;

/// Growth factor of the fit sample when the selection presses against the cap ⌊√m⌋
/// (the path reached the cap before [`PATIENCE`] confirmed the best k): the sample grows
/// to `min(n, 4 m)` rows and the many-cluster search (cap `m / 25`, `O(log k)` fits)
/// resumes from the best k so far; repeated while the sample holds fewer than 100 points
/// per selected component (at most 2^18 rows).
pub const SAMPLE_GROWTH: usize = 4;

/// Excess (nats) of the fit points' nearest-neighbour density over the selected mixture's
/// density (`local_excess` in `ppp/graph.rs`, at most [`super::GRAPH_MAX_DIM`] dims) from
/// which the points are taken to clump below the mixture's scale: the fit sample then grows
/// (×[`SAMPLE_GROWTH`]) and the search probes every k up to the cap, as when the selection
/// presses against it. The excess is ≈ 0 (standard error π/√(6m) ≈ 0.02 at m = 4,000) for
/// a mixture that resolves the data; 1 nat — the points lie e times denser than the model
/// says — is 50 standard errors. Measured with a scikit-learn mixture as a stand-in
/// (bench/ppp/README.md, session 8): −1.8 … +0.6 on the 2–3-D shared sets, 1.9 / 2.7 / 3.2
/// on 128 / 256 / 1,000 unit Gaussians in 2-D sampled at 4,000 rows. Only data with more
/// rows than the first fit sample can trigger it.
pub const FINE_EXCESS: f64 = 1.0;

/// Stop the k sweep after this many consecutive k without a new best BIC. BIC curves
/// have local bumps (k-means path artefacts) of a few k; 10 non-improving steps never
/// missed a later minimum in the cached full sweeps.
pub const PATIENCE: usize = 10;

/// Covariance ridge, as a fraction of each feature's variance on the fit sample
/// (`reg_j = EPS_REG · var_j`): scale-invariant; keeps covariances of discrete-valued
/// features non-singular (uci sets).
pub const EPS_REG: f64 = 1e-3;

/// EM iteration limit. EM from a k-means partition converges in 10–60 iterations.
pub const EM_MAX_ITER: usize = 100;

/// EM stops when the total log-likelihood improves by less than `EM_TOL · m` (i.e.
/// `EM_TOL` per point); finer tolerances did not change any selection.
pub const EM_TOL: f64 = 1e-4;

/// Lloyd iteration limit on the k-means path (converges long before on all sets).
pub const LLOYD_MAX_ITER: usize = 100;

/// Power-iteration limit for the principal axis of the cluster to split.
pub const POWER_MAX_ITER: usize = 100;

/// Power iteration stops when no coordinate of the axis moves more than this.
pub const POWER_TOL: f64 = 1e-10;

/// Covariance models tried per k, in this order (ties keep the earlier one). Full is
/// best on the 41 sets (diag/tied hurt uci: components collapse on discrete features, or
/// over-split); spherical is needed when d is large relative to m (g2mg d = 64: full
/// alone cannot afford 2 components).
pub const COV_TYPES: [CovarianceType; 2] = [CovarianceType::Full, CovarianceType::Spherical];

/// Merge threshold: component `c` hangs under a higher neighbour when their saddle
/// density is at least `RHO ×` the peak density of `c`. The one tuned constant (chosen on
/// split-half A only; flat region 0.6–0.7): Gaussian pieces of one flat density show
/// saddle/peak ratios ≈ 0.4–0.65, well-separated clusters ≤ 0.15.
pub const RHO: f64 = 0.6;

/// Stricter merge ratio between two Gaussian-looking components (`|Mardia kurtosis z| ≤
/// Z_GAUSS` for both): two such components are only joined when their saddle reaches
/// `0.9 ×` the peak, because BIC already judged that two Gaussians beat one there, and a
/// shallow dip between two Gaussian pieces is evidence of two overlapping clusters rather
/// than of one non-Gaussian shape. Measured with `partitive evaluate` (k exact / mean ARI):
/// Gaussian-like sets 20/28 → 23/28 k exact (sipu 80% → 90%, g2mg 66.7% → 77.8%), at a
/// small cost on the 41 mixed sets (43.9%/0.671 → 41.5%/0.655, still above every
/// automatic-k baseline). `None` turns it off.
pub const RHO_GAUSS: Option<f64> = Some(0.9);

/// Merge threshold of [`MergeRule::Graph`] (and of `Auto` in low dimensions): two
/// clusters may join when their neighbourhood-graph saddle is at least `GRAPH_RHO ×` the
/// lower one's peak and the dip test finds no gap between the two components that
/// connect them. A weak density condition (the Gaussian pieces of one flat or curved
/// cluster show ratios of 0.4-0.65, well-separated clusters and noise bridges ≤ 0.15);
/// the dip test decides the cases between (0.3 / 0.4 measured, bench/ppp/README.md).
pub const GRAPH_RHO: f64 = 0.3;

/// The modal rule's third pass (`ppp/flat.rs`) joins two clusters holding platykurtic
/// components (above three dimensions) at any mixture density when two such components
/// lie side by side like adjacent slabs of one uniform cluster: their means between
/// `FLAT_NEAR.0` and `FLAT_NEAR.1` of their points' mean standard deviations apart along
/// the line through them (adjacent slabs: `√12` = 3.46 whatever their widths; with one
/// slab between them 6.9; overlapping or nested components less), the projected points as
/// dense where the slabs meet as around their means (at least [`RHO`] ×), and no gap (dip
/// test). BIC's spherical components of a rotated 4:1 uniform box in 16–128 dimensions
/// are 3–40 of their own sd apart, so no Mahalanobis bound fits every dimension. Measured
/// in bench/ppp/README.md (session 16): adjacent slabs 3.2–3.8, caps of a 4-D shell
/// 3.5–4.5.
pub const FLAT_NEAR: (f64, f64) = (2.5, 4.5);

/// The default rule of step 4.
pub const MERGE_RULE: MergeRule = MergeRule::Auto;

/// How step 4 joins mixture components into clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeRule {
    /// The default: each component hangs under the higher neighbour with the largest
    /// posterior-boundary saddle if it reaches `rho ×` its peak (modal hill-climbing;
    /// `docs/ppp-research.md`, specification step 4).
    Modal,
    /// In at most [`GRAPH_MAX_DIM`](super::GRAPH_MAX_DIM) dimensions the saddles follow
    /// the fit points' k-nearest-neighbour graph (above, the posterior boundary); pairs
    /// are joined by decreasing saddle (union-find) when the saddle reaches
    /// `graph_rho ×` the lower peak and a dip test on Fisher's axis finds no gap.
    Graph,
    /// `Graph` in at most [`GRAPH_MAX_DIM`](super::GRAPH_MAX_DIM) (non-constant)
    /// dimensions, where the fit sample resolves neighbourhoods; `Modal` above.
    Auto,
}

/// From this many (non-constant) columns on, two Gaussian-looking components are never
/// merged (requires `rho_gauss`). In two or three dimensions the fit sample resolves the
/// density landscape, and the data-based peak/saddle ratio tells an over-split cluster
/// from two clusters. In higher dimensions it cannot: every sample point lies far from
/// the modes (concentration of measure), so the highest-density points of a component
/// are as often on its boundary as near its mean — well-separated pairs of Gaussians in
/// 16 and 64 dimensions show saddle/peak ratios ≥ 1 — and the merge would fuse clusters
/// that BIC has just resolved. There the mixture itself is the evidence: components
/// that look Gaussian stay apart, non-Gaussian ones still merge by the modal rule.
/// Measured with `partitive evaluate`: g2mg (d ∈ {2, 16, 64}, s ≤ 60) 77.8% → 94.4% k
/// exact; no change on any of the 41 mixed sets (the uci sets with d ≥ 4 merge only
/// non-Gaussian-looking components); the same results for any value from 3 to 16.
/// `None` turns it off.
pub const GAUSS_KEEP_MIN_DIM: Option<usize> = Some(4);

/// Two Gaussian-looking components are not kept apart (see [`GAUSS_KEEP_MIN_DIM`]) when
/// one's mean lies within `CONCENTRIC` standard deviations of the other's, measured under
/// the wider one's covariance (the smaller of the two Mahalanobis distances): a core and a
/// wider component around it are one cluster with heavy tails (a scale mixture), not two.
/// The modal rule's saddle and gap tests still apply, so a narrow spike that stands apart
/// from a wide component's mode keeps its own mode. Measured (bench/ppp/README.md, session
/// 11): the overlapping Gaussian pairs of g2mg (d = 16, 64) are ≥ 1.57 apart, the
/// core/halo pairs of Student-t clusters 0.2–0.85; session 24: taken under the wider
/// component, the spike cores of the spikes battery (sd ≈ 1% of their halo's) join their
/// halo instead of standing as clusters of their own.
pub const CONCENTRIC: f64 = 1.0;

/// `|Mardia kurtosis z| ≤ Z_GAUSS` (and skewness z ≤ [`Z_SKEW`]) counts as
/// Gaussian-looking (used with `rho_gauss` and `GAUSS_KEEP_MIN_DIM`); z ≤ 3 was measured
/// worse than 2.
pub const Z_GAUSS: f64 = 2.0;

/// In the second pass of the neighbourhood-graph merge (≤ 3 dims,
/// [`super::merge::GRAPH_MAX_DIM`]), a component counts as not Gaussian when its Mardia
/// kurtosis departs from a Gaussian's at the 1% level (two-sided, `|z| > 2.576`), the
/// level of that pass's gap test. Measured (bench/ppp/README.md): 2.4-2.6 give the same
/// results on the development batteries; at 2.0 (5%) one of 50 touching Gaussian clusters
/// (sipu a3) merges, at 2.7 the 2-D shapes lose.
pub const Z_NON_GAUSSIAN: f64 = 2.576;

/// A fit point lies on the boundary of its top-2 components when its posterior split
/// `r1 / (r1 + r2)` is at most this (odds at most 2 : 1); 0.8 gave the same results.
pub const Q_AMBIG: f64 = 2.0 / 3.0;

/// Default threshold τ of the separable set (points whose cluster confidence ≥ τ).
pub const TAU: f64 = 0.9;

/// Rows per chunk for the kernels on the fit sample (`m ≤ SAMPLE_MAX` rows would be a
/// single chunk of [`crate::parallel::CHUNK_ROWS`]; smaller fixed chunks let two or
/// more threads share EM — fixed, so results do not depend on the thread count).
pub const FIT_CHUNK_ROWS: usize = 256;

/// Entry point: `Ppp::params()` gives the default parameters.
#[derive(Debug, Clone, Copy)]
pub struct Ppp;

impl Ppp {
    /// Default parameters (the specification's constants).
    pub fn params() -> PppParams {
        PppParams::default()
    }
}

/// Parameters of PPP-auto. Defaults are the specification's constants; there is no
/// seed: the result does not depend on any initial condition.
#[derive(Debug, Clone, PartialEq)]
pub struct PppParams {
    pub(crate) sample_max: usize,
    pub(crate) patience: usize,
    pub(crate) k_cap: Option<usize>,
    pub(crate) eps_reg: f64,
    pub(crate) em_max_iter: usize,
    pub(crate) em_tol: f64,
    pub(crate) lloyd_max_iter: usize,
    pub(crate) cov_types: Vec<CovarianceType>,
    pub(crate) rho: f64,
    pub(crate) q_ambig: f64,
    pub(crate) rho_gauss: Option<f64>,
    pub(crate) z_gauss: f64,
    pub(crate) gauss_keep_min_dim: Option<usize>,
    pub(crate) tau: f64,
    pub(crate) min_cluster_size: Option<usize>,
    pub(crate) gap_test: bool,
    pub(crate) merge_rule: MergeRule,
    pub(crate) graph_rho: f64,
    pub(crate) grow_sample: bool,
    pub(crate) stability: bool,
    pub(crate) interrupt: Interrupt,
}

impl Default for PppParams {
    fn default() -> Self {
        PppParams {
            sample_max: SAMPLE_MAX,
            patience: PATIENCE,
            k_cap: None,
            eps_reg: EPS_REG,
            em_max_iter: EM_MAX_ITER,
            em_tol: EM_TOL,
            lloyd_max_iter: LLOYD_MAX_ITER,
            cov_types: COV_TYPES.to_vec(),
            rho: RHO,
            q_ambig: Q_AMBIG,
            rho_gauss: RHO_GAUSS,
            z_gauss: Z_GAUSS,
            gauss_keep_min_dim: GAUSS_KEEP_MIN_DIM,
            tau: TAU,
            min_cluster_size: None,
            gap_test: true,
            merge_rule: MERGE_RULE,
            graph_rho: GRAPH_RHO,
            grow_sample: true,
            stability: false,
            interrupt: Interrupt::default(),
        }
    }
}

impl PppParams {
    /// Rows of the fit sample (default [`SAMPLE_MAX`]).
    pub fn sample_max(mut self, v: usize) -> Self {
        self.sample_max = v;
        self
    }
    /// Whether the fit sample grows ([`SAMPLE_GROWTH`]) while the selected k presses
    /// against the cap ⌊√m⌋ (default `true`; ignored when [`PppParams::k_cap`] is set).
    pub fn grow_sample(mut self, v: bool) -> Self {
        self.grow_sample = v;
        self
    }
    /// Whether to measure how stable the partition is ([`PppResult::stability`]): the
    /// structure search runs again on two deterministic halves of the fit sample, and
    /// their models are compared with the selected one on the fit sample's rows
    /// (default `false`: it about doubles the time of the search, not of the
    /// assignment of the rows).
    pub fn stability(mut self, v: bool) -> Self {
        self.stability = v;
        self
    }
    /// Consecutive non-improving k before the sweep stops (default [`PATIENCE`]).
    pub fn patience(mut self, v: usize) -> Self {
        self.patience = v;
        self
    }
    /// Largest k proposed (default `⌊√m⌋`, m = fit rows).
    pub fn k_cap(mut self, v: usize) -> Self {
        self.k_cap = Some(v);
        self
    }
    /// Covariance ridge as a fraction of feature variance (default [`EPS_REG`]).
    pub fn eps_reg(mut self, v: f64) -> Self {
        self.eps_reg = v;
        self
    }
    /// EM iteration limit (default [`EM_MAX_ITER`]).
    pub fn em_max_iter(mut self, v: usize) -> Self {
        self.em_max_iter = v;
        self
    }
    /// EM tolerance per point (default [`EM_TOL`]).
    pub fn em_tol(mut self, v: f64) -> Self {
        self.em_tol = v;
        self
    }
    /// Lloyd iteration limit on the k-means path (default [`LLOYD_MAX_ITER`]).
    pub fn lloyd_max_iter(mut self, v: usize) -> Self {
        self.lloyd_max_iter = v;
        self
    }
    /// Covariance types tried per k, in order (default [`COV_TYPES`]).
    pub fn cov_types(mut self, v: &[CovarianceType]) -> Self {
        self.cov_types = v.to_vec();
        self
    }
    /// Merge threshold saddle/peak (default [`RHO`]).
    pub fn rho(mut self, v: f64) -> Self {
        self.rho = v;
        self
    }
    /// Boundary posterior split (default [`Q_AMBIG`]).
    pub fn q_ambig(mut self, v: f64) -> Self {
        self.q_ambig = v;
        self
    }
    /// Stricter saddle/peak ratio for links between two Gaussian-looking components
    /// (default [`RHO_GAUSS`] = `Some(0.9)`; `None` turns it off).
    pub fn rho_gauss(mut self, v: Option<f64>) -> Self {
        self.rho_gauss = v;
        self
    }
    /// Dimension from which two Gaussian-looking components are never merged (default
    /// [`GAUSS_KEEP_MIN_DIM`] = `Some(4)`; `None` turns it off).
    pub fn gauss_keep_min_dim(mut self, v: Option<usize>) -> Self {
        self.gauss_keep_min_dim = v;
        self
    }

    /// Kurtosis bound `|z|` for "Gaussian-looking" (default [`Z_GAUSS`]).
    pub fn z_gauss(mut self, v: f64) -> Self {
        self.z_gauss = v;
        self
    }
    /// Separable-set threshold τ on the confidence (default [`TAU`] = 0.9).
    pub fn tau(mut self, v: f64) -> Self {
        self.tau = v;
        self
    }
    /// Clusters whose expected size (mixture weight × n) is below this are attached to
    /// the neighbouring cluster with the highest saddle, or, when they share a boundary
    /// with none, to the one whose component their mean lies nearest to (Mahalanobis).
    /// Default `None`: a cluster needs the weight of `d + 1` points of the fit sample
    /// (fewer span no `d`-dimensional cluster: their covariance is singular and no shape
    /// test applies), when the sample's `m` rows could hold two such clusters (else no
    /// minimum: wide data with few rows); `Some(1)` keeps every cluster.
    pub fn min_cluster_size(mut self, v: Option<usize>) -> Self {
        self.min_cluster_size = v;
        self
    }

    /// Whether two clusters (graph rule) or a component and its parent (modal rule) are
    /// joined only when the dip test finds no gap between the components that connect
    /// them (default `true`; `false` for comparisons).
    pub fn gap_test(mut self, v: bool) -> Self {
        self.gap_test = v;
        self
    }

    /// The rule of step 4 (default [`MERGE_RULE`]). `rho` and `rho_gauss` are the
    /// modal rule's ratios, `graph_rho` the graph rule's.
    pub fn merge_rule(mut self, v: MergeRule) -> Self {
        self.merge_rule = v;
        self
    }

    /// Merge threshold of the graph rule (default [`GRAPH_RHO`]).
    pub fn graph_rho(mut self, v: f64) -> Self {
        self.graph_rho = v;
        self
    }

    /// A token that stops the fit when triggered (polled at every proposal of the
    /// sweep and every EM iteration; the fit then fails with
    /// [`ErrorKind::Interrupted`](crate::ErrorKind::Interrupted)).
    pub fn interrupt(mut self, token: &Interrupt) -> Self {
        self.interrupt = token.clone();
        self
    }

    /// The separable-set threshold τ.
    pub fn tau_value(&self) -> f64 {
        self.tau
    }

    /// Validates the parameters (data-independent checks only;
    /// [`Params::validate`](crate::estimator::Params::validate)).
    pub fn validate(&self) -> Result<()> {
        if self.sample_max < 2 {
            return Err(Error::param("sample_max", "must be at least 2"));
        }
        if self.patience == 0 {
            return Err(Error::param("patience", "must be at least 1"));
        }
        if self.k_cap == Some(0) {
            return Err(Error::param("k_cap", "must be at least 1"));
        }
        if !(self.eps_reg.is_finite() && self.eps_reg > 0.0) {
            return Err(Error::param("eps_reg", "must be finite and positive"));
        }
        if self.em_max_iter == 0 {
            return Err(Error::param("em_max_iter", "must be at least 1"));
        }
        if !(self.em_tol.is_finite() && self.em_tol >= 0.0) {
            return Err(Error::param("em_tol", "must be finite and non-negative"));
        }
        if self.lloyd_max_iter == 0 {
            return Err(Error::param("lloyd_max_iter", "must be at least 1"));
        }
        if self.cov_types.is_empty() {
            return Err(Error::param("cov_types", "must name at least one type"));
        }
        if self
            .cov_types
            .iter()
            .any(|c| !matches!(c, CovarianceType::Full | CovarianceType::Spherical))
        {
            return Err(Error::param(
                "cov_types",
                "only full and spherical are supported",
            ));
        }
        if !(self.rho.is_finite() && self.rho > 0.0 && self.rho <= 1.0) {
            return Err(Error::param("rho", "must be in (0, 1]"));
        }
        if !(self.graph_rho.is_finite() && self.graph_rho > 0.0 && self.graph_rho <= 1.0) {
            return Err(Error::param("graph_rho", "must be in (0, 1]"));
        }
        if !(self.q_ambig.is_finite() && self.q_ambig >= 0.5 && self.q_ambig <= 1.0) {
            return Err(Error::param("q_ambig", "must be in [0.5, 1]"));
        }
        if self
            .rho_gauss
            .is_some_and(|r| !(r.is_finite() && r > 0.0 && r <= 1.0))
        {
            return Err(Error::param("rho_gauss", "must be in (0, 1]"));
        }
        if !(self.z_gauss.is_finite() && self.z_gauss > 0.0) {
            return Err(Error::param("z_gauss", "must be finite and positive"));
        }
        if !(self.tau.is_finite() && self.tau >= 0.0 && self.tau <= 1.0) {
            return Err(Error::param("tau", "must be in [0, 1]"));
        }
        if self.min_cluster_size == Some(0) {
            return Err(Error::param("min_cluster_size", "must be at least 1"));
        }
        Ok(())
    }

    crate::estimator::params_methods!();

    /// Clusters data read as a stream of row chunks — files larger than memory. `pass`
    /// runs one pass over the data, handing consecutive chunks (any sizes, row order) to
    /// its argument; it is called three times (column ranges, the fit sample, the
    /// assignment), so the source must give the same rows each time. The result is
    /// bitwise the one [`PppParams::fit`] gives on the whole matrix; memory is the fit
    /// sample plus one label and one confidence per row.
    ///
    /// ```
    /// use partitive::ppp::Ppp;
    /// use partitive::MatRef;
    /// let data: Vec<f64> = (0..400).map(|i| (i % 2) as f64 * 10.0 + (i % 7) as f64 * 0.1).collect();
    /// let x = MatRef::new(&data, 200, 2).unwrap();
    /// let whole = Ppp::params().fit(x).unwrap();
    /// let mut pass = |f: &mut dyn FnMut(MatRef<'_, f64>)| -> Result<(), partitive::Error> {
    ///     for start in (0..200).step_by(64) {
    ///         let end = (start + 64).min(200);
    ///         f(MatRef::new(&data[start * 2..end * 2], end - start, 2).unwrap());
    ///     }
    ///     Ok(())
    /// };
    /// let streamed = Ppp::params().fit_passes(&mut pass, &mut |_| {}).unwrap();
    /// assert_eq!(streamed.labels, whole.labels);
    /// ```
    pub fn fit_passes<T: Float, E: From<Error>>(
        &self,
        pass: &mut super::stream::Pass<'_, T, E>,
        observer: &mut dyn FnMut(&PppProgress),
    ) -> std::result::Result<PppResult, E> {
        super::stream::fit_passes(self, pass, observer)
    }

    /// Clusters rows spread across the ranks of a job ([`crate::distributed`]): this rank
    /// holds the rows `x`, rows `first_row..first_row + x.n_rows()` of the whole. The
    /// ranks' rows must tile the whole in rank order, each rank's starting at a multiple
    /// of [`crate::parallel::CHUNK_ROWS`] (a rank may hold none). Every rank calls this
    /// with the same parameters and gets the same result, bitwise the one
    /// [`PppParams::fit`] gives on the whole matrix, for any number of ranks and threads —
    /// including the labels and confidences of **all** rows (gathered to every rank:
    /// 12 bytes a row). The fit sample is gathered from the ranks (its rows travel once);
    /// `observer` sees the stages on every rank.
    ///
    /// # Errors
    /// As [`PppParams::fit`], the same on every rank (the checks see gathered values);
    /// misplaced rows are [`crate::ErrorKind::InvalidParameter`] errors of `rows`.
    pub fn fit_distributed<T: Float, X: crate::distributed::Exchange + ?Sized>(
        &self,
        x: MatRef<'_, T>,
        first_row: usize,
        exchange: &X,
        observer: &mut dyn FnMut(&PppProgress),
    ) -> Result<PppResult> {
        super::ranks::fit_distributed(self, x, first_row, exchange, observer)
    }

    /// Clusters the rows of `x` (finite values; f32 or f64), calling `observer` at every
    /// stage and every k of the sweep; [`PppParams::fit`] is this without one.
    pub fn fit_observed<T: Float>(
        &self,
        x: MatRef<'_, T>,
        observer: &mut dyn FnMut(&PppProgress),
    ) -> Result<PppResult> {
        super::fit::fit(self, x, observer)
    }
}

/// A component with Mardia skewness z above `Z_SKEW` (one-sided, 0.13% under normality;
/// the statistic of Mardia 1970 over the posterior-weighted fit points) is not
/// Gaussian-looking whatever its kurtosis. Measured (lab of
/// bench/ppp/README.md, session 12): the overlapping Gaussian pairs of g2mg (d = 16, 64)
/// read −0.2…1.8; the log-normal pieces that were kept apart 1–37, most above 3. With it
/// the log-normal sets of 4–32 dimensions came out in 7/8/8/2 pieces instead of
/// 13/11/17/4; no change on the 41 shared sets, the Gaussian-like 28 or the 2-D shapes.
pub const Z_SKEW: f64 = 3.0;

/// Hollowness below which a significantly flat component (Mardia kurtosis z below
/// `−Z_GAUSS`) is hollow: a whole closed shell around its own mean. The hollowness of a
/// component is `d (m4 / m2² − 1) / 2`, with `m2` and `m4` the posterior-weighted means of
/// its points' squared and fourth-power Mahalanobis distances (the variance of the squared
/// distance relative to a Gaussian's). Theory: a Gaussian reads 1, a uniform box 0.4 in any dimension, a shell of relative thickness `t` about
/// `2 t² d`. Measured on the fit samples of the development batteries (bench/ppp/README.md,
/// session 15): components holding a whole shell 0.06–0.27 (d ≥ 8), pieces of boxes and
/// the caps that tile a thin 4-D shell 0.30–0.49.
pub const HOLLOW: f64 = 0.3;
