//! Issue 17, the numerical cases, as a user meets them: data of extreme magnitude
//! (cases 3–5), unchecked precomputed matrices (9), `--max-iter 0` (11) and identical
//! rows (13). Each run ends with a correct result (exit 0) or one line and exit 2 —
//! never a panic (exit 101) nor a hang.

mod common;

use common::{assert_user_error, p, Scratch, BIN};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `partitive ARGS`, failing the test (and killing the run) if it has not ended
/// after `limit` — the symptom of case 4 was a run that never ended.
fn run_bounded(args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run partitive");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > limit {
            child.kill().ok();
            panic!("partitive {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn ok(args: &[&str]) -> Output {
    let out = run_bounded(args, Duration::from_secs(120));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    out
}

/// Three well-separated blobs of 40 rows (centres 10 apart), every value × `scale`,
/// written in full precision.
fn blobs(s: &Scratch, name: &str, scale: f64) -> String {
    let mut text = String::from("x,y\n");
    let mut state = 7u64;
    let mut unit = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    for i in 0..120 {
        let (cx, cy) = [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)][i % 3];
        let (x, y) = ((cx + unit()) * scale, (cy + unit()) * scale);
        text.push_str(&format!("{x:e},{y:e}\n"));
    }
    p(&s.write(name, text.as_bytes())).to_string()
}

/// The labels file: row `i` must be with rows `i ± 3k` and apart from the others.
fn assert_three_blobs(path: &std::path::Path) {
    let labels: Vec<usize> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    assert_eq!(labels.len(), 120);
    for i in 0..120 {
        for j in 0..120 {
            assert_eq!(
                labels[i] == labels[j],
                i % 3 == j % 3,
                "rows {i}, {j}: {labels:?}"
            );
        }
    }
}

#[test]
fn case3_no_panic_on_values_near_1e155_and_beyond() {
    let s = Scratch::new();
    for scale in [1e155, 1e200, 1e300] {
        let f = blobs(&s, "big.csv", scale);
        let labels = s.path("labels.txt");
        ok(&[
            "kmeans",
            "-k",
            "3",
            "--init",
            "deterministic",
            &f,
            "--labels-out",
            p(&labels),
        ]);
        assert_three_blobs(&labels);
        for alg in [
            "pam",
            "fastpam1",
            "fasterpam",
            "alternating",
            "clara",
            "clarans",
        ] {
            ok(&[
                "kmedoids",
                "-k",
                "3",
                "--algorithm",
                alg,
                &f,
                "--labels-out",
                p(&labels),
            ]);
            assert_three_blobs(&labels);
        }
        ok(&[
            "kmedoids",
            "-k",
            "3",
            "--metric",
            "sqeuclidean",
            &f,
            "--labels-out",
            p(&labels),
            "--silhouette",
        ]);
        assert_three_blobs(&labels);
    }
}

#[test]
fn case4_auto_ends_on_huge_values() {
    let s = Scratch::new();
    for scale in [1e160, 1e200, 1e300] {
        let f = blobs(&s, "big.csv", scale);
        let labels = s.path("labels.txt");
        let out = ok(&["auto", &f, "--labels-out", p(&labels)]);
        assert!(String::from_utf8_lossy(&out.stdout).contains(" k=3 "));
        assert_three_blobs(&labels);
    }
}

