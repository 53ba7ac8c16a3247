//! The driver: steps 0–5 in order, with progress reports.

use super::birth::births;
use super::graph::local_excess;
use super::many::{escape, many_sweep, MANY_GROW_POINTS, MANY_MIN_POINTS, MANY_SAMPLE_MAX};
use super::merge::{log_density, merge, MergeConfig, GRAPH_MAX_DIM};
use super::params::PppParams;
use super::params::FINE_EXCESS;
use super::params::SAMPLE_GROWTH;
use super::reproduce::reproducibility;
use super::result::{PppDiagnostics, PppModel, PppProgress, PppResult, PppStage, SelectedModel};
use super::sample::{fit_sample, ridge, varying_columns, FitSample};
use super::select::{sweep, FitData, Sweep};
use super::stream::AssignScan;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::gmm::CovarianceType;
use crate::matrix::{Mat, MatRef};

/// Range `[2^lo, 2^hi]` of the fit sample's largest magnitude the structure search
/// takes as it is (see [`PppModel::input_exponent`]).
const SAFE_EXP: (i32, i32) = (-100, 100);

fn report(
    obs: &mut dyn FnMut(&PppProgress),
    stage: PppStage,
    k: usize,
    best_k: usize,
    rows: usize,
) {
    obs(&PppProgress {
        stage,
        k,
        best_k,
        rows_done: rows,
    });
}

pub(crate) fn fit<T: Float>(
    p: &PppParams,
    x: MatRef<'_, T>,
    obs: &mut dyn FnMut(&PppProgress),
) -> Result<PppResult> {
    p.validate()?;
    let (n, d) = (x.n_rows(), x.n_cols());
    if n == 0 {
        return Err(Error::data("no rows"));
    }
    if d == 0 {
        return Err(Error::data("no columns"));
    }
    x.check_finite()?;
    report(obs, PppStage::Sample, 0, 0, 0);
    let cols = varying_columns(x);
    let sample = (!cols.is_empty()).then(|| fit_sample(x, &cols, p.sample_max));
    let grow_cols = cols.clone();
    let mut grow = |m: usize| Ok(fit_sample(x, &grow_cols, m));
    let st = structure(p, n, d, cols, sample, &mut grow, obs)?;
    report(
        obs,
        PppStage::Assign,
        st.selected.k_proposal,
        st.selected.k_proposal,
        0,
    );
    let mut scan = AssignScan::new(&st.model, n);
    scan.push(x);
    let assigned = scan.finish()?;
    finish(p, st, assigned, obs)
}

/// Steps 0–4: the model and its decision record, before any row is assigned.
pub(crate) struct Structure {
    pub model: PppModel,
    pub selected: SelectedModel,
    pub bic_path: Vec<super::result::BicPathEntry>,
    pub forest: Vec<super::result::MergeNode>,
    pub merge_rho: f64,
    pub n_fit: usize,
    pub diagnostics: PppDiagnostics,
    pub stability: Option<super::result::PppStability>,
}

/// The assignment pass over all `n` rows: labels and confidences in row order, rows and
/// coordinate sums per (not yet renumbered) cluster.
pub(crate) struct Assigned {
    pub labels: Vec<usize>,
    pub confidence: Vec<f64>,
    pub sizes: Vec<usize>,
    pub sums: Vec<f64>,
}

