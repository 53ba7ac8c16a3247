//! SVG charts shared by `--plot-out` and `--report`: axes with round ticks, a scatter
//! coloured by cluster with a legend, line charts of a criterion against k, a heat map and
//! a silhouette plot. Everything is plain SVG (no script, no external resource).
//!
//! Ticks follow the "nice numbers" rule (P. S. Heckbert, *Nice numbers for graph labels*,
//! Graphics Gems, Academic Press, 1990, 61–63): a step of 1, 2 or 5 × 10ᵉ, so labels read
//! 0, 0.5, 1.0 … — and an integer axis (k) only gets integer ticks.

use std::fmt::Write as _;

/// A qualitative palette (Okabe–Ito, then Tableau-like hues), cycled.
pub const PALETTE: [&str; 16] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
    "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF", "#9467BD", "#FF9896", "#2CA02C", "#1F77B4",
];

/// The colour of cluster `c`.
pub fn colour(c: usize) -> &'static str {
    PALETTE[c % PALETTE.len()]
}

/// Escapes text for SVG/HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A "nice" number near `x` (Heckbert): 1, 2, 5 or 10 × 10ᵉ; rounded when `round`, else
/// the smallest nice number ≥ `x`.
fn nice(x: f64, round: bool) -> f64 {
    let e = x.log10().floor();
    let f = x / 10f64.powf(e);
    let n = if round {
        if f < 1.5 {
            1.0
        } else if f < 3.0 {
            2.0
        } else if f < 7.0 {
            5.0
        } else {
            10.0
        }
    } else if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    n * 10f64.powf(e)
}

/// An axis: the plotted range and its ticks.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
    /// Decimals to print ticks with.
    pub decimals: usize,
}

impl Axis {
    /// An axis covering `values` with about `max_ticks` nice ticks; `integer` keeps only
    /// integer ticks (a step of at least 1). The range is the ticks' span, widened to the
    /// data.
    pub fn of(values: impl Iterator<Item = f64>, max_ticks: usize, integer: bool) -> Axis {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        if hi - lo < 1e-12 * (1.0 + lo.abs()) {
            let pad = if integer { 1.0 } else { 0.5 * (1.0 + lo.abs()) };
            lo -= pad;
            hi += pad;
        }
        let mut step = nice((hi - lo) / (max_ticks.max(2) - 1) as f64, true);
        if integer {
            step = step.max(1.0).round();
        }
        let (first, last) = ((lo / step).floor() as i64, (hi / step).ceil() as i64);
        let ticks: Vec<f64> = (first..=last)
            .map(|i| if i == 0 { 0.0 } else { i as f64 * step })
            .collect();
        let decimals = if integer {
            0
        } else {
            (-step.log10().floor()).max(0.0) as usize
        };
        let lo = ticks.first().copied().unwrap_or(lo).min(lo);
        let hi = ticks.last().copied().unwrap_or(hi).max(hi);
        Axis {
            lo,
            hi,
            ticks,
            decimals,
        }
    }

    /// Maps `v` from the axis range onto `[a, b]`.
    pub fn map(&self, v: f64, a: f64, b: f64) -> f64 {
        a + (v - self.lo) / (self.hi - self.lo) * (b - a)
    }

    /// A tick label: fixed decimals, or scientific for very large/small magnitudes.
    pub fn label(&self, v: f64) -> String {
        let m = self.ticks.iter().fold(0.0f64, |m, t| m.max(t.abs()));
        if m >= 1e6 || (m > 0.0 && m < 1e-3) {
            format!("{v:.1e}")
        } else {
            format!("{v:.*}", self.decimals)
        }
    }
}

/// A rectangle of the drawing.
#[derive(Debug, Clone, Copy)]
pub struct Panel {
    pub x0: f64,
    pub y0: f64,
    pub w: f64,
    pub h: f64,
}

