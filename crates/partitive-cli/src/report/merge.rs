//! `auto` reports: the mixture components and how they were merged into clusters — the
//! data coloured by most probable component (before merging), a diagram of the merge
//! forest (one node per component, sized by weight, an arrow from each merged component
//! to the component it hangs under, grouped by final cluster), and the table of decisions.

use super::Component;
use crate::chart::{self, colour, esc, Panel, Scatter};
use std::fmt::Write as _;

/// The section: `points` (the report's 2-D projection) and `components_of_rows` (the most
/// probable component of each row) draw the scatter when both are there.
pub fn section(
    h: &mut String,
    comps: &[Component],
    points: Option<&(Vec<[f64; 2]>, String, String)>,
    components_of_rows: Option<&[usize]>,
    cluster_sizes: &[usize],
) {
    if comps.is_empty() {
        return;
    }
    let n_clusters = comps.iter().map(|c| c.cluster + 1).max().unwrap_or(0);
    let merged = comps.iter().filter(|c| c.parent.is_some()).count();
    let _ = write!(
        h,
        "<h2>Components and merges</h2><p class=\"sub\">{} Gaussian components validated by BIC, merged into {n_clusters} clusters by following the mixture density between them ({merged} merged into another component)</p>",
        comps.len()
    );
    if let (Some((pts, xl, yl)), Some(rows)) = (points, components_of_rows) {
        let names: Vec<String> = comps
            .iter()
            .map(|c| format!("component {} → cluster {}", c.component, c.cluster))
            .collect();
        let mut svg = String::new();
        chart::open(&mut svg, 900.0, 600.0);
        chart::scatter(
            &mut svg,
            Panel {
                x0: 80.0,
                y0: 40.0,
                w: 580.0,
                h: 500.0,
            },
            &Scatter {
                title: &format!("Before merging: {} components", comps.len()),
                x_label: xl,
                y_label: yl,
                points: pts,
                labels: rows,
                names: &names,
            },
        );
        svg.push_str("</svg>");
        h.push_str(&svg);
    }
    h.push_str(&diagram(comps, cluster_sizes));
    table(h, comps);
}

/// Node positions of the forest: per cluster a band, in it each tree laid out with its
/// leaves side by side and every parent above the mean of its children.
struct Layout {
    /// `(x slot, depth)` per component.
    at: Vec<(f64, usize)>,
    /// `(first slot, last slot)` per cluster.
    bands: Vec<(f64, f64)>,
    slots: f64,
    depth: usize,
}

fn layout(comps: &[Component], n_clusters: usize) -> Layout {
    let n = comps.len();
    let index = |id: usize| comps.iter().position(|c| c.component == id);
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut roots: Vec<Vec<usize>> = vec![Vec::new(); n_clusters];
    for (i, c) in comps.iter().enumerate() {
        match c.parent.and_then(index) {
            // A parent in another cluster (or none) makes this a root of its cluster.
            Some(p) if comps[p].cluster == c.cluster && p != i => children[p].push(i),
            _ => roots[c.cluster].push(i),
        }
    }
    let mut at = vec![(0.0, 0usize); n];
    let mut next = 0.0;
    let mut depth = 0;
    let mut bands = Vec::with_capacity(n_clusters);
    let mut seen = vec![false; n];
    // Post-order without recursion: leaves take the next slot, a parent the mean of the
    // children it reached (`tree[k]`: the node that placed `k`).
    let mut tree: Vec<Option<usize>> = vec![None; n];
    let mut place = |root: usize, next: &mut f64, depth: &mut usize| {
        let mut stack = vec![(root, 0usize, false)];
        seen[root] = true;
        while let Some((v, dv, done)) = stack.pop() {
            if done {
                let kids: Vec<f64> = children[v]
                    .iter()
                    .filter(|&&k| tree[k] == Some(v))
                    .map(|&k| at[k].0)
                    .collect();
                let x = if kids.is_empty() {
                    *next += 1.0;
                    *next - 1.0
                } else {
                    kids.iter().sum::<f64>() / kids.len() as f64
                };
                at[v] = (x, dv);
                *depth = (*depth).max(dv);
                continue;
            }
            stack.push((v, dv, true));
            for &k in children[v].iter().rev() {
                if !seen[k] {
                    seen[k] = true;
                    tree[k] = Some(v);
                    stack.push((k, dv + 1, false));
                }
            }
        }
    };
    for r in &roots {
        let first = next;
        for &i in r {
            place(i, &mut next, &mut depth);
        }
        bands.push((first, (next - 1.0).max(first)));
        next += 0.6; // a gap between clusters
    }
    // A component left out (on a cycle of a corrupt forest): its own slot at the end.
    for i in 0..n {
        if tree[i].is_none() && !roots.iter().flatten().any(|&r| r == i) {
            at[i] = (next, 0);
            next += 1.0;
        }
    }
    Layout {
        at,
        bands,
        slots: next.max(1.0),
        depth,
    }
}