/// Steps 1–4 on the fit sample (`None` when no column varies).
pub(crate) fn structure(
    p: &PppParams,
    n: usize,
    d: usize,
    cols: Vec<usize>,
    sample: Option<FitSample>,
    grow: &mut dyn FnMut(usize) -> Result<FitSample>,
    obs: &mut dyn FnMut(&PppProgress),
) -> Result<Structure> {
    let mut diagnostics = PppDiagnostics {
        dropped_columns: (0..d).filter(|j| !cols.contains(j)).collect(),
        ..Default::default()
    };
    let (model, selected, bic_path, forest, merge_rho, n_fit, stability) =
        if cols.is_empty() || sample.is_none() {
            let model = PppModel {
                n_features: d,
                kept_columns: cols,
                mixture: None,
                component_cluster: vec![0],
                n_clusters: 1,
                input_exponent: 0,
                reproducibility: Vec::new(),
                cluster_modes: vec![0],
            };
            let sel = SelectedModel {
                k_proposal: 1,
                covariance_type: CovarianceType::Full,
                n_components: 1,
                bic: f64::NAN,
                log_likelihood: f64::NAN,
            };
            (
                model,
                sel,
                Vec::new(),
                Vec::new(),
                p.rho,
                n.min(p.sample_max),
                None,
            )
        } else {
            // Steps 2-3 on the fit sample. When the selection presses against the cap ⌊√m⌋
            // (the path reached it before the patience rule confirmed the best k), the
            // sample grows ×SAMPLE_GROWTH (the first rows in hash order: a superset) and the
            // many-cluster search (`many_sweep`: cap m / MANY_MIN_POINTS, O(log k) fits)
            // resumes from the best k so far; the sample keeps growing while it holds fewer
            // than MANY_GROW_POINTS points per selected component. In at most three dims it
            // also grows while its points clump FINE_EXCESS nats denser than the selected
            // mixture says (a handful of points from each of many small clusters), probing
            // every k up to the cap on each grown sample.
            let mut next = sample;
            let mut k_lo = 1;
            let mut done: Option<(FitSample, i32, Sweep)> = None;
            while let Some(mut sample) = next.take() {
                // Data of extreme magnitude: the structure is searched on the sample × 2^e.
                let amax = crate::scale::max_abs(sample.x.as_slice());
                let e = crate::scale::exponent_outside(amax, SAFE_EXP.0, SAFE_EXP.1).unwrap_or(0);
                if e != 0 {
                    crate::scale::scale_mat(&mut sample.x, e);
                }
                let (reg, shift) = ridge(&sample.x, p.eps_reg);
                let fd = FitData {
                    x: &sample.x,
                    reg: &reg,
                    shift: &shift,
                };
                let found = if k_lo == 1 {
                    sweep(&fd, p, 1, obs)?
                } else {
                    // On the rows of the previous search its BIC is compared with this
                    // one's: the same ridge for both. On a grown sample the ridge shrinks
                    // with k (`many::ridge_factor`).
                    let grown = done
                        .as_ref()
                        .is_none_or(|(s, _, _)| s.x.n_rows() < sample.x.n_rows());
                    many_sweep(&fd, p, k_lo, grown, obs)?
                };
                let Some(sw) = found else {
                    break;
                };
                let m = sample.x.n_rows();
                diagnostics.fit_sample_sizes.push(m);
                let pressed = if k_lo == 1 {
                    sw.at_cap
                } else {
                    sw.at_cap || sw.best_k.saturating_mul(MANY_GROW_POINTS) > m
                };
                let lim = n.min(MANY_SAMPLE_MAX).max(m);
                let free = p.grow_sample && p.k_cap.is_none();
                // Structure below the mixture's scale (few dims, rows left to draw): the
                // points clump FINE_EXCESS nats denser than the selected mixture says — many
                // small clusters of which the sample holds a few points each.
                let fine = free
                    && !pressed
                    && m < lim
                    && shift.len() <= GRAPH_MAX_DIM
                    && local_excess(
                        &sw.best.mixture,
                        &sample.x,
                        &log_density(&sw.best.mixture, &sample.x),
                    )
                    .is_some_and(|e| e > FINE_EXCESS);
                diagnostics.fine_structure |= fine;
                // A patience stop on the first sample (or fine structure): do partitions
                // further up beat the best BIC (a long plateau, see `escape`)?
                let escaped = if free && !pressed && (k_lo == 1 || fine) {
                    escape(&fd, p, sw.last_k, sw.best_bic, fine, obs)?
                } else {
                    None
                };
                // Pressed on a sample that cannot grow (it holds every row already): the
                // many-cluster search still runs once on the same rows, where its cap
                // m / MANY_MIN_POINTS is above the sweep's ⌊√m⌋ (m > 625).
                let wider = m / MANY_MIN_POINTS > (m as f64).sqrt() as usize;
                let search_more = pressed && (m < lim || (k_lo == 1 && wider));
                if free && (search_more || escaped.is_some() || fine) {
                    k_lo = escaped.unwrap_or(sw.best_k).max(2);
                    next = Some(grow(lim.min(m.saturating_mul(SAMPLE_GROWTH)))?);
                }
                // On the same rows the BICs compare: a later search is kept only if it beats
                // the earlier one (a grown sample's search always replaces its predecessor's).
                let same_rows = done.as_ref().is_some_and(|(s, _, _)| s.x.n_rows() == m);
                let worse = done
                    .as_ref()
                    .is_some_and(|(_, _, b)| b.best_bic <= sw.best_bic);
                if !(same_rows && worse) {
                    done = Some((sample, e, sw));
                }
            }
            let (sample, e, mut sw) = done.expect("the first sweep starts at k = 1");
            // Dense cores no k-means proposal isolated (`birth.rs`): beyond the graph
            // rule's dimensions, on the first sample's search.
            let (reg, shift) = ridge(&sample.x, p.eps_reg);
            if cols.len() > GRAPH_MAX_DIM && sw.ridge_scale == 1.0 {
                let fd = FitData {
                    x: &sample.x,
                    reg: &reg,
                    shift: &shift,
                };
                if let Some(b) = births(&fd, p, &sw.best, sw.best_bic)? {
                    diagnostics.births = b.born;
                    sw.best = b.fit;
                    sw.best_bic = b.bic;
                }
            }
            diagnostics.regularized = std::mem::take(&mut sw.regularized);
            diagnostics.em_not_converged = std::mem::take(&mut sw.not_converged);
            diagnostics.full_covariance_skipped = sw.full_skipped;
            report(obs, PppStage::Merge, sw.best_k, sw.best_k, 0);
            let m = sample.x.n_rows();
            let min_weight = p
                .min_cluster_size
                .map_or(default_min_points(cols.len(), m) / m as f64, |s| {
                    s as f64 / n as f64
                });
            let rho_gauss = p.rho_gauss.map(|r| (r, p.z_gauss));
            let merged = merge(
                &sw.best.mixture,
                &sample.x,
                &MergeConfig {
                    rho: p.rho,
                    q_ambig: p.q_ambig,
                    min_weight,
                    rho_gauss,
                    keep_gauss: p.gauss_keep_min_dim.is_some_and(|m| cols.len() >= m),
                    gap_test: p.gap_test,
                    rule: p.merge_rule,
                    graph_rho: p.graph_rho,
                },
            );
            // How reproducible each cluster is on the halves of the fit sample (the ridge
            // of the selected fit).
            let reg: Vec<f64> = reg.iter().map(|r| r * sw.ridge_scale).collect();
            let reproducibility = reproducibility(
                p,
                &sample.x,
                &reg,
                &sw.best.mixture,
                &merged.component_cluster,
                merged.n_clusters,
            )?;
            let g = sw.best.mixture;
            let cluster_modes = merged.modes();
            // Likelihoods and densities reported in the data's units: the scaling by 2^e
            // adds e·d·ln 2 to every log density (its Jacobian).
            let m = sample.x.n_rows() as f64;
            let jac = e as f64 * cols.len() as f64 * std::f64::consts::LN_2;
            let mut forest = merged.forest;
            if e != 0 {
                for r in &mut sw.path {
                    r.log_likelihood += m * jac;
                    r.bic -= 2.0 * m * jac;
                }
                for node in &mut forest {
                    node.log_peak += jac;
                    node.log_saddle += jac;
                }
            }
            let sel = SelectedModel {
                k_proposal: sw.best_k,
                covariance_type: g.covariance_type,
                n_components: g.params.weights.len(),
                bic: sw.best_bic - 2.0 * m * jac,
                log_likelihood: sw.best.loglik + m * jac,
            };
            let model = PppModel {
                n_features: d,
                kept_columns: cols,
                mixture: Some(g),
                component_cluster: merged.component_cluster,
                n_clusters: merged.n_clusters,
                input_exponent: e,
                reproducibility,
                cluster_modes,
            };
            let n_fit = sample.x.n_rows();
            let stability = if p.stability {
                // The halves are cut from the sample in the data's units.
                let mut xs = sample.x;
                if e != 0 {
                    crate::scale::scale_mat(&mut xs, -e);
                }
                super::stability::stability(p, n, d, &model.kept_columns, &xs, &model)?
            } else {
                None
            };
            (model, sel, sw.path, forest, merged.rho, n_fit, stability)
        };
    Ok(Structure {
        model,
        selected,
        bic_path,
        forest,
        merge_rho,
        n_fit,
        diagnostics,
        stability,
    })
}

