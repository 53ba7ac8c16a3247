//! `partitive kmeans --stream`: the fit from passes over the file's chunks, then a pass
//! writing the labels.

use super::kmeans::{observe, say};
use crate::cli::KmeansArgs;
use crate::common::{self, Precision};
use crate::outputs::OutputPlan;
use crate::progress::Progress;
use anyhow::{Context, Result};
use partitive::kmeans::KMeansParams;
use partitive::{Float, MatRef};
use partitive_io::ReadOptions;
use serde_json::json;
use std::time::Instant;

pub(super) fn run<T: Float>(
    args: &KmeansArgs,
    plan: &mut OutputPlan,
    precision: Precision,
    opts: &ReadOptions,
    params: &KMeansParams<T>,
) -> Result<()> {
    let path = &args.input.input;
    let t1 = Instant::now();
    let progress = Progress::new(
        args.run.quiet,
        (args.max_iter * args.n_init) as u64,
        "k-means",
    );
    let mut passes = 0usize;
    // The file's column names (a header, Parquet): the centers' header, as in memory.
    let mut names: Option<Vec<String>> = None;
    let mut pass = |f: &mut dyn FnMut(MatRef<'_, T>)| -> Result<()> {
        passes += 1;
        let info = partitive_io::for_each_chunk::<T>(path, opts, common::STREAM_ROWS, |m| {
            f(m);
            Ok(())
        })
        .map_err(|e| common::input_error(&args.input, e))?;
        names = info.column_names;
        Ok(())
    };
    let fit = common::with_threads(&args.run, || {
        params.fit_passes(&mut pass, &mut |info| observe(&progress, info))
    })?
    .with_context(|| format!("k-means on {}", path.display()))?;
    progress.finish();
    let fit_seconds = t1.elapsed().as_secs_f64();

    // The labels pass: each chunk's labels appended to the staged file.
    let t2 = Instant::now();
    plan.labels_with("--labels-out", |f| {
        let mut bad = None;
        common::with_threads(&args.run, || {
            partitive_io::for_each_chunk::<T>(path, opts, common::STREAM_ROWS, |m| {
                match fit.labels(m) {
                    Ok(l) => partitive_io::write_labels_into(f, &l)?,
                    Err(e) => bad = Some(e),
                }
                Ok(())
            })
        })?
        .map_err(|e| common::input_error(&args.input, e))?;
        passes += 1;
        match bad {
            Some(e) => Err(e).with_context(|| format!("k-means labels of {}", path.display())),
            None => Ok(()),
        }
    })?;
    let labels_seconds = t2.elapsed().as_secs_f64();
    plan.matrix("--centers-out", fit.centers.view(), names.as_deref())?;
    let summary = json!({
        "command": "kmeans",
        "input": path.display().to_string(),
        "streamed": true,
        "passes": passes,
        "k": args.k,
        "n": fit.n_rows,
        "d": fit.centers.n_cols(),
        "dtype": precision.name(),
        "n_iter": fit.n_iter,
        "inertia": fit.inertia,
        "converged": fit.converged,
        "seconds": fit_seconds + labels_seconds,
        "fit_seconds": fit_seconds,
        "labels_seconds": labels_seconds,
        "seed": args.seed,
        "n_init": args.n_init,
        "best_restart": fit.diagnostics.best_restart,
        "algorithm": "lloyd",
        "empty_clusters_reseeded": fit.diagnostics.empty_clusters_reseeded,
        "threads": common::threads(args.run.threads, true),
    });
    plan.json("--summary-out", &summary)?;
    plan.commit()?;
    if !args.run.quiet {
        say(
            plan,
            args,
            fit.n_rows,
            &fit.centers,
            fit.inertia,
            fit.n_iter,
            fit.converged,
            fit_seconds + labels_seconds,
        );
    }
    Ok(())
}