/// The merge forest as an SVG diagram.
fn diagram(comps: &[Component], cluster_sizes: &[usize]) -> String {
    let n_clusters = comps.iter().map(|c| c.cluster + 1).max().unwrap_or(0);
    let l = layout(comps, n_clusters);
    let slot_w = 150.0;
    let level_h = 80.0;
    let (left, top) = (40.0, 70.0);
    let w = (left * 2.0 + l.slots * slot_w).max(500.0);
    let h = top + (l.depth as f64 + 1.0) * level_h + 20.0;
    let pos = |i: usize| {
        let (x, d) = l.at[i];
        (left + (x + 0.3) * slot_w, top + 30.0 + d as f64 * level_h)
    };
    let max_w = comps
        .iter()
        .map(|c| c.weight)
        .fold(0.0f64, f64::max)
        .max(1e-12);
    let radius = |wt: f64| 7.0 + 19.0 * (wt / max_w).max(0.0).sqrt();
    let mut s = String::new();
    chart::open(&mut s, w, h);
    let _ = write!(
        s,
        r##"<text x="{:.1}" y="22" font-size="15" text-anchor="middle" font-weight="bold">How the components were merged (arrow: merged into)</text>"##,
        w / 2.0
    );
    for (c, &(a, b)) in l.bands.iter().enumerate() {
        let (x0, x1) = (left + a * slot_w + 4.0, left + (b + 1.0) * slot_w - 4.0);
        let _ = write!(
            s,
            r##"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="8" fill="{}" fill-opacity="0.08" stroke="{}" stroke-opacity="0.6"/><text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" font-weight="bold" fill="{}">cluster {c}{}</text>"##,
            top - 22.0,
            x1 - x0,
            h - top + 12.0,
            colour(c),
            colour(c),
            (x0 + x1) / 2.0,
            top - 6.0,
            colour(c),
            cluster_sizes
                .get(c)
                .map(|n| format!(" (n = {n})"))
                .unwrap_or_default()
        );
    }
    let index = |id: usize| comps.iter().position(|c| c.component == id);
    for (i, c) in comps.iter().enumerate() {
        let Some(p) = c.parent.and_then(index) else {
            continue;
        };
        let ((x1, y1), (x2, y2)) = (pos(i), pos(p));
        let (dx, dy) = (x2 - x1, y2 - y1);
        let len = (dx * dx + dy * dy).sqrt().max(1e-9);
        let (r1, r2) = (radius(c.weight), radius(comps[p].weight) + 3.0);
        let (ux, uy) = (dx / len, dy / len);
        let (ex, ey) = (x2 - ux * r2, y2 - uy * r2);
        // The arrowhead: a triangle drawn in place (no marker: nothing referenced).
        let (bx, by) = (ex - ux * 10.0, ey - uy * 10.0);
        let _ = write!(
            s,
            r##"<line class="merge" x1="{:.1}" y1="{:.1}" x2="{bx:.1}" y2="{by:.1}" stroke="#555" stroke-width="1.6"/><polygon points="{ex:.1},{ey:.1} {:.1},{:.1} {:.1},{:.1}" fill="#555"/>"##,
            x1 + ux * r1,
            y1 + uy * r1,
            bx - uy * 5.0,
            by + ux * 5.0,
            bx + uy * 5.0,
            by - ux * 5.0
        );
    }
    for (i, c) in comps.iter().enumerate() {
        let (x, y) = pos(i);
        let r = radius(c.weight);
        let tx = x + r + 5.0;
        let _ = write!(
            s,
            r##"<circle class="component" cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="{}" stroke="{}" stroke-width="3"/><text x="{tx:.1}" y="{:.1}" font-size="11">component {}</text><text x="{tx:.1}" y="{:.1}" font-size="10" fill="#555">w {:.3} · {} pts</text>"##,
            colour(c.component),
            colour(c.cluster),
            y - 2.0,
            c.component,
            y + 11.0,
            c.weight,
            c.fit_points
        );
    }
    s.push_str("</svg>");
    s
}

/// The decisions, one row per component.
fn table(h: &mut String, comps: &[Component]) {
    h.push_str("<table><tr><th>component</th><th class=\"l\">cluster</th><th>merged into</th><th>weight</th><th>fit points</th><th class=\"l\">decision</th></tr>");
    for c in comps {
        let _ = write!(
            h,
            "<tr><td><span class=\"sw\" style=\"background:{}\"></span>{}</td><td class=\"l\"><span class=\"sw\" style=\"background:{}\"></span>{}</td><td>{}</td><td>{:.3}</td><td>{}</td><td class=\"l\">{}</td></tr>",
            colour(c.component),
            c.component,
            colour(c.cluster),
            c.cluster,
            c.parent.map_or("–".to_string(), |p| p.to_string()),
            c.weight,
            c.fit_points,
            esc(&c.reason)
        );
    }
    h.push_str("</table>");
}