#[test]
fn case5_the_same_clusters_at_any_scale() {
    let s = Scratch::new();
    let labels = s.path("labels.txt");
    // f32 beyond 1e19 (squares overflow f32), and tiny values
    for scale in [1e-30, 1e19, 1e25] {
        let f = blobs(&s, "x.csv", scale);
        for cmd in ["kmeans", "gmm"] {
            ok(&[
                cmd,
                "-k",
                "3",
                "--dtype",
                "f32",
                &f,
                "--labels-out",
                p(&labels),
            ]);
            assert_three_blobs(&labels);
        }
    }
    // f64 beyond 1e155 for k-means, tiny values for the mixture (reg_covar is relative)
    for scale in [1e-30, 1e-100, 1e155, 1e300] {
        let f = blobs(&s, "x.csv", scale);
        ok(&["kmeans", "-k", "3", &f, "--labels-out", p(&labels)]);
        assert_three_blobs(&labels);
    }
    for scale in [1e-30, 1e-100, 1e100] {
        let f = blobs(&s, "x.csv", scale);
        ok(&["gmm", "-k", "3", &f, "--labels-out", p(&labels)]);
        assert_three_blobs(&labels);
    }
    // auto at 1e100 found k = 1 before
    let f = blobs(&s, "x.csv", 1e100);
    let out = ok(&["auto", &f, "--labels-out", p(&labels)]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(" k=3 "));
    assert_three_blobs(&labels);
    // a mixture whose covariances f64 cannot hold: refused, not a wrong answer
    let f = blobs(&s, "x.csv", 1e200);
    let out = run_bounded(&["gmm", "-k", "3", &f], Duration::from_secs(60));
    assert_user_error(&out, &["covariances would overflow"]);
}

fn write_matrix(s: &Scratch, name: &str, rows: &[[f64; 3]]) -> String {
    let text: String = rows
        .iter()
        .map(|r| format!("{},{},{}\n", r[0], r[1], r[2]))
        .collect();
    p(&s.write(name, text.as_bytes())).to_string()
}

#[test]
fn case9_precomputed_matrices_are_checked() {
    let s = Scratch::new();
    let cases: [(&[[f64; 3]; 3], &str); 4] = [
        (
            &[[0.0, 1.0, 2.0], [1.5, 0.0, 3.0], [2.0, 3.0, 0.0]],
            "row 0, column 1 holds 1 but row 1, column 0 holds 1.5",
        ),
        (
            &[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [2.0, 3.0, 0.0]],
            "row 0, column 1 holds 0 but row 1, column 0 holds 1",
        ),
        (
            &[[0.0, -1.0, 2.0], [-1.0, 0.0, 3.0], [2.0, 3.0, 0.0]],
            "row 0, column 1",
        ),
        (
            &[[0.0, 1.0, 2.0], [1.0, 0.5, 3.0], [2.0, 3.0, 0.0]],
            "row 1, column 1",
        ),
    ];
    for (m, needle) in cases {
        let f = write_matrix(&s, "d.csv", m);
        for alg in ["fasterpam", "pam", "clara"] {
            let out = run_bounded(
                &[
                    "kmedoids",
                    "-k",
                    "2",
                    "--precomputed",
                    "--algorithm",
                    alg,
                    "--header",
                    "no",
                    &f,
                ],
                Duration::from_secs(60),
            );
            assert_user_error(&out, &[needle]);
        }
    }
    let f = p(&s.write("nan.csv", b"0,nan,2\nnan,0,3\n2,3,0\n")).to_string();
    let out = run_bounded(
        &["kmedoids", "-k", "2", "--precomputed", "--header", "no", &f],
        Duration::from_secs(60),
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // a symmetric matrix up to rounding is accepted
    let f = write_matrix(
        &s,
        "ok.csv",
        &[
            [0.0, 1.0, 2.0],
            [1.0000000000000002, 0.0, 3.0],
            [2.0, 3.0, 0.0],
        ],
    );
    ok(&["kmedoids", "-k", "2", "--precomputed", "--header", "no", &f]);
}

#[test]
fn case11_max_iter_zero_is_refused_by_every_engine() {
    let s = Scratch::new();
    let f = blobs(&s, "x.csv", 1.0);
    for cmd in ["kmeans", "gmm", "kmedoids"] {
        let out = run_bounded(
            &[cmd, "-k", "3", "--max-iter", "0", &f],
            Duration::from_secs(60),
        );
        assert_user_error(&out, &["--max-iter", "at least 1"]);
    }
}

#[test]
fn case13_identical_rows_each_medoid_labels_itself() {
    let s = Scratch::new();
    let f = p(&s.write("same.csv", "1,1\n".repeat(50).as_bytes())).to_string();
    let (labels, medoids) = (s.path("labels.txt"), s.path("medoids.txt"));
    for alg in ["fasterpam", "pam", "alternating", "clara"] {
        let out = ok(&[
            "kmedoids",
            "-k",
            "3",
            "--header",
            "no",
            "--algorithm",
            alg,
            &f,
            "--labels-out",
            p(&labels),
            "--medoids-out",
            p(&medoids),
        ]);
        let read = |path: &std::path::Path| -> Vec<usize> {
            std::fs::read_to_string(path)
                .unwrap()
                .lines()
                .map(|l| l.trim().parse().unwrap())
                .collect()
        };
        let (l, m) = (read(&labels), read(&medoids));
        assert_eq!(m.len(), 3);
        for (slot, &row) in m.iter().enumerate() {
            assert_eq!(
                l[row], slot,
                "{alg}: medoid row {row} is not in its own cluster"
            );
        }
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("2 of the 3 medoids coincide"), "{alg}: {err}");
    }
    // k-means: the centers coincide, and the run says so
    let out = ok(&["kmeans", "-k", "3", "--header", "no", &f]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("only 1 distinct centers for k = 3"), "{err}");
}

