//! Writers: labels, matrices (`.npy` or delimited text), JSON — all atomic.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;
use partitive::{Float, MatRef};

use crate::atomic::AtomicFile;
use crate::error::IoError;
use crate::format::{detect, Format};
use crate::npy::header_bytes;
use crate::scalar::extend_le_bytes;

/// Writes one label per line (`0\n2\n1\n…`), atomically.
pub fn write_labels(path: &Path, labels: &[usize]) -> Result<(), IoError> {
    let mut f = AtomicFile::create(path)?;
    let mut line = String::with_capacity(1 << 16);
    for chunk in labels.chunks(4096) {
        line.clear();
        for l in chunk {
            writeln!(line, "{l}").expect("writing to a String");
        }
        f.write_all(line.as_bytes())
            .map_err(|e| IoError::write(path, e))?;
    }
    f.commit()
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
    if let Some(n) = names {
        assert_eq!(n.len(), m.n_cols(), "one name per column");
    }
    let det = detect(path)?;
    match det.format {
        Format::Npy => write_npy(path, m),
        Format::Parquet => Err(IoError::unsupported(path, "writing Parquet")),
        Format::Delimited => {
            let sep = det.text_delimiter.unwrap_or(b' ');
            let mut f = AtomicFile::create(path)?;
            let err = |e| IoError::write(path, e);
            if det.gzip {
                let mut gz = GzEncoder::new(&mut f, flate2::Compression::default());
                write_text(&mut gz, m, names, sep).map_err(err)?;
                gz.finish().map_err(err)?;
            } else {
                write_text(&mut f, m, names, sep).map_err(err)?;
            }
            f.commit()
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
    let err = |e| IoError::write(path, e);
    f.write_all(&header_bytes::<T>(m.n_rows(), m.n_cols()))
        .map_err(err)?;
    let mut bytes = Vec::with_capacity(1 << 16);
    for chunk in m.as_slice().chunks(8192) {
        bytes.clear();
        extend_le_bytes(&mut bytes, chunk);
        f.write_all(&bytes).map_err(err)?;
    }
    f.commit()
}

/// Writes `value` as pretty-printed JSON (with a final newline), atomically.
pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), IoError> {
    let mut f = AtomicFile::create(path)?;
    serde_json::to_writer_pretty(&mut f, value).map_err(|e| IoError::write(path, e.into()))?;
    f.write_all(b"\n").map_err(|e| IoError::write(path, e))?;
    f.commit()
}
