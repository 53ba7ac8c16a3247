//! [`Frame`]: named columns of text, integers or floats, written in the format a file's
//! extension names — delimited text with a header (`.csv`, `.tsv`, `.txt`, `.dat`,
//! `.data`, each optionally `.gz`), a NumPy structured array (`.npy`) or Parquet
//! (`.parquet`, `.pq`). Used for outputs that must join back to the input: IDs, labels,
//! confidences.
//!
//! Missing values: an integer column may name a value meaning "missing" (−1 for the
//! cluster of a row dropped for a missing input value): it is written as an empty cell in
//! text and a null in Parquet, and kept as is in `.npy` (which has no null). A NaN float
//! is written as an empty cell, a null, or NaN in `.npy`.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use flate2::write::GzEncoder;
use parquet::arrow::ArrowWriter;

use crate::atomic::AtomicFile;
use crate::error::{IoError, IoErrorKind};
use crate::format::{detect, Format};
use crate::npy::header_with;
use crate::target::{OutputKind, OutputTarget};

/// The values of one column.
#[derive(Debug, Clone, Copy)]
pub enum Values<'a> {
    /// Text (IDs).
    Text(&'a [String]),
    /// 64-bit integers; `missing` (if any) is written as a missing value.
    Int {
        /// The values.
        values: &'a [i64],
        /// The value meaning "missing".
        missing: Option<i64>,
    },
    /// 64-bit floats; NaN is written as a missing value (except in `.npy`).
    Float(&'a [f64]),
}

impl Values<'_> {
    fn len(&self) -> usize {
        match self {
            Values::Text(v) => v.len(),
            Values::Int { values, .. } => values.len(),
            Values::Float(v) => v.len(),
        }
    }
}

/// A named column.
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    /// The header / field name.
    pub name: &'a str,
    /// The values.
    pub values: Values<'a>,
}

/// Columns of equal length.
#[derive(Debug, Clone, Default)]
pub struct Frame<'a> {
    /// The columns, in order.
    pub columns: Vec<Column<'a>>,
}

/// How a frame is written to a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FrameFormat {
    Text { sep: u8, gzip: bool },
    Npy,
    Parquet,
}

fn frame_format(target: &OutputTarget) -> Result<FrameFormat, IoError> {
    match detect(target.given()) {
        Ok(d) => Ok(match d.format {
            Format::Delimited => FrameFormat::Text {
                sep: d.text_delimiter.unwrap_or(b' '),
                gzip: d.gzip,
            },
            Format::Npy => FrameFormat::Npy,
            Format::Parquet => FrameFormat::Parquet,
        }),
        Err(e)
            if e.kind() == &IoErrorKind::UnknownExtension && target.kind() != OutputKind::File =>
        {
            Ok(FrameFormat::Text {
                sep: b',',
                gzip: false,
            })
        }
        Err(e) => Err(e),
    }
}

/// Checks, before any work, that a frame can be written to `target`: `.csv`, `.tsv`,
/// `.txt`, `.dat`, `.data` (optionally `.gz`), `.npy`, `.parquet`/`.pq`; comma-separated
/// text for a stream or special file without such an extension.
///
/// # Errors
/// [`IoErrorKind::UnknownExtension`]; `Unsupported` for `.gz` on `.npy` or Parquet.
pub fn check_frame_output(target: &OutputTarget) -> Result<(), IoError> {
    frame_format(target).map(|_| ())
}

/// Writes `frame` into a staged file in the format its target names (see
/// [`check_frame_output`]); committed by the caller.
///
/// # Panics
/// When the columns differ in length (a caller contract).
pub fn write_frame_into(f: &mut AtomicFile, frame: &Frame<'_>) -> Result<(), IoError> {
    let n = frame.columns.first().map_or(0, |c| c.values.len());
    assert!(
        frame.columns.iter().all(|c| c.values.len() == n),
        "columns of equal length"
    );
    let path = f.path().to_path_buf();
    let err = |e| IoError::write(&path, e);
    match frame_format(f.target())? {
        FrameFormat::Text { sep, gzip } => {
            if gzip {
                let mut gz = GzEncoder::new(&mut *f, flate2::Compression::default());
                write_text(&mut gz, frame, n, sep).map_err(err)?;
                gz.finish().map_err(err)?;
            } else {
                write_text(&mut *f, frame, n, sep).map_err(err)?;
            }
        }
        FrameFormat::Npy => f.write_all(&npy_bytes(frame, n)).map_err(err)?,
        FrameFormat::Parquet => {
            let bytes = parquet_bytes(frame).map_err(|e| IoError::other(&path, e))?;
            f.write_all(&bytes).map_err(err)?;
        }
    }
    Ok(())
}

