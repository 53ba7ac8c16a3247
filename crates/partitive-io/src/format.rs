//! File formats, detected from the file extension.

use std::path::Path;

use crate::error::{IoError, IoErrorKind};

/// An input/output file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text: `.csv`, `.tsv`, `.txt`, `.dat`, `.data` (and the benchmark suite's
    /// `.labelsN`), each optionally gzipped (`.gz`).
    Delimited,
    /// NumPy `.npy`.
    Npy,
    /// Apache Parquet: `.parquet`, `.pq`.
    Parquet,
}

/// A format detected from a path: the format and whether the file is gzip-compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    /// The format.
    pub format: Format,
    /// `true` for a `.gz` suffix (delimited text only).
    pub gzip: bool,
    /// The default text delimiter the extension implies (`,` for `.csv`, tab for `.tsv`,
    /// `None` = whitespace for `.txt`, `.dat`, `.data`). Used by writers; readers detect it.
    pub text_delimiter: Option<u8>,
}

impl Format {
    /// The format of `path`, from its extension (case-insensitive).
    ///
    /// Fails with [`IoErrorKind::UnknownExtension`] for any other extension, and for
    /// `.gz` on a non-text format.
    pub fn from_path(path: &Path) -> Result<Format, IoError> {
        Ok(detect(path)?.format)
    }
}

/// Detects format, compression and implied delimiter from `path`'s extension.
pub fn detect(path: &Path) -> Result<Detected, IoError> {
    let unknown = || IoError::new(IoErrorKind::UnknownExtension, path);
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(unknown)?
        .to_ascii_lowercase();
    let (stem, gzip) = match name.strip_suffix(".gz") {
        Some(s) => (s.to_string(), true),
        None => (name, false),
    };
    let ext = Path::new(&stem)
        .extension()
        .and_then(|e| e.to_str())
        .ok_or_else(unknown)?;
    let (format, text_delimiter) = match ext {
        "csv" => (Format::Delimited, Some(b',')),
        "tsv" => (Format::Delimited, Some(b'\t')),
        "txt" | "dat" | "data" => (Format::Delimited, None),
        // Label files of the clustering-benchmarks suite: `NAME.labels0.gz`, ….
        e if e
            .strip_prefix("labels")
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit())) =>
        {
            (Format::Delimited, None)
        }
        "npy" => (Format::Npy, None),
        "parquet" | "pq" => (Format::Parquet, None),
        _ => return Err(unknown()),
    };
    if gzip && format != Format::Delimited {
        return Err(IoError::unsupported(
            path,
            "gzip compression is only supported for delimited text",
        ));
    }
    Ok(Detected {
        format,
        gzip,
        text_delimiter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(p: &str) -> Result<Detected, IoError> {
        detect(Path::new(p))
    }

    #[test]
    fn extensions() {
        for p in [
            "a.csv",
            "a.TSV",
            "dir.x/a.txt",
            "a.dat",
            "a.data",
            "a.csv.gz",
            "a.txt.GZ",
            "a.labels0.gz",
            "a.labels12",
        ] {
            assert_eq!(fmt(p).unwrap().format, Format::Delimited, "{p}");
        }
        assert!(fmt("a.csv.gz").unwrap().gzip);
        assert!(!fmt("a.csv").unwrap().gzip);
        assert_eq!(fmt("a.tsv").unwrap().text_delimiter, Some(b'\t'));
        assert_eq!(Format::from_path(Path::new("x.npy")).unwrap(), Format::Npy);
        assert_eq!(
            Format::from_path(Path::new("x.parquet")).unwrap(),
            Format::Parquet
        );
        assert_eq!(
            Format::from_path(Path::new("x.pq")).unwrap(),
            Format::Parquet
        );
    }

    #[test]
    fn unknown_extension() {
        for p in ["a.xlsx", "noext", "a.gz", "a."] {
            let e = fmt(p).unwrap_err();
            assert!(
                matches!(e.kind(), IoErrorKind::UnknownExtension),
                "{p}: {e}"
            );
            assert!(e.to_string().starts_with(p), "{e}");
        }
        let e = fmt("a.npy.gz").unwrap_err();
        assert!(matches!(e.kind(), IoErrorKind::Unsupported), "{e}");
    }
}
