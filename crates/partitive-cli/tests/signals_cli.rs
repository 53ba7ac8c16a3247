//! Interrupted runs (issue 17, case 8): SIGINT and SIGTERM remove the temporary files of
//! the outputs in progress, leave pre-existing outputs unchanged and exit with 130/143.

mod common;
use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Blobs with `n` rows (k = 3 gives one-digit labels: the labels file is `2n` bytes).
fn big_input(s: &Scratch, n: usize) -> std::path::PathBuf {
    let mut text = String::with_capacity(n * 24);
    text.push_str("x,y\n");
    for i in 0..n {
        let c = (i % 3) as f64 * 10.0;
        text.push_str(&format!("{},{}\n", c + (i % 97) as f64 * 1e-3, c));
    }
    s.write("big.csv", text.as_bytes())
}

/// Waits until a temporary file in `dir` has `size` bytes (or any size when `None`).
fn wait_for_tmp(dir: &Path, size: Option<u64>, child: &mut std::process::Child) {
    let t0 = Instant::now();
    loop {
        for n in tmp_files(dir) {
            let len = std::fs::metadata(dir.join(&n))
                .map(|m| m.len())
                .unwrap_or(0);
            if size.is_none_or(|s| s == len) {
                return;
            }
        }
        if let Some(st) = child.try_wait().unwrap() {
            panic!("partitive ended ({st}) before the signal");
        }
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "no temporary file appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &std::process::Child, sig: &str) {
    let st = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
}

#[test]
fn sigint_while_committing_removes_temporary_files() {
    // The run blocks opening a FIFO nobody reads, after its 2n-byte labels file is fully
    // staged: the interrupt comes with a large temporary file pending, every time.
    let s = Scratch::new();
    let n = 300_000;
    let input = big_input(&s, n);
    let labels = s.write("labels.txt", b"old\n");
    let fifo = s.path("summary.fifo");
    mkfifo(&fifo);
    let mut child = Command::new(bin())
        .args([
            "kmeans",
            p(&input),
            "-k",
            "3",
            "--init",
            "deterministic",
            "-q",
        ])
        .args(["--labels-out", p(&labels), "--summary-out", p(&fifo)])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_tmp(s.dir.path(), Some(2 * n as u64), &mut child);
    signal(&child, "-INT");
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(tmp_files(s.dir.path()).is_empty(), "{:?}", s.listing());
    assert_eq!(std::fs::read(&labels).unwrap(), b"old\n");
    assert!(is_fifo(&fifo));
    assert_eq!(s.listing(), vec!["big.csv", "labels.txt", "summary.fifo"]);
}

#[test]
fn sigterm_while_computing_removes_temporary_files() {
    // Outputs are staged before the data are read; a FIFO output keeps the run from
    // finishing before the signal whatever the machine's speed.
    let s = Scratch::new();
    let input = big_input(&s, 3_000);
    let labels = s.write("labels.txt", b"old\n");
    let fifo = s.path("medoids.fifo");
    mkfifo(&fifo);
    let mut child = Command::new(bin())
        .args([
            "kmedoids",
            p(&input),
            "-k",
            "40",
            "--algorithm",
            "pam",
            "--threads",
            "1",
            "-q",
        ])
        .args(["--labels-out", p(&labels), "--medoids-out", p(&fifo)])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_tmp(s.dir.path(), None, &mut child);
    signal(&child, "-TERM");
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(143),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(tmp_files(s.dir.path()).is_empty(), "{:?}", s.listing());
    assert_eq!(std::fs::read(&labels).unwrap(), b"old\n");
    assert_eq!(s.listing(), vec!["big.csv", "labels.txt", "medoids.fifo"]);
}
