//! `partitive hdbscan` end to end: outputs, determinism, bad input.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// Three blobs (150 rows) and one far row (the last).
fn data(s: &Scratch) -> PathBuf {
    let mut csv = blobs_csv(50, &[(0.0, 0.0), (6.0, 0.0), (0.0, 6.0)]);
    csv.push_str("40,40\n");
    s.write("x.csv", csv.as_bytes())
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[track_caller]
fn ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn writes_every_output() {
    let s = Scratch::new();
    let x = data(&s);
    let names = ["l.txt", "p.txt", "o.txt", "t.json", "s.json", "plot.svg"];
    let [l, pr, o, t, sm, plot] = names.map(|n| s.path(n));
    let out = run(&[
        "hdbscan",
        p(&x),
        "--min-cluster-size",
        "10",
        "--labels-out",
        p(&l),
        "--probabilities-out",
        p(&pr),
        "--outlier-scores-out",
        p(&o),
        "--tree-out",
        p(&t),
        "--summary-out",
        p(&sm),
        "--plot-out",
        p(&plot),
        "--threads",
        "2",
    ]);
    ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("clusters=3"), "{stdout}");
    let labels: Vec<i64> = lines(&l).iter().map(|v| v.parse().unwrap()).collect();
    assert_eq!(labels.len(), 151);
    assert_eq!(labels[150], -1, "the far row is noise, written -1");
    for c in 0..3 {
        let mut seen: Vec<i64> = labels[..150]
            .iter()
            .skip(c)
            .step_by(3)
            .copied()
            .filter(|&v| v >= 0)
            .collect();
        seen.dedup();
        assert_eq!(seen.len(), 1, "blob {c}: {seen:?}");
    }
    let probs: Vec<f64> = lines(&pr).iter().map(|v| v.parse().unwrap()).collect();
    assert_eq!(probs.len(), 151);
    assert_eq!(probs[150], 0.0);
    assert!(probs.iter().all(|p| (0.0..=1.0).contains(p)));
    let scores: Vec<f64> = lines(&o).iter().map(|v| v.parse().unwrap()).collect();
    assert!(scores[150] > 0.9, "{}", scores[150]);
    let js: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sm).unwrap()).unwrap();
    assert_eq!(js["n_clusters"], 3);
    assert_eq!(js["noise_label"], -1);
    assert_eq!(js["min_samples"], 10);
    assert_eq!(
        js["n_noise"].as_u64().unwrap() as usize,
        labels.iter().filter(|&&v| v == -1).count()
    );
    let tree: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&t).unwrap()).unwrap();
    let rows = tree["condensed_tree"].as_array().unwrap();
    let point_rows = rows.iter().filter(|r| r[1].as_u64().unwrap() < 151).count();
    assert_eq!(point_rows, 151);
    assert_eq!(tree["single_linkage_tree"].as_array().unwrap().len(), 150);
    let selected = tree["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["label"].is_null())
        .count();
    assert_eq!(selected, 3);
    let svg = std::fs::read_to_string(&plot).unwrap();
    assert!(svg.contains("condensed tree") && svg.contains("#BBBBBB"));
    assert_eq!(svg.matches("<circle").count(), 151);
}

#[test]
fn same_labels_for_any_thread_count_and_png_plot() {
    let s = Scratch::new();
    let x = data(&s);
    let (a, b, png) = (s.path("a.txt"), s.path("b.txt"), s.path("p.png"));
    for (out, threads) in [(&a, "1"), (&b, "3")] {
        ok(&run(&[
            "hdbscan",
            p(&x),
            "--min-cluster-size",
            "5",
            "--min-samples",
            "3",
            "--cluster-selection-method",
            "leaf",
            "--labels-out",
            p(out),
            "--threads",
            threads,
            "--quiet",
        ]));
    }
    assert_eq!(
        std::fs::read_to_string(&a).unwrap(),
        std::fs::read_to_string(&b).unwrap()
    );
    ok(&run(&[
        "hdbscan",
        p(&x),
        "--min-cluster-size",
        "10",
        "--plot-out",
        p(&png),
        "-q",
    ]));
    assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
}

