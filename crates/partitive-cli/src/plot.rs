//! Plots for `partitive auto --plot-out`: the data (2-D projection) coloured by
//! cluster beside the decision curve, as SVG, or as PNG rendered from the same SVG.

use crate::outputs::PlotFormat;
use anyhow::{Context, Result};
use std::fmt::Write as _;

/// At most this many points are drawn (an even, deterministic subsample above it).
const MAX_POINTS: usize = 20_000;

/// A line chart of a criterion against k, with the chosen k marked.
pub struct Curve {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub points: Vec<(f64, f64)>,
    pub chosen_x: Option<f64>,
}

/// A scatter of 2-D points coloured by label, with an optional curve panel.
pub struct Figure {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub points: Vec<[f64; 2]>,
    pub labels: Vec<usize>,
    pub curve: Option<Curve>,
}

/// A qualitative palette (Okabe–Ito, then Tableau-like hues), cycled.
const PALETTE: [&str; 16] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
    "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF", "#9467BD", "#FF9896", "#2CA02C", "#1F77B4",
];

struct Panel {
    x0: f64,
    y0: f64,
    w: f64,
    h: f64,
}

struct Scale {
    lo: f64,
    hi: f64,
}

impl Scale {
    fn of(values: impl Iterator<Item = f64>) -> Scale {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !lo.is_finite() {
            return Scale { lo: 0.0, hi: 1.0 };
        }
        if hi - lo < 1e-12 * (1.0 + lo.abs()) {
            lo -= 0.5;
            hi += 0.5;
        }
        let pad = (hi - lo) * 0.04;
        Scale {
            lo: lo - pad,
            hi: hi + pad,
        }
    }

