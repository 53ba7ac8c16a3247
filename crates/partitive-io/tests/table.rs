//! `read_table`: ID columns, excluded and skipped columns, missing values, decimal commas,
//! the pandas index; and the frame writers.

use partitive_io::{
    read_table, write_frame_into, AtomicFile, Column, Frame, HeaderMode, IoErrorKind,
    MissingPolicy, ReadOptions, Values,
};

fn file(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    (dir, p)
}

const CUSTOMERS: &str = "customer_id,age,name,income\n\
                         IR00000,30,Ann,1.5\n\
                         IR00001,40,Bob,2.5\n\
                         IR00002,50,Cy,3.5\n";

#[test]
fn text_columns_skipped_id_carried() {
    let (_d, p) = file("c.csv", CUSTOMERS);
    let opts = ReadOptions {
        skip_text_columns: true,
        id_column: Some("customer_id".into()),
        ..ReadOptions::default()
    };
    let t = read_table::<f64>(&p, &opts).unwrap();
    assert_eq!(t.data.column_names().unwrap(), ["age", "income"]);
    assert_eq!(t.data.view().row(2), &[50.0, 3.5]);
    let ids = t.info.ids.unwrap();
    assert_eq!(
        (ids.name.as_str(), ids.values[1].as_str()),
        ("customer_id", "IR00001")
    );
    assert_eq!(t.info.skipped.len(), 1);
    assert_eq!(t.info.skipped[0].name.as_deref(), Some("name"));
    assert_eq!(t.info.skipped[0].line, Some(2));
    assert_eq!(t.info.fields, [1, 3]);
    // without an ID column, the text ID column is skipped like any text column
    let opts = ReadOptions {
        skip_text_columns: true,
        ..ReadOptions::default()
    };
    let t = read_table::<f64>(&p, &opts).unwrap();
    assert_eq!(t.info.skipped.len(), 2);
    // asking for a text column by name is an error naming it
    let opts = ReadOptions {
        skip_text_columns: true,
        columns: Some(vec!["age".into(), "customer_id".into()]),
        ..ReadOptions::default()
    };
    let e = read_table::<f64>(&p, &opts).unwrap_err();
    assert!(
        e.to_string()
            .contains("invalid columns: not numeric: 'customer_id' ('IR00000' on line 2)"),
        "{e}"
    );
    // exclude by name
    let opts = ReadOptions {
        skip_text_columns: true,
        exclude: vec!["income".into()],
        ..ReadOptions::default()
    };
    assert_eq!(
        read_table::<f64>(&p, &opts)
            .unwrap()
            .data
            .column_names()
            .unwrap(),
        ["age"]
    );
}

#[test]
fn pandas_index_is_the_id() {
    let (_d, p) = file("p.csv", ",x,y\n0,1.0,2.0\n1,3.0,4.0\n2,5.0,6.5\n");
    let t = read_table::<f64>(&p, &ReadOptions::default()).unwrap();
    assert_eq!(t.data.n_cols(), 2);
    let ids = t.info.ids.unwrap();
    assert!(ids.unnamed_first_column && ids.is_row_range());
}

#[test]
fn missing_values_error_or_drop() {
    let text = "a,b\n1,2\nNA,3\n4,\n5,?\n6,7\n";
    let (_d, p) = file("m.csv", text);
    let e = read_table::<f64>(&p, &ReadOptions::default()).unwrap_err();
    assert!(matches!(e.kind(), IoErrorKind::Missing { .. }), "{e}");
    assert!(
        e.to_string().ends_with("m.csv:3:1: missing value 'NA'"),
        "{e}"
    );
    let opts = ReadOptions {
        missing: MissingPolicy::Drop,
        ..ReadOptions::default()
    };
    let t = read_table::<f32>(&p, &opts).unwrap();
    assert_eq!(t.data.view().as_slice(), &[1.0, 2.0, 6.0, 7.0]);
    assert_eq!(t.info.n_file_rows, 5);
    let rows: Vec<usize> = t.info.dropped.iter().map(|r| r.row).collect();
    assert_eq!(rows, [1, 2, 3]);
    assert_eq!(t.info.dropped[1].line, Some(4));
    assert_eq!(t.info.dropped[1].column, 2);
    assert_eq!(t.info.kept_rows(), [0, 4]);
    // many rows: compaction across parallel sub-batches keeps the order
    let mut big = String::from("a,b\n");
    for i in 0..5000 {
        if i % 7 == 3 {
            big.push_str(&format!("{i},NaN\n"));
        } else {
            big.push_str(&format!("{i},{}\n", i * 2));
        }
    }
    let (_d2, q) = file("big.csv", &big);
    let t = read_table::<f64>(&q, &opts).unwrap();
    let kept: Vec<f64> = (0..5000).filter(|i| i % 7 != 3).map(|i| i as f64).collect();
    let got: Vec<f64> = (0..t.data.n_rows())
        .map(|i| t.data.view().row(i)[0])
        .collect();
    assert_eq!(got, kept);
    assert_eq!(t.info.kept_rows().len(), kept.len());
}

