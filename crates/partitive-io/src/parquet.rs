//! Apache Parquet input through the `parquet` crate's Arrow reader.
//!
//! Numeric columns (`float16/32/64`, `int8..64`, `uint8..64`) are converted to `T`
//! (64-bit integers beyond 2⁵³ are rounded). Without a `columns` selection every numeric
//! top-level column is read and the others are skipped; selecting a non-numeric column is
//! an error naming it. Null cells are an error naming column and row. Rows are decoded one
//! batch at a time, row group after row group.

use std::ops::Range;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::{
    ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder, RowSelection, RowSelector,
};
use parquet::arrow::ProjectionMask;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::reader::ChunkReader;
use partitive::Float;

use crate::columns::plan_fields;
use crate::contain::contain;
use crate::error::{IoError, IoErrorKind};
use crate::input::Input;
use crate::options::{MissingPolicy, ReadOptions};
use crate::parquet_check::{check_dictionaries, check_footer, check_layout};
use crate::parquet_pages::check_pages;
use crate::scalar::check_finite;
use crate::table::{DroppedRow, Ids, RowInfo};

fn is_numeric(t: &DataType) -> bool {
    use DataType::*;
    matches!(
        t,
        Int8 | Int16
            | Int32
            | Int64
            | UInt8
            | UInt16
            | UInt32
            | UInt64
            | Float16
            | Float32
            | Float64
    )
}

/// Rows decoded before a decoding error beyond which the rows are not decoded again one by
/// one (see [`ParquetSource::next_batch`]): that costs a single-row batch per row before
/// the error, so in larger corrupt files the reported error may depend on the batch size.
const REDECODE_ROWS: usize = 1 << 20;

/// Builds the batch reader again, skipping the given number of rows, one row per batch.
type Rebuild = Box<dyn Fn(usize) -> Result<ParquetRecordBatchReader, String>>;

/// A streaming reader of the numeric columns of a Parquet file.
pub(crate) struct ParquetSource {
    path: PathBuf,
    reader: ParquetRecordBatchReader,
    /// For each output column, its position in the projected batches.
    batch_pos: Vec<usize>,
    names: Vec<String>,
    n_rows: usize,
    /// Rows of the file already appended by `append`.
    done: usize,
    /// The batch being consumed and the next row in it.
    current: Option<(RecordBatch, usize)>,
    /// Position of the ID column in the projected batches.
    id_pos: Option<usize>,
    missing: MissingPolicy,
    /// The reader again, from a given row, one row per batch (see [`Self::next_batch`]).
    rebuild: Rebuild,
    /// Rows of the file decoded so far (in batches returned).
    decoded: usize,
    /// Whether `reader` is the rebuilt one.
    row_by_row: bool,
    /// IDs, dropped rows, skipped columns.
    info: RowInfo,
}

impl ParquetSource {
    /// Opens `input`, resolves the column selection, and prepares batches of `batch_rows`.
    pub(crate) fn open(
        input: Input<'_>,
        opts: &ReadOptions,
        batch_rows: usize,
    ) -> Result<ParquetSource, IoError> {
        Self::open_range(input, opts, batch_rows, None)
    }

    /// [`open`](Self::open), reading only the rows `rows` (of the whole file) when given:
    /// only the row groups overlapping them are decoded, and the rows of those groups
    /// outside the range are skipped. Row numbers in messages stay those of the file.
    pub(crate) fn open_range(
        input: Input<'_>,
        opts: &ReadOptions,
        batch_rows: usize,
        rows: Option<Range<usize>>,
    ) -> Result<ParquetSource, IoError> {
        let path = input.path();
        match input.bytes() {
            Some(b) => {
                let bytes = bytes::Bytes::copy_from_slice(b);
                let again = bytes.clone();
                let reopen = move || Ok(again.clone());
                Self::open_reader(path, bytes, b.len() as u64, opts, batch_rows, rows, reopen)
            }
            None => {
                let file = input.open_file()?;
                let len = file.metadata().map_err(|e| IoError::os(path, e))?.len();
                let again = file.try_clone().map_err(|e| IoError::os(path, e))?;
                let reopen = move || again.try_clone();
                Self::open_reader(path, file, len, opts, batch_rows, rows, reopen)
            }
        }
    }

