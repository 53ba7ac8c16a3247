//! Regression tests for the problems the fuzz targets (`fuzz/`) found in the readers: one
//! test per finding, on a minimal input written out here (the raw crash inputs are kept in
//! `fuzz/regressions/`).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};

/// This test binary's allocator: the system's, failing (an abort) any single allocation
/// above 1 GiB — as the fuzz targets' guard does at 512 MiB — so that a reader reserving
/// memory from what an input claims, not from its bytes, fails here too.
struct Guard;

const LIMIT: usize = 1 << 30;

// SAFETY: forwards to `System`, returning null (an allocation failure) above the limit.
unsafe impl GlobalAlloc for Guard {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > LIMIT {
            return std::ptr::null_mut();
        }
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > LIMIT {
            return std::ptr::null_mut();
        }
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > LIMIT {
            return std::ptr::null_mut();
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Guard = Guard;

use common::file;
use partitive_io::{for_each_chunk, read_matrix, IoError, ReadOptions};

/// The message of streaming `path` in chunks of `rows` (f64, default options).
fn stream_err(path: &std::path::Path, rows: usize) -> String {
    for_each_chunk::<f64>(path, &ReadOptions::default(), rows, |_| Ok(()))
        .unwrap_err()
        .to_string()
}

fn whole_err(path: &std::path::Path) -> IoError {
    read_matrix::<f64>(path, &ReadOptions::default()).unwrap_err()
}

/// fuzz `text`: a bad cell on line 2 and invalid UTF-8 further down. The whole-file read
/// collected its batch of lines first and reported the UTF-8 error of the later line;
/// streaming row by row reported line 2. The first bad line in file order must win on
/// every path.
#[test]
fn text_first_error_in_file_order() {
    // Line 2 holds `cell`; line 33 is not UTF-8.
    let lines = |cell: &str| {
        let mut b = format!("1,2,3\n4,5,{cell}\n").into_bytes();
        for i in 0..30 {
            b.extend_from_slice(format!("{i},1,2\n").as_bytes());
        }
        b.extend_from_slice(b"7,8,\xff\n");
        b
    };
    let dir = tempfile::tempdir().unwrap();
    let p = file(dir.path(), "a.csv", lines("red"));
    let e = whole_err(&p);
    assert_eq!((e.line(), e.column()), (Some(2), Some(3)), "{e}");
    for rows in [1, 3, 64, 1 << 20] {
        assert_eq!(stream_err(&p, rows), e.to_string(), "chunks of {rows}");
    }
    // With the bad cell gone, the UTF-8 error is the first, on its own line, everywhere.
    let p = file(dir.path(), "b.csv", lines("6"));
    let e = whole_err(&p);
    assert_eq!(e.line(), Some(33), "{e}");
    for rows in [1, 7, 1 << 20] {
        assert_eq!(stream_err(&p, rows), e.to_string(), "chunks of {rows}");
    }
}

/// fuzz `gzip`: a gzip stream whose checksum is wrong, holding a ragged line. The
/// checksum fails at the end of the stream; the whole-file read met it while collecting
/// its batch and reported it instead of the ragged line 3 that streaming reported.
#[test]
fn gzip_first_error_in_file_order() {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(b"1,2\n3,4\n5\n6,7\n").unwrap();
    let mut gz = enc.finish().unwrap();
    let crc = gz.len() - 8;
    gz[crc] ^= 0xff;
    let dir = tempfile::tempdir().unwrap();
    let p = file(dir.path(), "a.csv.gz", &gz);
    let e = whole_err(&p);
    assert_eq!(e.line(), Some(3), "{e}");
    assert!(e.to_string().contains("expected 2 fields, found 1"), "{e}");
    for rows in [1, 2, 1 << 20] {
        assert_eq!(stream_err(&p, rows), e.to_string(), "chunks of {rows}");
    }
    // Without the ragged line, the checksum is the error, on every path.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(b"1,2\n3,4\n").unwrap();
    let mut gz = enc.finish().unwrap();
    let crc = gz.len() - 8;
    gz[crc] ^= 0xff;
    let p = file(dir.path(), "b.csv.gz", &gz);
    let e = whole_err(&p);
    assert!(e.to_string().contains("corrupt gzip stream"), "{e}");
    assert_eq!(stream_err(&p, 1), e.to_string());
}

/// fuzz `parquet`: a footer whose column chunk has a negative offset. The `parquet` crate
/// panics on it (`ColumnChunkMetaData::byte_range`: "column start and length should not
/// be negative") when the rows are decoded; it must be a malformed-file error, before any
/// row is read. The file is the fuzzer's minimized input (`tests/data/`).
#[test]
fn parquet_column_chunk_outside_the_file() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/negative-column-offset.parquet");
    let e = whole_err(&p);
    let msg = e.to_string();
    assert!(
        matches!(e.kind(), partitive_io::IoErrorKind::Malformed),
        "{msg}"
    );
    assert!(msg.contains("outside the file"), "{msg}");
    assert_eq!(stream_err(&p, 1), msg);
}

/// fuzz `text`: a non-ASCII delimiter byte (here 0xbf, the last byte of the UTF-8
/// byte-order mark and of many characters) split a line inside a character, and slicing
/// the field panicked. A delimiter must be ASCII: any other byte is an invalid parameter,
/// on every reading path.
#[test]
fn text_non_ascii_delimiter_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = file(dir.path(), "a.csv", ".\u{bf},\u{feff}x;y\r\n1.5;2\r\n");
    let mut opts = ReadOptions::default();
    for d in [0xbf, 0x80, 0xff] {
        opts.delimiter = Some(d);
        let e = read_matrix::<f64>(&p, &opts).unwrap_err();
        assert!(
            matches!(
                e.kind(),
                partitive_io::IoErrorKind::InvalidParameter { name: "delimiter" }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("is not an ASCII character"), "{e}");
        let cats = partitive_io::CategoricalColumns::Auto;
        assert!(partitive_io::read_mixed(&p, &opts, &cats).is_err());
        assert!(for_each_chunk::<f32>(&p, &opts, 1, |_| Ok(())).is_err());
    }
    // Every ASCII byte is accepted as a delimiter (the file reads or fails cleanly).
    for d in 0u8..128 {
        opts.delimiter = Some(d);
        let _ = read_matrix::<f64>(&p, &opts);
    }
}

/// fuzz `parquet`: a NaN in row 334 and a corrupt page header further on. Whole-file
/// reads decode 8192 rows per batch and met the page error before checking row 334;
/// streaming in chunks of 64 reported the NaN. After a decoding error the rows are decoded
/// again one by one from the failing batch's start, so every batch size reports the first
/// error in row order (`tests/data/page-error-after-nan.parquet`, the fuzzer's input).
#[test]
fn parquet_first_error_in_row_order_whatever_the_batch() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/page-error-after-nan.parquet");
    let msg = whole_err(&p).to_string();
    assert!(msg.contains("non-finite value 'NaN' at row 334"), "{msg}");
    for rows in [1, 3, 64, 5000, 1 << 20] {
        assert_eq!(stream_err(&p, rows), msg, "chunks of {rows}");
    }
    let bytes = std::fs::read(&p).unwrap();
    let name = std::path::Path::new("page-error-after-nan.parquet");
    let e = partitive_io::read_matrix_from_bytes::<f32>(name, &bytes, &ReadOptions::default())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "page-error-after-nan.parquet: non-finite value 'NaN' at row 334, column 2"
    );
}

