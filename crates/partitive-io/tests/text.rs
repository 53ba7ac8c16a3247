//! Delimited text reading: formats, header detection, selection, every error case.

mod common;

use std::io::Write;

use common::{err, file, read64};
use partitive_io::{for_each_chunk, read_matrix, HeaderMode, IoErrorKind, ReadOptions};

fn opts(header: HeaderMode) -> ReadOptions {
    ReadOptions {
        header,
        ..ReadOptions::default()
    }
}

#[test]
fn csv_with_detected_header() {
    let d = tempfile::tempdir().unwrap();
    let p = file(d.path(), "a.csv", "x, y ,z\n1,2,3\n4.5,-6e1,.5\n");
    let m = read64(&p).unwrap();
    assert_eq!((m.n_rows(), m.n_cols()), (2, 3));
    assert_eq!(m.view().as_slice(), &[1.0, 2.0, 3.0, 4.5, -60.0, 0.5]);
    assert_eq!(m.column_names().unwrap(), &["x", "y", "z"]);
    assert!(!m.is_memory_mapped());
}

#[test]
fn csv_without_header() {
    let d = tempfile::tempdir().unwrap();
    let p = file(d.path(), "a.csv", "1,2\n3,4\n");
    let m = read64(&p).unwrap();
    assert_eq!(m.view().as_slice(), &[1.0, 2.0, 3.0, 4.0]);
    assert!(m.column_names().is_none());
}

#[test]
fn header_mode_overrides() {
    let d = tempfile::tempdir().unwrap();
    // Numeric-looking header: only `Present` treats it as a header.
    let p = file(d.path(), "a.csv", "1,2\n3,4\n");
    let m = read_matrix::<f64>(&p, &opts(HeaderMode::Present)).unwrap();
    assert_eq!(m.view().as_slice(), &[3.0, 4.0]);
    assert_eq!(m.column_names().unwrap(), &["1", "2"]);
    let p = file(d.path(), "b.csv", "a,b\n3,4\n");
    assert_eq!(
        err(&p, &opts(HeaderMode::Absent)),
        "b.csv:1:1: cannot parse 'a' as a number"
    );
}

#[test]
fn first_line_is_data_when_second_line_is_bad() {
    let d = tempfile::tempdir().unwrap();
    let p = file(d.path(), "a.csv", "1,x\n2,y\n");
    assert_eq!(
        err(&p, &ReadOptions::default()),
        "a.csv:1:2: cannot parse 'x' as a number"
    );
}

#[test]
fn tsv_semicolon_whitespace_and_explicit_delimiter() {
    let d = tempfile::tempdir().unwrap();
    let want = [1.0, 2.0, 3.0, 4.0];
    for (name, text) in [
        ("a.tsv", "a\tb\n1\t2\n3\t4\n"),
        ("b.csv", "a;b\n1;2\n3;4\n"),
        ("c.txt", "  1   2\n3\t 4  \n"),
        ("d.dat", "1 2\n3 4\n"),
        ("e.data", "\"1\",\"2\"\n\"3\",4\n"),
    ] {
        let p = file(d.path(), name, text);
        assert_eq!(read64(&p).unwrap().view().as_slice(), &want, "{name}");
    }
    let p = file(d.path(), "f.csv", "1|2\n3|4\n");
    let o = ReadOptions {
        delimiter: Some(b'|'),
        ..Default::default()
    };
    assert_eq!(read_matrix::<f64>(&p, &o).unwrap().view().as_slice(), &want);
    let o = ReadOptions {
        delimiter: Some(b' '),
        ..Default::default()
    };
    let p = file(d.path(), "g.csv", "1 \t 2\n3 4\n");
    assert_eq!(read_matrix::<f64>(&p, &o).unwrap().view().as_slice(), &want);
}

#[test]
fn comments_blank_lines_crlf_and_line_numbers() {
    let d = tempfile::tempdir().unwrap();
    let p = file(
        d.path(),
        "a.csv",
        "# made by hand\r\n\r\na,b\r\n1,2\r\n\r\n# mid\r\n3,4\r\n",
    );
    let m = read64(&p).unwrap();
    assert_eq!(m.view().as_slice(), &[1.0, 2.0, 3.0, 4.0]);
    let p = file(d.path(), "b.csv", "# c\n\na,b\n1,2\n\n# x\n3,abc\n");
    assert_eq!(
        err(&p, &ReadOptions::default()),
        "b.csv:7:2: cannot parse 'abc' as a number"
    );
}

#[test]
fn quoted_fields() {
    let d = tempfile::tempdir().unwrap();
    let p = file(
        d.path(),
        "a.csv",
        "\"a,1\",\"b \"\"q\"\"\"\n\"1.5\", \"2\"\n",
    );
    let m = read64(&p).unwrap();
    assert_eq!(m.view().as_slice(), &[1.5, 2.0]);
    assert_eq!(m.column_names().unwrap(), &["a,1", "b \"q\""]);
}

