//! Delimited text (CSV, TSV, `;`-separated, whitespace-separated; optionally gzipped).
//!
//! Rules: blank lines and lines starting with `#` are skipped; fields are trimmed of
//! spaces and tabs; a field in double quotes (`"1.5"`) is unquoted, and a delimiter inside
//! quotes does not split; in whitespace mode fields are separated by runs of spaces/tabs.
//! Every line must have as many fields as the first one. The delimiter, when not given, is
//! the most frequent of `,`, tab and `;` on the first line (whitespace when none occurs).
//! A given delimiter must be an ASCII byte. Messages count lines and columns (fields) from 1.

use std::ops::Range;
use std::path::{Path, PathBuf};

use partitive::Float;
use rayon::prelude::*;

use crate::columns::{plan_fields, FieldPlan};
use crate::error::{IoError, IoErrorKind};
use crate::fields::{detect_delimiter, is_data_cell, is_missing, split, Delim};
use crate::input::Input;
use crate::lines::Lines;
use crate::options::{HeaderMode, MissingPolicy, ReadOptions, CLASSIFY_LINES};
use crate::scalar::parse_float;
use crate::table::{DroppedRow, Ids, RowInfo};

/// A streaming reader of numeric rows from delimited text.
pub(crate) struct TextReader {
    path: PathBuf,
    lines: Lines,
    delim: Delim,
    /// Fields per line (of the first significant line).
    n_fields: usize,
    /// The fields kept, the ID field, the skipped fields.
    plan: FieldPlan,
    /// Names of the kept columns (from the header).
    names: Option<Vec<String>>,
    /// The ID column's name.
    id_name: Option<String>,
    missing: MissingPolicy,
    decimal_comma: bool,
    /// Collect the ID cells (off for streaming).
    collect_ids: bool,
    /// IDs, dropped rows and the row count so far.
    log: RowInfo,
    /// Significant lines read ahead (during header detection) and not consumed yet.
    pending: Vec<(usize, String)>,
    /// The error of the line after `pending` (met while reading ahead), reported when the
    /// pending lines are consumed.
    deferred: Option<IoError>,
    /// The batch of lines being parsed (reused).
    batch: Batch,
}

impl TextReader {
    /// Opens `input` and settles delimiter, header and column selection.
    pub(crate) fn open(
        input: Input<'_>,
        gzip: bool,
        opts: &ReadOptions,
    ) -> Result<TextReader, IoError> {
        Self::open_with(input, gzip, opts, &[], true)
    }

    /// For a table of text cells (categories allowed): [`open`](Self::open) without the
    /// numeric classification of columns, where naming a first-line field in `hints` (as
    /// in `opts.columns`) also implies a header under [`HeaderMode::Auto`].
    pub(crate) fn open_hinted(
        input: Input<'_>,
        gzip: bool,
        opts: &ReadOptions,
        hints: &[String],
    ) -> Result<TextReader, IoError> {
        Self::open_with(input, gzip, opts, hints, false)
    }

