//! Issue 17, case 6 (memory): wide data with few rows in bounded memory. `auto` on a
//! 50 × 5000 matrix took 5 minutes and 10 GB, `gmm -k 2` 2 GB (d × d work per
//! candidate). The peak resident memory of the runs is read with `getrusage`
//! (`RUSAGE_CHILDREN`: the largest of this test process's waited-for children — this
//! file holds one test, so only its own runs count). The bound is generous: the data are
//! 2 MB; a single 5000 × 5000 `f64` matrix is 200 MB.

mod common;

use common::{assert_user_error, children_peak_mb, p, run, Scratch};

/// A 50 × 5000 `float64` `.npy` file: two groups of 25 rows, 3 apart in every column.
fn wide_npy(s: &Scratch) -> String {
    let (n, d) = (50usize, 5000usize);
    let header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({n}, {d}), }}");
    let mut h = header.into_bytes();
    // magic (6) + version (2) + length (2) + header, padded with spaces to 64, newline
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(b' ');
    }
    h.push(b'\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(h.len() as u16).to_le_bytes());
    bytes.extend_from_slice(&h);
    let mut state = 3u64;
    for i in 0..n {
        for _ in 0..d {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            let v = u + if i < 25 { 0.0 } else { 3.0 };
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    p(&s.write("wide.npy", &bytes)).to_string()
}

#[test]
#[cfg(unix)]
fn case6_wide_data_with_few_rows_in_bounded_memory() {
    let s = Scratch::new();
    let f = wide_npy(&s);
    let labels = s.path("labels.txt");
    let out = run(&["auto", &f, "--labels-out", p(&labels)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("full-covariance mixtures skipped"), "{err}");
    let l: Vec<usize> = std::fs::read_to_string(&labels)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(l.len(), 50);
    assert!((0..25).all(|i| l[i] == l[0]) && (25..50).all(|i| l[i] == l[25]));
    assert_ne!(l[0], l[25]);
    // full covariances with n ≤ d: one line, exit 2, before any d × d allocation
    let out = run(&["gmm", "-k", "2", &f]);
    assert_user_error(
        &out,
        &["covariance", "more rows than columns", "n = 50, d = 5000"],
    );
    let out = run(&[
        "gmm",
        "-k",
        "2",
        "--covariance",
        "diag",
        &f,
        "--labels-out",
        p(&labels),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["kmeans", "-k", "2", &f]);
    assert_eq!(out.status.code(), Some(0));
    let out = run(&["kmedoids", "-k", "2", &f]);
    assert_eq!(out.status.code(), Some(0));
    let peak = children_peak_mb();
    assert!(peak < 400.0, "peak resident memory {peak:.0} MB");
}
