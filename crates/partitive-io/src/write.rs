//! Writers: labels, matrices (`.npy` or delimited text), JSON — all atomic.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;
use partitive::{Float, MatRef};

use crate::atomic::AtomicFile;
use crate::error::{IoError, IoErrorKind};
use crate::format::{detect, Detected, Format};
use crate::frame::{write_frame_into, Column, Frame, Values};
use crate::npy::header_bytes;
use crate::scalar::extend_le_bytes;
use crate::target::{OutputKind, OutputTarget};

/// Writes labels, atomically, in the format the extension names (see
/// [`write_labels_into`]).
pub fn write_labels(path: &Path, labels: &[usize]) -> Result<(), IoError> {
    let mut f = AtomicFile::create(path)?;
    write_labels_into(&mut f, labels)?;
    f.commit()
}

/// Writes labels into a staged file (committed by the caller, see [`crate::commit_all`]),
/// as a column named `cluster` in the format of the extension: `.npy` a 1-D `int64`
/// array; `.parquet`/`.pq` one column; `.csv`/`.tsv` (optionally `.gz`) a header line then
/// one label per line; any other name one label per line with no header (`.gz`
/// compressed).
pub fn write_labels_into(f: &mut AtomicFile, labels: &[usize]) -> Result<(), IoError> {
    let v: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
    write_label_values_into(f, &v, "cluster", None)
}

/// [`write_labels_into`] for signed values in a column named `name`, `missing` (e.g. −1)
/// written as an empty cell / null where the format has one.
pub fn write_label_values_into(
    f: &mut AtomicFile,
    values: &[i64],
    name: &str,
    missing: Option<i64>,
) -> Result<(), IoError> {
    write_column_into(f, name, Values::Int { values, missing }, |w| {
        plain_lines(w, values)
    })
}

/// One float per row (e.g. a membership probability) in a column named `name`, in the
/// format of the extension as [`write_labels_into`]: `.npy` a 1-D `float64` array,
/// Parquet one column, `.csv`/`.tsv` a header then one value per line, any other name one
/// value per line (`.gz` compressed). NaN is a missing value where the format has one.
pub fn write_float_values_into(
    f: &mut AtomicFile,
    values: &[f64],
    name: &str,
) -> Result<(), IoError> {
    write_column_into(f, name, Values::Float(values), |w| plain_lines(w, values))
}

/// One column, framed (header, typed binary) where the extension asks for it, else
/// written by `plain` (optionally gzipped).
fn write_column_into(
    f: &mut AtomicFile,
    name: &str,
    values: Values<'_>,
    plain: impl Fn(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), IoError> {
    let det = detect(f.target().given()).ok();
    let framed = det.is_some_and(|d| {
        d.format != Format::Delimited || matches!(d.text_delimiter, Some(b',' | b'\t'))
    });
    if framed {
        let frame = Frame {
            columns: vec![Column { name, values }],
        };
        return write_frame_into(f, &frame);
    }
    let path = f.path().to_path_buf();
    let err = |e| IoError::write(&path, e);
    if det.is_some_and(|d| d.gzip) {
        let mut gz = GzEncoder::new(&mut *f, flate2::Compression::default());
        plain(&mut gz).map_err(err)?;
        gz.finish().map_err(err)?;
        Ok(())
    } else {
        plain(f).map_err(err)
    }
}

/// One value per line.
fn plain_lines<V: std::fmt::Display>(w: &mut dyn Write, values: &[V]) -> std::io::Result<()> {
    let mut line = String::with_capacity(1 << 16);
    for chunk in values.chunks(4096) {
        line.clear();
        for l in chunk {
            writeln!(line, "{l}").expect("writing to a String");
        }
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Checks, before any work, that labels can be written to `target`: any name, except
/// `.gz` on `.npy` or Parquet.
pub fn check_labels_output(target: &OutputTarget) -> Result<(), IoError> {
    match detect(target.given()) {
        Err(e) if e.kind() == &IoErrorKind::Unsupported => Err(e),
        _ => Ok(()),
    }
}

/// Writes `m` by the extension of `path`, atomically: `.npy` (see [`write_npy`]), Parquet
/// (`.parquet`, `.pq`: one `float64` column per matrix column) or delimited text — `.csv`
/// (`,`), `.tsv` (tab), `.txt`/`.dat`/`.data` (space), each optionally gzipped (`.gz`).
/// Text values are printed in the shortest form that parses back to the same `T`
/// (round-trip exact), with no header.
///
/// # Errors
/// [`crate::IoErrorKind::UnknownExtension`]; OS errors.
pub fn write_matrix<T: Float>(path: &Path, m: MatRef<'_, T>) -> Result<(), IoError> {
    write_matrix_with_names(path, m, None)
}

/// Like [`write_matrix`], with a header line of column `names` for `.csv`/`.tsv` (not for
/// space-separated `.txt`, nor `.npy`, which has no column names).
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
        Ok(d) => Ok(d),
    }
}

/// Checks, before any work, that a matrix can be written to `target` (see
/// [`write_matrix`]: `.npy`, `.parquet` or delimited text, the text optionally gzipped;
/// comma-separated text for a special file or stream without such an extension).
///
/// # Errors
/// [`IoErrorKind::UnknownExtension`]; `Unsupported` for `.gz` on `.npy` or `.parquet`.
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
        Format::Parquet => {
            let (n, d) = (m.n_rows(), m.n_cols());
            let cols: Vec<Vec<f64>> = (0..d)
                .map(|j| (0..n).map(|i| m.row(i)[j].as_f64()).collect())
                .collect();
            let default: Vec<String> = (0..d).map(|j| format!("column_{j}")).collect();
            let names = names.unwrap_or(&default);
            let frame = Frame {
                columns: cols
                    .iter()
                    .zip(names)
                    .map(|(v, name)| Column {
                        name,
                        values: Values::Float(v),
                    })
                    .collect(),
            };
            write_frame_into(f, &frame)
        }
        Format::Delimited => {
            let sep = det.text_delimiter.unwrap_or(b' ');
            // A header only where the format has one (`.csv`, `.tsv`); `.txt` stays bare.
            let names = names.filter(|_| matches!(sep, b',' | b'\t'));
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
            ("c.parquet", true),
            ("c.npy.gz", false),
            ("c.parquet.gz", false),
        ] {
            let t = OutputTarget::resolve(&dir.path().join(name)).unwrap();
            assert_eq!(check_matrix_output(&t).is_ok(), ok, "{name}");
        }
    }
}