#[test]
fn f32_and_f64_from_the_same_code() {
    let d = tempfile::tempdir().unwrap();
    let p = file(d.path(), "a.csv", "0.1,16777217\n");
    let a = read_matrix::<f32>(&p, &ReadOptions::default()).unwrap();
    let b = read_matrix::<f64>(&p, &ReadOptions::default()).unwrap();
    assert_eq!(a.view().as_slice(), &[0.1f32, 16777216.0]);
    assert_eq!(b.view().as_slice(), &[0.1f64, 16777217.0]);
}

#[test]
fn gzip_and_truncated_gzip() {
    let d = tempfile::tempdir().unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    writeln!(enc, "a,b").unwrap();
    for i in 0..5000 {
        writeln!(enc, "{i},{}", i as f64 * 0.5).unwrap();
    }
    let gz = enc.finish().unwrap();
    let p = file(d.path(), "a.csv.gz", &gz);
    let m = read64(&p).unwrap();
    assert_eq!((m.n_rows(), m.n_cols()), (5000, 2));
    assert_eq!(m.view().row(4999), &[4999.0, 2499.5]);
    let p = file(d.path(), "b.csv.gz", &gz[..gz.len() / 2]);
    let e = read64(&p).unwrap_err();
    assert!(matches!(e.kind(), IoErrorKind::Truncated), "{e}");
    assert!(e.to_string().contains("b.csv.gz: truncated file"), "{e}");
    let p = file(d.path(), "c.csv.gz", "not gzip at all\n");
    let e = read64(&p).unwrap_err();
    assert!(matches!(e.kind(), IoErrorKind::Malformed), "{e}");
}

#[test]
fn error_cases_one_line_each() {
    let d = tempfile::tempdir().unwrap();
    let o = ReadOptions::default();
    let cases = [
        (
            "ragged.csv",
            "a,b,c\n1,2,3\n4,5\n",
            "ragged.csv:3: expected 3 fields, found 2",
        ),
        (
            "nonnum.csv",
            "1,2,3\n4,5,abc\n",
            "nonnum.csv:2:3: cannot parse 'abc' as a number",
        ),
        (
            "empty-cell.csv",
            "1,2\n3,\n",
            "empty-cell.csv:2:2: empty cell (missing value)",
        ),
        (
            "nan.csv",
            "1,2\nnan,4\n",
            "nan.csv:2:1: missing value 'nan'",
        ),
        (
            "inf.tsv",
            "1\t-inf\n",
            "inf.tsv:1:2: non-finite value '-inf'",
        ),
        (
            "overflow.csv",
            "1,1e400\n",
            "overflow.csv:1:2: value '1e400' is out of range for float64",
        ),
        ("empty.csv", "", "empty.csv: file is empty (no data lines)"),
        (
            "comments.csv",
            "# only\n\n# comments\n",
            "comments.csv: file is empty (no data lines)",
        ),
        (
            "header-only.csv",
            "a,b,c\n",
            "header-only.csv: no data rows",
        ),
        ("table.xlsx", "1,2\n", "table.xlsx: unknown file extension"),
    ];
    for (name, text, want) in cases {
        let p = file(d.path(), name, text);
        let got = err(&p, &o);
        assert!(got.starts_with(want), "{name}: {got}");
        assert!(!got.contains('\n'));
    }
    let e = read64(&d.path().join("missing.csv")).unwrap_err();
    assert!(matches!(e.kind(), IoErrorKind::NotFound));
    assert!(e.to_string().ends_with("missing.csv: no such file"), "{e}");
    // f32 overflow is non-finite too.
    let p = file(d.path(), "big.csv", "1e39\n");
    let e = read_matrix::<f32>(&p, &o).unwrap_err();
    assert!(matches!(e.kind(), IoErrorKind::NonFinite { .. }), "{e}");
    assert!(e.overflows_f32(), "{e}");
    assert!(
        e.to_string()
            .ends_with("big.csv:1:1: value '1e39' is out of range for float32"),
        "{e}"
    );
}

