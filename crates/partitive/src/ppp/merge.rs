//! Step 4: merge mixture components into clusters — persistence-based (ToMATo-like)
//! union of components, each union checked against the data for a gap; in at most
//! [`GRAPH_MAX_DIM`] dimensions a second pass along the data's own density; then
//! attach clusters below a minimum weight (by default `d + 1` fit points, see
//! [`super::Ppp`]'s `min_cluster_size`).
//!
//! **First pass.** On the fit sample: `f_i` = log mixture density, `a_i` = most probable
//! component. Peak of `c` = max `f_i` over its points. The saddle of two components is
//! the highest level at which the data join them:
//! - in at most [`GRAPH_MAX_DIM`] dimensions, along the fit points' nearest-neighbour
//!   graph ([`super::graph::knn_saddles`]) — the sample is dense enough there for
//!   neighbourhoods to follow curved clusters;
//! - above, on their posterior boundary: max `f_i` over points whose top two components
//!   are the pair with `r_a / (r_a + r_b) ≤ Q_AMBIG` (neighbourhoods of a few thousand
//!   points say little in many dimensions).
//!
//! Pairs are visited by decreasing saddle (union-find, as ToMATo visits the graph); the
//! clusters of the two join when the saddle reaches `ρ ×` the lower cluster's peak
//! ([`super::params::GRAPH_RHO`]) **and** the two components' points show no gap on the
//! axis that separates them ([`super::graph::gap_test`], dip test at 5%) — unless both
//! components look Gaussian (Mardia kurtosis and skewness, [`super::skew`]) in ≥
//! `GAUSS_KEEP_MIN_DIM` dimensions, when BIC's choice of two is kept. The cluster keeps
//! the higher peak's root; a component of low density can hang below one cluster but not
//! bridge two, since joining them would need a saddle close to both peaks.
//!
//! **Second pass** (graph dimensions only, `NeighbourhoodGraph::join_along_data`): the
//! same union over the first pass's clusters with the points' k-nearest-neighbour
//! density instead of the mixture's, for pairs where a component is not Gaussian-looking
//! ([`Z_NON_GAUSSIAN`]) and with the gap test at 1%. A thin curved cluster is cut by BIC
//! into Gaussian pieces and the mixture density sags at every cut, where the data's own
//! density (the one HDBSCAN* follows) stays level; touching Gaussian clusters are left to
//! the first pass. Measured in bench/ppp/README.md.
//!
//! Maxima, medians and sorted visits are order-independent, so the result is a function
//! of the fit sample alone.

use super::graph::{gap_test, knn_density, knn_saddles, whiten, GapLevel, GapTest, KNN_K};
use super::knn::{knn_sites, Knn};
use super::params::{MergeRule, FIT_CHUNK_ROWS};
use super::params::{Z_GAUSS, Z_NON_GAUSSIAN};
use super::result::{MergeDecision, MergeNode, PppMixture};
use crate::gmm::covariance::Factored;
use crate::gmm::estep::{normalize_row, Evaluator, Scratch, BLOCK_ROWS};
use crate::matrix::Mat;
use crate::parallel::map_reduce_chunks_sized;

/// Up to this many (non-constant) columns the saddles follow the nearest-neighbour graph
/// of the fit points; above, the posterior boundary (see the module doc). With the
/// default fit sample a neighbourhood graph resolves a density when the sample has many
/// points per axis: 4,000^(1/d) = 63, 16 and 8 points for d = 2, 3, 4. Measured
/// (bench/ppp/README.md): the graph wins on the 2-D shapes and the 2-3-D shared sets,
/// loses on the real tables in 13-64 dimensions.
pub const GRAPH_MAX_DIM: usize = 3;

/// At most this many fit rows (the first, in hash order) enter the neighbourhood graph;
/// brute-force neighbours cost `O(rows² d)`.
pub const GRAPH_MAX: usize = 16_384;

/// Per-component peaks, per-pair boundary saddles (`K × K`, log densities), point counts.
#[derive(Clone)]
pub(super) struct Landscape {
    pub peak: Vec<f64>,
    pub saddle: Vec<f64>,
    pub count: Vec<usize>,
    /// Most probable component of every fit point (in row order; `usize::MAX` when the
    /// density underflows).
    pub top: Vec<usize>,
    /// Log mixture density of every fit point (−∞ when it underflows).
    pub dens: Vec<f64>,
}

