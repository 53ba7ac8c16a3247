//! The report's tables and smaller charts.

use super::SILHOUETTE_SAMPLE;
use crate::chart::{self, colour, diverging, esc, Panel};
use crate::profile::{standardised_means, Profile};
use anyhow::Result;
use partitive::dissimilarity::{Dissimilarity, Subset};
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// Silhouette values of a sample of rows.
pub struct Silhouette {
    /// `(cluster, silhouette)` of every sampled row.
    pub values: Vec<(usize, f64)>,
    /// Rows in the data.
    pub of: usize,
}

impl Silhouette {
    /// The mean silhouette of the sample.
    pub fn mean(&self) -> f64 {
        self.values.iter().map(|v| v.1).sum::<f64>() / self.values.len().max(1) as f64
    }
}

/// Silhouettes (P. J. Rousseeuw, *Silhouettes: a graphical aid to the interpretation and
/// validation of cluster analysis*, J. Comput. Appl. Math. 20, 1987,
/// doi:10.1016/0377-0427(87)90125-7) of at most [`SILHOUETTE_SAMPLE`] evenly spaced rows,
/// over the dissimilarities among them; `None` when the sample holds fewer than two
/// clusters.
pub fn silhouette_sample<D: Dissimilarity>(d: &D, labels: &[usize]) -> Result<Option<Silhouette>> {
    let n = d.n();
    let m = n.min(SILHOUETTE_SAMPLE);
    let idx: Vec<usize> = (0..m).map(|i| i * n / m).collect();
    let sub_labels: Vec<usize> = idx.iter().map(|&i| labels[i]).collect();
    let mut distinct = sub_labels.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 2 || distinct.len() >= m {
        return Ok(None);
    }
    // Dense cluster ids for the library (it wants 0..k').
    let dense: Vec<usize> = sub_labels
        .iter()
        .map(|l| distinct.binary_search(l).expect("present"))
        .collect();
    let sub = Subset::new(d, idx)?;
    let s = partitive::metrics::silhouette_samples(&sub, &dense)?;
    Ok(Some(Silhouette {
        values: sub_labels.into_iter().zip(s).collect(),
        of: n,
    }))
}

