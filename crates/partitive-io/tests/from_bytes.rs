//! The in-memory entry points (`*_from_bytes`, used by the fuzz targets) agree with the
//! file readers: same values bit for bit, same names, same errors (the file's directory
//! aside), on every input of the kept fuzz corpora (each input's first two bytes are the
//! fuzz targets' config and are skipped here; default options).

use std::path::{Path, PathBuf};

use partitive_io::{
    for_each_chunk, for_each_chunk_from_bytes, native_float_width, native_float_width_from_bytes,
    read_matrix, read_matrix_from_bytes, read_mixed, read_mixed_from_bytes, read_table,
    read_table_from_bytes, CategoricalColumns, IoError, ReadOptions,
};

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    // Every 4th input keeps the test short; the corpora have hundreds.
    names
        .iter()
        .step_by(4)
        .map(|p| std::fs::read(p).unwrap())
        .filter(|b| b.len() >= 2)
        .map(|b| b[2..].to_vec())
        .collect()
}

/// The message with the file's directory removed (the in-memory name has none).
fn msg<T>(r: &Result<T, IoError>, dir: &Path) -> Option<String> {
    r.as_ref()
        .err()
        .map(|e| e.to_string().replace(&format!("{}/", dir.display()), ""))
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn check(target: &str, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let opts = ReadOptions::default();
    let inputs = corpus(target);
    assert!(inputs.len() > 10, "{target}: corpus too small");
    let mut ok = 0;
    for bytes in inputs {
        std::fs::write(&path, &bytes).unwrap();
        let name = Path::new(name);
        let (f, m) = (
            read_matrix::<f64>(&path, &opts),
            read_matrix_from_bytes::<f64>(name, &bytes, &opts),
        );
        assert_eq!(
            msg(&f, dir.path()),
            msg(&m, dir.path()),
            "{target}: {bytes:?}"
        );
        if let (Ok(f), Ok(m)) = (&f, &m) {
            ok += 1;
            assert_eq!(bits(f.view().as_slice()), bits(m.view().as_slice()));
            assert_eq!((f.n_rows(), f.n_cols()), (m.n_rows(), m.n_cols()));
            assert_eq!(f.column_names(), m.column_names());
            assert_eq!(f.is_memory_mapped(), m.is_memory_mapped());
        }
        let (f, m) = (
            read_table::<f32>(&path, &opts),
            read_table_from_bytes::<f32>(name, &bytes, &opts),
        );
        assert_eq!(msg(&f, dir.path()), msg(&m, dir.path()));
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let (f, m) = (
            for_each_chunk::<f64>(&path, &opts, 3, |c| {
                a.extend_from_slice(c.as_slice());
                Ok(())
            }),
            for_each_chunk_from_bytes::<f64>(name, &bytes, &opts, 3, |c| {
                b.extend_from_slice(c.as_slice());
                Ok(())
            }),
        );
        assert_eq!(msg(&f, dir.path()), msg(&m, dir.path()));
        assert_eq!(f.ok(), m.ok());
        assert_eq!(bits(&a), bits(&b));
        let (f, m) = (
            native_float_width(&path),
            native_float_width_from_bytes(name, &bytes),
        );
        assert_eq!(msg(&f, dir.path()), msg(&m, dir.path()));
        assert_eq!(f.ok(), m.ok());
        let cat = CategoricalColumns::Auto;
        let (f, m) = (
            read_mixed(&path, &opts, &cat),
            read_mixed_from_bytes(name, &bytes, &opts, &cat),
        );
        assert_eq!(msg(&f, dir.path()), msg(&m, dir.path()));
        if let (Ok(f), Ok(m)) = (f, m) {
            assert_eq!(f.view().as_slice(), m.view().as_slice());
        }
    }
    assert!(ok > 0, "{target}: no input read successfully");
}

#[test]
fn text_from_bytes_matches_files() {
    check("text", "f.csv");
}

#[test]
fn gzip_from_bytes_matches_files() {
    check("gzip", "f.csv.gz");
}

#[test]
fn npy_from_bytes_matches_files() {
    check("npy", "f.npy");
}

#[test]
fn parquet_from_bytes_matches_files() {
    check("parquet", "f.parquet");
}

#[test]
fn bytes_are_never_missing() {
    let e =
        read_matrix::<f64>(Path::new("/no/such/dir/x.csv"), &ReadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("x.csv"), "{e}");
    let d = read_matrix_from_bytes::<f64>(
        Path::new("/no/such/dir/x.csv"),
        b"a,b\n1,2\n",
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(d.view().as_slice(), &[1.0, 2.0]);
    let e = read_matrix_from_bytes::<f64>(Path::new("x.npy"), b"", &ReadOptions::default())
        .unwrap_err();
    assert!(e.to_string().starts_with("x.npy"), "{e}");
}
