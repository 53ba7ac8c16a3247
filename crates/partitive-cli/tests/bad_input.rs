//! Every bad-input case: one-line message naming file/line/column or parameter, exit
//! code 2, no panic, no output file left behind.

mod common;
use common::*;
use std::io::Write;

fn kmeans_fails(s: &Scratch, input: &str, extra: &[&str], needles: &[&str]) {
    let labels = s.path("labels.txt");
    let mut args = vec!["kmeans", input, "--labels-out", p(&labels), "--quiet"];
    if !extra.contains(&"-k") {
        args.extend(["-k", "2"]);
    }
    args.extend(extra);
    let before = s.listing();
    let out = run(&args);
    assert_user_error(&out, needles);
    assert!(!labels.exists(), "a failed run left {}", labels.display());
    assert_eq!(before, s.listing(), "a failed run left files behind");
}

#[test]
fn missing_file() {
    let s = Scratch::new();
    let f = s.path("nope.csv");
    kmeans_fails(&s, p(&f), &[], &["nope.csv"]);
}

#[test]
fn empty_file() {
    let s = Scratch::new();
    let f = s.write("empty.csv", b"");
    kmeans_fails(&s, p(&f), &[], &["empty.csv"]);
}

#[test]
fn header_only_is_zero_rows() {
    let s = Scratch::new();
    let f = s.write("head.csv", b"a,b\n");
    kmeans_fails(&s, p(&f), &[], &["head.csv"]);
}

#[test]
fn ragged_rows() {
    let s = Scratch::new();
    let f = s.write("ragged.csv", b"1,2\n3,4\n5\n");
    kmeans_fails(&s, p(&f), &[], &["ragged.csv:3"]);
}

#[test]
fn non_numeric_cell() {
    let s = Scratch::new();
    let f = s.write("bad.csv", b"1,2\n3,abc\n5,6\n");
    kmeans_fails(&s, p(&f), &[], &["bad.csv:2:2", "abc"]);
}

#[test]
fn nan_and_inf_cells() {
    let s = Scratch::new();
    let f = s.write("nan.csv", b"1,2\n3,4\nNaN,6\n");
    kmeans_fails(&s, p(&f), &[], &["nan.csv:3:1"]);
    let f = s.write("inf.tsv", b"1\t2\n3\tinf\n5\t6\n");
    kmeans_fails(&s, p(&f), &[], &["inf.tsv:2:2"]);
}

#[test]
fn k_zero_and_k_above_n() {
    let s = Scratch::new();
    let f = s.write("ok.csv", b"1,2\n3,4\n5,6\n");
    kmeans_fails(&s, p(&f), &["-k", "0"], &["k"]);
    kmeans_fails(&s, p(&f), &["-k", "4"], &["k"]);
}

#[test]
fn unknown_extension() {
    let s = Scratch::new();
    let f = s.write("data.xyz", b"1,2\n");
    kmeans_fails(&s, p(&f), &[], &["data.xyz"]);
}

#[test]
fn truncated_gzip() {
    let s = Scratch::new();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..2000 {
        writeln!(enc, "{},{}", i, i * 2).unwrap();
    }
    let bytes = enc.finish().unwrap();
    let f = s.write("cut.csv.gz", &bytes[..bytes.len() / 2]);
    kmeans_fails(&s, p(&f), &[], &["cut.csv.gz"]);
}

fn npy_bytes(shape: (usize, usize), values: &[f32]) -> Vec<u8> {
    let header = format!(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}",
        shape.0, shape.1
    );
    let mut h = header.into_bytes();
    let total = 10 + h.len() + 1;
    let pad = (64 - total % 64) % 64;
    h.extend(std::iter::repeat_n(b' ', pad));
    h.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((h.len() as u16).to_le_bytes());
    out.extend(h);
    for v in values {
        out.extend(v.to_le_bytes());
    }
    out
}

#[test]
fn truncated_npy() {
    let s = Scratch::new();
    let vals: Vec<f32> = (0..10).map(|v| v as f32).collect();
    let f = s.write("cut.npy", &npy_bytes((10, 2), &vals));
    kmeans_fails(&s, p(&f), &[], &["cut.npy"]);
}

#[test]
fn zero_columns_npy() {
    let s = Scratch::new();
    let f = s.write("nocols.npy", &npy_bytes((5, 0), &[]));
    kmeans_fails(&s, p(&f), &[], &["nocols.npy"]);
}

#[test]
fn bad_parameters() {
    let s = Scratch::new();
    let f = s.write("ok.csv", b"1,2\n3,4\n5,6\n");
    kmeans_fails(&s, p(&f), &["--n-init", "0"], &["--n-init"]);
    kmeans_fails(&s, p(&f), &["--max-iter", "0"], &["--max-iter"]);
    kmeans_fails(&s, p(&f), &["--tol", "-1"], &["tol"]);
    kmeans_fails(&s, p(&f), &["--delimiter", "ab"], &["--delimiter"]);
    // clap's own errors are one line too with exit code 2 when there is no usage block;
    // a non-integer k is rejected by the parser.
    let out = run(&["kmeans", p(&f), "-k", "two"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn output_folder_missing() {
    let s = Scratch::new();
    let f = s.write("ok.csv", b"1,2\n3,4\n5,6\n");
    let out = run(&[
        "kmeans",
        p(&f),
        "-k",
        "2",
        "--labels-out",
        "/nonexistent/dir/l.txt",
    ]);
    assert_user_error(&out, &["--labels-out", "/nonexistent/dir"]);
}
