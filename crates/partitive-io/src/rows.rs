//! Reading one contiguous range of a file's rows, without reading the rest: what a rank of
//! a distributed job does with its share ([`crate::NpyRows`] for `.npy`).
//!
//! * [`ParquetRows`]: the row count from the footer alone; a range decodes only the row
//!   groups overlapping it, skipping their rows outside it.
//! * [`TextRows`]: plain (not gzipped) delimited text, split into byte spans at line
//!   starts. Each span's lines are counted ([`TextRows::count`]); from every span's counts
//!   a range of data rows is located and only the lines from its first row on are parsed.
//!   A record is one line (quotes never span lines: [`crate::read_matrix`] splits lines
//!   first), so a span boundary at a line start never cuts a record. A gzip stream cannot
//!   be entered in the middle: [`TextRows::open`] gives `None` for one.
//!
//! Both parse through the whole-file readers' code (the same column selection, type and
//! value rules), and their messages name the row or line of the whole file: the message of
//! [`crate::read_matrix`] for the same first bad value.

use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use partitive::{Float, Mat};

use crate::error::{IoError, IoErrorKind};
use crate::format::{detect, Format};
use crate::input::Input;
use crate::lines::{count_lines, LineCount, Lines};
use crate::options::{MissingPolicy, ReadOptions};
use crate::parquet::ParquetSource;
use crate::text::TextReader;

/// Rows decoded per Parquet batch, and text rows per parse call.
const BATCH_ROWS: usize = 1 << 16;

/// A Parquet file opened for reading ranges of its rows: its footer is read, no data.
pub struct ParquetRows {
    path: PathBuf,
    opts: ReadOptions,
    n_rows: usize,
    names: Vec<String>,
}

impl ParquetRows {
    /// Opens `path` and resolves the column selection of `opts` against its schema.
    ///
    /// # Errors
    /// Those of [`crate::read_matrix`] found in the footer: a missing, empty or malformed
    /// file, no numeric column, a bad selection, no rows.
    pub fn open(path: &Path, opts: &ReadOptions) -> Result<ParquetRows, IoError> {
        let input = Input::file(path);
        input.check_exists()?;
        let source = ParquetSource::open(input, opts, 1)?;
        Ok(ParquetRows {
            path: path.to_path_buf(),
            opts: opts.clone(),
            n_rows: source.n_rows(),
            names: source.names().to_vec(),
        })
    }

    /// Number of rows of the whole file (from the footer).
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Names of the columns read.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Rows `start..end` of the file, converted to `T`; only the row groups overlapping
    /// them are decoded. Under [`crate::MissingPolicy::Drop`] rows with a null are left out.
    ///
    /// # Errors
    /// A range outside the file is an invalid parameter; row groups whose row counts do
    /// not add up to the footer's make the file malformed; else the errors of
    /// [`crate::read_matrix`] for these rows, naming the row of the whole file.
    pub fn read<T: Float>(&self, start: usize, end: usize) -> Result<Mat<T>, IoError> {
        let d = self.names.len();
        if start == end && end <= self.n_rows {
            return Ok(Mat::from_vec(Vec::new(), 0, d).expect("empty shape"));
        }
        let input = Input::file(&self.path);
        let mut source =
            ParquetSource::open_range(input, &self.opts, BATCH_ROWS, Some(start..end))?;
        let mut out = Vec::new();
        let mut got = 0;
        loop {
            let n = source.read_rows(BATCH_ROWS, &mut out)?;
            if n == 0 {
                break;
            }
            got += n;
        }
        let read = source.take_info().n_file_rows;
        if read != end {
            // A footer claiming rows that the pages do not hold.
            return Err(IoError::malformed(
                &self.path,
                format!("rows {start}..{end} were asked for, the row groups held rows to {read}"),
            ));
        }
        Mat::from_vec(out, got, d).map_err(|e| IoError::other(&self.path, e.to_string()))
    }
}