/// A text field, quoted when it holds the separator, a quote, a line break or outer spaces.
fn push_field(line: &mut String, s: &str, sep: char) {
    if s.contains([sep, '"', '\n', '\r']) || s.trim() != s || (sep == ' ' && s.is_empty()) {
        line.push('"');
        line.push_str(&s.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(s);
    }
}

fn write_text<W: Write>(w: &mut W, frame: &Frame<'_>, n: usize, sep: u8) -> std::io::Result<()> {
    let sep = sep as char;
    let mut line = String::new();
    for (j, c) in frame.columns.iter().enumerate() {
        if j > 0 {
            line.push(sep);
        }
        push_field(&mut line, c.name, sep);
    }
    line.push('\n');
    w.write_all(line.as_bytes())?;
    for i in 0..n {
        line.clear();
        for (j, c) in frame.columns.iter().enumerate() {
            if j > 0 {
                line.push(sep);
            }
            match c.values {
                Values::Text(v) => push_field(&mut line, &v[i], sep),
                Values::Int { values, missing } => {
                    if missing == Some(values[i]) {
                        push_field(&mut line, "", sep);
                    } else {
                        write!(line, "{}", values[i]).expect("writing to a String");
                    }
                }
                Values::Float(v) => {
                    if v[i].is_nan() {
                        push_field(&mut line, "", sep);
                    } else {
                        write!(line, "{:?}", v[i]).expect("writing to a String");
                    }
                }
            }
        }
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// A field name as a Python string literal.
fn py_str(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c if c.is_control() || !c.is_ascii() => {
                write!(out, "\\u{:04x}", c as u32 & 0xffff).expect("writing to a String")
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A NumPy structured array (`<i8`, `<f8` and fixed-width `<U` fields), or a plain 1-D
/// array for a single non-text column.
fn npy_bytes(frame: &Frame<'_>, n: usize) -> Vec<u8> {
    let widths: Vec<usize> = frame
        .columns
        .iter()
        .map(|c| match c.values {
            Values::Text(v) => v
                .iter()
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
                .max(1),
            _ => 0,
        })
        .collect();
    let single = frame.columns.len() == 1 && widths[0] == 0;
    let code = |c: &Column<'_>, w: usize| match c.values {
        Values::Text(_) => format!("'<U{w}'"),
        Values::Int { .. } => "'<i8'".to_string(),
        Values::Float(_) => "'<f8'".to_string(),
    };
    let descr = if single {
        code(&frame.columns[0], 0)
    } else {
        let fields: Vec<String> = frame
            .columns
            .iter()
            .zip(&widths)
            .map(|(c, &w)| format!("({}, {})", py_str(c.name), code(c, w)))
            .collect();
        format!("[{}]", fields.join(", "))
    };
    let mut out = header_with(&descr, &format!("({n},)"));
    for i in 0..n {
        for (c, &w) in frame.columns.iter().zip(&widths) {
            match c.values {
                Values::Text(v) => {
                    let mut k = 0;
                    for ch in v[i].chars() {
                        out.extend_from_slice(&(ch as u32).to_le_bytes());
                        k += 1;
                    }
                    out.resize(out.len() + 4 * (w - k), 0);
                }
                Values::Int { values, .. } => out.extend_from_slice(&values[i].to_le_bytes()),
                Values::Float(v) => out.extend_from_slice(&v[i].to_le_bytes()),
            }
        }
    }
    out
}

fn parquet_bytes(frame: &Frame<'_>) -> Result<Vec<u8>, String> {
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for c in &frame.columns {
        let (t, a): (DataType, ArrayRef) = match c.values {
            Values::Text(v) => (
                DataType::Utf8,
                Arc::new(StringArray::from_iter_values(v.iter())),
            ),
            Values::Int { values, missing } => (
                DataType::Int64,
                Arc::new(Int64Array::from_iter(
                    values.iter().map(|&x| (missing != Some(x)).then_some(x)),
                )),
            ),
            Values::Float(v) => (
                DataType::Float64,
                Arc::new(Float64Array::from_iter(
                    v.iter().map(|&x| (!x.is_nan()).then_some(x)),
                )),
            ),
        };
        fields.push(Field::new(c.name, t, true));
        arrays.push(a);
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    let mut w = ArrowWriter::try_new(&mut buf, schema, None).map_err(|e| e.to_string())?;
    w.write(&batch).map_err(|e| e.to_string())?;
    w.close().map_err(|e| e.to_string())?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame<'a>(ids: &'a [String], cl: &'a [i64], conf: &'a [f64]) -> Frame<'a> {
        Frame {
            columns: vec![
                Column {
                    name: "id",
                    values: Values::Text(ids),
                },
                Column {
                    name: "cluster",
                    values: Values::Int {
                        values: cl,
                        missing: Some(-1),
                    },
                },
                Column {
                    name: "confidence",
                    values: Values::Float(conf),
                },
            ],
        }
    }

    #[test]
    fn text_with_header_quotes_and_missing() {
        let ids = vec!["a,1".to_string(), "b".to_string()];
        let f = frame(&ids, &[2, -1], &[0.5, f64::NAN]);
        let mut out = Vec::new();
        write_text(&mut out, &f, 2, b',').unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id,cluster,confidence\n\"a,1\",2,0.5\nb,,\n"
        );
    }

    #[test]
    fn npy_structured_and_plain() {
        let ids = vec!["é".to_string(), "bb".to_string()];
        let f = frame(&ids, &[2, -1], &[0.5, 1.0]);
        let b = npy_bytes(&f, 2);
        let head = String::from_utf8_lossy(&b[10..100]).to_string();
        assert!(
            head.contains("[('id', '<U2'), ('cluster', '<i8'), ('confidence', '<f8')]"),
            "{head}"
        );
        // 2 rows × (8 + 8 + 8) bytes after the 64-byte-aligned header
        let header_len = b.len() - 2 * 24;
        assert_eq!(header_len % 64, 0);
        assert_eq!(&b[header_len..header_len + 4], &(0xe9u32).to_le_bytes());
        let plain = Frame {
            columns: vec![Column {
                name: "cluster",
                values: Values::Int {
                    values: &[3, 4],
                    missing: None,
                },
            }],
        };
        let b = npy_bytes(&plain, 2);
        assert!(String::from_utf8_lossy(&b).contains("'descr': '<i8'"));
        assert!(String::from_utf8_lossy(&b).contains("'shape': (2,)"));
    }

    #[test]
    fn parquet_is_written() {
        let ids = vec!["x".to_string()];
        let f = frame(&ids, &[-1], &[0.25]);
        let b = parquet_bytes(&f).unwrap();
        assert_eq!(&b[..4], b"PAR1");
    }
}
