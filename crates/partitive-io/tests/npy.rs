//! `.npy` reading: zero-copy maps, conversions, layouts, header versions, errors.

mod common;

use common::{dict, err, file, le_f32, le_f64, npy_raw, read64};
use partitive::Mat;
use partitive_io::{for_each_chunk, read_matrix, write_npy, IoErrorKind, ReadOptions};

/// Whether `ptr` lies in a mapping of the file `name` (from `/proc/self/maps`).
#[cfg(target_os = "linux")]
fn mapped_from(ptr: *const u8, name: &str) -> bool {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines().any(|l| {
        let range = l.split_whitespace().next().unwrap();
        let (a, b) = range.split_once('-').unwrap();
        let (a, b) = (
            usize::from_str_radix(a, 16).unwrap(),
            usize::from_str_radix(b, 16).unwrap(),
        );
        (a..b).contains(&(ptr as usize)) && l.ends_with(name)
    })
}

fn sample(n: usize, d: usize) -> Vec<f32> {
    (0..n * d).map(|i| (i as f32) * 0.25 - 7.0).collect()
}

#[test]
fn f32_file_is_viewed_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("zero-copy.npy");
    let v = sample(1000, 32);
    write_npy(&p, Mat::from_vec(v.clone(), 1000, 32).unwrap().view()).unwrap();
    let m = read_matrix::<f32>(&p, &ReadOptions::default()).unwrap();
    assert!(m.is_memory_mapped());
    assert_eq!((m.n_rows(), m.n_cols()), (1000, 32));
    assert_eq!(m.view().as_slice(), &v[..]);
    assert!(m.column_names().is_none());
    #[cfg(target_os = "linux")]
    assert!(mapped_from(
        m.view().as_slice().as_ptr().cast(),
        "zero-copy.npy"
    ));
}

#[test]
fn f64_file_read_as_f32_is_converted() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.npy");
    let v: Vec<f64> = vec![0.1, 2.0, -3.5, 1e10];
    write_npy(&p, Mat::from_vec(v.clone(), 2, 2).unwrap().view()).unwrap();
    let m = read_matrix::<f32>(&p, &ReadOptions::default()).unwrap();
    assert!(!m.is_memory_mapped());
    assert_eq!(m.view().as_slice(), &[0.1f32, 2.0, -3.5, 1e10]);
    let m = read_matrix::<f64>(&p, &ReadOptions::default()).unwrap();
    assert!(m.is_memory_mapped());
    assert_eq!(m.view().as_slice(), &v[..]);
}

