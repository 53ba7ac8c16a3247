//! Writers: labels, matrices (`.npy` or delimited text), JSON — all atomic.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;
use partitive::{Float, MatRef};

use crate::atomic::AtomicFile;
use crate::error::{IoError, IoErrorKind};
use crate::format::{detect, Detected, Format};
use crate::npy::header_bytes;
use crate::scalar::extend_le_bytes;
use crate::target::{OutputKind, OutputTarget};

/// Writes one label per line (`0\n2\n1\n…`), atomically.
pub fn write_labels(path: &Path, labels: &[usize]) -> Result<(), IoError> {
    let mut f = AtomicFile::create(path)?;
    write_labels_into(&mut f, labels)?;
    f.commit()
}

/// Writes one label per line into a staged file (committed by the caller, see
/// [`crate::commit_all`]).
pub fn write_labels_into(f: &mut AtomicFile, labels: &[usize]) -> Result<(), IoError> {
    let mut line = String::with_capacity(1 << 16);
    for chunk in labels.chunks(4096) {
        line.clear();
        for l in chunk {
            writeln!(line, "{l}").expect("writing to a String");
        }
        f.write_all(line.as_bytes())
            .map_err(|e| IoError::write(f.path(), e))?;
    }
    Ok(())
}

/// Writes `m` by the extension of `path`, atomically: `.npy` (see [`write_npy`]) or
/// delimited text — `.csv` (`,`), `.tsv` (tab), `.txt`/`.dat`/`.data` (space), each
/// optionally gzipped (`.gz`). Text values are printed in the shortest form that parses
/// back to the same `T` (round-trip exact), with no header.
///
/// # Errors
/// [`crate::IoErrorKind::UnknownExtension`]; `Unsupported` for Parquet; OS errors.
pub fn write_matrix<T: Float>(path: &Path, m: MatRef<'_, T>) -> Result<(), IoError> {
    write_matrix_with_names(path, m, None)
}

/// Like [`write_matrix`], with a header line of column `names` for text output (ignored by
/// `.npy`, which has no column names).
///
/// # Panics
/// When `names` has a length other than `m.n_cols()` (a caller contract).
pub fn write_matrix_with_names<T: Float>(
    path: &Path,
    m: MatRef<'_, T>,
    names: Option<&[String]>,
) -> Result<(), IoError> {
    let target = OutputTarget::resolve(path)?;
    check_matrix_output(&target)?;
    let mut f = AtomicFile::for_target(target)?;
    write_matrix_into(&mut f, m, names)?;
    f.commit()
}

/// The format a matrix written to `target` gets: from the extension, as
/// [`write_matrix`]; a special file or stream without a known extension (`/dev/stdout`,
/// `-`, a FIFO) gets comma-separated text.
fn matrix_format(target: &OutputTarget) -> Result<Detected, IoError> {
    match detect(target.given()) {
        Err(e)
            if e.kind() == &IoErrorKind::UnknownExtension && target.kind() != OutputKind::File =>
        {
            Ok(Detected {
                format: Format::Delimited,
                gzip: false,
                text_delimiter: Some(b','),
            })
        }
        Err(e) => Err(e),
        Ok(d) if d.format == Format::Parquet => {
            Err(IoError::unsupported(target.given(), "writing Parquet"))
        }
        Ok(d) => Ok(d),
    }
}

/// Checks, before any work, that a matrix can be written to `target` (see
/// [`write_matrix`]: `.npy` or delimited text, optionally gzipped; comma-separated text for
/// a special file or stream without such an extension).
///
/// # Errors
/// [`IoErrorKind::UnknownExtension`]; `Unsupported` for Parquet and `.gz` on `.npy`.
pub fn check_matrix_output(target: &OutputTarget) -> Result<(), IoError> {
    matrix_format(target).map(|_| ())
}