/// Draws the frame, title, axis labels and ticks of a panel.
pub fn axes(out: &mut String, p: Panel, title: &str, xl: &str, yl: &str, xa: &Axis, ya: &Axis) {
    let _ = write!(
        out,
        r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#444" stroke-width="1"/>"##,
        p.x0, p.y0, p.w, p.h
    );
    let _ = write!(
        out,
        r##"<text x="{:.1}" y="{:.1}" font-size="15" text-anchor="middle" font-weight="bold">{}</text>"##,
        p.x0 + p.w / 2.0,
        p.y0 - 12.0,
        esc(title)
    );
    let _ = write!(
        out,
        r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">{}</text>"##,
        p.x0 + p.w / 2.0,
        p.y0 + p.h + 38.0,
        esc(xl)
    );
    let (yx, yy) = (p.x0 - 54.0, p.y0 + p.h / 2.0);
    let _ = write!(
        out,
        r##"<text x="{yx:.1}" y="{yy:.1}" font-size="12" text-anchor="middle" transform="rotate(-90 {yx:.1} {yy:.1})">{}</text>"##,
        esc(yl)
    );
    for &t in &xa.ticks {
        let x = xa.map(t, p.x0, p.x0 + p.w);
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#444"/><text x="{x:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#333">{}</text>"##,
            p.y0 + p.h,
            p.y0 + p.h + 4.0,
            p.y0 + p.h + 16.0,
            xa.label(t)
        );
    }
    for &t in &ya.ticks {
        let y = ya.map(t, p.y0 + p.h, p.y0);
        let _ = write!(
            out,
            r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#444"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="#333">{}</text>"##,
            p.x0 - 4.0,
            p.x0,
            p.x0 - 6.0,
            y + 3.0,
            ya.label(t)
        );
    }
}

/// Opens an SVG document of `w × h` with a white background.
pub fn open(out: &mut String, w: f64, h: f64) {
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="DejaVu Sans, Arial, sans-serif"><rect width="100%" height="100%" fill="white"/>"##
    );
}

/// At most this many points are drawn (an even, deterministic subsample above it).
pub const MAX_POINTS: usize = 20_000;

/// A scatter of 2-D points coloured by label in panel `p`, with a legend (cluster,
/// colour, size) to its right. `names` are the legend entries (e.g. "cluster 0").
pub struct Scatter<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub points: &'a [[f64; 2]],
    pub labels: &'a [usize],
    pub names: &'a [String],
}

/// Draws `s` in `p` (the legend goes right of the panel, `legend_w` wide).
pub fn scatter(out: &mut String, p: Panel, s: &Scatter<'_>) {
    let step = s.points.len().div_ceil(MAX_POINTS).max(1);
    let xa = Axis::of(s.points.iter().step_by(step).map(|q| q[0]), 7, false);
    let ya = Axis::of(s.points.iter().step_by(step).map(|q| q[1]), 7, false);
    axes(out, p, s.title, s.x_label, s.y_label, &xa, &ya);
    let r = if s.points.len() / step > 5000 {
        1.3
    } else {
        2.4
    };
    for (i, q) in s.points.iter().enumerate().step_by(step) {
        let c = colour(s.labels.get(i).copied().unwrap_or(0));
        let _ = write!(
            out,
            r##"<circle cx="{:.1}" cy="{:.1}" r="{r}" fill="{c}" fill-opacity="0.75"/>"##,
            xa.map(q[0], p.x0, p.x0 + p.w),
            ya.map(q[1], p.y0 + p.h, p.y0)
        );
    }
    let mut counts = vec![0usize; s.names.len()];
    for &l in s.labels {
        if l < counts.len() {
            counts[l] += 1;
        }
    }
    let lx = p.x0 + p.w + 14.0;
    let shown = s.names.len().min(24);
    for (c, name) in s.names.iter().enumerate().take(shown) {
        let y = p.y0 + 8.0 + 18.0 * c as f64;
        let _ = write!(
            out,
            r##"<circle cx="{:.1}" cy="{y:.1}" r="5" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="11">{} (n = {})</text>"##,
            lx + 5.0,
            colour(c),
            lx + 15.0,
            y + 4.0,
            esc(name),
            counts[c]
        );
    }
    if s.names.len() > shown {
        let _ = write!(
            out,
            r##"<text x="{lx:.1}" y="{:.1}" font-size="11">… {} more</text>"##,
            p.y0 + 12.0 + 18.0 * shown as f64,
            s.names.len() - shown
        );
    }
}

/// One line of a line chart.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// A criterion against k, one or more series, with the chosen x marked.
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    pub chosen_x: Option<f64>,
    /// The x axis holds integers (k).
    pub integer_x: bool,
}

