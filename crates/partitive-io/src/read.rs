//! [`read_matrix`]: a whole file into memory (or a memory map).

use std::path::Path;

use partitive::Float;

use crate::columns::plan_fields;
use crate::dataset::Dataset;
use crate::error::{IoError, IoErrorKind};
use crate::input::Input;
use crate::options::{MissingPolicy, ReadOptions};
use crate::scalar::check_finite;
use crate::source::{select_columns, Source};
use crate::table::{DroppedRow, Ids, RowInfo, Table};

/// Rows per Parquet batch when reading a whole file.
const BATCH_ROWS: usize = 8192;

/// The element width in bytes of a file's native floating-point storage: `Some(4)` for
/// an `.npy` of `float32`, `Some(8)` for `float64`, `None` for text, Parquet and integer
/// arrays (whose values are parsed or converted anyway). Lets callers compute in the
/// file's own precision and so read an `.npy` without a copy.
pub fn native_float_width(path: &Path) -> Result<Option<usize>, IoError> {
    float_width_of(Input::file(path))
}

/// [`native_float_width`] of `bytes` in memory named `name`.
///
/// # Errors
/// Those of [`native_float_width`].
pub fn native_float_width_from_bytes(name: &Path, bytes: &[u8]) -> Result<Option<usize>, IoError> {
    float_width_of(Input::memory(name, bytes))
}

fn float_width_of(input: Input<'_>) -> Result<Option<usize>, IoError> {
    match crate::format::detect(input.path())?.format {
        crate::Format::Npy => crate::npy::float_width(input),
        _ => {
            input.check_exists()?;
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
    read_with_info(Input::file(path), opts).map(|t| t.data)
}

/// [`read_matrix`] of `bytes` in memory, read as the content of a file named `name` (its
/// extension picks the format; messages name it). The same parsing code runs; a `.npy`
/// is copied into an anonymous memory map (viewed in place when the dtype is `T`).
///
/// # Errors
/// Those of [`read_matrix`], except that bytes in memory are never missing.
pub fn read_matrix_from_bytes<T: Float>(
    name: &Path,
    bytes: &[u8],
    opts: &ReadOptions,
) -> Result<Dataset<T>, IoError> {
    read_with_info(Input::memory(name, bytes), opts).map(|t| t.data)
}

/// [`read_matrix`] with the [`RowInfo`] of [`crate::read_table`].
pub(crate) fn read_with_info<T: Float>(
    input: Input<'_>,
    opts: &ReadOptions,
) -> Result<Table<T>, IoError> {
    let path = input.path();
    let source = Source::open(input, opts, BATCH_ROWS)?;
    let d = source.n_cols();
    let names = source.names();
    let mut info = RowInfo::default();
    let (data, n) = match source {
        Source::Npy(f, keep) if npy_needs_plan(opts) => {
            return read_npy_planned(path, opts, f, keep)
        }
        Source::Npy(f, None) => {
            let data = f.into_dataset(path)?;
            info.n_file_rows = data.n_rows();
            info.fields = (0..data.n_cols()).collect();
            return Ok(Table { data, info });
        }
        Source::Npy(f, Some(keep)) => {
            let (mut buf, mut out) = (Vec::new(), Vec::new());
            let n = f.n_rows();
            let step = partitive::parallel::CHUNK_ROWS;
            for start in (0..n).step_by(step) {
                let m = f.rows::<T>(path, start, (start + step).min(n), &mut buf)?;
                select_columns(m, &keep, &mut out);
            }
            info.n_file_rows = n;
            info.fields = keep;
            (out, n)
        }
        Source::Text(mut t) => {
            let mut out = Vec::new();
            let n = t.read_rows(usize::MAX, &mut out)?;
            info = t.take_info();
            (out, n)
        }
        Source::Parquet(mut p) => {
            // The row count is the footer's claim: reserve for a few batches at most, so a
            // corrupt footer allocates nothing large before the data are decoded.
            let mut out = Vec::with_capacity(p.n_rows().min(8 * BATCH_ROWS).saturating_mul(d));
            let n = p.read_rows(usize::MAX, &mut out)?;
            info = p.take_info();
            (out, n)
        }
    };
    if n == 0 {
        let e = IoError::new(IoErrorKind::NoRows, path);
        return Err(match info.dropped.len() {
            0 => e,
            k => e.with_detail(format!("all {k} rows have a missing value")),
        });
    }
    Ok(Table {
        data: Dataset::owned(data, n, d, names),
        info,
    })
}

/// `true` when a `.npy` read needs more than the column selection.
fn npy_needs_plan(opts: &ReadOptions) -> bool {
    opts.id_column.is_some() || !opts.exclude.is_empty() || opts.missing == MissingPolicy::Drop
}

/// A `.npy` read with an ID column (by index), excluded columns or NaN rows dropped.
fn read_npy_planned<T: Float>(
    path: &Path,
    opts: &ReadOptions,
    f: crate::npy::NpyFile,
    _keep: Option<Vec<usize>>,
) -> Result<Table<T>, IoError> {
    let plan = plan_fields(path, opts, None, f.n_cols(), &|_| None)?;
    let (n, d) = (f.n_rows(), plan.keep.len());
    let mut info = RowInfo {
        n_file_rows: n,
        fields: plan.keep.clone(),
        ..RowInfo::default()
    };
    let mut ids = plan.id.map(|i| Ids {
        name: format!("#{}", i + 1),
        values: Vec::new(),
        unnamed_first_column: false,
    });
    let (mut buf, mut out) = (Vec::new(), Vec::with_capacity(n * d));
    let step = partitive::parallel::CHUNK_ROWS;
    for start in (0..n).step_by(step) {
        let m = f.rows_unchecked::<T>(start, (start + step).min(n), &mut buf);
        'rows: for r in 0..m.n_rows() {
            let row = m.row(r);
            let at = start + r;
            if let (Some(ids), Some(j)) = (&mut ids, plan.id) {
                ids.values.push(format!("{}", row[j]));
            }
            for &j in plan.keep.iter().chain(&plan.id) {
                let v = row[j];
                if v.is_finite() {
                    continue;
                }
                if v.is_nan() && opts.missing == MissingPolicy::Drop && plan.id != Some(j) {
                    info.dropped.push(DroppedRow {
                        row: at,
                        line: None,
                        column: j + 1,
                        value: "NaN".into(),
                    });
                    continue 'rows;
                }
                check_finite(path, &[v], 1, at)
                    .map_err(|e| e.with_detail(format!("column {}", j + 1)))?;
            }
            out.extend(plan.keep.iter().map(|&j| row[j]));
        }
    }
    info.ids = ids;
    let kept = n - info.dropped.len();
    if kept == 0 {
        return Err(IoError::new(IoErrorKind::NoRows, path));
    }
    Ok(Table {
        data: Dataset::owned(out, kept, d, None),
        info,
    })
}
