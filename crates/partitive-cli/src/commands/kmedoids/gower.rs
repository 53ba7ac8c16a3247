//! `partitive kmedoids --metric gower`: mixed numeric and categorical (text) columns.
//!
//! The input is read with [`partitive_io::read_mixed`]: without `--categorical`, every
//! column holding a non-numeric cell is categorical; with it, exactly the listed columns
//! are (names or 0-based indices) and a non-numeric cell elsewhere is an error. Empty
//! cells and `NA`-like markers are errors (file:line:column). Distances are Gower's
//! coefficient (J. C. Gower, "A General Coefficient of Similarity and Some of Its
//! Properties", Biometrics 27(4), 1971, doi:10.2307/2528823), computed on the fly.

use super::fit::{fit, read_medoids, warn_quadratic};
use super::plan::Plan;
use super::report::{report, sample_if, silhouettes, Outcome};
use crate::cli::KmedoidsArgs;
use crate::common::{self, Precision};
use crate::data::loaded_from;
use crate::model::{Model, StoredMat};
use crate::outputs::OutputPlan;
use crate::record::Checksum;
use anyhow::{Context, Result};
use partitive::dissimilarity::{Dissimilarity, Gower};
use partitive::MatRef;
use partitive_io::{read_mixed, CategoricalColumns, MixedTable};
use serde_json::{json, Map, Value};
use std::time::Instant;

/// Category names listed per column in the summary (the count is always given).
const MAX_LISTED: usize = 100;

/// Runs k-medoids with Gower's dissimilarity.
pub(super) fn run(args: &KmedoidsArgs, resolved: &Plan, plan: &mut OutputPlan) -> Result<()> {
    let t0 = Instant::now();
    let checksum = Checksum::start(&args.input.input);
    let opts = common::read_options(&args.input)?;
    let spec = match &args.categorical {
        Some(c) => CategoricalColumns::Exactly(c.clone()),
        None => CategoricalColumns::Auto,
    };
    let table = read_mixed(&args.input.input, &opts, &spec)
        .map_err(|e| common::input_error(&args.input, e))?;
    let read_seconds = t0.elapsed().as_secs_f64();
    let given = read_medoids(args)?;
    warn_quadratic(args, table.n_rows());
    let t1 = Instant::now();
    let flags = table.categorical_flags();
    let want_report = plan.wants("--report");
    let (result, silhouette, sample, n, selection) =
        common::with_threads(&args.run, || -> Result<_> {
            let d = Gower::new(table.view(), &flags, None)?;
            let (r, sel) = fit(args, resolved, &d, given)?;
            let s = silhouettes(args, &d, &r)?;
            let sample = sample_if(want_report, &d, &r)?;
            Ok((r, s, sample, d.n(), sel))
        })?
        .with_context(|| format!("k-medoids on {}", args.input.input.display()))?;
    let fit_seconds = t1.elapsed().as_secs_f64();
    let sha = checksum.finish();
    if !args.run.quiet {
        plan.say(&format!("gower: {}", describe(&table)));
        for line in crate::data::notes(
            &args.input.input.display().to_string(),
            table.info(),
            &[],
            table.column_names().is_some(),
        ) {
            eprintln!("partitive: note: {line}");
        }
        for w in identifier_like(&table) {
            eprintln!("partitive: warning: {w}");
        }
    }
    let x = table.view();
    let ranges = numeric_ranges(&table);
    let med: Vec<f64> = result
        .medoids
        .iter()
        .flat_map(|&m| x.row(m).to_vec())
        .collect();
    let med = MatRef::new(&med, result.medoids.len(), x.n_cols())?;
    let model = Model::KmedoidsGower {
        categorical: flags.clone(),
        ranges,
        levels: (0..table.n_cols())
            .map(|c| table.levels(c).map(<[String]>::to_vec))
            .collect(),
        medoids: StoredMat::of(med),
        medoid_rows: result.medoids.clone(),
    };
    let data = loaded_from(
        x.to_owned(),
        table.column_names().map(<[String]>::to_vec),
        table.info().clone(),
    );
    let mut extra = columns_json(&table);
    extra.insert(
        "medoid_categories".into(),
        medoid_categories(&table, &result.medoids),
    );
    report(
        args,
        plan,
        &data,
        Outcome {
            result,
            silhouette,
            sample,
            n,
            precision: Precision::F64,
            read_seconds,
            fit_seconds,
            sha,
            model: Some(model),
            categorical: flags,
            selection,
        },
        extra,
    )
}

