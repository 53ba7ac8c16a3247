//! `partitive evaluate`: scores `auto` on benchmark batteries with ground truth.
//!
//! Convention (clustering-benchmarks, M. Gagolewski et al.; `shared/tools/autok_eval.py`):
//! label 0 in a reference labelling marks noise; k is *exact* when it equals the number of
//! non-noise classes of any reference labelling; ARI is the best over the labellings,
//! computed on that labelling's non-noise points.

use crate::cli::EvaluateArgs;
use crate::commands::auto;
use crate::common::{self, in_pool};
use crate::outputs::{Holds, PlanBuilder};
use anyhow::{bail, Context, Result};
use partitive::metrics::adjusted_rand_index;
use partitive::rng::Rng;
use partitive::Mat;
use partitive_io::{HeaderMode, ReadOptions};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One data set of a battery.
struct DataSet {
    battery: String,
    name: String,
    data: PathBuf,
    labels: Vec<PathBuf>,
}

/// The score of one run.
struct Row {
    battery: String,
    name: String,
    n: usize,
    d: usize,
    k_true: Vec<usize>,
    k_hat: usize,
    exact: bool,
    ari: f64,
    seconds: f64,
    repeatable: Option<bool>,
    /// ARI of k-means given the true k (`--oracle`).
    oracle_ari: Option<f64>,
}

/// The data sets the issue calls Gaussian-like: sipu s1–s4, a1–a3, d31, r15, unbalance
/// and g2mg with d ∈ {2, 16, 64} and s ≤ 60.
fn gaussian_like(battery: &str, name: &str) -> bool {
    let sipu = [
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
    match battery {
        "sipu" => sipu.contains(&name),
        "g2mg" => {
            let parts: Vec<&str> = name.split('_').collect();
            parts.len() == 3
                && parts[0] == "g2mg"
                && ["2", "16", "64"].contains(&parts[1])
                && parts[2].parse::<u32>().is_ok_and(|s| s <= 60)
        }
        _ => false,
    }
}

/// k-means given the true k, as `autok_eval.py`'s `oracle_kmeans` (k-means++, 10
/// restarts, seed 0).
fn oracle_labels(x: &Mat<f64>, refs: &[Vec<usize>]) -> Result<Vec<usize>> {
    let k = refs
        .iter()
        .map(|r| distinct(r.iter().copied().filter(|&v| v > 0)))
        .min()
        .unwrap_or(1)
        .clamp(1, x.n_rows());
    let fit = partitive::kmeans::KMeans::params::<f64>(k)
        .seed(0)
        .n_init(10)
        .fit(x.view())?;
    Ok(fit.labels.to_vec())
}

fn list(root: &Path, batteries: &[String], pattern: Option<&regex::Regex>) -> Result<Vec<DataSet>> {
    let mut out = Vec::new();
    for b in batteries {
        let dir = root.join(b);
        let entries = std::fs::read_dir(&dir)
            .with_context(|| format!("{}: cannot list the battery", dir.display()))?;
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                e.file_name()
                    .to_str()
                    .and_then(|s| s.strip_suffix(".data.gz"))
                    .map(str::to_string)
            })
            .collect();
        names.sort();
        for name in names {
            if let Some(re) = pattern {
                if !re.is_match(&format!("{b}/{name}")) {
                    continue;
                }
            }
            let mut labels: Vec<PathBuf> = (0..10)
                .map(|i| dir.join(format!("{name}.labels{i}.gz")))
                .filter(|p| p.exists())
                .collect();
            labels.sort();
            if labels.is_empty() {
                continue;
            }
            out.push(DataSet {
                battery: b.clone(),
                data: dir.join(format!("{name}.data.gz")),
                name,
                labels,
            });
        }
    }
    Ok(out)
}

fn read_labels(path: &Path) -> Result<Vec<usize>> {
    let opts = ReadOptions {
        header: HeaderMode::Absent,
        ..ReadOptions::default()
    };
    let m = partitive_io::read_matrix::<f64>(path, &opts)?;
    m.view()
        .as_slice()
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v < 0.0 || v.fract() != 0.0 {
                bail!(
                    "{}:{}: label {v} is not a non-negative integer",
                    path.display(),
                    i + 1
                )
            }
            Ok(v as usize)
        })
        .collect()
}

