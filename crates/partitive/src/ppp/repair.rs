//! Swap repair of a k-means partition for the many-cluster search.
//!
//! Lloyd's iterations only move centres downhill locally: a partition proposed by the
//! bisecting tree keeps two centres in one true cluster while one centre straddles two
//! clusters elsewhere, and no Lloyd or EM step exchanges them (with hundreds of clusters
//! dozens of such defects remain). The repair moves centres where they pay, as in
//! I-k-means−+ (H. Ismkhan, *I-k-means−+: An iterative clustering algorithm based on an
//! enhanced version of the k-means*, Pattern Recognition 79, 2018,
//! doi:10.1016/j.patcog.2018.02.015): the **cost** of removing a centre is what its rows
//! pay to move to their second-nearest centre, `Σ (‖x − c₂‖² − ‖x − c₁‖²)`; the **gain**
//! of splitting a cluster is its SSE minus that of its local 2-means (the tree's split).
//! Pairs (cheapest removal, largest gain) with gain above cost are applied together —
//! a centre, its removal partner and the removed centre's nearest centre take part in at
//! most one pair — then a bounded global Lloyd; the round is kept only if the total SSE
//! drops, else it is retried with the better half of the pairs. Deterministic: ties go to
//! the lower index, and nothing depends on the thread count.

use super::many::{split2, sse_of, Part};
use super::path::lloyd;
use crate::error::Result;
use crate::kmeans::nearest_gap;
use crate::matrix::Mat;

/// At most this many rounds of swaps (each applies every compatible pair at once; a
/// partition from the tree needs one or two).
pub const REPAIR_ROUNDS: usize = 8;

/// Total SSE of the partition `labels` around `centres`.
fn total_sse(x: &Mat<f64>, centres: &Mat<f64>, labels: &[usize]) -> f64 {
    labels
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            x.row(i)
                .iter()
                .zip(centres.row(l))
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
        })
        .sum()
}

/// Index of the nearest other centre of every centre (lowest index on ties).
fn nearest_centre(c: &Mat<f64>) -> Vec<usize> {
    let k = c.n_rows();
    (0..k)
        .map(|a| {
            let mut best = (f64::INFINITY, a);
            for b in (0..k).filter(|&b| b != a) {
                let d: f64 = c
                    .row(a)
                    .iter()
                    .zip(c.row(b))
                    .map(|(u, v)| (u - v) * (u - v))
                    .sum();
                if d < best.0 {
                    best = (d, b);
                }
            }
            best.1
        })
        .collect()
}

