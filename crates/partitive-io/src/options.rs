//! Reading options and the column selection they carry.

use std::path::Path;

use crate::error::IoError;

/// Whether delimited text starts with a header line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderMode {
    /// Detect: the first data line is a header when some column holds a non-number on it
    /// and a number on the second line (so a fully numeric second line makes any text in
    /// the first a header), when it is the only line and holds a non-number, or when
    /// `columns` selects one of its fields by name. Missing-value markers (`NA`, `N/A`,
    /// `NaN`, `null`, `?`, empty) count as numbers here: a line like `NA,1` is a data row
    /// (whose `NA` is then an error), never a header dropped unread.
    #[default]
    Auto,
    /// The first non-blank, non-comment line is a header.
    Present,
    /// There is no header: the first line is data.
    Absent,
}

/// What to do with a missing value: an empty text cell or `NA`, `N/A`, `NaN`, `null`, `?`
/// (any case), a Parquet null, a NaN in a `.npy` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingPolicy {
    /// Stop with an [`crate::IoErrorKind::Missing`] error naming file, line and column
    /// (text), or column and row (binary formats).
    #[default]
    Error,
    /// Leave the row out and record it in [`crate::RowInfo::dropped`].
    Drop,
}

/// How to read an input file. `ReadOptions::default()` detects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Header handling for delimited text (ignored by `.npy` and Parquet).
    pub header: HeaderMode,
    /// Field delimiter for delimited text; `None` detects `,`, tab, `;` or runs of whitespace
    /// from the first line. `Some(b' ')` means runs of spaces/tabs.
    pub delimiter: Option<u8>,
    /// Columns to keep, in this order: names (matched against the header or the Parquet
    /// schema) or 0-based indices written as strings. `None` keeps every column (for Parquet:
    /// every numeric column).
    pub columns: Option<Vec<String>>,
    /// Columns never read as features: names or 0-based indices (as `columns`).
    pub exclude: Vec<String>,
    /// A column read as row identifiers (kept as text in [`crate::RowInfo::ids`]), never a
    /// feature: a name or 0-based index. Without it, the unnamed first column of a text
    /// file with a header (`,a,b` — how pandas writes its index) is taken as the ID
    /// column unless `columns` selects it.
    pub id_column: Option<String>,
    /// Without `columns`, leave out the columns that are not numeric (recorded in
    /// [`crate::RowInfo::skipped`]) instead of failing on their first cell. Text files
    /// are classified on their first [`CLASSIFY_LINES`] data lines (a column numeric there
    /// and text later is an error naming that cell); Parquet by column type.
    pub skip_text_columns: bool,
    /// Missing values: an error (the default) or rows dropped.
    pub missing: MissingPolicy,
    /// Text numbers use a decimal comma (`1,5`; the delimiter must then not be `,`).
    pub decimal_comma: bool,
}

/// Data lines of a text file read ahead to detect the header and classify columns.
pub const CLASSIFY_LINES: usize = 1000;

/// Resolves a `columns` selection to 0-based indices into `n_cols` columns named `names`.
///
/// A spec matching a column name picks that column; otherwise it must be a 0-based index.
pub(crate) fn resolve_columns(
    path: &Path,
    specs: &[String],
    names: Option<&[String]>,
    n_cols: usize,
) -> Result<Vec<usize>, IoError> {
    resolve_named(path, "columns", specs, names, n_cols)
}

