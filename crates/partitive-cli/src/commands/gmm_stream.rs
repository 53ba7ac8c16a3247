//! `partitive gmm --stream`: the fit from passes over the file's chunks, then a pass
//! writing the labels.

use crate::cli::{GmmArgs, ScaleFlag};
use crate::common::{self, Precision};
use crate::outputs::OutputPlan;
use crate::profile;
use crate::progress::Progress;
use anyhow::{bail, Context, Result};
use partitive::gmm::GaussianMixture;
use partitive::{Float, MatRef};
use serde_json::json;
use std::time::Instant;

/// `--stream`: one k and one covariance type, the data as they are (no scaling), labels
/// and the summary only.
pub(super) fn run<T: Float>(
    args: &GmmArgs,
    plan: &mut OutputPlan,
    precision: Precision,
) -> Result<()> {
    let Some(k) = args.k else {
        bail!("--stream needs -k K (--k-range fits every k on the whole data)");
    };
    if args.covariance.len() != 1 {
        bail!("--stream takes one --covariance (several are compared on the whole data)");
    }
    for (given, flag) in [
        (args.out.model_out.is_some(), "--model-out"),
        (args.out.output.is_some(), "--output"),
        (args.out.report.is_some(), "--report"),
        (args.proba_out.is_some(), "--proba-out"),
        (!matches!(args.out.scale, ScaleFlag::None), "--scale"),
    ] {
        if given {
            bail!("{flag} cannot be combined with --stream (it needs the rows in memory)");
        }
    }
    let opts = common::read_options(&args.input)?;
    let params = GaussianMixture::params::<T>(k)
        .covariance(args.covariance[0].into())
        .reg_covar(args.reg_covar)
        .tol(args.tol)
        .max_iter(args.max_iter)
        .seed(args.seed);
    let path = &args.input.input;
    let t1 = Instant::now();
    let progress = Progress::new(args.run.quiet, args.max_iter as u64, "EM");
    let mut passes = 0usize;
    // The file's column names (a header, Parquet): the means' keys, as in memory.
    let mut names: Option<Vec<String>> = None;
    let mut pass = |f: &mut dyn FnMut(MatRef<'_, T>)| -> Result<()> {
        passes += 1;
        let info = partitive_io::for_each_chunk::<T>(path, &opts, common::STREAM_ROWS, |m| {
            f(m);
            Ok(())
        })
        .map_err(|e| common::input_error(&args.input, e))?;
        names = info.column_names;
        Ok(())
    };
    let fit = common::with_threads(&args.run, || {
        params.fit_passes(&mut pass, &mut |info| {
            progress.update(info.iteration as u64, args.max_iter as u64, || {
                format!(
                    "iter {} mean log-lik {:.6}",
                    info.iteration, info.lower_bound
                )
            })
        })
    })?
    .with_context(|| format!("Gaussian mixture on {}", path.display()))?;
    progress.finish();
    let fit_seconds = t1.elapsed().as_secs_f64();

    // The labels pass: each chunk's labels appended to the staged file.
    let t2 = Instant::now();
    let k = fit.model.n_components();
    let mut sizes = vec![0usize; k];
    plan.labels_with("--labels-out", |f| {
        let mut bad = None;
        common::with_threads(&args.run, || {
            partitive_io::for_each_chunk::<T>(path, &opts, common::STREAM_ROWS, |m| {
                match fit.labels(m) {
                    Ok(l) => {
                        l.iter().for_each(|&c| sizes[c] += 1);
                        partitive_io::write_labels_into(f, &l)?
                    }
                    Err(e) => bad = Some(e),
                }
                Ok(())
            })
        })?
        .map_err(|e| common::input_error(&args.input, e))?;
        passes += 1;
        match bad {
            Some(e) => Err(e).with_context(|| format!("labels of {}", path.display())),
            None => Ok(()),
        }
    })?;
    let labels_seconds = t2.elapsed().as_secs_f64();
    let m = &fit.model;
    let d = m.n_features();
    let columns = names.unwrap_or_else(|| (1..=d).map(|j| format!("column {j}")).collect());
    let means: Vec<Vec<f64>> = (0..k).map(|c| m.params.means.row(c).to_vec()).collect();
    let diag = &m.diagnostics;
    let seconds = fit_seconds + labels_seconds;
    let mut summary = json!({
        "command": "gmm",
        "input": path.display().to_string(),
        "streamed": true,
        "passes": passes,
        "k": k,
        "n": fit.n_rows,
        "d": d,
        "dtype": precision.name(),
        "covariance": m.covariance_type.name(),
        "n_iter": m.n_iter,
        "converged": m.converged,
        "lower_bound": m.lower_bound,
        "log_likelihood": m.log_likelihood,
        "mean_log_likelihood": m.mean_log_likelihood,
        "bic": m.bic,
        "aic": m.aic,
        "icl": m.icl,
        "weights": m.params.weights,
        "means": profile::named_rows(&means, &columns),
        "seconds": seconds,
        "fit_seconds": fit_seconds,
        "labels_seconds": labels_seconds,
        "seed": args.seed,
        "threads": common::threads(args.run.threads, true),
        "diagnostics": {
            "regularized": diag.regularized.len(),
            "collapsed_components": diag.collapsed_components,
            "underpopulated_components": diag.underpopulated_components,
            "constant_columns": diag.constant_columns,
            "empty_initial_components": diag.empty_initial_components,
        },
    });
    if plan.wants("--labels-out") {
        if let Some(o) = summary.as_object_mut() {
            o.insert("cluster_sizes".into(), json!(sizes));
        }
    }
    plan.json("--summary-out", &summary)?;
    plan.commit()?;
    if !args.run.quiet {
        plan.say(&format!(
            "gmm: n={} d={} k={} covariance={} bic={:.6e} mean log-lik={:.6} n_iter={} converged={} ({:.3} s)",
            fit.n_rows,
            d,
            k,
            m.covariance_type.name(),
            m.bic,
            m.mean_log_likelihood,
            m.n_iter,
            m.converged,
            seconds
        ));
        if !diag.is_clean() {
            eprintln!("partitive: note: covariance regularised or components degenerate (see the summary's diagnostics)");
        }
    }
    Ok(())
}
