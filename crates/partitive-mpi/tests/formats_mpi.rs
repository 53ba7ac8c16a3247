//! `partitive-mpi` on CSV (plain and gzipped) and Parquet input against `partitive` on the
//! same file: labels (and k-means centers, auto's confidences) byte for byte; a bad value in one rank's rows.
//!
//! Needs `mpirun` (Open MPI) and the `partitive` binary (see `kmeans_mpi.rs`).

mod common;

use common::{blobs, mpi, mpirun, ok, partitive, CHUNK};
use partitive::Mat;
use std::path::{Path, PathBuf};
use std::process::Command;

fn write(dir: &Path, name: &str, v: Vec<f64>, n: usize, d: usize) -> PathBuf {
    let p = dir.join(name);
    partitive_io::write_matrix(&p, Mat::from_vec(v, n, d).unwrap().view()).unwrap();
    p
}

/// `partitive CMD input FIT` once, then `mpirun -np N partitive-mpi CMD input FIT` for N
/// in 1..=3 (2 threads on 1 rank, 1 thread else): the same bytes in every file of `outs`
/// (flag, file extension).
fn compare(cmd: &str, input: &Path, fit: &[&str], outs: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let flags = |tag: &str| -> Vec<String> {
        let mut v = vec!["--quiet".to_string()];
        for (flag, ext) in outs {
            v.push(flag.to_string());
            v.push(
                dir.path()
                    .join(format!("{tag}.{ext}"))
                    .display()
                    .to_string(),
            );
        }
        v
    };
    let mut single = Command::new(partitive());
    single.arg(cmd).arg(input).args(fit).args(flags("one"));
    ok(single.output().unwrap());
    for np in 1..=3 {
        let tag = format!("np{np}");
        let mut args: Vec<String> = vec![cmd.into(), input.display().to_string()];
        args.extend(fit.iter().map(|s| s.to_string()));
        args.extend(flags(&tag));
        args.extend(["--threads".into(), if np == 1 { "2" } else { "1" }.into()]);
        let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        ok(mpi(np, &args).output().unwrap());
        for (flag, ext) in outs {
            let read = |t: &str| std::fs::read(dir.path().join(format!("{t}.{ext}"))).unwrap();
            assert!(
                read("one") == read(&tag),
                "{flag} differs: {cmd} {input:?} on {np} ranks"
            );
        }
    }
}

#[test]
fn csv_gzipped_csv_and_parquet_give_the_single_process_bytes() {
    let Some(_) = mpirun() else { return };
    let dir = tempfile::tempdir().unwrap();
    let n = 3 * CHUNK + 611;
    let v = blobs(n, 3, 5, 7);
    let kmeans = [
        ("--labels-out", "labels.txt"),
        ("--centers-out", "centers.csv"),
    ];
    for name in ["x.csv", "x.csv.gz", "x.parquet"] {
        let input = write(dir.path(), name, v.clone(), n, 3);
        compare("kmeans", &input, &["-k", "5", "--seed", "3"], &kmeans);
    }
    let csv = dir.path().join("x.csv");
    let labels = [("--labels-out", "labels.txt")];
    compare("gmm", &csv, &["-k", "5", "--covariance", "diag"], &labels);
    let parquet = dir.path().join("x.parquet");
    let fit = ["-k", "4", "--algorithm", "clara"];
    compare("kmedoids", &parquet, &fit, &labels);
    let auto = [
        ("--labels-out", "labels.txt"),
        ("--confidence-out", "confidence.csv"),
    ];
    compare("auto", &csv, &[], &auto);
    compare("auto", &parquet, &[], &labels);
}

#[test]
fn a_bad_value_in_one_ranks_rows_is_one_error_line_naming_the_line() {
    let Some(_) = mpirun() else { return };
    let dir = tempfile::tempdir().unwrap();
    let n = 3 * CHUNK;
    let input = write(dir.path(), "x.csv", blobs(n, 2, 3, 1), n, 2);
    let text = std::fs::read_to_string(&input).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let at = lines.len() - 10; // in the rows of the last of 3 ranks
    lines[at] = format!("{},oops", lines[at].split(',').next().unwrap());
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("labels.txt");
    let args = [
        "kmeans",
        input.to_str().unwrap(),
        "-k",
        "3",
        "--labels-out",
        out.to_str().unwrap(),
    ];
    let run = mpi(3, &args).output().unwrap();
    assert_eq!(run.status.code(), Some(2), "{run:?}");
    let err = String::from_utf8_lossy(&run.stderr);
    let errors: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("partitive-mpi: error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{err}");
    // The reader's message: the file and the line (1-based) of the bad field.
    assert!(errors[0].contains("x.csv"), "{err}");
    assert!(errors[0].contains(&format!("{}", at + 1)), "{err}");
    assert!(!out.exists(), "nothing written");
}

/// `v` (`n × d`) as Parquet with row groups of `group` rows.
fn write_parquet(path: &Path, v: &[f64], n: usize, d: usize, group: usize) {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch};
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;
    let fields: Vec<Field> = (0..d)
        .map(|j| Field::new(format!("c{j}"), DataType::Float64, false))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let cols: Vec<ArrayRef> = (0..d)
        .map(|j| Arc::new(Float64Array::from_iter_values((0..n).map(|i| v[i * d + j]))) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), cols).unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(group))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, schema, Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// Rows of 10 chunks and a part: on 2 and 3 ranks the byte spans of the text split end
