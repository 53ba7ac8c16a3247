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