/// The range (max − min) of every numeric column (0 for categorical ones): what Gower
/// divides by, kept in the model so new rows are compared on the training scale.
fn numeric_ranges(t: &MixedTable) -> Vec<f64> {
    partitive::dissimilarity::gower_ranges(t.view(), &t.categorical_flags())
}

/// The medoid rows with their category names (numbers for numeric columns).
fn medoid_categories(t: &MixedTable, medoids: &[usize]) -> Value {
    let x = t.view();
    Value::Array(
        medoids
            .iter()
            .map(|&m| {
                let mut row = Map::new();
                for c in 0..t.n_cols() {
                    let v = x.row(m)[c];
                    let val = match t.levels(c) {
                        Some(l) => json!(l.get(v as usize)),
                        None => json!(v),
                    };
                    row.insert(name(t, c), val);
                }
                Value::Object(row)
            })
            .collect(),
    )
}

/// Column `c`'s header name, or `#c` (0-based) without a header.
fn name(t: &MixedTable, c: usize) -> String {
    t.column_names()
        .map_or_else(|| format!("#{c}"), |n| n[c].clone())
}

/// Rows from which a categorical column with a distinct value on (nearly) every row is
/// called an identifier.
const ID_MIN_ROWS: usize = 20;

/// A warning per categorical column holding a distinct value on at least 90% of the rows
/// (at least [`ID_MIN_ROWS`]): an identifier, which as a category makes every pair of rows
/// differ by the same amount and only dilutes the other columns.
fn identifier_like(t: &MixedTable) -> Vec<String> {
    let n = t.n_rows();
    if n < ID_MIN_ROWS {
        return Vec::new();
    }
    (0..t.n_cols())
        .filter_map(|c| {
            let l = t.levels(c)?.len();
            (10 * l >= 9 * n).then(|| {
                let c = name(t, c);
                format!(
                    "categorical column '{c}' has {l} distinct values in {n} rows: an identifier? As a category it adds the same distance to every pair; pass --id-column '{c}' or --exclude '{c}'"
                )
            })
        })
        .collect()
}

/// One line: which columns are categorical (with their level counts) and numeric.
fn describe(t: &MixedTable) -> String {
    let (mut cat, mut num) = (Vec::new(), Vec::new());
    for c in 0..t.n_cols() {
        match t.levels(c) {
            Some(l) => cat.push(format!("{} ({} levels)", name(t, c), l.len())),
            None => num.push(name(t, c)),
        }
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    format!("categorical: {}; numeric: {}", list(&cat), list(&num))
}

/// Summary fields: the categorical columns (levels, category names) and numeric columns
/// (the range Gower divides by).
fn columns_json(t: &MixedTable) -> Map<String, Value> {
    let x = t.view();
    let (mut cat, mut num) = (Vec::new(), Vec::new());
    for c in 0..t.n_cols() {
        let header = t.column_names().map(|n| n[c].clone());
        match t.levels(c) {
            Some(l) => cat.push(json!({
                "index": c,
                "name": header,
                "levels": l.len(),
                "categories": &l[..l.len().min(MAX_LISTED)],
            })),
            None => {
                let (lo, hi) =
                    (0..x.n_rows()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), i| {
                        let v = x.row(i)[c];
                        (lo.min(v), hi.max(v))
                    });
                num.push(json!({ "index": c, "name": header, "range": hi - lo }));
            }
        }
    }
    let mut m = Map::new();
    m.insert("categorical_columns".into(), Value::Array(cat));
    m.insert("numeric_columns".into(), Value::Array(num));
    m
}