/// The evaluator of a mixture (E-step constants).
pub(crate) fn evaluator(g: &PppMixture) -> Evaluator {
    let d = g.shift.len();
    let f = Factored::from_chol(&g.precision_cholesky, d);
    Evaluator::new(&g.params, &f, &g.shift)
}

/// Calls `f(i, raw, post, log_density)` for every fit point `i` of `r` whose mixture
/// density is finite: `raw` = its weighted component log-probabilities `ℓ_ij`, `post` =
/// its posteriors, `log_density` = `f_i`. (The block loop shared by the merge statistics.)
pub(super) fn for_each_point(
    ev: &Evaluator,
    x: &Mat<f64>,
    r: std::ops::Range<usize>,
    mut f: impl FnMut(usize, &[f64], &[f64], f64),
) {
    let (mut s, mut raw) = (Scratch::default(), vec![0.0; ev.k]);
    let mut start = r.start;
    while start < r.end {
        let b = BLOCK_ROWS.min(r.end - start);
        ev.load(x.view(), start, b, &mut s);
        ev.log_prob(b, &mut s);
        for (t, row) in s.lp.chunks_exact_mut(ev.k).enumerate() {
            raw.copy_from_slice(row);
            if let Some(lf) = normalize_row(row) {
                f(start + t, &raw, row, lf);
            }
        }
        start += b;
    }
}

/// The log mixture density of every row of `x` (−∞ where it underflows): the densities of
/// [`landscape`] without its per-pair saddles (`K × K` per chunk).
pub(super) fn log_density(g: &PppMixture, x: &Mat<f64>) -> Vec<f64> {
    let ev = evaluator(g);
    map_reduce_chunks_sized(
        x.n_rows(),
        FIT_CHUNK_ROWS,
        Vec::new(),
        |r| {
            let (start, mut out) = (r.start, vec![f64::NEG_INFINITY; r.len()]);
            for_each_point(&ev, x, r, |i, _, _, f| out[i - start] = f);
            out
        },
        |a, b| a.extend(b),
    )
}

pub(super) fn landscape(g: &PppMixture, x: &Mat<f64>, q_ambig: f64) -> Landscape {
    let ev = evaluator(g);
    let k = ev.k;
    let zero = Landscape {
        peak: vec![f64::NEG_INFINITY; k],
        saddle: vec![f64::NEG_INFINITY; k * k],
        count: vec![0; k],
        top: Vec::new(),
        dens: Vec::new(),
    };
    let mut l = map_reduce_chunks_sized(
        x.n_rows(),
        FIT_CHUNK_ROWS,
        zero.clone(),
        |r| {
            let mut out = zero.clone();
            out.top = vec![usize::MAX; r.len()];
            out.dens = vec![f64::NEG_INFINITY; r.len()];
            let start = r.start;
            for_each_point(&ev, x, r, |i, raw, _, f| {
                let (a, b2) = top2(raw);
                out.peak[a] = out.peak[a].max(f);
                out.count[a] += 1;
                out.top[i - start] = a;
                out.dens[i - start] = f;
                if let Some(b2) = b2 {
                    let q = 1.0 / (1.0 + (raw[b2] - raw[a]).exp());
                    if q <= q_ambig {
                        let s = &mut out.saddle[a * k + b2];
                        *s = s.max(f);
                    }
                }
            });
            out
        },
        |a, b| {
            a.peak
                .iter_mut()
                .zip(&b.peak)
                .for_each(|(x, y)| *x = x.max(*y));
            a.saddle
                .iter_mut()
                .zip(&b.saddle)
                .for_each(|(x, y)| *x = x.max(*y));
            a.count.iter_mut().zip(&b.count).for_each(|(x, y)| *x += y);
            a.top.extend(b.top);
            a.dens.extend(b.dens);
        },
    );
    for a in 0..k {
        for b in 0..a {
            let v = l.saddle[a * k + b].max(l.saddle[b * k + a]);
            l.saddle[a * k + b] = v;
            l.saddle[b * k + a] = v;
        }
    }
    l
}