fn read_i64(path: &std::path::Path) -> Vec<i64> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect()
}

/// HDBSCAN labels (`-1` noise): three clusters, each row of blob `i % 3` in its
/// blob's cluster or noise, at most a tenth noise.
fn assert_three_density_blobs(path: &std::path::Path, what: &str) -> Vec<i64> {
    let labels = read_i64(path);
    assert_eq!(labels.len(), 120);
    let noise = labels.iter().filter(|&&l| l < 0).count();
    assert!(noise <= 12, "{what}: {noise} noise rows: {labels:?}");
    assert_eq!(labels.iter().max(), Some(&2), "{what}: {labels:?}");
    for i in 0..120 {
        for j in 0..120 {
            if labels[i] >= 0 && labels[j] >= 0 {
                assert_eq!(
                    labels[i] == labels[j],
                    i % 3 == j % 3,
                    "{what}: rows {i}, {j}: {labels:?}"
                );
            }
        }
    }
    labels
}

#[test]
fn hdbscan_the_same_clusters_at_any_scale() {
    let s = Scratch::new();
    let labels = s.path("labels.txt");
    let f = blobs(&s, "x.csv", 1.0);
    let mcs = ["--min-cluster-size", "10"];
    let run = |f: &str, extra: &[&str]| {
        let mut args = vec!["hdbscan", f, "--labels-out", p(&labels)];
        args.extend_from_slice(&mcs);
        args.extend_from_slice(extra);
        ok(&args);
    };
    // each metric's labels at scale 1 (cosine: blob 0 sits at the origin, so its
    // clusters are directions, not the blobs)
    let metrics = ["euclidean", "manhattan", "chebyshev", "cosine"];
    let base: Vec<Vec<i64>> = metrics
        .iter()
        .map(|metric| {
            run(&f, &["--metric", metric]);
            if *metric == "cosine" {
                read_i64(&labels)
            } else {
                assert_three_density_blobs(&labels, metric)
            }
        })
        .collect();
    // f64: squares overflow beyond ~1e154 and underflow below ~1e-154
    for scale in [1e-30, 1e-100, 1e-200, 1e155, 1e200, 1e300] {
        let f = blobs(&s, "x.csv", scale);
        for (metric, base) in metrics.iter().zip(&base) {
            run(&f, &["--metric", metric]);
            assert_eq!(&read_i64(&labels), base, "{metric} × {scale:e}");
        }
    }
    // f32: squares overflow beyond ~1e19
    for scale in [1e-30, 1e19, 1e25] {
        let f = blobs(&s, "x.csv", scale);
        run(&f, &["--dtype", "f32"]);
        assert_three_density_blobs(&labels, &format!("f32 × {scale:e}"));
    }
}