/// Step 5's bookkeeping once every row is assigned: dense cluster numbering, sizes,
/// centroids, confidence summaries.
pub(crate) fn finish(
    p: &PppParams,
    st: Structure,
    assigned: Assigned,
    obs: &mut dyn FnMut(&PppProgress),
) -> Result<PppResult> {
    let Structure {
        mut model,
        selected,
        bic_path,
        mut forest,
        merge_rho,
        n_fit,
        mut diagnostics,
        stability,
    } = st;
    let Assigned {
        mut labels,
        confidence,
        sizes,
        sums,
    } = assigned;
    let (n, d) = (labels.len(), model.n_features);
    report(
        obs,
        PppStage::Assign,
        selected.k_proposal,
        selected.k_proposal,
        n,
    );
    // Renumber densely over non-empty clusters (order kept).
    let mut map = vec![usize::MAX; model.n_clusters];
    let mut next = 0;
    for (c, &s) in sizes.iter().enumerate() {
        if s > 0 {
            map[c] = next;
            next += 1;
        }
    }
    diagnostics.empty_clusters_removed = model.n_clusters - next;
    if next < model.n_clusters {
        labels.iter_mut().for_each(|l| *l = map[*l]);
        for (c, node) in model.component_cluster.iter_mut().zip(forest.iter_mut()) {
            // A component of an empty cluster keeps an id past the last cluster only if
            // no row can reach it; map it to the nearest valid id for safety.
            *c = if map[*c] == usize::MAX { 0 } else { map[*c] };
            node.cluster = *c;
        }
        model.n_clusters = next;
    }
    let k = model.n_clusters;
    let mut centroids = Mat::filled(k, d, 0.0);
    let mut cluster_sizes = vec![0; k];
    for c in 0..sizes.len() {
        if sizes[c] > 0 {
            let t = map[c];
            cluster_sizes[t] = sizes[c];
            for j in 0..d {
                // (Sums of the scaled rows: see `AssignScan`.)
                centroids.row_mut(t)[j] =
                    crate::scale::ldexp(sums[c * d + j] / sizes[c] as f64, -model.input_exponent);
            }
        }
    }
    let mut cluster_reproducibility = vec![1.0; k];
    for (&c, &r) in model.component_cluster.iter().zip(&model.reproducibility) {
        cluster_reproducibility[c] = r;
    }
    let n_separable = confidence.iter().filter(|&&c| c >= p.tau).count();
    let mean_confidence = confidence.iter().sum::<f64>() / n as f64;
    report(
        obs,
        PppStage::Done,
        selected.k_proposal,
        selected.k_proposal,
        n,
    );
    Ok(PppResult {
        model,
        k,
        labels,
        confidence,
        tau: p.tau,
        n_separable,
        clusterability: n_separable as f64 / n as f64,
        mean_confidence,
        cluster_reproducibility,
        cluster_sizes,
        centroids,
        n_fit,
        bic_path,
        selected,
        merge_forest: forest,
        merge_rho,
        diagnostics,
        stability,
    })
}

/// The default minimum cluster size in fit-sample points: `d + 1` — fewer span no
/// `d`-dimensional cluster (their covariance is singular and no shape test applies) —
/// where the `m` fit rows could hold two such clusters; below that (wide data with few
/// rows) the rule would forbid every split, and there is no minimum.
pub(super) fn default_min_points(d: usize, m: usize) -> f64 {
    if m >= 2 * (d + 1) {
        (d + 1) as f64
    } else {
        1.0
    }
}
