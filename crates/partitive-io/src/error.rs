//! The crate's error type: [`IoError`] = a [`IoErrorKind`] plus the file and, where one
//! exists, the position (1-based line and column) it refers to.
//!
//! `Display` is always ONE line, meant to be shown to a user as is:
//! `"<file>:<line>:<column>: <what>"` when a line and column are known,
//! `"<file>:<line>: <what>"` when only a line is known, else `"<file>: <what>"`.

use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong. Details (which dtype, why a header is malformed, …) are in the
/// [`IoError`] message; the kind is for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// A text cell is empty or a missing-value marker (`NA`, `N/A`, `NaN`, `null`, `?`)
    /// where a value is required (see [`crate::read_mixed`]).
    Missing {
        /// The cell as written (quotes removed; empty for an empty cell).
        value: String,
    },
    /// A value is NaN or infinite, or a finite number too large for the float type
    /// (`1e200` read as `f32`; see [`IoError::overflows_f32`]).
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
    Truncated,
    /// A valid file that uses a feature this crate does not support (dtype, layout, column type).
    Unsupported,
    /// The file is not what its extension says (bad magic, unparsable header, corrupt stream).
    Malformed,
    /// A reading option or argument is invalid (e.g. `columns` names an unknown column).
    InvalidParameter {
        /// The option or argument.
        name: &'static str,
    },
    /// An output path that cannot be written: a directory, a block device, a missing
    /// parent folder, a symbolic-link loop (see [`crate::OutputTarget::resolve`]).
    InvalidOutput,
    /// An operating-system error (permissions, disk full, …); see [`std::error::Error::source`].
    Io,
    /// An error raised by a caller's callback (see [`crate::for_each_chunk`]).
    Other,
}

/// The error returned by every fallible function of `partitive-io` (one pointer wide).
#[derive(Debug)]
pub struct IoError {
    repr: Box<Repr>,
}

#[derive(Debug)]
struct Repr {
    kind: IoErrorKind,
    path: PathBuf,
    line: Option<usize>,
    column: Option<usize>,
    /// What exactly, for kinds that carry no data of their own.
    detail: String,
    source: Option<std::io::Error>,
}

impl IoError {
    /// An error of `kind` about the file `path`, with no position.
    pub fn new(kind: IoErrorKind, path: &Path) -> Self {
        IoError {
            repr: Box::new(Repr {
                kind,
                path: path.to_path_buf(),
                line: None,
                column: None,
                detail: String::new(),
                source: None,
            }),
        }
    }

    /// An error at 1-based `line` and (optionally) 1-based `column` of `path`.
    pub fn at(kind: IoErrorKind, path: &Path, line: usize, column: Option<usize>) -> Self {
        let mut e = Self::new(kind, path);
        e.repr.line = Some(line);
        e.repr.column = column;
        e
    }

    /// This error with a detail message (shown after the kind's own text).
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.repr.detail = detail.into();
        self
    }

    /// A free-form error about `path` (for callbacks that need to stop a stream).
    pub fn other(path: &Path, message: impl Into<String>) -> Self {
        Self::new(IoErrorKind::Other, path).with_detail(message)
    }

    /// An invalid option `name`.
    pub(crate) fn param(path: &Path, name: &'static str, reason: impl Into<String>) -> Self {
        Self::new(IoErrorKind::InvalidParameter { name }, path).with_detail(reason)
    }

    /// A malformed file.
    pub(crate) fn malformed(path: &Path, reason: impl Into<String>) -> Self {
        Self::new(IoErrorKind::Malformed, path).with_detail(reason)
    }

    /// An unsupported feature.
    pub(crate) fn unsupported(path: &Path, what: impl Into<String>) -> Self {
        Self::new(IoErrorKind::Unsupported, path).with_detail(what)
    }

    /// Truncated data.
    pub(crate) fn truncated(path: &Path, what: impl Into<String>) -> Self {
        Self::new(IoErrorKind::Truncated, path).with_detail(what)
    }

    /// An OS error; `NotFound` becomes [`IoErrorKind::NotFound`].
    pub(crate) fn os(path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            Self::new(IoErrorKind::NotFound, path)
        } else {
            Self::write(path, source)
        }
    }

    /// An OS error while writing (a missing directory stays an OS error, not `NotFound`).
    pub(crate) fn write(path: &Path, source: std::io::Error) -> Self {
        let mut e = Self::new(IoErrorKind::Io, path);
        e.repr.source = Some(source);
        e
    }

    /// The kind of this error.
    pub fn kind(&self) -> &IoErrorKind {
        &self.repr.kind
    }

    /// The file this error is about.
    pub fn path(&self) -> &Path {
        &self.repr.path
    }

    /// The 1-based line, for text input.
    pub fn line(&self) -> Option<usize> {
        self.repr.line
    }

    /// The 1-based column (field index), for text input.
    pub fn column(&self) -> Option<usize> {
        self.repr.column
    }

    /// `true` for a text cell holding a finite number that overflowed `f32` (it would be
    /// read as `f64`).
    pub fn overflows_f32(&self) -> bool {
        matches!(&self.repr.kind, IoErrorKind::NonFinite { value, .. } if overflow(value) == Some("float32"))
    }

    /// The message after `"<file>[:<line>[:<column>]]: "`.
    fn what(&self) -> String {
        let d = &self.repr.detail;
        let with = |head: &str| {
            if d.is_empty() {
                head.to_string()
            } else {
                format!("{head}: {d}")
            }
        };
        match &self.repr.kind {
            IoErrorKind::NotFound => with("no such file"),
            IoErrorKind::Empty => with("file is empty (no data lines)"),
            IoErrorKind::NoRows => with("no data rows"),
            IoErrorKind::NoColumns => with("no columns"),
            IoErrorKind::Ragged { expected, found } => {
                with(&format!("expected {expected} fields, found {found}"))
            }
            IoErrorKind::NonNumeric { value } => {
                with(&format!("cannot parse '{}' as a number", cell(value)))
            }
            IoErrorKind::Missing { value } if value.is_empty() => with("empty cell (missing value)"),
            IoErrorKind::Missing { value } => {
                with(&format!("missing value '{}'", cell(value)))
            }
            IoErrorKind::NonFinite { value, row, column } => {
                let at = match (row, column) {
                    (Some(r), Some(c)) => format!(" at row {r}, column {c}"),
                    _ => String::new(),
                };
                match overflow(value) {
                    Some(float) => with(&format!(
                        "value '{}'{at} is out of range for {float}",
                        cell(value)
                    )),
                    None => with(&format!("non-finite value '{}'{at}", cell(value))),
                }
            }
            IoErrorKind::Null { column, row } => {
                with(&format!("missing value (null) in column '{column}' at row {row}"))
            }
            IoErrorKind::UnknownExtension => with(
                "unknown file extension (expected .csv, .tsv, .txt, .dat, .data [.gz], .npy, .parquet or .pq)",
            ),
            IoErrorKind::Truncated => with("truncated file"),
            IoErrorKind::Unsupported => with("unsupported"),
            IoErrorKind::Malformed => with("malformed file"),
            IoErrorKind::InvalidParameter { name } => with(&format!("invalid {name}")),
            IoErrorKind::InvalidOutput => d.clone(),
            IoErrorKind::Io => match &self.repr.source {
                Some(s) => with(&s.to_string()),
                None => with("input/output error"),
            },
            IoErrorKind::Other => d.clone(),
        }
    }
}

