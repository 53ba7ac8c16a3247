//! Significant lines of a (possibly gzipped) text file: blank lines and `#` comments are
//! skipped, line endings and a UTF-8 byte-order mark removed, line numbers counted (1-based).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use flate2::read::MultiGzDecoder;

use crate::error::{IoError, IoErrorKind};
use crate::input::Input;

const BUF_BYTES: usize = 1 << 18;

/// A reader of significant lines.
pub(crate) struct Lines {
    reader: Box<dyn BufRead>,
    path: PathBuf,
    gzip: bool,
    line_no: usize,
    buf: Vec<u8>,
}

impl Lines {
    /// Opens `input`; gzip is decoded when `gzip` is set or the input starts with the gzip
    /// magic.
    ///
    /// An input of zero bytes is [`IoErrorKind::Empty`].
    pub(crate) fn open(input: Input<'_>, gzip: bool) -> Result<Lines, IoError> {
        let path = input.path();
        let (file, len) = input.reader()?;
        // No larger buffer than the (raw) input needs.
        let cap = len
            .and_then(|l| usize::try_from(l).ok())
            .map_or(BUF_BYTES, |l| l.clamp(1 << 12, BUF_BYTES));
        let mut raw = BufReader::with_capacity(cap, file);
        let head = raw.fill_buf().map_err(|e| IoError::os(path, e))?;
        if head.is_empty() {
            return Err(IoError::new(IoErrorKind::Empty, path));
        }
        let gzip = gzip || head.starts_with(&[0x1f, 0x8b]);
        let reader: Box<dyn BufRead> = if gzip {
            Box::new(BufReader::with_capacity(
                BUF_BYTES,
                MultiGzDecoder::new(raw),
            ))
        } else {
            Box::new(raw)
        };
        Ok(Lines {
            reader,
            path: path.to_path_buf(),
            gzip,
            line_no: 0,
            buf: Vec::new(),
        })
    }

    /// Lines of `reader`, bytes of a plain-text file from the start of line `line_no + 1`
    /// on (`line_no` lines come before it): numbers count from there, and a byte-order mark
    /// is removed only on line 1.
    pub(crate) fn resume(
        path: &std::path::Path,
        reader: Box<dyn BufRead>,
        line_no: usize,
    ) -> Lines {
        Lines {
            reader,
            path: path.to_path_buf(),
            gzip: false,
            line_no,
            buf: Vec::new(),
        }
    }

    /// Maps a read error: in a gzip stream an early end is [`IoErrorKind::Truncated`] and
    /// bad data [`IoErrorKind::Malformed`].
    fn read_error(&self, e: std::io::Error) -> IoError {
        match e.kind() {
            std::io::ErrorKind::UnexpectedEof if self.gzip => {
                IoError::truncated(&self.path, "the gzip stream ends early")
            }
            std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData if self.gzip => {
                IoError::malformed(&self.path, format!("corrupt gzip stream ({e})"))
            }
            _ => IoError::os(&self.path, e),
        }
    }

    /// The next significant line and its 1-based number, or `None` at the end.
    pub(crate) fn next_line(&mut self) -> Result<Option<(usize, &str)>, IoError> {
        loop {
            self.buf.clear();
            let n = match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(n) => n,
                Err(e) => return Err(self.read_error(e)),
            };
            if n == 0 {
                return Ok(None);
            }
            self.line_no += 1;
            let Some(start) = content(&self.buf, self.line_no) else {
                continue;
            };
            let end = trimmed_len(&self.buf);
            self.buf.truncate(end);
            return match std::str::from_utf8(&self.buf[start..]) {
                Ok(s) => Ok(Some((self.line_no, s))),
                Err(e) => Err(
                    IoError::at(IoErrorKind::Malformed, &self.path, self.line_no, None)
                        .with_detail(format!(
                            "invalid UTF-8 text at byte {}",
                            e.valid_up_to() + 1
                        )),
                ),
            };
        }
    }
}

/// The length of `line` without its line ending (any trailing `\n`, `\r`).
fn trimmed_len(line: &[u8]) -> usize {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    end
}

/// Where the text of line `line_no` (`line`, with or without its line ending) starts (past
/// a byte-order mark on line 1), or `None` for a blank line or a `#` comment: the rule of
/// [`Lines::next_line`].
fn content(line: &[u8], line_no: usize) -> Option<usize> {
    let line = &line[..trimmed_len(line)];
    let start = match line_no == 1 && line.starts_with(&[0xef, 0xbb, 0xbf]) {
        true => 3,
        false => 0,
    };
    let bytes = &line[start..];
    let first = bytes.iter().position(|b| !matches!(b, b' ' | b'\t'))?;
    (bytes[first] != b'#').then_some(start)
}