/// k exact and best ARI of `labels` against the references.
fn score(labels: &[usize], refs: &[Vec<usize>]) -> Result<(usize, Vec<usize>, bool, f64)> {
    let k_hat = distinct(labels.iter().copied());
    let (mut exact, mut best, mut ks) = (false, f64::NEG_INFINITY, Vec::new());
    for r in refs {
        let keep: Vec<usize> = (0..r.len()).filter(|&i| r[i] > 0).collect();
        let k = distinct(keep.iter().map(|&i| r[i]));
        ks.push(k);
        exact |= k == k_hat;
        let a: Vec<usize> = keep.iter().map(|&i| r[i]).collect();
        let b: Vec<usize> = keep.iter().map(|&i| labels[i]).collect();
        best = best.max(adjusted_rand_index(&a, &b)?);
    }
    Ok((k_hat, ks, exact, best))
}

fn distinct(it: impl Iterator<Item = usize>) -> usize {
    let mut v: Vec<usize> = it.collect();
    v.sort_unstable();
    v.dedup();
    v.len()
}

/// Whether two labelings are equal up to renaming.
fn same_partition(a: &[usize], b: &[usize]) -> bool {
    let mut ab = BTreeMap::new();
    let mut ba = BTreeMap::new();
    a.iter()
        .zip(b)
        .all(|(&x, &y)| *ab.entry(x).or_insert(y) == y && *ba.entry(y).or_insert(x) == x)
}

fn permuted(x: &Mat<f64>, perm: &[usize]) -> Mat<f64> {
    let d = x.n_cols();
    let mut data = Vec::with_capacity(x.as_slice().len());
    for &i in perm {
        data.extend_from_slice(x.row(i));
    }
    Mat::from_vec(data, perm.len(), d).expect("same shape")
}

/// Runs the repeatability checks of one data set; `Ok(false)` names nothing, the caller reports.
fn repeatable(args: &EvaluateArgs, x: &Mat<f64>, base: &[usize]) -> Result<bool> {
    let mut ok = true;
    let mut rng = Rng::new(0x5eed);
    for _ in 0..args.permutations {
        let mut perm: Vec<usize> = (0..x.n_rows()).collect();
        rng.shuffle(&mut perm);
        let px = permuted(x, &perm);
        let pl = auto::cluster_labels(px.view())?;
        let mut back = vec![0usize; pl.len()];
        for (pos, &i) in perm.iter().enumerate() {
            back[i] = pl[pos];
        }
        ok &= same_partition(base, &back);
    }
    if args.threads_check {
        for t in [1, 2, 4] {
            let l = in_pool(t, || auto::cluster_labels(x.view()))??;
            ok &= same_partition(base, &l);
        }
    }
    Ok(ok)
}

pub fn run(args: EvaluateArgs) -> Result<()> {
    let pattern = match &args.pattern {
        Some(p) => Some(
            regex::Regex::new(p).map_err(|e| anyhow::anyhow!("invalid value for --match: {e}"))?,
        ),
        None => None,
    };
    let sets = list(&args.root, &args.batteries, pattern.as_ref())?;
    if sets.is_empty() {
        bail!(
            "no data sets under {} for batteries {}",
            args.root.display(),
            args.batteries.join(",")
        );
    }
    let mut builder = PlanBuilder::default();
    for s in &sets {
        builder = builder.input("the data set", s.data.as_path());
        for l in &s.labels {
            builder = builder.input("the reference labels", l.as_path());
        }
    }
    let mut plan = builder
        .output("--json-out", args.json_out.as_deref(), Holds::Json)
        .build()?;
    let threads = common::threads(args.threads, false);
    let check = args.permutations > 0 || args.threads_check;
    let mut rows = Vec::new();
    eprintln!(
        "{:<28} {:>7} {:>4} {:>10} {:>5} {:>6} {:>7}{}",
        "data set",
        "n",
        "d",
        "k true",
        "k",
        "ARI",
        "secs",
        if check { "  repeatable" } else { "" }
    );
    for s in &sets {
        let opts = ReadOptions {
            header: HeaderMode::Absent,
            ..ReadOptions::default()
        };
        let data = partitive_io::read_matrix::<f64>(&s.data, &opts)?;
        let x = data.view().to_owned();
        if x.n_rows() > args.max_n {
            continue;
        }
        let refs: Vec<Vec<usize>> = s
            .labels
            .iter()
            .map(|p| read_labels(p))
            .collect::<Result<_>>()?;
        if let Some(r) = refs.iter().find(|r| r.len() != x.n_rows()) {
            bail!("{}: {} labels for {} rows", s.name, r.len(), x.n_rows());
        }
        let t = Instant::now();
        let labels = in_pool(threads, || auto::cluster_labels(x.view()))??;
        let seconds = t.elapsed().as_secs_f64();
        let (k_hat, k_true, exact, ari) = score(&labels, &refs)?;
        let oracle_ari = if args.oracle {
            let lab = in_pool(threads, || oracle_labels(&x, &refs))??;
            Some(score(&lab, &refs)?.3)
        } else {
            None
        };
        let rep = if check {
            Some(in_pool(threads, || repeatable(&args, &x, &labels))??)
        } else {
            None
        };
        eprintln!(
            "{:<28} {:>7} {:>4} {:>10} {:>5} {:>6.3} {:>7.2}{}",
            format!("{}/{}", s.battery, s.name),
            x.n_rows(),
            x.n_cols(),
            format!("{k_true:?}"),
            k_hat,
            ari,
            seconds,
            match rep {
                Some(true) => "  yes",
                Some(false) => "  NO",
                None => "",
            }
        );
        rows.push(Row {
            battery: s.battery.clone(),
            name: s.name.clone(),
            n: x.n_rows(),
            d: x.n_cols(),
            k_true,
            k_hat,
            exact,
            ari,
            seconds,
            repeatable: rep,
            oracle_ari,
        });
    }
    plan.say(&table(&rows));
    if plan.wants("--json-out") {
        let v = json!(rows
            .iter()
            .map(|r| json!({
                "battery": r.battery, "name": r.name, "n": r.n, "d": r.d, "k_true": r.k_true, "k_hat": r.k_hat,
                "exact": r.exact, "ari": r.ari, "seconds": r.seconds, "repeatable": r.repeatable,
                "oracle_kmeans_ari": r.oracle_ari, "gaussian_like": gaussian_like(&r.battery, &r.name),
            }))
            .collect::<Vec<_>>());
        plan.json("--json-out", &v)?;
    }
    plan.commit()?;
    if rows.iter().any(|r| r.repeatable == Some(false)) {
        bail!("some data sets were not repeatable (see the table)");
    }
    Ok(())
}

