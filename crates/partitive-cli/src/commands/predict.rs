//! `partitive predict MODEL INPUT`: labels new rows with a model saved by `--model-out`.
//!
//! The input is read with the model's columns (by name when the model has names: extra
//! columns are ignored, a missing one is an error naming it), in the model's precision,
//! scaled with the model's scaler, and labelled by the method's own assignment kernel — so
//! the training rows get exactly the fit's labels back.

use crate::cli::{DtypeFlag, PredictArgs};
use crate::common;
use crate::data::{self, Loaded};
use crate::fitted::{expand, write_frame};
use crate::model::{Dtype, Model, ModelFile, Prediction};
use crate::outputs::{self, Holds, OutputPlan};
use crate::record::{self, Checksum};
use anyhow::{anyhow, bail, Result};
use partitive::preprocess::ScaleKind;
use partitive::{Float, Mat};
use partitive_io::{read_mixed, CategoricalColumns, IoErrorKind, ReadOptions};
use serde_json::json;
use std::time::Instant;

/// The run's inputs and outputs (also checked by [`crate::check_args`]).
pub(crate) fn outputs(args: &PredictArgs) -> outputs::PlanBuilder<'_> {
    outputs::plan(&args.input, &args.run)
        .input("the model", Some(args.model.as_path()))
        .output("--labels-out", args.labels_out.as_deref(), Holds::Labels)
        .output("--proba-out", args.proba_out.as_deref(), Holds::Matrix)
        .output("--output", args.output.as_deref(), Holds::Table)
}

pub fn run(args: PredictArgs) -> Result<()> {
    let mut plan = outputs(&args).build()?;
    let mf = ModelFile::read(&args.model)?;
    let kind = kind_name(&mf.model);
    if args.proba_out.is_some() && !mf.model.has_proba() {
        bail!(
            "--proba-out: a {kind} model has no cluster probabilities (gmm, auto and hdbscan models have)"
        );
    }
    if let (Some(_), Some(names)) = (&args.input.columns, &mf.columns) {
        bail!(
            "--columns: the model names its columns ({}); predict reads those",
            names.join(", ")
        );
    }
    let wanted = match mf.dtype {
        Dtype::F32 => DtypeFlag::F32,
        Dtype::F64 => DtypeFlag::F64,
    };
    if args.input.dtype != DtypeFlag::Auto && args.input.dtype != wanted {
        bail!(
            "--dtype: the model was fitted in {}; predict computes in the same precision",
            match mf.dtype {
                Dtype::F32 => "float32",
                Dtype::F64 => "float64",
            }
        );
    }
    match mf.dtype {
        Dtype::F32 => run_typed::<f32>(&args, &mut plan, &mf),
        Dtype::F64 => run_typed::<f64>(&args, &mut plan, &mf),
    }
}

fn kind_name(m: &Model) -> &'static str {
    match m {
        Model::Kmeans { .. } => "kmeans",
        Model::Gmm { .. } => "gmm",
        Model::Kmedoids { .. } => "kmedoids",
        Model::KmedoidsGower { .. } => "kmedoids (gower)",
        Model::Auto { .. } => "auto",
        Model::Hdbscan(_) => "hdbscan",
    }
}

/// The reading options for `mf`: its columns, its ID column when the input has one.
fn options(args: &PredictArgs, mf: &ModelFile, numeric: bool) -> Result<ReadOptions> {
    let mut opts = if numeric {
        data::numeric_options(&args.input)?
    } else {
        common::read_options(&args.input)?
    };
    if let Some(names) = &mf.columns {
        opts.columns = Some(names.clone());
    }
    Ok(opts)
}

/// A reading error of the input, said as a mismatch with the model where it is one.
fn mismatch(args: &PredictArgs, mf: &ModelFile, e: partitive_io::IoError) -> anyhow::Error {
    if matches!(e.kind(), IoErrorKind::InvalidParameter { name: "columns" }) {
        let want = mf
            .columns
            .as_ref()
            .map(|c| c.join(", "))
            .unwrap_or_default();
        anyhow!(
            "{} does not match the model {} (its columns: {want}): {e}",
            args.input.input.display(),
            args.model.display()
        )
    } else {
        common::input_error(&args.input, e)
    }
}