/// Posterior-weighted Mardia kurtosis of every component on the fit sample.
pub(super) struct Kurtosis {
    /// `z_j = (b2_j − d(d+2)) / √(8 d (d+2) / N_j)` with `b2_j = Σ_i r_ij D_ij⁴ / N_j`
    /// (`D` = Mahalanobis distance to component `j`; Gaussian: `b2 = d(d+2)`; K. V.
    /// Mardia, *Measures of multivariate skewness and kurtosis with applications*,
    /// Biometrika 57(3), 1970).
    ///
    /// Above [`GRAPH_MAX_DIM`] dimensions `b2_j` is taken at the covariance's own scale:
    /// `b2_j (d / m2_j)²`, with `m2_j` the posterior-weighted mean `D²`. Mardia's statistic
    /// assumes the sample covariance, for which the mean `D²` is `d` exactly; a mixture
    /// component's covariance carries a ridge and was fitted on EM's last posteriors, so
    /// with few points per dimension the mean `D²` falls well below `d` and the raw `b2`
    /// reads "flat" for a heavy-tailed component (digits, 64-D: a component of 119 points
    /// with mean `D²` = 53, hollowness 4.7, read z = −57 instead of +36). In at most
    /// [`GRAPH_MAX_DIM`] dimensions the raw statistic is kept: the neighbourhood-graph rule
    /// was measured with it, and rescaling there moved four of the 41 shared sets
    /// (bench/ppp/README.md, session 17). The rescaling is gated: it applies only where the
    /// mean `D²` departs from `d` by more than three times its sampling error
    /// (`√(2 / (N d))` relative), so that a component whose `D²` is short of `d` by noise
    /// alone (the caps of a thin shell, about 100 points) keeps the raw statistic the
    /// sphere and concentric passes were measured with.
    pub z: Vec<f64>,
    /// Hollowness `h_j = d (m4 / m2² − 1) / 2` with `m2`, `m4` the posterior-weighted mean
    /// `D²` and `D⁴`: the variance of `D²` relative to a Gaussian's, free of the covariance's
    /// scale. A Gaussian reads 1, a uniform box 0.4 in any dimension, a uniform ball
    /// `2 / (d + 4)`, a spherical shell of relative thickness `t` about `2 t² d`, a
    /// shell with no thickness 0.
    pub hollow: Vec<f64>,
}

/// [`Kurtosis`] of every component.
pub(super) fn kurtosis(g: &PppMixture, x: &Mat<f64>) -> Kurtosis {
    let dim = g.shift.len();
    let ev = evaluator(g);
    let k = ev.k;
    let zero = (vec![0.0f64; k], vec![0.0f64; k], vec![0.0f64; k]);
    let (nk, m2, m4) = map_reduce_chunks_sized(
        x.n_rows(),
        FIT_CHUNK_ROWS,
        zero.clone(),
        |r| {
            let mut out = zero.clone();
            for_each_point(&ev, x, r, |_, raw, post, _| {
                for (c, &r) in post.iter().enumerate() {
                    let d2 = ev.sq_mahalanobis(raw, c);
                    out.0[c] += r;
                    out.1[c] += r * d2;
                    out.2[c] += r * d2 * d2;
                }
            });
            out
        },
        |a, b| {
            a.0.iter_mut().zip(&b.0).for_each(|(x, y)| *x += y);
            a.1.iter_mut().zip(&b.1).for_each(|(x, y)| *x += y);
            a.2.iter_mut().zip(&b.2).for_each(|(x, y)| *x += y);
        },
    );
    let dd = (dim * (dim + 2)) as f64;
    // Gated as the doc of `Kurtosis::z` says: 3 sampling errors of the mean D².
    let own_scale = |c: usize| {
        let rel = m2[c] / nk[c] / dim as f64 - 1.0;
        let sd = (2.0 / (nk[c] * dim as f64)).sqrt();
        match dim > GRAPH_MAX_DIM && rel.abs() > 3.0 * sd {
            true => (dim as f64 * nk[c] / m2[c]).powi(2),
            false => 1.0,
        }
    };
    Kurtosis {
        z: (0..k)
            .map(|c| (m4[c] / nk[c] * own_scale(c) - dd) / (8.0 * dd / nk[c]).sqrt())
            .collect(),
        hollow: (0..k)
            .map(|c| dim as f64 * (m4[c] * nk[c] / (m2[c] * m2[c]) - 1.0) / 2.0)
            .collect(),
    }
}

/// `f(ev, ℓ, j)` for every component mean `i` and component `j`, `K × K` row-major
/// (`[i * K + j]`; `ℓ` = the weighted log-probabilities of `μ_i`, the means evaluated as
/// points by the mixture's own evaluator).
fn at_means(g: &PppMixture, f: impl Fn(&Evaluator, &[f64], usize) -> f64) -> Vec<f64> {
    let ev = evaluator(g);
    let k = ev.k;
    let mut out = vec![f64::INFINITY; k * k];
    for_each_point(&ev, &g.params.means, 0..k, |i, raw, _, _| {
        for j in 0..k {
            out[i * k + j] = f(&ev, raw, j);
        }
    });
    out
}

