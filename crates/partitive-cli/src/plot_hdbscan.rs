//! The `partitive hdbscan --plot-out` figure: the data (2-D projection) coloured by
//! cluster with noise in grey, beside the condensed tree (each cluster a bar from its
//! birth to its death in λ = 1/distance, as wide as the rows beneath it; selected
//! clusters in their colour).

use crate::chart::{axes, esc, Axis, Panel, MAX_POINTS, PALETTE};
use crate::outputs::PlotFormat;
use crate::plot;
use anyhow::Result;
use partitive::hdbscan::HdbscanModel;
use partitive::{Float, MatRef};
use std::fmt::Write as _;

/// At most this many condensed clusters are drawn (the largest ones).
const MAX_CLUSTERS: usize = 1500;

const NOISE: &str = "#BBBBBB";

/// The figure as the bytes of an SVG or PNG file.
pub fn render<T: Float>(x: MatRef<'_, T>, m: &HdbscanModel, format: PlotFormat) -> Result<Vec<u8>> {
    plot::render_bytes(render_svg(x, m), format)
}

/// The figure as an SVG document.
pub fn render_svg<T: Float>(x: MatRef<'_, T>, m: &HdbscanModel) -> String {
    let (points, xl, yl) = plot::project_2d(x);
    let (width, height) = (1100.0, 560.0);
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif"><rect width="100%" height="100%" fill="white"/>"##
    );
    let p = Panel {
        x0: 70.0,
        y0: 50.0,
        w: 480.0,
        h: 440.0,
    };
    let step = points.len().div_ceil(MAX_POINTS).max(1);
    let xs = Axis::of(points.iter().step_by(step).map(|q| q[0]), 6, false);
    let ys = Axis::of(points.iter().step_by(step).map(|q| q[1]), 6, false);
    let title = format!(
        "partitive hdbscan: {} clusters, {} noise",
        m.n_clusters,
        m.n_noise()
    );
    axes(&mut out, p, &title, &xl, &yl, &xs, &ys);
    let r = if points.len() / step > 5000 { 1.2 } else { 2.2 };
    // noise first, underneath
    for pass in [true, false] {
        for (i, q) in points.iter().enumerate().step_by(step) {
            let l = m.labels[i];
            if l.is_none() != pass {
                continue;
            }
            let c = l.map_or(NOISE, |l| PALETTE[l % PALETTE.len()]);
            let _ = write!(
                out,
                r##"<circle cx="{:.1}" cy="{:.1}" r="{r}" fill="{c}" fill-opacity="0.75"/>"##,
                xs.map(q[0], p.x0, p.x0 + p.w),
                ys.map(q[1], p.y0 + p.h, p.y0)
            );
        }
    }
    tree_panel(&mut out, m);
    out.push_str("</svg>\n");
    out
}

