//! `partitive kmeans --stream`: the fit from passes over the file's chunks, then a pass
//! writing the labels.

use crate::cli::KmeansArgs;
use crate::common::{self, Precision};
use crate::outputs::OutputPlan;
use crate::progress::Progress;
use anyhow::{bail, Context, Result};
use partitive::kmeans::{Algorithm, Init, KMeans, KMeansParams};
use partitive::{Float, MatRef};
use partitive_io::ReadOptions;
use serde_json::json;
use std::time::Instant;

/// The fit from passes over the file's chunks, then the pass writing the labels.
fn fit_stream<T: Float>(
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

/// `--stream`: the fit over chunks of the file; one k, the data
/// as they are (no scaling), labels, centers and the summary only.
pub(super) fn run<T: Float>(
    args: &KmeansArgs,
    plan: &mut OutputPlan,
    precision: Precision,
) -> Result<()> {
    let Some(k) = args.k else {
        bail!("--stream needs -k K (--k-range fits every k on the whole data)");
    };
    for (given, flag) in [
        (args.out.model_out.is_some(), "--model-out"),
        (args.out.output.is_some(), "--output"),
        (args.out.report.is_some(), "--report"),
        (
            !matches!(args.out.scale, crate::cli::ScaleFlag::None),
            "--scale",
        ),
    ] {
        if given {
            bail!("{flag} cannot be combined with --stream (it needs the rows in memory)");
        }
    }
    let opts = common::read_options(&args.input)?;
    let params = stream_params::<T>(args, k)?;
    fit_stream::<T>(args, plan, precision, &opts, &params)
}

/// The progress line of an iteration.
fn observe(progress: &Progress, info: &partitive::kmeans::IterationInfo) {
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
}

/// The run's one-line result, and a note when centers coincide.
#[allow(clippy::too_many_arguments)]
fn say<T: Float>(
    plan: &OutputPlan,
    _args: &KmeansArgs,
    n: usize,
    c: &partitive::Mat<T>,
    inertia: f64,
    n_iter: usize,
    converged: bool,
    seconds: f64,
) {
    plan.say(&format!(
        "k-means: n={} d={} k={} inertia={:.6e} n_iter={} converged={} ({:.3} s)",
        n,
        c.n_cols(),
        c.n_rows(),
        inertia,
        n_iter,
        converged,
        seconds
    ));
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

/// The k-means parameters the flags give, for the streamed fit.
fn stream_params<T: Float>(
    args: &KmeansArgs,
    k: usize,
) -> Result<partitive::kmeans::KMeansParams<T>> {
    let init = match &args.init_centers {
        Some(p) => {
            let c = partitive_io::read_matrix::<T>(p, &partitive_io::ReadOptions::default())
                .map_err(|e| common::input_error(&args.input, e))
                .context("--init-centers")?;
            Init::Centers(c.view().to_owned())
        }
        None => args.init.into(),
    };
    let algorithm = Algorithm::from(args.algorithm);
    Ok(KMeans::params::<T>(k)
        .seed(args.seed)
        .n_init(args.n_init)
        .max_iter(args.max_iter)
        .tol(args.tol)
        .init(init)
        .algorithm(algorithm))
}
