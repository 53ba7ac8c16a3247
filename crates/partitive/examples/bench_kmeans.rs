//! Benchmark binary for `bench/kmeans/run.sh` and `bench/e2e/run.sh`: times partitive's
//! k-means on a `.npy` data set, from given initial centers or with a seeding.
//!
//! ```text
//! bench_kmeans DATA.npy CENTERS.npy --threads 2 --iters 10 --repeats 3 \
//!     --algorithm lloyd|hamerly|yinyang|auto --labels-out LABELS.npy
//! bench_kmeans DATA.npy - --k 64 --init auto|kmeans++|kmeans-parallel --iters 300 \
//!     --tol 1e-4 --seed 0 --threads 2 --repeats 1 --algorithm auto
//! ```
//! Prints one JSON object: median wall time of the whole fit, median time per iteration
//! (from observer stamps), the time to the end of the first iteration (data check,
//! seeding and one iteration), inertia, iterations, distance evaluations, the seeding
//! and the algorithm that ran. With `BENCH_STAMPS=1` in the environment, each fit's
//! per-iteration times go to stderr. `--tol` defaults to 0 with given centers (a fixed
//! number of iterations) and to the library's 1e-4 otherwise.

use partitive::kmeans::{Algorithm, Init, KMeans};
use partitive::Mat;
use std::time::Instant;

fn read_npy_f32(path: &str) -> Mat<f32> {
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
        header.contains("'<f4'"),
        "{path}: expected float32, header {header}"
    );
    assert!(
        header.contains("'fortran_order': False"),
        "{path}: expected C order"
    );
    let shape = &header[header.find("'shape': (").unwrap() + 10..];
    let shape = &shape[..shape.find(')').unwrap()];
    let dims: Vec<usize> = shape
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    assert_eq!(dims.len(), 2, "{path}: expected a 2-d array");
    let body = &bytes[start + hlen..];
    let v: Vec<f32> = body
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Mat::from_vec(v, dims[0], dims[1]).unwrap()
}

fn write_npy_i64(path: &str, v: &[usize]) {
    let mut header = format!(
        "{{'descr': '<i8', 'fortran_order': False, 'shape': ({},), }}",
        v.len()
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for &x in v {
        out.extend_from_slice(&(x as i64).to_le_bytes());
    }
    std::fs::write(path, out).unwrap();
}

/// CPU time of all threads of this process so far (ns), from `/proc/self/task/*/schedstat`
/// (Linux). On a shared machine wall time includes waiting; CPU time does not.
fn cpu_ns() -> f64 {
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
        .sum()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str, default: &str| -> String {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].clone())
            .unwrap_or_else(|| default.to_string())
    };
    let data = read_npy_f32(&args[1]);
    let centers = (args[2] != "-").then(|| read_npy_f32(&args[2]));
    let k: usize = match &centers {
        Some(c) => c.n_rows(),
        None => get("--k", "")
            .parse()
            .expect("--k K when no centers are given"),
    };
    let init = match (&centers, get("--init", "auto").as_str()) {
        (Some(c), _) => Init::Centers(c.clone()),
        (None, "auto") => Init::Auto,
        (None, "kmeans++") => Init::KMeansPlusPlus,
        (None, "kmeans-parallel") => Init::KMeansParallel,
        (None, i) => panic!("unknown init {i}"),
    };
    let tol: f64 = get("--tol", if centers.is_some() { "0" } else { "1e-4" })
        .parse()
        .unwrap();
    let seed: u64 = get("--seed", "0").parse().unwrap();
    let threads: usize = get("--threads", "2").parse().unwrap();
    let iters: usize = get("--iters", "10").parse().unwrap();
    let repeats: usize = get("--repeats", "3").parse().unwrap();
    let algorithm = match get("--algorithm", "lloyd").as_str() {
        "lloyd" => Algorithm::Lloyd,
        "hamerly" => Algorithm::Hamerly,
        "yinyang" => Algorithm::Yinyang,
        "auto" => Algorithm::Auto,
        a => panic!("unknown algorithm {a}"),
    };
    let labels_out = get("--labels-out", "");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let params = KMeans::params::<f32>(k)
        .init(init)
        .seed(seed)
        .n_init(1)
        .max_iter(iters)
        .tol(tol)
        .algorithm(algorithm);
    let mut times = Vec::new();
    let mut first_times = Vec::new();
    let mut iter_times = Vec::new();
    let mut cpu_times = Vec::new();
    let mut last = None;
    // Start the pool's threads before measuring.
    pool.install(|| rayon::broadcast(|_| ()));
    for _ in 0..repeats {
        let c0 = cpu_ns();
        let mut stamps = Vec::new();
        let t0 = Instant::now();
        let fit = pool.install(|| {
            params
                .fit_observed(data.view(), None, &mut |_| {
                    stamps.push(t0.elapsed().as_secs_f64())
                })
                .unwrap()
        });
        times.push(t0.elapsed().as_secs_f64() * 1e3);
        first_times.push(stamps.first().copied().unwrap_or(f64::NAN) * 1e3);
        if std::env::var_os("BENCH_STAMPS").is_some() {
            // Per-iteration breakdown on stderr: setup + first iteration, then each one.
            let ms: Vec<String> = std::iter::once(stamps.first().copied().unwrap_or(0.0))
                .chain(stamps.windows(2).map(|w| w[1] - w[0]))
                .map(|t| format!("{:.1}", t * 1e3))
                .collect();
            let tail = times.last().unwrap() - stamps.last().copied().unwrap_or(0.0) * 1e3;
            eprintln!("iterations (ms): {} | final pass {:.1}", ms.join(" "), tail);
        }
        cpu_times.push((cpu_ns() - c0) / 1e6);
        // Time per iteration from the observer stamps (excludes setup and the final pass).
        if stamps.len() >= 2 {
            iter_times
                .push((stamps[stamps.len() - 1] - stamps[0]) / (stamps.len() - 1) as f64 * 1e3);
        }
        last = Some(fit);
    }
    let fit = last.unwrap();
    if !labels_out.is_empty() {
        write_npy_i64(&labels_out, &fit.labels);
    }
    let (n, d) = (data.n_rows(), data.n_cols());
    let iter_ms = if iter_times.is_empty() {
        f64::NAN
    } else {
        median(&mut iter_times)
    };
    println!(
        "{{\"impl\": \"partitive\", \"algorithm\": \"{:?}\", \"seeding\": \"{:?}\", \"first_iter_end_ms_median\": {:.3}, \"n\": {n}, \"d\": {d}, \"k\": {k}, \"threads\": {threads}, \
         \"fit_ms_median\": {:.3}, \"fit_ms_all\": {:?}, \"fit_cpu_ms_median\": {:.3}, \"iter_ms_median\": {:.3}, \"n_iter\": {}, \"inertia\": {:.10e}, \
         \"distance_evaluations\": {}}}",
        fit.diagnostics.algorithm,
        fit.diagnostics.seeding,
        median(&mut first_times),
        median(&mut times.clone()),
        times.iter().map(|t| (t * 1e3).round() / 1e3).collect::<Vec<_>>(),
        median(&mut cpu_times),
        iter_ms,
        fit.n_iter,
        fit.inertia,
        fit.diagnostics.distance_evaluations
    );
}
