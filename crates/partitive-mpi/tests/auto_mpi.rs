//! `mpirun -np 1|2|3 partitive-mpi auto` against `partitive auto` on the same `.npy`
//! files: labels and confidences byte for byte, the summary's numbers bit for bit; bad
//! input.
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
        "--confidence-out".into(),
        p("confidence.txt"),
        "--summary-out".into(),
        p("json"),
        "--quiet".into(),
    ]
}

/// Labels, confidences and the summary of a run that wrote into `dir` with `tag`.
fn outputs(dir: &Path, tag: &str) -> (Vec<u8>, Vec<u8>, serde_json::Value) {
    let read = |s: &str| std::fs::read(dir.join(format!("{tag}.{s}"))).unwrap();
    (
        read("labels.txt"),
        read("confidence.txt"),
        serde_json::from_slice(&read("json")).unwrap(),
    )
}

/// `partitive auto` once, then `partitive-mpi auto` on each `(ranks, threads)`: the
/// same bytes, and the same summary numbers, bits. The summary of the last run.
fn compare(input: &Path, fit: &[&str], runs: &[(usize, usize)]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let mut single = Command::new(partitive());
    single
        .arg("auto")
        .arg(input)
        .args(fit)
        .args(out_flags(dir.path(), "one"));
    ok(single.output().unwrap());
    let (labels, confidence, summary) = outputs(dir.path(), "one");
    let mut last = serde_json::Value::Null;
    for &(np, threads) in runs {
        let tag = format!("np{np}t{threads}");
        let mut args: Vec<String> = vec!["auto".into(), input.display().to_string()];
        args.extend(fit.iter().map(|s| s.to_string()));
        args.extend(out_flags(dir.path(), &tag));
        args.extend(["--threads".into(), threads.to_string()]);
        let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        ok(mpi(np, &args).output().unwrap());
        let (l, c, s) = outputs(dir.path(), &tag);
        let at = format!("{np} ranks, {threads} threads, {input:?} {fit:?}");
        assert!(l == labels, "labels differ: {at}");
        assert!(c == confidence, "confidences differ: {at}");
        for key in ["clusterability", "mean_confidence"] {
            let bits = |v: &serde_json::Value| v[key].as_f64().unwrap().to_bits();
            assert_eq!(bits(&s), bits(&summary), "{key}: {at}");
        }
        for key in [
            "k",
            "n",
            "d",
            "cluster_sizes",
            "n_separable",
            "n_fit",
            "selected",
        ] {
            assert_eq!(s[key], summary[key], "{key}: {at}");
        }
        assert_eq!(s["ranks"], np, "{at}");
        last = s;
    }
    last
}

/// `k` squares of side 3 on a 2-D grid 20 apart, `per` rows each, in cluster order.
fn grid(k: usize, per: usize) -> Vec<f64> {
    let side = (k as f64).sqrt().ceil() as usize;
    let noise = blobs(k * per, 2, 1, 11);
    let mut v = Vec::with_capacity(k * per * 2);
    for c in 0..k {
        let (cx, cy) = (20.0 * (c % side) as f64, 20.0 * (c / side) as f64);
        for i in 0..per {
            let r = 2 * (c * per + i);
            v.extend([cx + noise[r], cy + noise[r + 1]]);
        }
    }
    v
}

#[test]
fn auto_matches_one_process_for_ranks_threads_and_precisions() {
    let Some(_) = mpirun() else { return };
    let dir = tempfile::tempdir().unwrap();
    let n = 3 * CHUNK + 1234;
    let input = npy_f64(dir.path(), "x.npy", blobs(n, 3, 5, 1), n, 3);
    let runs = [(1, 1), (2, 1), (2, 2), (3, 1), (3, 2)];
    let s = compare(&input, &[], &runs);
    assert!(s["k"].as_u64().unwrap() >= 2, "{s}");
    compare(&input, &["--min-cluster-size", "2000"], &[(3, 1)]);
    let input = npy_f32(dir.path(), "x32.npy", blobs(n, 2, 4, 2), n, 2);
    compare(&input, &[], &[(2, 1), (3, 2)]);
    // Many clusters on two chunks: on 3 ranks the first holds no row; the fit sample
    // (4,000 rows of 4,500) grows to all rows.
    let (k, per) = (150, 30);
    let input = npy_f64(dir.path(), "grid.npy", grid(k, per), k * per, 2);
    let s = compare(&input, &[], &[(3, 2)]);
    assert_eq!(
        s["fit_sample_sizes"],
        serde_json::json!([4000, 4500]),
        "{s}"
    );
    assert_eq!(s["k"], k, "{s}");
}

#[test]
fn bad_input_ends_every_rank_with_one_error_line() {
    let Some(_) = mpirun() else { return };
    let dir = tempfile::tempdir().unwrap();
    let n = 3 * CHUNK;
    let mut v = blobs(n, 2, 3, 3);
    let bad = 2 * CHUNK + 5; // in the rows of the last of 3 ranks
    v[bad * 2 + 1] = f64::NAN;
    let nan = npy_f64(dir.path(), "nan.npy", v, n, 2);
    let good = npy_f64(dir.path(), "x.npy", blobs(n, 2, 3, 3), n, 2);
    let labels = dir.path().join("labels.txt");
    let out = labels.to_str().unwrap();
    let missing = dir.path().join("missing.npy");
    for (input, args, says) in [
        // The reader's message: 1-based row and column.
        (
            &nan,
            vec![],
            format!("non-finite value 'NaN' at row {}, column 2", bad + 1),
        ),
        (
            &good,
            vec!["--min-cluster-size", "0"],
            "min_cluster_size".into(),
        ),
        (
            &good,
            vec!["--min-cluster-size", "-3"],
            "min-cluster-size".into(),
        ),
        (&missing, vec![], "missing.npy".into()),
    ] {
        let mut all = vec!["auto", input.to_str().unwrap(), "--labels-out", out];
        all.extend(args);
        let run = mpi(3, &all).output().unwrap();
        assert_eq!(run.status.code(), Some(2), "{all:?}: {run:?}");
        let err = String::from_utf8_lossy(&run.stderr);
        let lines: Vec<&str> = err
            .lines()
            .filter(|l| l.starts_with("partitive-mpi: error:"))
            .collect();
        assert_eq!(lines.len(), 1, "{all:?}: {err}");
        assert!(lines[0].contains(&says), "{all:?}: {err}");
        assert!(!labels.exists(), "nothing written: {all:?}");
    }
}
