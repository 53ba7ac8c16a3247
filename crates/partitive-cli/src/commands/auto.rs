//! `partitive auto`: PPP-auto, k found by itself.

use crate::cli::AutoArgs;
use crate::common::{self, Precision};
use crate::outputs::{self, Holds, OutputPlan};
use crate::plot::{self, Curve, Figure};
use crate::progress::Progress;
use anyhow::{Context, Result};
use partitive::ppp::{MergeNode, Ppp, PppResult, PppStage};
use partitive::{Float, MatRef};
use serde_json::{json, Value};
use std::time::Instant;

/// The labels `partitive auto` gives `x` with default parameters (used by `evaluate`).
pub fn cluster_labels(x: MatRef<'_, f64>) -> Result<Vec<usize>> {
    Ok(Ppp::params().fit(x)?.labels)
}

pub fn run(args: AutoArgs) -> Result<()> {
    if args.stream && args.plot_out.is_some() {
        anyhow::bail!(
            "--plot-out cannot be combined with --stream (the plot needs every row in memory)"
        );
    }
    let mut plan = outputs::plan(&args.input, &args.run)
        .output("--labels-out", args.labels_out.as_deref(), Holds::Labels)
        .output("--tree-out", args.tree_out.as_deref(), Holds::Json)
        .output("--plot-out", args.plot_out.as_deref(), Holds::Plot)
        .output(
            "--confidence-out",
            args.confidence_out.as_deref(),
            Holds::Matrix,
        )
        .build()?;
    match common::precision(&args.input)? {
        Precision::F32 => run_typed::<f32>(&args, &mut plan, Precision::F32),
        Precision::F64 => run_typed::<f64>(&args, &mut plan, Precision::F64),
    }
}

/// Rows per chunk when streaming (a multiple of the library's chunk size).
const STREAM_ROWS: usize = 1 << 16;

fn run_typed<T: Float>(args: &AutoArgs, plan: &mut OutputPlan, precision: Precision) -> Result<()> {
    let t0 = Instant::now();
    let opts = common::read_options(&args.input)?;
    let data = if args.stream {
        None
    } else {
        Some(common::read_data::<T>(&args.input, &opts)?)
    };
    let read_seconds = t0.elapsed().as_secs_f64();

    let params = Ppp::params().min_cluster_size(args.min_cluster_size);
    let progress = Progress::new(args.run.quiet, 1, "auto");
    let t1 = Instant::now();
    let n_known = data.as_ref().map_or(0, |m| m.view().n_rows() as u64);
    let mut observe = |p: &partitive::ppp::PppProgress| match p.stage {
        PppStage::Sample => progress.update(0, 1, || "sampling".to_string()),
        PppStage::Propose => progress.update(0, 1, || {
            format!("sweep k = {} (best so far k = {})", p.k, p.best_k)
        }),
        PppStage::Merge => progress.update(0, 1, || "merging components".to_string()),
        PppStage::Assign if n_known > 0 => {
            progress.update(p.rows_done as u64, n_known, || "assigning rows".to_string())
        }
        PppStage::Assign => progress.update(0, 1, || format!("assigned {} rows", p.rows_done)),
        PppStage::Done => {}
    };
    let result = match &data {
        Some(m) => common::with_threads(&args.run, || params.fit_observed(m.view(), &mut observe))?
            .with_context(|| format!("auto on {}", args.input.input.display()))?,
        None => {
            let path = &args.input.input;
            let mut pass = |f: &mut dyn FnMut(MatRef<'_, T>)| -> Result<()> {
                partitive_io::for_each_chunk::<T>(path, &opts, STREAM_ROWS, |m| {
                    f(m);
                    Ok(())
                })
                .map_err(|e| common::input_error(&args.input, e))?;
                Ok(())
            };
            common::with_threads(&args.run, || params.fit_passes(&mut pass, &mut observe))??
        }
    };
    progress.finish();
    if result.diagnostics.full_covariance_skipped && !args.run.quiet {
        eprintln!(
            "partitive: note: full-covariance mixtures skipped ({} columns for {} fit rows: \
             they would be singular); spherical mixtures only",
            result.model.kept_columns.len(),
            result.n_fit
        );
    }
    let fit_seconds = t1.elapsed().as_secs_f64();
    let (n, d) = (result.labels.len(), result.model.n_features);

    let t2 = Instant::now();
    plan.labels("--labels-out", &result.labels)?;
    if plan.wants("--confidence-out") {
        let c = partitive::Mat::from_vec(result.confidence.clone(), result.confidence.len(), 1)?;
        plan.matrix("--confidence-out", c.view(), None)?;
    }
    if plan.wants("--tree-out") {
        plan.json("--tree-out", &record(&result))?;
    }
    if let (Some(format), Some(m)) = (plan.plot_format("--plot-out"), &data) {
        plan.plot(
            "--plot-out",
            &plot::render(&figure(m.view(), &result), format)?,
        )?;
    }
    let write_seconds = t2.elapsed().as_secs_f64();

    let summary = json!({
        "command": "auto",
        "input": args.input.input.display().to_string(),
        "n": n,
        "d": d,
        "streamed": args.stream,
        "dtype": precision.name(),
        "k": result.k,
        "cluster_sizes": result.cluster_sizes,
        "clusterability": result.clusterability,
        "clusterability_definition": "share of rows whose cluster posterior is at least tau (the separable set)",
        "tau": result.tau,
        "n_separable": result.n_separable,
        "mean_confidence": result.mean_confidence,
        "n_components": result.selected.n_components,
        "selected": {
            "k_proposal": result.selected.k_proposal,
            "covariance": result.selected.covariance_type.name(),
            "bic": result.selected.bic,
        },
        "n_fit": result.n_fit,
        "seconds": read_seconds + fit_seconds + write_seconds,
        "timings": { "read": read_seconds, "fit": fit_seconds, "write": write_seconds },
    });
    plan.json("--summary-out", &summary)?;
    plan.commit()?;
    if !args.run.quiet {
        plan.say(&format!(
            "auto: n={} d={} k={} clusterability={:.3} (separable {} of {} at tau={}) sizes={:?} ({:.3} s)",
            n,
            d,
            result.k,
            result.clusterability,
            result.n_separable,
            n,
            result.tau,
            result.cluster_sizes,
            read_seconds + fit_seconds + write_seconds
        ));
    }
    Ok(())
}

