//! A walk over the page headers of every column chunk of a Parquet file, made before the
//! `parquet` crate decodes any page: the crate trusts two things of a page header that a
//! corrupt file of a few kilobytes can abuse (both found by the `parquet` fuzz target).
//!
//! * `uncompressed_page_size`: the crate reserves (and for some codecs fills) that many
//!   bytes before decompressing, so a 2.7 kB file claiming 1.4 GB made it use 1.37 GB.
//! * Its Thrift skipping of unknown fields trusts a container's element count: skipping
//!   bytes past the end of the file succeeds (reading none) and a boolean in a container
//!   takes no byte, so a 1 kB file whose header holds a map claiming 44.5 million entries
//!   (double → boolean) made it loop for 14–20 s.
//!
//! The walk reads only the headers, with the bounded Thrift compact-protocol reader of
//! `thrift.rs` (which reads as the crate does where the crate departs from the
//! specification), and skips each page's body by its `compressed_page_size`. The fields
//! the crate knows are read by their declared types whatever their wire types, as the
//! crate does, so that the walk checks the sizes the crate will use.
//!
//! The file is refused as malformed (before any row is read) when a page header
//!
//! * cannot be read by that reader within bounds: nesting deeper than [`MAX_DEPTH`], a
//!   container claiming more elements than the bytes left in the chunk could encode, too
//!   many booleans in containers, a varint longer than 10 bytes, a field id beyond `i16`,
//!   or a header running past the end of its column chunk (the crate would read on);
//! * claims an `uncompressed_page_size` that the chunk's codec could not produce from the
//!   page's compressed bytes ([`codec_bound`]: equal for an uncompressed page), or, for
//!   fixed-width values, more than [`values_bound`] for the values the header counts, or a
//!   negative value count;
//! * of a v2 data page claims negative level lengths, or more level bytes than either size.
//!
//! On a header that the crate fails on, cleanly and at once, the walk leaves that column
//! chunk (the crate cannot read past the header either) and the reader reports the error at
//! its row, the first error in row order as before: an unknown wire type, a missing
//! required field, a boolean field of another type, a negative size or a
//! `compressed_page_size` running past the chunk (`verify_page_size` in the crate).
//!
//! The work is bounded by the chunk's bytes: the reader's work is linear in the bytes it
//! reads, a header is read through a window that grows (×8) up to the bytes left in the
//! chunk, and the bodies are not read.
//!
//! Specifications:
//! * Apache Thrift, compact protocol (see `thrift.rs`).
//! * Apache Parquet format, `src/main/thrift/parquet.thrift` of
//!   <https://github.com/apache/parquet-format> (`PageHeader`: 1 `type`, 2
//!   `uncompressed_page_size`, 3 `compressed_page_size`, 4 `crc`, 5 `data_page_header`,
//!   6 `index_page_header`, 7 `dictionary_page_header`, 8 `data_page_header_v2`; the
//!   levels of a v2 page are never compressed, its values only when `is_compressed`).
//! * The codecs' formats, for the largest expansion each allows (see [`codec_bound`]):
//!   DEFLATE (RFC 1951, inside gzip RFC 1952), Snappy (`format_description.txt` of
//!   <https://github.com/google/snappy>), LZ4 (`doc/lz4_Block_format.md` and
//!   `lz4_Frame_format.md` of <https://github.com/lz4/lz4>), Zstandard (RFC 8878).

use std::path::Path;

use parquet::basic::{Compression, Type as Physical};
use parquet::file::metadata::{ColumnChunkMetaData, ParquetMetaData};
use parquet::file::reader::ChunkReader;

use crate::error::IoError;
use crate::thrift::{Stop, Thrift, T_FALSE, T_TRUE};

/// Deepest nesting of structs and containers accepted in a page header (the header itself
/// is depth 0; parquet-format's deepest, statistics inside a data page header, is 2).
pub(crate) const MAX_DEPTH: usize = 16;

/// First window read for a page header; headers are usually a few dozen bytes.
const FIRST_WINDOW: usize = 1024;

/// Slack of [`values_bound`], for the fixed costs of an encoding (run headers, the
/// padded miniblocks of `DELTA_BINARY_PACKED`, the level lengths).
const VALUES_SLACK: u64 = 64 * 1024;

