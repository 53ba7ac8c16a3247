//! `partitive kmeans`.

use crate::cli::KmeansArgs;
use crate::common::{self, Precision};
use crate::data;
use crate::fitted::{self, Fitted, ReportExtras};
use crate::model::{Model, StoredMat};
use crate::outputs::{self, Holds, OutputPlan, PlanBuilder};
use crate::profile;
use crate::progress::Progress;
use crate::record::{self, Checksum};
use anyhow::{bail, Context, Result};
use partitive::dissimilarity::{Metric, MetricDissimilarity};
use partitive::kmeans::{Algorithm, Init, KMeans};
use partitive::{Float, Mat};
use serde_json::json;
use std::time::Instant;

pub fn run(args: KmeansArgs) -> Result<()> {
    let mut plan = fitted::plan_outputs(outputs(&args), &args.out).build()?;
    match common::precision(&args.input)? {
        Precision::F32 => run_typed::<f32>(&args, &mut plan, Precision::F32),
        Precision::F64 => run_typed::<f64>(&args, &mut plan, Precision::F64),
    }
}

/// The command's own inputs and outputs (the fit outputs are added by
/// [`fitted::plan_outputs`]).
pub(crate) fn outputs(args: &KmeansArgs) -> PlanBuilder<'_> {
    outputs::plan(&args.input, &args.run)
        .input("--init-centers", args.init_centers.as_deref())
        .output("--labels-out", args.labels_out.as_deref(), Holds::Labels)
        .output("--centers-out", args.centers_out.as_deref(), Holds::Matrix)
}