    fn open_with(
        input: Input<'_>,
        gzip: bool,
        opts: &ReadOptions,
        hints: &[String],
        numeric: bool,
    ) -> Result<TextReader, IoError> {
        let path = input.path();
        if let Some(d) = opts.delimiter.filter(|d| !d.is_ascii()) {
            // A non-ASCII byte would split lines inside a UTF-8 character.
            return Err(IoError::param(
                path,
                "delimiter",
                format!("byte 0x{d:02x} is not an ASCII character"),
            ));
        }
        let mut lines = Lines::open(input, gzip)?;
        // The header line (if any) and up to CLASSIFY_LINES data lines.
        let mut ahead = Vec::new();
        // A line that cannot be read ends the look-ahead; its error waits until the lines
        // before it are parsed (the first bad line in file order is reported).
        let mut deferred = None;
        while ahead.len() <= CLASSIFY_LINES {
            match lines.next_line() {
                Ok(Some((n, s))) => ahead.push((n, s.to_string())),
                Ok(None) => break,
                Err(e) if ahead.is_empty() => return Err(e),
                Err(e) => {
                    deferred = Some(e);
                    break;
                }
            }
        }
        if ahead.is_empty() {
            return Err(IoError::new(IoErrorKind::Empty, path));
        }
        let delim = match opts.delimiter {
            None => detect_delimiter(&ahead[0].1),
            Some(b' ') => Delim::Whitespace,
            Some(d) => Delim::Byte(d),
        };
        let mut ranges = Vec::new();
        split(&ahead[0].1, delim, &mut ranges);
        let n_fields = ranges.len();
        let first = &ahead[0].1;
        let header_names: Vec<String> = ranges
            .iter()
            .map(|r| first[r.clone()].replace("\"\"", "\""))
            .collect();
        let header = match opts.header {
            HeaderMode::Present => true,
            HeaderMode::Absent => false,
            HeaderMode::Auto => {
                // A selection naming a first-line field (not a number) implies a header.
                let by_name = opts
                    .columns
                    .iter()
                    .flatten()
                    .chain(hints)
                    .chain(&opts.exclude)
                    .chain(&opts.id_column)
                    .any(|c| c.trim().parse::<usize>().is_err() && header_names.contains(c));
                let first_num: Vec<bool> = ranges
                    .iter()
                    .map(|r| is_data_cell(&first[r.clone()]))
                    .collect();
                let second_num: Option<Vec<bool>> = ahead.get(1).map(|(_, s)| {
                    split(s, delim, &mut ranges);
                    ranges.iter().map(|r| is_data_cell(&s[r.clone()])).collect()
                });
                by_name
                    || match second_num {
                        // A lone line is a header when any field is not a number.
                        None => first_num.contains(&false),
                        // Else some column must be text on line 1 and a number on line 2.
                        Some(second) => first_num.iter().zip(&second).any(|(&f, &s)| !f && s),
                    }
            }
        };
        let names_all = header.then_some(header_names.as_slice());
        let data_lines = &ahead[usize::from(header)..];
        // A field is text when its first present cell among the lines read ahead is not a
        // number; a number there makes it numeric, so a stray word further down is an
        // error naming its line and column, not a silently skipped column.
        let mut text: Vec<Option<(String, Option<usize>)>> = vec![None; n_fields];
        let mut decided = vec![false; n_fields];
        for (n, s) in data_lines {
            split(s, delim, &mut ranges);
            for (j, r) in ranges.iter().enumerate().take(n_fields) {
                let c = &s[r.clone()];
                if decided[j] || is_missing(c) {
                    continue;
                }
                decided[j] = true;
                if !is_data_cell(c) {
                    text[j] = Some((c.to_string(), Some(*n)));
                }
            }
        }
        let plan = plan_fields(path, opts, names_all, n_fields, &|j| {
            text[j].clone().filter(|_| numeric)
        })?;
        let names = names_all.map(|h| plan.keep.iter().map(|&i| h[i].clone()).collect());
        let id_name = plan.id.map(|i| match names_all {
            Some(h) => h[i].clone(),
            None => format!("#{}", i + 1),
        });
        if header {
            ahead.remove(0);
        }
        ahead.reverse(); // consumed from the back
        let collect_ids = plan.id.is_some();
        Ok(TextReader {
            path: path.to_path_buf(),
            lines,
            delim,
            n_fields,
            plan,
            names,
            id_name,
            missing: opts.missing,
            decimal_comma: opts.decimal_comma,
            collect_ids,
            log: RowInfo::default(),
            pending: ahead,
            deferred,
            batch: Batch::default(),
        })
    }

    /// This reader's format (delimiter, header, columns: settled by [`open`](Self::open)
    /// on the file's first lines) over other lines of the same file: `lines`, from a later
    /// point, whose first significant line is data row `first_row` (0-based). The lines
    /// read ahead by `open` are dropped.
    pub(crate) fn resume(mut self, lines: Lines, first_row: usize) -> TextReader {
        self.lines = lines;
        self.pending.clear();
        self.deferred = None;
        self.log = RowInfo {
            n_file_rows: first_row,
            ..RowInfo::default()
        };
        self
    }

    /// Number of output columns.
    pub(crate) fn n_cols(&self) -> usize {
        self.plan.keep.len()
    }

    /// Names of the output columns, when the file has a header.
    pub(crate) fn names(&self) -> Option<&[String]> {
        self.names.as_deref()
    }

    /// The 0-based fields of a line kept in the output, in output order.
    pub(crate) fn keep(&self) -> &[usize] {
        &self.plan.keep
    }

    /// The ID column's name (`#i`, 1-based, without a header).
    pub(crate) fn id_name(&self) -> Option<&str> {
        self.id_name.as_deref()
    }

    /// `true` when the ID is the unnamed first column (not asked for).
    pub(crate) fn id_is_unnamed_first(&self) -> bool {
        self.plan.unnamed_first
    }

    /// The 0-based ID field, if any.
    pub(crate) fn id_field(&self) -> Option<usize> {
        self.plan.id
    }

    /// Stops collecting ID cells (a stream of chunks does not need them).
    pub(crate) fn without_ids(mut self) -> Self {
        self.collect_ids = false;
        self
    }

