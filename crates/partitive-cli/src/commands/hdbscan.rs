//! `partitive hdbscan`: HDBSCAN* with the `hdbscan` library's definitions.

use crate::cli::{HdbscanArgs, HdbscanMetricFlag, SelectionFlag};
use crate::common::{self, Precision};
use crate::outputs::{self, Holds, OutputPlan, PlanBuilder};
use crate::plot_hdbscan;
use crate::progress::Progress;
use anyhow::{bail, Context, Result};
use partitive::hdbscan::{
    ClusterSelection, Hdbscan, HdbscanMetric, HdbscanModel, HdbscanProgress, HdbscanStage,
};
use partitive::Float;
use serde_json::{json, Value};
use std::time::Instant;

pub fn run(args: HdbscanArgs) -> Result<()> {
    check(&args)?;
    let mut plan = outputs(&args).build()?;
    match common::precision(&args.input)? {
        Precision::F32 => run_typed::<f32>(&args, &mut plan, Precision::F32),
        Precision::F64 => run_typed::<f64>(&args, &mut plan, Precision::F64),
    }
}

/// The data-independent checks, before reading the input (also used by
/// [`crate::check_args`]).
pub(crate) fn check(args: &HdbscanArgs) -> Result<()> {
    if args.plot_out.is_some() && args.metric == HdbscanMetricFlag::Precomputed {
        bail!("--plot-out needs coordinates: not with --metric precomputed");
    }
    params(args).check().map_err(flag_error)?;
    Ok(())
}

/// The run's outputs.
pub(crate) fn outputs(args: &HdbscanArgs) -> PlanBuilder<'_> {
    outputs::plan(&args.input, &args.run)
        .output("--labels-out", args.labels_out.as_deref(), Holds::Labels)
        .output(
            "--probabilities-out",
            args.probabilities_out.as_deref(),
            Holds::Labels,
        )
        .output(
            "--outlier-scores-out",
            args.outlier_scores_out.as_deref(),
            Holds::Labels,
        )
        .output("--tree-out", args.tree_out.as_deref(), Holds::Json)
        .output("--plot-out", args.plot_out.as_deref(), Holds::Plot)
}

/// The library's parameter names, spelled as the flags.
fn flag_error(e: partitive::Error) -> anyhow::Error {
    let msg = e.to_string();
    let msg = [
        "min_cluster_size",
        "min_samples",
        "cluster_selection_epsilon",
        "max_cluster_size",
        "cluster_selection_method",
    ]
    .iter()
    .fold(msg, |m, name| {
        m.replace(
            &format!("parameter {name}"),
            &format!("--{}", name.replace('_', "-")),
        )
    });
    anyhow::anyhow!(msg)
}

fn params(args: &HdbscanArgs) -> partitive::hdbscan::HdbscanParams {
    let metric = match args.metric {
        HdbscanMetricFlag::Euclidean => HdbscanMetric::Euclidean,
        HdbscanMetricFlag::Manhattan => HdbscanMetric::Manhattan,
        HdbscanMetricFlag::Chebyshev => HdbscanMetric::Chebyshev,
        HdbscanMetricFlag::Cosine => HdbscanMetric::Cosine,
        HdbscanMetricFlag::Precomputed => HdbscanMetric::Precomputed,
    };
    Hdbscan::params(args.min_cluster_size)
        .min_samples(args.min_samples)
        .metric(metric)
        .cluster_selection_epsilon(args.cluster_selection_epsilon)
        .cluster_selection_method(match args.cluster_selection_method {
            SelectionFlag::Eom => ClusterSelection::Eom,
            SelectionFlag::Leaf => ClusterSelection::Leaf,
        })
        .allow_single_cluster(args.allow_single_cluster)
        .max_cluster_size(args.max_cluster_size)
}