/// Draws `c` in `p`, with a legend inside the top-right corner when there are several
/// series.
pub fn line_chart(out: &mut String, p: Panel, c: &LineChart) {
    let all = || c.series.iter().flat_map(|s| s.points.iter());
    let xa = Axis::of(all().map(|q| q.0), 8, c.integer_x);
    let ya = Axis::of(all().map(|q| q.1), 6, false);
    axes(out, p, &c.title, &c.x_label, &c.y_label, &xa, &ya);
    if let Some(x) = c.chosen_x {
        let px = xa.map(x, p.x0, p.x0 + p.w);
        let _ = write!(
            out,
            r##"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="#D55E00" stroke-dasharray="4 3"/>"##,
            p.y0,
            p.y0 + p.h
        );
    }
    for (si, s) in c.series.iter().enumerate() {
        let col = colour(si);
        let mut path = String::new();
        for (i, (x, y)) in s.points.iter().enumerate() {
            let _ = write!(
                path,
                "{}{:.1},{:.1} ",
                if i == 0 { "M" } else { "L" },
                xa.map(*x, p.x0, p.x0 + p.w),
                ya.map(*y, p.y0 + p.h, p.y0)
            );
        }
        let _ = write!(
            out,
            r##"<path d="{path}" fill="none" stroke="{col}" stroke-width="2"/>"##
        );
        for (x, y) in &s.points {
            let chosen = c.chosen_x == Some(*x);
            let _ = write!(
                out,
                r##"<circle cx="{:.1}" cy="{:.1}" r="{}" fill="{}"/>"##,
                xa.map(*x, p.x0, p.x0 + p.w),
                ya.map(*y, p.y0 + p.h, p.y0),
                if chosen { 5.5 } else { 3.0 },
                if chosen { "#D55E00" } else { col }
            );
        }
        if c.series.len() > 1 {
            let y = p.y0 + 14.0 + 16.0 * si as f64;
            let _ = write!(
                out,
                r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{col}" stroke-width="2"/><text x="{:.1}" y="{:.1}" font-size="11">{}</text>"##,
                p.x0 + p.w - 110.0,
                p.x0 + p.w - 90.0,
                p.x0 + p.w - 85.0,
                y + 4.0,
                esc(&s.name)
            );
        }
    }
}

/// A diverging colour for `z` (blue below 0, red above, white at 0; saturating at ±2).
pub fn diverging(z: f64) -> String {
    let t = (z / 2.0).clamp(-1.0, 1.0);
    let (r, g, b) = if t >= 0.0 {
        (255.0, 255.0 - 190.0 * t, 255.0 - 200.0 * t)
    } else {
        (255.0 + 215.0 * t, 255.0 + 140.0 * t, 255.0)
    };
    format!("rgb({:.0},{:.0},{:.0})", r, g, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks() {
        let a = Axis::of([0.56, 6.5].into_iter(), 7, false);
        assert_eq!(a.ticks, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
        assert_eq!(a.label(3.0), "3");
        let a = Axis::of([1.0, 20.0].into_iter(), 8, true);
        assert!(a.ticks.iter().all(|t| t.fract() == 0.0), "{:?}", a.ticks);
        let a = Axis::of([2.0, 3.0].into_iter(), 8, true);
        assert!(a.ticks.iter().all(|t| t.fract() == 0.0), "{:?}", a.ticks);
        assert!(a.ticks.contains(&2.0) && a.ticks.contains(&3.0));
        let a = Axis::of([-0.013, 0.042].into_iter(), 6, false);
        assert!(a.ticks.contains(&0.0));
        assert_eq!(a.label(0.01), "0.01");
        let a = Axis::of([12_345.0, 98_765.0].into_iter(), 6, false);
        assert_eq!(a.label(20_000.0), "20000");
        let a = Axis::of([5.0].into_iter(), 6, false);
        assert!(a.lo < 5.0 && a.hi > 5.0);
    }

    #[test]
    fn colours() {
        assert_eq!(diverging(0.0), "rgb(255,255,255)");
        assert_eq!(diverging(5.0), "rgb(255,65,55)");
        assert_eq!(diverging(-2.0), "rgb(40,115,255)");
        assert_eq!(colour(17), PALETTE[1]);
        assert_eq!(esc("<a&\"b>"), "&lt;a&amp;&quot;b&gt;");
    }
}
