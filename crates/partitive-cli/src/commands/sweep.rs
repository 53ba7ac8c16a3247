//! `--k-range A..B` for k-means and k-medoids: one fit per k, each scored by its mean
//! silhouette on a deterministic sample of at most [`SILHOUETTE_SAMPLE`] rows (Euclidean
//! in the clustering space for k-means, the run's dissimilarity for k-medoids); the k with
//! the highest silhouette wins (the smallest such k on ties). The objective (inertia, loss)
//! is kept for the elbow plot.
//!
//! P. J. Rousseeuw, *Silhouettes: a graphical aid to the interpretation and validation of
//! cluster analysis*, J. Comput. Appl. Math. 20, 1987, doi:10.1016/0377-0427(87)90125-7.
//!
//! [`SILHOUETTE_SAMPLE`]: crate::report::SILHOUETTE_SAMPLE

use crate::chart::{LineChart, Series};
use crate::progress::Progress;
use anyhow::Result;
use serde_json::{json, Value};
use std::ops::RangeInclusive;

/// One k of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    pub k: usize,
    /// Inertia (k-means) or loss (k-medoids).
    pub objective: f64,
    /// Mean silhouette of the sample (`None` for k = 1 or a single-cluster sample).
    pub silhouette: Option<f64>,
}

/// The outcome of a sweep: the chosen fit and the table.
pub struct Swept<R> {
    pub best: R,
    /// The chosen k (the commands read it from `best`; the tests check both agree).
    #[allow(dead_code)]
    pub k: usize,
    pub table: Vec<SweepRow>,
}

/// Fits every k of `range` with `fit` (which returns the result, its objective and its
/// sample silhouette), keeping the one with the highest silhouette.
pub fn sweep<R>(
    range: RangeInclusive<usize>,
    progress: &Progress,
    mut fit: impl FnMut(usize) -> Result<(R, f64, Option<f64>)>,
) -> Result<Swept<R>> {
    let len = (range.end() - range.start() + 1) as u64;
    let mut best: Option<(R, usize, f64)> = None;
    let mut table = Vec::new();
    for (i, k) in range.enumerate() {
        let (r, objective, silhouette) = fit(k)?;
        progress.update(i as u64 + 1, len, || {
            format!(
                "k = {k}: objective {objective:.6e}, silhouette {}",
                silhouette.map_or("–".to_string(), |s| format!("{s:.4}"))
            )
        });
        table.push(SweepRow {
            k,
            objective,
            silhouette,
        });
        let score = silhouette.unwrap_or(f64::NEG_INFINITY);
        if best.as_ref().is_none_or(|b| score > b.2) {
            best = Some((r, k, score));
        }
    }
    let (best, k, _) = best.expect("a non-empty range");
    Ok(Swept { best, k, table })
}

/// The summary's `selection` table.
pub fn table_json(t: &[SweepRow], objective: &str) -> Value {
    Value::Array(
        t.iter()
            .map(|r| json!({"k": r.k, objective: r.objective, "silhouette": r.silhouette}))
            .collect(),
    )
}

/// The two k-selection charts: the objective (elbow) and the silhouette, k marked.
pub fn charts(t: &[SweepRow], objective: &str, k: usize) -> Vec<LineChart> {
    let pts = |f: &dyn Fn(&SweepRow) -> Option<f64>| -> Vec<(f64, f64)> {
        t.iter()
            .filter_map(|r| f(r).map(|v| (r.k as f64, v)))
            .collect()
    };
    let mut out = vec![LineChart {
        title: format!("{objective} by k (chosen: k = {k})"),
        x_label: "number of clusters k".into(),
        y_label: format!("{objective} (lower is better)"),
        series: vec![Series {
            name: objective.into(),
            points: pts(&|r| Some(r.objective)),
        }],
        chosen_x: Some(k as f64),
        integer_x: true,
    }];
    let s = pts(&|r| r.silhouette);
    if !s.is_empty() {
        out.push(LineChart {
            title: format!("silhouette by k (sample; chosen: k = {k})"),
            x_label: "number of clusters k".into(),
            y_label: "mean silhouette (higher is better)".into(),
            series: vec![Series {
                name: "silhouette".into(),
                points: s,
            }],
            chosen_x: Some(k as f64),
            integer_x: true,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highest_silhouette_wins_smallest_on_ties() {
        let p = Progress::new(true, 1, "t");
        let sil = [None, Some(0.5), Some(0.7), Some(0.7), Some(0.2)];
        let s = sweep(1..=5, &p, |k| Ok((k * 10, 100.0 / k as f64, sil[k - 1]))).unwrap();
        assert_eq!((s.k, s.best), (3, 30));
        assert_eq!(s.table.len(), 5);
        let c = charts(&s.table, "inertia", s.k);
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].series[0].points.len(), 4);
        assert_eq!(
            table_json(&s.table, "inertia")[0]["silhouette"],
            Value::Null
        );
    }
}
