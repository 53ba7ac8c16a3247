//! [`read_mixed`]: a table of numeric and categorical (text) columns, for Gower's
//! dissimilarity.
//!
//! Categorical columns are dictionary-encoded: each distinct cell text gets the code
//! `0, 1, 2, …` in order of first appearance in the file (rows read serially, so codes do
//! not depend on the thread count), stored as `f64` in the matrix; the texts are kept as
//! the column's levels. Gower's coefficient only tests codes for equality, so the codes'
//! order carries no meaning.
//!
//! J. C. Gower, *A General Coefficient of Similarity and Some of Its Properties*,
//! Biometrics 27(4), 1971, 857–871. doi:10.2307/2528823.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use partitive::{Mat, MatRef};

use crate::error::{IoError, IoErrorKind};
use crate::fields::is_missing;
use crate::format::{detect, Format};
use crate::input::Input;
use crate::options::{resolve_named, MissingPolicy, ReadOptions};
use crate::scalar::parse_float;
use crate::table::{DroppedRow, Ids, RowInfo};
use crate::text::TextReader;

/// Which columns of a mixed table are categorical.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CategoricalColumns {
    /// Detected: a text column is categorical when any of its cells is not a number
    /// (columns of numeric codes stay numeric: name them with [`Exactly`](Self::Exactly)).
    /// `.npy` and Parquet input has no categorical column in this mode. A text file whose
    /// columns are all text has no detectable header: say so with [`HeaderMode::Present`]
    /// (or select a column by name, which implies a header).
    ///
    /// [`HeaderMode::Present`]: crate::HeaderMode::Present
    #[default]
    Auto,
    /// Exactly these columns — header names or 0-based indices, counted among the columns
    /// kept by [`ReadOptions::columns`]. Every other column must be numeric: a non-numeric
    /// cell there is an [`IoErrorKind::NonNumeric`] error naming line and column.
    Exactly(Vec<String>),
}

/// A numeric matrix whose categorical columns hold dictionary codes, with the codes'
/// category names (levels) and the column names.
#[derive(Debug, Clone)]
pub struct MixedTable {
    data: Mat<f64>,
    names: Option<Vec<String>>,
    /// Per column: `Some(levels)` (code `i` ↔ `levels[i]`) for a categorical column.
    levels: Vec<Option<Vec<String>>>,
    /// IDs, dropped rows.
    info: RowInfo,
}

impl MixedTable {
    /// The values, row-major: numbers for numeric columns, codes `0, 1, …` for
    /// categorical ones.
    pub fn view(&self) -> MatRef<'_, f64> {
        self.data.view()
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.data.n_rows()
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.data.n_cols()
    }

    /// Column names, when the file has a header (or a Parquet schema).
    pub fn column_names(&self) -> Option<&[String]> {
        self.names.as_deref()
    }

    /// One flag per column: `true` for a categorical column (the form
    /// [`partitive::dissimilarity::Gower::new`] takes).
    pub fn categorical_flags(&self) -> Vec<bool> {
        self.levels.iter().map(Option::is_some).collect()
    }

    /// The category names of column `c`, in code order; `None` for a numeric column.
    ///
    /// # Panics
    /// When `c >= n_cols()`.
    pub fn levels(&self, c: usize) -> Option<&[String]> {
        self.levels[c].as_deref()
    }

    /// What reading did besides the values: the ID column, rows dropped for a missing
    /// value ([`crate::MissingPolicy::Drop`]).
    pub fn info(&self) -> &RowInfo {
        &self.info
    }

    /// The matrix of values and codes.
    pub fn into_mat(self) -> Mat<f64> {
        self.data
    }
}

