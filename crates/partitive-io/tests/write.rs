//! Writers: labels, matrices (text round-trip exact, npy, gz), JSON; all atomic.

mod common;

use common::read64;
use partitive::Mat;
use partitive_io::{
    read_matrix, write_json, write_labels, write_matrix, write_matrix_with_names, IoErrorKind,
    ReadOptions,
};

fn awkward_f64() -> Mat<f64> {
    let v: Vec<f64> = (0..60)
        .map(|i| {
            let x = (i as f64 * 0.7311).sin() * 10f64.powi(i % 40 - 20);
            if i % 7 == 0 {
                -x
            } else {
                x
            }
        })
        .collect();
    Mat::from_vec(v, 20, 3).unwrap()
}

#[test]
fn labels_one_per_line() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("labels.txt");
    write_labels(&p, &[0, 2, 1, 10]).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "0\n2\n1\n10\n");
}

#[test]
fn text_round_trip_is_exact() {
    let d = tempfile::tempdir().unwrap();
    let m = awkward_f64();
    for name in ["m.csv", "m.tsv", "m.txt", "m.dat", "m.csv.gz", "m.npy"] {
        let p = d.path().join(name);
        write_matrix(&p, m.view()).unwrap();
        let back = read64(&p).unwrap();
        assert_eq!(back.view().as_slice(), m.as_slice(), "{name}");
    }
    let m32 = Mat::from_vec(m.as_slice().iter().map(|&x| x as f32).collect(), 20, 3).unwrap();
    let p = d.path().join("m32.csv");
    write_matrix(&p, m32.view()).unwrap();
    let back = read_matrix::<f32>(&p, &ReadOptions::default()).unwrap();
    assert_eq!(back.view().as_slice(), m32.as_slice());
    let first = std::fs::read_to_string(d.path().join("m.tsv")).unwrap();
    assert_eq!(first.lines().next().unwrap().split('\t').count(), 3);
}

#[test]
fn header_names_round_trip() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("named.csv");
    let names = vec!["x".to_string(), "y, z".to_string()];
    write_matrix_with_names(&p, Mat::from_rows(&[[1.0f64, 2.0]]).view(), Some(&names)).unwrap();
    let back = read64(&p).unwrap();
    assert_eq!(back.column_names().unwrap(), &names[..]);
    assert_eq!(back.view().as_slice(), &[1.0, 2.0]);
}

#[test]
fn bad_output_paths_leave_nothing() {
    let d = tempfile::tempdir().unwrap();
    let m = Mat::from_rows(&[[1.0f64]]);
    let e = write_matrix(&d.path().join("m.xlsx"), m.view()).unwrap_err();
    assert!(matches!(e.kind(), IoErrorKind::UnknownExtension), "{e}");
    let e = write_matrix(&d.path().join("m.npy.gz"), m.view()).unwrap_err();
    assert!(matches!(e.kind(), IoErrorKind::Unsupported), "{e}");
    let e = write_labels(&d.path().join("no/such/dir/l.txt"), &[1]).unwrap_err();
    assert!(e.to_string().contains("l.txt"), "{e}");
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
    // Parquet follows its extension (a column per feature), read back exactly.
    let p = d.path().join("m.parquet");
    write_matrix(&p, m.view()).unwrap();
    assert_eq!(read64(&p).unwrap().view().as_slice(), &[1.0]);
}

#[test]
fn json_pretty_with_newline() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("r.json");
    let v = serde_json::json!({"k": 3, "inertia": 1.5});
    write_json(&p, &v).unwrap();
    let s = std::fs::read_to_string(&p).unwrap();
    assert!(s.contains("\n  \"k\": 3") && s.ends_with("}\n"), "{s}");
    let back: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(back, v);
}
