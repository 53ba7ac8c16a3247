//! `partitive gmm`.

use crate::chart::{LineChart, Series};
use crate::cli::{CriterionFlag, GmmArgs};
use crate::common::{self, Precision};
use crate::data;
use crate::fitted::{self, Fitted, ReportExtras};
use crate::model::Model;
use crate::outputs::{self, Holds, OutputPlan, PlanBuilder};
use crate::profile;
use crate::progress::Progress;
use crate::record::{self, Checksum};
use anyhow::{bail, Context, Result};
use partitive::gmm::{self, CovarianceType, Criterion, GaussianMixture, GmmModel};
use partitive::Float;
use serde_json::json;
use std::ops::RangeInclusive;
use std::time::Instant;

/// The command's own outputs (the fit outputs are added by [`fitted::plan_outputs`]).
pub(crate) fn outputs(args: &GmmArgs) -> PlanBuilder<'_> {
    outputs::plan(&args.input, &args.run)
        .output("--labels-out", args.labels_out.as_deref(), Holds::Labels)
        .output("--proba-out", args.proba_out.as_deref(), Holds::Matrix)
}

pub fn run(args: GmmArgs) -> Result<()> {
    let k_range = match (&args.k, &args.k_range) {
        (Some(k), _) => *k..=*k,
        (None, Some(r)) => parse_range(r)?,
        (None, None) => bail!("give -k K or --k-range A..B"),
    };
    let mut plan = fitted::plan_outputs(outputs(&args), &args.out).build()?;
    match common::precision(&args.input)? {
        Precision::F32 => run_typed::<f32>(&args, &mut plan, k_range, Precision::F32),
        Precision::F64 => run_typed::<f64>(&args, &mut plan, k_range, Precision::F64),
    }
}

/// `range` with its end lowered to `n` rows (a note says so unless `quiet`); an error when
/// even its start exceeds `n`.
pub(super) fn cap_range(
    range: RangeInclusive<usize>,
    n: usize,
    quiet: bool,
) -> Result<RangeInclusive<usize>> {
    let (a, b) = (*range.start(), *range.end());
    if b <= n {
        return Ok(range);
    }
    if a > n {
        bail!("invalid value '{a}..{b}' for --k-range: the data have only {n} rows (k ≤ n)");
    }
    if !quiet {
        eprintln!(
            "partitive: note: --k-range {a}..{b} lowered to {a}..{n} (the data have {n} rows)"
        );
    }
    Ok(a..=n)
}

/// Parses `A..B` (inclusive) or `A..=B`.
pub(crate) fn parse_range(s: &str) -> Result<RangeInclusive<usize>> {
    let bad = || {
        anyhow::anyhow!(
            "invalid value '{s}' for --k-range: expected A..B with 1 ≤ A ≤ B, e.g. 1..20"
        )
    };
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    let b = b.strip_prefix('=').unwrap_or(b);
    let a: usize = a.trim().parse().map_err(|_| bad())?;
    let b: usize = b.trim().parse().map_err(|_| bad())?;
    if a == 0 || a > b {
        return Err(bad());
    }
    Ok(a..=b)
}