    /// What was read so far besides the values: IDs, dropped rows, skipped columns.
    pub(crate) fn take_info(&mut self) -> RowInfo {
        let mut info = std::mem::take(&mut self.log);
        info.skipped = self.plan.skipped.clone();
        info.fields = self.plan.keep.clone();
        if let (Some(ids), Some(name)) = (&mut info.ids, &self.id_name) {
            ids.name = name.clone();
            ids.unnamed_first_column = self.plan.unnamed_first;
        }
        info
    }

    /// Reads the next data line into `line` and its field ranges (all fields) into
    /// `ranges`; returns its 1-based line number, or `None` at the end of the file.
    /// Serial: for readers that need the cells as text, in file order.
    ///
    /// # Errors
    /// A line with a different number of fields than the first ([`IoErrorKind::Ragged`]),
    /// and the errors of reading lines.
    pub(crate) fn next_record(
        &mut self,
        line: &mut String,
        ranges: &mut Vec<Range<usize>>,
    ) -> Result<Option<usize>, IoError> {
        line.clear();
        let n = if let Some((n, s)) = self.pending.pop() {
            line.push_str(&s);
            n
        } else if let Some(e) = self.deferred.take() {
            return Err(e);
        } else if let Some((n, s)) = self.lines.next_line()? {
            line.push_str(s);
            n
        } else {
            return Ok(None);
        };
        split(line, self.delim, ranges);
        if ranges.len() != self.n_fields {
            return Err(ragged(&self.path, self.n_fields, ranges.len(), n));
        }
        Ok(Some(n))
    }

    /// Appends up to `max_rows` rows to `out`; returns how many (0 at the end of the file).
    /// Rows dropped for a missing value ([`MissingPolicy::Drop`]) are not counted.
    ///
    /// Lines are read serially in batches of [`BATCH_LINES`] and parsed in parallel on the
    /// current rayon pool, in sub-batches written straight into `out`; the first failing
    /// line in file order gives the error, so results and messages do not depend on the
    /// number of threads.
    pub(crate) fn read_rows<T: Float>(
        &mut self,
        max_rows: usize,
        out: &mut Vec<T>,
    ) -> Result<usize, IoError> {
        let mut rows = 0;
        let mut at_end = false;
        while rows < max_rows && !at_end {
            let want = (max_rows - rows).min(BATCH_LINES);
            self.batch.clear();
            // A line that cannot be read (bad UTF-8, corrupt gzip) fails only after the
            // lines before it are parsed: the first bad line in file order is reported,
            // whatever the batch size.
            let mut unreadable = None;
            while self.batch.lines.len() < want {
                if let Some((n, s)) = self.pending.pop() {
                    self.batch.push(n, &s);
                    continue;
                }
                if let Some(e) = self.deferred.take() {
                    unreadable = Some(e);
                    break;
                }
                match self.lines.next_line() {
                    Ok(Some((n, s))) => self.batch.push(n, s),
                    Ok(None) => {
                        at_end = true;
                        break;
                    }
                    Err(e) => {
                        unreadable = Some(e);
                        break;
                    }
                }
            }
            let batch = &self.batch;
            if batch.lines.is_empty() {
                match unreadable {
                    Some(e) => return Err(e),
                    None => break,
                }
            }
            // A line of L bytes holds at most L + 1 fields, so the first line too short for
            // `n_fields` is ragged and its parse fails: rows are allocated only up to it.
            // The matrix then never outgrows the text it is read from (a header of 10⁵
            // empty fields over a few thousand one-byte lines asked for gigabytes).
            let short = batch
                .lines
                .iter()
                .position(|&(start, end, _)| end - start + 1 < self.n_fields);
            let lines = &batch.lines[..short.map_or(batch.lines.len(), |i| i + 1)];
            let d = self.plan.keep.len();
            let base = out.len();
            out.resize(base + lines.len() * d, T::zero());
            let mut outcomes = vec![Outcome::default(); lines.len()];
            let ctx = LineFormat {
                path: &self.path,
                delim: self.delim,
                n_fields: self.n_fields,
                keep: &self.plan.keep,
                id: self.plan.id.filter(|_| self.collect_ids),
                missing: self.missing,
                decimal_comma: self.decimal_comma,
            };
            let results: Vec<Result<(), IoError>> = out[base..]
                .par_chunks_mut(SUB_LINES * d.max(1))
                .zip(outcomes.par_chunks_mut(SUB_LINES))
                .zip(lines.par_chunks(SUB_LINES))
                .map(|((dst, oc), lines)| {
                    let mut ranges = Vec::with_capacity(self.n_fields);
                    for ((row, o), &(start, end, n)) in dst.chunks_mut(d.max(1)).zip(oc).zip(lines)
                    {
                        *o = ctx.parse(n, &batch.text[start..end], &mut ranges, row)?;
                    }
                    Ok(())
                })
                .collect();
            results.into_iter().collect::<Result<(), IoError>>()?;
            if let Some(i) = short {
                // Unreachable (that line's parse failed above); a ragged error all the same.
                let (start, end, n) = batch.lines[i];
                let mut ranges = Vec::new();
                split(&batch.text[start..end], self.delim, &mut ranges);
                return Err(ragged(&self.path, self.n_fields, ranges.len(), n));
            }
            if let Some(e) = unreadable {
                return Err(e);
            }
            // Serial bookkeeping in file order: IDs, dropped rows (compacted away).
            let mut write = base;
            for (i, (o, &(start, _, n))) in outcomes.iter().zip(&batch.lines).enumerate() {
                let row = self.log.n_file_rows + i;
                if let Some(r) = &o.id {
                    let cell = &batch.text[start + r.start..start + r.end];
                    let ids = self.log.ids.get_or_insert_with(|| Ids {
                        name: String::new(),
                        values: Vec::new(),
                        unnamed_first_column: false,
                    });
                    ids.values.push(cell.replace("\"\"", "\""));
                }
                if let Some((column, value)) = &o.missing {
                    self.log.dropped.push(DroppedRow {
                        row,
                        line: Some(n),
                        column: *column,
                        value: value.clone(),
                    });
                    continue;
                }
                let from = base + i * d;
                if from != write {
                    out.copy_within(from..from + d, write);
                }
                write += d;
            }
            let kept = (write - base) / d.max(1);
            out.truncate(write);
            self.log.n_file_rows += batch.lines.len();
            rows += kept;
        }
        Ok(rows)
    }
}