/// Reads the input with the model's ID column when it has one (else row numbers).
fn read_table<T: Float>(args: &PredictArgs, mf: &ModelFile) -> Result<Loaded<T>> {
    let mut opts = options(args, mf, true)?;
    let quiet_run = crate::cli::RunArgs {
        threads: args.run.threads,
        quiet: args.run.quiet,
        summary_out: None,
    };
    if opts.id_column.is_none() {
        if let Some(id) = &mf.id_column {
            let mut with_id = opts.clone();
            with_id.id_column = Some(id.clone());
            if let Ok(t) = load::<T>(args, mf, &with_id, &quiet_run) {
                return Ok(t);
            }
        }
        opts.id_column = None;
    }
    load::<T>(args, mf, &opts, &quiet_run)
}

fn load<T: Float>(
    args: &PredictArgs,
    mf: &ModelFile,
    opts: &ReadOptions,
    run: &crate::cli::RunArgs,
) -> Result<Loaded<T>> {
    let table = partitive_io::read_table::<T>(&args.input.input, opts)
        .map_err(|e| mismatch(args, mf, e))?;
    let names = table.data.column_names().map(<[String]>::to_vec);
    let info = table.info;
    let raw = table.data.into_mat();
    let _ = (run, ScaleKind::None);
    Ok(data::loaded_from(raw, names, info))
}

/// The Gower input: the model's columns, categories coded with the training levels (a
/// category unseen in training gets −1, which matches no medoid).
fn read_gower(args: &PredictArgs, mf: &ModelFile) -> Result<Loaded<f64>> {
    let Model::KmedoidsGower { levels, .. } = &mf.model else {
        bail!("not a Gower model");
    };
    let opts = options(args, mf, false)?;
    let cats: Vec<String> = (0..mf.n_features)
        .filter(|&c| levels[c].is_some())
        .map(|c| match &mf.columns {
            Some(n) => n[c].clone(),
            None => c.to_string(),
        })
        .collect();
    let spec = if cats.is_empty() {
        CategoricalColumns::Auto
    } else {
        CategoricalColumns::Exactly(cats)
    };
    let t = read_mixed(&args.input.input, &opts, &spec).map_err(|e| mismatch(args, mf, e))?;
    if t.n_cols() != mf.n_features {
        bail!(
            "{} has {} feature columns, the model {}",
            args.input.input.display(),
            t.n_cols(),
            mf.n_features
        );
    }
    let mut m = t.view().to_owned();
    for (c, lv) in levels.iter().enumerate() {
        let (Some(train), Some(new)) = (lv, t.levels(c)) else {
            continue;
        };
        let map: Vec<f64> = new
            .iter()
            .map(|s| train.iter().position(|x| x == s).map_or(-1.0, |i| i as f64))
            .collect();
        let d = m.n_cols();
        for i in 0..m.n_rows() {
            let v = &mut m.row_mut(i)[c];
            *v = map[*v as usize];
        }
        let _ = d;
    }
    Ok(data::loaded_from(
        m,
        t.column_names().map(<[String]>::to_vec),
        t.info().clone(),
    ))
}