/// Parquet's `PageType`.
const DATA_PAGE: i32 = 0;
const DICTIONARY_PAGE: i32 = 2;
const DATA_PAGE_V2: i32 = 3;

/// What the walk needs of a `PageHeader`.
#[derive(Debug, Default, PartialEq)]
struct Header {
    page_type: Option<i32>,
    uncompressed: Option<i32>,
    compressed: Option<i32>,
    /// `num_values` of the data page, dictionary page and v2 data page headers (fields
    /// 5, 7 and 8).
    num_values: [Option<i32>; 3],
    /// `definition_levels_byte_length`, `repetition_levels_byte_length` and
    /// `is_compressed` of a v2 data page header.
    v2: Option<(Option<i32>, Option<i32>, Option<bool>)>,
}

/// Reads the page header at the start of `buf`, the first bytes of the `limit` bytes left
/// in the column chunk; returns it and its length.
fn page_header(buf: &[u8], limit: usize) -> Result<(Header, usize), Stop> {
    let mut r = Thrift::new(buf, limit, MAX_DEPTH, "a page header", "column chunk");
    let mut h = Header::default();
    // A boolean field of the crate's structs: its value is its wire type, else it fails.
    let flag = |t: u8| match t {
        T_TRUE | T_FALSE => Ok(t == T_TRUE),
        _ => Err(Stop::Fails),
    };
    r.fields(0, |r, t, id, depth| match id {
        1 => r.i32().map(|v| h.page_type = Some(v)),
        2 => r.i32().map(|v| h.uncompressed = Some(v)),
        3 => r.i32().map(|v| h.compressed = Some(v)),
        4 => r.i32().map(drop),
        // DataPageHeader (1 num_values, 2-4 encodings) and DictionaryPageHeader
        // (1 num_values, 2 encoding, 3 is_sorted).
        5 | 7 => {
            let k = usize::from(id == 7);
            r.fields(depth + 1, |r, t, f, d| match f {
                1 => r.i32().map(|v| h.num_values[k] = Some(v)),
                2 => r.i32().map(drop),
                3 if k == 1 => flag(t).map(drop),
                3 | 4 if k == 0 => r.i32().map(drop),
                _ => r.skip(t, d),
            })
        }
        // IndexPageHeader: no field.
        6 => r.fields(depth + 1, |r, t, _, d| r.skip(t, d)),
        // DataPageHeaderV2: 1 num_values, 2 num_nulls, 3 num_rows, 4 encoding, 5 and 6 the
        // levels' lengths, 7 is_compressed.
        8 => {
            let mut v2 = (None, None, None);
            r.fields(depth + 1, |r, t, f, d| match f {
                1 => r.i32().map(|v| h.num_values[2] = Some(v)),
                2..=4 => r.i32().map(drop),
                5 => r.i32().map(|v| v2.0 = Some(v)),
                6 => r.i32().map(|v| v2.1 = Some(v)),
                7 => flag(t).map(|b| v2.2 = Some(b)),
                _ => r.skip(t, d),
            })?;
            h.v2 = Some(v2);
            Ok(())
        }
        _ => r.skip(t, depth),
    })?;
    Ok((h, r.pos()))
}

/// The most bytes `codec` can produce from `c` compressed bytes, by the largest expansion
/// each format allows; `None` for a codec without a sound bound (Brotli, whose copies of up
/// to 16 MiB can cost no bits at all with one-symbol prefix codes, and LZO; the `parquet`
/// crate is built here without either and refuses their chunks before reading a page).
///
/// * Snappy: a copy element of 3 bytes (2-byte offset) yields at most 64 bytes (5-byte
///   offset: also 64), of 2 bytes at most 11, a literal one byte per byte: < 22 × c.
/// * gzip: a DEFLATE length-258 match costs at least 2 bits (1-bit length and distance
///   codes), the format's maximal ratio of 1032:1; gzip's header and trailer only add.
/// * LZ4 (raw blocks, frames, Hadoop framing): a sequence of token, 2-byte offset and k
///   length bytes yields at most 19 + 255·k bytes of match: ≤ 255 × c.
/// * Zstandard: a block decompresses to at most `Block_Maximum_Size` (128 KiB) and one
///   yielding anything takes at least 4 bytes (3 of header, an RLE block's byte): 32768 × c.
fn codec_bound(codec: Compression, c: u64) -> Option<u64> {
    let ratio = match codec {
        Compression::UNCOMPRESSED => 1,
        Compression::SNAPPY => 22,
        Compression::GZIP(_) => 1032,
        Compression::LZ4 | Compression::LZ4_RAW => 255,
        Compression::ZSTD(_) => 32768,
        Compression::BROTLI(_) | Compression::LZO => return None,
    };
    Some(c.saturating_mul(ratio))
}

