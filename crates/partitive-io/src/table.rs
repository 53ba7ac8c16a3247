//! [`read_table`]: a matrix of features plus what reading decided about the rows and
//! columns around it ([`RowInfo`]): row identifiers, rows dropped for missing values,
//! columns skipped as non-numeric.

use std::path::Path;

use partitive::Float;

use crate::dataset::Dataset;
use crate::error::IoError;
use crate::options::ReadOptions;

/// The identifier column of a table: one text per kept row, never a feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    /// The column's header name (`""` for an unnamed column; `#i` without a header).
    pub name: String,
    /// One identifier per data row of the file — dropped rows included, so an output can
    /// name them — as written (quotes removed).
    pub values: Vec<String>,
    /// `true` when no ID column was asked for and this is the unnamed first column of a
    /// file with a header (as pandas writes its index): taken as the row ID, not as a
    /// feature.
    pub unnamed_first_column: bool,
}

impl Ids {
    /// `true` when the identifiers are exactly `0, 1, …, n − 1` (a default pandas index).
    pub fn is_row_range(&self) -> bool {
        self.values
            .iter()
            .enumerate()
            .all(|(r, v)| v.parse::<usize>().is_ok_and(|x| x == r))
    }
}

/// A data row left out because a kept column has a missing value there
/// ([`crate::MissingPolicy::Drop`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedRow {
    /// 0-based data row in the file (header and comment lines not counted).
    pub row: usize,
    /// 1-based line of a text file.
    pub line: Option<usize>,
    /// 1-based column (field) of the first missing value of the row.
    pub column: usize,
    /// The missing cell as written (empty for an empty cell; `null` for a Parquet null,
    /// `NaN` for a NaN in a binary file).
    pub value: String,
}

/// A column left out because it is not numeric ([`ReadOptions::skip_text_columns`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedColumn {
    /// 0-based column (field) in the file.
    pub index: usize,
    /// Its header name, when there is a header.
    pub name: Option<String>,
    /// A non-numeric cell of it (or its Arrow type for Parquet).
    pub example: String,
    /// The 1-based line of that cell in a text file.
    pub line: Option<usize>,
}

impl SkippedColumn {
    /// `'name'`, or `#i` (1-based) without a header.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("'{n}'"),
            None => format!("#{}", self.index + 1),
        }
    }
}

/// What reading did besides the matrix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowInfo {
    /// The ID column ([`ReadOptions::id_column`], or an unnamed first column).
    pub ids: Option<Ids>,
    /// Data rows in the file, kept and dropped.
    pub n_file_rows: usize,
    /// Rows dropped for missing values, in file order.
    pub dropped: Vec<DroppedRow>,
    /// Columns skipped as non-numeric.
    pub skipped: Vec<SkippedColumn>,
    /// The 0-based file column (field) of every feature, in output order.
    pub fields: Vec<usize>,
}

impl RowInfo {
    /// The 0-based file row of every kept row, in order.
    pub fn kept_rows(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.n_file_rows - self.dropped.len());
        let mut d = self.dropped.iter().map(|r| r.row).peekable();
        for r in 0..self.n_file_rows {
            if d.peek() == Some(&r) {
                d.next();
            } else {
                out.push(r);
            }
        }
        out
    }
}

/// A matrix read from a file, with its [`RowInfo`].
#[derive(Debug)]
pub struct Table<T: Float> {
    /// The feature matrix (kept rows × kept columns).
    pub data: Dataset<T>,
    /// IDs, dropped rows, skipped columns.
    pub info: RowInfo,
}

/// Reads `path` as [`crate::read_matrix`] does, honouring the options that shape rows and
/// columns beyond it: [`ReadOptions::id_column`], [`ReadOptions::exclude`],
/// [`ReadOptions::skip_text_columns`], [`ReadOptions::missing`] and
/// [`ReadOptions::decimal_comma`], and returns what they did.
///
/// # Errors
/// Those of [`crate::read_matrix`]; a bad `id_column` or `exclude` selection; a
/// `columns` selection naming a non-numeric column, the ID column or an excluded one;
/// no column left.
pub fn read_table<T: Float>(path: &Path, opts: &ReadOptions) -> Result<Table<T>, IoError> {
    crate::read::read_with_info(crate::input::Input::file(path), opts)
}

/// [`read_table`] of `bytes` in memory, read as the content of a file named `name`.
///
/// # Errors
/// Those of [`read_table`].
pub fn read_table_from_bytes<T: Float>(
    name: &Path,
    bytes: &[u8],
    opts: &ReadOptions,
) -> Result<Table<T>, IoError> {
    crate::read::read_with_info(crate::input::Input::memory(name, bytes), opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_rows_skip_dropped() {
        let info = RowInfo {
            n_file_rows: 5,
            dropped: vec![
                DroppedRow {
                    row: 1,
                    line: Some(3),
                    column: 1,
                    value: "NA".into(),
                },
                DroppedRow {
                    row: 4,
                    line: Some(6),
                    column: 2,
                    value: String::new(),
                },
            ],
            ..RowInfo::default()
        };
        assert_eq!(info.kept_rows(), [0, 2, 3]);
        let mut ids = Ids {
            name: String::new(),
            values: vec!["0".into(), "1".into(), "2".into()],
            unnamed_first_column: true,
        };
        assert!(ids.is_row_range());
        ids.values[1] = "7".into();
        assert!(!ids.is_row_range());
    }
}