/// Mahalanobis distance of every component mean to every other component, `K × K`
/// row-major: `[i * K + j]` = `√((μ_i − μ_j)ᵀ Σ_j⁻¹ (μ_i − μ_j))`.
pub(super) fn mean_distances(g: &PppMixture) -> Vec<f64> {
    at_means(g, |ev, raw, j| ev.sq_mahalanobis(raw, j).max(0.0).sqrt())
}

/// How unlikely every component mean is under every other weighted component, `K × K`
/// row-major: `[i * K + j]` = `−ln(π_j N(μ_i; μ_j, Σ_j))` (smaller: nearer).
pub(super) fn mean_surprisal(g: &PppMixture) -> Vec<f64> {
    at_means(g, |_, raw, j| -raw[j])
}

/// Index of the largest value and of the second largest (ties → lower index).
pub(crate) fn top2(v: &[f64]) -> (usize, Option<usize>) {
    let mut a = 0;
    for (c, &x) in v.iter().enumerate() {
        if x > v[a] {
            a = c;
        }
    }
    let mut b: Option<usize> = None;
    for (c, &x) in v.iter().enumerate() {
        if c != a && b.is_none_or(|bb| x > v[bb]) {
            b = Some(c);
        }
    }
    (a, b)
}

/// The outcome of the merge: cluster of each component (dense, numbered by root
/// component index) and the forest.
pub(crate) struct Merged {
    pub component_cluster: Vec<usize>,
    pub n_clusters: usize,
    pub forest: Vec<MergeNode>,
    /// The saddle/peak ratio the joins were held to (`rho`, or `graph_rho` when the
    /// neighbourhood-graph rule ran): what the decisions' reasons quote.
    pub rho: f64,
}

impl Merged {
    /// Clusters numbered densely by root component index (`rep[c]` = root of `c`).
    pub(super) fn from_roots(rep: Vec<usize>, mut nodes: Vec<MergeNode>, rho: f64) -> Merged {
        let roots = roots_of(&rep);
        let component_cluster = clusters_of(&rep, &roots);
        for (n, &c) in nodes.iter_mut().zip(&component_cluster) {
            n.cluster = c;
        }
        Merged {
            component_cluster,
            n_clusters: roots.len(),
            forest: nodes,
            rho,
        }
    }

    /// The component holding each cluster's mode: its highest peak (ties → lower index).
    /// Not the root of its tree, which may be a wide halo the cores hang under (a lighter
    /// core joins a heavier halo in the segment pass): the shared-tail rule splits rows by
    /// the nearest mode, and a halo's mean lies between the cores, not at one (spikes in
    /// 32–128 dimensions, bench/ppp/README.md, session 23).
    pub(super) fn modes(&self) -> Vec<usize> {
        highest_peaks(&self.component_cluster, self.n_clusters, |c| {
            self.forest[c].log_peak
        })
    }
}

/// Per cluster (`cluster[c]` < `n` for every component `c`): its component of highest
/// `peak` (ties → lower index; 0 for a cluster without components).
pub(super) fn highest_peaks(
    cluster: &[usize],
    n: usize,
    peak: impl Fn(usize) -> f64,
) -> Vec<usize> {
    let mut best: Vec<Option<usize>> = vec![None; n];
    for (c, &cl) in cluster.iter().enumerate() {
        if best[cl].is_none_or(|b| peak(c) > peak(b)) {
            best[cl] = Some(c);
        }
    }
    best.into_iter().map(|b| b.unwrap_or(0)).collect()
}

/// What the merge needs besides the mixture and the fit sample.
#[derive(Clone, Copy)]
pub(crate) struct MergeConfig {
    /// Saddle/peak ratio needed to join two clusters.
    pub rho: f64,
    /// Boundary posterior split (saddles above [`GRAPH_MAX_DIM`] dimensions).
    pub q_ambig: f64,
    /// Clusters lighter than this weight are attached to a neighbour afterwards.
    pub min_weight: f64,
    /// Stricter ratio `(ρ_gauss, z_max)` between two Gaussian-looking components.
    pub rho_gauss: Option<(f64, f64)>,
    /// Never join two Gaussian-looking components (high-dimensional data).
    pub keep_gauss: bool,
    /// Ask the dip test before joining (graph rule; off only for comparisons).
    pub gap_test: bool,
    /// Which rule joins components.
    pub rule: MergeRule,
    /// Saddle/peak ratio of the graph rule.
    pub graph_rho: f64,
}

