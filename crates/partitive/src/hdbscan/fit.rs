//! The fit: data checks, then tree (or matrix) → core distances → MST → single-linkage
//! tree → condensed tree → selection and scores.

use super::boruvka::{self, Edge};
use super::condense;
use super::knn;
use super::linkage;
use super::metric::{Chebyshev, CosineUnit, Euclid, Manhattan, TreeMetric};
use super::model::{HdbscanModel, Index, TreeIndex};
use super::params::{HdbscanMetric, HdbscanParams, HdbscanProgress, HdbscanStage};
use super::predict::Lookup;
use super::prim;
use super::select::{self, SelectOptions};
use super::soft::SoftData;
use super::tree::{self, KdTree};
use crate::dissimilarity::DenseMatrix;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::MatRef;
use rayon::prelude::*;

/// What the metric-specific front half hands to the hierarchy.
struct Spanning {
    /// MST edges; endpoints are rows, `w` and `d` comparable (reduced) values.
    edges: Vec<Edge>,
    /// Content rank of each row.
    rank: Vec<u32>,
    /// Core distance of each row, metric units.
    core: Vec<f64>,
    index: Index,
    /// Reduced value → metric distance in the units of the rows the tree holds.
    dist: fn(f64) -> f64,
    /// The tree holds the rows × `2^scale` (see [`safe_scale`]); 0 for none.
    scale: i32,
}

/// The largest magnitude of the rows the tree is built on must lie in `[2^−SAFE,
/// 2^SAFE]`: squared differences of such rows neither overflow nor underflow (to
/// subnormals) in `f64`, for any number of columns a matrix can have.
const SAFE: i32 = 60;

/// `e` such that `rows × 2^e` lie in the safe range (largest magnitude in `[1, 2)`), or 0
/// when they already do. Issue 17: values near `1e155` overflow squared distances to
/// `∞` (every edge would tie), values near `1e-160` underflow them to 0.
///
/// Multiplying by a power of two is exact, and so is every step after it: a squared
/// distance of the scaled rows is the unscaled one × `4^e`, its square root × `2^e`, a
/// sum of absolute differences × `2^e`, a box bound likewise — barring over- or
/// underflow, which is what the scaling prevents. Every comparison of the search, and
/// so every edge and tie, is the one the unscaled rows would give, and the distances
/// mapped back (`× 2^−e`) are bitwise those of the unscaled arithmetic wherever that
/// arithmetic is finite and normal.
fn safe_scale(rows: &[f64]) -> i32 {
    let amax = rows
        .par_iter()
        .fold(|| 0.0f64, |m, v| m.max(v.abs()))
        .reduce(|| 0.0, f64::max);
    crate::scale::exponent_outside(amax, -SAFE, SAFE).unwrap_or(0)
}

/// `v × 2^e` (exact barring over- or underflow); `v` itself for `e = 0`.
pub(crate) fn ldexp(v: f64, e: i32) -> f64 {
    if e == 0 {
        v
    } else {
        crate::scale::ldexp(v, e)
    }
}

fn progress(
    observer: &mut dyn FnMut(&HdbscanProgress),
    stage: HdbscanStage,
    done: usize,
    total: usize,
) {
    observer(&HdbscanProgress { stage, done, total });
}

/// Ranks of the rows in lexicographic order of their values (identical rows by
/// position): the content tie-break of every edge comparison.
pub(crate) fn content_rank<T: Float>(x: MatRef<'_, T>) -> Vec<u32> {
    let n = x.n_rows();
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.par_sort_unstable_by(|&a, &b| {
        let (ra, rb) = (x.row(a as usize), x.row(b as usize));
        for (u, v) in ra.iter().zip(rb) {
            let c = u.as_f64().total_cmp(&v.as_f64());
            if c.is_ne() {
                return c;
            }
        }
        a.cmp(&b)
    });
    let mut rank = vec![0u32; n];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    rank
}