fn tree_panel(out: &mut String, m: &HdbscanModel) {
    let p = Panel {
        x0: 660.0,
        y0: 50.0,
        w: 400.0,
        h: 440.0,
    };
    let ct = &m.condensed_tree;
    let nc = ct.clusters.len();
    // the largest clusters (an ancestor-closed set: children are smaller than parents)
    let mut sizes: Vec<usize> = ct.clusters.iter().map(|c| c.size).collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    let cutoff = sizes.get(MAX_CLUSTERS.min(nc) - 1).copied().unwrap_or(0);
    let drawn: Vec<bool> = ct.clusters.iter().map(|c| c.size >= cutoff).collect();
    // death: the largest finite λ among direct children
    let mut death = vec![0.0f64; nc];
    for f in &ct.fall_outs {
        if f.lambda.is_finite() {
            death[f.cluster] = death[f.cluster].max(f.lambda);
        }
    }
    for (c, k) in ct.clusters.iter().enumerate().skip(1) {
        let parent = k.parent.unwrap_or(0);
        if k.lambda_birth.is_finite() {
            death[parent] = death[parent].max(k.lambda_birth);
        }
        death[c] = death[c].max(k.lambda_birth.min(f64::MAX));
    }
    let lam_max = (0..nc)
        .filter(|&c| drawn[c])
        .map(|c| death[c])
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    // horizontal spans: drawn leaves side by side, as wide as their size
    let mut span = vec![(0.0f64, 0.0f64); nc];
    let mut cursor = 0.0;
    let mut stack = vec![(0usize, false)];
    while let Some((c, done)) = stack.pop() {
        let kids: Vec<usize> = ct.clusters[c]
            .children
            .iter()
            .copied()
            .filter(|&k| drawn[k])
            .collect();
        if kids.is_empty() {
            span[c] = (cursor, cursor + ct.clusters[c].size as f64);
            cursor += ct.clusters[c].size as f64;
        } else if done {
            span[c] = (span[kids[0]].0, span[kids[kids.len() - 1]].1);
        } else {
            stack.push((c, true));
            for &k in kids.iter().rev() {
                stack.push((k, false));
            }
        }
    }
    let xs = Axis::of([0.0, cursor.max(1.0)].into_iter(), 6, true);
    let ys = Axis::of([0.0, lam_max * 1.04].into_iter(), 6, false);
    // λ grows downwards: the axis drawn reversed.
    let down = Axis {
        lo: ys.hi,
        hi: ys.lo,
        ..ys.clone()
    };
    axes(
        out,
        p,
        "condensed tree",
        "rows (clusters side by side)",
        "λ = 1 / distance (down = denser)",
        &xs,
        &down,
    );
    let y = |l: f64| ys.map(l.min(ys.hi), p.y0, p.y0 + p.h);
    for c in 0..nc {
        if !drawn[c] {
            continue;
        }
        let (a, b) = span[c];
        let (x0, x1) = (xs.map(a, p.x0, p.x0 + p.w), xs.map(b, p.x0, p.x0 + p.w));
        let inset = ((x1 - x0) * 0.06).min(3.0);
        let label = m.selected_clusters.iter().position(|&s| s == c);
        let fill = label.map_or("#D9D9D9", |l| PALETTE[l % PALETTE.len()]);
        let (top, bottom) = (y(ct.clusters[c].lambda_birth), y(death[c]));
        let _ = write!(
            out,
            r##"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="{fill}" stroke="#555" stroke-width="0.4"/>"##,
            x0 + inset,
            top,
            (x1 - x0 - 2.0 * inset).max(0.3),
            (bottom - top).max(0.5)
        );
        let kids: Vec<usize> = ct.clusters[c]
            .children
            .iter()
            .copied()
            .filter(|&k| drawn[k])
            .collect();
        if kids.len() >= 2 {
            let mid = |k: usize| {
                let (a, b) = span[k];
                xs.map((a + b) / 2.0, p.x0, p.x0 + p.w)
            };
            let _ = write!(
                out,
                r##"<line x1="{:.2}" y1="{:.2}" x2="{:.2}" y2="{:.2}" stroke="#555" stroke-width="0.8"/>"##,
                mid(kids[0]),
                bottom,
                mid(kids[kids.len() - 1]),
                bottom
            );
        }
        if let (Some(l), true) = (label, m.n_clusters <= 40) {
            let _ = write!(
                out,
                r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"##,
                (x0 + x1) / 2.0,
                bottom + 11.0,
                esc(&l.to_string())
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partitive::hdbscan::Hdbscan;
    use partitive::Mat;

    #[test]
    fn figure_has_points_noise_and_tree() {
        let mut rows = Vec::new();
        for i in 0..30 {
            let t = i as f64 * 0.01;
            rows.push([t, 0.0]);
            rows.push([5.0 + t, 5.0]);
        }
        rows.push([2.5, 30.0]);
        let x = Mat::from_rows(&rows);
        let m = Hdbscan::params(5).fit(x.view()).unwrap();
        let s = render_svg(x.view(), &m);
        assert_eq!(s.matches("<circle").count(), 61);
        assert_eq!(s.matches(NOISE).count(), m.n_noise());
        // root + two selected clusters drawn as bars
        assert!(s.matches("<rect").count() >= 1 + 2 + 3);
        assert!(s.contains("condensed tree"));
    }
}