/// Reads `path` as a mixed table: numeric columns as numbers, the columns `categorical`
/// selects as dictionary-encoded categories.
///
/// Delimited text (also `.gz`) is read serially; categorical cells are compared as text,
/// exactly (after trimming spaces and removing enclosing quotes), so `Red` and `red` are two
/// categories. For `.npy` and Parquet (numeric only), the selected columns' values are
/// encoded as categories (level names printed from the values).
///
/// **Missing values are rejected**: an empty cell, or `NA`, `N/A`, `NaN`, `null`, `?` (any
/// case), in any column, is an [`IoErrorKind::Missing`] error naming file, line and column.
/// (Gower's rule for missing values — dropping the variable from that pair's average — is not
/// implemented; remove or impute such rows first.)
///
/// # Errors
/// Those of [`crate::read_matrix`] (missing or empty file, ragged lines, non-finite numbers,
/// bad `columns`), plus: a missing value; a non-numeric cell in a column not selected by
/// [`CategoricalColumns::Exactly`]; a selection naming an unknown column or an index out of
/// range (`InvalidParameter { name: "categorical" }`).
pub fn read_mixed(
    path: &Path,
    opts: &ReadOptions,
    categorical: &CategoricalColumns,
) -> Result<MixedTable, IoError> {
    mixed_of(Input::file(path), opts, categorical)
}

/// [`read_mixed`] of `bytes` in memory, read as the content of a file named `name` (its
/// extension picks the format; messages name it). The same parsing code runs.
///
/// # Errors
/// Those of [`read_mixed`].
pub fn read_mixed_from_bytes(
    name: &Path,
    bytes: &[u8],
    opts: &ReadOptions,
    categorical: &CategoricalColumns,
) -> Result<MixedTable, IoError> {
    mixed_of(Input::memory(name, bytes), opts, categorical)
}

fn mixed_of(
    input: Input<'_>,
    opts: &ReadOptions,
    categorical: &CategoricalColumns,
) -> Result<MixedTable, IoError> {
    let det = detect(input.path())?;
    input.check_exists()?;
    match det.format {
        Format::Delimited => read_text(input, det.gzip, opts, categorical),
        Format::Npy | Format::Parquet => read_numeric(input, opts, categorical),
    }
}

/// The cells of a text table, kept as text until column types are settled.
struct Cells {
    text: String,
    /// `rows × d` ranges into `text`, row-major.
    spans: Vec<Range<usize>>,
    /// 1-based file line of each row.
    lines: Vec<usize>,
}

impl Cells {
    fn get(&self, d: usize, i: usize, c: usize) -> &str {
        &self.text[self.spans[i * d + c].clone()]
    }
}