pub(crate) fn fit<T: Float>(
    p: &HdbscanParams,
    x: MatRef<'_, T>,
    observer: &mut dyn FnMut(&HdbscanProgress),
) -> Result<HdbscanModel> {
    let n = x.n_rows();
    if n == 0 {
        return Err(Error::data("no rows"));
    }
    if x.n_cols() == 0 {
        return Err(Error::data("no columns"));
    }
    if n >= u32::MAX as usize - 1 {
        return Err(Error::data(format!("too many rows ({n})")));
    }
    if p.min_cluster_size > n {
        return Err(Error::param(
            "min_cluster_size",
            format!(
                "{} is larger than the number of rows ({n})",
                p.min_cluster_size
            ),
        ));
    }
    let min_samples = match p.min_samples {
        Some(m) if m >= n => {
            return Err(Error::param(
                "min_samples",
                format!("{m} must be less than the number of rows ({n})"),
            ))
        }
        Some(m) => m,
        None => p.min_cluster_size.min(n - 1),
    };
    let stop = &p.interrupt;
    stop.check()?;
    progress(observer, HdbscanStage::Tree, 0, 1);
    let sp = match p.metric {
        HdbscanMetric::Precomputed => spanning_dense(p, x, min_samples, observer)?,
        HdbscanMetric::Euclidean => spanning_tree::<Euclid, T>(p, x, min_samples, observer)?,
        HdbscanMetric::Manhattan => spanning_tree::<Manhattan, T>(p, x, min_samples, observer)?,
        HdbscanMetric::Chebyshev => spanning_tree::<Chebyshev, T>(p, x, min_samples, observer)?,
        HdbscanMetric::Cosine => spanning_tree::<CosineUnit, T>(p, x, min_samples, observer)?,
    };
    stop.check()?;
    progress(observer, HdbscanStage::Hierarchy, 0, 1);
    let (dist, scale) = (sp.dist, sp.scale);
    let sl = linkage::single_linkage(n, sp.edges, &sp.rank, |w| ldexp(dist(w), -scale));
    let ct = condense::condense(&sl, p.min_cluster_size);
    let opts = SelectOptions {
        method: p.cluster_selection_method,
        allow_single_cluster: p.allow_single_cluster,
        epsilon: p.cluster_selection_epsilon,
        max_cluster_size: p.max_cluster_size,
    };
    let flat = select::flat(&ct, &opts);
    let nc = ct.clusters.len();
    let mut label_of: Vec<Option<usize>> = vec![None; nc];
    for c in 0..nc {
        label_of[c] = match flat.selected.binary_search(&c) {
            Ok(i) => Some(i),
            Err(_) => ct.clusters[c].parent.and_then(|q| label_of[q]),
        };
    }
    let death = select::deaths(&ct);
    let lookup = Lookup {
        label_of,
        root_threshold: if p.cluster_selection_epsilon > 0.0 {
            1.0 / p.cluster_selection_epsilon
        } else {
            death[0]
        },
        death,
        selected: flat.selected.clone(),
    };
    let soft = SoftData::new(&ct, &flat.selected);
    progress(observer, HdbscanStage::Done, 1, 1);
    Ok(HdbscanModel {
        n_clusters: flat.selected.len(),
        cluster_stabilities: flat.selected.iter().map(|&c| flat.stability[c]).collect(),
        selected_clusters: flat.selected,
        labels: flat.labels,
        probabilities: flat.probabilities,
        outlier_scores: flat.outlier_scores,
        core_distances: sp.core,
        condensed_tree: ct,
        single_linkage_tree: sl,
        min_samples,
        metric: p.metric,
        lookup,
        soft,
        index: sp.index,
    })
}

fn spanning_tree<M: TreeMetric, T: Float>(
    p: &HdbscanParams,
    x: MatRef<'_, T>,
    min_samples: usize,
    observer: &mut dyn FnMut(&HdbscanProgress),
) -> Result<Spanning> {
    x.check_finite()?;
    let (n, d) = (x.n_rows(), x.n_cols());
    let rank_row = content_rank(x);
    let mut rows = tree::rows_f64(x, p.metric == HdbscanMetric::Cosine)?;
    let scale = safe_scale(&rows);
    if scale != 0 {
        rows.par_iter_mut().for_each(|v| *v = ldexp(*v, scale));
    }
    let leaf = p
        .leaf_size
        .unwrap_or_else(|| super::params::auto_leaf_size(d));
    let t = KdTree::build(rows, n, d, leaf);
    progress(observer, HdbscanStage::CoreDistances, 0, n);
    p.interrupt.check()?;
    let stop = || p.interrupt.is_triggered();
    let cd = knn::core_distances::<M>(&t, min_samples, &stop)?;
    let rank: Vec<u32> = t.index().iter().map(|&r| rank_row[r as usize]).collect();
    progress(observer, HdbscanStage::SpanningTree, 0, n - 1);
    let mut observe = |_round: usize, components: usize| {
        p.interrupt.check()?;
        progress(observer, HdbscanStage::SpanningTree, n - components, n - 1);
        Ok(())
    };
    let edges = boruvka::mst::<M>(
        &t,
        &cd.core,
        &cd.neighbours,
        cd.keep,
        &rank,
        &mut observe,
        &stop,
    )?;
    let index = t.index();
    let edges = edges
        .into_iter()
        .map(|e| Edge {
            a: index[e.a as usize],
            b: index[e.b as usize],
            ..e
        })
        .collect();
    let mut core = vec![0.0; n];
    let mut pos_of_row = vec![0u32; n];
    for (pos, &r) in index.iter().enumerate() {
        core[r as usize] = ldexp(M::dist(cd.core[pos]), -scale);
        pos_of_row[r as usize] = pos as u32;
    }
    let mut node_core = Vec::new();
    t.fold_nodes(
        |r| cd.core[r].iter().copied().fold(f64::INFINITY, f64::min),
        f64::min,
        &mut node_core,
    );
    Ok(Spanning {
        edges,
        rank: rank_row,
        core,
        index: Index::Tree(Box::new(TreeIndex {
            tree: t,
            core: cd.core,
            node_core,
            rank,
            pos_of_row,
            scale,
        })),
        dist: M::dist,
        scale,
    })
}

fn spanning_dense<T: Float>(
    p: &HdbscanParams,
    x: MatRef<'_, T>,
    min_samples: usize,
    observer: &mut dyn FnMut(&HdbscanProgress),
) -> Result<Spanning> {
    DenseMatrix::new(x)?;
    let n = x.n_rows();
    progress(observer, HdbscanStage::CoreDistances, 0, n);
    let core = prim::core_distances(x, min_samples, &|| p.interrupt.is_triggered())?;
    progress(observer, HdbscanStage::SpanningTree, 0, n - 1);
    let mut observe = |step: usize, total: usize| {
        p.interrupt.check()?;
        progress(observer, HdbscanStage::SpanningTree, step, total - 1);
        Ok(())
    };
    let edges = prim::mst(x, &core, &mut observe)?;
    Ok(Spanning {
        edges,
        rank: (0..n as u32).collect(),
        core: core.clone(),
        index: Index::Precomputed { core },
        dist: |w| w,
        scale: 0,
    })
}
