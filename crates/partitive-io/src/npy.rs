//! NumPy `.npy` files: header parsing, memory-mapped reading, header writing.
//!
//! Supported: format versions 1.0, 2.0 and 3.0; dtypes `f4`, `f8` (zero-copy when the
//! dtype is `T`, little-endian and C-ordered, and the data are aligned for `T`), `i4`,
//! `i8` (converted; `i8` values beyond 2⁵³ are rounded), little- or big-endian (big-endian
//! is converted); 1-D arrays (read as `n × 1`) and 2-D arrays. Fortran-ordered arrays are
//! read by a transposing copy. Format reference: the NumPy "NEP 1 — A simple file format
//! for NumPy arrays" (`numpy.lib.format`).

use std::path::Path;

use memmap2::Mmap;
use partitive::{Float, MatRef};

use crate::error::{IoError, IoErrorKind};
use crate::input::Input;
use crate::scalar::{cast_slice, check_finite, is_f32};

const MAGIC: &[u8] = b"\x93NUMPY";

/// Element kind and size of a supported dtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dtype {
    float: bool,
    size: usize,
    little: bool,
}

/// A parsed `.npy` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    dtype: Dtype,
    fortran: bool,
    n_rows: usize,
    n_cols: usize,
    /// Byte offset of the data.
    offset: usize,
}

/// A value of the header dictionary.
#[derive(Debug, PartialEq)]
enum Value {
    Str(String),
    Bool(bool),
    Tuple(Vec<usize>),
}

/// A tiny parser for the Python-literal dictionary of a `.npy` header.
struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        let hit = self.s.get(self.i) == Some(&c);
        self.i += hit as usize;
        hit
    }

    fn string(&mut self) -> Option<String> {
        self.ws();
        let q = *self.s.get(self.i).filter(|c| matches!(c, b'\'' | b'"'))?;
        let start = self.i + 1;
        let len = self.s[start..].iter().position(|&c| c == q)?;
        self.i = start + len + 1;
        String::from_utf8(self.s[start..start + len].to_vec()).ok()
    }

    fn int(&mut self) -> Option<usize> {
        self.ws();
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
            self.i += 1;
        }
        let v = std::str::from_utf8(&self.s[start..self.i])
            .ok()?
            .parse()
            .ok()?;
        // Python 2 era files may write `3L`.
        self.i += (self.s.get(self.i) == Some(&b'L')) as usize;
        Some(v)
    }

    fn value(&mut self) -> Option<Value> {
        self.ws();
        let rest = &self.s[self.i..];
        if rest.starts_with(b"True") || rest.starts_with(b"False") {
            let t = rest[0] == b'T';
            self.i += if t { 4 } else { 5 };
            return Some(Value::Bool(t));
        }
        if self.eat(b'(') {
            let mut dims = Vec::new();
            loop {
                if self.eat(b')') {
                    break;
                }
                dims.push(self.int()?);
                if !self.eat(b',') {
                    if self.eat(b')') {
                        break;
                    }
                    return None;
                }
            }
            return Some(Value::Tuple(dims));
        }
        self.string().map(Value::Str)
    }

    /// The key/value pairs, or `None` when the text is not such a dictionary.
    fn dict(&mut self) -> Option<Vec<(String, Value)>> {
        let mut out = Vec::new();
        if !self.eat(b'{') {
            return None;
        }
        loop {
            if self.eat(b'}') {
                break;
            }
            let k = self.string()?;
            if !self.eat(b':') {
                return None;
            }
            out.push((k, self.value()?));
            if !self.eat(b',') {
                if self.eat(b'}') {
                    break;
                }
                return None;
            }
        }
        Some(out)
    }
}

fn parse_dtype(path: &Path, descr: &str) -> Result<Dtype, IoError> {
    let b = descr.as_bytes();
    let little = match b.first() {
        Some(b'<' | b'|') => true,
        Some(b'=') => cfg!(target_endian = "little"),
        Some(b'>') => false,
        _ => false,
    };
    let body = descr.trim_start_matches(['<', '>', '=', '|']);
    let (float, size) = match body {
        "f4" => (true, 4),
        "f8" => (true, 8),
        "i4" => (false, 4),
        "i8" => (false, 8),
        _ => {
            return Err(IoError::unsupported(
                path,
                format!("dtype '{descr}' (supported: f4, f8, i4, i8)"),
            ))
        }
    };
    Ok(Dtype {
        float,
        size,
        little,
    })
}

