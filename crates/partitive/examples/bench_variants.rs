//! Measures the k-means assignment variants against each other — what
//! `Algorithm::Auto`'s rule is set from (`bench/kmeans/README.md`).
//!
//! ```text
//! bench_variants --n 100000 --iters 20 --rounds 3 --threads 2 \
//!     --ks 8,16,32,64,128,256,512,1024 --ds 2,8,32,128 --blobs 16
//! ```
//! For each `(d, k)`: a Gaussian mixture of `blobs` blobs (`f32`, means N(0, 3²), blob
//! scales in [0.5, 1.5], as `bench/kmeans/peers.py gen`; `--blobs 0`: `k` blobs), so that
//! for most `k` the fits run all their iterations, a start from one Lloyd step
//! after k-means|| seeding, then plain Lloyd, Hamerly and Yinyang from that start
//! (`max_iter = iters`, `tol = 0`), alternated in `rounds` rounds (the order rotates each
//! round) inside this one process, so that all see the same machine state. Prints per
//! shape the median wall and CPU ms per iteration (whole fit / iterations, the final
//! assignment included) and the median over rounds of the same-round ratios to Lloyd;
//! checks that the three give the same inertia.

use partitive::kmeans::{Algorithm, Init, KMeans};
use partitive::rng::Rng;
use partitive::Mat;
use std::time::Instant;

/// CPU time of all threads of this process so far (ns), from
/// `/proc/self/task/*/schedstat` (Linux; NaN elsewhere).
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

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn mixture(n: usize, d: usize, k: usize, seed: u64) -> Mat<f32> {
    let mut r = Rng::new(seed);
    let mut gauss = move || {
        let (u, v) = (r.next_f64().max(1e-300), r.next_f64());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    };
    let means: Vec<f64> = (0..k * d).map(|_| 3.0 * gauss()).collect();
    let scales: Vec<f64> = (0..k).map(|_| 0.5 + gauss().abs().min(1.0)).collect();
    let mut z = Rng::new(seed ^ 0x5eed);
    let mut v = Vec::with_capacity(n * d);
    for _ in 0..n {
        let c = z.below(k);
        for l in 0..d {
            v.push((means[c * d + l] + gauss() * scales[c]) as f32);
        }
    }
    Mat::from_vec(v, n, d).unwrap()
}

fn list(s: &str) -> Vec<usize> {
    s.split(',').map(|v| v.trim().parse().unwrap()).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str, default: &str| -> String {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].clone())
            .unwrap_or_else(|| default.to_string())
    };
    let n: usize = get("--n", "100000").parse().unwrap();
    let iters: usize = get("--iters", "20").parse().unwrap();
    let rounds: usize = get("--rounds", "3").parse().unwrap();
    let threads: usize = get("--threads", "2").parse().unwrap();
    let ks = list(&get("--ks", "8,16,32,64,128,256,512,1024"));
    let ds = list(&get("--ds", "2,8,32,128"));
    let blobs: usize = get("--blobs", "16").parse().unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| rayon::broadcast(|_| ()));
    let algs = [Algorithm::Lloyd, Algorithm::Hamerly, Algorithm::Yinyang];
    println!(
        "n={n} iters={iters} rounds={rounds} threads={threads} blobs={blobs}; ms per iteration (wall, CPU), \
         median over rounds; ratios: median of same-round ratios to Lloyd (wall, then CPU); \
         it = iterations run"
    );
    println!(
        "{:>4} {:>5} {:>4} | {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9} | {:>6} {:>6} | {:>6} {:>6} | best",
        "d", "k", "it", "Lloyd", "Hamerly", "Yinyang", "L cpu", "H cpu", "Y cpu", "H/L", "Y/L", "H/L c", "Y/L c"
    );
    for &d in &ds {
        for &k in &ks {
            let nb = if blobs == 0 { k } else { blobs };
            let x = mixture(n, d, nb, 1000 + (d * 7919 + k) as u64);
            let start = pool.install(|| {
                KMeans::params::<f32>(k)
                    .init(Init::KMeansParallel)
                    .max_iter(1)
                    .fit(x.view())
                    .unwrap()
                    .centers
            });
            let mut wall = vec![Vec::new(); 3];
            let mut cpu = vec![Vec::new(); 3];
            let mut inertia = [0.0; 3];
            let mut n_iter = 0;
            for round in 0..rounds {
                for t in 0..3 {
                    let a = (round + t) % 3;
                    let p = KMeans::params::<f32>(k)
                        .init(Init::Centers(start.clone()))
                        .max_iter(iters)
                        .tol(0.0)
                        .algorithm(algs[a]);
                    let (c0, t0) = (cpu_ns(), Instant::now());
                    let fit = pool.install(|| p.fit(x.view()).unwrap());
                    wall[a].push(t0.elapsed().as_secs_f64() * 1e3 / fit.n_iter as f64);
                    cpu[a].push((cpu_ns() - c0) / 1e6 / fit.n_iter as f64);
                    inertia[a] = fit.inertia;
                    n_iter = fit.n_iter;
                }
            }
            assert!(
                inertia[1] == inertia[0] && inertia[2] == inertia[0],
                "d={d} k={k}: inertia differs {inertia:?}"
            );
            let ratio = |t: &[Vec<f64>], a: usize| {
                let r: Vec<f64> = (0..rounds).map(|i| t[a][i] / t[0][i]).collect();
                median(&r)
            };
            let (h, y) = (ratio(&wall, 1), ratio(&wall, 2));
            let (hc, yc) = (ratio(&cpu, 1), ratio(&cpu, 2));
            let best = if h.min(y) >= 1.0 {
                "Lloyd"
            } else if h <= y {
                "Hamerly"
            } else {
                "Yinyang"
            };
            println!(
                "{d:>4} {k:>5} {n_iter:>4} | {:>9.2} {:>9.2} {:>9.2} | {:>9.2} {:>9.2} {:>9.2} | {h:>6.3} {y:>6.3} | {hc:>6.3} {yc:>6.3} | {best}",
                median(&wall[0]),
                median(&wall[1]),
                median(&wall[2]),
                median(&cpu[0]),
                median(&cpu[1]),
                median(&cpu[2]),
            );
        }
    }
}
