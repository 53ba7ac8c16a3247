//! Parquet reading: numeric columns, selection, nulls, row groups and chunks.

mod common;

use std::sync::Arc;

use arrow_array::{ArrayRef, Float32Array, Float64Array, Int32Array, StringArray, UInt8Array};
use arrow_schema::DataType;
use common::{err, file, read64, write_parquet};
use partitive_io::{for_each_chunk, read_matrix, IoErrorKind, ReadOptions};

fn mixed(n: usize) -> Vec<(&'static str, ArrayRef)> {
    vec![
        (
            "a",
            Arc::new(Float64Array::from_iter_values(
                (0..n).map(|i| i as f64 + 0.5),
            )) as ArrayRef,
        ),
        (
            "label",
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| format!("r{i}")),
            )),
        ),
        (
            "b",
            Arc::new(Int32Array::from_iter_values((0..n).map(|i| -(i as i32)))),
        ),
        (
            "c",
            Arc::new(Float32Array::from_iter_values(
                (0..n).map(|i| i as f32 * 0.25),
            )) as ArrayRef,
        ),
        (
            "d",
            Arc::new(UInt8Array::from_iter_values(
                (0..n).map(|i| (i % 200) as u8),
            )),
        ),
    ]
}

#[test]
fn numeric_columns_by_default() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("a.parquet");
    write_parquet(&p, mixed(5), 2);
    let m = read64(&p).unwrap();
    assert_eq!((m.n_rows(), m.n_cols()), (5, 4));
    assert_eq!(m.column_names().unwrap(), &["a", "b", "c", "d"]);
    assert_eq!(m.view().row(3), &[3.5, -3.0, 0.75, 3.0]);
    let f = read_matrix::<f32>(&p, &ReadOptions::default()).unwrap();
    assert_eq!(f.view().row(4), &[4.5f32, -4.0, 1.0, 4.0]);
}

#[test]
fn selected_columns_in_given_order() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("a.pq");
    write_parquet(&p, mixed(4), 3);
    let o = ReadOptions {
        columns: Some(vec!["c".into(), "0".into()]),
        ..Default::default()
    };
    let m = read_matrix::<f64>(&p, &o).unwrap();
    assert_eq!(m.column_names().unwrap(), &["c", "a"]);
    assert_eq!(
        m.view().as_slice(),
        &[0.0, 0.5, 0.25, 1.5, 0.5, 2.5, 0.75, 3.5]
    );
    let o = ReadOptions {
        columns: Some(vec!["label".into()]),
        ..Default::default()
    };
    assert_eq!(
        err(&p, &o),
        "a.pq: invalid columns: not numeric: 'label' (Utf8) (an identifier belongs in the ID column; text categories need Gower's dissimilarity)"
    );
    let o = ReadOptions {
        columns: Some(vec!["zz".into()]),
        ..Default::default()
    };
    assert_eq!(err(&p, &o), "a.pq: invalid columns: no column named 'zz'");
}

#[test]
fn nulls_nan_and_degenerate_files() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("null.parquet");
    let x: ArrayRef = Arc::new(Float64Array::from(vec![
        Some(1.0),
        Some(2.0),
        None,
        Some(4.0),
    ]));
    write_parquet(&p, vec![("x", x)], 2);
    assert_eq!(
        err(&p, &ReadOptions::default()),
        "null.parquet: missing value (null) in column 'x' at row 3"
    );
    let p = d.path().join("nan.parquet");
    let x: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0, f64::INFINITY]));
    let y: ArrayRef = Arc::new(Float64Array::from(vec![1.0; 4]));
    write_parquet(&p, vec![("y", y), ("x", x)], 3);
    assert_eq!(
        err(&p, &ReadOptions::default()),
        "nan.parquet: non-finite value 'inf' at row 4, column 2"
    );
    let p = d.path().join("strings.parquet");
    write_parquet(
        &p,
        vec![("s", Arc::new(StringArray::from(vec!["a"])) as ArrayRef)],
        2,
    );
    assert_eq!(
        err(&p, &ReadOptions::default()),
        "strings.parquet: no columns: no numeric feature column left (non-numeric: 's')"
    );
    let p = d.path().join("rows.parquet");
    write_parquet(
        &p,
        vec![(
            "x",
            Arc::new(Float64Array::from(Vec::<f64>::new())) as ArrayRef,
        )],
        2,
    );
    assert_eq!(
        err(&p, &ReadOptions::default()),
        "rows.parquet: no data rows"
    );
    let p = file(d.path(), "junk.parquet", "this is not parquet");
    let e = read64(&p).unwrap_err();
    assert!(matches!(e.kind(), IoErrorKind::Malformed), "{e}");
    let p = file(d.path(), "empty.parquet", "");
    assert!(matches!(read64(&p).unwrap_err().kind(), IoErrorKind::Empty));
}