/// Lines read per parallel batch.
const BATCH_LINES: usize = 1 << 14;
/// Lines per parallel task.
const SUB_LINES: usize = 512;

/// Lines collected for parsing: their text, concatenated, and `(start, end, line number)`.
#[derive(Default)]
struct Batch {
    text: String,
    lines: Vec<(usize, usize, usize)>,
}

impl Batch {
    fn clear(&mut self) {
        self.text.clear();
        self.lines.clear();
    }

    fn push(&mut self, n: usize, s: &str) {
        let start = self.text.len();
        self.text.push_str(s);
        self.lines.push((start, self.text.len(), n));
    }
}

/// What parsing a line found besides its values.
#[derive(Debug, Clone, Default)]
struct Outcome {
    /// The first missing cell (1-based field, text), under [`MissingPolicy::Drop`].
    missing: Option<(usize, String)>,
    /// The ID cell's range in the line.
    id: Option<Range<usize>>,
}

/// What parsing a data line needs to know.
struct LineFormat<'a> {
    path: &'a Path,
    delim: Delim,
    n_fields: usize,
    keep: &'a [usize],
    id: Option<usize>,
    missing: MissingPolicy,
    decimal_comma: bool,
}

impl LineFormat<'_> {
    /// Parses the kept fields of line `n` (`s`) into `dst` (one value per kept field).
    fn parse<T: Float>(
        &self,
        n: usize,
        s: &str,
        ranges: &mut Vec<Range<usize>>,
        dst: &mut [T],
    ) -> Result<Outcome, IoError> {
        split(s, self.delim, ranges);
        if ranges.len() != self.n_fields {
            return Err(ragged(self.path, self.n_fields, ranges.len(), n));
        }
        let mut outcome = Outcome {
            missing: None,
            id: self.id.map(|j| ranges[j].clone()),
        };
        for (slot, &j) in dst.iter_mut().zip(self.keep) {
            let cell = &s[ranges[j].clone()];
            let at = |kind| IoError::at(kind, self.path, n, Some(j + 1));
            let parsed = if self.decimal_comma && cell.contains(',') {
                parse_float::<T>(&cell.replacen(',', ".", 1))
            } else {
                parse_float::<T>(cell)
            };
            match parsed {
                Some(v) if v.is_finite() => *slot = v,
                _ if is_missing(cell) => match self.missing {
                    MissingPolicy::Error => {
                        return Err(at(IoErrorKind::Missing {
                            value: cell.to_string(),
                        }))
                    }
                    MissingPolicy::Drop => {
                        if outcome.missing.is_none() {
                            outcome.missing = Some((j + 1, cell.to_string()));
                        }
                    }
                },
                Some(_) => {
                    return Err(at(IoErrorKind::NonFinite {
                        value: cell.to_string(),
                        row: None,
                        column: None,
                    }))
                }
                None => {
                    return Err(at(IoErrorKind::NonNumeric {
                        value: cell.to_string(),
                    }))
                }
            }
        }
        Ok(outcome)
    }
}

/// Line `n` of `path` has `found` fields instead of `expected`.
fn ragged(path: &Path, expected: usize, found: usize, n: usize) -> IoError {
    IoError::at(IoErrorKind::Ragged { expected, found }, path, n, None)
}
