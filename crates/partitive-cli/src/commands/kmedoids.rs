//! `partitive kmedoids`.

use crate::cli::{KmedoidsAlgorithmFlag, KmedoidsArgs, KmedoidsInitFlag, MetricFlag};
use crate::common::{self, Precision};
use crate::outputs::{self, Holds, OutputPlan};
use anyhow::{bail, Context, Result};
use partitive::dissimilarity::{
    Condensed, DenseMatrix, Dissimilarity, Metric, MetricDissimilarity, TriangleLayout,
};
use partitive::kmedoids::{Algorithm, Clara, Init, KMedoids, KMedoidsResult};
use partitive::{metrics, Float, MatRef};
use serde_json::json;
use std::time::Instant;

pub fn run(args: KmedoidsArgs) -> Result<()> {
    if args.categorical.is_some() && !matches!(args.metric, MetricFlag::Gower) {
        bail!("--categorical only applies to --metric gower");
    }
    let mut plan = outputs::plan(&args.input, &args.run)
        .input("--init-medoids", args.init_medoids.as_deref())
        .output("--labels-out", args.labels_out.as_deref(), Holds::Labels)
        .output("--medoids-out", args.medoids_out.as_deref(), Holds::Labels)
        .build()?;
    // Gower reads mixed numeric and text columns (as f64); everything else computes in
    // the file's precision.
    if matches!(args.metric, MetricFlag::Gower) && !args.precomputed {
        return super::kmedoids_gower::run(&args, &mut plan);
    }
    match common::precision(&args.input)? {
        Precision::F32 => run_typed::<f32>(&args, &mut plan, Precision::F32),
        Precision::F64 => run_typed::<f64>(&args, &mut plan, Precision::F64),
    }
}

fn metric(m: MetricFlag) -> Option<Metric> {
    Some(match m {
        MetricFlag::Euclidean => Metric::Euclidean,
        MetricFlag::Sqeuclidean => Metric::SqEuclidean,
        MetricFlag::Manhattan => Metric::Manhattan,
        MetricFlag::Chebyshev => Metric::Chebyshev,
        MetricFlag::Cosine => Metric::Cosine,
        MetricFlag::Hamming => Metric::Hamming,
        MetricFlag::Jaccard => Metric::Jaccard,
        MetricFlag::Gower => return None,
    })
}