/// [`resolve_columns`] for the option `option` (named in error messages).
///
/// Refused: an empty selection; a column selected twice (`x,x`, or a name and its index);
/// a name that more than one header column carries (select those by index); unknown names
/// and out-of-range indices.
pub(crate) fn resolve_named(
    path: &Path,
    option: &'static str,
    specs: &[String],
    names: Option<&[String]>,
    n_cols: usize,
) -> Result<Vec<usize>, IoError> {
    if specs.is_empty() {
        return Err(IoError::param(path, option, "the selection is empty"));
    }
    let mut picked: Vec<(usize, &String)> = Vec::with_capacity(specs.len());
    for spec in specs {
        let i = resolve_one(path, option, spec, names, n_cols)?;
        if let Some((_, first)) = picked.iter().find(|(j, _)| *j == i) {
            let how = if *first == spec {
                format!("'{spec}' is listed twice")
            } else {
                format!("'{first}' and '{spec}' are the same column")
            };
            return Err(IoError::param(
                path,
                option,
                format!("{how} (each column may be selected once)"),
            ));
        }
        picked.push((i, spec));
    }
    Ok(picked.into_iter().map(|(i, _)| i).collect())
}

/// The 0-based index one selection `spec` names.
fn resolve_one(
    path: &Path,
    option: &'static str,
    spec: &str,
    names: Option<&[String]>,
    n_cols: usize,
) -> Result<usize, IoError> {
    if let Some(ns) = names {
        let mut hits = ns
            .iter()
            .enumerate()
            .filter(|(_, n)| *n == spec)
            .map(|(i, _)| i);
        if let Some(i) = hits.next() {
            if let Some(j) = hits.next() {
                return Err(IoError::param(
                    path,
                    option,
                    format!(
                        "the header names columns {i} and {j} (0-based) both '{spec}'; select them by index"
                    ),
                ));
            }
            return Ok(i);
        }
    }
    match spec.trim().parse::<usize>() {
        Ok(i) if i < n_cols => Ok(i),
        Ok(i) => Err(IoError::param(
            path,
            option,
            format!("column index {i} is out of range (the data have {n_cols} columns)"),
        )),
        Err(_) if names.is_none() => Err(IoError::param(
            path,
            option,
            format!("'{spec}' is not a column index and the data have no column names"),
        )),
        Err(_) => Err(IoError::param(
            path,
            option,
            format!("no column named '{spec}'"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::IoErrorKind;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn names_then_indices() {
        let p = Path::new("f.csv");
        let names = s(&["a", "b", "c"]);
        let got = resolve_columns(p, &s(&["c", "0", "b"]), Some(&names), 3).unwrap();
        assert_eq!(got, vec![2, 0, 1]);
        assert_eq!(resolve_columns(p, &s(&["1"]), None, 3).unwrap(), vec![1]);
    }

    #[test]
    fn bad_selections() {
        let p = Path::new("f.csv");
        let names = s(&["a", "b"]);
        for (spec, names, msg) in [
            (s(&[]), None, "selection is empty"),
            (s(&["5"]), None, "column index 5 is out of range"),
            (s(&["x"]), Some(&names), "no column named 'x'"),
            (s(&["x"]), None, "no column names"),
            (s(&["a", "a"]), Some(&names), "'a' is listed twice"),
            (
                s(&["b", "1"]),
                Some(&names),
                "'b' and '1' are the same column",
            ),
            (s(&["0", " 0"]), None, "same column"),
        ] {
            let e = resolve_columns(p, &spec, names.map(|v| v.as_slice()), 2).unwrap_err();
            assert!(
                matches!(
                    e.kind(),
                    IoErrorKind::InvalidParameter {
                        name: "columns",
                        ..
                    }
                ),
                "{e}"
            );
            assert!(e.to_string().contains(msg), "{e}");
            assert!(e.to_string().starts_with("f.csv: invalid columns: "), "{e}");
        }
    }

    #[test]
    fn ambiguous_header_names() {
        let p = Path::new("f.csv");
        let names = s(&["x", "y", "x"]);
        let e = resolve_columns(p, &s(&["x"]), Some(&names), 3).unwrap_err();
        assert!(e.to_string().contains("columns 0 and 2"), "{e}");
        // By index, and unambiguous names, are fine.
        assert_eq!(
            resolve_columns(p, &s(&["2", "y"]), Some(&names), 3).unwrap(),
            vec![2, 1]
        );
    }
}
