//! `--report FILE.html`: one self-contained page (inline SVG and CSS, no script, no
//! network) describing a clustering run — the clusters projected to 2-D (PCA when d > 2)
//! with a legend and sizes, the k-selection curves, for `auto` the mixture components and
//! how they were merged, the per-cluster profile table and a heat map of standardised
//! means, a silhouette plot (on a deterministic sample of at most [`SILHOUETTE_SAMPLE`]
//! rows), the parameters, tool version and input SHA-256.

mod merge;
mod sections;

pub use sections::{silhouette_sample, Silhouette};

use crate::chart::{self, esc, LineChart, Panel, Scatter};
use crate::profile::Profile;
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// Rows the silhouette plot is computed on, at most (evenly spaced, so deterministic).
pub const SILHOUETTE_SAMPLE: usize = 2000;

/// One mixture component of an `auto` run and what became of it.
pub struct Component {
    pub component: usize,
    pub cluster: usize,
    pub parent: Option<usize>,
    pub weight: f64,
    pub fit_points: usize,
    pub reason: String,
}

/// What a report shows; the sections whose data are `None`/empty are left out.
pub struct Report<'a> {
    pub command: &'a str,
    pub input: String,
    pub k: usize,
    pub labels: &'a [usize],
    /// The data projected to 2-D and the axis labels.
    pub points: Option<(Vec<[f64; 2]>, String, String)>,
    pub columns: &'a [String],
    /// Per-cluster profiles (the last: all rows), original units.
    pub profiles: Option<&'a [Profile]>,
    pub curves: Vec<LineChart>,
    pub components: Vec<Component>,
    /// `auto`: the most probable mixture component of every row (before merging).
    pub component_rows: Option<Vec<usize>>,
    pub silhouette: Option<Silhouette>,
    /// The summary's record (parameters, version, checksum, rows).
    pub record: &'a Map<String, Value>,
    /// The one-line result and reading notes.
    pub lines: Vec<String>,
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px auto;max-width:1180px;color:#222;background:#fff}\
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}\
p.sub{color:#555;margin:0 0 12px;font-size:13px}table{border-collapse:collapse;font-size:12px}\
td,th{border:1px solid #ddd;padding:3px 7px;text-align:right;vertical-align:top}th{background:#f4f4f4}\
td.l,th.l{text-align:left}small{color:#666}.sw{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}\
.scroll{overflow-x:auto}code{font-size:12px}";

impl Report<'_> {
    /// The HTML page.
    pub fn render(&self) -> String {
        let mut h = String::new();
        let title = format!("partitive {}: k = {}", self.command, self.k);
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} — {}</title><style>{STYLE}</style></head><body>",
            esc(&title),
            esc(&self.input)
        );
        let n = self.labels.len();
        let _ = write!(
            h,
            "<h1>{}</h1><p class=\"sub\">{} · {n} rows × {} features · partitive {}</p>",
            esc(&title),
            esc(&self.input),
            self.columns.len(),
            esc(crate::record::VERSION)
        );
        for l in &self.lines {
            let _ = write!(h, "<p class=\"sub\">{}</p>", esc(l));
        }
        self.clusters(&mut h);
        if !self.curves.is_empty() {
            h.push_str("<h2>Choosing k</h2>");
            for c in &self.curves {
                let mut svg = String::new();
                chart::open(&mut svg, 620.0, 420.0);
                let p = Panel {
                    x0: 80.0,
                    y0: 40.0,
                    w: 500.0,
                    h: 320.0,
                };
                chart::line_chart(&mut svg, p, c);
                svg.push_str("</svg>");
                h.push_str(&svg);
            }
        }
        let mut sizes = vec![0usize; self.k];
        for &l in self.labels {
            if l < sizes.len() {
                sizes[l] += 1;
            }
        }
        merge::section(
            &mut h,
            &self.components,
            self.points.as_ref(),
            self.component_rows.as_deref(),
            &sizes,
        );
        if let Some(p) = self.profiles {
            sections::profile_table(&mut h, p, self.columns);
            sections::heat_map(&mut h, p, self.columns);
        }
        if let Some(s) = &self.silhouette {
            sections::silhouette_plot(&mut h, s, self.k);
        }
        sections::parameters(&mut h, self.record);
        h.push_str("</body></html>\n");
        h
    }

    fn clusters(&self, h: &mut String) {
        let Some((pts, xl, yl)) = &self.points else {
            return;
        };
        h.push_str("<h2>Clusters</h2>");
        let names: Vec<String> = (0..self.k).map(|c| format!("cluster {c}")).collect();
        let mut svg = String::new();
        chart::open(&mut svg, 900.0, 600.0);
        let p = Panel {
            x0: 80.0,
            y0: 40.0,
            w: 620.0,
            h: 500.0,
        };
        chart::scatter(
            &mut svg,
            p,
            &Scatter {
                title: &format!("{} rows, k = {}", pts.len(), self.k),
                x_label: xl,
                y_label: yl,
                points: pts,
                labels: self.labels,
                names: &names,
            },
        );
        svg.push_str("</svg>");
        h.push_str(&svg);
    }
}
