//! `partitive kmeans --stream`: the same files as the in-memory run, for gzipped CSV,
//! `.npy` and Parquet inputs and any thread count; bad input mid-stream is a one-line
//! error with nothing written.

mod common;
use common::*;

use std::io::Write;
use std::sync::Arc;

/// 140,000 rows (three stream chunks of 65,536 rows, the last partial) in 3 columns:
/// six overlapping blobs, deterministic.
fn rows() -> (Vec<f64>, usize, usize) {
    let (n, d) = (140_000, 3);
    let mut state = 99u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut v = Vec::with_capacity(n * d);
    for i in 0..n {
        let b = (i * 7 + i / 3) % 6;
        for l in 0..d {
            v.push(((b * (l + 2)) % 6) as f64 * 1.5 + 2.0 * next());
        }
    }
    (v, n, d)
}

fn write_csv_gz(path: &std::path::Path, v: &[f64], d: usize) {
    let mut text = String::from("a,b,c\n");
    for r in v.chunks(d) {
        let line: Vec<String> = r.iter().map(|x| format!("{x}")).collect();
        text.push_str(&line.join(","));
        text.push('\n');
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text.as_bytes()).unwrap();
    std::fs::write(path, enc.finish().unwrap()).unwrap();
}

fn write_npy(path: &std::path::Path, v: &[f64], n: usize, d: usize) {
    let dict = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({n}, {d}), }}");
    let pad = (64 - (10 + dict.len() + 1) % 64) % 64;
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend(((dict.len() + pad + 1) as u16).to_le_bytes());
    b.extend(dict.as_bytes());
    b.extend(std::iter::repeat_n(b' ', pad));
    b.push(b'\n');
    for x in v {
        b.extend(x.to_le_bytes());
    }
    std::fs::write(path, b).unwrap();
}