/// A plain-text file opened for reading ranges of its data rows by byte spans (see the
/// module docs): memory-mapped, only the pages of the spans counted and rows parsed are
/// touched.
pub struct TextRows {
    path: PathBuf,
    map: Mmap,
    /// Settled on the file's first lines, as [`crate::read_matrix`] settles it.
    reader: TextReader,
    /// Significant lines before the first data row: 1 with a header.
    header: usize,
}

impl TextRows {
    /// Opens `path` and settles delimiter, header and columns on its first lines, as
    /// [`crate::read_matrix`] does; `None` when the file cannot be split by bytes: gzipped
    /// (by name or content), or not a regular file.
    ///
    /// # Errors
    /// Those of [`crate::read_matrix`] found in the first lines; a
    /// [`MissingPolicy::Drop`] (rows are located by lines); a file not of delimited
    /// text is [`IoErrorKind::UnknownExtension`].
    pub fn open(path: &Path, opts: &ReadOptions) -> Result<Option<TextRows>, IoError> {
        let det = detect(path)?;
        if det.format != Format::Delimited {
            return Err(IoError::new(IoErrorKind::UnknownExtension, path));
        }
        if opts.missing != MissingPolicy::Error {
            // Rows would be located by lines, and some lines left out.
            return Err(IoError::param(
                path,
                "missing",
                "reading a range of text rows needs missing values to be errors",
            ));
        }
        let input = Input::file(path);
        input.check_exists()?;
        // Checked first: opening a pipe would consume what the streamed read needs.
        let regular = std::fs::metadata(path).is_ok_and(|m| m.is_file());
        if det.gzip || !regular {
            return Ok(None);
        }
        let reader = TextReader::open(input, det.gzip, opts)?.without_ids();
        let map = input.map()?;
        if map.starts_with(&[0x1f, 0x8b]) {
            return Ok(None);
        }
        let header = usize::from(reader.names().is_some());
        Ok(Some(TextRows {
            path: path.to_path_buf(),
            map,
            reader,
            header,
        }))
    }

    /// Names of the columns read (from the header), when the file has one.
    pub fn names(&self) -> Option<&[String]> {
        self.reader.names()
    }

    /// Number of columns read.
    pub fn n_cols(&self) -> usize {
        self.reader.n_cols()
    }

    /// The file cut into `parts` byte spans of about equal size, each moved forward to a
    /// line start (so some may be empty): they cover the file, in order.
    pub fn spans(&self, parts: usize) -> Vec<Range<usize>> {
        let len = self.map.len();
        let parts = parts.max(1);
        let cut = |i: usize| match ((i as u128 * len as u128) / parts as u128) as usize {
            0 => 0,
            _ if i >= parts => len,
            at => match self.map[at - 1..].iter().position(|&b| b == b'\n') {
                Some(p) => at + p,
                None => len,
            },
        };
        (0..parts).map(|i| cut(i)..cut(i + 1)).collect()
    }

    /// The lines and records (significant lines, the header included) of `span`, one of
    /// [`Self::spans`]. Reads only that span (cut to the file's bytes: a span beyond its
    /// end counts nothing there).
    pub fn count(&self, span: Range<usize>) -> LineCount {
        let end = span.end.min(self.map.len());
        let span = span.start.min(end)..end;
        // Only the file's first line may lose a byte-order mark: any number but 0 else.
        let before = usize::from(span.start > 0);
        count_lines(&self.map[span], before, None).0
    }

    /// Whether `spans` are spans of this file as [`Self::spans`] cuts them: in order, each
    /// starting where the one before ended and at a line start, from its first byte to its
    /// last.
    fn are_spans(&self, spans: &[Range<usize>]) -> bool {
        let len = self.map.len();
        let line_start =
            |at: usize| at == 0 || at == len || (at < len && self.map[at - 1] == b'\n');
        spans.first().is_some_and(|s| s.start == 0)
            && spans.last().is_some_and(|s| s.end == len)
            && spans
                .iter()
                .all(|s| s.start <= s.end && line_start(s.start))
            && spans.windows(2).all(|w| w[0].end == w[1].start)
    }