/// Writes `m` into a staged file in the format its target implies (see
/// [`check_matrix_output`]); committed by the caller.
///
/// # Panics
/// When `names` has a length other than `m.n_cols()` (a caller contract).
pub fn write_matrix_into<T: Float>(
    f: &mut AtomicFile,
    m: MatRef<'_, T>,
    names: Option<&[String]>,
) -> Result<(), IoError> {
    if let Some(n) = names {
        assert_eq!(n.len(), m.n_cols(), "one name per column");
    }
    let det = matrix_format(f.target())?;
    let path = f.path().to_path_buf();
    let err = |e| IoError::write(&path, e);
    match det.format {
        Format::Npy => write_npy_into(f, m),
        Format::Parquet => Err(IoError::unsupported(&path, "writing Parquet")),
        Format::Delimited => {
            let sep = det.text_delimiter.unwrap_or(b' ');
            if det.gzip {
                let mut gz = GzEncoder::new(f, flate2::Compression::default());
                write_text(&mut gz, m, names, sep).map_err(err)?;
                gz.finish().map_err(err)?;
            } else {
                write_text(f, m, names, sep).map_err(err)?;
            }
            Ok(())
        }
    }
}

/// Writes rows of `m` as text separated by `sep`.
fn write_text<T: Float, W: Write>(
    w: &mut W,
    m: MatRef<'_, T>,
    names: Option<&[String]>,
    sep: u8,
) -> std::io::Result<()> {
    let sep = sep as char;
    let mut line = String::new();
    if let Some(names) = names {
        for (j, n) in names.iter().enumerate() {
            if j > 0 {
                line.push(sep);
            }
            if n.contains([sep, '"', '\n']) || n.trim() != n {
                line.push('"');
                line.push_str(&n.replace('"', "\"\""));
                line.push('"');
            } else {
                line.push_str(n);
            }
        }
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    for i in 0..m.n_rows() {
        line.clear();
        for (j, v) in m.row(i).iter().enumerate() {
            if j > 0 {
                line.push(sep);
            }
            // `Debug` of f32/f64 is the shortest string that parses back to the same value.
            write!(line, "{v:?}").expect("writing to a String");
        }
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Writes `m` as a NumPy `.npy` file (format 1.0, `<f4` or `<f8`, C order, shape
/// `(n_rows, n_cols)`, data aligned to 64 bytes), atomically, whatever the extension.
pub fn write_npy<T: Float>(path: &Path, m: MatRef<'_, T>) -> Result<(), IoError> {
    let mut f = AtomicFile::create(path)?;
    write_npy_into(&mut f, m)?;
    f.commit()
}

/// [`write_npy`] into a staged file, committed by the caller.
pub fn write_npy_into<T: Float>(f: &mut AtomicFile, m: MatRef<'_, T>) -> Result<(), IoError> {
    let path = f.path().to_path_buf();
    let err = |e| IoError::write(&path, e);
    f.write_all(&header_bytes::<T>(m.n_rows(), m.n_cols()))
        .map_err(err)?;
    let mut bytes = Vec::with_capacity(1 << 16);
    for chunk in m.as_slice().chunks(8192) {
        bytes.clear();
        extend_le_bytes(&mut bytes, chunk);
        f.write_all(&bytes).map_err(err)?;
    }
    Ok(())
}

/// Writes `value` as pretty-printed JSON (with a final newline), atomically.
pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), IoError> {
    let mut f = AtomicFile::create(path)?;
    write_json_into(&mut f, value)?;
    f.commit()
}

/// [`write_json`] into a staged file, committed by the caller.
pub fn write_json_into(f: &mut AtomicFile, value: &serde_json::Value) -> Result<(), IoError> {
    let path = f.path().to_path_buf();
    serde_json::to_writer_pretty(&mut *f, value).map_err(|e| IoError::write(&path, e.into()))?;
    f.write_all(b"\n").map_err(|e| IoError::write(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_formats_for_special_targets() {
        let t = OutputTarget::resolve(Path::new("-")).unwrap();
        assert_eq!(matrix_format(&t).unwrap().text_delimiter, Some(b','));
        let dir = tempfile::tempdir().unwrap();
        for (name, ok) in [
            ("c.csv", true),
            ("c.npy", true),
            ("c.tsv.gz", true),
            ("c", false),
            ("c.parquet", false),
            ("c.npy.gz", false),
        ] {
            let t = OutputTarget::resolve(&dir.path().join(name)).unwrap();
            assert_eq!(check_matrix_output(&t).is_ok(), ok, "{name}");
        }
    }
}
