//! Reading the data of a clustering run: the feature matrix, what reading decided about
//! rows and columns (IDs, dropped rows, skipped columns — each said in a note), and the
//! feature scaling (`--scale`), with a warning when one column would dominate distances.

use crate::cli::{InputArgs, MissingFlag, RunArgs, ScaleFlag};
use crate::common;
use anyhow::Result;
use partitive::preprocess::{column_moments, ScaleKind, Scaler};
use partitive::{Float, Mat, MatRef};
use partitive_io::{Dataset, MissingPolicy, ReadOptions, RowInfo};

/// A column whose share of the total variance exceeds this is named in a warning when
/// the data are not scaled.
pub const DOMINANT_SHARE: f64 = 0.9;

/// The data of a run.
pub struct Loaded<T: Float> {
    /// The features as read (original units).
    pub raw: Dataset<T>,
    /// The features scaled (`None` under `--scale none`).
    pub scaled: Option<Mat<T>>,
    /// The scaling (the identity under `--scale none`).
    pub scaler: Scaler,
    /// A name per feature: the header's, else `column N` (1-based file column).
    pub columns: Vec<String>,
    /// `true` when the names come from the file (a header or a Parquet schema).
    pub named: bool,
    /// IDs, dropped rows, skipped columns.
    pub info: RowInfo,
}

impl<T: Float> Loaded<T> {
    /// The matrix the clustering sees (scaled when `--scale` asked for it).
    pub fn x(&self) -> MatRef<'_, T> {
        match &self.scaled {
            Some(m) => m.view(),
            None => self.raw.view(),
        }
    }

    /// The 0-based file row of every row of [`x`](Self::x).
    pub fn kept_rows(&self) -> Vec<usize> {
        self.info.kept_rows()
    }
}

/// The library's scaling kind for `--scale`.
pub fn scale_kind(f: ScaleFlag) -> ScaleKind {
    match f {
        ScaleFlag::None => ScaleKind::None,
        ScaleFlag::Standard => ScaleKind::Standard,
        ScaleFlag::Robust => ScaleKind::Robust,
        ScaleFlag::Minmax => ScaleKind::MinMax,
    }
}

/// The reading options of `input` for numeric features: non-numeric columns skipped
/// unless `--columns` names them.
pub fn numeric_options(input: &InputArgs) -> Result<ReadOptions> {
    let mut opts = common::read_options(input)?;
    opts.skip_text_columns = true;
    Ok(opts)
}

/// Reads the features of `input` with `opts`, says what reading did (unless `quiet`),
/// and scales them as `scale` asks (warning when one column dominates an unscaled run).
pub fn load<T: Float>(
    input: &InputArgs,
    opts: &ReadOptions,
    scale: ScaleKind,
    run: &RunArgs,
) -> Result<Loaded<T>> {
    load_as(input, opts, scale, run, true)
}

/// [`load`]; `features = false` (a dissimilarity matrix) skips the warnings about
/// feature columns.
pub fn load_as<T: Float>(
    input: &InputArgs,
    opts: &ReadOptions,
    scale: ScaleKind,
    run: &RunArgs,
    features: bool,
) -> Result<Loaded<T>> {
    let quiet = run.quiet;
    let table = partitive_io::read_table::<T>(&input.input, opts)
        .map_err(|e| common::input_error(input, e))?;
    let (raw, info) = (table.data, table.info);
    let named = raw.column_names().is_some();
    let columns = feature_names(raw.column_names(), &info);
    if !quiet {
        for line in notes(&input.input.display().to_string(), &info, &columns, named) {
            eprintln!("partitive: note: {line}");
        }
        if let Some(w) = integer_row_numbers(raw.view(), &columns).filter(|_| features) {
            eprintln!("partitive: warning: {w}");
        }
    }
    let scaler = Scaler::fit(scale, raw.view())?;
    let scaled = if scaler.is_identity() {
        if !quiet && features {
            if let Some(w) = dominance(raw.view(), &columns)? {
                eprintln!("partitive: warning: {w}");
            }
        }
        None
    } else {
        Some(common::with_threads(run, || scaler.transform(raw.view()))??)
    };
    Ok(Loaded {
        raw,
        scaled,
        scaler,
        columns,
        named,
        info,
    })
}

/// Data already read (Gower's mixed table): no scaling, no notes.
pub fn loaded_from<T: Float>(m: Mat<T>, names: Option<Vec<String>>, info: RowInfo) -> Loaded<T> {
    let named = names.is_some();
    let d = m.n_cols();
    let columns = feature_names(names.as_deref(), &info);
    let columns = if columns.len() == d {
        columns
    } else {
        (1..=d).map(|j| format!("column {j}")).collect()
    };
    Loaded {
        raw: Dataset::from_mat(m, names).expect("one name per column"),
        scaled: None,
        scaler: Scaler::identity(d),
        columns,
        named,
        info,
    }
}

