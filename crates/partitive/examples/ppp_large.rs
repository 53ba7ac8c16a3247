//! PPP-auto at scale: n = 1,000,000 rows, d = 32, a seeded mixture of 20 well-separated
//! Gaussians (f32). Prints the time, k, the ARI against the truth and the peak RSS.
//!
//! `cargo run --release -p partitive --example ppp_large [-- N]`

use partitive::metrics::adjusted_rand_index;
use partitive::ppp::Ppp;
use partitive::rng::Rng;
use partitive::MatRef;
use std::time::Instant;

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn normal(rng: &mut Rng) -> f64 {
    // Box–Muller (one value per call is enough here).
    let u1 = rng.next_f64().max(1e-300);
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let (d, k) = (32usize, 20usize);
    let mut rng = Rng::new(42);
    // Centres uniform in [-10, 10]^d (pairwise distances ≈ 33, unit noise): well separated.
    let centres: Vec<f64> = (0..k * d).map(|_| rng.next_f64() * 20.0 - 10.0).collect();
    let mut truth = Vec::with_capacity(n);
    let mut data = Vec::with_capacity(n * d);
    for _ in 0..n {
        let c = rng.below(k);
        truth.push(c);
        for j in 0..d {
            data.push((centres[c * d + j] + normal(&mut rng)) as f32);
        }
    }
    let x = MatRef::new(&data, n, d).expect("shape");
    let data_mib = (n * d * 4) as f64 / (1 << 20) as f64;
    let rss_before = vm_hwm_kib().unwrap_or(0);
    let t = Instant::now();
    let r = Ppp::params().fit(x).expect("ppp");
    let secs = t.elapsed().as_secs_f64();
    let ari = adjusted_rand_index(&truth, &r.labels).expect("ari");
    let hwm = vm_hwm_kib().unwrap_or(0);
    println!(
        "n={n} d={d} threads={} time={secs:.2}s k={} (components {}, proposal k {}, {}) ari={ari:.4} clusterability={:.4}",
        rayon::current_num_threads(),
        r.k,
        r.selected.n_components,
        r.selected.k_proposal,
        r.selected.covariance_type,
        r.clusterability
    );
    println!(
        "data={data_mib:.1} MiB  peak RSS (VmHWM)={:.1} MiB (before fit {:.1} MiB) ratio={:.2}",
        hwm as f64 / 1024.0,
        rss_before as f64 / 1024.0,
        hwm as f64 / 1024.0 / data_mib
    );
}