fn read_text(
    input: Input<'_>,
    gzip: bool,
    opts: &ReadOptions,
    categorical: &CategoricalColumns,
) -> Result<MixedTable, IoError> {
    let hints: &[String] = match categorical {
        CategoricalColumns::Exactly(s) => s,
        CategoricalColumns::Auto => &[],
    };
    let path = input.path();
    let mut reader = TextReader::open_hinted(input, gzip, opts, hints)?;
    let d = reader.n_cols();
    let names = reader.names().map(<[String]>::to_vec);
    let keep = reader.keep().to_vec();
    let fixed = match categorical {
        CategoricalColumns::Auto => None,
        CategoricalColumns::Exactly(specs) => Some(flags_of(path, specs, names.as_deref(), d)?),
    };
    let mut cells = Cells {
        text: String::new(),
        spans: Vec::new(),
        lines: Vec::new(),
    };
    let (mut line, mut ranges) = (String::new(), Vec::new());
    let id_field = reader.id_field();
    let mut dropped = Vec::new();
    let mut ids = Vec::new();
    let mut row = 0;
    while let Some(n) = reader.next_record(&mut line, &mut ranges)? {
        row += 1;
        if let Some(j) = id_field {
            ids.push(line[ranges[j].clone()].replace("\"\"", "\""));
        }
        if opts.missing == MissingPolicy::Drop {
            if let Some(&j) = keep.iter().find(|&&j| is_missing(&line[ranges[j].clone()])) {
                dropped.push(DroppedRow {
                    row: row - 1,
                    line: Some(n),
                    column: j + 1,
                    value: line[ranges[j].clone()].to_string(),
                });
                continue;
            }
        }
        cells.lines.push(n);
        for &j in &keep {
            let start = cells.text.len();
            let cell = &line[ranges[j].clone()];
            if cell.contains("\"\"") {
                cells.text.push_str(&cell.replace("\"\"", "\""));
            } else {
                cells.text.push_str(cell);
            }
            cells.spans.push(start..cells.text.len());
        }
    }
    let rows = cells.lines.len();
    if rows == 0 {
        return Err(IoError::new(IoErrorKind::NoRows, path));
    }
    let mut info = reader.take_info();
    info.n_file_rows = row;
    info.dropped = dropped;
    info.ids = id_field.map(|j| Ids {
        name: reader
            .id_name()
            .map_or_else(|| format!("#{}", j + 1), str::to_string),
        values: ids,
        unnamed_first_column: reader.id_is_unnamed_first(),
    });
    let flags = fixed.unwrap_or_else(|| {
        (0..d)
            .map(|c| {
                (0..rows).any(|i| {
                    let s = cells.get(d, i, c);
                    !is_missing(s) && parse_float::<f64>(s).is_none()
                })
            })
            .collect()
    });
    // Checks in file order, so the first bad cell is the one reported.
    let mut data = vec![0.0f64; rows * d];
    for i in 0..rows {
        for c in 0..d {
            let s = cells.get(d, i, c);
            let at = |kind| IoError::at(kind, path, cells.lines[i], Some(keep[c] + 1));
            if is_missing(s) {
                return Err(at(IoErrorKind::Missing {
                    value: s.to_string(),
                })
                .with_detail("missing values are not supported; remove or impute them"));
            }
            if flags[c] {
                continue;
            }
            match parse_float::<f64>(s) {
                Some(v) if v.is_finite() => data[i * d + c] = v,
                Some(_) => {
                    return Err(at(IoErrorKind::NonFinite {
                        value: s.to_string(),
                        row: None,
                        column: None,
                    }))
                }
                None => {
                    return Err(at(IoErrorKind::NonNumeric {
                        value: s.to_string(),
                    })
                    .with_detail(format!(
                        "column {} is not among the categorical columns",
                        column_label(names.as_deref(), c)
                    )))
                }
            }
        }
    }
    let levels = (0..d)
        .map(|c| {
            flags[c].then(|| encode(rows, d, c, &mut data, |i| Cow::Borrowed(cells.get(d, i, c))))
        })
        .collect();
    let data = Mat::from_vec(data, rows, d).map_err(|e| IoError::other(path, e.to_string()))?;
    Ok(MixedTable {
        data,
        names,
        levels,
        info,
    })
}

/// Dictionary-encodes column `c` of the row-major `data` (`rows × d`) from the keys
/// `key(i)`: codes in order of first appearance. Returns the levels.
fn encode<'a>(
    rows: usize,
    d: usize,
    c: usize,
    data: &mut [f64],
    mut key: impl FnMut(usize) -> Cow<'a, str>,
) -> Vec<String> {
    let mut codes: HashMap<Cow<'a, str>, usize> = HashMap::new();
    let mut levels = Vec::new();
    for i in 0..rows {
        let k = key(i);
        let next = levels.len();
        let code = *codes.entry(k).or_insert_with_key(|k| {
            levels.push(k.to_string());
            next
        });
        data[i * d + c] = code as f64;
    }
    levels
}

/// Column `c` for messages: `'name'` or `3` (1-based, like line/column positions).
fn column_label(names: Option<&[String]>, c: usize) -> String {
    match names {
        Some(n) => format!("'{}'", n[c]),
        None => format!("{}", c + 1),
    }
}