/// The distinct roots of `rep` (`rep[c]` = root of component `c`), ascending.
pub(super) fn roots_of(rep: &[usize]) -> Vec<usize> {
    let mut roots = rep.to_vec();
    roots.sort_unstable();
    roots.dedup();
    roots
}

/// The cluster of every component: the index of its root in `roots` ([`roots_of`] of
/// `rep`).
pub(super) fn clusters_of(rep: &[usize], roots: &[usize]) -> Vec<usize> {
    rep.iter()
        .map(|r| roots.binary_search(r).expect("a root"))
        .collect()
}

/// Moves every component of cluster `i` (its root `roots[i]`) under `new_root[i]`.
pub(super) fn reroot(rep: &mut [usize], roots: &[usize], new_root: &[usize]) {
    for r in rep.iter_mut() {
        *r = new_root[roots.binary_search(r).expect("a root")];
    }
}

/// The weight of each root's cluster: its components' `w`, summed in component order.
pub(super) fn root_weights(rep: &[usize], roots: &[usize], w: &[f64]) -> Vec<f64> {
    roots
        .iter()
        .map(|&r| (0..rep.len()).filter(|&c| rep[c] == r).map(|c| w[c]).sum())
        .collect()
}

/// Cluster weights indexed by root component, for passes that join whole clusters: the
/// lighter of two clusters (equal weights: the higher root index) hangs under the heavier.
pub(super) struct ClusterWeights(Vec<f64>);

impl ClusterWeights {
    /// The weights of the clusters of `rep` (`rep[c]` = root of `c`; `w` = component weights).
    pub(super) fn new(rep: &[usize], w: &[f64]) -> Self {
        let roots = roots_of(rep);
        let mut by_root = vec![0.0; rep.len()];
        roots
            .iter()
            .zip(root_weights(rep, &roots, w))
            .for_each(|(&r, v)| by_root[r] = v);
        ClusterWeights(by_root)
    }

    /// Joins the clusters of roots `a` and `b`: returns `(lower, upper)` and adds the lower's
    /// weight to the upper's.
    pub(super) fn join(&mut self, a: usize, b: usize) -> (usize, usize) {
        let w = &mut self.0;
        let a_lighter = w[a] < w[b] || (w[a] == w[b] && a > b);
        let (lo, hi) = if a_lighter { (a, b) } else { (b, a) };
        w[hi] += w[lo];
        (lo, hi)
    }
}

/// `lone[c]`: component `c` is a root whose cluster holds no other component.
pub(super) fn lone_roots(rep: &[usize]) -> Vec<bool> {
    let mut members = vec![0usize; rep.len()];
    rep.iter().for_each(|&r| members[r] += 1);
    (0..rep.len())
        .map(|c| rep[c] == c && members[c] == 1)
        .collect()
}

/// Union-find over components with path halving.
fn find(root: &mut [usize], mut c: usize) -> usize {
    while root[c] != c {
        root[c] = root[root[c]];
        c = root[c];
    }
    c
}

/// Step 4 by the rule of `cfg` ([`MergeRule::Modal`]: [`super::modal`];
/// [`MergeRule::Graph`]: the persistence-based union of the module doc).
pub(crate) fn merge(g: &PppMixture, x: &Mat<f64>, cfg: &MergeConfig) -> Merged {
    let graph = MergeConfig {
        rho: cfg.graph_rho,
        rho_gauss: None,
        ..*cfg
    };
    match cfg.rule {
        MergeRule::Modal => super::modal::modal_merge(g, x, cfg),
        MergeRule::Graph => graph_merge(g, x, &graph),
        MergeRule::Auto if g.shift.len() <= GRAPH_MAX_DIM => graph_merge(g, x, &graph),
        MergeRule::Auto => super::modal::modal_merge(g, x, cfg),
    }
}

