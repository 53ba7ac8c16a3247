//! Drawing helpers of the HDBSCAN* plot (`plot_hdbscan.rs`): panels, linear scales,
//! axes with ticks. The other plots use [`crate::chart`]; merging the two is part of the
//! code-health pass (issue 18).

use std::fmt::Write as _;

/// At most this many points are drawn (an even, deterministic subsample above it).
pub(crate) const MAX_POINTS: usize = 20_000;

pub(crate) const PALETTE: [&str; 16] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
    "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF", "#9467BD", "#FF9896", "#2CA02C", "#1F77B4",
];

pub(crate) struct Panel {
    pub x0: f64,
    pub y0: f64,
    pub w: f64,
    pub h: f64,
}

pub(crate) struct Scale {
    pub lo: f64,
    pub hi: f64,
}

impl Scale {
    pub(crate) fn of(values: impl Iterator<Item = f64>) -> Scale {
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

    pub(crate) fn map(&self, v: f64, a: f64, b: f64) -> f64 {
        a + (v - self.lo) / (self.hi - self.lo) * (b - a)
    }
}

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(crate) fn axes(
    out: &mut String,
    p: &Panel,
    title: &str,
    xl: &str,
    yl: &str,
    xs: &Scale,
    ys: &Scale,
) {
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