pub(super) fn read_medoids(args: &KmedoidsArgs) -> Result<Option<Vec<usize>>> {
    let Some(p) = &args.init_medoids else {
        return Ok(None);
    };
    let text =
        std::fs::read_to_string(p).with_context(|| format!("--init-medoids {}", p.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let v: usize = t.parse().map_err(|_| {
            anyhow::anyhow!(
                "{}:{}:1: cannot parse '{t}' as a row index",
                p.display(),
                i + 1
            )
        })?;
        out.push(v);
    }
    Ok(Some(out))
}

pub(super) fn fit<D: Dissimilarity>(
    args: &KmedoidsArgs,
    d: &D,
    given: Option<Vec<usize>>,
) -> Result<KMedoidsResult> {
    if let Some(m) = &given {
        if m.len() != args.k {
            bail!(
                "--init-medoids holds {} indices but -k is {}",
                m.len(),
                args.k
            );
        }
    }
    let r = match args.algorithm {
        KmedoidsAlgorithmFlag::Clara => {
            if given.is_some() {
                bail!("--init-medoids cannot be used with --algorithm clara (each sample starts from BUILD)");
            }
            Clara::params(args.k)
                .seed(args.seed)
                .max_iter(args.max_iter)
                .fit(d)?
        }
        a => {
            let algorithm = match a {
                KmedoidsAlgorithmFlag::Pam => Algorithm::Pam,
                KmedoidsAlgorithmFlag::Fastpam1 => Algorithm::FastPam1,
                KmedoidsAlgorithmFlag::Fasterpam => Algorithm::FasterPam,
                KmedoidsAlgorithmFlag::Alternating => Algorithm::Alternating,
                KmedoidsAlgorithmFlag::Clarans => Algorithm::FastClarans {
                    num_local: 2,
                    max_neighbor: None,
                },
                KmedoidsAlgorithmFlag::Clara => unreachable!("handled above"),
            };
            let init = match (given, args.init) {
                (Some(m), _) => Init::Given(m),
                (None, KmedoidsInitFlag::Build) => Init::Build,
                (None, KmedoidsInitFlag::Random) => Init::Random,
                (None, KmedoidsInitFlag::KmedoidsPlusPlus) => Init::KMedoidsPlusPlus,
                (None, KmedoidsInitFlag::Lab) => Init::Lab,
            };
            KMedoids::params(args.k)
                .algorithm(algorithm)
                .init(init)
                .seed(args.seed)
                .max_iter(args.max_iter)
                .fit(d)?
        }
    };
    Ok(r)
}

fn run_typed<T: Float>(
    args: &KmedoidsArgs,
    plan: &mut OutputPlan,
    precision: Precision,
) -> Result<()> {
    let t0 = Instant::now();
    let opts = common::read_options(&args.input)?;
    let data = common::read_data::<T>(&args.input, &opts)?;
    let x: MatRef<'_, T> = data.view();
    let read_seconds = t0.elapsed().as_secs_f64();
    let given = read_medoids(args)?;
    let t1 = Instant::now();
    let ctx = || format!("k-medoids on {}", args.input.input.display());

    let (result, silhouette, n) = common::with_threads(&args.run, || -> Result<_> {
        if args.precomputed {
            if x.n_rows() == x.n_cols() {
                let d = DenseMatrix::new(x)?;
                let r = fit(args, &d, given)?;
                let s = silhouettes(args, &d, &r)?;
                Ok((r, s, d.n()))
            } else if let (1, Some(n)) = (x.n_cols(), Condensed::<T>::n_for_len(x.n_rows())) {
                let d = Condensed::new(x.as_slice(), n, TriangleLayout::UpperRowMajor)?;
                let r = fit(args, &d, given)?;
                let s = silhouettes(args, &d, &r)?;
                Ok((r, s, n))
            } else {
                bail!(
                    "--precomputed needs a square n × n matrix or a condensed vector of n(n−1)/2 values; {} is {} × {}",
                    args.input.input.display(),
                    x.n_rows(),
                    x.n_cols()
                )
            }
        } else {
            let m = metric(args.metric).context("gower is read by kmedoids_gower")?;
            let d = MetricDissimilarity::new(x, m)?;
            let r = fit(args, &d, given)?;
            let s = silhouettes(args, &d, &r)?;
            Ok((r, s, d.n()))
        }
    })?
    .with_context(ctx)?;
    let fit_seconds = t1.elapsed().as_secs_f64();
    report(
        args,
        plan,
        &Outcome {
            result,
            silhouette,
            n,
            precision,
            read_seconds,
            fit_seconds,
        },
        serde_json::Map::new(),
    )
}

/// What a k-medoids run produced, for [`report`].
pub(super) struct Outcome {
    pub result: KMedoidsResult,
    pub silhouette: Option<(f64, f64)>,
    pub n: usize,
    pub precision: Precision,
    pub read_seconds: f64,
    pub fit_seconds: f64,
}

/// Writes the output files and the summary (with `extra` fields), prints the result line.
pub(super) fn report(
    args: &KmedoidsArgs,
    plan: &mut OutputPlan,
    out: &Outcome,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<()> {
    let Outcome {
        result,
        silhouette,
        n,
        precision,
        read_seconds,
        fit_seconds,
    } = out;
    let (silhouette, n, read_seconds, fit_seconds) = (*silhouette, *n, *read_seconds, *fit_seconds);
    plan.labels("--labels-out", &result.labels)?;
    plan.labels("--medoids-out", &result.medoids)?;
    let mut sizes = vec![0usize; result.medoids.len()];
    for &l in &result.labels {
        sizes[l] += 1;
    }
    let mut summary = json!({
        "command": "kmedoids",
        "input": args.input.input.display().to_string(),
        "k": args.k,
        "n": n,
        "dtype": precision.name(),
        "algorithm": format!("{:?}", args.algorithm).to_lowercase(),
        "dissimilarity": if args.precomputed { "precomputed".to_string() } else { format!("{:?}", args.metric).to_lowercase() },
        "loss": result.loss,
        "medoids": result.medoids,
        "cluster_sizes": sizes,
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
    if let Some(obj) = summary.as_object_mut() {
        obj.extend(extra);
    }
    plan.json("--summary-out", &summary)?;
    plan.commit()?;
    if !args.run.quiet {
        plan.say(&format!(
            "k-medoids: n={} k={} loss={:.6e} n_iter={} n_swaps={}{} ({:.3} s)",
            n,
            args.k,
            result.loss,
            result.n_iter,
            result.n_swaps,
            silhouette
                .map(|s| format!(" silhouette={:.4}", s.0))
                .unwrap_or_default(),
            read_seconds + fit_seconds
        ));
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
