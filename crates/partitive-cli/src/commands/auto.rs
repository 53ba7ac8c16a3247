//! `partitive auto`: PPP-auto, k found by itself.

use crate::chart::{LineChart, Series};
use crate::cli::{AutoArgs, MissingFlag, ScaleFlag};
use crate::common::{self, Precision};
use crate::data::{self, Loaded};
use crate::fitted::{self, Fitted, ReportExtras};
use crate::model::{Dtype, Model, ModelFile};
use crate::outputs::{self, Holds, OutputPlan, PlanBuilder};
use crate::plot::{self, Curve, Figure};
use crate::profile;
use crate::progress::Progress;
use crate::record::{self as rec, Checksum};
use crate::report::Component;
use anyhow::{Context, Result};
use partitive::ppp::{MergeNode, Ppp, PppResult, PppStage};
use partitive::preprocess::Scaler;
use partitive::{Float, MatRef};
use serde_json::{json, Value};
use std::time::Instant;

/// The labels `partitive auto` gives `x` with default parameters (used by `evaluate`).
pub fn cluster_labels(x: MatRef<'_, f64>) -> Result<Vec<usize>> {
    Ok(Ppp::params().fit(x)?.labels)
}

pub fn run(args: AutoArgs) -> Result<()> {
    if args.stream {
        let refuse = |what: &str, why: &str| -> Result<()> {
            anyhow::bail!("{what} cannot be combined with --stream ({why})")
        };
        if args.plot_out.is_some() {
            refuse("--plot-out", "the plot needs every row in memory")?;
        }
        if args.out.report.is_some() {
            refuse("--report", "the report needs every row in memory")?;
        }
        if args.out.scale != ScaleFlag::None {
            refuse("--scale", "scale the file first, or run in memory")?;
        }
        if args.input.missing != MissingFlag::Error {
            refuse(
                "--missing drop",
                "rows would no longer line up with the file",
            )?;
        }
        if args.input.id_column.is_some() {
            refuse(
                "--id-column",
                "--output then names rows by their 0-based number",
            )?;
        }
    }
    let mut plan = fitted::plan_outputs(outputs(&args), &args.out).build()?;
    match common::precision(&args.input)? {
        Precision::F32 => run_typed::<f32>(&args, &mut plan, Precision::F32),
        Precision::F64 => run_typed::<f64>(&args, &mut plan, Precision::F64),
    }
}

/// The command's own outputs (the fit outputs are added by [`fitted::plan_outputs`]).
pub(crate) fn outputs(args: &AutoArgs) -> PlanBuilder<'_> {
    outputs::plan(&args.input, &args.run)
        .output("--labels-out", args.labels_out.as_deref(), Holds::Labels)
        .output("--tree-out", args.tree_out.as_deref(), Holds::Json)
        .output("--plot-out", args.plot_out.as_deref(), Holds::Plot)
        .output(
            "--confidence-out",
            args.confidence_out.as_deref(),
            Holds::Matrix,
        )
}

/// The progress callback of a fit over `n` rows (0: unknown, streaming).
fn observer(progress: &Progress, n: u64) -> impl FnMut(&partitive::ppp::PppProgress) + '_ {
    // The sweep goes up to about √m proposals (m: the fit sample); the bar grows if it
    // goes further.
    let cap = ((n.clamp(1, partitive::ppp::SAMPLE_MAX as u64)) as f64)
        .sqrt()
        .floor() as u64;
    move |p| match p.stage {
        PppStage::Sample => progress.update(0, cap.max(1), || "sampling".to_string()),
        PppStage::Propose => {
            let k = p.k as u64;
            progress.update(k, cap.max(k), || {
                format!("sweep k = {} (best so far k = {})", p.k, p.best_k)
            })
        }
        PppStage::Merge => progress.update(0, 1, || "merging components".to_string()),
        PppStage::Assign if n > 0 => {
            progress.update(p.rows_done as u64, n, || "assigning rows".to_string())
        }
        PppStage::Assign => progress.update(0, 0, || format!("assigned {} rows", p.rows_done)),
        PppStage::Done => {}
    }
}

