//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use partitive_io::{read_matrix, IoError, ReadOptions};

/// Writes `contents` to `dir/name` and returns the path.
pub fn file(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p
}

/// Reads `path` as f64 with default options.
pub fn read64(path: &Path) -> Result<partitive_io::Dataset<f64>, IoError> {
    read_matrix::<f64>(path, &ReadOptions::default())
}

/// The error message of reading `path` (f64, `opts`), with the directory removed.
pub fn err(path: &Path, opts: &ReadOptions) -> String {
    let e = read_matrix::<f64>(path, opts).unwrap_err();
    let s = e.to_string();
    let dir = format!("{}/", path.parent().unwrap().display());
    s.replace(&dir, "")
}

/// A raw `.npy` file: `major` version, dictionary text, payload; the header is padded
/// with spaces to make the data offset `align`-aligned (NumPy uses 64).
pub fn npy_raw(major: u8, dict: &str, payload: &[u8], align: usize) -> Vec<u8> {
    let prefix = if major == 1 { 10 } else { 12 };
    let mut total = prefix + dict.len() + 1;
    total = total.div_ceil(align) * align;
    let len = total - prefix;
    let mut out = b"\x93NUMPY".to_vec();
    out.extend_from_slice(&[major, 0]);
    if major == 1 {
        out.extend_from_slice(&(len as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(len as u32).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out.resize(total - 1, b' ');
    out.push(b'\n');
    out.extend_from_slice(payload);
    out
}

/// The NumPy header dictionary for `descr`, order and shape text like `(3, 2)`.
pub fn dict(descr: &str, fortran: bool, shape: &str) -> String {
    let f = if fortran { "True" } else { "False" };
    format!("{{'descr': '{descr}', 'fortran_order': {f}, 'shape': {shape}, }}")
}

/// Little-endian bytes of f32 values.
pub fn le_f32(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Little-endian bytes of f64 values.
pub fn le_f64(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Writes `cols` to `path` with row groups of `group` rows.
pub fn write_parquet(
    path: &std::path::Path,
    cols: Vec<(&str, arrow_array::ArrayRef)>,
    group: usize,
) {
    let fields: Vec<arrow_schema::Field> = cols
        .iter()
        .map(|(n, a)| arrow_schema::Field::new(*n, a.data_type().clone(), a.null_count() > 0))
        .collect();
    let schema = std::sync::Arc::new(arrow_schema::Schema::new(fields));
    let batch =
        arrow_array::RecordBatch::try_new(schema.clone(), cols.into_iter().map(|c| c.1).collect())
            .unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(group))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        schema,
        Some(props),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}
