//! [`read_matrix`]: a whole file into memory (or a memory map).

use std::path::Path;

use partitive::Float;

use crate::dataset::Dataset;
use crate::error::{IoError, IoErrorKind};
use crate::options::ReadOptions;
use crate::source::{select_columns, Source};

/// Rows per Parquet batch when reading a whole file.
const BATCH_ROWS: usize = 8192;

/// The element width in bytes of a file's native floating-point storage: `Some(4)` for
/// an `.npy` of `float32`, `Some(8)` for `float64`, `None` for text, Parquet and integer
/// arrays (whose values are parsed or converted anyway). Lets callers compute in the
/// file's own precision and so read an `.npy` without a copy.
pub fn native_float_width(path: &Path) -> Result<Option<usize>, IoError> {
    match crate::format::detect(path)?.format {
        crate::Format::Npy => crate::npy::float_width(path),
        _ => {
            if !path.exists() {
                return Err(IoError::new(IoErrorKind::NotFound, path));
            }
            Ok(None)
        }
    }
}

/// Reads the numeric matrix in `path` (format from the extension, see [`crate::Format`]).
///
/// A `.npy` whose dtype is `T` (little-endian, C order, aligned) is memory-mapped and
/// viewed in place ([`Dataset::is_memory_mapped`]); other dtypes, big-endian data and
/// Fortran-ordered arrays (transposed) are converted into a `Vec<T>`, as is a `columns`
/// selection other than all columns in order. Text and Parquet are parsed into a `Vec<T>`
/// (text in parallel on the current rayon pool, with results independent of the thread
/// count). Every value must be finite.
///
/// # Errors
/// One [`IoError`] per problem, naming the file and, for text, line and column: missing
/// or empty file, unknown extension, ragged rows, non-numeric or non-finite cells, nulls,
/// zero rows or columns, truncated `.npy`/`.gz`, unsupported dtypes, bad `columns`.
pub fn read_matrix<T: Float>(path: &Path, opts: &ReadOptions) -> Result<Dataset<T>, IoError> {
    let source = Source::open(path, opts, BATCH_ROWS)?;
    let d = source.n_cols();
    let names = source.names();
    let (data, n) = match source {
        Source::Npy(f, None) => return f.into_dataset(path),
        Source::Npy(f, Some(keep)) => {
            let (mut buf, mut out) = (Vec::new(), Vec::new());
            let n = f.n_rows();
            let step = partitive::parallel::CHUNK_ROWS;
            for start in (0..n).step_by(step) {
                let m = f.rows::<T>(path, start, (start + step).min(n), &mut buf)?;
                select_columns(m, &keep, &mut out);
            }
            (out, n)
        }
        Source::Text(mut t) => {
            let mut out = Vec::new();
            let n = t.read_rows(usize::MAX, &mut out)?;
            (out, n)
        }
        Source::Parquet(mut p) => {
            // The row count is the footer's claim: reserve for a few batches at most, so a
            // corrupt footer allocates nothing large before the data are decoded.
            let mut out = Vec::with_capacity(p.n_rows().min(8 * BATCH_ROWS).saturating_mul(d));
            let n = p.read_rows(usize::MAX, &mut out)?;
            (out, n)
        }
    };
    if n == 0 {
        return Err(IoError::new(IoErrorKind::NoRows, path));
    }
    Ok(Dataset::owned(data, n, d, names))
}