    /// [`open_range`](Self::open_range) over `file_len` bytes readable at any offset from
    /// `file`; `reopen` gives another handle on the same bytes (see [`Self::next_batch`]).
    fn open_reader<R: ChunkReader + 'static>(
        path: &Path,
        file: R,
        file_len: u64,
        opts: &ReadOptions,
        batch_rows: usize,
        rows: Option<Range<usize>>,
        reopen: impl Fn() -> std::io::Result<R> + 'static,
    ) -> Result<ParquetSource, IoError> {
        if file_len == 0 {
            return Err(IoError::new(IoErrorKind::Empty, path));
        }
        let pq = |e: parquet::errors::ParquetError| IoError::malformed(path, e.to_string());
        check_footer(path, &file, file_len)?;
        let builder = contain(|| ParquetRecordBatchReaderBuilder::try_new(file))
            .map_err(|e| IoError::malformed(path, e))?
            .map_err(pq)?;
        check_layout(path, builder.metadata(), file_len)?;
        let fields = builder.schema().fields().clone();
        let all_names: Vec<String> = fields.iter().map(|f| f.name().clone()).collect();
        // Non-numeric columns are always left out (and listed) unless selected.
        let opts_all = ReadOptions {
            skip_text_columns: true,
            ..opts.clone()
        };
        let plan = plan_fields(path, &opts_all, Some(&all_names), fields.len(), &|i| {
            let t = fields[i].data_type();
            (!is_numeric(t)).then(|| (format!("{t}"), None))
        })?;
        let picked = plan.keep.clone();
        if let Some(i) = plan.id {
            let t = fields[i].data_type();
            if !(is_numeric(t) || matches!(t, DataType::Utf8 | DataType::LargeUtf8)) {
                return Err(IoError::param(
                    path,
                    "id_column",
                    format!(
                        "column '{}' has type {t} (use a text or integer column)",
                        all_names[i]
                    ),
                ));
            }
        }
        if picked.is_empty() {
            return Err(IoError::new(IoErrorKind::NoColumns, path));
        }
        let n_rows = builder.metadata().file_metadata().num_rows().max(0) as usize;
        if n_rows == 0 {
            return Err(IoError::new(IoErrorKind::NoRows, path));
        }
        let part = match &rows {
            Some(r) => Some(row_groups_of(path, builder.metadata(), n_rows, r.clone())?),
            None => None,
        };
        // Every page header first (sizes within bounds), then the dictionaries' claims:
        // both before the crate decodes a page.
        check_pages(
            path,
            builder.metadata(),
            &reopen().map_err(|e| IoError::os(path, e))?,
        )?;
        check_dictionaries(path, reopen().map_err(|e| IoError::os(path, e))?)?;
        // The same row groups and rows for the first reader and a rebuilt one.
        let limit = move |b: ParquetRecordBatchReaderBuilder<R>| match &part {
            Some((groups, sel)) => b
                .with_row_groups(groups.clone())
                .with_row_selection(sel.clone()),
            None => b,
        };
        let limit = std::sync::Arc::new(limit);
        let limit_again = limit.clone();
        let mut roots = picked.clone();
        roots.extend(plan.id);
        roots.sort_unstable();
        roots.dedup();
        let batch_pos = picked
            .iter()
            .map(|i| roots.binary_search(i).expect("present"))
            .collect();
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots.iter().copied());
        let again = mask.clone();
        let rebuild: Rebuild = Box::new(move |skip| {
            let r = reopen().map_err(|e| e.to_string())?;
            let mut reader = contain(|| {
                limit_again(ParquetRecordBatchReaderBuilder::try_new(r)?)
                    .with_projection(again.clone())
                    .with_batch_size(1)
                    .build()
            })?
            .map_err(|e| e.to_string())?;
            // Rows are skipped by decoding them (as the first reader did), not by a row
            // selection, whose planning trusts the row groups' claimed counts (a range
            // read trusts them, once checked against the footer's total: `row_groups_of`).
            for _ in 0..skip {
                match contain(|| reader.next())? {
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e.to_string()),
                    None => return Err("fewer rows than before".into()),
                }
            }
            Ok(reader)
        });
        let reader = contain(|| {
            limit(builder)
                .with_projection(mask)
                .with_batch_size(batch_rows.max(1))
                .build()
        })
        .map_err(|e| IoError::malformed(path, e))?
        .map_err(pq)?;
        let id_pos = plan.id.map(|i| roots.binary_search(&i).expect("present"));
        Ok(ParquetSource {
            path: path.to_path_buf(),
            reader,
            rebuild,
            decoded: 0,
            row_by_row: false,
            batch_pos,
            names: picked.iter().map(|&i| all_names[i].clone()).collect(),
            n_rows,
            done: rows.as_ref().map_or(0, |r| r.start),
            current: None,
            id_pos,
            missing: opts.missing,
            info: RowInfo {
                ids: plan.id.map(|i| Ids {
                    name: all_names[i].clone(),
                    values: Vec::new(),
                    unnamed_first_column: plan.unnamed_first,
                }),
                skipped: plan.skipped,
                fields: plan.keep.clone(),
                ..RowInfo::default()
            },
        })
    }

    /// Number of output columns.
    pub(crate) fn n_cols(&self) -> usize {
        self.batch_pos.len()
    }

    /// Number of rows (from the file metadata).
    pub(crate) fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Names of the output columns.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// Appends up to `max_rows` rows to `out`; returns how many (0 at the end of the file).
    pub(crate) fn read_rows<T: Float>(
        &mut self,
        max_rows: usize,
        out: &mut Vec<T>,
    ) -> Result<usize, IoError> {
        let mut got = 0;
        while got < max_rows {
            let (batch, from) = match self.current.take() {
                Some((b, from)) if from < b.num_rows() => (b, from),
                _ => match self.next_batch()? {
                    None => break,
                    Some(b) => (b, 0),
                },
            };
            let to = batch.num_rows().min(from + (max_rows - got));
            got += self.append(&batch, from, to, out)?;
            self.current = Some((batch, to));
        }
        Ok(got)
    }

    /// The next decoded batch, or `None` at the end.
    ///
    /// A corrupt page fails the whole batch that reaches it, before the rows ahead of it
    /// in that batch are checked, so which error a file gets would depend on the batch
    /// size (a bad value in row 334, or a page error further on). On a decoding error the
    /// rows are decoded again from the failing batch's first row, one row per batch: the
    /// first error in row order is reported whatever the batch size (found by the
    /// `parquet` fuzz target: streaming and whole-file reads disagreed), for errors within
    /// the first [`REDECODE_ROWS`] rows.
    fn next_batch(&mut self) -> Result<Option<RecordBatch>, IoError> {
        loop {
            let err = match contain(|| self.reader.next()) {
                Ok(None) => return Ok(None),
                Ok(Some(Ok(b))) => {
                    self.decoded += b.num_rows();
                    return Ok(Some(b));
                }
                Ok(Some(Err(e))) => e.to_string(),
                Err(panic) => panic,
            };
            if self.row_by_row || self.decoded > REDECODE_ROWS {
                return Err(IoError::malformed(&self.path, err));
            }
            self.row_by_row = true;
            match (self.rebuild)(self.decoded) {
                Ok(r) => self.reader = r,
                Err(_) => return Err(IoError::malformed(&self.path, err)),
            }
        }
    }

    /// What was read besides the values: IDs, dropped rows, skipped columns.
    pub(crate) fn take_info(&mut self) -> RowInfo {
        std::mem::take(&mut self.info)
    }

    /// Appends rows `from..to` of `batch` (row-major, converted to `T`) to `out`; rows
    /// with a null in a kept column are an error, or dropped under
    /// [`MissingPolicy::Drop`]. Returns the rows appended.
    ///
    /// Rows must be appended in file order: row numbers in messages count them.
    fn append<T: Float>(
        &mut self,
        batch: &RecordBatch,
        from: usize,
        to: usize,
        out: &mut Vec<T>,
    ) -> Result<usize, IoError> {
        let d = self.n_cols();
        let mut dropped = vec![false; to - from];
        // Under --missing error: the first null in file order (row, then column), reported
        // unless a non-finite value comes before it.
        let mut first_null: Option<(usize, usize)> = None;
        for (j, &pos) in self.batch_pos.iter().enumerate() {
            let col = batch.column(pos);
            if col.null_count() == 0 {
                continue;
            }
            for i in (from..to).filter(|&i| col.is_null(i)) {
                if self.missing == MissingPolicy::Error {
                    if first_null.is_none_or(|(r, _)| i - from < r) {
                        first_null = Some((i - from, j));
                    }
                    break;
                }
                if !dropped[i - from] {
                    dropped[i - from] = true;
                    self.info.dropped.push(DroppedRow {
                        row: self.done + (i - from),
                        line: None,
                        column: j + 1,
                        value: "null".into(),
                    });
                }
            }
        }
        if dropped.iter().any(|&x| x) {
            self.info.dropped.sort_by_key(|r| r.row);
        }
        let base = out.len();
        out.resize(base + (to - from) * d, T::zero());
        let dst = &mut out[base..];
        for (j, &pos) in self.batch_pos.iter().enumerate() {
            fill_column(batch.column(pos).as_ref(), from, to, |r, v| {
                dst[r * d + j] = v
            });
        }
        if let Some((r, j)) = first_null {
            check_finite(&self.path, &dst[..r * d], d, self.done)?;
            check_finite(&self.path, &dst[r * d..r * d + j], d, self.done + r)?;
            return Err(IoError::new(
                IoErrorKind::Null {
                    column: self.names[j].clone(),
                    row: self.done + r + 1,
                },
                &self.path,
            ));
        }
        if let (Some(pos), Some(ids)) = (self.id_pos, &mut self.info.ids) {
            let col = batch.column(pos);
            let mut texts = vec![String::new(); to - from];
            match col.data_type() {
                DataType::Utf8 => {
                    let a = col.as_string::<i32>();
                    (from..to).for_each(|i| texts[i - from] = a.value(i).to_string());
                }
                DataType::LargeUtf8 => {
                    let a = col.as_string::<i64>();
                    (from..to).for_each(|i| texts[i - from] = a.value(i).to_string());
                }
                _ => fill_column::<f64>(col.as_ref(), from, to, |r, v| texts[r] = format!("{v}")),
            }
            for (i, t) in texts.into_iter().enumerate() {
                ids.values.push(if col.is_null(from + i) {
                    String::new()
                } else {
                    t
                });
            }
        }
        // Compact away the dropped rows.
        let mut write = 0;
        for (r, &gone) in dropped.iter().enumerate() {
            if !gone {
                if r != write {
                    dst.copy_within(r * d..(r + 1) * d, write * d);
                }
                write += 1;
            }
        }
        out.truncate(base + write * d);
        // Rows of this batch are checked against their file row numbers.
        let kept_rows: Vec<usize> = (0..to - from).filter(|&r| !dropped[r]).collect();
        for (w, &r) in kept_rows.iter().enumerate() {
            check_finite(
                &self.path,
                &out[base + w * d..base + (w + 1) * d],
                d,
                self.done + r,
            )?;
        }
        self.done += to - from;
        self.info.n_file_rows = self.done;
        Ok(write)
    }
}