/// The most bytes a page of `n` values of a fixed-width type of `width` bytes may take,
/// encoded any way parquet-format allows (levels included): 2 × n × max(width, 8) plus
/// [`VALUES_SLACK`]. PLAIN and BYTE_STREAM_SPLIT take `width` bytes a value,
/// DELTA_BINARY_PACKED at most 8 (plus its headers and padded miniblocks), dictionary
/// indices at most 5 (a one-value RLE run of a 32-bit index), each level at most 2. This
/// bounds the compressed pages of codecs whose ratio is loose (Zstandard's 32768) or
/// unbounded; variable-width values (`BYTE_ARRAY`) have no such bound.
fn values_bound(n: u64, width: u64) -> u64 {
    n.saturating_mul(2)
        .saturating_mul(width.max(8))
        .saturating_add(VALUES_SLACK)
}

/// The width in bytes of a value of column `c`, `None` for `BYTE_ARRAY`.
fn value_width(c: &ColumnChunkMetaData) -> Option<u64> {
    let d = c.column_descr();
    match d.physical_type() {
        Physical::BOOLEAN => Some(1),
        Physical::INT32 | Physical::FLOAT => Some(4),
        Physical::INT64 | Physical::DOUBLE => Some(8),
        Physical::INT96 => Some(12),
        Physical::FIXED_LEN_BYTE_ARRAY => Some(u64::try_from(d.type_length()).unwrap_or(0)),
        Physical::BYTE_ARRAY => None,
    }
}

/// Checks the sizes claimed by header `h` of a page of a column chunk compressed by
/// `codec`, of values `width` bytes wide (`None`: variable), whose body has `left` bytes of
/// the chunk after the header; returns the body's length.
fn check_sizes(h: &Header, codec: Compression, width: Option<u64>, left: u64) -> Result<u64, Stop> {
    // A missing required field, a body running past the chunk, a negative size: the crate
    // fails on the page (`verify_page_size`) before reading its body.
    let (Some(t), Some(u), Some(comp)) = (h.page_type, h.uncompressed, h.compressed) else {
        return Err(Stop::Fails);
    };
    if comp < 0 || comp as u64 > left || u < 0 {
        return Err(Stop::Fails);
    }
    let bad = |why: String| Err(Stop::Bad(why));
    let (u, comp) = (u as u64, comp as u64);
    // A v2 page's levels are stored uncompressed before its values (the crate goes by the
    // v2 header, whatever the page's type).
    let (levels, compressed_values) = match h.v2 {
        Some((def, rep, is_compressed)) => {
            let (def, rep) = (i64::from(def.unwrap_or(0)), i64::from(rep.unwrap_or(0)));
            if def < 0 || rep < 0 || (def + rep) as u64 > comp.min(u) {
                return bad(format!(
                    "a v2 data page claims {def} + {rep} bytes of levels in {comp} bytes ({u} uncompressed)"
                ));
            }
            ((def + rep) as u64, is_compressed.unwrap_or(true))
        }
        _ => (0, true),
    };
    let raw = codec == Compression::UNCOMPRESSED || !compressed_values;
    if raw && u != comp {
        return bad(format!(
            "an uncompressed page claims {u} bytes in {comp} bytes"
        ));
    }
    if raw {
        return Ok(comp);
    }
    let codec_name = match codec {
        Compression::SNAPPY => "SNAPPY",
        Compression::GZIP(_) => "GZIP",
        Compression::LZ4 => "LZ4",
        Compression::LZ4_RAW => "LZ4_RAW",
        Compression::ZSTD(_) => "ZSTD",
        Compression::BROTLI(_) => "BROTLI",
        Compression::LZO => "LZO",
        Compression::UNCOMPRESSED => "UNCOMPRESSED",
    };
    if let Some(max) = codec_bound(codec, comp - levels) {
        if u - levels > max {
            return bad(format!(
                "a page claims {u} bytes uncompressed from {comp} bytes of {codec_name} (at most {})",
                max + levels
            ));
        }
    }
    let n = match t {
        DATA_PAGE => h.num_values[0],
        DICTIONARY_PAGE => h.num_values[1],
        DATA_PAGE_V2 => h.num_values[2],
        _ => None,
    };
    if let (Some(n), Some(w)) = (n, width) {
        if n < 0 {
            return bad(format!("a page claims {n} values"));
        }
        let max = values_bound(n as u64, w);
        if u > max {
            return bad(format!(
                "a page claims {u} bytes uncompressed for {n} values of {w} bytes (at most {max})"
            ));
        }
    }
    Ok(comp)
}