/// `v` with 3 significant decimals (or scientific when large or tiny).
fn fmt(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        "–".into()
    } else if a != 0.0 && !(1e-3..1e6).contains(&a) {
        format!("{v:.3e}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

/// Per feature and cluster: mean, with median and standard deviation below.
pub fn profile_table(h: &mut String, p: &[Profile], columns: &[String]) {
    let k = p.len() - 1;
    h.push_str("<h2>Cluster profiles</h2><p class=\"sub\">mean, then median · standard deviation, in the original units</p><div class=\"scroll\"><table><tr><th class=\"l\">feature</th>");
    for (c, prof) in p[..k].iter().enumerate() {
        let _ = write!(
            h,
            "<th><span class=\"sw\" style=\"background:{}\"></span>cluster {c}<br><small>n = {}</small></th>",
            colour(c),
            prof.size
        );
    }
    let _ = write!(
        h,
        "<th>all rows<br><small>n = {}</small></th></tr>",
        p[k].size
    );
    for (j, name) in columns.iter().enumerate() {
        let _ = write!(h, "<tr><td class=\"l\">{}</td>", esc(name));
        for prof in p {
            let _ = write!(
                h,
                "<td>{}<br><small>{} · {}</small></td>",
                fmt(prof.mean[j]),
                fmt(prof.median[j]),
                fmt(prof.std[j])
            );
        }
        h.push_str("</tr>");
    }
    h.push_str("</table></div>");
}

/// Clusters × features coloured by `(cluster mean − mean) / std`.
pub fn heat_map(h: &mut String, p: &[Profile], columns: &[String]) {
    let z = standardised_means(p);
    let (k, d) = (z.len(), columns.len());
    let (cw, ch, left, top) = (64.0, 30.0, 110.0, 130.0);
    let (w, ht) = (left + cw * d as f64 + 20.0, top + ch * k as f64 + 40.0);
    h.push_str("<h2>Standardised means</h2><p class=\"sub\">(cluster mean − overall mean) / overall standard deviation; red above the mean, blue below</p><div class=\"scroll\">");
    let mut s = String::new();
    chart::open(&mut s, w, ht);
    for (j, name) in columns.iter().enumerate() {
        let x = left + cw * (j as f64 + 0.5);
        let short: String = name.chars().take(18).collect();
        let _ = write!(
            s,
            r##"<text x="{x:.1}" y="{:.1}" font-size="11" transform="rotate(-45 {x:.1} {:.1})">{}</text>"##,
            top - 8.0,
            top - 8.0,
            esc(&short)
        );
    }
    for (c, row) in z.iter().enumerate() {
        let y = top + ch * c as f64;
        let _ = write!(
            s,
            r##"<circle cx="{:.1}" cy="{:.1}" r="5" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="12">cluster {c}</text>"##,
            12.0,
            y + ch / 2.0,
            colour(c),
            22.0,
            y + ch / 2.0 + 4.0
        );
        for (j, v) in row.iter().enumerate() {
            let x = left + cw * j as f64;
            let _ = write!(
                s,
                r##"<rect x="{x:.1}" y="{y:.1}" width="{cw}" height="{ch}" fill="{}" stroke="#fff"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">{}</text>"##,
                if v.is_finite() {
                    diverging(*v)
                } else {
                    "#eee".into()
                },
                x + cw / 2.0,
                y + ch / 2.0 + 4.0,
                if v.is_finite() {
                    format!("{v:+.1}")
                } else {
                    "–".into()
                }
            );
        }
    }
    s.push_str("</svg>");
    h.push_str(&s);
    h.push_str("</div>");
}

/// Horizontal bars: every sampled row's silhouette, grouped by cluster, sorted.
pub fn silhouette_plot(h: &mut String, s: &Silhouette, k: usize) {
    let _ = write!(
        h,
        "<h2>Silhouette</h2><p class=\"sub\">mean {:.3} over {} of {} rows (evenly spaced sample); 1 = well inside its cluster, 0 = on a border, below 0 = closer to another cluster</p>",
        s.mean(),
        s.values.len(),
        s.of
    );
    let mut groups: Vec<Vec<f64>> = vec![Vec::new(); k];
    for &(c, v) in &s.values {
        if c < k {
            groups[c].push(v);
        }
    }
    for g in &mut groups {
        g.sort_unstable_by(|a, b| b.total_cmp(a));
    }
    let n = s.values.len() as f64 + 4.0 * k as f64;
    let p = Panel {
        x0: 90.0,
        y0: 30.0,
        w: 520.0,
        h: 380.0,
    };
    let xa = chart::Axis::of([-1.0, 1.0].into_iter(), 9, false);
    let mut svg = String::new();
    chart::open(&mut svg, 680.0, 460.0);
    let ya = chart::Axis {
        lo: 0.0,
        hi: 1.0,
        ticks: Vec::new(),
        decimals: 0,
    };
    chart::axes(
        &mut svg,
        p,
        "silhouette by cluster",
        "silhouette",
        "rows, by cluster",
        &xa,
        &ya,
    );
    let x0 = xa.map(0.0, p.x0, p.x0 + p.w);
    let bar = p.h / n;
    let mut at = 0.0;
    for (c, g) in groups.iter().enumerate() {
        let start = at;
        for &v in g {
            let x = xa.map(v, p.x0, p.x0 + p.w);
            let _ = write!(
                svg,
                r##"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="{}"/>"##,
                x.min(x0),
                p.y0 + at * bar,
                (x - x0).abs(),
                bar.max(0.3),
                colour(c)
            );
            at += 1.0;
        }
        if !g.is_empty() {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end">{c}</text>"##,
                p.x0 - 4.0,
                p.y0 + (start + at) / 2.0 * bar + 3.0
            );
        }
        at += 4.0;
    }
    let _ = write!(
        svg,
        r##"<line x1="{x0:.1}" y1="{:.1}" x2="{x0:.1}" y2="{:.1}" stroke="#444"/>"##,
        p.y0,
        p.y0 + p.h
    );
    svg.push_str("</svg>");
    h.push_str(&svg);
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, x, out);
            }
        }
        Value::Null => out.push((prefix.to_string(), "–".into())),
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// The record: version, input checksum, rows, every parameter.
pub fn parameters(h: &mut String, record: &Map<String, Value>) {
    h.push_str("<h2>Run record</h2><table>");
    let mut rows = Vec::new();
    for key in [
        "partitive_version",
        "command",
        "input_sha256",
        "scale",
        "id_column",
        "rows",
        "parameters",
    ] {
        if let Some(v) = record.get(key) {
            flatten(key, v, &mut rows);
        }
    }
    for (k, v) in rows {
        let _ = write!(
            h,
            "<tr><th class=\"l\">{}</th><td class=\"l\"><code>{}</code></td></tr>",
            esc(&k),
            esc(&v)
        );
    }
    h.push_str("</table>");
}