/// The row groups of `meta` overlapping `rows` of the `n_rows` of the file, and the rows
/// of those groups to read (the others skipped). The groups' row counts must add up to the
/// footer's total, else the file is malformed (the range could not be located).
fn row_groups_of(
    path: &Path,
    meta: &ParquetMetaData,
    n_rows: usize,
    rows: Range<usize>,
) -> Result<(Vec<usize>, RowSelection), IoError> {
    if rows.start > rows.end || rows.end > n_rows {
        return Err(IoError::param(
            path,
            "rows",
            format!(
                "{}..{} is not a range of the file's {n_rows} rows",
                rows.start, rows.end
            ),
        ));
    }
    let mut groups = Vec::new();
    let mut selectors = Vec::new();
    let mut at = 0usize;
    for (g, rg) in meta.row_groups().iter().enumerate() {
        let len = usize::try_from(rg.num_rows()).unwrap_or(0);
        let (s, e) = (at, at.saturating_add(len));
        at = e;
        let (a, b) = (s.max(rows.start), e.min(rows.end));
        if a >= b {
            continue;
        }
        groups.push(g);
        for (n, keep) in [(a - s, false), (b - a, true), (e - b, false)] {
            if n > 0 {
                selectors.push(match keep {
                    true => RowSelector::select(n),
                    false => RowSelector::skip(n),
                });
            }
        }
    }
    if at != n_rows {
        return Err(IoError::malformed(
            path,
            format!("the row groups hold {at} rows, the footer {n_rows}"),
        ));
    }
    Ok((groups, RowSelection::from(selectors)))
}

