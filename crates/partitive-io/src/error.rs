//! The crate's error type: [`IoError`] = a [`IoErrorKind`] plus the file and, where one
//! exists, the position (1-based line and column) it refers to.
//!
//! `Display` is always ONE line, meant to be shown to a user as is:
//! `"<file>:<line>:<column>: <what>"` when a line and column are known,
//! `"<file>:<line>: <what>"` when only a line is known, else `"<file>: <what>"`.

use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum IoErrorKind {
    /// The input file does not exist.
    NotFound,
    /// The file is empty, or holds only blank and comment lines.
    Empty,
    /// The file has a header (or a shape) but no data rows.
    NoRows,
    /// The data have no columns (e.g. a `(n, 0)` array, or a Parquet file with no numeric column).
    NoColumns,
    /// A text line has a different number of fields than the first line.
    Ragged {
        /// Field count of the first (header or data) line.
        expected: usize,
        /// Field count of this line.
        found: usize,
    },
    /// A text cell is not a number.
    NonNumeric {
        /// The cell as written (quotes removed).
        value: String,
    },
    /// A value is NaN or infinite (or overflows the float type).
    NonFinite {
        /// The value as written or printed.
        value: String,
        /// Data row (1-based), for binary formats where no text line exists.
        row: Option<usize>,
        /// Column (1-based), for binary formats where no text line exists.
        column: Option<usize>,
    },
    /// A Parquet cell is null.
    Null {
        /// Column name.
        column: String,
        /// Data row (1-based).
        row: usize,
    },
    /// The file extension is not one this crate reads or writes.
    UnknownExtension,
    /// The data end before the header (or the gzip stream) says they should.
    Truncated {
        /// What is missing.
        what: String,
    },
    /// A valid file that uses a feature this crate does not support (dtype, layout, column type).
    Unsupported {
        /// The feature.
        what: String,
    },
    /// The file is not what its extension says (bad magic, unparsable header, corrupt stream).
    Malformed {
        /// Why.
        reason: String,
    },
    /// A reading option or argument is invalid (e.g. `columns` names an unknown column).
    InvalidParameter {
        /// The option or argument.
        name: &'static str,
        /// Why.
        reason: String,
    },
    /// An operating-system error (permissions, disk full, …).
    Io {
        /// The underlying error.
        source: std::io::Error,
    },
    /// An error raised by a caller's callback (see [`crate::for_each_chunk`]).
    Other {
        /// The message.
        message: String,
    },
}

/// The error returned by every fallible function of `partitive-io`.
#[derive(Debug)]
pub struct IoError {
    kind: IoErrorKind,
    path: PathBuf,
    line: Option<usize>,
    column: Option<usize>,
}

impl IoError {
    /// An error of `kind` about the file `path`, with no position.
    pub fn new(kind: IoErrorKind, path: &Path) -> Self {
        IoError {
            kind,
            path: path.to_path_buf(),
            line: None,
            column: None,
        }
    }

    /// An error at 1-based `line` and (optionally) 1-based `column` of `path`.
    pub fn at(kind: IoErrorKind, path: &Path, line: usize, column: Option<usize>) -> Self {
        IoError {
            kind,
            path: path.to_path_buf(),
            line: Some(line),
            column,
        }
    }

    /// A free-form error about `path` (for callbacks that need to stop a stream).
    pub fn other(path: &Path, message: impl Into<String>) -> Self {
        Self::new(
            IoErrorKind::Other {
                message: message.into(),
            },
            path,
        )
    }

    /// An invalid option `name`.
    pub(crate) fn param(path: &Path, name: &'static str, reason: impl Into<String>) -> Self {
        Self::new(
            IoErrorKind::InvalidParameter {
                name,
                reason: reason.into(),
            },
            path,
        )
    }

    /// A malformed file.
    pub(crate) fn malformed(path: &Path, reason: impl Into<String>) -> Self {
        Self::new(
            IoErrorKind::Malformed {
                reason: reason.into(),
            },
            path,
        )
    }

    /// An unsupported feature.
    pub(crate) fn unsupported(path: &Path, what: impl Into<String>) -> Self {
        Self::new(IoErrorKind::Unsupported { what: what.into() }, path)
    }