    /// The number of data rows, from the counts of all [`Self::spans`] (in order).
    ///
    /// # Errors
    /// [`IoErrorKind::NoRows`] for none, as [`crate::read_matrix`].
    pub fn n_rows(&self, counts: &[LineCount]) -> Result<usize, IoError> {
        let records: usize = counts.iter().map(|c| c.records).sum();
        match records.saturating_sub(self.header) {
            0 => Err(IoError::new(IoErrorKind::NoRows, &self.path)),
            n => Ok(n),
        }
    }

    /// Data rows `rows` (0-based, of the whole file), located through the `counts` of all
    /// the `spans` ([`Self::spans`], [`Self::count`]); only the lines from the first of
    /// them on are parsed, and only as many as needed.
    ///
    /// # Errors
    /// Those of [`crate::read_matrix`] for these lines, naming the line of the whole file;
    /// a range beyond the counted rows, or spans that are not this file's
    /// ([`Self::spans`]) or not as many as the counts, is an invalid parameter; fewer rows
    /// than counted (the file changed) is an error.
    pub fn read<T: Float>(
        self,
        spans: &[Range<usize>],
        counts: &[LineCount],
        rows: Range<usize>,
    ) -> Result<Mat<T>, IoError> {
        let d = self.n_cols();
        if spans.len() != counts.len() || !self.are_spans(spans) {
            return Err(IoError::param(
                &self.path,
                "spans",
                format!(
                    "{} spans with {} counts are not a cut of the file's {} bytes at line starts",
                    spans.len(),
                    counts.len(),
                    self.map.len()
                ),
            ));
        }
        let n = self.n_rows(counts)?;
        if rows.start > rows.end || rows.end > n {
            return Err(IoError::param(
                &self.path,
                "rows",
                format!(
                    "{}..{} is not a range of the {n} rows",
                    rows.start, rows.end
                ),
            ));
        }
        if rows.is_empty() {
            return Ok(Mat::from_vec(Vec::new(), 0, d).expect("empty shape"));
        }
        // The span holding the first record wanted, and the lines and records before it.
        let want = rows.start + self.header;
        let (mut lines, mut records) = (0, 0);
        let mut k = 0;
        while records + counts[k].records <= want {
            lines += counts[k].lines;
            records += counts[k].records;
            k += 1;
        }
        let from = spans[k].start;
        let (c, off) = count_lines(&self.map[from..], lines, Some(want - records));
        let (at, line) = (from + off, lines + c.lines);
        let mut file = File::open(&self.path).map_err(|e| IoError::os(&self.path, e))?;
        file.seek(SeekFrom::Start(at as u64))
            .map_err(|e| IoError::os(&self.path, e))?;
        let lines = Lines::resume(&self.path, Box::new(BufReader::new(file)), line);
        let mut reader = self.reader.resume(lines, rows.start);
        // At most bytes + lines values can come from the rest of the file (a line of L
        // bytes holds at most L + 1 fields): a wide header over short ragged lines
        // reserves nothing large before the parse refuses them.
        let cap = rows
            .len()
            .saturating_mul(d)
            .min(self.map.len().saturating_sub(at).saturating_add(rows.len()));
        let mut out = Vec::with_capacity(cap);
        let mut got = 0;
        while got < rows.len() {
            match reader.read_rows((rows.len() - got).min(BATCH_ROWS), &mut out)? {
                0 => {
                    return Err(IoError::other(
                        &self.path,
                        "the file changed while it was read (fewer lines than counted)",
                    ))
                }
                r => got += r,
            }
        }
        Mat::from_vec(out, got, d).map_err(|e| IoError::other(&self.path, e.to_string()))
    }
}
