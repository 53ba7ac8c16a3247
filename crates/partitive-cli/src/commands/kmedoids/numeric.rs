//! k-medoids on numeric rows under a metric, or on a precomputed matrix (square or
//! condensed), in the file's precision.

use super::fit::{fit, read_medoids, warn_quadratic};
use super::plan::{Plan, Source};
use super::report::{report, sample_if, silhouettes, Outcome};
use crate::cli::KmedoidsArgs;
use crate::common::{self, Precision};
use crate::data;
use crate::model::{Model, StoredMat};
use crate::outputs::OutputPlan;
use crate::record::Checksum;
use anyhow::{bail, Context, Result};
use partitive::dissimilarity::{
    Condensed, DenseMatrix, Dissimilarity, MetricDissimilarity, TriangleLayout,
};
use partitive::{Float, MatRef};
use std::time::Instant;

/// Runs on `source` ([`Source::Rows`] or [`Source::Precomputed`]).
pub(super) fn run<T: Float>(
    args: &KmedoidsArgs,
    resolved: &Plan,
    source: Source,
    plan: &mut OutputPlan,
    precision: Precision,
) -> Result<()> {
    let precomputed = source == Source::Precomputed;
    let t0 = Instant::now();
    let checksum = Checksum::start(&args.input.input);
    let opts = if precomputed {
        common::read_options(&args.input)?
    } else {
        data::numeric_options(&args.input)?
    };
    let data = data::load_as::<T>(
        &args.input,
        &opts,
        data::scale_kind(args.out.scale),
        &args.run,
        !precomputed,
    )?;
    let x: MatRef<'_, T> = data.x();
    let read_seconds = t0.elapsed().as_secs_f64();
    let given = read_medoids(args)?;
    if !precomputed {
        warn_quadratic(args, x.n_rows());
    }
    let t1 = Instant::now();
    let ctx = || format!("k-medoids on {}", args.input.input.display());
    let want_report = plan.wants("--report");

    let (result, silhouette, sample, n, selection) = common::with_threads(&args.run, || -> Result<_> {
        if precomputed {
            if x.n_rows() == x.n_cols() {
                let d = DenseMatrix::new(x)?;
                let (r, sel) = fit(args, resolved, &d, given)?;
                let s = silhouettes(args, &d, &r)?;
                let sample = sample_if(want_report, &d, &r)?;
                Ok((r, s, sample, d.n(), sel))
            } else if let (1, Some(n)) = (x.n_cols(), Condensed::<T>::n_for_len(x.n_rows())) {
                let d = Condensed::new(x.as_slice(), n, TriangleLayout::UpperRowMajor)?;
                let (r, sel) = fit(args, resolved, &d, given)?;
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
            let Source::Rows(m) = source else {
                bail!("k-medoids on rows needs a metric")
            };
            let d = MetricDissimilarity::new(x, m)?;
            let (r, sel) = fit(args, resolved, &d, given)?;
            let s = silhouettes(args, &d, &r)?;
            let sample = sample_if(want_report, &d, &r)?;
            Ok((r, s, sample, d.n(), sel))
        }
    })?
    .with_context(ctx)?;
    let fit_seconds = t1.elapsed().as_secs_f64();
    let sha = checksum.finish();
    let model = match source {
        Source::Rows(m) => Some((m, x)),
        _ => None,
    }
    .map(|(m, x)| {
        let med: Vec<T> = result
            .medoids
            .iter()
            .flat_map(|&m| x.row(m).to_vec())
            .collect();
        let med = MatRef::new(&med, result.medoids.len(), x.n_cols()).expect("medoid rows");
        Model::Kmedoids {
            metric: m.name().to_string(),
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