/// fuzz `parquet`: after the re-decoding above was first written with a row selection
/// (skip the rows already read, select the rest of the row groups' claimed count),
/// streaming in chunks of 3 returned 7728 rows where the whole-file read returned 6000:
/// the selection trusted the row groups' counts. Rows are now skipped by decoding them as
/// the first reader did; every batch size gives the same rows or the same error.
#[test]
fn parquet_redecoding_keeps_the_rows() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/rows-after-page-error.parquet");
    let opts = ReadOptions::default();
    let whole = read_matrix::<f64>(&p, &opts);
    for rows in [1, 3, 64, 5000] {
        let mut n = 0;
        let s = for_each_chunk::<f64>(&p, &opts, rows, |m| {
            n += m.n_rows();
            Ok(())
        });
        match (&whole, &s) {
            (Ok(d), Ok(info)) => assert_eq!((d.n_rows(), n), (info.n_rows, info.n_rows)),
            (Err(a), Err(b)) => {
                let (a, b) = (a.to_string(), b.to_string());
                let cut = |s: &str| s.split(": malformed file: ").next().unwrap().to_string();
                assert_eq!(cut(&a), cut(&b), "chunks of {rows}: {a} / {b}");
            }
            _ => panic!(
                "chunks of {rows}: {:?} / {:?}",
                whole.as_ref().err(),
                s.err()
            ),
        }
    }
}