fn graph_merge(g: &PppMixture, x: &Mat<f64>, cfg: &MergeConfig) -> Merged {
    let l = landscape(g, x, cfg.q_ambig);
    let k = l.peak.len();
    let dim = g.shift.len();
    let w = &g.params.weights;
    let graph = (dim <= GRAPH_MAX_DIM && k > 1).then(|| NeighbourhoodGraph::new(g, x, &l));
    let peak = &l.peak;
    let saddle: Vec<f64> = match &graph {
        Some(ng) => knn_saddles(&ng.nn, &ng.a, &ng.mixture_density, k),
        None => l.saddle.clone(),
    };
    let sad = |c: usize, d: usize| saddle[c * k + d];
    let higher = |d: usize, c: usize| peak[d] > peak[c] || (peak[d] == peak[c] && d < c);
    // Mardia's kurtosis z of every component: the second pass, and the rules of
    // `rho_gauss` / `keep_gauss`.
    let gauss_z = if graph.is_some() || cfg.rho_gauss.is_some() || cfg.keep_gauss {
        kurtosis(g, x).z
    } else {
        vec![0.0; k]
    };
    let gauss: Vec<bool> = if cfg.rho_gauss.is_some() || cfg.keep_gauss {
        let z_max = cfg.rho_gauss.map_or(Z_GAUSS, |r| r.1);
        super::skew::gaussian_looking(g, x, &gauss_z, z_max)
    } else {
        vec![false; k]
    };
    // Pairs by decreasing saddle (ties: lower indices first).
    let edges = pairs_by_saddle(&saddle, k);
    let mut root: Vec<usize> = (0..k).collect();
    let mut parent: Vec<Option<usize>> = vec![None; k];
    let mut decision: Vec<Option<MergeDecision>> = vec![None; k];
    let mut shown: Vec<f64> = vec![f64::NEG_INFINITY; k];
    let top = &l.top;
    for &(c, d) in &edges {
        let (rc, rd) = (find(&mut root, c), find(&mut root, d));
        if rc == rd {
            continue;
        }
        let (hi, lo) = if higher(rc, rd) { (rc, rd) } else { (rd, rc) };
        let (s, ratio) = (sad(c, d), (sad(c, d) - peak[lo]).exp());
        let both = gauss[c] && gauss[d];
        let th = match cfg.rho_gauss {
            Some((rg, _)) if both => rg,
            _ => cfg.rho,
        };
        let verdict = if cfg.keep_gauss && both {
            Err(MergeDecision::KeptGaussian { ratio })
        } else if s < th.ln() + peak[lo] {
            Err(MergeDecision::Mode {
                best_ratio: Some(ratio),
            })
        } else if cfg.gap_test {
            let t: GapTest = gap_test(g, x, top, (c, d), GapLevel::Five);
            if t.gap() {
                Err(MergeDecision::KeptGap {
                    ratio,
                    dip: t.dip,
                    critical: t.critical,
                })
            } else {
                Ok(MergeDecision::Attached { ratio })
            }
        } else {
            Ok(MergeDecision::Attached { ratio })
        };
        match verdict {
            Ok(dec) => {
                // The lower root hangs under the pair's component in the higher cluster.
                let other = if rc == lo { d } else { c };
                root[lo] = hi;
                parent[lo] = Some(other);
                decision[lo] = Some(dec);
                shown[lo] = s;
            }
            Err(dec) => {
                // The first (highest) refused join of a root explains why it stays one.
                if decision[lo].is_none() {
                    decision[lo] = Some(dec);
                    shown[lo] = s;
                }
            }
        }
    }
    if let Some(ng) = &graph {
        let joins = ng.join_along_data(g, x, top, &gauss_z, cfg, &mut root);
        for j in joins {
            parent[j.lower_root] = Some(j.under);
            decision[j.lower_root] = Some(MergeDecision::JoinedAlongData { ratio: j.ratio });
            shown[j.lower_root] = j.log_saddle;
        }
    }
    let mut rep: Vec<usize> = (0..k).map(|c| find(&mut root, c)).collect();
    let mut nodes: Vec<MergeNode> = (0..k)
        .map(|c| MergeNode {
            component: c,
            parent: parent[c],
            cluster: 0,
            weight: w[c],
            fit_points: l.count[c],
            log_peak: peak[c],
            log_saddle: shown[c],
            gaussian_looking: gauss[c],
            decision: decision[c]
                .clone()
                .unwrap_or(MergeDecision::Mode { best_ratio: None }),
        })
        .collect();
    attach_small(
        &mut rep,
        &mut nodes,
        w,
        &saddle,
        &mean_surprisal(g),
        cfg.min_weight,
    );
    Merged::from_roots(rep, nodes, cfg.rho)
}