fn run_typed<T: Float>(
    args: &GmmArgs,
    plan: &mut OutputPlan,
    k_range: RangeInclusive<usize>,
    precision: Precision,
) -> Result<()> {
    if args.stream {
        return super::gmm_stream::run::<T>(args, plan, precision);
    }
    let t0 = Instant::now();
    let checksum = Checksum::start(&args.input.input);
    let opts = data::numeric_options(&args.input)?;
    let data = data::load::<T>(
        &args.input,
        &opts,
        data::scale_kind(args.out.scale),
        &args.run,
    )?;
    let x = data.x();
    let k_range = if args.k_range.is_some() {
        cap_range(k_range, x.n_rows(), args.run.quiet)?
    } else {
        k_range
    };
    let read_seconds = t0.elapsed().as_secs_f64();
    let types: Vec<CovarianceType> = args.covariance.iter().map(|&c| c.into()).collect();
    let criterion = Criterion::from(args.criterion);
    let base = GaussianMixture::params::<T>(*k_range.start())
        .covariance(types[0])
        .reg_covar(args.reg_covar)
        .tol(args.tol)
        .max_iter(args.max_iter)
        .seed(args.seed);

    let t1 = Instant::now();
    let single = k_range.start() == k_range.end() && types.len() == 1;
    let n_candidates = (k_range.end() - k_range.start() + 1) * types.len();
    let progress = if single {
        Progress::new(args.run.quiet, args.max_iter as u64, "EM")
    } else {
        Progress::new(args.run.quiet, n_candidates as u64, "gmm k")
    };
    let (model, table): (GmmModel, Vec<gmm::SelectionRow>) =
        common::with_threads(&args.run, || -> Result<_> {
            if single {
                let m = base.fit_observed(x, None, &mut |info| {
                    progress.update(info.iteration as u64, args.max_iter as u64, || {
                        format!(
                            "iter {} mean log-lik {:.6}",
                            info.iteration, info.lower_bound
                        )
                    })
                })?;
                let row = gmm::SelectionRow {
                    k: m.n_components(),
                    covariance: m.covariance_type,
                    log_likelihood: m.log_likelihood,
                    n_parameters: m.n_parameters(),
                    bic: m.bic,
                    aic: m.aic,
                    icl: m.icl,
                    n_iter: m.n_iter,
                    converged: m.converged,
                };
                Ok((m, vec![row]))
            } else {
                let mut done = 0u64;
                let s = gmm::select_observed(
                    x,
                    None,
                    k_range.clone(),
                    &types,
                    criterion,
                    &base,
                    &mut |r| {
                        done += 1;
                        progress.update(done, n_candidates as u64, || {
                            format!("k = {} {} BIC {:.6e}", r.k, r.covariance.name(), r.bic)
                        })
                    },
                )?;
                Ok((s.best, s.table))
            }
        })?
        .with_context(|| format!("Gaussian mixture on {}", args.input.input.display()))?;
    progress.finish();
    let fit_seconds = t1.elapsed().as_secs_f64();
    let sha = checksum.finish();

    let k = model.n_components();
    let proba = common::with_threads(&args.run, || model.predict_proba(x))??;
    let confidence: Vec<f64> = model
        .labels
        .iter()
        .enumerate()
        .map(|(i, &l)| proba.row(i)[l])
        .collect();
    let fit = Fitted {
        data: &data,
        labels: &model.labels,
        k,
        confidence: Some(&confidence),
    };
    fit.write_labels(plan, "--labels-out")?;
    if plan.wants("--proba-out") {
        let names: Vec<String> = (0..k).map(|c| format!("p{c}")).collect();
        plan.matrix("--proba-out", proba.view(), Some(&names))?;
    }
    fit.write_output(plan)?;
    if plan.wants("--model-out") {
        let mut mf = fit.model_file(
            "gmm",
            Model::Gmm {
                covariance_type: model.covariance_type,
                parameters: model.params.clone(),
                precision_cholesky: model.precision_cholesky.clone(),
                data_mean: model.data_mean.clone(),
            },
            sha.as_deref(),
        );
        mf.input = args.input.input.display().to_string();
        plan.json("--model-out", &mf.to_json()?)?;
    }
    let profiles = fit.profiles();
    let rec = record::record("gmm", args, &data, sha.as_deref());
    let line = format!(
        "gmm: n={} d={} k={} covariance={} bic={:.6e} mean log-lik={:.6} n_iter={} converged={} ({:.3} s)",
        x.n_rows(),
        x.n_cols(),
        k,
        model.covariance_type.name(),
        model.bic,
        model.mean_log_likelihood,
        model.n_iter,
        model.converged,
        read_seconds + fit_seconds
    );
    let mut extras = ReportExtras {
        silhouette: fit.euclidean_silhouette(plan)?,
        ..ReportExtras::default()
    };
    if table.len() > 1 {
        extras.curves.push(selection_chart(
            &table,
            args.criterion,
            k,
            model.covariance_type,
        ));
    }
    fit.write_report(
        plan,
        "gmm",
        &args.input.input,
        &profiles,
        &rec,
        extras,
        &line,
    )?;
    let means: Vec<Vec<f64>> = (0..k)
        .map(|c| data.scaler.inverse_row(model.params.means.row(c)))
        .collect();
    let d = model.diagnostics.clone();
    let mut summary = json!({
        "command": "gmm",
        "input": args.input.input.display().to_string(),
        "k": k,
        "n": x.n_rows(),
        "d": x.n_cols(),
        "dtype": precision.name(),
        "covariance": model.covariance_type.name(),
        "criterion": format!("{:?}", args.criterion).to_lowercase(),
        "n_iter": model.n_iter,
        "converged": model.converged,
        "log_likelihood": model.log_likelihood,
        "mean_log_likelihood": model.mean_log_likelihood,
        "bic": model.bic,
        "aic": model.aic,
        "icl": model.icl,
        "weights": model.params.weights,
        "cluster_sizes": profiles[..k].iter().map(|p| p.size).collect::<Vec<_>>(),
        "means": profile::named_rows(&means, &data.columns),
        "clusters": fitted::clusters_json(&profiles, &data.columns),
        "seconds": read_seconds + fit_seconds,
        "read_seconds": read_seconds,
        "fit_seconds": fit_seconds,
        "diagnostics": {
            "regularized": d.regularized.len(),
            "collapsed_components": d.collapsed_components,
            "underpopulated_components": d.underpopulated_components,
            "constant_columns": d.constant_columns,
            "empty_initial_components": d.empty_initial_components,
        },
        "selection": table.iter().map(|r| json!({
            "k": r.k, "covariance": r.covariance.name(), "log_likelihood": r.log_likelihood,
            "n_parameters": r.n_parameters, "bic": r.bic, "aic": r.aic, "icl": r.icl,
            "n_iter": r.n_iter, "converged": r.converged,
        })).collect::<Vec<_>>(),
    });
    if let Some(o) = summary.as_object_mut() {
        o.extend(rec);
    }
    plan.json("--summary-out", &summary)?;
    plan.commit()?;
    if !args.run.quiet {
        plan.say(&line);
        if !model.diagnostics.is_clean() {
            eprintln!("partitive: note: covariance regularised or components degenerate (see the summary's diagnostics)");
        }
    }
    Ok(())
}