/// Parses the header at the start of `bytes` (the whole file or its beginning).
pub(crate) fn parse_header(path: &Path, bytes: &[u8]) -> Result<Header, IoError> {
    if bytes.is_empty() {
        return Err(IoError::new(IoErrorKind::Empty, path));
    }
    if bytes.len() < 10 && MAGIC.starts_with(&bytes[..bytes.len().min(6)]) {
        return Err(IoError::truncated(path, "the .npy header is incomplete"));
    }
    if !bytes.starts_with(MAGIC) {
        return Err(IoError::malformed(
            path,
            "not a NumPy .npy file (bad magic)",
        ));
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let (len, start) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        2 | 3 => return Err(IoError::truncated(path, "the .npy header is incomplete")),
        _ => {
            return Err(IoError::unsupported(
                path,
                format!(".npy format version {major}.{minor}"),
            ))
        }
    };
    let text = bytes
        .get(start..start + len)
        .ok_or_else(|| IoError::truncated(path, "the .npy header is incomplete"))?;
    let bad = || IoError::malformed(path, "cannot parse the .npy header");
    let dict = Parser { s: text, i: 0 }.dict().ok_or_else(bad)?;
    let get = |k: &str| dict.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    let descr = match get("descr") {
        Some(Value::Str(s)) => s,
        _ => return Err(bad()),
    };
    let dtype = parse_dtype(path, descr)?;
    let fortran = match get("fortran_order") {
        Some(Value::Bool(b)) => *b,
        _ => return Err(bad()),
    };
    let (n_rows, n_cols) = match get("shape") {
        Some(Value::Tuple(d)) if d.len() == 1 => (d[0], 1),
        Some(Value::Tuple(d)) if d.len() == 2 => (d[0], d[1]),
        Some(Value::Tuple(d)) => {
            return Err(IoError::unsupported(
                path,
                format!("{}-dimensional arrays (only 1-D and 2-D)", d.len()),
            ))
        }
        _ => return Err(bad()),
    };
    if n_rows == 0 {
        return Err(IoError::new(IoErrorKind::NoRows, path));
    }
    if n_cols == 0 {
        return Err(IoError::new(IoErrorKind::NoColumns, path));
    }
    Ok(Header {
        dtype,
        fortran,
        n_rows,
        n_cols,
        offset: start + len,
    })
}

/// An open, memory-mapped `.npy` file.
pub(crate) struct NpyFile {
    map: Mmap,
    header: Header,
}

impl NpyFile {
    /// Maps `input` and checks its header against its length.
    pub(crate) fn open(input: Input<'_>) -> Result<NpyFile, IoError> {
        let path = input.path();
        let map = input.map()?;
        let header = parse_header(path, &map)?;
        let need = header
            .n_rows
            .checked_mul(header.n_cols)
            .and_then(|n| n.checked_mul(header.dtype.size))
            .and_then(|n| n.checked_add(header.offset))
            .ok_or_else(|| IoError::malformed(path, "the .npy shape overflows"))?;
        if map.len() < need {
            return Err(IoError::truncated(
                path,
                format!(
                    "the data hold {} bytes, shape ({}, {}) needs {}",
                    map.len() - header.offset.min(map.len()),
                    header.n_rows,
                    header.n_cols,
                    need - header.offset
                ),
            ));
        }
        Ok(NpyFile { map, header })
    }

    pub(crate) fn n_rows(&self) -> usize {
        self.header.n_rows
    }

    pub(crate) fn n_cols(&self) -> usize {
        self.header.n_cols
    }

    /// Whether rows of `T` can be viewed in place.
    fn direct<T: Float>(&self) -> bool {
        let h = &self.header;
        h.dtype.float
            && h.dtype.little == cfg!(target_endian = "little")
            && h.dtype.size == std::mem::size_of::<T>()
            && !h.fortran
    }

