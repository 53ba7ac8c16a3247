//! `--k-range A..B` on kmeans and kmedoids: one fit per k, the highest sample silhouette
//! wins; the summary holds the selection table, the report the k-selection curves.

mod common;
use common::*;

/// Four tight blobs in 2-D.
fn blobs4(s: &Scratch) -> std::path::PathBuf {
    let mut t = String::from("u,v\n");
    let mut state = 11u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    for _ in 0..40 {
        for (a, b) in [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0), (10.0, 10.0)] {
            t.push_str(&format!("{},{}\n", a + next(), b + next()));
        }
    }
    s.write("b4.csv", t.as_bytes())
}

#[test]
fn k_range_picks_the_blobs_and_reports_the_curves() {
    let s = Scratch::new();
    let input = blobs4(&s);
    for (cmd, objective) in [("kmeans", "inertia"), ("kmedoids", "loss")] {
        let (sum, rep, lab) = (
            s.path(&format!("{cmd}.json")),
            s.path(&format!("{cmd}.html")),
            s.path(&format!("{cmd}.txt")),
        );
        let out = run(&[
            cmd,
            p(&input),
            "--k-range",
            "2..7",
            "--summary-out",
            p(&sum),
            "--report",
            p(&rep),
            "--labels-out",
            p(&lab),
            "-q",
        ]);
        assert!(
            out.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let js: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&sum).unwrap()).unwrap();
        assert_eq!(js["k"], 4, "{cmd}: {js}");
        let sel = js["selection"].as_array().unwrap();
        assert_eq!(
            sel.iter()
                .map(|r| r["k"].as_u64().unwrap())
                .collect::<Vec<_>>(),
            [2, 3, 4, 5, 6, 7]
        );
        let best = sel
            .iter()
            .max_by(|a, b| {
                let (a, b) = (a["silhouette"].as_f64(), b["silhouette"].as_f64());
                a.partial_cmp(&b).unwrap()
            })
            .unwrap();
        assert_eq!(best["k"], 4, "{cmd}: {sel:?}");
        // The objective falls as k grows.
        let obj: Vec<f64> = sel.iter().map(|r| r[objective].as_f64().unwrap()).collect();
        assert!(obj.windows(2).all(|w| w[1] <= w[0]), "{cmd}: {obj:?}");
        let mut l: Vec<usize> = std::fs::read_to_string(&lab)
            .unwrap()
            .lines()
            .map(|x| x.parse().unwrap())
            .collect();
        assert_eq!(l.len(), 160);
        l.sort_unstable();
        l.dedup();
        assert_eq!(l, [0, 1, 2, 3]);
        let html = std::fs::read_to_string(&rep).unwrap();
        assert!(
            html.contains(&format!("{objective} by k (chosen: k = 4)")),
            "{cmd}"
        );
        assert!(html.contains("silhouette by k"), "{cmd}");
    }
}

#[test]
fn k_range_errors() {
    let s = Scratch::new();
    let input = blobs4(&s);
    let init = s.write("c.csv", b"0,0\n10,10\n");
    for (args, needle) in [
        (vec!["kmeans", p(&input), "--k-range", "5..2"], "--k-range"),
        (
            vec![
                "kmeans",
                p(&input),
                "--k-range",
                "2..4",
                "--init-centers",
                p(&init),
            ],
            "--init-centers",
        ),
        (vec!["kmedoids", p(&input), "--k-range", "x"], "--k-range"),
        (
            vec!["kmedoids", p(&input), "-k", "2", "--k-range", "2..3"],
            "--k-range",
        ),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}