fn write_parquet(path: &std::path::Path, v: &[f64], d: usize) {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch};
    use arrow_schema::{DataType, Field, Schema};
    let fields: Vec<Field> = (0..d)
        .map(|l| Field::new(format!("c{l}"), DataType::Float64, false))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let cols: Vec<ArrayRef> = (0..d)
        .map(|l| Arc::new(Float64Array::from_iter_values(v.chunks(d).map(|r| r[l]))) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), cols).unwrap();
    // Row groups of an odd size: the stream's chunks must not follow them.
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(10_007))
        .build();
    let f = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(f, schema, Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// Labels, centers and the inertia of the summary of one run.
fn kmeans(
    s: &Scratch,
    input: &std::path::Path,
    tag: &str,
    extra: &[&str],
) -> (Vec<u8>, Vec<u8>, String) {
    let (l, c, j) = (
        s.path(&format!("{tag}.labels.txt")),
        s.path(&format!("{tag}.centers.csv")),
        s.path(&format!("{tag}.json")),
    );
    let mut args = vec![
        "kmeans",
        p(input),
        "-k",
        "5",
        "--labels-out",
        p(&l),
        "--centers-out",
        p(&c),
        "--summary-out",
        p(&j),
        "--quiet",
    ];
    args.extend(extra);
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: String = std::fs::read_to_string(&j).unwrap();
    let inertia = summary
        .split("\"inertia\":")
        .nth(1)
        .unwrap()
        .split([',', '}'])
        .next()
        .unwrap()
        .trim()
        .to_string();
    (
        std::fs::read(l).unwrap(),
        std::fs::read(c).unwrap(),
        inertia,
    )
}

#[test]
fn streamed_kmeans_writes_the_in_memory_files() {
    let s = Scratch::new();
    let (v, n, d) = rows();
    let inputs = [s.path("x.csv.gz"), s.path("x.npy"), s.path("x.parquet")];
    write_csv_gz(&inputs[0], &v, d);
    write_npy(&inputs[1], &v, n, d);
    write_parquet(&inputs[2], &v, d);
    for (i, input) in inputs.iter().enumerate() {
        for init in [
            &["--n-init", "2", "--seed", "7"][..],
            &["--init", "deterministic"][..],
        ] {
            let mem = kmeans(&s, input, &format!("m{i}"), init);
            assert_eq!(String::from_utf8_lossy(&mem.0).lines().count(), n);
            for threads in ["1", "2"] {
                let mut extra = init.to_vec();
                extra.extend(["--stream", "--threads", threads]);
                let st = kmeans(&s, input, &format!("s{i}{threads}"), &extra);
                assert!(mem.0 == st.0, "labels differ: {input:?} {init:?} {threads}");
                assert_eq!(mem.1, st.1, "centers differ: {input:?} {init:?}");
                assert_eq!(mem.2, st.2, "inertia differs: {input:?} {init:?}");
            }
        }
    }
}

#[test]
fn streamed_kmeans_bad_value_mid_file_is_one_line_and_writes_nothing() {
    let s = Scratch::new();
    let mut text = String::from("a,b\n");
    for i in 0..100_000 {
        if i == 90_000 {
            text.push_str("1.0,oops\n");
        } else {
            text.push_str(&format!("{},{}\n", i % 7, i % 11));
        }
    }
    let input = s.write("bad.csv", text.as_bytes());
    let labels = s.path("labels.txt");
    let out = run(&[
        "kmeans",
        p(&input),
        "-k",
        "3",
        "--stream",
        "--labels-out",
        p(&labels),
        "--quiet",
    ]);
    assert_user_error(&out, &["bad.csv", "90002"]);
    assert_eq!(s.listing(), vec!["bad.csv".to_string()]);
}

/// Labels and the summary of one `gmm` run.
fn gmm(
    s: &Scratch,
    input: &std::path::Path,
    tag: &str,
    extra: &[&str],
) -> (Vec<u8>, serde_json::Value) {
    let (l, j) = (
        s.path(&format!("{tag}.labels.txt")),
        s.path(&format!("{tag}.json")),
    );
    let mut args = vec![
        "gmm",
        p(input),
        "-k",
        "4",
        "--labels-out",
        p(&l),
        "--summary-out",
        p(&j),
        "--quiet",
    ];
    args.extend(extra);
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = serde_json::from_str(&std::fs::read_to_string(&j).unwrap()).unwrap();
    (std::fs::read(l).unwrap(), summary)
}

#[test]
fn streamed_gmm_writes_the_in_memory_labels_and_model() {
    let s = Scratch::new();
    let (v, n, d) = rows();
    let inputs = [s.path("x.csv.gz"), s.path("x.npy"), s.path("x.parquet")];
    write_csv_gz(&inputs[0], &v, d);
    write_npy(&inputs[1], &v, n, d);
    write_parquet(&inputs[2], &v, d);
    let kinds = ["full", "diag", "tied"];
    for (i, (input, kind)) in inputs.iter().zip(kinds).enumerate() {
        let opts = ["--covariance", kind, "--seed", "5", "--max-iter", "12"];
        let mem = gmm(&s, input, &format!("m{i}"), &opts);
        assert_eq!(String::from_utf8_lossy(&mem.0).lines().count(), n);
        for threads in ["1", "2"] {
            let mut extra = opts.to_vec();
            extra.extend(["--stream", "--threads", threads]);
            let st = gmm(&s, input, &format!("s{i}{threads}"), &extra);
            assert!(mem.0 == st.0, "labels differ: {input:?} {kind} {threads}");
            assert_eq!(st.1["streamed"], true);
            for key in [
                "n",
                "d",
                "covariance",
                "n_iter",
                "converged",
                "log_likelihood",
                "bic",
                "aic",
                "icl",
                "weights",
                "means",
                "cluster_sizes",
            ] {
                assert_eq!(mem.1[key], st.1[key], "{key}: {input:?} {kind} {threads}");
            }
        }
    }
}

#[test]
fn streamed_gmm_bad_value_mid_file_is_one_line_and_writes_nothing() {
    let s = Scratch::new();
    let mut text = String::from("a,b\n");
    for i in 0..100_000 {
        if i == 90_000 {
            text.push_str("1.0,oops\n");
        } else {
            text.push_str(&format!("{},{}\n", i % 7, i % 11));
        }
    }
    let input = s.write("bad.csv", text.as_bytes());
    let (labels, summary) = (s.path("labels.txt"), s.path("run.json"));
    let out = run(&[
        "gmm",
        p(&input),
        "-k",
        "3",
        "--stream",
        "--labels-out",
        p(&labels),
        "--summary-out",
        p(&summary),
        "--quiet",
    ]);
    assert_user_error(&out, &["bad.csv", "90002"]);
    assert_eq!(s.listing(), vec!["bad.csv".to_string()]);
}

#[test]
fn streamed_gmm_refuses_what_needs_the_rows_in_memory() {
    let s = Scratch::new();
    let input = s.write("x.csv", blobs_csv(50, &[(0.0, 0.0), (5.0, 5.0)]).as_bytes());
    let out_file = s.path("o.csv");
    let cases: [(&[&str], &str); 6] = [
        (&["--k-range", "2..3"], "-k K"),
        (
            &["-k", "2", "--covariance", "full,diag"],
            "one --covariance",
        ),
        (&["-k", "2", "--proba-out", p(&out_file)], "--proba-out"),
        (&["-k", "2", "--output", p(&out_file)], "--output"),
        (&["-k", "2", "--model-out", p(&out_file)], "--model-out"),
        (&["-k", "2", "--scale", "standard"], "--scale"),
    ];
    for (flags, needle) in cases {
        let mut args = vec!["gmm", p(&input), "--stream", "--quiet"];
        args.extend(flags);
        let out = run(&args);
        assert_user_error(&out, &[needle]);
        assert_eq!(s.listing(), vec!["x.csv".to_string()], "{flags:?}");
    }
}