/// The repaired partition of `x` from the Lloyd optimum `(centres, labels)`: the same
/// number of centres, total SSE never higher. `lloyd_iter` bounds each round's global
/// Lloyd pass, `split_iter` the local 2-means of a split.
pub(crate) fn repair(
    x: &Mat<f64>,
    centres: Mat<f64>,
    labels: Vec<usize>,
    lloyd_iter: usize,
    split_iter: usize,
) -> Result<(Mat<f64>, Vec<usize>)> {
    let k = centres.n_rows();
    let (mut c, mut lab) = (centres, labels);
    if k < 3 || x.n_rows() <= k {
        return Ok((c, lab));
    }
    let mut sse = total_sse(x, &c, &lab);
    for _ in 0..REPAIR_ROUNDS {
        let (near, gap) = nearest_gap(x.view(), &c);
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
        let mut cost = vec![0.0; k];
        for (i, (&l, &g)) in near.iter().zip(&gap).enumerate() {
            members[l as usize].push(i);
            cost[l as usize] += g;
        }
        // Gains of the splits, largest first; a split's gain is at most its SSE, so only
        // clusters whose SSE beats the cheapest removal are split.
        let cheapest = cost.iter().copied().fold(f64::INFINITY, f64::min);
        let mut gains: Vec<(f64, usize, Part, Part)> = Vec::new();
        for (j, rows) in members.iter().enumerate() {
            let s = sse_of(x, rows, c.row(j));
            if rows.len() < 2 || s <= cheapest {
                continue;
            }
            if let Some((a, b)) = split2(x, rows, split_iter)? {
                let g = s - sse_of(x, &a.1, &a.0) - sse_of(x, &b.1, &b.0);
                gains.push((g, j, a, b));
            }
        }
        gains.sort_by(|p, q| q.0.total_cmp(&p.0).then(p.1.cmp(&q.1)));
        let mut removals: Vec<usize> = (0..k).collect();
        removals.sort_by(|&a, &b| cost[a].total_cmp(&cost[b]).then(a.cmp(&b)));
        let nn = nearest_centre(&c);
        let mut used = vec![false; k];
        let mut pairs: Vec<(usize, usize, f64)> = Vec::new();
        let mut r = 0;
        for (g, j, _, _) in &gains {
            if used[*j] {
                continue;
            }
            while r < k && (used[removals[r]] || removals[r] == *j || nn[removals[r]] == *j) {
                r += 1;
            }
            let Some(&a) = removals.get(r) else {
                break;
            };
            if cost[a] >= *g {
                break;
            }
            used[a] = true;
            used[*j] = true;
            used[nn[a]] = true;
            pairs.push((a, *j, g - cost[a]));
            r += 1;
        }
        if pairs.is_empty() {
            break;
        }
        // The split halves by cluster, to move centres: j keeps the first half, a takes
        // the second.
        let halves: std::collections::BTreeMap<usize, (&Part, &Part)> =
            gains.iter().map(|(_, j, a, b)| (*j, (a, b))).collect();
        let mut take = pairs.len();
        let mut kept = false;
        while take > 0 {
            let mut c2 = c.clone();
            for &(a, j, _) in &pairs[..take] {
                let (h0, h1) = halves[&j];
                c2.row_mut(j).copy_from_slice(&h0.0);
                c2.row_mut(a).copy_from_slice(&h1.0);
            }
            let (c3, lab3) = lloyd(x, c2, lloyd_iter)?;
            let s3 = total_sse(x, &c3, &lab3);
            if s3 < sse {
                (c, lab, sse) = (c3, lab3, s3);
                kept = true;
                break;
            }
            take /= 2;
        }
        if !kept {
            break;
        }
    }
    Ok((c, lab))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// 12 tight clusters on a line; the start puts two centres in cluster 0 and one
    /// centre between clusters 10 and 11: Lloyd keeps that, the repair finds all 12.
    #[test]
    fn repair_moves_a_doubled_centre_to_a_straddled_pair() {
        let mut rng = Rng::new(7);
        let (k, per) = (12usize, 40usize);
        let mut v = Vec::new();
        for c in 0..k {
            for _ in 0..per {
                v.push(c as f64 * 10.0 + 0.5 * rng.normal());
                v.push(0.5 * rng.normal());
            }
        }
        let x = Mat::from_vec(v, k * per, 2).unwrap();
        let mut start: Vec<f64> = Vec::new();
        start.extend([-0.5, 0.0, 0.5, 0.0]);
        for c in 1..10 {
            start.extend([c as f64 * 10.0, 0.0]);
        }
        start.extend([105.0, 0.0]);
        let (c, lab) = lloyd(&x, Mat::from_vec(start, k, 2).unwrap(), 50).unwrap();
        let truth = |i: usize| i / per;
        let split_right = |lab: &[usize]| lab[10 * per] != lab[11 * per];
        assert!(!split_right(&lab), "Lloyd alone repaired the start");
        let before = total_sse(&x, &c, &lab);
        let (c2, lab2) = repair(&x, c, lab, 50, 50).unwrap();
        assert!(total_sse(&x, &c2, &lab2) < before);
        // Every true cluster has its own label and no two share one.
        for i in 0..k * per {
            for j in (i + 1..k * per).step_by(17) {
                assert_eq!(truth(i) == truth(j), lab2[i] == lab2[j], "rows {i}, {j}");
            }
        }
    }
}
