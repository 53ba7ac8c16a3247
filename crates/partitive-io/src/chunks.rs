//! [`for_each_chunk`]: streaming row blocks, for data larger than memory.

use std::path::Path;

use partitive::{Float, MatRef};

use crate::error::{IoError, IoErrorKind};
use crate::input::Input;
use crate::options::ReadOptions;
use crate::source::{select_columns, Source};

/// What a streamed file held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkedInfo {
    /// Total number of rows passed to the callback.
    pub n_rows: usize,
    /// Number of columns of every chunk.
    pub n_cols: usize,
    /// Column names (text header, Parquet schema), when known.
    pub column_names: Option<Vec<String>>,
}

/// Calls `f` with consecutive row blocks of `path`, in file order.
///
/// Every block has exactly `rows_per_chunk` rows except the last, which has at most that
/// many, so block boundaries depend only on `rows_per_chunk`. `.npy` blocks are windows of
/// the memory map (no copy when the dtype is `T`), Parquet blocks are decoded batch by
/// batch (row group after row group), text blocks line by line; memory use is about one
/// block. Parsing rules and errors are those of [`crate::read_matrix`]; an error stops the
/// stream (blocks before it have already been passed to `f`). An error returned by `f`
/// stops the stream and is returned as is.
///
/// # Errors
/// `rows_per_chunk == 0` is an invalid parameter; see [`crate::read_matrix`] for the rest.
pub fn for_each_chunk<T: Float>(
    path: &Path,
    opts: &ReadOptions,
    rows_per_chunk: usize,
    f: impl FnMut(MatRef<'_, T>) -> Result<(), IoError>,
) -> Result<ChunkedInfo, IoError> {
    chunks_of(Input::file(path), opts, rows_per_chunk, f)
}

/// [`for_each_chunk`] over `bytes` in memory, read as the content of a file named `name`
/// (its extension picks the format; messages name it). The same parsing code runs.
///
/// # Errors
/// Those of [`for_each_chunk`].
pub fn for_each_chunk_from_bytes<T: Float>(
    name: &Path,
    bytes: &[u8],
    opts: &ReadOptions,
    rows_per_chunk: usize,
    f: impl FnMut(MatRef<'_, T>) -> Result<(), IoError>,
) -> Result<ChunkedInfo, IoError> {
    chunks_of(Input::memory(name, bytes), opts, rows_per_chunk, f)
}

fn chunks_of<T: Float>(
    input: Input<'_>,
    opts: &ReadOptions,
    rows_per_chunk: usize,
    mut f: impl FnMut(MatRef<'_, T>) -> Result<(), IoError>,
) -> Result<ChunkedInfo, IoError> {
    let path = input.path();
    if rows_per_chunk == 0 {
        return Err(IoError::param(path, "rows_per_chunk", "must be at least 1"));
    }
    // Parquet batches never exceed a chunk; capped so a huge chunk size allocates nothing up front.
    let mut source = match Source::open(input, opts, rows_per_chunk.min(1 << 16))? {
        Source::Text(t) => Source::Text(t.without_ids()),
        s => s,
    };
    let d = source.n_cols();
    let column_names = source.names();
    let mut buf: Vec<T> = Vec::new();
    let mut n_rows = 0;
    match &mut source {
        Source::Npy(file, keep) => {
            let mut sel = Vec::new();
            let n = file.n_rows();
            for start in (0..n).step_by(rows_per_chunk) {
                let m = file.rows::<T>(path, start, (start + rows_per_chunk).min(n), &mut buf)?;
                match keep {
                    None => f(m)?,
                    Some(k) => {
                        sel.clear();
                        select_columns(m, k, &mut sel);
                        f(MatRef::new(&sel, m.n_rows(), d).expect("selected shape"))?
                    }
                }
                n_rows += m.n_rows();
            }
        }
        Source::Text(_) | Source::Parquet(_) => loop {
            buf.clear();
            let got = match &mut source {
                Source::Text(t) => t.read_rows(rows_per_chunk, &mut buf)?,
                Source::Parquet(p) => p.read_rows(rows_per_chunk, &mut buf)?,
                Source::Npy(..) => unreachable!(),
            };
            if got == 0 {
                break;
            }
            f(MatRef::new(&buf, got, d).expect("parsed shape"))?;
            n_rows += got;
        },
    }
    if n_rows == 0 {
        return Err(IoError::new(IoErrorKind::NoRows, path));
    }
    Ok(ChunkedInfo {
        n_rows,
        n_cols: d,
        column_names,
    })
}
