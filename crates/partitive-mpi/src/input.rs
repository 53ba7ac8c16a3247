//! This rank's rows of the input: each rank reads only its contiguous range
//! ([`crate::rows_of`], whole chunks), through the single-process readers' parsing code
//! (the same rows, and an error in a rank's rows is `partitive`'s message, naming the row or
//! line of the whole file; [`agree`] reports the first rank's, so the first in row order).
//!
//! * `.npy`: by row offset (memory-mapped, [`NpyRows`]).
//! * Parquet: the row count from the footer; each rank decodes only the row groups
//!   overlapping its range ([`ParquetRows`]).
//! * Plain CSV/TSV/text: the file is cut into one byte span per rank, each moved forward to
//!   a line start; each rank counts the lines and records of its span and the counts are
//!   gathered, which locates every row; each rank then parses the lines of its rows only,
//!   from wherever its first row lies (a neighbour's span when a chunk boundary falls
//!   there) ([`TextRows`]). Delimiter, header and columns are settled, as `partitive`
//!   settles them, by every rank on the file's first lines. A record is one line (quotes
//!   do not span lines), so a cut at a line start is never inside a record.
//! * gzipped text (or input that is not a regular file): a gzip stream cannot be entered
//!   in the middle, so every rank decompresses and parses the file up to its range's end
//!   through the streaming reader ([`partitive_io::for_each_chunk`], as `partitive …
//!   --stream`), a first pass counting the rows, a second keeping its rows.

use crate::exchange::Mpi;
use crate::{agree, rows_of};
use partitive::distributed::all_gather;
use partitive::distributed::Exchange;
use partitive::{Float, Mat};
use partitive_io::{Format, IoError, LineCount, NpyRows, ParquetRows, ReadOptions, TextRows};
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
    match Format::from_path(path) {
        Ok(Format::Parquet) => return parquet(path, ex),
        Ok(Format::Delimited) => return text(path, ex),
        _ if !is_npy(path) => return streamed(path, ex),
        _ => {}
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

/// [`read`] of a Parquet file: this rank's row groups only.
fn parquet<T: Float>(path: &Path, ex: &Mpi) -> Result<Rows<T>, String> {
    let read = ParquetRows::open(path, &ReadOptions::default()).and_then(|f| {
        let (start, end) = rows_of(f.n_rows(), ex.rank(), ex.size());
        Ok((start, f.read::<T>(start, end)?, f.names().to_vec()))
    });
    let (start, x, names) = agree(ex, read.map_err(|e| e.to_string()))?;
    Ok(Rows {
        start,
        x,
        names: Some(names),
    })
}

/// [`read`] of delimited text: this rank's byte span counted, its rows' lines parsed (or
/// [`streamed`] for gzip).
fn text<T: Float>(path: &Path, ex: &Mpi) -> Result<Rows<T>, String> {
    let opened = TextRows::open(path, &ReadOptions::default());
    let Some(file) = agree(ex, opened.map_err(|e| e.to_string()))? else {
        return streamed(path, ex);
    };
    let spans = file.spans(ex.size());
    let mine = file.count(spans[ex.rank()].clone());
    let counts: Vec<LineCount> = all_gather(ex, &(mine.lines, mine.records))
        .into_iter()
        .map(|(lines, records)| LineCount { lines, records })
        .collect();
    let names = file.names().map(|n| n.to_vec());
    let read = file.n_rows(&counts).and_then(|n| {
        let (start, end) = rows_of(n, ex.rank(), ex.size());
        Ok((start, file.read::<T>(&spans, &counts, start..end)?))
    });
    let (start, x) = agree(ex, read.map_err(|e| e.to_string()))?;
    Ok(Rows { start, x, names })
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