    fn map(&self, v: f64, a: f64, b: f64) -> f64 {
        a + (v - self.lo) / (self.hi - self.lo) * (b - a)
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn axes(out: &mut String, p: &Panel, title: &str, xl: &str, yl: &str, xs: &Scale, ys: &Scale) {
    let _ = write!(
        out,
        r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#444" stroke-width="1"/>"##,
        p.x0, p.y0, p.w, p.h
    );
    let _ = write!(
        out,
        r##"<text x="{:.1}" y="{:.1}" font-size="15" text-anchor="middle" font-weight="bold">{}</text>"##,
        p.x0 + p.w / 2.0,
        p.y0 - 10.0,
        esc(title)
    );
    let _ = write!(
        out,
        r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">{}</text>"##,
        p.x0 + p.w / 2.0,
        p.y0 + p.h + 36.0,
        esc(xl)
    );
    let _ = write!(
        out,
        r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" transform="rotate(-90 {:.1} {:.1})">{}</text>"##,
        p.x0 - 44.0,
        p.y0 + p.h / 2.0,
        p.x0 - 44.0,
        p.y0 + p.h / 2.0,
        esc(yl)
    );
    for i in 0..=4 {
        let f = i as f64 / 4.0;
        let xv = xs.lo + f * (xs.hi - xs.lo);
        let yv = ys.lo + f * (ys.hi - ys.lo);
        let px = p.x0 + f * p.w;
        let py = p.y0 + p.h - f * p.h;
        let _ = write!(
            out,
            r##"<text x="{px:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#444">{}</text>"##,
            p.y0 + p.h + 16.0,
            tick(xv)
        );
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="#444">{}</text>"##,
            p.x0 - 6.0,
            py + 3.0,
            tick(yv)
        );
    }
}

fn tick(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        format!("{v:.2e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The rows of `x` as 2-D points: the data itself when `d ≤ 2` (a zero second axis when
/// `d = 1`), else the projection on the first two principal components (computed on an
/// even subsample of at most [`MAX_POINTS`] rows, by power iteration with deflation).
/// Returns the points and the axis labels.
pub fn project_2d<T: partitive::Float>(
    x: partitive::MatRef<'_, T>,
) -> (Vec<[f64; 2]>, String, String) {
    let (n, d) = (x.n_rows(), x.n_cols());
    let row = |i: usize| x.row(i).iter().map(|v| v.as_f64());
    if d <= 2 {
        let pts = (0..n)
            .map(|i| {
                let mut r = row(i);
                [r.next().unwrap_or(0.0), r.next().unwrap_or(0.0)]
            })
            .collect();
        return (
            pts,
            "column 1".into(),
            if d == 2 {
                "column 2".into()
            } else {
                "(none)".into()
            },
        );
    }
    let step = n.div_ceil(MAX_POINTS).max(1);
    let sample: Vec<usize> = (0..n).step_by(step).collect();
    let mut mean = vec![0.0; d];
    for &i in &sample {
        for (m, v) in mean.iter_mut().zip(row(i)) {
            *m += v;
        }
    }
    mean.iter_mut().for_each(|m| *m /= sample.len() as f64);
    let mut cov = vec![0.0; d * d];
    let mut c = vec![0.0; d];
    for &i in &sample {
        for (cj, (v, m)) in c.iter_mut().zip(row(i).zip(&mean)) {
            *cj = v - m;
        }
        for a in 0..d {
            for b in 0..d {
                cov[a * d + b] += c[a] * c[b];
            }
        }
    }
    let mut axes: Vec<Vec<f64>> = Vec::new();
    let mut explained = Vec::new();
    for _ in 0..2 {
        let mut v: Vec<f64> = (0..d).map(|j| 1.0 + j as f64 * 1e-3).collect();
        let mut lambda = 0.0;
        for _ in 0..300 {
            let mut w: Vec<f64> = (0..d)
                .map(|a| (0..d).map(|b| cov[a * d + b] * v[b]).sum())
                .collect();
            for u in &axes {
                let dot: f64 = w.iter().zip(u).map(|(p, q)| p * q).sum();
                w.iter_mut().zip(u).for_each(|(p, q)| *p -= dot * q);
            }
            let norm = w.iter().map(|p| p * p).sum::<f64>().sqrt();
            if norm == 0.0 {
                break;
            }
            lambda = norm;
            w.iter_mut().for_each(|p| *p /= norm);
            let delta: f64 = w.iter().zip(&v).map(|(p, q)| (p - q).abs()).sum();
            v = w;
            if delta < 1e-12 {
                break;
            }
        }
        axes.push(v);
        explained.push(lambda);
    }
    let total: f64 = (0..d)
        .map(|j| cov[j * d + j])
        .sum::<f64>()
        .max(f64::MIN_POSITIVE);
    let pts = (0..n)
        .map(|i| {
            let mut p = [0.0; 2];
            for (k, u) in axes.iter().enumerate() {
                p[k] = row(i)
                    .zip(&mean)
                    .zip(u)
                    .map(|((v, m), w)| (v - m) * w)
                    .sum();
            }
            p
        })
        .collect();
    (
        pts,
        format!("PC 1 ({:.0}% of variance)", 100.0 * explained[0] / total),
        format!("PC 2 ({:.0}% of variance)", 100.0 * explained[1] / total),
    )
}

/// Renders the figure as an SVG document.
pub fn render_svg(fig: &Figure) -> String {
    let width = if fig.curve.is_some() { 1100.0 } else { 600.0 };
    let height = 560.0;
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
    let step = fig.points.len().div_ceil(MAX_POINTS).max(1);
    let xs = Scale::of(fig.points.iter().step_by(step).map(|q| q[0]));
    let ys = Scale::of(fig.points.iter().step_by(step).map(|q| q[1]));
    axes(
        &mut out,
        &p,
        &fig.title,
        &fig.x_label,
        &fig.y_label,
        &xs,
        &ys,
    );
    let r = if fig.points.len() / step > 5000 {
        1.2
    } else {
        2.2
    };
    for (i, q) in fig.points.iter().enumerate().step_by(step) {
        let c = PALETTE[fig.labels.get(i).copied().unwrap_or(0) % PALETTE.len()];
        let _ = write!(
            out,
            r##"<circle cx="{:.1}" cy="{:.1}" r="{r}" fill="{c}" fill-opacity="0.75"/>"##,
            xs.map(q[0], p.x0, p.x0 + p.w),
            ys.map(q[1], p.y0 + p.h, p.y0)
        );
    }
    if let Some(curve) = &fig.curve {
        let p = Panel {
            x0: 620.0 + 40.0,
            y0: 50.0,
            w: 400.0,
            h: 440.0,
        };
        let cx = Scale::of(curve.points.iter().map(|q| q.0));
        let cy = Scale::of(curve.points.iter().map(|q| q.1));
        axes(
            &mut out,
            &p,
            &curve.title,
            &curve.x_label,
            &curve.y_label,
            &cx,
            &cy,
        );
        let mut path = String::new();
        for (i, (x, y)) in curve.points.iter().enumerate() {
            let _ = write!(
                path,
                "{}{:.1},{:.1} ",
                if i == 0 { "M" } else { "L" },
                cx.map(*x, p.x0, p.x0 + p.w),
                cy.map(*y, p.y0 + p.h, p.y0)
            );
        }
        let _ = write!(
            out,
            r##"<path d="{path}" fill="none" stroke="#0072B2" stroke-width="2"/>"##
        );
        for (x, y) in &curve.points {
            let chosen = curve.chosen_x == Some(*x);
            let _ = write!(
                out,
                r##"<circle cx="{:.1}" cy="{:.1}" r="{}" fill="{}"/>"##,
                cx.map(*x, p.x0, p.x0 + p.w),
                cy.map(*y, p.y0 + p.h, p.y0),
                if chosen { 6 } else { 3 },
                if chosen { "#D55E00" } else { "#0072B2" }
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

/// The figure as the bytes of an SVG or PNG file.
pub fn render(fig: &Figure, format: PlotFormat) -> Result<Vec<u8>> {
    let svg = render_svg(fig);
    match format {
        PlotFormat::Svg => Ok(svg.into_bytes()),
        PlotFormat::Png => svg_to_png(&svg),
    }
}

fn svg_to_png(svg: &str) -> Result<Vec<u8>> {
    let mut opt = resvg::usvg::Options::default();
    opt.fontdb_mut().load_system_fonts();
    let tree = resvg::usvg::Tree::from_str(svg, &opt).context("rendering the plot")?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .context("allocating the plot image")?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().context("encoding the PNG")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_has_points_and_curve() {
        let fig = Figure {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            points: vec![[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]],
            labels: vec![0, 1, 1],
            curve: Some(Curve {
                title: "c".into(),
                x_label: "k".into(),
                y_label: "BIC".into(),
                points: vec![(1.0, 3.0), (2.0, 1.0)],
                chosen_x: Some(2.0),
            }),
        };
        let s = render_svg(&fig);
        assert_eq!(s.matches("<circle").count(), 5);
        assert!(s.contains("<path"));
        let png = svg_to_png(&s).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
