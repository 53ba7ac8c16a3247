//! This rank's rows of the input.
//!
//! * `.npy`: by row offset (memory-mapped), each rank reading only its whole-chunk
//!   range ([`crate::rows_of`]).
//! * Every other format `partitive` reads (CSV/TSV/text, gzipped too, and Parquet):
//!   every rank streams the file through the single-process reader
//!   ([`partitive_io::for_each_chunk`], the reader of `partitive … --stream`: the same
//!   parsing rules, rows and errors), a first pass counting the rows, a second keeping
//!   the rows of its range and stopping after them. Memory per rank: its rows; each rank
//!   parses the file up to its range's end twice (a gzipped file is decompressed by
//!   every rank). Byte ranges for text and row groups for Parquet are not used yet.

use crate::exchange::Mpi;
use crate::{agree, rows_of};
use partitive::distributed::Exchange;
use partitive::{Float, Mat};
use partitive_io::{IoError, NpyRows, ReadOptions};
use std::path::Path;

/// Rows per block of a streamed read (a multiple of the chunk size, as `partitive`'s).
const STREAM_ROWS: usize = 1 << 16;

fn is_npy(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "npy")
}

/// The width in bytes of the input's float type when it has one (float32: 4, fitted in
/// f32; anything else in f64, as `partitive --dtype auto`), the same on every rank.
pub fn width(path: &Path, ex: &Mpi) -> Result<Option<usize>, String> {
    agree(
        ex,
        partitive_io::native_float_width(path).map_err(|e| e.to_string()),
    )
}

/// This rank's rows of the input.
pub struct Rows<T> {
    /// The index of the first in the whole.
    pub start: usize,
    /// The rows.
    pub x: Mat<T>,
    /// The file's column names (a header, a Parquet schema), when it has them.
    pub names: Option<Vec<String>>,
}

/// This rank's rows (or every rank's first error).
pub fn read<T: Float>(path: &Path, ex: &Mpi) -> Result<Rows<T>, String> {
    if !is_npy(path) {
        return streamed(path, ex);
    }
    let read = NpyRows::open(path).and_then(|f| {
        let (start, end) = rows_of(f.n_rows(), ex.rank(), ex.size());
        Ok((start, f.read::<T>(start, end)?))
    });
    let (start, x) = agree(ex, read.map_err(|e| e.to_string()))?;
    Ok(Rows {
        start,
        x,
        names: None,
    })
}

/// [`read`] of a file read as a stream of row blocks (see the module docs).
fn streamed<T: Float>(path: &Path, ex: &Mpi) -> Result<Rows<T>, String> {
    let opts = ReadOptions::default();
    let err = |e: IoError| e.to_string();
    let info = partitive_io::for_each_chunk::<T>(path, &opts, STREAM_ROWS, |_| Ok(()));
    let info = agree(ex, info.map_err(err))?;
    let (lo, hi) = rows_of(info.n_rows, ex.rank(), ex.size());
    let mut rows: Vec<T> = Vec::with_capacity((hi - lo) * info.n_cols);
    let mut at = 0;
    let kept = partitive_io::for_each_chunk::<T>(path, &opts, STREAM_ROWS, |m| {
        let (s, e) = (at, at + m.n_rows());
        at = e;
        let (a, b) = (s.max(lo), e.min(hi));
        if a < b {
            rows.extend_from_slice(m.rows(a - s, b - s).as_slice());
        }
        match e >= hi {
            // Stops the stream: the rows after this rank's are not read.
            true => Err(IoError::other(path, "this rank's rows are read")),
            false => Ok(()),
        }
    });
    let kept = match kept {
        Err(_) if at >= hi && rows.len() == (hi - lo) * info.n_cols => Ok(()),
        Err(e) => Err(err(e)),
        Ok(_) if rows.len() != (hi - lo) * info.n_cols => Err(format!(
            "{}: the file changed while it was read ({} rows, then {at})",
            path.display(),
            info.n_rows
        )),
        Ok(_) => Ok(()),
    };
    agree(ex, kept)?;
    let x = Mat::from_vec(rows, hi - lo, info.n_cols).map_err(|e| e.to_string())?;
    Ok(Rows {
        start: lo,
        x,
        names: info.column_names,
    })
}