    /// Rows `start..end` as `T`: a view into the map when possible, else decoded into `buf`.
    /// Non-finite values are an error naming row and column (1-based).
    pub(crate) fn rows<'a, T: Float>(
        &'a self,
        path: &Path,
        start: usize,
        end: usize,
        buf: &'a mut Vec<T>,
    ) -> Result<MatRef<'a, T>, IoError> {
        let m = self.rows_unchecked(start, end, buf);
        check_finite(path, m.as_slice(), m.n_cols(), start)?;
        Ok(m)
    }

    /// [`rows`](Self::rows) without the finiteness check.
    pub(crate) fn rows_unchecked<'a, T: Float>(
        &'a self,
        start: usize,
        end: usize,
        buf: &'a mut Vec<T>,
    ) -> MatRef<'a, T> {
        let h = &self.header;
        let d = h.n_cols;
        let data: &[T] = match self.view_rows::<T>(start, end) {
            Some(v) => v,
            None => {
                buf.clear();
                buf.reserve((end - start) * d);
                for i in start..end {
                    for j in 0..d {
                        let idx = if h.fortran {
                            j * h.n_rows + i
                        } else {
                            i * d + j
                        };
                        buf.push(self.decode::<T>(idx));
                    }
                }
                buf
            }
        };
        MatRef::new(data, end - start, d).expect("row range within the shape")
    }

    /// A zero-copy view of rows `start..end`, when the dtype and alignment allow it.
    fn view_rows<T: Float>(&self, start: usize, end: usize) -> Option<&[T]> {
        if !self.direct::<T>() {
            return None;
        }
        let row = self.header.n_cols * self.header.dtype.size;
        let o = self.header.offset;
        cast_slice::<T>(&self.map[o + start * row..o + end * row])
    }

    /// Element `idx` (in file order), converted to `T`.
    fn decode<T: Float>(&self, idx: usize) -> T {
        let Dtype {
            float,
            size,
            little,
        } = self.header.dtype;
        let at = self.header.offset + idx * size;
        let b = &self.map[at..at + size];
        let v = if size == 4 {
            let a: [u8; 4] = b.try_into().expect("4 bytes");
            let u = if little {
                u32::from_le_bytes(a)
            } else {
                u32::from_be_bytes(a)
            };
            if float {
                f32::from_bits(u) as f64
            } else {
                u as i32 as f64
            }
        } else {
            let a: [u8; 8] = b.try_into().expect("8 bytes");
            let u = if little {
                u64::from_le_bytes(a)
            } else {
                u64::from_be_bytes(a)
            };
            if float {
                f64::from_bits(u)
            } else {
                u as i64 as f64
            }
        };
        T::of_f64(v)
    }

    /// The whole file as a dataset: the map itself when possible, else a converted copy.
    pub(crate) fn into_dataset<T: Float>(self, path: &Path) -> Result<crate::Dataset<T>, IoError> {
        let (n, d) = (self.n_rows(), self.n_cols());
        if self.view_rows::<T>(0, n).is_some() {
            check_finite(path, self.view_rows::<T>(0, n).expect("checked"), d, 0)?;
            let offset = self.header.offset;
            return Ok(crate::Dataset::mapped(self.map, offset, n, d).expect("view checked"));
        }
        let mut buf = Vec::new();
        self.rows::<T>(path, 0, n, &mut buf)?;
        Ok(crate::Dataset::owned(buf, n, d, None))
    }
}

/// A version 1.0 `.npy` header for a C-ordered `n_rows × n_cols` array of `T`
/// (little-endian), padded so that the data start at a multiple of 64 bytes.
pub(crate) fn header_bytes<T: Float>(n_rows: usize, n_cols: usize) -> Vec<u8> {
    let descr = if is_f32::<T>() { "'<f4'" } else { "'<f8'" };
    header_with(descr, &format!("({n_rows}, {n_cols})"))
}