fn run_typed<T: Float>(
    args: &HdbscanArgs,
    plan: &mut OutputPlan,
    precision: Precision,
) -> Result<()> {
    let t0 = Instant::now();
    let opts = common::read_options(&args.input)?;
    let data = common::read_data::<T>(&args.input, &opts)?;
    let x = data.view();
    let read_seconds = t0.elapsed().as_secs_f64();

    let params = params(args);
    let progress = Progress::new(args.run.quiet, 1, "hdbscan");
    let t1 = Instant::now();
    let mut observe = |p: &HdbscanProgress| {
        let what = match p.stage {
            HdbscanStage::Tree => "building the tree",
            HdbscanStage::CoreDistances => "core distances",
            HdbscanStage::SpanningTree => "minimum spanning tree",
            HdbscanStage::Hierarchy => "condensed tree",
            HdbscanStage::Done => "done",
        };
        progress.update(p.done as u64, p.total.max(1) as u64, || what.to_string());
    };
    let model = common::with_threads(&args.run, || params.fit_observed(x, &mut observe))?
        .map_err(flag_error)
        .with_context(|| format!("hdbscan on {}", args.input.input.display()))?;
    progress.finish();
    let fit_seconds = t1.elapsed().as_secs_f64();

    let t2 = Instant::now();
    plan.lines("--labels-out", model.labels_i64())?;
    plan.lines("--probabilities-out", &model.probabilities)?;
    plan.lines("--outlier-scores-out", &model.outlier_scores)?;
    if plan.wants("--tree-out") {
        plan.json("--tree-out", &tree_record(&model, args))?;
    }
    if let Some(format) = plan.plot_format("--plot-out") {
        plan.plot("--plot-out", &plot_hdbscan::render(x, &model, format)?)?;
    }
    let write_seconds = t2.elapsed().as_secs_f64();

    let (n, d) = (x.n_rows(), x.n_cols());
    let summary = json!({
        "command": "hdbscan",
        "input": args.input.input.display().to_string(),
        "n": n,
        "d": d,
        "dtype": precision.name(),
        "metric": model.metric.name(),
        "min_cluster_size": args.min_cluster_size,
        "min_samples": model.min_samples,
        "cluster_selection_method": params.clone().check().map(|_| match args.cluster_selection_method {
            SelectionFlag::Eom => "eom",
            SelectionFlag::Leaf => "leaf",
        }).unwrap_or("eom"),
        "cluster_selection_epsilon": args.cluster_selection_epsilon,
        "allow_single_cluster": args.allow_single_cluster,
        "max_cluster_size": args.max_cluster_size,
        "n_clusters": model.n_clusters,
        "n_noise": model.n_noise(),
        "noise_label": -1,
        "cluster_sizes": model.cluster_sizes(),
        "cluster_stabilities": model.cluster_stabilities,
        "seconds": read_seconds + fit_seconds + write_seconds,
        "timings": { "read": read_seconds, "fit": fit_seconds, "write": write_seconds },
        "threads": common::threads(args.run.threads, true),
    });
    plan.json("--summary-out", &summary)?;
    plan.commit()?;
    if !args.run.quiet {
        plan.say(&format!(
            "hdbscan: n={} d={} clusters={} noise={} sizes={:?} ({:.3} s)",
            n,
            d,
            model.n_clusters,
            model.n_noise(),
            model.cluster_sizes(),
            read_seconds + fit_seconds + write_seconds
        ));
    }
    Ok(())
}

fn finite(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

/// The condensed tree (library numbering: rows `0..n`, cluster `c` is `n + c`), the
/// clusters with their stabilities and selection, and the single-linkage tree.
fn tree_record(m: &HdbscanModel, args: &HdbscanArgs) -> Value {
    let n = m.n_rows();
    let ct = &m.condensed_tree;
    let stab = ct.stabilities();
    json!({
        "method": "HDBSCAN* (Campello, Moulavi & Sander 2013; McInnes & Healy 2017)",
        "n": n,
        "min_cluster_size": args.min_cluster_size,
        "min_samples": m.min_samples,
        "metric": m.metric.name(),
        "lambda": "1 / distance; null stands for infinity (distance 0)",
        "clusters": ct.clusters.iter().enumerate().map(|(c, k)| json!({
            "id": n + c,
            "parent": k.parent.map(|p| n + p),
            "lambda_birth": finite(k.lambda_birth),
            "size": k.size,
            "stability": finite(stab[c]),
            "label": m.selected_clusters.iter().position(|&s| s == c),
        })).collect::<Vec<_>>(),
        "condensed_tree": ct.to_rows().iter().map(|&(p, c, l, s)| json!([p, c, finite(l), s])).collect::<Vec<_>>(),
        "single_linkage_tree": m.single_linkage_tree.merges.iter().map(|g| json!([g.left, g.right, g.distance, g.size])).collect::<Vec<_>>(),
    })
}
