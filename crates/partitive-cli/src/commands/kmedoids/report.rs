//! Writing a k-medoids run: the output files, the summary, the report and the result line.

use super::fit::Selection;
use crate::cli::KmedoidsArgs;
use crate::commands::sweep::{charts, table_json};
use crate::common::Precision;
use crate::data::Loaded;
use crate::fitted::{self, Fitted, ReportExtras};
use crate::model::Model;
use crate::outputs::OutputPlan;
use crate::profile;
use crate::record;
use crate::report::{silhouette_sample, Silhouette};
use anyhow::{bail, Result};
use partitive::dissimilarity::Dissimilarity;
use partitive::kmedoids::KMedoidsResult;
use partitive::{metrics, Float};
use serde_json::json;

/// The report's silhouette sample, when a report is asked for.
pub(super) fn sample_if<D: Dissimilarity>(
    want: bool,
    d: &D,
    r: &KMedoidsResult,
) -> Result<Option<Silhouette>> {
    if want {
        silhouette_sample(d, &r.labels)
    } else {
        Ok(None)
    }
}

/// What a k-medoids run produced, for [`report`].
pub(super) struct Outcome {
    pub result: KMedoidsResult,
    pub silhouette: Option<(f64, f64)>,
    pub sample: Option<Silhouette>,
    pub n: usize,
    pub precision: Precision,
    pub read_seconds: f64,
    pub fit_seconds: f64,
    pub sha: Option<String>,
    pub model: Option<Model>,
    /// Gower: the categorical columns (their profile statistics are left out).
    pub categorical: Vec<bool>,
    /// The `--k-range` table.
    pub selection: Selection,
}

/// Writes the output files and the summary (with `extra` fields), prints the result line.
pub(super) fn report<T: Float>(
    args: &KmedoidsArgs,
    plan: &mut OutputPlan,
    data: &Loaded<T>,
    out: Outcome,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<()> {
    let Outcome {
        result,
        silhouette,
        sample,
        n,
        precision,
        read_seconds,
        fit_seconds,
        sha,
        model,
        categorical,
        selection,
    } = out;
    let k = result.medoids.len();
    let fit = Fitted {
        data,
        labels: &result.labels,
        k,
        confidence: None,
    };
    fit.write_labels(plan, "--labels-out")?;
    plan.label_values(
        "--medoids-out",
        &result.medoids.iter().map(|&m| m as i64).collect::<Vec<_>>(),
        "medoid",
        None,
    )?;
    fit.write_output(plan)?;
    if let (true, Some(m)) = (plan.wants("--model-out"), model) {
        let mut mf = fit.model_file("kmedoids", m, sha.as_deref());
        mf.input = args.input.input.display().to_string();
        plan.json("--model-out", &mf.to_json()?)?;
    }
    let line = format!(
        "k-medoids: n={} k={} loss={:.6e} n_iter={} n_swaps={}{} ({:.3} s)",
        n,
        k,
        result.loss,
        result.n_iter,
        result.n_swaps,
        silhouette
            .map(|s| format!(" silhouette={:.4}", s.0))
            .unwrap_or_default(),
        read_seconds + fit_seconds
    );
    let rec = record::record("kmedoids", args, data, sha.as_deref());
    let mut summary = json!({
        "command": "kmedoids",
        "input": args.input.input.display().to_string(),
        "k": k,
        "n": n,
        "dtype": precision.name(),
        "algorithm": format!("{:?}", args.algorithm).to_lowercase(),
        "dissimilarity": if args.precomputed { "precomputed".to_string() } else { format!("{:?}", args.metric).to_lowercase() },
        "loss": result.loss,
        "medoids": result.medoids,
        "n_iter": result.n_iter,
        "n_swaps": result.n_swaps,
        "converged": result.diagnostics.converged,
        "initial_loss": result.diagnostics.initial_loss,
        "coincident_medoids": result.diagnostics.coincident_medoids,
        "silhouette": silhouette.map(|s| s.0),
        "medoid_silhouette": silhouette.map(|s| s.1),
        "seconds": read_seconds + fit_seconds,
        "read_seconds": read_seconds,
        "fit_seconds": fit_seconds,
        "seed": args.seed,
    });
    let curves = selection
        .as_ref()
        .map(|t| charts(t, "loss", k))
        .unwrap_or_default();
    if let (Some(t), Some(o)) = (&selection, summary.as_object_mut()) {
        o.insert("selection".into(), table_json(t, "loss"));
    }
    let mut sizes = vec![0usize; k];
    for &l in &result.labels {
        sizes[l] += 1;
    }
    if args.precomputed {
        if let Some(o) = summary.as_object_mut() {
            o.insert("cluster_sizes".into(), json!(sizes));
        }
        if plan.wants("--report") {
            let page = crate::report::Report {
                command: "kmedoids",
                input: args.input.input.display().to_string(),
                k,
                labels: &result.labels,
                points: None,
                columns: &[],
                profiles: None,
                curves,
                components: Vec::new(),
                component_rows: None,
                silhouette: sample,
                record: &rec,
                lines: vec![line.clone()],
            }
            .render();
            plan.html("--report", &page)?;
        }
    } else {
        let mut profiles = fit.profiles();
        for p in &mut profiles {
            for (c, &cat) in categorical.iter().enumerate() {
                if cat {
                    (p.mean[c], p.median[c], p.std[c]) = (f64::NAN, f64::NAN, f64::NAN);
                }
            }
        }
        let medoid_rows: Vec<Vec<f64>> = result
            .medoids
            .iter()
            .map(|&m| data.raw.view().row(m).iter().map(|v| v.as_f64()).collect())
            .collect();
        if let Some(o) = summary.as_object_mut() {
            o.insert("cluster_sizes".into(), json!(sizes));
            o.insert(
                "medoid_rows".into(),
                profile::named_rows(&medoid_rows, &data.columns),
            );
            o.insert(
                "clusters".into(),
                fitted::clusters_json(&profiles, &data.columns),
            );
        }
        let extras = ReportExtras {
            silhouette: sample,
            curves,
            ..ReportExtras::default()
        };
        fit.write_report(
            plan,
            "kmedoids",
            &args.input.input,
            &profiles,
            &rec,
            extras,
            &line,
        )?;
    }
    if let Some(obj) = summary.as_object_mut() {
        obj.extend(rec);
        obj.extend(extra);
    }
    plan.json("--summary-out", &summary)?;
    plan.commit()?;
    if !args.run.quiet {
        plan.say(&line);
        let c = result.diagnostics.coincident_medoids;
        if c > 0 {
            eprintln!(
                "partitive: note: {c} of the {} medoids coincide with another (fewer distinct \
                 objects than k); each medoid is labelled with its own cluster",
                result.medoids.len()
            );
        }
    }
    Ok(())
}

pub(super) fn silhouettes<D: Dissimilarity>(
    args: &KmedoidsArgs,
    d: &D,
    r: &KMedoidsResult,
) -> Result<Option<(f64, f64)>> {
    if !args.silhouette {
        return Ok(None);
    }
    if r.medoids.len() < 2 || r.medoids.len() >= d.n() {
        bail!("--silhouette needs 2 ≤ k < n");
    }
    Ok(Some((
        metrics::silhouette(d, &r.labels)?,
        metrics::medoid_silhouette(d, &r.medoids)?,
    )))
}