/// fuzz `parquet`: a 3.5 kB file whose dictionary page header claims far more values than
/// its bytes hold. The `parquet` crate sized (and filled) the dictionary from that claim
/// before decoding it: gigabytes written for a file of kilobytes. The claim is now checked
/// against the page's bytes first and the file refused as malformed, on every path.
#[test]
fn parquet_dictionary_claiming_more_values_than_its_bytes() {
    // The fuzz input: two config bytes, then the file.
    let raw = include_bytes!("../../../fuzz/regressions/parquet-dictionary-claims-too-many-values");
    let dir = tempfile::tempdir().unwrap();
    let p = file(dir.path(), "d.parquet", &raw[2..]);
    let e = whole_err(&p);
    assert!(e.to_string().contains("dictionary page claiming"), "{e}");
    for rows in [1, 64, 1 << 20] {
        assert_eq!(stream_err(&p, rows), e.to_string(), "chunks of {rows}");
    }
}

/// The error of every way of reading the Parquet fuzz input `raw` (two config bytes, then
/// the file): whole-file (f64, f32), streamed, from memory, opened for row ranges. All the
/// same one-line malformed-file error, returned.
fn parquet_refused_everywhere(raw: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = file(dir.path(), "d.parquet", &raw[2..]);
    let e = whole_err(&p);
    let msg = e.to_string();
    assert!(
        matches!(e.kind(), partitive_io::IoErrorKind::Malformed),
        "{msg}"
    );
    assert_eq!(msg.lines().count(), 1, "{msg}");
    let e32 = read_matrix::<f32>(&p, &ReadOptions::default()).unwrap_err();
    assert_eq!(e32.to_string(), msg);
    for rows in [1, 64, 1 << 20] {
        assert_eq!(stream_err(&p, rows), msg, "chunks of {rows}");
    }
    let name = std::path::Path::new("d.parquet");
    let e = partitive_io::read_matrix_from_bytes::<f64>(name, &raw[2..], &ReadOptions::default())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        msg.replace(&format!("{}", p.display()), "d.parquet")
    );
    let e = partitive_io::ParquetRows::open(&p, &ReadOptions::default())
        .err()
        .expect("refused");
    assert_eq!(e.to_string(), msg);
    msg
}

/// fuzz `parquet`: a 2.7 kB file whose page header in column `i` (byte 185) claims
/// 1,396,341,420 bytes uncompressed from 0 bytes of Snappy. The `parquet` crate reserved and
/// filled that much before its error (`partitive kmeans`: 1.37 GB resident). Every page
/// header of every column chunk is now read first (`parquet_pages.rs`), before any page is
/// decoded; here the walk stops earlier, at column `y`, whose chunk starts 4 bytes before
/// its page, on a header claiming a map of 45,077,802 entries in 54 bytes. The bound on
/// the claims is tested on each codec below; the CLI's peak memory on both fuzz inputs in
/// `partitive-cli/tests/parquet_claims_cli.rs`.
#[test]
fn parquet_page_claiming_more_than_its_codec_can_produce() {
    let raw =
        include_bytes!("../../../fuzz/regressions/parquet-page-claims-large-uncompressed-size");
    let msg = parquet_refused_everywhere(raw);
    assert!(
        msg.ends_with(
            "row group 0: column 'y': page header at byte 104: a page header's container claims 45077802 elements in 54 bytes"
        ),
        "{msg}"
    );
}

/// fuzz `parquet`: a 1 kB file whose page header holds a map claiming 44,529,023 entries
/// (double → boolean). The `parquet` crate's Thrift skipping reads a boolean as no byte and
/// skips bytes past the end of the file without failing: it looped for 14–20 s before its
/// error. The page-header walk refuses a container claiming more elements than the bytes
/// left in the column chunk could hold, reading nothing more.
#[test]
fn parquet_page_header_claiming_more_elements_than_its_bytes() {
    let raw = include_bytes!("../../../fuzz/regressions/parquet-slow-page-header");
    let msg = parquet_refused_everywhere(raw);
    assert!(
        msg.ends_with(
            "row group 0: column 'y': page header at byte 77: a page header's container claims 44529023 elements in 68 bytes"
        ),
        "{msg}"
    );
}

