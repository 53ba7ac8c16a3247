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

use crate::error::{IoError, IoErrorKind};
use crate::lines::Lines;
use crate::options::{resolve_columns, HeaderMode, ReadOptions};
use crate::scalar::parse_float;

/// How fields are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delim {
    /// One byte (`,`, tab, `;`, …); quotes protect it.
    Byte(u8),
    /// Runs of spaces and tabs.
    Whitespace,
}

/// Splits `line` into field ranges (trimmed, outer quotes removed) into `out`.
fn split(line: &str, delim: Delim, out: &mut Vec<Range<usize>>) {
    out.clear();
    let b = line.as_bytes();
    match delim {
        Delim::Whitespace => {
            let mut i = 0;
            while i < b.len() {
                while i < b.len() && matches!(b[i], b' ' | b'\t') {
                    i += 1;
                }
                let start = i;
                while i < b.len() && !matches!(b[i], b' ' | b'\t') {
                    i += 1;
                }
                if i > start {
                    out.push(unquote(b, start..i));
                }
            }
        }
        Delim::Byte(d) => {
            let mut start = 0;
            let mut quoted = false;
            for (i, &c) in b.iter().enumerate() {
                if c == b'"' {
                    quoted = !quoted;
                } else if c == d && !quoted {
                    out.push(unquote(b, trim(b, start..i)));
                    start = i + 1;
                }
            }
            out.push(unquote(b, trim(b, start..b.len())));
        }
    }
}

/// `r` without leading and trailing spaces/tabs.
fn trim(b: &[u8], mut r: Range<usize>) -> Range<usize> {
    while r.start < r.end && matches!(b[r.start], b' ' | b'\t') {
        r.start += 1;
    }
    while r.end > r.start && matches!(b[r.end - 1], b' ' | b'\t') {
        r.end -= 1;
    }
    r
}

/// `r` without one pair of enclosing double quotes.
fn unquote(b: &[u8], r: Range<usize>) -> Range<usize> {
    if r.len() >= 2 && b[r.start] == b'"' && b[r.end - 1] == b'"' {
        r.start + 1..r.end - 1
    } else {
        r
    }
}

/// The delimiter to use for a file whose first significant line is `first`.
fn detect_delimiter(first: &str) -> Delim {
    let mut best = (0usize, Delim::Whitespace);
    for d in [b',', b'\t', b';'] {
        let mut quoted = false;
        let mut n = 0;
        for &c in first.as_bytes() {
            if c == b'"' {
                quoted = !quoted;
            } else if c == d && !quoted {
                n += 1;
            }
        }
        if n > best.0 {
            best = (n, Delim::Byte(d));
        }
    }
    best.1
}

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
    ranges: Vec<Range<usize>>,
}

impl TextReader {
    /// Opens `path` and settles delimiter, header and column selection.
    pub(crate) fn open(path: &Path, gzip: bool, opts: &ReadOptions) -> Result<TextReader, IoError> {
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
        let header = match opts.header {
            HeaderMode::Present => true,
            HeaderMode::Absent => false,
            HeaderMode::Auto => {
                // A selection naming a first-line field (not a number) implies a header.
                let by_name = opts
                    .columns
                    .iter()
                    .flatten()
                    .any(|c| c.trim().parse::<usize>().is_err() && header_names.contains(c));
                let first_num: Vec<bool> = ranges
                    .iter()
                    .map(|r| first[r.clone()].parse::<f64>().is_ok())
                    .collect();
                let second_num: Option<Vec<bool>> = ahead.get(1).map(|(_, s)| {
                    split(s, delim, &mut ranges);
                    ranges
                        .iter()
                        .map(|r| s[r.clone()].parse::<f64>().is_ok())
                        .collect()
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
            ranges,
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

    /// Appends up to `max_rows` rows to `out`; returns how many (0 at the end of the file).
    pub(crate) fn read_rows<T: Float>(
        &mut self,
        max_rows: usize,
        out: &mut Vec<T>,
    ) -> Result<usize, IoError> {
        let mut rows = 0;
        while rows < max_rows {
            if let Some((n, s)) = self.pending.pop() {
                parse_line(
                    &self.path,
                    n,
                    &s,
                    self.delim,
                    self.n_fields,
                    &self.keep,
                    &mut self.ranges,
                    out,
                )?;
            } else {
                match self.lines.next_line()? {
                    None => break,
                    Some((n, s)) => parse_line(
                        &self.path,
                        n,
                        s,
                        self.delim,
                        self.n_fields,
                        &self.keep,
                        &mut self.ranges,
                        out,
                    )?,
                }
            }
            rows += 1;
        }
        Ok(rows)
    }
}

/// Parses the kept fields of line `n` (`s`) into `out`.
#[allow(clippy::too_many_arguments)]
fn parse_line<T: Float>(
    path: &Path,
    n: usize,
    s: &str,
    delim: Delim,
    n_fields: usize,
    keep: &[usize],
    ranges: &mut Vec<Range<usize>>,
    out: &mut Vec<T>,
) -> Result<(), IoError> {
    split(s, delim, ranges);
    if ranges.len() != n_fields {
        return Err(IoError::at(
            IoErrorKind::Ragged {
                expected: n_fields,
                found: ranges.len(),
            },
            path,
            n,
            None,
        ));
    }
    for &j in keep {
        let cell = &s[ranges[j].clone()];
        let at = |kind| IoError::at(kind, path, n, Some(j + 1));
        match parse_float::<T>(cell) {
            Some(v) if v.is_finite() => out.push(v),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str, d: Delim) -> Vec<&str> {
        let mut r = Vec::new();
        split(line, d, &mut r);
        r.into_iter().map(|x| &line[x]).collect()
    }

    #[test]
    fn splitting() {
        let c = Delim::Byte(b',');
        assert_eq!(fields("1, 2 ,3", c), ["1", "2", "3"]);
        assert_eq!(fields("\"1.5\",\"a,b\",", c), ["1.5", "a,b", ""]);
        assert_eq!(fields("  1 \t 2   3 ", Delim::Whitespace), ["1", "2", "3"]);
        assert_eq!(fields("1\t2", Delim::Byte(b'\t')), ["1", "2"]);
    }

    #[test]
    fn delimiter_detection() {
        assert_eq!(detect_delimiter("1,2,3"), Delim::Byte(b','));
        assert_eq!(detect_delimiter("1\t2\t3"), Delim::Byte(b'\t'));
        assert_eq!(detect_delimiter("1;2;3"), Delim::Byte(b';'));
        assert_eq!(detect_delimiter("1 2  3"), Delim::Whitespace);
        assert_eq!(detect_delimiter("\"a;b\",c"), Delim::Byte(b','));
    }
}
