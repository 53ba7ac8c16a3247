//! Step 2: the deterministic, nested k-means path (the proposals).
//!
//! k = 1 is the mean; k → k+1 splits the cluster with the largest SSE (ties: lowest
//! index) along its principal axis, runs 2-means inside it, appends the two new centres
//! to the others (order kept) and runs a global Lloyd. No random choice anywhere.
//! Assignment reuses [`crate::kmeans::assign`] (ties → lowest centre index).

use super::params::{FIT_CHUNK_ROWS, POWER_MAX_ITER, POWER_TOL};
use crate::error::Result;
use crate::kmeans;
use crate::matrix::Mat;
use crate::parallel::map_reduce_chunks_sized;

/// Per-cluster counts, coordinate sums and (given centres) SSE of a labelled set.
#[derive(Clone)]
struct ClusterStats {
    count: Vec<u64>,
    sums: Vec<f64>,
    sse: Vec<f64>,
}

fn cluster_stats(
    x: &Mat<f64>,
    labels: &[usize],
    k: usize,
    centres: Option<&Mat<f64>>,
) -> ClusterStats {
    let d = x.n_cols();
    let zero = ClusterStats {
        count: vec![0; k],
        sums: vec![0.0; k * d],
        sse: vec![0.0; k],
    };
    map_reduce_chunks_sized(
        x.n_rows(),
        FIT_CHUNK_ROWS,
        zero.clone(),
        |r| {
            let mut s = zero.clone();
            for i in r {
                let (l, row) = (labels[i], x.row(i));
                s.count[l] += 1;
                for (a, v) in s.sums[l * d..(l + 1) * d].iter_mut().zip(row) {
                    *a += v;
                }
                if let Some(c) = centres {
                    s.sse[l] += row
                        .iter()
                        .zip(c.row(l))
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>();
                }
            }
            s
        },
        |a, b| {
            a.count.iter_mut().zip(&b.count).for_each(|(x, y)| *x += y);
            a.sums.iter_mut().zip(&b.sums).for_each(|(x, y)| *x += y);
            a.sse.iter_mut().zip(&b.sse).for_each(|(x, y)| *x += y);
        },
    )
}

/// Lloyd from `centres` until the assignment stops changing (≤ `max_iter` updates);
/// an emptied centre keeps its position. Returns the final centres and labels.
pub(crate) fn lloyd(
    x: &Mat<f64>,
    mut centres: Mat<f64>,
    max_iter: usize,
) -> Result<(Mat<f64>, Vec<usize>)> {
    let (k, d) = (centres.n_rows(), x.n_cols());
    let mut labels: Option<Vec<usize>> = None;
    for _ in 0..max_iter {
        let new = kmeans::assign(x.view(), centres.view())?.labels;
        if labels.as_ref() == Some(&new) {
            break;
        }
        let st = cluster_stats(x, &new, k, None);
        for c in 0..k {
            if st.count[c] > 0 {
                let inv = 1.0 / st.count[c] as f64;
                for j in 0..d {
                    centres.row_mut(c)[j] = st.sums[c * d + j] * inv;
                }
            }
        }
        labels = Some(new);
    }
    let labels = kmeans::assign(x.view(), centres.view())?.labels;
    Ok((centres, labels))
}

/// From this many columns on, when the cluster also has fewer rows than columns, the
/// power iteration multiplies by `Zᵀ(Z v)` instead of forming `ZᵀZ`: `O(m·d)` memory and
/// work per step instead of `O(d²)` (a 50 × 5000 matrix would need 200 MB per chunk).
/// Below it (every benchmark set) the `d × d` matrix is formed, as it always was.
const IMPLICIT_MIN_DIM: usize = 128;

