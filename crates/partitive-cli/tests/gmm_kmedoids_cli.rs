//! `partitive gmm` and `partitive kmedoids` end to end.

mod common;
use common::*;

fn three_blobs(s: &Scratch) -> std::path::PathBuf {
    s.write(
        "blobs.csv",
        blobs_csv(40, &[(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)]).as_bytes(),
    )
}

fn read_labels(path: &std::path::Path) -> Vec<usize> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|x| x.trim().parse().unwrap())
        .collect()
}

fn assert_three_cycle(l: &[usize]) {
    assert_eq!(l.len(), 120);
    for c in 0..3 {
        assert!(
            l.iter().skip(c).step_by(3).all(|&v| v == l[c]),
            "blob {c} split: {l:?}"
        );
    }
    assert!(l[0] != l[1] && l[1] != l[2] && l[0] != l[2]);
}

#[test]
fn gmm_selects_three_and_writes_probabilities() {
    let s = Scratch::new();
    let input = three_blobs(&s);
    let (labels, proba, summary) = (s.path("l.txt"), s.path("p.csv"), s.path("s.json"));
    let out = run(&[
        "gmm",
        p(&input),
        "--k-range",
        "1..6",
        "--labels-out",
        p(&labels),
        "--proba-out",
        p(&proba),
        "--summary-out",
        p(&summary),
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_three_cycle(&read_labels(&labels));
    let js: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(js["k"], 3);
    assert_eq!(js["selection"].as_array().unwrap().len(), 6);
    let text = std::fs::read_to_string(&proba).unwrap();
    assert_eq!(text.lines().next(), Some("p0,p1,p2"), "a header");
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.trim().parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 120);
    for r in rows {
        assert_eq!(r.len(), 3);
        assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }
}

#[test]
fn gmm_bad_range_is_a_parameter_error() {
    let s = Scratch::new();
    let input = three_blobs(&s);
    assert_user_error(
        &run(&["gmm", p(&input), "--k-range", "5..2"]),
        &["--k-range"],
    );
}

#[test]
fn kmedoids_metrics_and_algorithms() {
    let s = Scratch::new();
    let input = three_blobs(&s);
    for (metric, algorithm) in [
        ("euclidean", "fasterpam"),
        ("manhattan", "pam"),
        ("chebyshev", "alternating"),
        ("euclidean", "clara"),
    ] {
        let (labels, medoids, summary) = (s.path("l.txt"), s.path("m.txt"), s.path("s.json"));
        let out = run(&[
            "kmedoids",
            p(&input),
            "-k",
            "3",
            "--metric",
            metric,
            "--algorithm",
            algorithm,
            "--labels-out",
            p(&labels),
            "--medoids-out",
            p(&medoids),
            "--summary-out",
            p(&summary),
            "--silhouette",
            "--quiet",
        ]);
        assert!(
            out.status.success(),
            "{metric}/{algorithm}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_three_cycle(&read_labels(&labels));
        let m = read_labels(&medoids);
        assert_eq!(m.len(), 3);
        let js: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
        assert!(js["loss"].as_f64().unwrap() > 0.0);
        assert!(js["silhouette"].as_f64().unwrap() > 0.5);
    }
}

#[test]
fn kmedoids_precomputed_matrix() {
    let s = Scratch::new();
    // Two groups on a line: {0, 1, 2} and {10, 11}.
    let xs = [0.0f64, 1.0, 2.0, 10.0, 11.0];
    let mut text = String::new();
    for a in xs {
        let row: Vec<String> = xs.iter().map(|b| format!("{}", (a - b).abs())).collect();
        text.push_str(&row.join(","));
        text.push('\n');
    }
    let input = s.write("d.csv", text.as_bytes());
    let (labels, medoids) = (s.path("l.txt"), s.path("m.txt"));
    let out = run(&[
        "kmedoids",
        p(&input),
        "-k",
        "2",
        "--precomputed",
        "--header",
        "no",
        "--algorithm",
        "pam",
        "--labels-out",
        p(&labels),
        "--medoids-out",
        p(&medoids),
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let l = read_labels(&labels);
    assert!(l[0] == l[1] && l[1] == l[2] && l[3] == l[4] && l[0] != l[3]);
    let mut m = read_labels(&medoids);
    m.sort();
    assert_eq!(m[0], 1);
    assert!(m[1] == 3 || m[1] == 4);
}

#[test]
fn kmedoids_bad_inputs() {
    let s = Scratch::new();
    let input = three_blobs(&s);
    // A non-square matrix as --precomputed.
    assert_user_error(
        &run(&["kmedoids", p(&input), "-k", "2", "--precomputed"]),
        &["--precomputed"],
    );
    // --categorical without gower.
    assert_user_error(
        &run(&["kmedoids", p(&input), "-k", "2", "--categorical", "x"]),
        &["--categorical"],
    );
    // Wrong number of initial medoids.
    let init = s.write("init.txt", b"0\n1\n");
    assert_user_error(
        &run(&["kmedoids", p(&input), "-k", "3", "--init-medoids", p(&init)]),
        &["--init-medoids"],
    );
    assert_user_error(&run(&["kmedoids", p(&input), "-k", "0"]), &["k"]);
}