#[test]
fn decimal_comma() {
    let (_d, p) = file("dc.csv", "a;b\n1,5;2,25\n-3,0;4\n");
    // the header is still found; the cell is named
    let e = read_table::<f64>(&p, &ReadOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("dc.csv:2:1: cannot parse '1,5' as a number"),
        "{e}"
    );
    assert!(partitive_io::is_decimal_comma("1,5"));
    let opts = ReadOptions {
        decimal_comma: true,
        ..ReadOptions::default()
    };
    let t = read_table::<f64>(&p, &opts).unwrap();
    assert_eq!(t.data.view().as_slice(), &[1.5, 2.25, -3.0, 4.0]);
    assert_eq!(t.data.column_names().unwrap(), ["a", "b"]);
    let _ = HeaderMode::Auto;
}

#[test]
fn npy_id_and_nan_rows() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.npy");
    let m = partitive::Mat::from_rows(&[[10.0f64, 1.0], [11.0, f64::NAN], [12.0, 3.0]]);
    partitive_io::write_matrix(&p, m.view()).unwrap();
    let opts = ReadOptions {
        id_column: Some("0".into()),
        missing: MissingPolicy::Drop,
        ..ReadOptions::default()
    };
    let t = read_table::<f64>(&p, &opts).unwrap();
    assert_eq!(t.data.view().as_slice(), &[1.0, 3.0]);
    assert_eq!(t.info.ids.unwrap().values, ["10", "11", "12"]);
    assert_eq!(t.info.dropped[0].row, 1);
}

#[test]
fn frames_by_extension() {
    let dir = tempfile::tempdir().unwrap();
    let ids = vec!["a".to_string(), "b b".to_string()];
    let frame = Frame {
        columns: vec![
            Column {
                name: "id",
                values: Values::Text(&ids),
            },
            Column {
                name: "cluster",
                values: Values::Int {
                    values: &[1, -1],
                    missing: Some(-1),
                },
            },
        ],
    };
    for name in ["o.csv", "o.tsv.gz", "o.npy", "o.parquet"] {
        let p = dir.path().join(name);
        let mut f = AtomicFile::create(&p).unwrap();
        write_frame_into(&mut f, &frame).unwrap();
        f.commit().unwrap();
        let bytes = std::fs::read(&p).unwrap();
        match name {
            "o.csv" => assert_eq!(String::from_utf8(bytes).unwrap(), "id,cluster\na,1\nb b,\n"),
            "o.tsv.gz" => assert_eq!(&bytes[..2], &[0x1f, 0x8b]),
            "o.npy" => assert_eq!(&bytes[..6], b"\x93NUMPY"),
            _ => assert_eq!(&bytes[..4], b"PAR1"),
        }
    }
    // Parquet reads back through our own reader (numeric column, null = missing)
    let p = dir.path().join("o.parquet");
    let opts = ReadOptions {
        missing: MissingPolicy::Drop,
        id_column: Some("id".into()),
        ..ReadOptions::default()
    };
    let t = read_table::<f64>(&p, &opts).unwrap();
    assert_eq!(t.data.view().as_slice(), &[1.0]);
    assert_eq!(t.info.ids.unwrap().values, ["a", "b b"]);
    assert_eq!(t.info.dropped.len(), 1);
}