fn run_typed<T: Float>(
    args: &KmeansArgs,
    plan: &mut OutputPlan,
    precision: Precision,
) -> Result<()> {
    let t0 = Instant::now();
    if args.stream {
        return super::kmeans_stream::run::<T>(args, plan, precision);
    }
    let checksum = Checksum::start(&args.input.input);
    let opts = data::numeric_options(&args.input)?;
    let data = data::load::<T>(
        &args.input,
        &opts,
        data::scale_kind(args.out.scale),
        &args.run,
    )?;
    let x = data.x();
    let read_seconds = t0.elapsed().as_secs_f64();

    let init = match &args.init_centers {
        Some(p) => {
            let c = partitive_io::read_matrix::<T>(p, &partitive_io::ReadOptions::default())
                .map_err(|e| common::input_error(&args.input, e))
                .context("--init-centers")?;
            // Given in the original units: scaled as the data are.
            let c = if data.scaler.is_identity() {
                c.view().to_owned()
            } else {
                data.scaler.transform(c.view()).context("--init-centers")?
            };
            Init::Centers(c)
        }
        None => args.init.into(),
    };
    let algorithm = Algorithm::from(args.algorithm);
    let k_range = match (&args.k, &args.k_range) {
        (Some(k), _) => *k..=*k,
        (None, Some(r)) => {
            if args.init_centers.is_some() {
                bail!("--init-centers cannot be used with --k-range (it fixes k)");
            }
            super::gmm::cap_range(super::gmm::parse_range(r)?, x.n_rows(), args.run.quiet)?
        }
        (None, None) => bail!("give -k K or --k-range A..B"),
    };
    let params = |k: usize, init: Init<T>| {
        KMeans::params::<T>(k)
            .seed(args.seed)
            .n_init(args.n_init)
            .max_iter(args.max_iter)
            .tol(args.tol)
            .init(init)
            .algorithm(algorithm)
    };
    let ctx = || format!("k-means on {}", args.input.input.display());
    let t1 = Instant::now();
    let (result, selection) = if k_range.start() == k_range.end() {
        let progress = Progress::new(
            args.run.quiet,
            (args.max_iter * args.n_init) as u64,
            "k-means",
        );
        let params = params(*k_range.start(), init);
        let result = common::with_threads(&args.run, || {
            params.fit_observed(x, None, &mut |info| {
                let pos = (info.restart * info.max_iter + info.iter) as u64;
                let len = (info.n_restarts * info.max_iter) as u64;
                progress.update(pos, len, || {
                    format!(
                        "restart {} iter {} inertia {:.6e}",
                        info.restart + 1,
                        info.iter,
                        info.inertia
                    )
                });
            })
        })?
        .with_context(ctx)?;
        progress.finish();
        (result, None)
    } else {
        let len = (k_range.end() - k_range.start() + 1) as u64;
        let progress = Progress::new(args.run.quiet, len, "k-means sweep");
        let d = MetricDissimilarity::new(x, Metric::Euclidean)?;
        let swept = common::with_threads(&args.run, || {
            super::sweep::sweep(k_range.clone(), &progress, |k| {
                let r = params(k, init.clone()).fit(x).with_context(ctx)?;
                let s = crate::report::silhouette_sample(&d, &r.labels)?.map(|s| s.mean());
                let inertia = r.inertia;
                Ok((r, inertia, s))
            })
        })??;
        progress.finish();
        (swept.best, Some(swept.table))
    };
    let k = result.centers.n_rows();
    let fit_seconds = t1.elapsed().as_secs_f64();
    let sha = checksum.finish();

    let fit = Fitted {
        data: &data,
        labels: &result.labels,
        k,
        confidence: None,
    };
    // Centres in the original units (the model keeps them in the scaled space).
    let centers: Vec<Vec<f64>> = (0..k)
        .map(|c| data.scaler.inverse_row(result.centers.row(c)))
        .collect();
    fit.write_labels(plan, "--labels-out")?;
    if plan.wants("--centers-out") {
        let names = data.named.then_some(data.columns.as_slice());
        if data.scaler.is_identity() {
            plan.matrix("--centers-out", result.centers.view(), names)?;
        } else {
            let m = Mat::from_vec(centers.concat(), k, x.n_cols())?;
            plan.matrix("--centers-out", m.view(), names)?;
        }
    }
    fit.write_output(plan)?;
    if plan.wants("--model-out") {
        let mut mf = fit.model_file(
            "kmeans",
            Model::Kmeans {
                centers: StoredMat::of(result.centers.view()),
            },
            sha.as_deref(),
        );
        mf.input = args.input.input.display().to_string();
        plan.json("--model-out", &mf.to_json()?)?;
    }
    let profiles = fit.profiles();
    let rec = record::record("kmeans", args, &data, sha.as_deref());
    let line = format!(
        "k-means: n={} d={} k={} inertia={:.6e} n_iter={} converged={} ({:.3} s)",
        x.n_rows(),
        x.n_cols(),
        k,
        result.inertia,
        result.n_iter,
        result.converged,
        read_seconds + fit_seconds
    );
    let extras = ReportExtras {
        silhouette: fit.euclidean_silhouette(plan)?,
        curves: selection
            .as_ref()
            .map(|t| super::sweep::charts(t, "inertia", k))
            .unwrap_or_default(),
        ..ReportExtras::default()
    };
    fit.write_report(
        plan,
        "kmeans",
        &args.input.input,
        &profiles,
        &rec,
        extras,
        &line,
    )?;
    let mut summary = json!({
        "command": "kmeans",
        "input": args.input.input.display().to_string(),
        "k": k,
        "n": x.n_rows(),
        "d": x.n_cols(),
        "dtype": precision.name(),
        "n_iter": result.n_iter,
        "inertia": result.inertia,
        "converged": result.converged,
        "seconds": read_seconds + fit_seconds,
        "read_seconds": read_seconds,
        "fit_seconds": fit_seconds,
        "seed": args.seed,
        "n_init": args.n_init,
        "best_restart": result.diagnostics.best_restart,
        "algorithm": format!("{:?}", result.diagnostics.algorithm).to_lowercase(),
        "empty_clusters_reseeded": result.diagnostics.empty_clusters_reseeded,
        "threads": common::threads(args.run.threads, true),
        "cluster_sizes": profiles[..k].iter().map(|p| p.size).collect::<Vec<_>>(),
        "centers": profile::named_rows(&centers, &data.columns),
        "clusters": fitted::clusters_json(&profiles, &data.columns),
    });
    if let Some(o) = summary.as_object_mut() {
        if let Some(t) = &selection {
            o.insert("selection".into(), super::sweep::table_json(t, "inertia"));
        }
        o.extend(rec);
    }
    plan.json("--summary-out", &summary)?;
    plan.commit()?;
    if !args.run.quiet {
        plan.say(&line);
        let c = &result.centers;
        let distinct = (0..c.n_rows())
            .filter(|&j| (0..j).all(|i| c.row(i) != c.row(j)))
            .count();
        if distinct < c.n_rows() {
            eprintln!(
                "partitive: note: only {distinct} distinct centers for k = {} (fewer distinct \
                 rows than k); coinciding centers get no rows",
                c.n_rows()
            );
        }
    }
    Ok(())
}
