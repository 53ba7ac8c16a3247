//! Bench driver for `bench/gmm`: fits a Gaussian mixture from a given initial
//! partition for a fixed number of EM iterations and prints one JSON line (per-iteration
//! wall and CPU times — all threads, from `/proc/self/task/*/schedstat` — included).
//!
//! `gmm_bench X.npy LABELS.npy COVARIANCE ITERATIONS THREADS`
//! (`X.npy`: float64 or float32 C-order 2-D; `LABELS.npy`: int64 1-D).

use partitive::gmm::{CovarianceType, GaussianMixture, GmmInit};
use partitive::MatRef;
use std::time::Instant;

/// The header fields of a `.npy` file and where its data starts.
struct Npy {
    descr: String,
    shape: Vec<usize>,
    data: Vec<u8>,
}

/// A minimal `.npy` reader (versions 1–3, C order only).
fn read_npy(path: &str) -> Npy {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(&bytes[..6], b"\x93NUMPY", "{path}: not a .npy file");
    let (hlen, start) = if bytes[6] == 1 {
        (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10)
    } else {
        (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        )
    };
    let header = std::str::from_utf8(&bytes[start..start + hlen]).unwrap();
    assert!(
        header.contains("'fortran_order': False"),
        "{path}: Fortran order"
    );
    let field = |key: &str| {
        let i = header.find(key).unwrap() + key.len();
        header[i..].trim_start_matches([':', ' ', '\'']).to_string()
    };
    let descr = field("'descr'");
    let descr = descr[..descr.find('\'').unwrap()].to_string();
    let shape = field("'shape'");
    let shape = &shape[shape.find('(').unwrap() + 1..shape.find(')').unwrap()];
    let shape = shape
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().unwrap())
        .collect();
    Npy {
        descr,
        shape,
        data: bytes[start + hlen..].to_vec(),
    }
}

/// CPU time of all threads of this process so far (s), from
/// `/proc/self/task/*/schedstat` (Linux; NaN elsewhere).
fn cpu_s() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return f64::NAN;
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path().join("schedstat")).ok())
        .filter_map(|s| {
            s.split_whitespace()
                .next()
                .and_then(|v| v.parse::<f64>().ok())
        })
        .sum::<f64>()
        / 1e9
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    assert_eq!(
        a.len(),
        6,
        "usage: gmm_bench X.npy LABELS.npy COV ITERS THREADS"
    );
    let x = read_npy(&a[1]);
    let l = read_npy(&a[2]);
    let cov = CovarianceType::from_name(&a[3]).expect("covariance type");
    let iters: usize = a[4].parse().unwrap();
    let threads: usize = a[5].parse().unwrap();
    assert_eq!(x.descr, "<f8", "X must be float64");
    assert_eq!(l.descr, "<i8", "labels must be int64");
    let (n, d) = (x.shape[0], x.shape[1]);
    let xs: Vec<f64> = x
        .data
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let labels: Vec<usize> = l
        .data
        .chunks_exact(8)
        .map(|c| i64::from_le_bytes(c.try_into().unwrap()) as usize)
        .collect();
    let k = labels.iter().max().unwrap() + 1;
    let xv = MatRef::new(&xs, n, d).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let params = GaussianMixture::params::<f64>(k)
        .covariance(cov)
        .tol(0.0)
        .max_iter(iters)
        .init(GmmInit::Partition(labels));
    let mut stamps = Vec::new();
    let mut cpu_stamps = Vec::new();
    let mut bounds = Vec::new();
    let t0 = Instant::now();
    let model = pool
        .install(|| {
            params.fit_observed(xv, None, &mut |info| {
                stamps.push(t0.elapsed().as_secs_f64());
                cpu_stamps.push(cpu_s());
                bounds.push(info.lower_bound);
            })
        })
        .unwrap();
    let total = t0.elapsed().as_secs_f64();
    let per_iter: Vec<f64> = stamps.windows(2).map(|w| w[1] - w[0]).collect();
    let per_iter_cpu: Vec<f64> = cpu_stamps.windows(2).map(|w| w[1] - w[0]).collect();
    let fmt = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.17e}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    println!(
        "{{\"covariance\":\"{}\",\"n_iter\":{},\"total_s\":{total},\"first_iter_end_s\":{},\"iter_s\":[{}],\"iter_cpu_s\":[{}],\"lower_bounds\":[{}],\"lower_bound\":{:.17e},\"mean_log_likelihood\":{:.17e},\"bic\":{:.17e},\"regularized\":{}}}",
        cov,
        model.n_iter,
        stamps.first().copied().unwrap_or(0.0),
        fmt(&per_iter),
        fmt(&per_iter_cpu),
        fmt(&bounds),
        model.lower_bound,
        model.mean_log_likelihood,
        model.bic,
        model.diagnostics.regularized.len()
    );
}