/// A name per feature: the file's, or `column N` (1-based file column).
pub fn feature_names(names: Option<&[String]>, info: &RowInfo) -> Vec<String> {
    match names {
        Some(n) => n.to_vec(),
        None => info
            .fields
            .iter()
            .map(|f| format!("column {}", f + 1))
            .collect(),
    }
}

/// The `--missing` policy.
pub fn missing_policy(f: MissingFlag) -> MissingPolicy {
    match f {
        MissingFlag::Error => MissingPolicy::Error,
        MissingFlag::Drop => MissingPolicy::Drop,
    }
}

/// One line per thing reading decided: skipped columns, the ID column, dropped rows.
pub fn notes(file: &str, info: &RowInfo, columns: &[String], named: bool) -> Vec<String> {
    let mut out = Vec::new();
    if !info.skipped.is_empty() {
        let l: Vec<String> = info
            .skipped
            .iter()
            .map(|s| match s.line {
                Some(line) => format!("{} ('{}' on line {line})", s.label(), s.example),
                None => format!("{} ({})", s.label(), s.example),
            })
            .collect();
        out.push(format!(
            "skipped non-numeric column{} {} (use --id-column for an identifier, --columns to choose features)",
            if l.len() == 1 { "" } else { "s" },
            l.join(", ")
        ));
    }
    if let Some(ids) = &info.ids {
        if ids.unnamed_first_column {
            let range = if ids.is_row_range() {
                ", holding 0..n-1"
            } else {
                ""
            };
            out.push(format!(
                "the first column of {file} has no name{range}: a pandas index? It is used as the row ID, not as a feature (select it with --columns to cluster on it)"
            ));
        }
    }
    if !info.dropped.is_empty() {
        let first = &info.dropped[0];
        let at = match first.line {
            Some(l) => format!("{file}:{l}:{}", first.column),
            None => format!("row {}, column {}", first.row + 1, first.column),
        };
        out.push(format!(
            "dropped {} of {} rows with a missing value (first at {at}); they are labelled -1 / left empty in the outputs",
            info.dropped.len(),
            info.n_file_rows
        ));
    }
    let _ = (columns, named);
    out
}

/// A warning when a feature holds consecutive integers from 0 or 1 in file order (a row
/// number or sorted ID used as a feature leaks the row order into the clustering).
pub fn integer_row_numbers<T: Float>(x: MatRef<'_, T>, columns: &[String]) -> Option<String> {
    let n = x.n_rows();
    if n < 3 {
        return None;
    }
    for (c, name) in columns.iter().enumerate() {
        let first = x.row(0)[c].as_f64();
        if first != 0.0 && first != 1.0 {
            continue;
        }
        if (0..n).all(|i| x.row(i)[c].as_f64() == first + i as f64) {
            return Some(format!(
                "column '{name}' holds the row numbers {}..{} (an index or ID?); it is used as a feature — pass --id-column '{name}' or --exclude '{name}'",
                first,
                first + (n - 1) as f64
            ));
        }
    }
    None
}

/// A warning naming the column that holds more than [`DOMINANT_SHARE`] of the total
/// variance (it would decide every distance on its own), with the fix.
pub fn dominance<T: Float>(x: MatRef<'_, T>, columns: &[String]) -> Result<Option<String>> {
    if x.n_cols() < 2 {
        return Ok(None);
    }
    let shares = column_moments(x)?.variance_shares();
    Ok(shares
        .iter()
        .enumerate()
        .find(|(_, &s)| s > DOMINANT_SHARE)
        .map(|(c, s)| {
            format!(
                "column '{}' holds {:.1}% of the total variance and will dominate the distances; consider --scale standard (or robust)",
                columns[c],
                100.0 * s
            )
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_name_columns() {
        let x = Mat::from_rows(&[[1.0f64, 1000.0], [2.0, 3000.0], [1.5, 9000.0]]);
        let names = vec!["a".to_string(), "b".to_string()];
        let w = dominance(x.view(), &names).unwrap().unwrap();
        assert!(w.contains("column 'b' holds 100.0%"), "{w}");
        let even = Mat::from_rows(&[[1.0f64, 1.0], [2.0, 2.5], [3.0, 2.0]]);
        assert!(dominance(even.view(), &names).unwrap().is_none());
        let rows = Mat::from_rows(&[[5.0f64, 0.0], [3.0, 1.0], [4.0, 2.0]]);
        let w = integer_row_numbers(rows.view(), &names).unwrap();
        assert!(w.contains("column 'b' holds the row numbers 0..2"), "{w}");
        let shuffled = Mat::from_rows(&[[2.0f64, 1.0], [1.0, 2.5], [3.0, 2.0]]);
        assert!(integer_row_numbers(shuffled.view(), &names).is_none());
    }
}
