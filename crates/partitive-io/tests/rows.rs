//! Row ranges: [`ParquetRows`] (row groups) and [`TextRows`] (byte spans at line starts)
//! against the whole-file reader: the same rows, and the same message for a bad value.

mod common;

use std::fmt::Write as _;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int32Array, StringArray};
use common::{file, read64, write_parquet};
use partitive_io::{LineCount, ParquetRows, ReadOptions, TextRows};

/// Columns `a` (f64, `a[i]` replaced by `bad` at `bad.0`), `label` (text), `b` (i32).
fn columns(n: usize, bad: Option<(usize, Option<f64>)>) -> Vec<(&'static str, ArrayRef)> {
    let a: Float64Array = (0..n)
        .map(|i| match bad {
            Some((at, v)) if at == i => v,
            _ => Some(i as f64 * 0.5 - 3.0),
        })
        .collect();
    vec![
        ("a", Arc::new(a) as ArrayRef),
        (
            "label",
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| format!("r{i}")),
            )),
        ),
        (
            "b",
            Arc::new(Int32Array::from_iter_values((0..n).map(|i| i as i32 * 7))),
        ),
    ]
}

#[test]
fn parquet_ranges_across_row_groups_give_the_whole_files_rows() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("a.parquet");
    let n = 2500;
    write_parquet(&p, columns(n, None), 700);
    let whole = read64(&p).unwrap();
    let f = ParquetRows::open(&p, &ReadOptions::default()).unwrap();
    assert_eq!(f.n_rows(), n);
    assert_eq!(f.names(), &["a", "b"]);
    for (s, e) in [
        (0, 0),
        (0, 1),
        (650, 1450),
        (699, 701),
        (1400, 1400),
        (2499, 2500),
        (2100, 2500),
        (0, n),
    ] {
        let m = f.read::<f64>(s, e).unwrap();
        assert_eq!((m.n_rows(), m.n_cols()), (e - s, 2), "{s}..{e}");
        let want = &whole.view().as_slice()[s * 2..e * 2];
        assert_eq!(m.as_slice(), want, "{s}..{e}");
    }
    let f32s = f.read::<f32>(1399, 1402).unwrap();
    assert_eq!(
        f32s.as_slice(),
        &[696.5f32, 9793.0, 697.0, 9800.0, 697.5, 9807.0]
    );
    let e = f.read::<f64>(2400, 2501).unwrap_err();
    assert!(e.to_string().contains("2400..2501"), "{e}");
}

#[test]
fn parquet_errors_in_a_range_name_the_row_of_the_whole_file() {
    let d = tempfile::tempdir().unwrap();
    let opts = ReadOptions::default();
    for (name, bad) in [("null.parquet", None), ("nan.parquet", Some(f64::NAN))] {
        let p = d.path().join(name);
        write_parquet(&p, columns(3000, Some((1777, bad))), 1000);
        let whole = read64(&p).unwrap_err().to_string();
        assert!(whole.contains("1778"), "{whole}");
        let f = ParquetRows::open(&p, &opts).unwrap();
        let ranged = f.read::<f64>(1500, 2300).unwrap_err().to_string();
        assert_eq!(ranged, whole);
        // Ranges without the bad row read.
        assert_eq!(f.read::<f64>(0, 1777).unwrap().n_rows(), 1777);
        assert_eq!(f.read::<f64>(1778, 3000).unwrap().n_rows(), 1222);
    }
}

/// A CSV of `n` rows, with a byte-order mark, a header, comments, blank lines, CRLF ends
/// and a quoted field; the data row `bad` holds a word.
fn csv(n: usize, bad: Option<usize>) -> String {
    let mut s = String::from("\u{feff}# made up\nx,y,\"z\"\n");
    for i in 0..n {
        if i % 97 == 5 {
            s.push_str("\n  # a comment\r\n\t\n");
        }
        let y = match bad == Some(i) {
            true => "oops".to_string(),
            false => format!("{}", i as f64 * 0.25),
        };
        let end = if i % 3 == 0 { "\r\n" } else { "\n" };
        write!(s, "{i},{y},\"{}\"{end}", (i * 13) % 101).unwrap();
    }
    s
}

/// Every part's counts, as the ranks of a job gather them.
fn count_all(f: &TextRows, parts: usize) -> (Vec<std::ops::Range<usize>>, Vec<LineCount>) {
    let spans = f.spans(parts);
    let counts = spans.iter().map(|s| f.count(s.clone())).collect();
    (spans, counts)
}

#[test]
fn text_ranges_from_byte_spans_give_the_whole_files_rows() {
    let d = tempfile::tempdir().unwrap();
    let n = 3001;
    let text = csv(n, None);
    let p = file(d.path(), "a.csv", &text);
    let whole = read64(&p).unwrap();
    let opts = ReadOptions::default();
    for parts in [1, 2, 3, 5, 64] {
        let f = TextRows::open(&p, &opts).unwrap().unwrap();
        assert_eq!(f.names().unwrap(), &["x", "y", "z"]);
        let (spans, counts) = count_all(&f, parts);
        assert_eq!(spans.len(), parts);
        assert_eq!((spans[0].start, spans[parts - 1].end), (0, text.len()));
        for (a, b) in spans.iter().zip(&spans[1..]) {
            assert_eq!(a.end, b.start);
            assert!(b.start == text.len() || text.as_bytes()[b.start - 1] == b'\n');
        }
        let lines: usize = counts.iter().map(|c| c.lines).sum();
        assert_eq!(lines, text.lines().count());
        assert_eq!(f.n_rows(&counts).unwrap(), n);
        let x = |s: usize, e: usize| &whole.view().as_slice()[s * 3..e * 3];
        for (s, e) in [
            (0, 0),
            (0, 1),
            (1000, 2100),
            (1499, 1502),
            (3000, 3001),
            (0, n),
        ] {
            let f = TextRows::open(&p, &opts).unwrap().unwrap();
            let m = f.read::<f64>(&spans, &counts, s..e).unwrap();
            assert_eq!((m.n_rows(), m.n_cols()), (e - s, 3), "{parts}: {s}..{e}");
            assert_eq!(m.as_slice(), x(s, e), "{parts}: {s}..{e}");
        }
        let e = f.read::<f64>(&spans, &counts, 10..n + 1).unwrap_err();
        assert!(e.to_string().contains("10..3002"), "{e}");
    }
}

