//! `partitive hdbscan`: HDBSCAN* with the `hdbscan` library's definitions.

use crate::cli::{HdbscanArgs, HdbscanMetricFlag, MissingFlag, ScaleFlag, SelectionFlag};
use crate::common::{self, Precision};
use crate::data::{self, Loaded};
use crate::fitted::{expand, write_frame, Fitted};
use crate::model::{HdbscanFit, Model};
use crate::outputs::{self, Holds, OutputPlan, PlanBuilder};
use crate::plot_hdbscan;
use crate::progress::Progress;
use crate::record::{self, Checksum};
use anyhow::{bail, Context, Result};
use partitive::hdbscan::{ClusterSelection, Hdbscan, HdbscanModel, HdbscanProgress, HdbscanStage};
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
    if args.metric == HdbscanMetricFlag::Precomputed {
        if args.plot_out.is_some() {
            bail!("--plot-out needs coordinates: not with --metric precomputed");
        }
        if args.model_out.is_some() {
            bail!("--model-out: a model needs the training coordinates to place new rows; not with --metric precomputed");
        }
        if args.scale != ScaleFlag::None {
            bail!("--scale scales features: not with --metric precomputed (a distance matrix)");
        }
        if args.input.missing == MissingFlag::Drop {
            bail!("--missing drop: dropping a row of a distance matrix leaves it non-square; not with --metric precomputed");
        }
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
        .output("--model-out", args.model_out.as_deref(), Holds::Json)
        .output("--output", args.output.as_deref(), Holds::Table)
}

/// The `--model-out` document (see [`crate::model`]).
fn model_file<T: Float>(
    args: &HdbscanArgs,
    data: &Loaded<T>,
    model: &HdbscanModel,
    sha256: Option<&str>,
) -> Result<Value> {
    let selection = ClusterSelection::from(args.cluster_selection_method);
    let fit = HdbscanFit::of(
        model,
        data.x(),
        args.min_cluster_size,
        args.cluster_selection_epsilon,
        selection,
        args.allow_single_cluster,
        args.max_cluster_size,
    );
    let k = model.n_clusters;
    let labels: Vec<usize> = Vec::new();
    let fitted = Fitted {
        data,
        labels: &labels,
        k,
        confidence: None,
    };
    let mut mf = fitted.model_file("hdbscan", Model::Hdbscan(Box::new(fit)), sha256);
    mf.input = args.input.input.display().to_string();
    mf.to_json()
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
    Hdbscan::params(args.min_cluster_size)
        .min_samples(args.min_samples)
        .metric(args.metric.into())
        .cluster_selection_epsilon(args.cluster_selection_epsilon)
        .cluster_selection_method(args.cluster_selection_method.into())
        .allow_single_cluster(args.allow_single_cluster)
        .max_cluster_size(args.max_cluster_size)
}

fn run_typed<T: Float>(
    args: &HdbscanArgs,
    plan: &mut OutputPlan,
    precision: Precision,
) -> Result<()> {
    let t0 = Instant::now();
    let checksum = Checksum::start(&args.input.input);
    let precomputed = args.metric == HdbscanMetricFlag::Precomputed;
    let opts = if precomputed {
        common::read_options(&args.input)?
    } else {
        data::numeric_options(&args.input)?
    };
    let data = data::load_as::<T>(
        &args.input,
        &opts,
        data::scale_kind(args.scale),
        &args.run,
        !precomputed,
    )?;
    let x = data.x();
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
    let sha = checksum.finish();
    // One value per file row: a row dropped by --missing drop is labelled -1 (as noise),
    // its probability and outlier score left empty.
    let kept = data.kept_rows();
    let n_file = data.info.n_file_rows.max(kept.len());
    let labels = expand(&model.labels_i64(), &kept, n_file, -1);
    let probabilities = expand(&model.probabilities, &kept, n_file, f64::NAN);
    // Every file follows its extension (.npy, .parquet, .csv/.tsv with a header, text);
    // noise is the label -1, never a missing value.
    plan.label_values("--labels-out", &labels, "cluster", None)?;
    plan.float_values("--probabilities-out", &probabilities, "probability")?;
    plan.float_values(
        "--outlier-scores-out",
        &expand(&model.outlier_scores, &kept, n_file, f64::NAN),
        "outlier_score",
    )?;
    if plan.wants("--output") {
        let rows: Vec<i64> = (0..n_file as i64).collect();
        write_frame(
            plan,
            data.info.ids.as_ref(),
            &rows,
            &labels,
            None,
            Some(&probabilities),
        )?;
    }
    if plan.wants("--model-out") {
        plan.json(
            "--model-out",
            &model_file(args, &data, &model, sha.as_deref())?,
        )?;
    }
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
    let mut summary = summary;
    if !precomputed {
        // Per-cluster profiles in the original units (noise rows in no cluster; the
        // last entry: all rows).
        let k = model.n_clusters;
        let l: Vec<usize> = model.labels.iter().map(|l| l.unwrap_or(k)).collect();
        let p = crate::profile::profiles(data.raw.view(), &l, k);
        if let Some(o) = summary.as_object_mut() {
            o.insert(
                "clusters".into(),
                crate::fitted::clusters_json(&p, &data.columns),
            );
        }
    }
    if let Some(o) = summary.as_object_mut() {
        o.extend(record::record("hdbscan", args, &data, sha.as_deref()));
    }
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