#[test]
fn chunks_span_row_groups() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("a.parquet");
    write_parquet(&p, mixed(50), 7);
    let whole = read64(&p).unwrap();
    let mut sizes = Vec::new();
    let mut got = Vec::new();
    let info = for_each_chunk::<f64>(&p, &ReadOptions::default(), 16, |m| {
        sizes.push(m.n_rows());
        got.extend_from_slice(m.as_slice());
        Ok(())
    })
    .unwrap();
    assert_eq!(sizes, [16, 16, 16, 2]);
    assert_eq!((info.n_rows, info.n_cols), (50, 4));
    assert_eq!(got, whole.view().as_slice());
    assert_eq!(DataType::Float64, DataType::Float64);
}

/// A null and a non-finite value in one file: the first in file order (row, then column)
/// is reported, by the whole-file read and by streaming in any chunk size (found by the
/// `parquet` fuzz target: the whole read reported a later null before an earlier NaN).
/// A file name, its two columns (`None`: null) and the error expected.
type BadCase = (
    &'static str,
    [Option<f64>; 3],
    [Option<f64>; 3],
    &'static str,
);

#[test]
fn first_bad_value_in_file_order_null_or_nan() {
    let d = tempfile::tempdir().unwrap();
    let cases: [BadCase; 3] = [
        (
            "nan_first.parquet",
            [Some(f64::NAN), Some(1.0), Some(2.0)],
            [Some(1.0), None, Some(3.0)],
            "nan_first.parquet: non-finite value 'NaN' at row 1, column 1",
        ),
        (
            "null_first.parquet",
            [Some(0.0), Some(f64::NAN), Some(2.0)],
            [None, Some(1.0), Some(3.0)],
            "null_first.parquet: missing value (null) in column 'x' at row 1",
        ),
        (
            "same_row.parquet",
            [Some(0.0), None, Some(2.0)],
            [Some(1.0), Some(f64::INFINITY), Some(3.0)],
            "same_row.parquet: missing value (null) in column 'a' at row 2",
        ),
    ];
    for (name, a, x, want) in cases {
        let p = d.path().join(name);
        let a: ArrayRef = Arc::new(Float64Array::from(a.to_vec()));
        let x: ArrayRef = Arc::new(Float64Array::from(x.to_vec()));
        write_parquet(&p, vec![("a", a), ("x", x)], 3);
        assert_eq!(err(&p, &ReadOptions::default()), want);
        for rows in [1, 2, 64] {
            let e =
                for_each_chunk::<f64>(&p, &ReadOptions::default(), rows, |_| Ok(())).unwrap_err();
            let dir = format!("{}/", d.path().display());
            assert_eq!(e.to_string().replace(&dir, ""), want, "chunks of {rows}");
        }
    }
}

/// A footer holding an unknown field whose container claims more elements than the footer
/// holds: the `parquet` crate's skipping loops over as many booleans as claimed (a map of
/// 2³¹ − 1 pairs of booleans: 14.6 s to open a 1.4 kB file, found after fuzz finding 5).
/// The footer is read first by a bounded reader and refused as malformed, on every path;
/// a footer with a plausible unknown field still reads.
#[test]
fn footer_claiming_more_elements_than_its_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f.parquet");
    write_parquet(&p, mixed(20), 8);
    let good = std::fs::read(&p).unwrap();
    // The footer with `field` before its stop byte.
    let with = |field: &[u8]| {
        let n = good.len();
        let len = u32::from_le_bytes(good[n - 8..n - 4].try_into().unwrap()) as usize;
        let meta = &good[n - 8 - len..n - 8];
        assert_eq!(meta.last(), Some(&0));
        let mut b = good[..n - 9].to_vec();
        b.extend_from_slice(field);
        b.push(0);
        b.extend_from_slice(&((len + field.len()) as u32).to_le_bytes());
        b.extend_from_slice(b"PAR1");
        b
    };
    // Field 100 (long form: type byte, zigzag id): a map of 2^31 - 1 boolean pairs, a list
    // of 2^31 booleans.
    for field in [
        &[0x0b, 0xc8, 0x01, 0xff, 0xff, 0xff, 0xff, 0x07, 0x11][..],
        &[0x09, 0xc8, 0x01, 0xf1, 0x80, 0x80, 0x80, 0x80, 0x08][..],
    ] {
        let f = file(dir.path(), "g.parquet", with(field));
        let e = read_matrix::<f64>(&f, &ReadOptions::default()).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e.kind(), IoErrorKind::Malformed), "{msg}");
        assert!(
            msg.contains("the footer's container claims 214748364"),
            "{msg}"
        );
        let s = for_each_chunk::<f64>(&f, &ReadOptions::default(), 3, |_| Ok(()));
        assert_eq!(s.unwrap_err().to_string(), msg);
        let r = partitive_io::ParquetRows::open(&f, &ReadOptions::default());
        assert_eq!(r.err().expect("refused").to_string(), msg);
    }
    // Field 100, a list of three i32: read past.
    let f = file(
        dir.path(),
        "h.parquet",
        with(&[0x09, 0xc8, 0x01, 0x35, 2, 4, 6]),
    );
    assert_eq!(read64(&f).unwrap().n_rows(), 20);
}