/// The criterion against k, one line per covariance type, the chosen k marked.
fn selection_chart(
    table: &[gmm::SelectionRow],
    criterion: CriterionFlag,
    k: usize,
    chosen: CovarianceType,
) -> LineChart {
    let name = match criterion {
        CriterionFlag::Bic => "BIC",
        CriterionFlag::Icl => "ICL",
    };
    let mut series: Vec<Series> = Vec::new();
    for r in table {
        let v = match criterion {
            CriterionFlag::Bic => r.bic,
            CriterionFlag::Icl => r.icl,
        };
        let label = r.covariance.name().to_string();
        match series.iter_mut().find(|s| s.name == label) {
            Some(s) => s.points.push((r.k as f64, v)),
            None => series.push(Series {
                name: label,
                points: vec![(r.k as f64, v)],
            }),
        }
    }
    LineChart {
        title: format!("{name} by k (chosen: k = {k}, {})", chosen.name()),
        x_label: "number of components k".into(),
        y_label: format!("{name} (lower is better)"),
        series,
        chosen_x: Some(k as f64),
        integer_x: true,
    }
}

#[cfg(test)]
mod tests {
    use super::{cap_range, parse_range};

    #[test]
    fn ranges() {
        assert_eq!(parse_range("1..20").unwrap(), 1..=20);
        assert_eq!(parse_range("2..=3").unwrap(), 2..=3);
        assert!(parse_range("0..3").is_err());
        assert!(parse_range("5..3").is_err());
        assert!(parse_range("a..3").is_err());
    }

    #[test]
    fn ranges_are_capped_at_n() {
        assert_eq!(cap_range(2..=100, 60, true).unwrap(), 2..=60);
        assert_eq!(cap_range(2..=10, 60, true).unwrap(), 2..=10);
        let e = cap_range(70..=100, 60, true).unwrap_err().to_string();
        assert!(e.contains("--k-range") && e.contains("60 rows"), "{e}");
    }
}