/// The pairs `(c, d)`, `c < d`, joined by a finite saddle (`K × K`, row-major), by
/// decreasing saddle (ties: lower indices first): the order both passes visit them in.
pub(super) fn pairs_by_saddle(saddle: &[f64], k: usize) -> Vec<(usize, usize)> {
    let sad = |c: usize, d: usize| saddle[c * k + d];
    let mut pairs: Vec<(usize, usize)> = (0..k)
        .flat_map(|c| (c + 1..k).map(move |d| (c, d)))
        .filter(|&(c, d)| sad(c, d).is_finite())
        .collect();
    pairs.sort_by(|&(a, b), &(c, d)| sad(c, d).total_cmp(&sad(a, b)).then((a, b).cmp(&(c, d))));
    pairs
}

/// One join of the second pass.
struct Join {
    /// Root of the lower cluster, which now hangs under the other.
    lower_root: usize,
    /// The pair's component in the higher cluster (the lower root's parent).
    under: usize,
    /// Saddle over the lower cluster's level.
    ratio: f64,
    /// The saddle (log neighbourhood density).
    log_saddle: f64,
}

/// The fit points' neighbourhood graph (at most [`GRAPH_MAX`] rows, whitened
/// coordinates) with two densities per point: the mixture's, for the first pass, and the
/// k-nearest-neighbour estimate ([`knn_density`]), for the second.
struct NeighbourhoodGraph {
    nn: Knn,
    /// Most probable component of every graph point.
    a: Vec<usize>,
    mixture_density: Vec<f64>,
    knn_density: Vec<f64>,
}

impl NeighbourhoodGraph {
    fn new(g: &PppMixture, x: &Mat<f64>, l: &Landscape) -> Self {
        let dim = g.shift.len();
        let rows = x.n_rows().min(GRAPH_MAX);
        // Points whose mixture density underflows (no component) stay out of the graph.
        let keep: Vec<usize> = (0..rows).filter(|&i| l.top[i] != usize::MAX).collect();
        let sub = Mat::from_vec(
            keep.iter().flat_map(|&i| x.row(i).to_vec()).collect(),
            keep.len(),
            dim,
        )
        .expect("sizes match");
        let (z, log_det) = whiten(g, &sub);
        // Distinct locations: duplicate rows (discrete or rounded data) would fill each
        // other's neighbour lists and leave no edge between two values.
        let sites = knn_sites(&z, KNN_K);
        let knn_density = knn_density(&z, &sites, log_det);
        NeighbourhoodGraph {
            nn: sites.nn,
            a: keep.iter().map(|&i| l.top[i]).collect(),
            mixture_density: keep.iter().map(|&i| l.dens[i]).collect(),
            knn_density,
        }
    }

    /// The second pass over the first pass's clusters (`root`, union-find, updated):
    /// pairs of components by decreasing neighbourhood saddle; two clusters join when
    /// the saddle reaches `cfg.rho` × the lower cluster's level (its components' highest
    /// median neighbourhood density — the estimate is noisy point by point, and the
    /// median is the level the bulk of a component stands at), at least one of the two
    /// components is not Gaussian-looking (|Mardia z| > [`Z_NON_GAUSSIAN`]) and their
    /// points show no gap at 1%. Returns the joins in the order made.
    ///
    /// Why: BIC cuts a thin curved or flat cluster into Gaussian pieces, and the mixture's
    /// density sags at every cut, so the first pass keeps the pieces apart; the data's own
    /// density stays level along the cluster. Pairs of Gaussian-looking components are
    /// left to the first pass, which keeps touching Gaussian clusters apart.
    fn join_along_data(
        &self,
        g: &PppMixture,
        x: &Mat<f64>,
        top: &[usize],
        gauss_z: &[f64],
        cfg: &MergeConfig,
        root: &mut [usize],
    ) -> Vec<Join> {
        let k = gauss_z.len();
        let mut per: Vec<Vec<f64>> = vec![Vec::new(); k];
        for (&c, &v) in self.a.iter().zip(&self.knn_density) {
            per[c].push(v);
        }
        let median: Vec<f64> = per
            .iter_mut()
            .map(|v| {
                if v.is_empty() {
                    return f64::NEG_INFINITY;
                }
                v.sort_by(f64::total_cmp);
                v[(v.len() - 1) / 2]
            })
            .collect();
        let mut level = vec![f64::NEG_INFINITY; k];
        for (c, &m) in median.iter().enumerate() {
            let r = find(root, c);
            level[r] = level[r].max(m);
        }
        let saddle = knn_saddles(&self.nn, &self.a, &self.knn_density, k);
        let sad = |c: usize, d: usize| saddle[c * k + d];
        let mut joins = Vec::new();
        for (c, d) in pairs_by_saddle(&saddle, k) {
            let (rc, rd) = (find(root, c), find(root, d));
            if rc == rd
                || (gauss_z[c].abs() <= Z_NON_GAUSSIAN && gauss_z[d].abs() <= Z_NON_GAUSSIAN)
            {
                continue;
            }
            let higher = level[rc] > level[rd] || (level[rc] == level[rd] && rc < rd);
            let (hi, lo) = if higher { (rc, rd) } else { (rd, rc) };
            let s = sad(c, d);
            if s < cfg.rho.ln() + level[lo] {
                continue;
            }
            if cfg.gap_test && gap_test(g, x, top, (c, d), GapLevel::One).gap() {
                continue;
            }
            root[lo] = hi;
            level[hi] = level[hi].max(level[lo]);
            joins.push(Join {
                lower_root: lo,
                under: if rc == lo { d } else { c },
                ratio: (s - level[lo]).exp(),
                log_saddle: s,
            });
        }
        joins
    }
}