fn run_typed<T: Float>(args: &PredictArgs, plan: &mut OutputPlan, mf: &ModelFile) -> Result<()> {
    let t0 = Instant::now();
    let checksum = Checksum::start(&args.input.input);
    let gower = matches!(mf.model, Model::KmedoidsGower { .. });
    let (pred, loaded_rows, info, columns) = if gower {
        let data = read_gower(args, mf)?;
        let p = common::with_threads(&args.run, || {
            mf.predict(data.raw.view(), plan.wants("--proba-out"))
        })??;
        (p, data.raw.n_rows(), data.info, data.columns)
    } else {
        let data = read_table::<T>(args, mf)?;
        if !args.run.quiet {
            for line in data::notes(
                &args.input.input.display().to_string(),
                &data.info,
                &data.columns,
                data.named,
            ) {
                eprintln!("partitive: note: {line}");
            }
        }
        if data.columns.len() != mf.n_features {
            bail!(
                "{} has {} feature columns, the model {} {}",
                args.input.input.display(),
                data.columns.len(),
                args.model.display(),
                mf.n_features
            );
        }
        let x = if mf.scaler.is_identity() {
            None
        } else {
            Some(common::with_threads(&args.run, || {
                mf.scaler.transform(data.raw.view())
            })??)
        };
        let view = x.as_ref().map_or(data.raw.view(), Mat::view);
        let p: Prediction =
            common::with_threads(&args.run, || mf.predict(view, plan.wants("--proba-out")))??;
        (p, data.raw.n_rows(), data.info, data.columns)
    };
    let seconds = t0.elapsed().as_secs_f64();
    let sha = checksum.finish();
    let kept = info.kept_rows();
    let n_file = info.n_file_rows.max(loaded_rows);
    let labels = expand(&pred.labels, &kept, n_file, -1);
    // HDBSCAN*'s noise is −1, a label: written as such (a dropped row too, its
    // confidence left empty), never as a missing value.
    let missing = (!matches!(mf.model, Model::Hdbscan(_))).then_some(-1);
    plan.label_values("--labels-out", &labels, "cluster", missing)?;
    if let Some(p) = &pred.proba {
        let k = p.n_cols();
        let mut full = vec![f64::NAN; n_file * k];
        for (i, &r) in kept.iter().enumerate() {
            full[r * k..(r + 1) * k].copy_from_slice(p.row(i));
        }
        let names: Vec<String> = if matches!(mf.model, Model::Hdbscan(_)) {
            vec!["probability".to_string()]
        } else {
            (0..k).map(|c| format!("p{c}")).collect()
        };
        plan.matrix(
            "--proba-out",
            Mat::from_vec(full, n_file, k)?.view(),
            Some(&names),
        )?;
    }
    if plan.wants("--output") {
        let rows: Vec<i64> = (0..n_file as i64).collect();
        let conf = pred
            .confidence
            .as_ref()
            .map(|c| expand(c, &kept, n_file, f64::NAN));
        write_frame(
            plan,
            info.ids.as_ref(),
            &rows,
            &labels,
            missing,
            conf.as_deref(),
        )?;
    }
    let mut sizes = vec![0usize; mf.k];
    for &l in &pred.labels {
        if l >= 0 && (l as usize) < sizes.len() {
            sizes[l as usize] += 1;
        }
    }
    let n_noise = pred.labels.iter().filter(|&&l| l < 0).count();
    let line = format!(
        "predict: n={} k={} model={} ({}) sizes={:?}{} ({:.3} s)",
        pred.labels.len(),
        mf.k,
        kind_name(&mf.model),
        args.model.display(),
        sizes,
        if matches!(mf.model, Model::Hdbscan(_)) {
            format!(" noise={n_noise}")
        } else {
            String::new()
        },
        seconds
    );
    let summary = json!({
        "command": "predict",
        "partitive_version": record::VERSION,
        "parameters": serde_json::to_value(args)?,
        "input": args.input.input.display().to_string(),
        "input_sha256": sha,
        "model": args.model.display().to_string(),
        "model_kind": kind_name(&mf.model),
        "model_input_sha256": mf.input_sha256,
        "columns": columns,
        "k": mf.k,
        "n": pred.labels.len(),
        "rows": {"in_file": n_file, "used": pred.labels.len(), "dropped_missing": info.dropped.len()},
        "cluster_sizes": sizes,
        "n_noise": matches!(mf.model, Model::Hdbscan(_)).then_some(n_noise),
        "seconds": seconds,
    });
    plan.json("--summary-out", &summary)?;
    plan.commit()?;
    if !args.run.quiet {
        plan.say(&line);
    }
    Ok(())
}
