//! The library's error type: a concrete `Error { kind }` (never a panic on user input).

use std::fmt;

/// What went wrong. One variant per kind of bad parameter or bad data.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A parameter is out of its valid range: `name` is the parameter, `reason` says why.
    InvalidParameter { name: &'static str, reason: String },
    /// The data cannot be used: no rows, no columns, or non-finite values.
    InvalidData { reason: String },
    /// Two inputs disagree in shape (e.g. initial centers with the wrong dimension).
    ShapeMismatch {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    /// The fit was stopped through its [`Interrupt`](crate::interrupt::Interrupt) token.
    Interrupted,
}

/// The error returned by every fallible function of `partitive`.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    kind: ErrorKind,
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// A bad parameter `name`.
    pub fn param(name: &'static str, reason: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::InvalidParameter {
                name,
                reason: reason.into(),
            },
        }
    }

    /// Unusable data.
    pub fn data(reason: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::InvalidData {
                reason: reason.into(),
            },
        }
    }

    /// A shape disagreement.
    pub fn shape(what: &'static str, expected: usize, found: usize) -> Self {
        Error {
            kind: ErrorKind::ShapeMismatch {
                what,
                expected,
                found,
            },
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error { kind }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::InvalidParameter { name, reason } => {
                write!(f, "invalid parameter {name}: {reason}")
            }
            ErrorKind::InvalidData { reason } => write!(f, "invalid data: {reason}"),
            ErrorKind::ShapeMismatch {
                what,
                expected,
                found,
            } => {
                write!(
                    f,
                    "shape mismatch in {what}: expected {expected}, found {found}"
                )
            }
            ErrorKind::Interrupted => write!(f, "interrupted"),
        }
    }
}

impl std::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, Error>;