/// The summary table, one line per battery group.
fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let mut groups: Vec<(String, Vec<&Row>)> = Vec::new();
    for r in rows {
        match groups.iter_mut().find(|g| g.0 == r.battery) {
            Some(g) => g.1.push(r),
            None => groups.push((r.battery.clone(), vec![r])),
        }
    }
    groups.push(("overall".to_string(), rows.iter().collect()));
    let gl: Vec<&Row> = rows
        .iter()
        .filter(|r| gaussian_like(&r.battery, &r.name))
        .collect();
    if !gl.is_empty() && gl.len() < rows.len() {
        groups.push(("gauss-like".to_string(), gl));
    }
    let oracle = rows.iter().all(|r| r.oracle_ari.is_some());
    let _ = writeln!(
        out,
        "{:<10} {:>5} {:>8} {:>9} {:>10} {:>8}{}",
        "battery",
        "sets",
        "k exact",
        "mean ARI",
        "median ARI",
        "secs",
        if oracle {
            "  k-means given k  ratio"
        } else {
            ""
        }
    );
    for (name, g) in groups {
        if g.is_empty() {
            continue;
        }
        let exact = g.iter().filter(|r| r.exact).count() as f64 / g.len() as f64 * 100.0;
        let mut aris: Vec<f64> = g.iter().map(|r| r.ari).collect();
        let mean = aris.iter().sum::<f64>() / aris.len() as f64;
        aris.sort_by(|a, b| a.total_cmp(b));
        let m = aris.len();
        let median = if m % 2 == 1 {
            aris[m / 2]
        } else {
            0.5 * (aris[m / 2 - 1] + aris[m / 2])
        };
        let secs: f64 = g.iter().map(|r| r.seconds).sum();
        let reference = if oracle {
            let o = g.iter().filter_map(|r| r.oracle_ari).sum::<f64>() / g.len() as f64;
            format!("  {o:>15.3}  {:>5.3}", mean / o)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{name:<10} {:>5} {exact:>7.1}% {mean:>9.3} {median:>10.3} {secs:>8.1}{reference}",
            g.len()
        );
    }
    out.truncate(out.trim_end().len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoring_follows_the_convention() {
        // Reference with noise (0) points: k counts non-noise classes only.
        let refs = vec![vec![1, 1, 2, 2, 0], vec![1, 1, 1, 1, 1]];
        let (k, ks, exact, ari) = score(&[5, 5, 7, 7, 9], &refs).unwrap();
        assert_eq!(k, 3);
        assert_eq!(ks, vec![2, 1]);
        assert!(!exact);
        assert!((ari - 1.0).abs() < 1e-12);
        let (_, _, exact, _) = score(&[0, 0, 0, 0, 0], &refs).unwrap();
        assert!(exact);
    }

    #[test]
    fn renaming_is_the_same_partition() {
        assert!(same_partition(&[0, 0, 1, 2], &[2, 2, 0, 1]));
        assert!(!same_partition(&[0, 0, 1, 2], &[2, 2, 0, 0]));
        assert!(!same_partition(&[0, 1, 1], &[0, 0, 1]));
    }
}