#[test]
fn text_ranges_refuse_spans_that_are_not_the_files() {
    // A library caller's spans are checked, not trusted: out of the file, gaps, overlaps,
    // mid-line starts and a count per span are refused as parameters (no panic).
    let d = tempfile::tempdir().unwrap();
    let text = csv(500, None);
    let p = file(d.path(), "a.csv", &text);
    let opts = ReadOptions::default();
    let f = TextRows::open(&p, &opts).unwrap().unwrap();
    let (spans, counts) = count_all(&f, 3);
    let len = text.len();
    let bad: Vec<Vec<std::ops::Range<usize>>> = vec![
        vec![],
        vec![0..len + 10],
        vec![5..len],
        vec![
            spans[0].clone(),
            spans[1].start + 1..spans[1].end,
            spans[2].clone(),
        ],
        vec![spans[0].clone(), spans[2].clone(), spans[1].clone()],
        vec![0..spans[0].end, spans[0].end..len + 1000, len + 1000..len],
        vec![spans[0].clone(), spans[1].start..spans[2].end],
    ];
    for s in &bad {
        // Counting a span beyond the file counts nothing there.
        for sp in s {
            let _ = f.count(sp.clone());
        }
        for rows in [0..10, 495..500] {
            let f = TextRows::open(&p, &opts).unwrap().unwrap();
            let e = f.read::<f64>(s, &counts, rows).unwrap_err();
            assert!(e.to_string().contains("spans"), "{s:?}: {e}");
        }
    }
    assert_eq!(f.count(len + 5..len + 9), LineCount::default());
    let ok = TextRows::open(&p, &opts).unwrap().unwrap();
    assert_eq!(ok.read::<f64>(&spans, &counts, 0..10).unwrap().n_rows(), 10);
    // The file's own spans pass, empty ones at its end without a final line ending too.
    let p = file(d.path(), "b.csv", "x,y\n1,2\n3,4");
    let f = TextRows::open(&p, &opts).unwrap().unwrap();
    let (spans, counts) = count_all(&f, 8);
    assert!(spans.iter().any(|s| s.is_empty()));
    let m = f.read::<f64>(&spans, &counts, 0..2).unwrap();
    assert_eq!(m.as_slice(), &[1.0, 2.0, 3.0, 4.0]);
}

#[test]
fn text_errors_in_a_range_name_the_line_of_the_whole_file() {
    let d = tempfile::tempdir().unwrap();
    let p = file(d.path(), "bad.csv", csv(2000, Some(1900)));
    let whole = read64(&p).unwrap_err().to_string();
    let opts = ReadOptions::default();
    for parts in [1, 3] {
        let f = TextRows::open(&p, &opts).unwrap().unwrap();
        let (spans, counts) = count_all(&f, parts);
        let e = f.read::<f64>(&spans, &counts, 1024..2000).unwrap_err();
        assert_eq!(e.to_string(), whole);
        let f = TextRows::open(&p, &opts).unwrap().unwrap();
        assert_eq!(
            f.read::<f64>(&spans, &counts, 0..1900).unwrap().n_rows(),
            1900
        );
    }
}

#[test]
fn headerless_tsv_gzip_and_no_rows() {
    let d = tempfile::tempdir().unwrap();
    let opts = ReadOptions::default();
    let tsv: String = (0..500).map(|i| format!("{i}\t{}\n", i * 2)).collect();
    let p = file(d.path(), "a.tsv", &tsv);
    let whole = read64(&p).unwrap();
    let f = TextRows::open(&p, &opts).unwrap().unwrap();
    assert!(f.names().is_none());
    let (spans, counts) = count_all(&f, 4);
    assert_eq!(f.n_rows(&counts).unwrap(), 500);
    let m = f.read::<f32>(&spans, &counts, 120..499).unwrap();
    let want: Vec<f32> = whole.view().as_slice()[240..998]
        .iter()
        .map(|&v| v as f32)
        .collect();
    assert_eq!(m.as_slice(), &want[..]);
    // A gzip stream (by name, or by content under a plain name) is not split.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, tsv.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    assert!(TextRows::open(&file(d.path(), "a.tsv.gz", &gz), &opts)
        .unwrap()
        .is_none());
    assert!(TextRows::open(&file(d.path(), "b.tsv", &gz), &opts)
        .unwrap()
        .is_none());
    // A header alone: no rows, the whole-file reader's error.
    let p = file(d.path(), "h.csv", "a,b\n\n");
    let f = TextRows::open(&p, &opts).unwrap().unwrap();
    let (_, counts) = count_all(&f, 2);
    assert_eq!(
        f.n_rows(&counts).unwrap_err().to_string(),
        read64(&p).unwrap_err().to_string()
    );
}