/// mid-line, and a rank's first row (a chunk boundary) lies in its left neighbour's span.
const N_SPLIT: usize = 10 * CHUNK + 300;

#[test]
fn byte_spans_and_row_groups_give_the_single_process_bytes() {
    let Some(_) = mpirun() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (n, d) = (N_SPLIT, 3);
    let v = blobs(n, d, 4, 11);
    let csv = write(dir.path(), "x.csv", v.clone(), n, d);
    // The split the ranks make: cuts mid-line, rank starts in another rank's span.
    let opts = partitive_io::ReadOptions::default();
    let bytes = std::fs::read(&csv).unwrap();
    for np in [2, 3] {
        let f = partitive_io::TextRows::open(&csv, &opts).unwrap().unwrap();
        let spans = f.spans(np);
        for r in 1..np {
            assert_ne!(
                bytes[r * bytes.len() / np - 1],
                b'\n',
                "{np}: a mid-line cut"
            );
        }
        let records: Vec<usize> = spans.iter().map(|s| f.count(s.clone()).records).collect();
        let first_row = |r: usize| r * n.div_ceil(CHUNK) / np * CHUNK;
        // Data row i is record i + 1 (after the header).
        let in_left = (1..np).any(|r| first_row(r) + 1 < records[..r].iter().sum::<usize>());
        assert!(in_left, "{np}: records per span {records:?}");
    }
    let kmeans = [
        ("--labels-out", "labels.txt"),
        ("--centers-out", "centers.csv"),
    ];
    compare("kmeans", &csv, &["-k", "4", "--seed", "5"], &kmeans);
    let labels = [("--labels-out", "labels.txt")];
    compare("gmm", &csv, &["-k", "4", "--covariance", "diag"], &labels);
    // A header-less TSV, with comments and blank lines.
    let tsv = dir.path().join("x.tsv");
    let mut text = String::new();
    for (i, row) in v.chunks(d).enumerate() {
        if i % 1000 == 3 {
            text.push_str("# note\n\n");
        }
        let cells: Vec<String> = row.iter().map(|x| format!("{x}")).collect();
        text.push_str(&cells.join("\t"));
        text.push('\n');
    }
    std::fs::write(&tsv, text).unwrap();
    compare("kmeans", &tsv, &["-k", "4", "--seed", "5"], &kmeans);
    // Parquet with row groups of 3000 rows (not a multiple of the chunk).
    let pq = dir.path().join("x.parquet");
    write_parquet(&pq, &v, n, d, 3000);
    compare("kmeans", &pq, &["-k", "4", "--seed", "5"], &kmeans);
    let auto = [
        ("--labels-out", "labels.txt"),
        ("--confidence-out", "confidence.csv"),
    ];
    compare("auto", &pq, &[], &auto);
}

/// The one error line of a failed run, after `error: `.
fn error_of(run: &std::process::Output) -> String {
    let err = String::from_utf8_lossy(&run.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    lines[0].split_once(": error: ").unwrap().1.to_string()
}

#[test]
fn a_bad_value_in_the_last_ranks_span_is_partitives_message() {
    let Some(_) = mpirun() else { return };
    let dir = tempfile::tempdir().unwrap();
    let n = N_SPLIT;
    let input = write(dir.path(), "x.csv", blobs(n, 2, 3, 2), n, 2);
    let text = std::fs::read_to_string(&input).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let at = lines.len() - 100; // in the last rank's rows and byte span
    lines[at] = format!("{},1e999", lines[at].split(',').next().unwrap());
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("labels.txt");
    let args = |bin: &str| {
        vec![
            bin.to_string(),
            "kmeans".into(),
            input.display().to_string(),
            "-k".into(),
            "3".into(),
            "--labels-out".into(),
            out.display().to_string(),
        ]
    };
    let single = Command::new(partitive())
        .args(&args("")[1..])
        .output()
        .unwrap();
    assert_eq!(single.status.code(), Some(2), "{single:?}");
    let want = error_of(&single);
    assert!(want.contains(&format!(":{}:2:", at + 1)), "{want}");
    for np in 1..=3 {
        let a = args("");
        let a: Vec<&str> = a[1..].iter().map(|s| s.as_str()).collect();
        let run = mpi(np, &a).output().unwrap();
        assert_eq!(run.status.code(), Some(2), "{run:?}");
        assert_eq!(error_of(&run), want, "{np} ranks");
        assert!(!out.exists(), "nothing written");
    }
    // Bad values in the rows of ranks 1 and 2 of 3 (of rank 1 of 2): the first in row
    // order is reported, as `partitive` reports it.
    let first = lines.len() / 2;
    lines[first] = format!("{},word", lines[first].split(',').next().unwrap());
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let single = Command::new(partitive())
        .args(&args("")[1..])
        .output()
        .unwrap();
    let want = error_of(&single);
    assert!(want.contains(&format!(":{}:2:", first + 1)), "{want}");
    for np in [2, 3] {
        let a = args("");
        let a: Vec<&str> = a[1..].iter().map(|s| s.as_str()).collect();
        let run = mpi(np, &a).output().unwrap();
        assert_eq!(run.status.code(), Some(2), "{run:?}");
        assert_eq!(error_of(&run), want, "{np} ranks");
        assert!(!out.exists(), "nothing written");
    }
}