/// Flags for the columns that `specs` names among `d` columns.
fn flags_of(
    path: &Path,
    specs: &[String],
    names: Option<&[String]>,
    d: usize,
) -> Result<Vec<bool>, IoError> {
    let mut flags = vec![false; d];
    for i in resolve_named(path, "categorical", specs, names, d)? {
        flags[i] = true;
    }
    Ok(flags)
}

/// `.npy` / Parquet: numbers throughout; the selected columns encoded by value.
fn read_numeric(
    input: Input<'_>,
    opts: &ReadOptions,
    categorical: &CategoricalColumns,
) -> Result<MixedTable, IoError> {
    let path = input.path();
    let t = crate::read::read_with_info::<f64>(input, opts)?;
    let (ds, info) = (t.data, t.info);
    let names = ds.column_names().map(<[String]>::to_vec);
    let d = ds.n_cols();
    let flags = match categorical {
        CategoricalColumns::Auto => vec![false; d],
        CategoricalColumns::Exactly(specs) => flags_of(path, specs, names.as_deref(), d)?,
    };
    let rows = ds.n_rows();
    let mut values = ds.into_mat().into_vec();
    let levels = (0..d)
        .map(|c| {
            flags[c].then(|| {
                let col: Vec<f64> = (0..rows).map(|i| values[i * d + c]).collect();
                // `+ 0.0` folds -0 into 0: equal numbers, one category.
                encode(rows, d, c, &mut values, |i| {
                    Cow::Owned(format!("{}", col[i] + 0.0))
                })
            })
        })
        .collect();
    let data = Mat::from_vec(values, rows, d).map_err(|e| IoError::other(path, e.to_string()))?;
    Ok(MixedTable {
        data,
        names,
        levels,
        info,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    fn exactly(v: &[&str]) -> CategoricalColumns {
        CategoricalColumns::Exactly(v.iter().map(|s| s.to_string()).collect())
    }

    const PEOPLE: &str = "age,income,colour,city\n\
                          30,1.5,red,Paris\n\
                          40,2.5,blue,\"Lyon\"\n\
                          50,3.5,red,Nice\n\
                          60,4.5,green,Paris\n";

    #[test]
    fn auto_detects_text_columns_and_codes_by_first_appearance() {
        let (_d, p) = write("people.csv", PEOPLE);
        let t = read_mixed(&p, &ReadOptions::default(), &CategoricalColumns::Auto).unwrap();
        assert_eq!(t.categorical_flags(), [false, false, true, true]);
        assert_eq!(t.column_names().unwrap()[2], "colour");
        assert_eq!(t.levels(2).unwrap(), ["red", "blue", "green"]);
        assert_eq!(t.levels(3).unwrap(), ["Paris", "Lyon", "Nice"]);
        assert!(t.levels(0).is_none());
        assert_eq!(t.view().row(1), &[40.0, 2.5, 1.0, 1.0]);
        assert_eq!(t.view().row(3), &[60.0, 4.5, 2.0, 0.0]);
    }

    #[test]
    fn explicit_selection_by_name_index_and_gzip() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("people.csv.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(PEOPLE.as_bytes()).unwrap();
        std::fs::write(&p, enc.finish().unwrap()).unwrap();
        // numeric codes in column 0 become categories too
        let t = read_mixed(
            &p,
            &ReadOptions::default(),
            &exactly(&["0", "colour", "city"]),
        )
        .unwrap();
        assert_eq!(t.categorical_flags(), [true, false, true, true]);
        assert_eq!(t.levels(0).unwrap(), ["30", "40", "50", "60"]);
        // with --columns, indices count among the kept columns
        let opts = ReadOptions {
            columns: Some(vec!["city".into(), "age".into()]),
            ..ReadOptions::default()
        };
        let t = read_mixed(&p, &opts, &exactly(&["0"])).unwrap();
        assert_eq!(t.categorical_flags(), [true, false]);
        assert_eq!(t.view().row(2), &[2.0, 50.0]);
    }

    #[test]
    fn header_implied_by_categorical_name() {
        // all-text columns: Auto header detection sees no header, a named selection does
        let (_d, p) = write("c.csv", "colour,city\nred,Paris\nblue,Lyon\n");
        let t = read_mixed(&p, &ReadOptions::default(), &CategoricalColumns::Auto).unwrap();
        assert_eq!(t.n_rows(), 3);
        let t = read_mixed(&p, &ReadOptions::default(), &exactly(&["city"])).unwrap_err();
        // 'colour' is text but not selected
        assert!(
            t.to_string()
                .ends_with("c.csv:2:1: cannot parse 'red' as a number: column 'colour' is not among the categorical columns"),
            "{t}"
        );
        let t = read_mixed(&p, &ReadOptions::default(), &exactly(&["city", "colour"])).unwrap();
        assert_eq!(t.n_rows(), 2);
        assert_eq!(t.levels(0).unwrap(), ["red", "blue"]);
    }

    #[test]
    fn missing_values_are_errors_naming_line_and_column() {
        for (cell, what) in [
            ("", "empty cell (missing value)"),
            ("NA", "missing value 'NA'"),
            ("n/a", "missing value 'n/a'"),
            ("?", "missing value '?'"),
        ] {
            let text = format!("a,b,c\n1,x,2\n2,{cell},3\n");
            let (_d, p) = write("m.csv", &text);
            for spec in [CategoricalColumns::Auto, exactly(&["b"])] {
                let e = read_mixed(&p, &ReadOptions::default(), &spec).unwrap_err();
                assert!(matches!(e.kind(), IoErrorKind::Missing { .. }), "{e}");
                assert!(e.to_string().contains(&format!("m.csv:3:2: {what}")), "{e}");
            }
        }
        // in a numeric column too (auto mode must not turn it into a category)
        let (_d, p) = write("m.csv", "a,b\n1,x\nNA,y\n");
        let e = read_mixed(&p, &ReadOptions::default(), &CategoricalColumns::Auto).unwrap_err();
        assert!(
            e.to_string().contains("m.csv:3:1: missing value 'NA'"),
            "{e}"
        );
    }

    #[test]
    fn bad_selections_and_cells() {
        let (_d, p) = write("people.csv", PEOPLE);
        let o = ReadOptions::default();
        let e = read_mixed(&p, &o, &exactly(&["colour", "town"])).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}: invalid categorical: no column named 'town'",
                p.display()
            )
        );
        let e = read_mixed(&p, &o, &exactly(&["7"])).unwrap_err();
        assert!(
            e.to_string().contains("column index 7 is out of range"),
            "{e}"
        );
        let (_d2, q) = write("inf.csv", "a,b\n1,x\ninf,y\n");
        let e = read_mixed(&q, &o, &CategoricalColumns::Auto).unwrap_err();
        assert!(e.to_string().contains("inf.csv:3:1: non-finite"), "{e}");
        let (_d3, r) = write("ragged.csv", "a,b\n1,x\n2\n");
        let e = read_mixed(&r, &o, &CategoricalColumns::Auto).unwrap_err();
        assert!(
            e.to_string().contains("ragged.csv:3: expected 2 fields"),
            "{e}"
        );
    }

    #[test]
    fn npy_columns_encoded_by_value() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.npy");
        let m = Mat::from_rows(&[[1.0f64, 7.0], [2.0, -0.0], [3.0, 7.0], [4.0, 0.0]]);
        crate::write_matrix(&p, m.view()).unwrap();
        let t = read_mixed(&p, &ReadOptions::default(), &exactly(&["1"])).unwrap();
        assert_eq!(t.levels(1).unwrap(), ["7", "0"]);
        assert_eq!(
            t.view().as_slice(),
            &[1.0, 0.0, 2.0, 1.0, 3.0, 0.0, 4.0, 1.0]
        );
        let t = read_mixed(&p, &ReadOptions::default(), &CategoricalColumns::Auto).unwrap();
        assert_eq!(t.categorical_flags(), [false, false]);
    }
}
