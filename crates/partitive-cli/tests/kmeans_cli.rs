//! `partitive kmeans` end to end, on the built binary.

mod common;
use common::*;

#[test]
fn clusters_example_and_writes_outputs() {
    let s = Scratch::new();
    let input = s.write(
        "blobs.csv",
        blobs_csv(50, &[(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)]).as_bytes(),
    );
    let labels = s.path("labels.txt");
    let centers = s.path("centers.csv");
    let summary = s.path("summary.json");
    let out = run(&[
        "kmeans",
        p(&input),
        "-k",
        "3",
        "--labels-out",
        p(&labels),
        "--centers-out",
        p(&centers),
        "--summary-out",
        p(&summary),
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
    assert_eq!(l.len(), 150);
    // Rows cycle through the three blobs: each blob must get one label of its own.
    for c in 0..3 {
        let first = l[c];
        assert!(l.iter().skip(c).step_by(3).all(|&v| v == first));
    }
    assert_ne!(l[0], l[1]);
    assert_ne!(l[1], l[2]);
    assert_ne!(l[0], l[2]);
    let js: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    for key in ["k", "n", "d", "n_iter", "inertia", "converged", "seconds"] {
        assert!(js.get(key).is_some(), "summary lacks {key}: {js}");
    }
    assert_eq!(js["n"], 150);
    assert_eq!(js["d"], 2);
    assert!(js["inertia"].as_f64().unwrap() > 0.0);
    // A header naming the columns, then the 3 centres.
    let text = std::fs::read_to_string(&centers).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0], "x,y");
}

#[test]
fn identical_outputs_for_1_2_4_threads() {
    let s = Scratch::new();
    // Enough rows for several chunks, so threads really split the work.
    let mut text = String::new();
    let mut state = 7u64;
    for i in 0..20_000 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let a = ((state >> 20) % 10_000) as f64 / 997.0;
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let b = ((state >> 20) % 10_000) as f64 / 991.0;
        text.push_str(&format!(
            "{},{},{}\n",
            a + (i % 5) as f64 * 3.0,
            b,
            a * b / 7.0
        ));
    }
    let input = s.write("x.csv", text.as_bytes());
    let mut outs = Vec::new();
    for t in ["1", "2", "4"] {
        let labels = s.path(&format!("l{t}.txt"));
        let centers = s.path(&format!("c{t}.csv"));
        let out = run(&[
            "kmeans",
            p(&input),
            "-k",
            "8",
            "--n-init",
            "2",
            "--threads",
            t,
            "--labels-out",
            p(&labels),
            "--centers-out",
            p(&centers),
            "--quiet",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        outs.push((
            std::fs::read(&labels).unwrap(),
            std::fs::read(&centers).unwrap(),
        ));
    }
    assert!(outs[0] == outs[1], "1 vs 2 threads differ");
    assert!(outs[0] == outs[2], "1 vs 4 threads differ");
}

#[test]
fn help_has_examples() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Examples"));
    let out = run(&["kmeans", "--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--labels-out") && text.contains("Examples"));
}

#[test]
fn kmeans_parallel_init_flag() {
    let s = Scratch::new();
    let mut text = String::new();
    for i in 0..9_000 {
        let c = (i % 3) as f64 * 10.0;
        text.push_str(&format!(
            "{},{}\n",
            c + (i % 7) as f64 * 0.1,
            (i % 11) as f64 * 0.1
        ));
    }
    let input = s.write("x.csv", text.as_bytes());
    let mut outs = Vec::new();
    for (init, t) in [
        ("kmeans-parallel", "1"),
        ("kmeans-parallel", "2"),
        ("kmeans||", "2"),
    ] {
        let labels = s.path(&format!("l{init}{t}.txt"));
        let out = run(&[
            "kmeans",
            p(&input),
            "-k",
            "3",
            "--init",
            init,
            "--threads",
            t,
            "--labels-out",
            p(&labels),
            "--quiet",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        outs.push(std::fs::read_to_string(&labels).unwrap());
    }
    assert!(outs[0] == outs[1] && outs[1] == outs[2]);
    // the three blobs (rows cycle through them) get three labels
    let l: Vec<&str> = outs[0].lines().collect();
    assert!(l[0] != l[1] && l[1] != l[2] && l[0] != l[2]);
    assert!((0..l.len()).all(|i| l[i] == l[i % 3]));
    let out = run(&["kmeans", p(&input), "-k", "3", "--init", "kmeans+++"]);
    assert_eq!(out.status.code(), Some(2));
}