/// Leading eigenvector of `ZᵀZ` (`Z` = rows centred on their mean) by power iteration
/// from the coordinate axis with the largest diagonal.
pub(super) fn principal_axis(z: &Mat<f64>) -> Vec<f64> {
    let d = z.n_cols();
    if d > IMPLICIT_MIN_DIM && d > z.n_rows() {
        return principal_axis_implicit(z);
    }
    let s = map_reduce_chunks_sized(
        z.n_rows(),
        FIT_CHUNK_ROWS,
        vec![0.0; d * d],
        |r| {
            let mut s = vec![0.0; d * d];
            for i in r {
                let row = z.row(i);
                for a in 0..d {
                    for b in 0..d {
                        s[a * d + b] += row[a] * row[b];
                    }
                }
            }
            s
        },
        |a, b| a.iter_mut().zip(&b).for_each(|(x, y)| *x += y),
    );
    let mut start = 0;
    for j in 1..d {
        if s[j * d + j] > s[start * d + start] {
            start = j;
        }
    }
    let mut v = vec![0.0; d];
    v[start] = 1.0;
    for _ in 0..POWER_MAX_ITER {
        let mut w: Vec<f64> = (0..d)
            .map(|a| (0..d).map(|b| s[a * d + b] * v[b]).sum())
            .collect();
        let nw = w.iter().map(|t| t * t).sum::<f64>().sqrt();
        if !(nw > 0.0 && nw.is_finite()) {
            break;
        }
        w.iter_mut().for_each(|t| *t /= nw);
        let done = w
            .iter()
            .zip(&v)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
            < POWER_TOL;
        v = w;
        if done {
            break;
        }
    }
    v
}

/// [`principal_axis`] without the `d × d` matrix: each step is `w = Zᵀ(Z v)`, summed
/// over fixed chunks of rows in chunk order.
fn principal_axis_implicit(z: &Mat<f64>) -> Vec<f64> {
    let d = z.n_cols();
    let add = |a: &mut Vec<f64>, b: Vec<f64>| a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
    let diag = map_reduce_chunks_sized(
        z.n_rows(),
        FIT_CHUNK_ROWS,
        vec![0.0; d],
        |r| {
            let mut s = vec![0.0; d];
            for i in r {
                s.iter_mut().zip(z.row(i)).for_each(|(s, v)| *s += v * v);
            }
            s
        },
        add,
    );
    let mut start = 0;
    for j in 1..d {
        if diag[j] > diag[start] {
            start = j;
        }
    }
    let mut v = vec![0.0; d];
    v[start] = 1.0;
    for _ in 0..POWER_MAX_ITER {
        let vr = &v;
        let mut w = map_reduce_chunks_sized(
            z.n_rows(),
            FIT_CHUNK_ROWS,
            vec![0.0; d],
            |r| {
                let mut s = vec![0.0; d];
                for i in r {
                    let row = z.row(i);
                    let p: f64 = row.iter().zip(vr).map(|(a, b)| a * b).sum();
                    s.iter_mut().zip(row).for_each(|(s, a)| *s += p * a);
                }
                s
            },
            add,
        );
        let nw = w.iter().map(|t| t * t).sum::<f64>().sqrt();
        if !(nw > 0.0 && nw.is_finite()) {
            break;
        }
        w.iter_mut().for_each(|t| *t /= nw);
        let done = w
            .iter()
            .zip(&v)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
            < POWER_TOL;
        v = w;
        if done {
            break;
        }
    }
    v
}

pub(super) fn mean_rows(x: &Mat<f64>, rows: &[usize]) -> Vec<f64> {
    let d = x.n_cols();
    let mut m = vec![0.0; d];
    for &i in rows {
        m.iter_mut().zip(x.row(i)).for_each(|(a, v)| *a += v);
    }
    m.iter_mut().for_each(|a| *a /= rows.len().max(1) as f64);
    m
}

