//! Helpers of the MPI integration tests: `mpirun`, the `partitive` binary, data files.
// Each test file uses some of them.
#![allow(dead_code)]

use partitive::Mat;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const CHUNK: usize = partitive::parallel::CHUNK_ROWS;

pub fn mpirun() -> Option<PathBuf> {
    let found = Command::new("mpirun").arg("--version").output();
    match found {
        Ok(o) if o.status.success() => Some(PathBuf::from("mpirun")),
        _ => {
            eprintln!("SKIPPED: mpirun not found (install openmpi-bin)");
            None
        }
    }
}

/// The `partitive` binary next to `partitive-mpi` (the shared target directory).
pub fn partitive() -> PathBuf {
    let me = PathBuf::from(env!("CARGO_BIN_EXE_partitive-mpi"));
    let p = me.with_file_name("partitive");
    assert!(
        p.exists(),
        "{} is missing: build it first (cargo build --release -p partitive-cli)",
        p.display()
    );
    p
}

pub fn mpi(np: usize, args: &[&str]) -> Command {
    let mut c = Command::new("mpirun");
    c.args(["--allow-run-as-root", "--oversubscribe", "-np"])
        .arg(np.to_string())
        .arg(env!("CARGO_BIN_EXE_partitive-mpi"))
        .args(args);
    c
}

/// `n × d` rows around `blobs` centers (a small LCG: reproducible, no dependency).
pub fn blobs(n: usize, d: usize, blobs: usize, seed: u64) -> Vec<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let centers: Vec<f64> = (0..blobs * d).map(|_| next() * 20.0).collect();
    let mut v = Vec::with_capacity(n * d);
    for _ in 0..n {
        let b = ((next() * blobs as f64) as usize).min(blobs - 1);
        for l in 0..d {
            v.push(centers[b * d + l] + next() * 3.0);
        }
    }
    v
}

pub fn npy_f64(dir: &Path, name: &str, v: Vec<f64>, n: usize, d: usize) -> PathBuf {
    let p = dir.join(name);
    partitive_io::write_npy(&p, Mat::from_vec(v, n, d).unwrap().view()).unwrap();
    p
}

pub fn npy_f32(dir: &Path, name: &str, v: Vec<f64>, n: usize, d: usize) -> PathBuf {
    let p = dir.join(name);
    let v: Vec<f32> = v.into_iter().map(|x| x as f32).collect();
    partitive_io::write_npy(&p, Mat::from_vec(v, n, d).unwrap().view()).unwrap();
    p
}

pub fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
