//! Evaluates PPP-auto on the clustering-data-v1 batteries (gz text files).
//!
//! `cargo run --release -p partitive --example ppp_eval -- [ROOT] [--match SUBSTR] [--rho-gauss R]` (R = 0 turns the Gaussian merge ratio off)
//!
//! Scoring as `shared/tools/autok_eval.py`: k exact if k̂ equals the non-noise class
//! count of ANY reference labelling; ARI = best over labellings, on non-noise points
//! (label 0 = noise). Sets with n > 20,000 are skipped; g2mg: d ∈ {2, 16, 64}, s ≤ 60.

use flate2::read::GzDecoder;
use partitive::metrics::adjusted_rand_index;
use partitive::ppp::Ppp;
use partitive::Mat;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn read_gz(p: &Path) -> String {
    let mut s = String::new();
    GzDecoder::new(std::fs::File::open(p).expect("open"))
        .read_to_string(&mut s)
        .expect("gunzip");
    s
}

fn load_data(p: &Path) -> Mat<f64> {
    let text = read_gz(p);
    let (mut v, mut n, mut d) = (Vec::new(), 0, 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let before = v.len();
        v.extend(
            line.split_whitespace()
                .map(|t| t.parse::<f64>().expect("number")),
        );
        d = v.len() - before;
        n += 1;
    }
    Mat::from_vec(v, n, d).expect("rectangular")
}

fn load_labels(p: &Path) -> Vec<usize> {
    read_gz(p)
        .split_whitespace()
        .map(|t| t.parse::<i64>().expect("label").max(0) as usize)
        .collect()
}

struct Row {
    battery: String,
    name: String,
    exact: bool,
    ari: f64,
}

const GAUSS: [&str; 10] = [
    "s1",
    "s2",
    "s3",
    "s4",
    "a1",
    "a2",
    "a3",
    "d31",
    "r15",
    "unbalance",
];

fn g2mg_ok(name: &str) -> bool {
    let parts: Vec<&str> = name.split('_').collect();
    parts.len() == 3
        && ["2", "16", "64"].contains(&parts[1])
        && parts[2].parse::<usize>().is_ok_and(|s| s <= 60)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = args
        .first()
        .filter(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "/work/shared/benchmarks/clustering-data-v1".into());
    let rho_gauss = args
        .iter()
        .position(|a| a == "--rho-gauss")
        .map(|i| args[i + 1].parse::<f64>().expect("--rho-gauss VALUE"));
    let filter = args
        .iter()
        .position(|a| a == "--match")
        .map(|i| args[i + 1].clone());
    let mut rows = Vec::new();
    for battery in ["sipu", "uci", "fcps", "other", "g2mg"] {
        let dir = PathBuf::from(&root).join(battery);
        let mut bases: Vec<String> = std::fs::read_dir(&dir)
            .expect("battery dir")
            .filter_map(|e| {
                let n = e.ok()?.file_name().into_string().ok()?;
                n.strip_suffix(".data.gz").map(str::to_string)
            })
            .collect();
        bases.sort();
        for name in bases {
            if battery == "g2mg" && !g2mg_ok(&name) {
                continue;
            }
            if filter
                .as_ref()
                .is_some_and(|f| !format!("{battery}/{name}").contains(f.as_str()))
            {
                continue;
            }
            let x = load_data(&dir.join(format!("{name}.data.gz")));
            if x.n_rows() > 20_000 {
                continue;
            }
            let mut refs = Vec::new();
            for i in 0..10 {
                let p = dir.join(format!("{name}.labels{i}.gz"));
                if p.exists() {
                    refs.push(load_labels(&p));
                }
            }
            let t = Instant::now();
            let mut params = Ppp::params();
            if let Some(r) = rho_gauss {
                // 0 turns the option off; any other value replaces the default ratio.
                params = params.rho_gauss((r > 0.0).then_some(r));
            }
            let r = params.fit(x.view()).expect("ppp");
            let secs = t.elapsed().as_secs_f64();
            let (mut ari, mut exact, mut ks) = (-1.0f64, false, Vec::new());
            for r0 in &refs {
                let keep: Vec<usize> = (0..r0.len()).filter(|&i| r0[i] > 0).collect();
                let a: Vec<usize> = keep.iter().map(|&i| r0[i]).collect();
                let b: Vec<usize> = keep.iter().map(|&i| r.labels[i]).collect();
                let mut u = a.clone();
                u.sort_unstable();
                u.dedup();
                ks.push(u.len());
                exact |= u.len() == r.k;
                ari = ari.max(adjusted_rand_index(&a, &b).expect("ari"));
            }
            println!(
                "{battery:5} {name:24} n={:6} d={:3} k_true={ks:?} k_hat={:3} (K={:3}, k_prop={:3}, {}) ari={ari:.3} {secs:6.2}s",
                x.n_rows(),
                x.n_cols(),
                r.k,
                r.selected.n_components,
                r.selected.k_proposal,
                r.selected.covariance_type,
            );
            rows.push(Row {
                battery: battery.into(),
                name,
                exact,
                ari,
            });
        }
    }
    let table = |label: &str, sel: &dyn Fn(&Row) -> bool| {
        let r: Vec<&Row> = rows.iter().filter(|r| sel(r)).collect();
        if r.is_empty() {
            return;
        }
        let ex = r.iter().filter(|r| r.exact).count() as f64 / r.len() as f64;
        let ari = r.iter().map(|r| r.ari).sum::<f64>() / r.len() as f64;
        println!(
            "{label:8} sets={:3} k exact={:5.1}% mean ARI={ari:.3}",
            r.len(),
            ex * 100.0
        );
    };
    println!();
    for b in ["sipu", "uci", "fcps", "other"] {
        table(b, &|r: &Row| r.battery == b);
    }
    table("ALL", &|r: &Row| r.battery != "g2mg");
    table("gauss", &|r: &Row| {
        r.battery == "sipu" && GAUSS.contains(&r.name.as_str())
    });
    table("g2mg", &|r: &Row| r.battery == "g2mg");
}
