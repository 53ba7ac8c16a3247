//! `partitive auto` and `partitive evaluate` end to end.

mod common;
use common::*;
use std::path::PathBuf;

fn shared_benchmarks() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/benchmarks/clustering-data-v1");
    p.is_dir().then_some(p)
}

#[test]
fn finds_five_blobs_in_the_example() {
    let s = Scratch::new();
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/blobs.csv");
    let (labels, summary, tree, plot, conf) = (
        s.path("l.txt"),
        s.path("s.json"),
        s.path("t.json"),
        s.path("p.svg"),
        s.path("c.txt"),
    );
    let out = run(&[
        "auto",
        p(&example),
        "--labels-out",
        p(&labels),
        "--summary-out",
        p(&summary),
        "--tree-out",
        p(&tree),
        "--plot-out",
        p(&plot),
        "--confidence-out",
        p(&conf),
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let l: Vec<usize> = std::fs::read_to_string(&labels)
        .unwrap()
        .lines()
        .map(|x| x.parse().unwrap())
        .collect();
    assert_eq!(l.len(), 600);
    let js: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(js["k"], 5);
    assert_eq!(
        js["cluster_sizes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>(),
        600
    );
    assert!(js["clusterability"].as_f64().unwrap() > 0.9);
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&tree).unwrap()).unwrap();
    assert!(!t["bic_path"].as_array().unwrap().is_empty());
    assert!(t["merge_forest"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["reason"].is_string()));
    assert!(std::fs::read_to_string(&plot).unwrap().contains("<svg"));
    assert_eq!(std::fs::read_to_string(&conf).unwrap().lines().count(), 600);
}

#[test]
fn same_labels_for_any_row_order_and_threads() {
    let s = Scratch::new();
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/blobs.csv");
    let text = std::fs::read_to_string(&example).unwrap();
    let mut lines: Vec<&str> = text.lines().skip(1).collect();
    let base = {
        let l = s.path("base.txt");
        let out = run(&[
            "auto",
            p(&example),
            "--labels-out",
            p(&l),
            "--quiet",
            "--threads",
            "1",
        ]);
        assert!(out.status.success());
        std::fs::read_to_string(&l).unwrap()
    };
    let base: Vec<usize> = base.lines().map(|x| x.parse().unwrap()).collect();
    // Reverse the rows, run with 2 threads, map labels back, compare up to renaming.
    lines.reverse();
    let rev = s.write("rev.csv", format!("x,y\n{}\n", lines.join("\n")).as_bytes());
    let l = s.path("rev.txt");
    assert!(run(&[
        "auto",
        p(&rev),
        "--labels-out",
        p(&l),
        "--quiet",
        "--threads",
        "2"
    ])
    .status
    .success());
    let mut got: Vec<usize> = std::fs::read_to_string(&l)
        .unwrap()
        .lines()
        .map(|x| x.parse().unwrap())
        .collect();
    got.reverse();
    let mut map = std::collections::HashMap::new();
    for (a, b) in base.iter().zip(&got) {
        assert_eq!(*map.entry(*a).or_insert(*b), *b, "partitions differ");
    }
}

#[test]
fn evaluate_on_a_sample_of_the_shared_sets_is_repeatable() {
    let Some(root) = shared_benchmarks() else {
        eprintln!("skipped: ../shared/benchmarks not present");
        return;
    };
    let out = run(&[
        "evaluate",
        p(&root),
        "--batteries",
        "sipu,fcps,other",
        "--match",
        "(iris|hepta|r15|twodiamonds)$",
        "--permutations",
        "3",
        "--threads-check",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.matches("  yes").count() == 4, "{stderr}");
    assert!(stdout.contains("overall"));
}

#[test]
fn bad_plot_extension_is_rejected_before_work() {
    let s = Scratch::new();
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/blobs.csv");
    let plot = s.path("p.gif");
    assert_user_error(
        &run(&["auto", p(&example), "--plot-out", p(&plot)]),
        &["--plot-out"],
    );
    assert!(!plot.exists());
}

#[test]
fn streamed_run_writes_the_same_files() {
    // 6,000 rows (> the 4,000-row fit sample, so the streamed sampler really selects),
    // CSV: a deterministic mixture of three blobs.
    let s = Scratch::new();
    let mut text = String::from("a,b,c\n");
    let mut state = 12345u64;
    let mut unif = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    for i in 0..6000 {
        let c = (i % 3) as f64;
        let (u, v, w) = (unif(), unif(), unif());
        text.push_str(&format!("{},{},{}\n", 8.0 * c + u, 5.0 * (c % 2.0) + v, w));
    }
    let csv = s.write("m.csv", text.as_bytes());
    let mut outs = Vec::new();
    for (tag, stream) in [("mem", false), ("stream", true)] {
        let (l, c, t) = (
            s.path(&format!("{tag}.labels.txt")),
            s.path(&format!("{tag}.conf.txt")),
            s.path(&format!("{tag}.json")),
        );
        let mut args = vec![
            "auto",
            p(&csv),
            "--labels-out",
            p(&l),
            "--confidence-out",
            p(&c),
            "--tree-out",
            p(&t),
            "--quiet",
        ];
        if stream {
            args.push("--stream");
        }
        let out = run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        outs.push([l, c, t].map(|f| std::fs::read(f).unwrap()));
    }
    assert_eq!(outs[0], outs[1], "streamed and in-memory outputs differ");
    let labels = String::from_utf8(outs[0][0].clone()).unwrap();
    assert_eq!(labels.lines().count(), 6000);
    // --plot-out needs every row: refused with --stream, before any work.
    let plot = s.path("p.svg");
    let out = run(&[
        "auto",
        p(&csv),
        "--stream",
        "--plot-out",
        p(&plot),
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!plot.exists());
}

#[test]
fn stability_on_request_in_the_summary() {
    let s = Scratch::new();
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/blobs.csv");
    let summary = s.path("s.json");
    let out = run(&["auto", p(&example), "--summary-out", p(&summary), "--quiet"]);
    assert!(out.status.success());
    let js: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert!(js.get("stability").is_none());
    let out = run(&[
        "auto",
        p(&example),
        "--stability",
        "--summary-out",
        p(&summary),
    ]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("stability: k on half-samples [5, 5]"),
        "{stdout}"
    );
    let js: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(js["k"], 5);
    assert_eq!(js["stability"]["half_sample_k"], serde_json::json!([5, 5]));
    assert!(js["stability"]["agreement"].as_f64().unwrap() > 0.99);
}
