//! Helpers for the CLI integration tests: run the built binary in a temp folder.

#![allow(dead_code)]

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_partitive");

/// The binary under test: `PARTITIVE_TEST_BIN` when set (to check that a test fails on
/// another build), else the one cargo built.
pub fn bin() -> String {
    std::env::var("PARTITIVE_TEST_BIN").unwrap_or_else(|_| BIN.to_string())
}

/// A temp folder with files in it.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

impl Scratch {
    pub fn new() -> Self {
        Scratch {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write");
        p
    }

    /// Files present in the folder (to check that a failed run left nothing behind).
    pub fn listing(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

/// Runs `partitive ARGS` and returns the output.
pub fn run(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .output()
        .expect("run partitive")
}

/// Runs `partitive ARGS` in the folder `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run partitive")
}

pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Asserts the run failed with exit code 2 and a single-line message containing every
/// `needle`.
#[track_caller]
pub fn assert_user_error(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    for n in needles {
        assert!(lines[0].contains(n), "message {:?} lacks {:?}", lines[0], n);
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Gaussian-ish blobs as CSV text, deterministic.
pub fn blobs_csv(n_per: usize, centers: &[(f64, f64)]) -> String {
    let mut s = String::from("x,y\n");
    let mut state = 12345u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    for i in 0..n_per {
        for (c, (cx, cy)) in centers.iter().enumerate() {
            let _ = (i, c);
            s.push_str(&format!("{},{}\n", cx + next(), cy + next()));
        }
    }
    s
}

pub fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo").arg(p).status().expect("mkfifo");
    assert!(st.success());
}

/// Makes a node of the null device (character device 1:3); `false` without the privilege.
pub fn mknod_null(p: &Path) -> bool {
    Command::new("mknod")
        .arg(p)
        .args(["c", "1", "3"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub fn is_fifo(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_fifo())
}

pub fn tmp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

/// A float32 `.npy` file of `shape` holding `values` (row-major).
pub fn npy_f32_bytes(shape: (usize, usize), values: &[f64]) -> Vec<u8> {
    let dict = format!(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}",
        shape.0, shape.1
    );
    let mut h = dict.into_bytes();
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(b' ');
    }
    h.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    out.extend_from_slice(&h);
    for v in values {
        out.extend_from_slice(&(*v as f32).to_le_bytes());
    }
    out
}

/// The header dictionary and the data bytes of a `.npy` file.
pub fn read_npy(path: &Path) -> (String, Vec<u8>) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..6], b"\x93NUMPY", "{}", path.display());
    let len = u16::from_le_bytes([b[8], b[9]]) as usize;
    let dict = String::from_utf8(b[10..10 + len].to_vec()).unwrap();
    (dict, b[10 + len..].to_vec())
}

/// Peak resident memory (MB) of the largest child waited for so far (`getrusage`,
/// `RUSAGE_CHILDREN`: all of the test process's children, so a file using it should hold
/// one test).
#[cfg(unix)]
pub fn children_peak_mb() -> f64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable rusage.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    assert_eq!(rc, 0);
    // kilobytes on Linux (bytes on macOS)
    let kb = u.ru_maxrss as f64;
    if cfg!(target_os = "macos") {
        kb / 1e6
    } else {
        kb / 1e3
    }
}