    /// Truncated data.
    pub(crate) fn truncated(path: &Path, what: impl Into<String>) -> Self {
        Self::new(IoErrorKind::Truncated { what: what.into() }, path)
    }

    /// An OS error; `NotFound` becomes [`IoErrorKind::NotFound`].
    pub(crate) fn os(path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            Self::new(IoErrorKind::NotFound, path)
        } else {
            Self::new(IoErrorKind::Io { source }, path)
        }
    }

    /// An OS error while writing (a missing directory stays an OS error, not `NotFound`).
    pub(crate) fn write(path: &Path, source: std::io::Error) -> Self {
        Self::new(IoErrorKind::Io { source }, path)
    }

    /// The kind of this error.
    pub fn kind(&self) -> &IoErrorKind {
        &self.kind
    }

    /// The file this error is about.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The 1-based line, for text input.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The 1-based column (field index), for text input.
    pub fn column(&self) -> Option<usize> {
        self.column
    }
}

/// Writes `s` with line breaks replaced, so the message stays on one line.
fn one_line(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    if s.contains(['\n', '\r']) {
        f.write_str(&s.replace(['\n', '\r'], " "))
    } else {
        f.write_str(s)
    }
}

/// A cell value shortened for messages.
fn cell(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() <= MAX {
        value.to_string()
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head}…")
    }
}

impl fmt::Display for IoErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IoErrorKind::NotFound => f.write_str("no such file"),
            IoErrorKind::Empty => f.write_str("file is empty (no data lines)"),
            IoErrorKind::NoRows => f.write_str("no data rows"),
            IoErrorKind::NoColumns => f.write_str("no columns"),
            IoErrorKind::Ragged { expected, found } => {
                write!(f, "expected {expected} fields, found {found}")
            }
            IoErrorKind::NonNumeric { value } => {
                write!(f, "cannot parse '{}' as a number", cell(value))
            }
            IoErrorKind::NonFinite { value, row, column } => {
                write!(f, "non-finite value '{}'", cell(value))?;
                match (row, column) {
                    (Some(r), Some(c)) => write!(f, " at row {r}, column {c}"),
                    _ => Ok(()),
                }
            }
            IoErrorKind::Null { column, row } => {
                write!(f, "null value in column '{column}' at row {row}")
            }
            IoErrorKind::UnknownExtension => f.write_str(
                "unknown file extension (expected .csv, .tsv, .txt, .dat, .data [.gz], .npy, .parquet or .pq)",
            ),
            IoErrorKind::Truncated { what } => write!(f, "truncated file: {what}"),
            IoErrorKind::Unsupported { what } => write!(f, "unsupported: {what}"),
            IoErrorKind::Malformed { reason } => write!(f, "malformed file: {reason}"),
            IoErrorKind::InvalidParameter { name, reason } => {
                write!(f, "invalid {name}: {reason}")
            }
            IoErrorKind::Io { source } => write!(f, "{source}"),
            IoErrorKind::Other { message } => f.write_str(message),
        }
    }
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        one_line(f, &self.path.display().to_string())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        f.write_str(": ")?;
        one_line(f, &self.kind.to_string())
    }
}

impl std::error::Error for IoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            IoErrorKind::Io { source } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_with_and_without_position() {
        let p = Path::new("data.csv");
        let e = IoError::at(
            IoErrorKind::NonNumeric {
                value: "abc".into(),
            },
            p,
            17,
            Some(3),
        );
        assert_eq!(
            e.to_string(),
            "data.csv:17:3: cannot parse 'abc' as a number"
        );
        let e = IoError::at(
            IoErrorKind::Ragged {
                expected: 3,
                found: 2,
            },
            p,
            5,
            None,
        );
        assert_eq!(e.to_string(), "data.csv:5: expected 3 fields, found 2");
        let e = IoError::new(IoErrorKind::NotFound, p);
        assert_eq!(e.to_string(), "data.csv: no such file");
    }

    #[test]
    fn display_is_one_line() {
        let e = IoError::other(Path::new("a\nb.csv"), "x\ny");
        assert!(!e.to_string().contains('\n'), "{e}");
        let long = "z".repeat(500);
        let e = IoError::at(
            IoErrorKind::NonNumeric { value: long },
            Path::new("f"),
            1,
            Some(1),
        );
        assert!(e.to_string().len() < 100, "{e}");
    }
}
