//! `mpirun -np 1|2|3 partitive-mpi kmedoids --algorithm clara` against `partitive
//! kmedoids --algorithm clara` on the same `.npy` files: labels and medoids byte for
//! byte, loss bit for bit; refused flags and bad input.
//!
//! Needs `mpirun` (Open MPI) and the `partitive` binary (see `kmeans_mpi.rs`).

mod common;

use common::{blobs, mpi, mpirun, npy_f32, npy_f64, ok, partitive, CHUNK};
use std::path::Path;
use std::process::Command;

fn out_flags(dir: &Path, tag: &str) -> Vec<String> {
    let p = |s: &str| dir.join(format!("{tag}.{s}")).display().to_string();
    vec![
        "--labels-out".into(),
        p("labels.txt"),
        "--medoids-out".into(),
        p("medoids.txt"),
        "--summary-out".into(),
        p("json"),
        "--quiet".into(),
    ]
}

/// Labels, medoids and the loss's bits of a run that wrote into `dir` with `tag`.
fn outputs(dir: &Path, tag: &str) -> (Vec<u8>, Vec<u8>, u64, u64) {
    let read = |s: &str| std::fs::read(dir.join(format!("{tag}.{s}"))).unwrap();
    let s: serde_json::Value = serde_json::from_slice(&read("json")).unwrap();
    let bits = |k: &str| s[k].as_f64().unwrap().to_bits();
    (
        read("labels.txt"),
        read("medoids.txt"),
        bits("loss"),
        bits("initial_loss"),
    )
}

/// `partitive kmedoids --algorithm clara` once, then `partitive-mpi kmedoids` on each
/// `(ranks, threads)`: the same bytes.
fn compare(input: &Path, fit: &[&str], runs: &[(usize, usize)]) {
    let dir = tempfile::tempdir().unwrap();
    let mut single = Command::new(partitive());
    single
        .args(["kmedoids", "--algorithm", "clara"])
        .arg(input)
        .args(fit)
        .args(out_flags(dir.path(), "one"));
    ok(single.output().unwrap());
    let want = outputs(dir.path(), "one");
    for &(np, threads) in runs {
        let tag = format!("np{np}t{threads}");
        let mut args: Vec<String> = vec!["kmedoids".into(), input.display().to_string()];
        args.extend(["--algorithm".into(), "clara".into()]);
        args.extend(fit.iter().map(|s| s.to_string()));
        args.extend(out_flags(dir.path(), &tag));
        args.extend(["--threads".into(), threads.to_string()]);
        let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        ok(mpi(np, &args).output().unwrap());
        let got = outputs(dir.path(), &tag);
        let at = format!("{np} ranks, {threads} threads, {fit:?}");
        assert!(got.0 == want.0, "labels differ: {at}");
        assert!(got.1 == want.1, "medoids differ: {at}");
        assert_eq!((got.2, got.3), (want.2, want.3), "loss bits: {at}");
    }
}

#[test]
fn clara_matches_one_process_for_metrics_seeds_and_precisions() {
    let Some(_) = mpirun() else { return };
    let dir = tempfile::tempdir().unwrap();
    let n = 3 * CHUNK + 777;
    let input = npy_f64(dir.path(), "x.npy", blobs(n, 3, 6, 1), n, 3);
    let runs = [(1, 1), (2, 2), (3, 1)];
    compare(&input, &["-k", "6"], &runs);
    compare(
        &input,
        &["-k", "4", "--seed", "9", "--metric", "manhattan"],
        &runs,
    );
    compare(
        &input,
        &["-k", "5", "--metric", "cosine", "--max-iter", "3"],
        &[(3, 2)],
    );
    let input = npy_f32(dir.path(), "x32.npy", blobs(n, 2, 4, 2), n, 2);
    compare(&input, &["-k", "4", "--seed", "1"], &[(2, 1), (3, 2)]);
}

#[test]
fn refused_flags_and_bad_input_end_every_rank_with_one_error_line() {
    let Some(_) = mpirun() else { return };
    let dir = tempfile::tempdir().unwrap();
    let n = 2 * CHUNK;
    let input = npy_f64(dir.path(), "x.npy", blobs(n, 2, 3, 3), n, 2);
    let labels = dir.path().join("labels.txt");
    let (path, out) = (input.to_str().unwrap(), labels.to_str().unwrap());
    for (args, says) in [
        (vec!["-k", "3", "--algorithm", "pam"], "clara only"),
        (vec!["-k", "3", "--metric", "gower"], "gower"),
        (vec!["-k", "99999"], "exceeds the number of objects"),
        (vec!["-k", "0"], "-k"),
    ] {
        let mut all = vec!["kmedoids", path, "--labels-out", out];
        all.extend(args);
        let run = mpi(2, &all).output().unwrap();
        assert_eq!(run.status.code(), Some(2), "{all:?}: {run:?}");
        let err = String::from_utf8_lossy(&run.stderr);
        let lines: Vec<&str> = err
            .lines()
            .filter(|l| l.starts_with("partitive-mpi: error:"))
            .collect();
        assert_eq!(lines.len(), 1, "{all:?}: {err}");
        assert!(lines[0].contains(says), "{all:?}: {err}");
    }
    assert!(!labels.exists(), "nothing written");
}