/// Writes `s` on one line: line breaks, NUL bytes and other control characters are
/// escaped (`\n`, `\0`, `\u{1b}`), never printed raw.
fn one_line(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    if !s.chars().any(char::is_control) {
        return f.write_str(s);
    }
    for c in s.chars() {
        if c.is_control() {
            write!(f, "{}", c.escape_debug())?;
        } else {
            write!(f, "{c}")?;
        }
    }
    Ok(())
}

/// The float type a decimal number written as `value` overflowed: `float32` when it is
/// finite as `f64`, `float64` when it is a plain number (not `inf`/`nan`) that is not;
/// `None` for a value that is NaN or infinite as written.
fn overflow(value: &str) -> Option<&'static str> {
    let v = value.trim();
    let word = v.trim_start_matches(['+', '-']).to_ascii_lowercase();
    if matches!(word.as_str(), "inf" | "infinity" | "nan") {
        return None;
    }
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() => Some("float32"),
        Ok(_) => Some("float64"),
        Err(_) => None,
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

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        one_line(f, &self.repr.path.display().to_string())?;
        if let Some(line) = self.repr.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.repr.column {
                write!(f, ":{col}")?;
            }
        }
        f.write_str(": ")?;
        one_line(f, &self.what())
    }
}

impl std::error::Error for IoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.repr
            .source
            .as_ref()
            .map(|s| s as &(dyn std::error::Error + 'static))
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
        let e = IoError::truncated(p, "x");
        assert_eq!(e.kind(), &IoErrorKind::Truncated);
        assert_eq!(e.to_string(), "data.csv: truncated file: x");
        let e = IoError::os(p, std::io::Error::other("disk full"));
        assert_eq!(e.kind(), &IoErrorKind::Io);
        assert!(std::error::Error::source(&e).is_some());
        assert_eq!(e.to_string(), "data.csv: disk full");
    }

    #[test]
    fn display_is_one_line() {
        let e = IoError::other(Path::new("a\nb.csv"), "x\ny");
        assert_eq!(e.to_string(), "a\\nb.csv: x\\ny");
        let e = IoError::at(
            IoErrorKind::NonNumeric {
                value: "a\0b\u{1b}".into(),
            },
            Path::new("f"),
            1,
            Some(2),
        );
        assert_eq!(
            e.to_string(),
            "f:1:2: cannot parse 'a\\0b\\u{1b}' as a number"
        );
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

    #[test]
    fn overflow_is_not_called_non_finite() {
        let nf = |v: &str| {
            IoError::at(
                IoErrorKind::NonFinite {
                    value: v.into(),
                    row: None,
                    column: None,
                },
                Path::new("f.csv"),
                2,
                Some(1),
            )
        };
        assert_eq!(
            nf("1e200").to_string(),
            "f.csv:2:1: value '1e200' is out of range for float32"
        );
        assert!(nf("-1e200").overflows_f32());
        assert_eq!(
            nf("1e400").to_string(),
            "f.csv:2:1: value '1e400' is out of range for float64"
        );
        assert!(!nf("1e400").overflows_f32());
        for v in ["inf", "-Infinity", "NaN"] {
            assert_eq!(
                nf(v).to_string(),
                format!("f.csv:2:1: non-finite value '{v}'")
            );
            assert!(!nf(v).overflows_f32());
        }
    }
}