/// Calls `put(r, value)` for rows `from..to` of `col` (`r` counted from `from`).
fn fill_column<T: Float>(col: &dyn Array, from: usize, to: usize, mut put: impl FnMut(usize, T)) {
    macro_rules! each {
        ($ty:ty, $conv:expr) => {{
            let a = col.as_primitive::<$ty>();
            let conv = $conv;
            for (r, &v) in a.values()[from..to].iter().enumerate() {
                put(r, T::of_f64(conv(v)));
            }
        }};
    }
    match col.data_type() {
        DataType::Float64 => each!(Float64Type, |v: f64| v),
        DataType::Float32 => each!(Float32Type, |v: f32| v as f64),
        DataType::Float16 => each!(Float16Type, |v: F16| v.to_f64()),
        DataType::Int8 => each!(Int8Type, |v: i8| v as f64),
        DataType::Int16 => each!(Int16Type, |v: i16| v as f64),
        DataType::Int32 => each!(Int32Type, |v: i32| v as f64),
        DataType::Int64 => each!(Int64Type, |v: i64| v as f64),
        DataType::UInt8 => each!(UInt8Type, |v: u8| v as f64),
        DataType::UInt16 => each!(UInt16Type, |v: u16| v as f64),
        DataType::UInt32 => each!(UInt32Type, |v: u32| v as f64),
        DataType::UInt64 => each!(UInt64Type, |v: u64| v as f64),
        other => unreachable!("non-numeric column {other} was filtered out"),
    }
}

type F16 = <Float16Type as arrow_array::ArrowPrimitiveType>::Native;
