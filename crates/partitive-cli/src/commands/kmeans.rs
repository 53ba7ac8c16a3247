//! `partitive kmeans`.

use crate::cli::{KmeansAlgorithmFlag, KmeansArgs, KmeansInitFlag};
use crate::common::{self, Precision};
use crate::outputs::{self, Holds, OutputPlan};
use crate::progress::Progress;
use anyhow::{Context, Result};
use partitive::kmeans::{Algorithm, Init, KMeans};
use partitive::Float;
use serde_json::json;
use std::time::Instant;

pub fn run(args: KmeansArgs) -> Result<()> {
    let mut plan = outputs::plan(&args.input, &args.run)
        .input("--init-centers", args.init_centers.as_deref())
        .output("--labels-out", args.labels_out.as_deref(), Holds::Labels)
        .output("--centers-out", args.centers_out.as_deref(), Holds::Matrix)
        .build()?;
    match common::precision(&args.input)? {
        Precision::F32 => run_typed::<f32>(&args, &mut plan, Precision::F32),
        Precision::F64 => run_typed::<f64>(&args, &mut plan, Precision::F64),
    }
}

fn run_typed<T: Float>(
    args: &KmeansArgs,
    plan: &mut OutputPlan,
    precision: Precision,
) -> Result<()> {
    let t0 = Instant::now();
    let opts = common::read_options(&args.input)?;
    let data = common::read_data::<T>(&args.input, &opts)?;
    let x = data.view();
    let read_seconds = t0.elapsed().as_secs_f64();

    let init = match &args.init_centers {
        Some(p) => {
            let c = partitive_io::read_matrix::<T>(p, &partitive_io::ReadOptions::default())
                .map_err(|e| common::input_error(&args.input, e))
                .context("--init-centers")?;
            Init::Centers(c.view().to_owned())
        }
        None => match args.init {
            KmeansInitFlag::KmeansPlusPlus => Init::KMeansPlusPlus,
            KmeansInitFlag::Deterministic => Init::Deterministic,
        },
    };
    let algorithm = match args.algorithm {
        KmeansAlgorithmFlag::Auto => Algorithm::Auto,
        KmeansAlgorithmFlag::Lloyd => Algorithm::Lloyd,
        KmeansAlgorithmFlag::Hamerly => Algorithm::Hamerly,
        KmeansAlgorithmFlag::Yinyang => Algorithm::Yinyang,
    };
    let params = KMeans::params::<T>(args.k)
        .seed(args.seed)
        .n_init(args.n_init)
        .max_iter(args.max_iter)
        .tol(args.tol)
        .init(init)
        .algorithm(algorithm);

    let progress = Progress::new(
        args.run.quiet,
        (args.max_iter * args.n_init) as u64,
        "k-means",
    );
    let t1 = Instant::now();
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
    .with_context(|| format!("k-means on {}", args.input.input.display()))?;
    progress.finish();
    let fit_seconds = t1.elapsed().as_secs_f64();

    plan.labels("--labels-out", &result.labels)?;
    plan.matrix("--centers-out", result.centers.view(), None)?;
    let summary = json!({
        "command": "kmeans",
        "input": args.input.input.display().to_string(),
        "k": args.k,
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
    });
    plan.json("--summary-out", &summary)?;
    plan.commit()?;
    if !args.run.quiet {
        plan.say(&format!(
            "k-means: n={} d={} k={} inertia={:.6e} n_iter={} converged={} ({:.3} s)",
            x.n_rows(),
            x.n_cols(),
            args.k,
            result.inertia,
            result.n_iter,
            result.converged,
            read_seconds + fit_seconds
        ));
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
