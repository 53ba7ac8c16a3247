//! Plots for `partitive auto --plot-out`: the data (2-D projection) coloured by
//! cluster with a legend of cluster sizes, beside the decision curve, as SVG, or as PNG
//! rendered from the same SVG. Axes come from [`crate::chart`] (round ticks, an integer
//! k axis).

use crate::chart::{self, LineChart, Panel, Scatter, Series, MAX_POINTS};
use crate::outputs::PlotFormat;
use anyhow::{Context, Result};

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
    /// Legend entries, one per label value.
    pub names: Vec<String>,
    pub curve: Option<Curve>,
}

/// The rows of `x` as 2-D points: the data itself when `d ≤ 2` (a zero second axis when
/// `d = 1`), else the projection on the first two principal components (computed on an
/// even subsample of at most [`MAX_POINTS`] rows, by power iteration with deflation).
/// Returns the points and the axis labels.
pub fn project_2d<T: partitive::Float>(
    x: partitive::MatRef<'_, T>,
) -> (Vec<[f64; 2]>, String, String) {
    let names: Vec<String> = (1..=x.n_cols()).map(|j| format!("column {j}")).collect();
    project_2d_named(x, &names)
}

/// [`project_2d`] with the columns' names on the axes when `d ≤ 2`.
pub fn project_2d_named<T: partitive::Float>(
    x: partitive::MatRef<'_, T>,
    names: &[String],
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
        let name = |j: usize| {
            names
                .get(j)
                .cloned()
                .unwrap_or_else(|| format!("column {}", j + 1))
        };
        return (pts, name(0), if d == 2 { name(1) } else { "(none)".into() });
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
    let width = if fig.curve.is_some() { 1260.0 } else { 820.0 };
    let mut out = String::new();
    chart::open(&mut out, width, 580.0);
    let p = Panel {
        x0: 80.0,
        y0: 50.0,
        w: 520.0,
        h: 460.0,
    };
    chart::scatter(
        &mut out,
        p,
        &Scatter {
            title: &fig.title,
            x_label: &fig.x_label,
            y_label: &fig.y_label,
            points: &fig.points,
            labels: &fig.labels,
            names: &fig.names,
        },
    );
    if let Some(curve) = &fig.curve {
        let p = Panel {
            x0: 840.0,
            y0: 50.0,
            w: 380.0,
            h: 460.0,
        };
        chart::line_chart(
            &mut out,
            p,
            &LineChart {
                title: curve.title.clone(),
                x_label: curve.x_label.clone(),
                y_label: curve.y_label.clone(),
                series: vec![Series {
                    name: String::new(),
                    points: curve.points.clone(),
                }],
                chosen_x: curve.chosen_x,
                integer_x: true,
            },
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The figure as the bytes of an SVG or PNG file.
pub fn render(fig: &Figure, format: PlotFormat) -> Result<Vec<u8>> {
    render_bytes(render_svg(fig), format)
}

/// An SVG document as the bytes of an SVG or PNG file.
pub fn render_bytes(svg: String, format: PlotFormat) -> Result<Vec<u8>> {
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
            names: vec!["cluster 0".into(), "cluster 1".into()],
            curve: Some(Curve {
                title: "c".into(),
                x_label: "k".into(),
                y_label: "BIC".into(),
                points: vec![(1.0, 3.0), (2.0, 1.0)],
                chosen_x: Some(2.0),
            }),
        };
        let s = render_svg(&fig);
        // 3 points, 2 legend dots, 2 curve points
        assert_eq!(s.matches("<circle").count(), 7);
        assert!(s.contains("cluster 1 (n = 2)"), "legend with sizes");
        assert!(s.contains("<path"));
        let png = svg_to_png(&s).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