fn node(n: &MergeNode, rho: f64) -> Value {
    json!({
        "component": n.component,
        "parent": n.parent,
        "cluster": n.cluster,
        "weight": n.weight,
        "fit_points": n.fit_points,
        "log_peak": finite(n.log_peak),
        "log_saddle": finite(n.log_saddle),
        "decision": match n.parent { Some(_) => "merged", None => "cluster" },
        "reason": n.decision.reason(rho),
    })
}

fn finite(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

/// The explainable record: every (k, covariance) validated, the selection, the merge
/// forest with each decision's reason, and the clusters.
fn record(r: &PppResult) -> Value {
    let rho = partitive::ppp::RHO;
    json!({
        "method": "PPP-auto: deterministic k-means path proposals, Gaussian-mixture (BIC) validation, modal merge",
        "k": r.k,
        "n_fit": r.n_fit,
        "bic_path": r.bic_path.iter().map(|e| json!({
            "k": e.k, "covariance": e.covariance_type.name(), "n_components": e.n_components,
            "bic": e.bic, "log_likelihood": e.log_likelihood, "em_iterations": e.em_iterations,
        })).collect::<Vec<_>>(),
        "selected": {
            "k_proposal": r.selected.k_proposal, "covariance": r.selected.covariance_type.name(),
            "n_components": r.selected.n_components, "bic": r.selected.bic, "log_likelihood": r.selected.log_likelihood,
        },
        "merge_forest": r.merge_forest.iter().map(|n| node(n, rho)).collect::<Vec<_>>(),
        "clusters": (0..r.k).map(|c| json!({
            "cluster": c, "size": r.cluster_sizes[c], "centroid": r.centroids.row(c),
        })).collect::<Vec<_>>(),
        "diagnostics": {
            "dropped_columns": r.diagnostics.dropped_columns,
            "regularized": r.diagnostics.regularized.iter().map(|(k, t)| json!({"k": k, "covariance": t.name()})).collect::<Vec<_>>(),
            "em_not_converged": r.diagnostics.em_not_converged.iter().map(|(k, t)| json!({"k": k, "covariance": t.name()})).collect::<Vec<_>>(),
            "empty_clusters_removed": r.diagnostics.empty_clusters_removed,
            "full_covariance_skipped": r.diagnostics.full_covariance_skipped,
        },
    })
}

/// The data (first two principal components when d > 2) coloured by cluster, beside the
/// BIC curve (best covariance type per k) with the selected proposal marked.
fn figure<T: Float>(x: MatRef<'_, T>, r: &PppResult) -> Figure {
    let (points, xl, yl) = plot::project_2d(x);
    let mut best: Vec<(f64, f64)> = Vec::new();
    for e in &r.bic_path {
        let k = e.k as f64;
        match best.iter_mut().find(|p| p.0 == k) {
            Some(p) => p.1 = p.1.min(e.bic),
            None => best.push((k, e.bic)),
        }
    }
    Figure {
        title: format!("partitive auto: k = {}", r.k),
        x_label: xl,
        y_label: yl,
        points,
        labels: r.labels.clone(),
        curve: Some(Curve {
            title: format!("BIC by proposal k ({} components)", r.selected.n_components),
            x_label: "k-means proposal k".into(),
            y_label: "BIC (lower is better)".into(),
            points: best,
            chosen_x: Some(r.selected.k_proposal as f64),
        }),
    }
}