fn run_typed<T: Float>(args: &AutoArgs, plan: &mut OutputPlan, precision: Precision) -> Result<()> {
    let t0 = Instant::now();
    let checksum = Checksum::start(&args.input.input);
    let opts = data::numeric_options(&args.input)?;
    let data = if args.stream {
        None
    } else {
        Some(data::load::<T>(
            &args.input,
            &opts,
            data::scale_kind(args.out.scale),
            &args.run,
        )?)
    };
    let read_seconds = t0.elapsed().as_secs_f64();

    let params = Ppp::params()
        .min_cluster_size(args.min_cluster_size)
        .stability(args.stability);
    let n_known = data.as_ref().map_or(0, |m| m.raw.n_rows() as u64);
    let progress = Progress::new(args.run.quiet, 1, "auto");
    let mut observe = observer(&progress, n_known);
    let t1 = Instant::now();
    let mut stream_names: Option<Vec<String>> = None;
    let result = match &data {
        Some(m) => common::with_threads(&args.run, || params.fit_observed(m.x(), &mut observe))?
            .with_context(|| format!("auto on {}", args.input.input.display()))?,
        None => {
            let path = &args.input.input;
            let mut pass = |f: &mut dyn FnMut(MatRef<'_, T>)| -> Result<()> {
                let info =
                    partitive_io::for_each_chunk::<T>(path, &opts, common::STREAM_ROWS, |m| {
                        f(m);
                        Ok(())
                    })
                    .map_err(|e| common::input_error(&args.input, e))?;
                stream_names = info.column_names;
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
    let sha = checksum.finish();
    let (n, d) = (result.labels.len(), result.model.n_features);

    let t2 = Instant::now();
    let stable = result.stability.map_or(String::new(), |s| {
        format!(
            " stability: k on half-samples {:?}, agreement {:.3};",
            s.half_k, s.agreement
        )
    });
    let line = format!(
        "auto: n={} d={} k={} clusterability={:.3} (separable {} of {} at tau={}){stable} sizes={:?} ({:.3} s)",
        n,
        d,
        result.k,
        result.clusterability,
        result.n_separable,
        n,
        result.tau,
        result.cluster_sizes,
        read_seconds + fit_seconds
    );
    if plan.wants("--tree-out") {
        plan.json("--tree-out", &record(&result))?;
    }
    let mut summary = json!({
        "command": "auto",
        "input": args.input.input.display().to_string(),
        "n": n,
        "d": d,
        "streamed": args.stream,
        "dtype": precision.name(),
        "k": result.k,
        "cluster_sizes": result.cluster_sizes,
        "clusterability": result.clusterability,
        "clusterability_definition": "share of rows whose confidence (cluster posterior, capped by the cluster's reproducibility) is at least tau (the separable set)",
        "cluster_reproducibility": result.cluster_reproducibility,
        "tau": result.tau,
        "n_separable": result.n_separable,
        "mean_confidence": result.mean_confidence,
        "n_components": result.selected.n_components,
        "selected": {
            "k_proposal": result.selected.k_proposal,
            "covariance": result.selected.covariance_type.name(),
            "bic": result.selected.bic,
            "births": result.diagnostics.births,
        },
        "n_fit": result.n_fit,
    });
    if let (Some(s), Some(o)) = (result.stability, summary.as_object_mut()) {
        o.insert(
            "stability".into(),
            json!({
                "half_sample_k": s.half_k,
                "agreement": s.agreement,
                "definition": "the search run again on two deterministic halves of the fit sample; agreement = mean adjusted Rand index between their labels and the result's on the fit sample's rows",
            }),
        );
    }
    let model = Model::Auto {
        ppp: result.model.clone(),
    };
    match &data {
        Some(m) => in_memory(
            args,
            plan,
            m,
            &result,
            model,
            sha.as_deref(),
            &line,
            &mut summary,
        )?,
        None => {
            // Streamed: every row of the file was labelled, in order.
            let labels: Vec<i64> = result.labels.iter().map(|&l| l as i64).collect();
            plan.label_values("--labels-out", &labels, "cluster", None)?;
            if plan.wants("--output") {
                let rows: Vec<i64> = (0..n as i64).collect();
                fitted::write_frame(
                    plan,
                    None,
                    &rows,
                    &labels,
                    Some(-1),
                    Some(&result.confidence),
                )?;
            }
            if plan.wants("--model-out") {
                let mf = ModelFile {
                    format: crate::model::FORMAT.into(),
                    version: crate::model::VERSION,
                    partitive_version: rec::VERSION.into(),
                    command: "auto".into(),
                    dtype: Dtype::of::<T>(),
                    columns: stream_names.clone(),
                    n_features: d,
                    id_column: None,
                    scaler: Scaler::identity(d),
                    k: result.k,
                    model,
                    input: args.input.input.display().to_string(),
                    input_sha256: sha.clone(),
                };
                plan.json("--model-out", &mf.to_json()?)?;
            }
            if let Some(o) = summary.as_object_mut() {
                o.insert("partitive_version".into(), json!(rec::VERSION));
                o.insert("parameters".into(), serde_json::to_value(args)?);
                o.insert("columns".into(), json!(stream_names));
                o.insert("input_sha256".into(), json!(sha));
            }
        }
    }
    if plan.wants("--confidence-out") {
        let c = partitive::Mat::from_vec(
            fitted::expand(
                &result.confidence,
                &data
                    .as_ref()
                    .map_or_else(|| (0..n).collect(), |m| m.kept_rows()),
                data.as_ref().map_or(n, |m| m.info.n_file_rows),
                f64::NAN,
            ),
            data.as_ref().map_or(n, |m| m.info.n_file_rows),
            1,
        )?;
        plan.matrix(
            "--confidence-out",
            c.view(),
            Some(&["confidence".to_string()]),
        )?;
    }
    let write_seconds = t2.elapsed().as_secs_f64();
    if let Some(o) = summary.as_object_mut() {
        o.insert(
            "seconds".into(),
            json!(read_seconds + fit_seconds + write_seconds),
        );
        o.insert(
            "timings".into(),
            json!({ "read": read_seconds, "fit": fit_seconds, "write": write_seconds }),
        );
    }
    plan.json("--summary-out", &summary)?;
    plan.commit()?;
    if !args.run.quiet {
        plan.say(&line);
    }
    Ok(())
}

/// The outputs that need the data in memory: labels and `--output` with the file's
/// rows, the model, the plot, the report, profiles in the summary.
#[allow(clippy::too_many_arguments)]
fn in_memory<T: Float>(
    args: &AutoArgs,
    plan: &mut OutputPlan,
    data: &Loaded<T>,
    result: &PppResult,
    model: Model,
    sha: Option<&str>,
    line: &str,
    summary: &mut Value,
) -> Result<()> {
    let fit = Fitted {
        data,
        labels: &result.labels,
        k: result.k,
        confidence: Some(&result.confidence),
    };
    fit.write_labels(plan, "--labels-out")?;
    fit.write_output(plan)?;
    if plan.wants("--model-out") {
        let mut mf = fit.model_file("auto", model, sha);
        mf.input = args.input.input.display().to_string();
        plan.json("--model-out", &mf.to_json()?)?;
    }
    if let Some(format) = plan.plot_format("--plot-out") {
        plan.plot(
            "--plot-out",
            &plot::render(&figure(data.x(), &data.columns, result), format)?,
        )?;
    }
    let profiles = fit.profiles();
    let rec = rec::record("auto", args, data, sha);
    let extras = ReportExtras {
        silhouette: fit.euclidean_silhouette(plan)?,
        curves: vec![bic_chart(result)],
        components: result
            .merge_forest
            .iter()
            .map(|n| Component {
                component: n.component,
                cluster: n.cluster,
                parent: n.parent,
                weight: n.weight,
                fit_points: n.fit_points,
                reason: n.decision.reason(result.merge_rho),
            })
            .collect(),
        component_rows: if plan.wants("--report") {
            Some(result.model.components(data.x())?)
        } else {
            None
        },
    };
    fit.write_report(
        plan,
        "auto",
        &args.input.input,
        &profiles,
        &rec,
        extras,
        line,
    )?;
    let centroids: Vec<Vec<f64>> = (0..result.k)
        .map(|c| data.scaler.inverse_row(result.centroids.row(c)))
        .collect();
    if let Some(o) = summary.as_object_mut() {
        o.insert(
            "centroids".into(),
            profile::named_rows(&centroids, &data.columns),
        );
        o.insert(
            "clusters".into(),
            fitted::clusters_json(&profiles, &data.columns),
        );
        o.extend(rec);
    }
    Ok(())
}

/// BIC against the proposal's k, one line per covariance type, the selected one marked.
fn bic_chart(r: &PppResult) -> LineChart {
    let mut series: Vec<Series> = Vec::new();
    for e in &r.bic_path {
        let name = e.covariance_type.name().to_string();
        match series.iter_mut().find(|s| s.name == name) {
            Some(s) => s.points.push((e.k as f64, e.bic)),
            None => series.push(Series {
                name,
                points: vec![(e.k as f64, e.bic)],
            }),
        }
    }
    LineChart {
        title: format!(
            "BIC by proposal: {} components → k = {} clusters",
            r.selected.n_components, r.k
        ),
        x_label: "k-means proposal k".into(),
        y_label: "BIC (lower is better)".into(),
        series,
        chosen_x: Some(r.selected.k_proposal as f64),
        integer_x: true,
    }
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
    let rho = r.merge_rho;
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
            "births": r.diagnostics.births,
        },
        "merge_rho": rho,
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
fn figure<T: Float>(x: MatRef<'_, T>, columns: &[String], r: &PppResult) -> Figure {
    let (points, xl, yl) = plot::project_2d_named(x, columns);
    let mut best: Vec<(f64, f64)> = Vec::new();
    for e in &r.bic_path {
        let k = e.k as f64;
        match best.iter_mut().find(|p| p.0 == k) {
            Some(p) => p.1 = p.1.min(e.bic),
            None => best.push((k, e.bic)),
        }
    }
    let merged = r.selected.n_components.saturating_sub(r.k);
    Figure {
        title: if merged > 0 {
            format!(
                "partitive auto: k = {} ({} components, {merged} merged)",
                r.k, r.selected.n_components
            )
        } else {
            format!("partitive auto: k = {}", r.k)
        },
        x_label: xl,
        y_label: yl,
        points,
        labels: r.labels.clone(),
        names: (0..r.k).map(|c| format!("cluster {c}")).collect(),
        curve: Some(Curve {
            title: format!("BIC by proposal ({} components)", r.selected.n_components),
            x_label: "k-means proposal k".into(),
            y_label: "BIC (lower is better)".into(),
            points: best,
            chosen_x: Some(r.selected.k_proposal as f64),
        }),
    }
}