#[test]
fn integer_big_endian_fortran_and_1d() {
    let d = tempfile::tempdir().unwrap();
    let i4: Vec<u8> = [1i32, -2, 3, 4]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let p = file(
        d.path(),
        "i4.npy",
        npy_raw(1, &dict("<i4", false, "(2, 2)"), &i4, 64),
    );
    assert_eq!(
        read64(&p).unwrap().view().as_slice(),
        &[1.0, -2.0, 3.0, 4.0]
    );
    let i8: Vec<u8> = [5i64, -6].iter().flat_map(|x| x.to_le_bytes()).collect();
    let p = file(
        d.path(),
        "i8.npy",
        npy_raw(1, &dict("<i8", false, "(2,)"), &i8, 64),
    );
    let m = read64(&p).unwrap();
    assert_eq!((m.n_rows(), m.n_cols()), (2, 1));
    assert_eq!(m.view().as_slice(), &[5.0, -6.0]);
    let be: Vec<u8> = [1.5f64, 2.5].iter().flat_map(|x| x.to_be_bytes()).collect();
    let p = file(
        d.path(),
        "be.npy",
        npy_raw(1, &dict(">f8", false, "(1, 2)"), &be, 64),
    );
    let m = read64(&p).unwrap();
    assert!(!m.is_memory_mapped());
    assert_eq!(m.view().as_slice(), &[1.5, 2.5]);
    // Column-major 2x3: columns (1,4), (2,5), (3,6).
    let f = le_f64(&[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    let p = file(
        d.path(),
        "f.npy",
        npy_raw(1, &dict("<f8", true, "(2, 3)"), &f, 64),
    );
    assert_eq!(
        read64(&p).unwrap().view().as_slice(),
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    );
}

#[test]
fn header_versions_2_and_3() {
    let d = tempfile::tempdir().unwrap();
    for major in [2u8, 3] {
        let bytes = npy_raw(
            major,
            &dict("<f4", false, "(2, 1)"),
            &le_f32(&[1.0, 2.0]),
            64,
        );
        let p = file(d.path(), &format!("v{major}.npy"), bytes);
        let m = read_matrix::<f32>(&p, &ReadOptions::default()).unwrap();
        assert!(m.is_memory_mapped());
        assert_eq!(m.view().as_slice(), &[1.0, 2.0]);
    }
}

#[test]
fn misaligned_data_fall_back_to_a_copy() {
    let d = tempfile::tempdir().unwrap();
    // Pad the header so that the data offset is not a multiple of 4.
    let mut dict_text = dict("<f4", false, "(3,)");
    while (10 + dict_text.len() + 1).is_multiple_of(4) {
        dict_text.push(' ');
    }
    let mut bytes = npy_raw(1, &dict_text, &[], 1);
    let offset = bytes.len();
    assert_ne!(offset % 4, 0);
    bytes.extend_from_slice(&le_f32(&[1.0, 2.0, 3.0]));
    let p = file(d.path(), "odd.npy", bytes);
    let m = read_matrix::<f32>(&p, &ReadOptions::default()).unwrap();
    assert!(!m.is_memory_mapped());
    assert_eq!(m.view().as_slice(), &[1.0, 2.0, 3.0]);
}

#[test]
fn error_cases() {
    let d = tempfile::tempdir().unwrap();
    let o = ReadOptions::default();
    let full = npy_raw(1, &dict("<f8", false, "(4, 2)"), &le_f64(&[0.0; 8]), 64);
    let nan = npy_raw(
        1,
        &dict("<f8", false, "(2, 2)"),
        &le_f64(&[0.0, 1.0, 2.0, f64::NAN]),
        64,
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.npy", vec![], "empty.npy: file is empty"),
        (
            "trunc.npy",
            full[..full.len() - 9].to_vec(),
            "trunc.npy: truncated file: the data hold 55 bytes, shape (4, 2) needs 64",
        ),
        (
            "head.npy",
            full[..30].to_vec(),
            "head.npy: truncated file: the .npy header is incomplete",
        ),
        (
            "magic.npy",
            b"just text\n".to_vec(),
            "magic.npy: malformed file: not a NumPy .npy file (bad magic)",
        ),
        (
            "nan.npy",
            nan,
            "nan.npy: non-finite value 'NaN' at row 2, column 2",
        ),
        (
            "rows.npy",
            npy_raw(1, &dict("<f8", false, "(0, 2)"), &[], 64),
            "rows.npy: no data rows",
        ),
        (
            "cols.npy",
            npy_raw(1, &dict("<f8", false, "(2, 0)"), &[], 64),
            "cols.npy: no columns",
        ),
        (
            "u2.npy",
            npy_raw(1, &dict("<u2", false, "(1,)"), &[0, 0], 64),
            "u2.npy: unsupported: dtype '<u2'",
        ),
    ];
    for (name, bytes, want) in cases {
        let p = file(d.path(), name, bytes);
        let got = err(&p, &o);
        assert!(got.starts_with(want), "{name}: {got}");
    }
    // Converted data are checked too (f64 -> f32 overflow is non-finite).
    let p = file(
        d.path(),
        "big.npy",
        npy_raw(1, &dict("<f8", false, "(1,)"), &le_f64(&[1e300]), 64),
    );
    let e = read_matrix::<f32>(&p, &o).unwrap_err();
    assert!(matches!(e.kind(), IoErrorKind::NonFinite { .. }), "{e}");
}

#[test]
fn column_selection_by_index() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("a.npy");
    write_npy(
        &p,
        Mat::from_rows(&[[1.0f64, 2.0, 3.0], [4.0, 5.0, 6.0]]).view(),
    )
    .unwrap();
    let o = ReadOptions {
        columns: Some(vec!["2".into(), "0".into()]),
        ..Default::default()
    };
    let m = read_matrix::<f64>(&p, &o).unwrap();
    assert_eq!(m.view().as_slice(), &[3.0, 1.0, 6.0, 4.0]);
    let o = ReadOptions {
        columns: Some(vec!["x".into()]),
        ..Default::default()
    };
    assert!(err(&p, &o).contains("no column names"));
}

#[test]
fn chunks_are_windows_of_the_map() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("chunks.npy");
    let v = sample(100, 3);
    write_npy(&p, Mat::from_vec(v.clone(), 100, 3).unwrap().view()).unwrap();
    let mut got = Vec::new();
    let mut ptrs = Vec::new();
    let info = for_each_chunk::<f32>(&p, &ReadOptions::default(), 32, |m| {
        ptrs.push(m.as_slice().as_ptr() as usize);
        got.extend_from_slice(m.as_slice());
        Ok(())
    })
    .unwrap();
    assert_eq!((info.n_rows, info.n_cols), (100, 3));
    assert_eq!(got, v);
    // Consecutive windows of one buffer, 32 rows * 3 cols * 4 bytes apart.
    assert!(
        ptrs.windows(2).all(|w| w[1] - w[0] == 32 * 3 * 4),
        "{ptrs:?}"
    );
    // Converting chunks (f32 file read as f64) give the same values.
    let mut got64 = Vec::new();
    for_each_chunk::<f64>(&p, &ReadOptions::default(), 7, |m| {
        got64.extend(m.as_slice().iter().map(|&x| x as f32));
        Ok(())
    })
    .unwrap();
    assert_eq!(got64, v);
}
