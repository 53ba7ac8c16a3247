//! `mpirun -np 1|2|3 partitive-mpi gmm` against `partitive gmm` on the same `.npy` files:
//! labels byte for byte, log-likelihood, criteria and weights bit for bit; bad input.
//!
//! Needs `mpirun` (Open MPI) and the `partitive` binary (see `kmeans_mpi.rs`).

mod common;

use common::{blobs, mpi, mpirun, npy_f32, npy_f64, ok, partitive, CHUNK};
use std::path::Path;
use std::process::Command;

/// The labels and the summary of a run that wrote into `dir` with `tag`.
fn outputs(dir: &Path, tag: &str) -> (Vec<u8>, serde_json::Value) {
    let read = |s: &str| std::fs::read(dir.join(format!("{tag}.{s}"))).unwrap();
    (
        read("labels.txt"),
        serde_json::from_slice(&read("json")).unwrap(),
    )
}

fn out_flags(dir: &Path, tag: &str) -> Vec<String> {
    let p = |s: &str| dir.join(format!("{tag}.{s}")).display().to_string();
    vec![
        "--labels-out".into(),
        p("labels.txt"),
        "--summary-out".into(),
        p("json"),
        "--quiet".into(),
    ]
}

/// The bits of a number (or of each number of an array) of a summary.
fn bits(v: &serde_json::Value) -> Vec<u64> {
    match v {
        serde_json::Value::Array(a) => a.iter().flat_map(bits).collect(),
        v => vec![v.as_f64().expect("a number").to_bits()],
    }
}

/// `partitive gmm` once, then `partitive-mpi gmm` on each `(ranks, threads)`: the same
/// labels, bytes, and the same numbers, bits.
fn compare(input: &Path, fit: &[&str], runs: &[(usize, usize)]) {
    let dir = tempfile::tempdir().unwrap();
    let mut single = Command::new(partitive());
    single
        .arg("gmm")
        .arg(input)
        .args(fit)
        .args(out_flags(dir.path(), "one"));
    ok(single.output().unwrap());
    let (labels, summary) = outputs(dir.path(), "one");
    for &(np, threads) in runs {
        let tag = format!("np{np}t{threads}");
        let mut args: Vec<String> = vec!["gmm".into(), input.display().to_string()];
        args.extend(fit.iter().map(|s| s.to_string()));
        args.extend(out_flags(dir.path(), &tag));
        args.extend(["--threads".into(), threads.to_string()]);
        let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        ok(mpi(np, &args).output().unwrap());
        let (got, s) = outputs(dir.path(), &tag);
        let at = format!("{np} ranks, {threads} threads, {fit:?}");
        assert!(got == labels, "labels differ: {at}");
        for key in ["log_likelihood", "bic", "aic", "icl", "weights"] {
            assert_eq!(bits(&s[key]), bits(&summary[key]), "{key}: {at}");
        }
        assert_eq!(s["n_iter"], summary["n_iter"], "{at}");
        assert_eq!(s["converged"], summary["converged"], "{at}");
        assert_eq!(s["ranks"], np, "{at}");
    }
}

#[test]
fn every_covariance_type_matches_one_process() {
    let Some(_) = mpirun() else { return };
    let dir = tempfile::tempdir().unwrap();
    let n = 3 * CHUNK + 1234;
    let input = npy_f64(dir.path(), "small.npy", blobs(n, 3, 5, 1), n, 3);
    let runs = [(1, 1), (2, 1), (3, 2)];
    for cov in ["full", "diag", "spherical", "tied"] {
        compare(
            &input,
            &["-k", "5", "--covariance", cov, "--seed", "2"],
            &runs,
        );
    }
    compare(
        &input,
        &[
            "-k",
            "4",
            "--tol",
            "1e-6",
            "--max-iter",
            "7",
            "--reg-covar",
            "1e-4",
        ],
        &[(2, 2), (3, 1)],
    );
}

#[test]
fn k_means_parallel_start_in_f32_matches_one_process() {
    let Some(_) = mpirun() else { return };
    let dir = tempfile::tempdir().unwrap();
    // n·k ≥ 2²⁰ and ≥ 64 rows per center: the k-means start is seeded by k-means||.
    let n = 17 * CHUNK + 2901;
    let input = npy_f32(dir.path(), "large.npy", blobs(n, 3, 12, 2), n, 3);
    let fit = ["-k", "16", "--covariance", "diag", "--max-iter", "10"];
    compare(&input, &fit, &[(1, 2), (2, 1), (3, 1)]);
}

#[test]
fn bad_input_on_one_rank_ends_every_rank_with_one_error_line() {
    let Some(_) = mpirun() else { return };
    let dir = tempfile::tempdir().unwrap();
    let n = 3 * CHUNK;
    let mut v = blobs(n, 2, 3, 3);
    v[(2 * CHUNK + 5) * 2 + 1] = f64::INFINITY; // in the rows of rank 2 of 3 (1-based: row 8198)
    let input = npy_f64(dir.path(), "inf.npy", v, n, 2);
    let labels = dir.path().join("labels.txt");
    let path = input.to_str().unwrap();
    let out_flag = labels.to_str().unwrap();
    for (np, args) in [
        (3, vec!["gmm", path, "-k", "3", "--labels-out", out_flag]),
        (2, vec!["gmm", path, "-k", "0"]),
        (2, vec!["gmm", path, "-k", "2", "--reg-covar", "-1"]),
        (2, vec!["gmm", path, "-k", "2", "--covariance", "round"]),
        (3, vec!["gmm", "/nonexistent/x.npy", "-k", "2"]),
    ] {
        let out = mpi(np, &args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = err
            .lines()
            .filter(|l| l.starts_with("partitive-mpi: error:"))
            .collect();
        assert_eq!(lines.len(), 1, "{args:?}: {err}");
        if args[3] == "3" {
            assert!(
                lines[0].contains("inf.npy") && lines[0].contains("row 8198, column 2"),
                "{err}"
            );
        }
    }
    assert!(!labels.exists(), "nothing written");
}