/// Walks the page headers of every column chunk of every row group of `meta` in the file
/// `r` (see the module docs), refusing a malformed one. The chunks' byte ranges must have
/// been checked against the file first ([`crate::parquet_check::check_layout`]).
pub(crate) fn check_pages<R: ChunkReader>(
    path: &Path,
    meta: &ParquetMetaData,
    r: &R,
) -> Result<(), IoError> {
    for (g, rg) in meta.row_groups().iter().enumerate() {
        for c in rg.columns() {
            let bad = |at: u64, why: String| {
                IoError::malformed(
                    path,
                    format!(
                        "row group {g}: column '{}': page header at byte {at}: {why}",
                        c.column_path().string()
                    ),
                )
            };
            let (start, len) = c.byte_range();
            let end = start.saturating_add(len);
            let mut at = start;
            while at < end {
                let left = usize::try_from(end - at).unwrap_or(usize::MAX);
                let mut window = left.min(FIRST_WINDOW);
                let read = loop {
                    let buf = r
                        .get_bytes(at, window)
                        .map_err(|e| IoError::malformed(path, e.to_string()))?;
                    match page_header(&buf, left) {
                        Ok(x) => break Some(x),
                        // A window as long as the chunk cannot be too short; a reader
                        // handing back fewer bytes than asked must not make this spin.
                        Err(Stop::More) if buf.len() == window && window < left => {
                            window = window.saturating_mul(8).min(left)
                        }
                        Err(Stop::More) => {
                            return Err(bad(at, "the header runs past its column chunk".into()))
                        }
                        Err(Stop::Bad(why) | Stop::Loop(why)) => return Err(bad(at, why)),
                        Err(Stop::Fails) => break None,
                    }
                };
                // On a header the crate fails on, it stops reading the chunk there too.
                let Some((h, h_len)) = read else {
                    break;
                };
                match check_sizes(&h, c.compression(), value_width(c), (left - h_len) as u64) {
                    Ok(body) => at += h_len as u64 + body,
                    Err(Stop::Bad(why)) => return Err(bad(at, why)),
                    Err(_) => break,
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zigzag varint.
    fn zz(v: i64, out: &mut Vec<u8>) {
        let mut u = ((v << 1) ^ (v >> 63)) as u64;
        loop {
            let b = (u & 0x7f) as u8;
            u >>= 7;
            if u == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    /// A page header of type `t` and sizes `u`, `c` with a data page header of `n` values,
    /// then `extra` (field bytes of the page header) and its stop byte.
    fn header(t: i32, u: i32, c: i32, n: i32, extra: &[u8]) -> Vec<u8> {
        let mut b = vec![0x15];
        zz(t.into(), &mut b);
        b.push(0x15);
        zz(u.into(), &mut b);
        b.push(0x15);
        zz(c.into(), &mut b);
        b.push(0x2c); // field 5, struct
        b.push(0x15);
        zz(n.into(), &mut b);
        b.push(0);
        b.extend_from_slice(extra);
        b.push(0);
        b
    }

    #[test]
    fn reads_a_header_and_its_length() {
        let b = header(0, 800, 300, 100, &[]);
        let (h, len) = page_header(&b, b.len() + 300).unwrap();
        assert_eq!(len, b.len());
        assert_eq!(
            (h.page_type, h.uncompressed, h.compressed, h.num_values[0]),
            (Some(0), Some(800), Some(300), Some(100))
        );
        // Cut short inside the chunk: read more; at the chunk's end: malformed.
        assert_eq!(page_header(&b[..5], b.len()), Err(Stop::More));
        assert!(matches!(page_header(&b[..5], 5), Err(Stop::Bad(_))));
    }

    #[test]
    fn containers_are_bounded_by_their_bytes() {
        // Field 9 (delta 4 after field 5), a list of 2^31 booleans.
        let mut extra = vec![0x49, 0xf1];
        extra.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x08]);
        let b = header(0, 8, 8, 1, &extra);
        let e = page_header(&b, b.len() + 8).unwrap_err();
        assert!(
            matches!(&e, Stop::Loop(m) if m.contains("2147483648 elements")),
            "{e:?}"
        );
        // Of i32 (the crate fails at the end of the bytes, unless reading on past them).
        let b = header(0, 8, 8, 1, &[0x49, 0xf5, 0x80, 0x80, 0x80, 0x80, 0x08]);
        let e = page_header(&b, b.len() + 8).unwrap_err();
        assert!(
            matches!(&e, Stop::Bad(m) if m.contains("elements")),
            "{e:?}"
        );
        // A few booleans: a byte each for Thrift, none for the crate (and this walk).
        // (more than the bytes left, if a byte each, are refused).
        let b = header(0, 8, 8, 1, &[0x49, 0x31]);
        assert_eq!(page_header(&b, b.len() + 2).unwrap().1, b.len());
        assert!(matches!(page_header(&b, b.len()), Err(Stop::Loop(_))));
        // Many: a list of 300 lists of 14 booleans each, in 300 bytes.
        let mut extra = vec![0x49, 0xf9, 0xac, 0x02];
        extra.extend(std::iter::repeat_n(0xe1, 300));
        let b = header(0, 8, 8, 1, &extra);
        let e = page_header(&b, b.len()).unwrap_err();
        assert!(
            matches!(&e, Stop::Loop(m) if m.contains("booleans in")),
            "{e:?}"
        );
        // An empty list of type 0 is read.
        let b = header(0, 8, 8, 1, &[0x49, 0x33, 1, 2, 1, 0x19, 0]);
        assert_eq!(page_header(&b, b.len()).unwrap().1, b.len());
        // A byte of type 0 ends a struct, as for the crate.
        let mut b = header(0, 8, 8, 1, &[]);
        let len = b.len();
        b.insert(len - 1, 0x40);
        assert_eq!(page_header(&b, b.len()).unwrap().1, len);
    }

    #[test]
    fn nesting_is_bounded() {
        // Field 9 a struct holding field 1 a struct holding ... MAX_DEPTH + 1 deep.
        let mut extra = vec![0x4c];
        extra.extend(std::iter::repeat_n(0x1c, MAX_DEPTH));
        extra.extend(std::iter::repeat_n(0, MAX_DEPTH + 1));
        let b = header(0, 8, 8, 1, &extra);
        let e = page_header(&b, b.len()).unwrap_err();
        assert!(matches!(&e, Stop::Bad(m) if m.contains("deeper")), "{e:?}");
        let mut extra = vec![0x4c];
        extra.extend(std::iter::repeat_n(0x1c, MAX_DEPTH - 2));
        extra.extend(std::iter::repeat_n(0, MAX_DEPTH - 1));
        let b = header(0, 8, 8, 1, &extra);
        assert!(page_header(&b, b.len()).is_ok());
    }

    /// A header of `t`, sizes `u`, `c` and `n` values (in the field of its type).
    fn sizes(t: i32, u: i32, c: i32, n: i32) -> Header {
        let mut h = Header {
            page_type: Some(t),
            uncompressed: Some(u),
            compressed: Some(c),
            ..Header::default()
        };
        h.num_values[match t {
            DICTIONARY_PAGE => 1,
            DATA_PAGE_V2 => 2,
            _ => 0,
        }] = Some(n);
        h
    }

    #[test]
    fn sizes_within_the_codecs_bounds() {
        use Compression::*;
        let zstd = ZSTD(Default::default());
        let gzip = GZIP(Default::default());
        let check = |h: &Header, codec, width, left| check_sizes(h, codec, width, left);
        // Plausible pages pass and give their body's length.
        assert_eq!(
            check(&sizes(0, 800, 800, 100), UNCOMPRESSED, Some(8), 900),
            Ok(800)
        );
        assert_eq!(
            check(&sizes(0, 8000, 400, 1000), SNAPPY, Some(8), 400),
            Ok(400)
        );
        assert_eq!(
            check(&sizes(2, 80_000, 100, 10_000), zstd, Some(8), 100),
            Ok(100)
        );
        // Refused: past the bounds.
        let bad = |r: Result<u64, Stop>, what: &str| {
            assert!(matches!(&r, Err(Stop::Bad(m)) if m.contains(what)), "{r:?}");
        };
        bad(
            check(&sizes(0, 801, 800, 100), UNCOMPRESSED, Some(8), 900),
            "an uncompressed page",
        );
        bad(
            check(&sizes(0, 8801, 400, 1000), SNAPPY, Some(8), 400),
            "of SNAPPY (at most 8800)",
        );
        bad(
            check(&sizes(0, 1032 * 50 + 1, 50, 1 << 20), gzip, None, 50),
            "of GZIP",
        );
        bad(
            check(&sizes(0, 255 * 9 + 1, 9, 1), LZ4_RAW, Some(4), 9),
            "of LZ4_RAW",
        );
        bad(
            check(&sizes(0, i32::MAX, 50_000, 10), zstd, None, 50_000),
            "of ZSTD",
        );
        // Zstandard's loose ratio: fixed-width values bound the claim too.
        let max = 16 * 1000 + VALUES_SLACK;
        assert!(check(&sizes(3, max as i32, 1000, 1000), zstd, Some(8), 1000).is_ok());
        bad(
            check(&sizes(3, max as i32 + 1, 1000, 1000), zstd, Some(8), 1000),
            "for 1000 values",
        );
        bad(
            check(&sizes(0, 100, 10, -1), SNAPPY, Some(8), 10),
            "-1 values",
        );
        // Byte arrays: the codec's ratio only; without one (Brotli, LZO), no bound.
        assert!(check(&sizes(0, i32::MAX, 10, 1), zstd, None, 10).is_err());
        assert!(check(
            &sizes(0, i32::MAX, 10, 1),
            BROTLI(Default::default()),
            None,
            10
        )
        .is_ok());
        // A v2 page: levels uncompressed, the values raw unless compressed.
        let mut h = sizes(3, 130, 30, 10);
        h.v2 = Some((Some(20), Some(0), None));
        assert_eq!(check(&h, SNAPPY, Some(8), 30), Ok(30));
        h.v2 = Some((Some(20), Some(0), Some(false)));
        bad(check(&h, SNAPPY, Some(8), 30), "an uncompressed page");
        h.v2 = Some((Some(40), Some(0), None));
        bad(check(&h, SNAPPY, Some(8), 30), "bytes of levels");
        h.v2 = Some((Some(-1), Some(0), None));
        bad(check(&h, SNAPPY, Some(8), 30), "bytes of levels");
        // Left to the crate, which fails on the page: no sizes, negative sizes, a body
        // past the chunk.
        assert_eq!(
            check(&Header::default(), SNAPPY, None, 10),
            Err(Stop::Fails)
        );
        assert_eq!(
            check(&sizes(0, -1, 10, 1), SNAPPY, None, 10),
            Err(Stop::Fails)
        );
        assert_eq!(
            check(&sizes(0, 10, -1, 1), SNAPPY, None, 10),
            Err(Stop::Fails)
        );
        assert_eq!(
            check(&sizes(0, 10, 11, 1), SNAPPY, None, 10),
            Err(Stop::Fails)
        );
    }

    #[test]
    fn bounds() {
        assert_eq!(codec_bound(Compression::UNCOMPRESSED, 10), Some(10));
        assert_eq!(codec_bound(Compression::SNAPPY, 10), Some(220));
        assert_eq!(codec_bound(Compression::LZO, 10), None);
        assert_eq!(values_bound(10, 4), 160 + VALUES_SLACK);
        assert_eq!(values_bound(u64::MAX, 8), u64::MAX);
    }
}