#[test]
fn precomputed_matrix_and_options() {
    let s = Scratch::new();
    // two groups on a line: {0, 1, 2, 3} and {10, 11, 12, 13}, as a distance matrix
    let pos = [0.0f64, 1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 13.0];
    let mut csv = String::new();
    for a in pos {
        let row: Vec<String> = pos.iter().map(|b| format!("{}", (a - b).abs())).collect();
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    let m = s.write("d.csv", csv.as_bytes());
    let l = s.path("l.txt");
    ok(&run(&[
        "hdbscan",
        p(&m),
        "--metric",
        "precomputed",
        "--min-cluster-size",
        "3",
        "--min-samples",
        "1",
        "--labels-out",
        p(&l),
        "-q",
    ]));
    let labels = lines(&l);
    assert_eq!(
        labels[..4],
        [
            labels[0].clone(),
            labels[0].clone(),
            labels[0].clone(),
            labels[0].clone()
        ]
    );
    assert_ne!(labels[0], labels[4]);
    assert!(labels.iter().all(|v| v != "-1"));
    // allow the single cluster with a large epsilon: one cluster
    let sm = s.path("s.json");
    ok(&run(&[
        "hdbscan",
        p(&m),
        "--metric",
        "precomputed",
        "--min-cluster-size",
        "3",
        "--cluster-selection-epsilon",
        "100",
        "--allow-single-cluster",
        "--summary-out",
        p(&sm),
        "-q",
    ]));
    let js: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sm).unwrap()).unwrap();
    assert_eq!(js["n_clusters"], 1);
    // max cluster size 3 forbids both 4-row groups
    ok(&run(&[
        "hdbscan",
        p(&m),
        "--metric",
        "precomputed",
        "--min-cluster-size",
        "3",
        "--max-cluster-size",
        "3",
        "--summary-out",
        p(&sm),
        "-q",
    ]));
    let js: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sm).unwrap()).unwrap();
    assert_ne!(js["cluster_sizes"], serde_json::json!([4, 4]));
}

#[test]
fn bad_input_is_one_line_exit_2_and_writes_nothing() {
    let s = Scratch::new();
    let x = data(&s);
    let l = s.path("l.txt");
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec!["--min-cluster-size", "1"],
            vec!["--min-cluster-size", "at least 2"],
        ),
        (
            vec!["--min-cluster-size", "500"],
            vec!["--min-cluster-size", "500", "151"],
        ),
        (
            vec!["--min-cluster-size", "5", "--min-samples", "0"],
            vec!["--min-samples"],
        ),
        (
            vec!["--min-cluster-size", "5", "--min-samples", "151"],
            vec!["--min-samples", "151"],
        ),
        (
            vec![
                "--min-cluster-size",
                "5",
                "--cluster-selection-epsilon",
                "-1",
            ],
            vec!["--cluster-selection-epsilon"],
        ),
        (
            vec!["--min-cluster-size", "5", "--max-cluster-size", "0"],
            vec!["--max-cluster-size"],
        ),
        (
            vec!["--min-cluster-size", "5", "--plot-out", "x.jpg"],
            vec!["--plot-out", "unknown plot format"],
        ),
        (
            vec!["--min-cluster-size", "5", "--metric", "precomputed"],
            vec!["shape mismatch"],
        ),
        (
            vec![
                "--min-cluster-size",
                "5",
                "--metric",
                "precomputed",
                "--plot-out",
                "p.svg",
            ],
            vec!["--plot-out", "precomputed"],
        ),
    ];
    for (extra, needles) in cases {
        let mut args = vec!["hdbscan", p(&x), "--labels-out", p(&l)];
        args.extend(extra.iter().copied());
        let out = run(&args);
        assert_user_error(&out, &needles);
        assert_eq!(s.listing(), vec!["x.csv".to_string()], "{extra:?}");
    }
    let bad = s.write("bad.csv", b"x,y\n1,2\n3,NaN\n4,5\n");
    let out = run(&[
        "hdbscan",
        p(&bad),
        "--min-cluster-size",
        "2",
        "--labels-out",
        p(&l),
    ]);
    assert_user_error(&out, &["bad.csv", "3"]);
    let missing = s.path("missing.csv");
    let out = run(&["hdbscan", p(&missing), "--min-cluster-size", "2"]);
    assert_user_error(&out, &["missing.csv"]);
    let out = run(&["hdbscan", p(&x)]);
    assert_eq!(out.status.code(), Some(2), "--min-cluster-size is required");
}

