//! Fitting: `-k` or every k of `--k-range`, from the resolved [`Plan`]'s method.

use super::plan::{Method, Plan};
use crate::cli::{KmedoidsAlgorithmFlag, KmedoidsArgs};
use crate::commands::sweep::{sweep, SweepRow};
use crate::progress::Progress;
use crate::report::silhouette_sample;
use anyhow::{bail, Context, Result};
use partitive::dissimilarity::Dissimilarity;
use partitive::kmedoids::{Clara, Init, KMedoids, KMedoidsResult};

pub(super) fn read_medoids(args: &KmedoidsArgs) -> Result<Option<Vec<usize>>> {
    let Some(p) = &args.init_medoids else {
        return Ok(None);
    };
    let text =
        std::fs::read_to_string(p).with_context(|| format!("--init-medoids {}", p.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let v: usize = t.parse().map_err(|_| {
            anyhow::anyhow!(
                "{}:{}:1: cannot parse '{t}' as a row index",
                p.display(),
                i + 1
            )
        })?;
        out.push(v);
    }
    Ok(Some(out))
}

/// The k-selection table of a `--k-range` run.
pub(super) type Selection = Option<Vec<SweepRow>>;

/// Fits `-k` or, with `--k-range`, every k of the range (the highest sample silhouette
/// wins, see [`super::sweep`]), returning the fit and the selection table.
pub(super) fn fit<D: Dissimilarity>(
    args: &KmedoidsArgs,
    plan: &Plan,
    d: &D,
    given: Option<Vec<usize>>,
) -> Result<(KMedoidsResult, Selection)> {
    let range = match (&args.k, &args.k_range) {
        (Some(k), _) => return Ok((fit_k(args, plan, d, given, *k)?, None)),
        (None, Some(r)) => crate::commands::gmm::cap_range(
            crate::commands::gmm::parse_range(r)?,
            d.n(),
            args.run.quiet,
        )?,
        (None, None) => bail!("give -k K or --k-range A..B"),
    };
    if given.is_some() {
        bail!("--init-medoids cannot be used with --k-range (it fixes k)");
    }
    let len = (range.end() - range.start() + 1) as u64;
    let progress = Progress::new(args.run.quiet, len, "k-medoids sweep");
    let swept = sweep(range, &progress, |k| {
        let r = fit_k(args, plan, d, None, k)?;
        let s = silhouette_sample(d, &r.labels)?.map(|s| s.mean());
        let loss = r.loss;
        Ok((r, loss, s))
    })?;
    progress.finish();
    Ok((swept.best, Some(swept.table)))
}

fn fit_k<D: Dissimilarity>(
    args: &KmedoidsArgs,
    plan: &Plan,
    d: &D,
    given: Option<Vec<usize>>,
    k: usize,
) -> Result<KMedoidsResult> {
    if let Some(m) = &given {
        if m.len() != k {
            bail!("--init-medoids holds {} indices but -k is {}", m.len(), k);
        }
    }
    let r = match &plan.method {
        Method::Clara => {
            if given.is_some() {
                bail!("--init-medoids cannot be used with --algorithm clara (each sample starts from BUILD)");
            }
            Clara::params(k)
                .seed(args.seed)
                .max_iter(args.max_iter)
                .fit(d)?
        }
        Method::Swap(algorithm) => KMedoids::params(k)
            .algorithm(algorithm.clone())
            .init(given.map_or_else(|| plan.init.clone(), Init::Given))
            .seed(args.seed)
            .max_iter(args.max_iter)
            .fit(d)?,
    };
    Ok(r)
}

/// Rows above which the swap algorithms' O(n²) dissimilarities get a warning.
pub(crate) const QUADRATIC_WARN_ROWS: usize = 50_000;

/// A warning before O(n²) work on `n` rows (not for CLARA, which works on samples).
pub(super) fn warn_quadratic(args: &KmedoidsArgs, n: usize) {
    if let Some(w) = quadratic_warning(args.algorithm, n).filter(|_| !args.run.quiet) {
        eprintln!("partitive: warning: {w}");
    }
}

/// The warning [`warn_quadratic`] prints, if any.
fn quadratic_warning(algorithm: KmedoidsAlgorithmFlag, n: usize) -> Option<String> {
    if n <= QUADRATIC_WARN_ROWS || matches!(algorithm, KmedoidsAlgorithmFlag::Clara) {
        return None;
    }
    Some(format!(
        "--algorithm {} on {n} rows evaluates O(n²) ≈ {:.1e} dissimilarities (minutes to hours); --algorithm clara works on samples in O(n·k) and suits large n",
        format!("{algorithm:?}").to_lowercase(),
        (n as f64) * (n as f64)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadratic_work_is_announced_above_the_threshold() {
        let w = quadratic_warning(KmedoidsAlgorithmFlag::Fasterpam, 200_000).unwrap();
        assert!(
            w.contains("200000 rows") && w.contains("4.0e10") && w.contains("--algorithm clara"),
            "{w}"
        );
        assert!(quadratic_warning(KmedoidsAlgorithmFlag::Fasterpam, QUADRATIC_WARN_ROWS).is_none());
        assert!(quadratic_warning(KmedoidsAlgorithmFlag::Clara, 1_000_000).is_none());
    }
}
