//! Delimited text (CSV, TSV, `;`-separated, whitespace-separated; optionally gzipped).
//!
//! Rules: blank lines and lines starting with `#` are skipped; fields are trimmed of
//! spaces and tabs; a field in double quotes (`"1.5"`) is unquoted, and a delimiter inside
//! quotes does not split; in whitespace mode fields are separated by runs of spaces/tabs.
//! Every line must have as many fields as the first one. The delimiter, when not given, is
//! the most frequent of `,`, tab and `;` on the first line (whitespace when none occurs).
//! Messages count lines and columns (fields) from 1.

use std::ops::Range;
use std::path::{Path, PathBuf};

use partitive::Float;
use rayon::prelude::*;

use crate::error::{IoError, IoErrorKind};
use crate::fields::{detect_delimiter, is_data_cell, split, Delim};
use crate::lines::Lines;
use crate::options::{resolve_columns, HeaderMode, ReadOptions};
use crate::scalar::parse_float;

/// A streaming reader of numeric rows from delimited text.
pub(crate) struct TextReader {
    path: PathBuf,
    lines: Lines,
    delim: Delim,
    /// Fields per line (of the first significant line).
    n_fields: usize,
    /// The fields kept, in output order.
    keep: Vec<usize>,
    /// Names of the kept columns (from the header).
    names: Option<Vec<String>>,
    /// Significant lines read ahead (during header detection) and not consumed yet.
    pending: Vec<(usize, String)>,
    /// The batch of lines being parsed (reused).
    batch: Batch,
}

impl TextReader {
    /// Opens `path` and settles delimiter, header and column selection.
    pub(crate) fn open(path: &Path, gzip: bool, opts: &ReadOptions) -> Result<TextReader, IoError> {
        Self::open_hinted(path, gzip, opts, &[])
    }

    /// [`open`](Self::open), where naming a first-line field in `hints` (as in
    /// `opts.columns`) also implies a header under [`HeaderMode::Auto`].
    pub(crate) fn open_hinted(
        path: &Path,
        gzip: bool,
        opts: &ReadOptions,
        hints: &[String],
    ) -> Result<TextReader, IoError> {
        let mut lines = Lines::open(path, gzip)?;
        let mut ahead = Vec::with_capacity(2);
        let n_ahead = if opts.header == HeaderMode::Auto {
            2
        } else {
            1
        };
        while ahead.len() < n_ahead {
            match lines.next_line()? {
                Some((n, s)) => ahead.push((n, s.to_string())),
                None => break,
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
        let header =
            match opts.header {
                HeaderMode::Present => true,
                HeaderMode::Absent => false,
                HeaderMode::Auto => {
                    // A selection naming a first-line field (not a number) implies a header.
                    let by_name =
                        opts.columns.iter().flatten().chain(hints).any(|c| {
                            c.trim().parse::<usize>().is_err() && header_names.contains(c)
                        });
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
        let keep = match &opts.columns {
            Some(c) => {
                resolve_columns(path, c, header.then_some(header_names.as_slice()), n_fields)?
            }
            None => (0..n_fields).collect(),
        };
        let names = header.then(|| keep.iter().map(|&i| header_names[i].clone()).collect());
        if header {
            ahead.remove(0);
        }
        ahead.reverse(); // consumed from the back
        Ok(TextReader {
            path: path.to_path_buf(),
            lines,
            delim,
            n_fields,
            keep,
            names,
            pending: ahead,
            batch: Batch::default(),
        })
    }

    /// Number of output columns.
    pub(crate) fn n_cols(&self) -> usize {
        self.keep.len()
    }

    /// Names of the output columns, when the file has a header.
    pub(crate) fn names(&self) -> Option<&[String]> {
        self.names.as_deref()
    }

    /// The 0-based fields of a line kept in the output, in output order.
    pub(crate) fn keep(&self) -> &[usize] {
        &self.keep
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
            while self.batch.lines.len() < want {
                if let Some((n, s)) = self.pending.pop() {
                    self.batch.push(n, &s);
                } else if let Some((n, s)) = self.lines.next_line()? {
                    self.batch.push(n, s);
                } else {
                    at_end = true;
                    break;
                }
            }
            let batch = &self.batch;
            if batch.lines.is_empty() {
                break;
            }
            let d = self.keep.len();
            let base = out.len();
            out.resize(base + batch.lines.len() * d, T::zero());
            let ctx = LineFormat {
                path: &self.path,
                delim: self.delim,
                n_fields: self.n_fields,
                keep: &self.keep,
            };
            let results: Vec<Result<(), IoError>> = out[base..]
                .par_chunks_mut(SUB_LINES * d)
                .zip(batch.lines.par_chunks(SUB_LINES))
                .map(|(dst, lines)| {
                    let mut ranges = Vec::with_capacity(self.n_fields);
                    for (row, &(start, end, n)) in dst.chunks_mut(d).zip(lines) {
                        ctx.parse(n, &batch.text[start..end], &mut ranges, row)?;
                    }
                    Ok(())
                })
                .collect();
            results.into_iter().collect::<Result<(), IoError>>()?;
            rows += batch.lines.len();
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

/// What parsing a data line needs to know.
struct LineFormat<'a> {
    path: &'a Path,
    delim: Delim,
    n_fields: usize,
    keep: &'a [usize],
}

impl LineFormat<'_> {
    /// Parses the kept fields of line `n` (`s`) into `dst` (one value per kept field).
    fn parse<T: Float>(
        &self,
        n: usize,
        s: &str,
        ranges: &mut Vec<Range<usize>>,
        dst: &mut [T],
    ) -> Result<(), IoError> {
        split(s, self.delim, ranges);
        if ranges.len() != self.n_fields {
            return Err(ragged(self.path, self.n_fields, ranges.len(), n));
        }
        for (slot, &j) in dst.iter_mut().zip(self.keep) {
            let cell = &s[ranges[j].clone()];
            let at = |kind| IoError::at(kind, self.path, n, Some(j + 1));
            match parse_float::<T>(cell) {
                Some(v) if v.is_finite() => *slot = v,
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
        Ok(())
    }
}

/// Line `n` of `path` has `found` fields instead of `expected`.
fn ragged(path: &Path, expected: usize, found: usize, n: usize) -> IoError {
    IoError::at(IoErrorKind::Ragged { expected, found }, path, n, None)
}