/// The component outside `c_root`'s cluster under which a mean of `c_root`'s components
/// is most likely (`near`: [`mean_surprisal`]), for a light cluster that shares a
/// boundary with nobody.
fn nearest_component(rep: &[usize], c_root: usize, near: &[f64]) -> Option<usize> {
    let k = rep.len();
    let mut best: Option<(usize, f64)> = None;
    for a in (0..k).filter(|&a| rep[a] == c_root) {
        for b in (0..k).filter(|&b| rep[b] != c_root) {
            let dist = near[a * k + b];
            if dist.is_finite() && best.is_none_or(|(_, bd)| dist < bd) {
                best = Some((b, dist));
            }
        }
    }
    best.map(|(b, _)| b)
}

/// Repeatedly attaches the lightest cluster (weight < `tau`; ties → lowest root index) to
/// the cluster it shares the highest saddle with; a light cluster that shares a boundary
/// with no other goes to the cluster of the weighted component under which its mean is
/// most likely (`near`: [`mean_surprisal`]; a light cluster with no finite entry there
/// stays as it is). Stops when every remaining light cluster is isolated.
pub(crate) fn attach_small(
    rep: &mut [usize],
    nodes: &mut [MergeNode],
    w: &[f64],
    saddle: &[f64],
    near: &[f64],
    tau: f64,
) {
    let k = rep.len();
    // Light roots that share a boundary with no other cluster: they stay, and the next
    // lightest is tried (an isolated speck must not shield the light clusters after it).
    let mut isolated: Vec<usize> = Vec::new();
    loop {
        let roots = roots_of(rep);
        if roots.len() <= 1 {
            return;
        }
        let ws = root_weights(rep, &roots, w);
        let mut light: Option<usize> = None;
        for i in (0..roots.len()).filter(|&i| !isolated.contains(&roots[i])) {
            if light.is_none_or(|l| ws[i] < ws[l]) {
                light = Some(i);
            }
        }
        let Some(light) = light.filter(|&l| ws[l] < tau) else {
            return;
        };
        let c_root = roots[light];
        let mut best: Option<(usize, f64)> = None;
        for &d_root in roots.iter().filter(|&&r| r != c_root) {
            let mut s = f64::NEG_INFINITY;
            for a in (0..k).filter(|&a| rep[a] == c_root) {
                for b in (0..k).filter(|&b| rep[b] == d_root) {
                    s = s.max(saddle[a * k + b]);
                }
            }
            if s.is_finite() && best.is_none_or(|(_, bs)| s > bs) {
                best = Some((d_root, s));
            }
        }
        // By the highest saddle, else (touching nobody) by the nearest mean.
        let target = match best {
            Some((d_root, s)) => {
                let under = (0..k).find(|&b| {
                    rep[b] == d_root && (0..k).any(|a| rep[a] == c_root && saddle[a * k + b] == s)
                });
                Some((d_root, s, under))
            }
            None => {
                nearest_component(rep, c_root, near).map(|b| (rep[b], f64::NEG_INFINITY, Some(b)))
            }
        };
        let Some((d_root, s, under)) = target else {
            isolated.push(c_root);
            continue;
        };
        nodes[c_root].parent = under;
        nodes[c_root].log_saddle = s;
        nodes[c_root].decision = MergeDecision::SmallCluster { weight: ws[light] };
        for r in rep.iter_mut() {
            if *r == c_root {
                *r = d_root;
            }
        }
    }
}
