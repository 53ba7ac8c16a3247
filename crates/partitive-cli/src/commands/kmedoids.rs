//! `partitive kmedoids`.

use super::sweep::{charts, sweep, table_json, SweepRow};
use crate::cli::{
    KmedoidsAlgorithmFlag, KmedoidsArgs, KmedoidsInitFlag, MetricFlag, MissingFlag, ScaleFlag,
};
use crate::common::{self, Precision};
use crate::data::{self, Loaded};
use crate::fitted::{self, Fitted, ReportExtras};
use crate::model::{Model, StoredMat};
use crate::outputs::{self, Holds, OutputPlan};
use crate::profile;
use crate::progress::Progress;
use crate::record::{self, Checksum};
use crate::report::{silhouette_sample, Silhouette};
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
    let gower = matches!(args.metric, MetricFlag::Gower) && !args.precomputed;
    if args.out.scale != ScaleFlag::None && (args.precomputed || gower) {
        bail!(
            "--scale does not apply to {} ({})",
            if gower {
                "--metric gower"
            } else {
                "--precomputed"
            },
            if gower {
                "Gower's dissimilarity already divides every numeric column by its range"
            } else {
                "the input holds dissimilarities, not features"
            }
        );
    }
    if args.precomputed {
        if args.out.model_out.is_some() {
            bail!("--model-out needs features: a --precomputed fit has no rows to compare new data with");
        }
        if args.input.missing != MissingFlag::Error {
            bail!("--missing drop cannot be used with --precomputed (dropping rows would break the square matrix)");
        }
    }
    let plan = outputs::plan(&args.input, &args.run)
        .input("--init-medoids", args.init_medoids.as_deref())
        .output("--labels-out", args.labels_out.as_deref(), Holds::Labels)
        .output("--medoids-out", args.medoids_out.as_deref(), Holds::Labels);
    let mut plan = fitted::plan_outputs(plan, &args.out).build()?;
    // Gower reads mixed numeric and text columns (as f64); everything else computes in
    // the file's precision.
    if gower {
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

/// The k-selection table of a `--k-range` run.
pub(super) type Selection = Option<Vec<SweepRow>>;

/// Fits `-k` or, with `--k-range`, every k of the range (the highest sample silhouette
/// wins, see [`super::sweep`]), returning the fit and the selection table.
pub(super) fn fit<D: Dissimilarity>(
    args: &KmedoidsArgs,
    d: &D,
    given: Option<Vec<usize>>,
) -> Result<(KMedoidsResult, Selection)> {
    let range = match (&args.k, &args.k_range) {
        (Some(k), _) => return Ok((fit_k(args, d, given, *k)?, None)),
        (None, Some(r)) => {
            super::gmm::cap_range(super::gmm::parse_range(r)?, d.n(), args.run.quiet)?
        }
        (None, None) => bail!("give -k K or --k-range A..B"),
    };
    if given.is_some() {
        bail!("--init-medoids cannot be used with --k-range (it fixes k)");
    }
    let len = (range.end() - range.start() + 1) as u64;
    let progress = Progress::new(args.run.quiet, len, "k-medoids sweep");
    let swept = sweep(range, &progress, |k| {
        let r = fit_k(args, d, None, k)?;
        let s = silhouette_sample(d, &r.labels)?.map(|s| s.mean());
        let loss = r.loss;
        Ok((r, loss, s))
    })?;
    progress.finish();
    Ok((swept.best, Some(swept.table)))
}

fn fit_k<D: Dissimilarity>(
    args: &KmedoidsArgs,
    d: &D,
    given: Option<Vec<usize>>,
    k: usize,
) -> Result<KMedoidsResult> {
    if let Some(m) = &given {
        if m.len() != k {
            bail!("--init-medoids holds {} indices but -k is {}", m.len(), k);
        }
    }
    let r = match args.algorithm {
        KmedoidsAlgorithmFlag::Clara => {
            if given.is_some() {
                bail!("--init-medoids cannot be used with --algorithm clara (each sample starts from BUILD)");
            }
            Clara::params(k)
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
            KMedoids::params(k)
                .algorithm(algorithm)
                .init(init)
                .seed(args.seed)
                .max_iter(args.max_iter)
                .fit(d)?
        }
    };
    Ok(r)
}

/// Rows above which the swap algorithms' O(n²) dissimilarities get a warning.
pub const QUADRATIC_WARN_ROWS: usize = 50_000;

/// A warning before O(n²) work on `n` rows (not for CLARA, which works on samples).
pub(super) fn warn_quadratic(args: &KmedoidsArgs, n: usize) {
    if let Some(w) = quadratic_warning(args.algorithm, n).filter(|_| !args.run.quiet) {
        eprintln!("partitive: warning: {w}");
    }
}

/// The warning [`warn_quadratic`] prints, if any.
fn quadratic_warning(algorithm: KmedoidsAlgorithmFlag, n: usize) -> Option<String> {
    if n <= QUADRATIC_WARN_ROWS || matches!(algorithm, KmedoidsAlgorithmFlag::Clara) {
        return None;
    }
    Some(format!(
        "--algorithm {} on {n} rows evaluates O(n²) ≈ {:.1e} dissimilarities (minutes to hours); --algorithm clara works on samples in O(n·k) and suits large n",
        format!("{algorithm:?}").to_lowercase(),
        (n as f64) * (n as f64)
    ))
}

fn run_typed<T: Float>(
    args: &KmedoidsArgs,
    plan: &mut OutputPlan,
    precision: Precision,
) -> Result<()> {
    let t0 = Instant::now();
    let checksum = Checksum::start(&args.input.input);
    let opts = if args.precomputed {
        common::read_options(&args.input)?
    } else {
        data::numeric_options(&args.input)?
    };
    let data = data::load_as::<T>(
        &args.input,
        &opts,
        data::scale_kind(args.out.scale),
        &args.run,
        !args.precomputed,
    )?;
    let x: MatRef<'_, T> = data.x();
    let read_seconds = t0.elapsed().as_secs_f64();
    let given = read_medoids(args)?;
    if !args.precomputed {
        warn_quadratic(args, x.n_rows());
    }
    let t1 = Instant::now();
    let ctx = || format!("k-medoids on {}", args.input.input.display());
    let want_report = plan.wants("--report");

    let (result, silhouette, sample, n, selection) = common::with_threads(&args.run, || -> Result<_> {
        if args.precomputed {
            if x.n_rows() == x.n_cols() {
                let d = DenseMatrix::new(x)?;
                let (r, sel) = fit(args, &d, given)?;
                let s = silhouettes(args, &d, &r)?;
                let sample = sample_if(want_report, &d, &r)?;
                Ok((r, s, sample, d.n(), sel))
            } else if let (1, Some(n)) = (x.n_cols(), Condensed::<T>::n_for_len(x.n_rows())) {
                let d = Condensed::new(x.as_slice(), n, TriangleLayout::UpperRowMajor)?;
                let (r, sel) = fit(args, &d, given)?;
                let s = silhouettes(args, &d, &r)?;
                let sample = sample_if(want_report, &d, &r)?;
                Ok((r, s, sample, n, sel))
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
            let (r, sel) = fit(args, &d, given)?;
            let s = silhouettes(args, &d, &r)?;
            let sample = sample_if(want_report, &d, &r)?;
            Ok((r, s, sample, d.n(), sel))
        }
    })?
    .with_context(ctx)?;
    let fit_seconds = t1.elapsed().as_secs_f64();
    let sha = checksum.finish();
    let model = (!args.precomputed).then(|| {
        let med: Vec<T> = result
            .medoids
            .iter()
            .flat_map(|&m| x.row(m).to_vec())
            .collect();
        let med = MatRef::new(&med, result.medoids.len(), x.n_cols()).expect("medoid rows");
        Model::Kmedoids {
            metric: metric(args.metric)
                .map_or("gower", |m| m.name())
                .to_string(),
            medoids: StoredMat::of(med),
            medoid_rows: result.medoids.clone(),
        }
    });
    report(
        args,
        plan,
        &data,
        Outcome {
            result,
            silhouette,
            sample,
            n,
            precision,
            read_seconds,
            fit_seconds,
            sha,
            model,
            categorical: Vec::new(),
            selection,
        },
        serde_json::Map::new(),
    )
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadratic_work_is_announced_above_the_threshold() {
        let w = quadratic_warning(KmedoidsAlgorithmFlag::Fasterpam, 200_000).unwrap();
        assert!(
            w.contains("200000 rows") && w.contains("4.0e10") && w.contains("--algorithm clara"),
            "{w}"
        );
        assert!(quadratic_warning(KmedoidsAlgorithmFlag::Fasterpam, QUADRATIC_WARN_ROWS).is_none());
        assert!(quadratic_warning(KmedoidsAlgorithmFlag::Clara, 1_000_000).is_none());
    }
}