/// A `.npy` header for the dtype `descr` (a Python literal: `'<i8'`, or a list of
/// `('name', '<f8')` fields) and the shape tuple `shape` (`(n,)`), padded to 64 bytes.
pub(crate) fn header_with(descr: &str, shape: &str) -> Vec<u8> {
    let dict = format!("{{'descr': {descr}, 'fortran_order': False, 'shape': {shape}, }}");
    let (major, prefix) = if dict.len() + 11 <= u16::MAX as usize {
        (1u8, 10)
    } else {
        (2u8, 12)
    };
    let total = (prefix + dict.len() + 1).div_ceil(64) * 64;
    let len = total - prefix;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[major, 0]);
    if major == 1 {
        out.extend_from_slice(&(len as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(len as u32).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out.resize(total - 1, b' ');
    out.push(b'\n');
    out
}

/// Size in bytes of the floating-point elements of the `.npy` `input`, or `None`
/// when its elements are integers.
pub(crate) fn float_width(input: Input<'_>) -> Result<Option<usize>, IoError> {
    let f = NpyFile::open(input)?;
    Ok(f.header.dtype.float.then_some(f.header.dtype.size))
}

/// A `.npy` file opened for reading ranges of its rows (a rank of a distributed job
/// reads only its own): the file is memory-mapped, and only the pages of the rows read
/// are touched.
pub struct NpyRows {
    file: NpyFile,
    path: std::path::PathBuf,
}

impl NpyRows {
    /// Opens `path` and checks its header against its length.
    ///
    /// # Errors
    /// As [`crate::read_matrix`] for a `.npy` file: missing, empty, malformed or
    /// truncated files.
    pub fn open(path: &Path) -> Result<NpyRows, IoError> {
        Ok(NpyRows {
            file: NpyFile::open(Input::file(path))?,
            path: path.to_path_buf(),
        })
    }

    /// Number of rows of the whole file.
    pub fn n_rows(&self) -> usize {
        self.file.n_rows()
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.file.n_cols()
    }

    /// Rows `start..end` as an owned matrix of `T` (converted as [`crate::read_matrix`]
    /// converts). A non-finite value is an error naming its row and column in the whole
    /// file, as when the whole file is read.
    ///
    /// # Panics
    /// If `start > end` or `end > self.n_rows()`.
    pub fn read<T: Float>(&self, start: usize, end: usize) -> Result<partitive::Mat<T>, IoError> {
        assert!(
            start <= end && end <= self.n_rows(),
            "row range within the file"
        );
        let mut buf = Vec::new();
        let m = self.file.rows::<T>(&self.path, start, end, &mut buf)?;
        let v = m.as_slice().to_vec();
        Ok(partitive::Mat::from_vec(v, end - start, self.n_cols()).expect("shape"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numpy_headers() {
        let p = Path::new("a.npy");
        let mut h = header_bytes::<f32>(1000, 32);
        assert_eq!(h.len() % 64, 0);
        let got = parse_header(p, &h).unwrap();
        assert_eq!((got.n_rows, got.n_cols, got.offset), (1000, 32, h.len()));
        assert!(got.dtype.float && got.dtype.little && got.dtype.size == 4 && !got.fortran);
        // A 1-D, Fortran, big-endian int header in NumPy's own spelling.
        let dict = b"{'descr': '>i8', 'fortran_order': True, 'shape': (7,), }";
        h = MAGIC.to_vec();
        h.extend_from_slice(&[1, 0, dict.len() as u8, 0]);
        h.extend_from_slice(dict);
        let got = parse_header(p, &h).unwrap();
        assert_eq!((got.n_rows, got.n_cols), (7, 1));
        assert!(got.fortran && !got.dtype.little && !got.dtype.float);
    }

    #[test]
    fn header_errors() {
        let p = Path::new("a.npy");
        let mk = |dict: &str| {
            let mut h = MAGIC.to_vec();
            h.extend_from_slice(&[1, 0, dict.len() as u8, 0]);
            h.extend_from_slice(dict.as_bytes());
            parse_header(p, &h).unwrap_err().to_string()
        };
        assert!(
            mk("{'descr': '<c16', 'fortran_order': False, 'shape': (2, 2), }")
                .contains("dtype '<c16'")
        );
        assert!(
            mk("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 2), }")
                .contains("3-dimensional")
        );
        assert!(
            mk("{'descr': '<f8', 'fortran_order': False, 'shape': (), }").contains("0-dimensional")
        );
        assert!(
            mk("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 2), }")
                .contains("no data rows")
        );
        assert!(
            mk("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 0), }")
                .contains("no columns")
        );
        assert!(mk("{'descr': '<f8', 'shape': (3, 1)}").contains("cannot parse"));
        assert!(mk("garbage").contains("cannot parse"));
        assert!(parse_header(p, b"\x93NUM")
            .unwrap_err()
            .to_string()
            .contains("truncated"));
        assert!(parse_header(p, b"PK\x03\x04 zip file")
            .unwrap_err()
            .to_string()
            .contains("bad magic"));
        let mut v = header_bytes::<f64>(2, 2);
        v[6] = 9;
        assert!(parse_header(p, &v)
            .unwrap_err()
            .to_string()
            .contains("version 9.0"));
    }
}