/// The bound behind the test above, on a file of each codec: 20,000 zeros (a page of
/// 160,000 bytes, compressing to a few kilobytes or less) read back, then the first page
/// header's uncompressed size raised to 1,048,575 (the same 3-byte varint): more than the
/// codec can produce from the page's bytes, or (Zstandard) than 20,000 values can take.
#[test]
fn parquet_page_claims_beyond_the_codec_are_refused_for_every_codec() {
    use parquet::basic::Compression;
    let dir = tempfile::tempdir().unwrap();
    let zeros: arrow_array::ArrayRef =
        std::sync::Arc::new(arrow_array::Float64Array::from(vec![0.0; 20_000]));
    for codec in [
        Compression::SNAPPY,
        Compression::GZIP(Default::default()),
        Compression::LZ4_RAW,
        Compression::ZSTD(Default::default()),
    ] {
        let p = dir.path().join("z.parquet");
        let schema =
            std::sync::Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
                "z",
                arrow_schema::DataType::Float64,
                false,
            )]));
        let batch = arrow_array::RecordBatch::try_new(schema.clone(), vec![zeros.clone()]).unwrap();
        let props = parquet::file::properties::WriterProperties::builder()
            .set_compression(codec)
            .set_dictionary_enabled(false)
            .build();
        let f = std::fs::File::create(&p).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(f, schema, Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let m = read_matrix::<f64>(&p, &ReadOptions::default()).unwrap();
        assert_eq!(m.n_rows(), 20_000, "{codec}");
        // The header after "PAR1": field 1 (type 0), field 2 (160,000: zigzag varint
        // 0x80 0xc4 0x13).
        let mut bytes = std::fs::read(&p).unwrap();
        assert_eq!(
            bytes[4..10],
            [0x15, 0x00, 0x15, 0x80, 0xc4, 0x13],
            "{codec}"
        );
        bytes[7..10].copy_from_slice(&[0xfe, 0xff, 0x7f]);
        std::fs::write(&p, &bytes).unwrap();
        let e = whole_err(&p);
        let msg = e.to_string();
        assert!(
            matches!(e.kind(), partitive_io::IoErrorKind::Malformed),
            "{msg}"
        );
        assert!(
            msg.contains(
                "column 'z': page header at byte 4: a page claims 1048575 bytes uncompressed"
            ),
            "{msg}"
        );
        assert_eq!(stream_err(&p, 7), msg);
        let e = partitive_io::ParquetRows::open(&p, &ReadOptions::default())
            .err()
            .expect("refused");
        assert_eq!(e.to_string(), msg);
    }
}

/// fuzz `gzip` (sixth round): a header of many empty fields over many short lines. The
/// reader allocated `lines × fields` values for a batch of lines before parsing it — a
/// 165-byte gzip file asked for more than 512 MiB. A line of L bytes holds at most L + 1
/// fields, so rows are now allocated only up to the first line too short to be a row.
/// Here: 100,000 fields over 16,000 one-byte lines would be 12.8 GB; the read must refuse
/// line 2 as ragged, on every path, without the allocation (above this binary's 1 GiB
/// limit: an abort).
#[test]
fn wide_header_over_short_lines_allocates_nothing_large() {
    let mut text = (0..100_000)
        .map(|j| format!("c{j}"))
        .collect::<Vec<_>>()
        .join(",");
    text.push('\n');
    for _ in 0..16_000 {
        text.push_str("1\n");
    }
    let dir = tempfile::tempdir().unwrap();
    let p = file(dir.path(), "a.csv", text.as_bytes());
    let e = whole_err(&p);
    assert_eq!(e.line(), Some(2), "{e}");
    assert!(
        e.to_string().contains("expected 100000 fields, found 1"),
        "{e}"
    );
    for rows in [1, 5000, 1 << 20] {
        assert_eq!(stream_err(&p, rows), e.to_string(), "chunks of {rows}");
    }
}
