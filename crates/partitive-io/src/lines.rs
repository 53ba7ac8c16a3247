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
            while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
                self.buf.pop();
            }
            let mut start = 0;
            if self.line_no == 1 && self.buf.starts_with(&[0xef, 0xbb, 0xbf]) {
                start = 3;
            }
            let bytes = &self.buf[start..];
            let first = bytes.iter().position(|b| !matches!(b, b' ' | b'\t'));
            match first {
                None => continue,
                Some(i) if bytes[i] == b'#' => continue,
                Some(_) => {}
            }
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