/// The start of a local 2-means of the rows `xc`: the means of the halves on either side
/// of their principal axis through their mean (`None` when one half is empty). Shared by
/// the nested path's splits and the many-cluster search's bisecting tree.
pub(super) fn principal_halves(xc: &Mat<f64>) -> Option<Mat<f64>> {
    let all: Vec<usize> = (0..xc.n_rows()).collect();
    let mu = mean_rows(xc, &all);
    let mut z = xc.clone();
    for i in 0..z.n_rows() {
        z.row_mut(i).iter_mut().zip(&mu).for_each(|(a, m)| *a -= m);
    }
    let v = principal_axis(&z);
    let (mut lo, mut hi) = (Vec::new(), Vec::new());
    for i in 0..z.n_rows() {
        let p: f64 = z.row(i).iter().zip(&v).map(|(a, b)| a * b).sum();
        if p <= 0.0 {
            lo.push(i);
        } else {
            hi.push(i);
        }
    }
    if lo.is_empty() || hi.is_empty() {
        return None;
    }
    let mut seeds = mean_rows(xc, &lo);
    seeds.extend(mean_rows(xc, &hi));
    Some(Mat::from_vec(seeds, 2, xc.n_cols()).expect("sizes match"))
}

pub(super) fn gather(x: &Mat<f64>, rows: &[usize]) -> Mat<f64> {
    let d = x.n_cols();
    let mut v = Vec::with_capacity(rows.len() * d);
    for &i in rows {
        v.extend_from_slice(x.row(i));
    }
    Mat::from_vec(v, rows.len(), d).expect("sizes match")
}

/// The nested k-means path over the fit sample; [`KMeansPath::next_partition`] yields
/// k = 1, 2, … until `k_cap` or until no cluster can be split.
pub(crate) struct KMeansPath<'a> {
    x: &'a Mat<f64>,
    k_cap: usize,
    max_iter: usize,
    centres: Mat<f64>,
    labels: Vec<usize>,
    k: usize,
}

impl<'a> KMeansPath<'a> {
    pub fn new(x: &'a Mat<f64>, k_cap: usize, max_iter: usize) -> Self {
        KMeansPath {
            x,
            k_cap,
            max_iter,
            centres: Mat::filled(0, x.n_cols(), 0.0),
            labels: vec![0; x.n_rows()],
            k: 0,
        }
    }

    /// The next partition `(k, labels)` of the path, or `None` at its end.
    pub fn next_partition(&mut self) -> Result<Option<(usize, &[usize])>> {
        let (x, d) = (self.x, self.x.n_cols());
        if self.k == 0 {
            let all: Vec<usize> = (0..x.n_rows()).collect();
            self.centres = Mat::from_vec(mean_rows(x, &all), 1, d).expect("sizes match");
            self.k = 1;
            return Ok(Some((1, &self.labels)));
        }
        if self.k >= self.k_cap {
            return Ok(None);
        }
        let k = self.k;
        let st = cluster_stats(x, &self.labels, k, Some(&self.centres));
        let mut j = 0;
        for c in 1..k {
            if st.sse[c] > st.sse[j] {
                j = c;
            }
        }
        if st.count[j] < 2 || st.sse[j] == 0.0 {
            return Ok(None);
        }
        let members: Vec<usize> = (0..x.n_rows()).filter(|&i| self.labels[i] == j).collect();
        let xc = gather(x, &members);
        let Some(start2) = principal_halves(&xc) else {
            return Ok(None);
        };
        let (c2, _) = lloyd(&xc, start2, self.max_iter)?;
        let mut next = Vec::with_capacity((k + 1) * d);
        for c in (0..k).filter(|&c| c != j) {
            next.extend_from_slice(self.centres.row(c));
        }
        next.extend_from_slice(c2.as_slice());
        let start = Mat::from_vec(next, k + 1, d).expect("sizes match");
        let (centres, labels) = lloyd(x, start, self.max_iter)?;
        self.centres = centres;
        self.labels = labels;
        self.k = k + 1;
        Ok(Some((self.k, &self.labels)))
    }
}
