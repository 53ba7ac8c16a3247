//! Benchmark driver for the k-medoids family (used by `bench/kmedoids/run.py`).
//!
//! ```text
//! kmedoids_bench swap  --matrix D.npy --medoids M.npy [--algorithm fasterpam|fastpam1|pam|alternating]
//!                      [--threads T] [--reps R] [--max-iter I]
//! kmedoids_bench clara --n N --d D --k K [--threads T] [--seed S] [--samples S]
//! ```
//!
//! Prints one JSON object per run on stdout. The `.npy` reader below is deliberately
//! tiny (little-endian `<f4`, `<f8`, `<i8`, C order only).

use partitive::dissimilarity::{DenseMatrix, Metric};
use partitive::kmedoids::{Algorithm, Clara, Init, KMedoids, KMedoidsResult};
use partitive::rng::Rng;
use partitive::{Float, Mat, MatRef};
use std::collections::HashMap;
use std::time::Instant;

enum Npy {
    F32(Vec<f32>, Vec<usize>),
    F64(Vec<f64>, Vec<usize>),
    I64(Vec<i64>),
}

fn read_npy(path: &str) -> Npy {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(&bytes[..6], b"\x93NUMPY", "{path}: not a .npy file");
    let (hlen, start) = if bytes[6] == 1 {
        (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10)
    } else {
        (
            u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize,
            12,
        )
    };
    let header = std::str::from_utf8(&bytes[start..start + hlen]).unwrap();
    assert!(
        header.contains("'fortran_order': False"),
        "{path}: C order only"
    );
    let descr = header
        .split("'descr':")
        .nth(1)
        .unwrap()
        .split('\'')
        .nth(1)
        .unwrap();
    let shape_s = header.split("'shape':").nth(1).unwrap();
    let shape_s = &shape_s[shape_s.find('(').unwrap() + 1..shape_s.find(')').unwrap()];
    let shape: Vec<usize> = shape_s
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let data = &bytes[start + hlen..];
    match descr {
        "<f4" => Npy::F32(
            data.chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect(),
            shape,
        ),
        "<f8" => Npy::F64(
            data.chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
                .collect(),
            shape,
        ),
        "<i8" => Npy::I64(
            data.chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
                .collect(),
        ),
        other => panic!("{path}: unsupported dtype {other}"),
    }
}

fn peak_rss_mb() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// CPU seconds (user + system) of each thread of this process that used more than 10 ms:
/// shows whether the work was actually spread over the pool's threads.
fn thread_cpu_s() -> Vec<f64> {
    let tick = 100.0; // USER_HZ
    let mut out = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc/self/task") {
        for e in dir.flatten() {
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            let after = stat.rsplit(')').next().unwrap_or("");
            let f: Vec<&str> = after.split_whitespace().collect();
            if f.len() > 13 {
                let t = (f[11].parse::<f64>().unwrap_or(0.0) + f[12].parse::<f64>().unwrap_or(0.0))
                    / tick;
                if t > 0.01 {
                    out.push(t);
                }
            }
        }
    }
    out
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn report(kind: &str, threads: usize, times: &mut [f64], r: &KMedoidsResult) {
    let t: Vec<String> = times.iter().map(|x| format!("{x:.4}")).collect();
    println!(
        "{{\"run\": \"{kind}\", \"threads\": {threads}, \"k\": {}, \"times\": [{}], \"median_s\": {:.4}, \"loss\": {:.6}, \"n_swaps\": {}, \"n_iter\": {}, \"peak_rss_mb\": {:.1}, \"thread_cpu_s\": {:?}, \"medoids_sorted\": {:?}}}",
        r.medoids.len(),
        t.join(", "),
        median(times),
        r.loss,
        r.n_swaps,
        r.n_iter,
        peak_rss_mb(),
        thread_cpu_s(),
        {
            let mut m = r.medoids.clone();
            m.sort();
            m
        }
    );
}

fn swap_bench<T: Float>(data: &[T], n: usize, opts: &HashMap<String, String>, medoids: Vec<usize>) {
    let m = MatRef::new(data, n, n).unwrap();
    let d = DenseMatrix::new(m).unwrap();
    let alg = match opts
        .get("algorithm")
        .map(String::as_str)
        .unwrap_or("fasterpam")
    {
        "fasterpam" => Algorithm::FasterPam,
        "fastpam1" => Algorithm::FastPam1,
        "pam" => Algorithm::Pam,
        "alternating" => Algorithm::Alternating,
        a => panic!("unknown algorithm {a}"),
    };
    let threads: usize = opts.get("threads").map_or(1, |s| s.parse().unwrap());
    let reps: usize = opts.get("reps").map_or(3, |s| s.parse().unwrap());
    let max_iter: usize = opts.get("max-iter").map_or(100, |s| s.parse().unwrap());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let params = KMedoids::params(medoids.len())
        .algorithm(alg.clone())
        .init(Init::Given(medoids))
        .max_iter(max_iter);
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..reps {
        let t0 = Instant::now();
        let r = pool.install(|| params.fit(&d)).unwrap();
        times.push(t0.elapsed().as_secs_f64());
        last = Some(r);
    }
    report(
        &format!("{alg:?}").to_lowercase(),
        threads,
        &mut times,
        &last.unwrap(),
    );
}

fn clara_bench(opts: &HashMap<String, String>) {
    let get = |k: &str, def: usize| opts.get(k).map_or(def, |s| s.parse().unwrap());
    let (n, dim, k) = (get("n", 1_000_000), get("d", 8), get("k", 20));
    let threads = get("threads", 1);
    let seed = get("seed", 0) as u64;
    let samples = get("samples", 5);
    // k Gaussian-ish blobs (sum of 4 uniforms) with random centres in [0, 100)^d, f32
    let mut rng = Rng::new(seed);
    let centres: Vec<f64> = (0..k * dim).map(|_| rng.next_f64() * 100.0).collect();
    let mut x = Mat::filled(n, dim, 0.0f32);
    for i in 0..n {
        let c = rng.below(k);
        for (j, v) in x.row_mut(i).iter_mut().enumerate() {
            let g: f64 = (0..4).map(|_| rng.next_f64()).sum::<f64>() - 2.0;
            *v = (centres[c * dim + j] + 3.0 * g) as f32;
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let t0 = Instant::now();
    let r = pool
        .install(|| {
            Clara::params(k)
                .n_samples(samples)
                .seed(seed)
                .fit_data(x.view(), Metric::Euclidean)
        })
        .unwrap();
    let mut times = vec![t0.elapsed().as_secs_f64()];
    report("fastclara", threads, &mut times, &r);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut opts = HashMap::new();
    let mut i = 2;
    while i + 1 < args.len() {
        opts.insert(
            args[i].trim_start_matches("--").to_string(),
            args[i + 1].clone(),
        );
        i += 2;
    }
    match args.get(1).map(String::as_str) {
        Some("swap") => {
            let medoids: Vec<usize> = match read_npy(&opts["medoids"]) {
                Npy::I64(v) => v.into_iter().map(|x| x as usize).collect(),
                _ => panic!("medoids must be int64"),
            };
            match read_npy(&opts["matrix"]) {
                Npy::F32(v, s) => swap_bench(&v, s[0], &opts, medoids),
                Npy::F64(v, s) => swap_bench(&v, s[0], &opts, medoids),
                Npy::I64(_) => panic!("matrix must be float"),
            }
        }
        Some("clara") => clara_bench(&opts),
        _ => eprintln!("usage: kmedoids_bench swap|clara [--key value ...]"),
    }
}