#[test]
fn column_selection() {
    let d = tempfile::tempdir().unwrap();
    let p = file(d.path(), "a.csv", "id,x,label,y\n1,2,cat,3\n4,5,dog,6\n");
    let o = ReadOptions {
        columns: Some(vec!["y".into(), "1".into()]),
        ..Default::default()
    };
    let m = read_matrix::<f64>(&p, &o).unwrap();
    assert_eq!(m.view().as_slice(), &[3.0, 2.0, 6.0, 5.0]);
    assert_eq!(m.column_names().unwrap(), &["y", "x"]);
    // Unselected non-numeric columns are fine; selected ones are not.
    let o = ReadOptions {
        columns: Some(vec!["label".into()]),
        ..Default::default()
    };
    assert_eq!(
        err(&p, &o),
        "a.csv: invalid columns: not numeric: 'label' ('cat' on line 2) (an identifier belongs \
         in the ID column; text categories need Gower's dissimilarity)"
    );
    let o = ReadOptions {
        columns: Some(vec!["nope".into()]),
        ..Default::default()
    };
    assert_eq!(
        err(&p, &o),
        "a.csv: invalid columns: no column named 'nope'"
    );
    let p = file(d.path(), "b.csv", "1,2\n3,4\n");
    let o = ReadOptions {
        columns: Some(vec!["x".into()]),
        ..Default::default()
    };
    assert!(err(&p, &o).contains("'x' is not a column index"));
    let o = ReadOptions {
        columns: Some(vec!["7".into()]),
        ..Default::default()
    };
    assert!(err(&p, &o).contains("column index 7 is out of range"));
}

#[test]
fn chunks_match_whole_read() {
    let d = tempfile::tempdir().unwrap();
    let mut text = String::from("a,b,c\n");
    for i in 0..103 {
        text.push_str(&format!("{i},{},{}\n", i * 2, i * 3));
    }
    let p = file(d.path(), "a.csv", &text);
    let whole = read64(&p).unwrap();
    let mut got = Vec::new();
    let mut sizes = Vec::new();
    let info = for_each_chunk::<f64>(&p, &ReadOptions::default(), 10, |m| {
        sizes.push(m.n_rows());
        got.extend_from_slice(m.as_slice());
        Ok(())
    })
    .unwrap();
    assert_eq!((info.n_rows, info.n_cols), (103, 3));
    assert_eq!(info.column_names.unwrap(), ["a", "b", "c"]);
    assert_eq!(sizes, [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
    assert_eq!(got, whole.view().as_slice());
}

#[test]
fn chunk_errors() {
    let d = tempfile::tempdir().unwrap();
    let p = file(d.path(), "a.csv", "1,2\n3,4\n5,x\n");
    let e = for_each_chunk::<f64>(&p, &ReadOptions::default(), 0, |_| Ok(())).unwrap_err();
    assert!(e.to_string().contains("invalid rows_per_chunk"), "{e}");
    let mut seen = 0;
    let e = for_each_chunk::<f64>(&p, &ReadOptions::default(), 2, |m| {
        seen += m.n_rows();
        Ok(())
    })
    .unwrap_err();
    assert_eq!(seen, 2);
    assert!(
        e.to_string()
            .ends_with("a.csv:3:2: cannot parse 'x' as a number"),
        "{e}"
    );
    let e = for_each_chunk::<f64>(&p, &ReadOptions::default(), 1, |_| {
        Err(partitive_io::IoError::other(&p, "stop"))
    })
    .unwrap_err();
    assert!(e.to_string().ends_with("a.csv: stop"), "{e}");
    let p = file(d.path(), "h.csv", "a,b\n");
    let e = for_each_chunk::<f64>(&p, &ReadOptions::default(), 4, |_| Ok(())).unwrap_err();
    assert!(matches!(e.kind(), IoErrorKind::NoRows), "{e}");
}

#[test]
fn parallel_parse_is_thread_count_independent() {
    let d = tempfile::tempdir().unwrap();
    let mut good = String::new();
    for i in 0..40_000 {
        good.push_str(&format!("{},{}\n", i as f64 * 0.1, -(i as f64)));
    }
    let p = file(d.path(), "good.csv", &good);
    // Two bad lines in different parallel tasks: the first in file order is reported.
    let mut lines: Vec<String> = good.lines().map(String::from).collect();
    lines[30_000] = "1,late".into();
    lines[600] = "early,1".into();
    let q = file(d.path(), "bad.csv", lines.join("\n"));
    let mut reference = None;
    for threads in [1, 2, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let (m, e) = pool.install(|| {
            (
                read_matrix::<f32>(&p, &ReadOptions::default()).unwrap(),
                read_matrix::<f32>(&q, &ReadOptions::default()).unwrap_err(),
            )
        });
        assert!(
            e.to_string()
                .ends_with("bad.csv:601:1: cannot parse 'early' as a number"),
            "{e}"
        );
        let bits: Vec<u32> = m.view().as_slice().iter().map(|x| x.to_bits()).collect();
        assert_eq!(bits.len(), 80_000);
        match &reference {
            None => reference = Some(bits),
            Some(r) => assert_eq!(r, &bits, "threads = {threads}"),
        }
    }
}