/// Counts of the lines of a plain-text span.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineCount {
    /// Lines (a last line without a line ending counts).
    pub lines: usize,
    /// Significant lines: not blank, not a `#` comment (the records of the text reader).
    pub records: usize,
}

/// Counts the lines of `bytes`, a span of a plain-text file starting at the start of line
/// `line_no + 1`, under the rules of [`Lines::next_line`]. With `stop_at`, stops before the
/// significant line of that index (0-based in the span) and returns the counts of the
/// lines before it and its byte offset; else the whole span (offset: `bytes.len()`).
pub(crate) fn count_lines(
    bytes: &[u8],
    line_no: usize,
    stop_at: Option<usize>,
) -> (LineCount, usize) {
    let mut c = LineCount::default();
    let mut at = 0;
    while at < bytes.len() {
        let end = memchr_newline(&bytes[at..]).map_or(bytes.len(), |i| at + i + 1);
        if content(&bytes[at..end], line_no + c.lines + 1).is_some() {
            if stop_at == Some(c.records) {
                return (c, at);
            }
            c.records += 1;
        }
        c.lines += 1;
        at = end;
    }
    (c, at)
}

/// The position of the first `\n` in `b`.
fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|&x| x == b'\n')
}

/// Reads everything left in `r` (used to check streams in tests).
#[cfg(test)]
pub(crate) fn collect(mut l: Lines) -> Result<Vec<(usize, String)>, IoError> {
    let mut out = Vec::new();
    while let Some((n, s)) = l.next_line()? {
        out.push((n, s.to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn skips_blank_and_comments_and_counts_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, "\u{feff}# c\n\n 1 2\r\n  # x\n\t\n3 4").unwrap();
        let got = collect(Lines::open(Input::file(&p), false).unwrap()).unwrap();
        assert_eq!(got, vec![(3, " 1 2".to_string()), (6, "3 4".to_string())]);
    }

    #[test]
    fn gzip_by_magic_and_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for i in 0..2000 {
            writeln!(enc, "{i},{}", i * 2).unwrap();
        }
        let gz = enc.finish().unwrap();
        std::fs::write(&p, &gz).unwrap();
        assert_eq!(
            collect(Lines::open(Input::file(&p), false).unwrap())
                .unwrap()
                .len(),
            2000
        );
        std::fs::write(&p, &gz[..gz.len() - 6]).unwrap();
        let e = collect(Lines::open(Input::file(&p), true).unwrap()).unwrap_err();
        assert!(matches!(e.kind(), IoErrorKind::Truncated), "{e}");
    }

    #[test]
    fn count_lines_agrees_with_next_line() {
        let text = "\u{feff}# c\n\n 1 2\r\n  # x\n\t\n3 4\n\r \n5 6";
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, text).unwrap();
        let got = collect(Lines::open(Input::file(&p), false).unwrap()).unwrap();
        let (c, end) = count_lines(text.as_bytes(), 0, None);
        assert_eq!((c.lines, c.records, end), (8, got.len(), text.len()));
        assert_eq!(c.records, 4, "{got:?}");
        // Stopping before record 1 ("3 4", line 6): five lines before it; record 2 is
        // "\r " (a carriage return is not a blank).
        let (c, at) = count_lines(text.as_bytes(), 0, Some(1));
        assert_eq!((c.lines, c.records), (5, 1));
        assert!(text[at..].starts_with("3 4"));
        let (c, at) = count_lines(text.as_bytes(), 0, Some(2));
        assert_eq!((c.lines, c.records), (6, 2));
        assert!(text[at..].starts_with("\r \n5 6"));
        // A byte-order mark counts only on line 1: a later "\u{feff}#" line is a record.
        let later = "\u{feff}# not a comment here\n";
        assert_eq!(count_lines(later.as_bytes(), 1, None).0.records, 1);
        assert_eq!(count_lines(later.as_bytes(), 0, None).0.records, 0);
    }

    #[test]
    fn empty_and_missing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        std::fs::write(&p, "").unwrap();
        let e = Lines::open(Input::file(&p), false).err().unwrap();
        assert!(matches!(e.kind(), IoErrorKind::Empty), "{e}");
        let e = Lines::open(Input::file(&dir.path().join("nope.csv")), false)
            .err()
            .unwrap();
        assert!(matches!(e.kind(), IoErrorKind::NotFound), "{e}");
    }

    #[test]
    fn invalid_utf8_names_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        std::fs::write(&p, b"1,2\n3,\xff\n").unwrap();
        let e = collect(Lines::open(Input::file(&p), false).unwrap()).unwrap_err();
        assert_eq!(e.line(), Some(2));
        assert!(
            e.to_string()
                .contains(":2: malformed file: invalid UTF-8 text at byte 3"),
            "{e}"
        );
    }
}