#[test]
fn outputs_are_planned_before_the_data_are_read() {
    let s = Scratch::new();
    let x = data(&s);
    s.write("old.txt", b"old\n");
    let bad = s.write("bad.csv", b"x,y\n1,2\n3,oops\n4,5\n");
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        // an output that is the input, under another spelling
        (
            vec![
                "hdbscan",
                p(&x),
                "--min-cluster-size",
                "5",
                "--labels-out",
                "./x.csv",
            ],
            vec!["--labels-out", "the input file", "same file"],
        ),
        (
            vec![
                "hdbscan",
                "x.csv",
                "--min-cluster-size",
                "5",
                "--tree-out",
                "sub/../x.csv",
            ],
            vec!["--tree-out", "the input file"],
        ),
        // two outputs on one file
        (
            vec![
                "hdbscan",
                "x.csv",
                "--min-cluster-size",
                "5",
                "--probabilities-out",
                "o.txt",
                "--outlier-scores-out",
                "./o.txt",
            ],
            vec!["--probabilities-out", "--outlier-scores-out", "same file"],
        ),
        // outputs are checked before the (bad) data are read
        (
            vec![
                "hdbscan",
                p(&bad),
                "--min-cluster-size",
                "2",
                "--labels-out",
                "old.txt",
                "--tree-out",
                "nope/t.json",
            ],
            vec!["--tree-out", "nope", "does not exist"],
        ),
        (
            vec![
                "hdbscan",
                p(&bad),
                "--min-cluster-size",
                "2",
                "--plot-out",
                "p.jpg",
            ],
            vec!["--plot-out", "plot format"],
        ),
        // integer flags are checked by the parser
        (
            vec!["hdbscan", "x.csv", "--min-cluster-size", "-3"],
            vec!["--min-cluster-size", "at least 2"],
        ),
        (
            vec![
                "hdbscan",
                "x.csv",
                "--min-cluster-size",
                "5",
                "--min-samples",
                "-1",
            ],
            vec!["--min-samples", "at least 1"],
        ),
    ];
    std::fs::create_dir(s.path("sub")).unwrap();
    for (args, needles) in cases {
        let before = s.listing();
        let out = run_in(s.dir.path(), &args);
        assert_user_error(&out, &needles);
        assert_eq!(s.listing(), before, "{args:?}");
        assert_eq!(std::fs::read(s.path("old.txt")).unwrap(), b"old\n");
        assert!(std::fs::read(&x).unwrap().starts_with(b"x,y\n"));
    }
    // a run failing on the data leaves an existing output alone
    let out = run_in(
        s.dir.path(),
        &[
            "hdbscan",
            p(&bad),
            "--min-cluster-size",
            "2",
            "--labels-out",
            "old.txt",
        ],
    );
    assert_user_error(&out, &["bad.csv:3"]);
    assert_eq!(std::fs::read(s.path("old.txt")).unwrap(), b"old\n");
    // every output appears together, the summary among them
    let out = run_in(
        s.dir.path(),
        &[
            "hdbscan",
            "x.csv",
            "--min-cluster-size",
            "10",
            "--labels-out",
            "old.txt",
            "--summary-out",
            "-",
            "--threads",
            "100000",
        ],
    );
    ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("\"hdbscan\"") && stdout.contains("n_clusters"),
        "{stdout}"
    );
    // the one-line result moves to stderr when stdout holds an output; --threads capped
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("clusters=3"), "{stderr}");
    assert!(stderr.contains("capped"), "{stderr}");
    assert_eq!(lines(&s.path("old.txt")).len(), 151);
}
