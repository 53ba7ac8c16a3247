//! Silhouette (full) and medoid silhouette.

use super::contingency::dense_labels;
use crate::dissimilarity::Dissimilarity;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::parallel::{for_each_chunk_mut, map_reduce_chunks};

fn mean(v: &[f64]) -> f64 {
    let s = map_reduce_chunks(
        v.len(),
        0.0f64,
        |r| v[r].iter().sum::<f64>(),
        |a, p| *a += p,
    );
    s / v.len() as f64
}

/// Per-object silhouette (P. J. Rousseeuw, *Silhouettes: a graphical aid to the
/// interpretation and validation of cluster analysis*, J. Comput. Appl. Math. 20,
/// 1987, doi:10.1016/0377-0427(87)90125-7): `s(i) = (b − a) / max(a, b)` with `a` the
/// mean dissimilarity to the other members of its cluster and `b` the smallest mean
/// dissimilarity to another cluster; 0 for members of singleton clusters (and when
/// `a = b = 0`). O(n²) dissimilarities, parallel over objects.
///
/// Fails when `labels.len() != d.n()` or the number of distinct labels is not in
/// `2..=n−1`.
pub fn silhouette_samples<D: Dissimilarity>(d: &D, labels: &[usize]) -> Result<Vec<f64>> {
    // Ratios of sums: dissimilarities of extreme magnitude are used scaled.
    match crate::dissimilarity::unit_exponent(d) {
        Some(e) => samples_of(&crate::dissimilarity::Scaled::new(d, e), labels),
        None => samples_of(d, labels),
    }
}

fn samples_of<D: Dissimilarity>(d: &D, labels: &[usize]) -> Result<Vec<f64>> {
    let n = d.n();
    if labels.len() != n {
        return Err(Error::shape("labels length", n, labels.len()));
    }
    let (lab, c) = dense_labels(labels);
    if c < 2 || c >= n {
        return Err(Error::data(format!(
            "silhouette needs 2 ≤ clusters ≤ n − 1, found {c} clusters for {n} objects"
        )));
    }
    let mut size = vec![0usize; c];
    for &l in &lab {
        size[l] += 1;
    }
    let mut out = vec![0.0f64; n];
    for_each_chunk_mut(&mut out, 1, |range, slice| {
        let mut buf = Vec::new();
        let mut sums = vec![0.0f64; c];
        for (i, s) in range.zip(slice.iter_mut()) {
            sums.iter_mut().for_each(|v| *v = 0.0);
            for (j, v) in d.row(i, &mut buf).iter().enumerate() {
                sums[lab[j]] += v.as_f64();
            }
            let own = lab[i];
            if size[own] == 1 {
                *s = 0.0;
                continue;
            }
            let a = sums[own] / (size[own] - 1) as f64;
            let b = (0..c)
                .filter(|&l| l != own)
                .map(|l| sums[l] / size[l] as f64)
                .fold(f64::INFINITY, f64::min);
            let m = a.max(b);
            *s = if m > 0.0 { (b - a) / m } else { 0.0 };
        }
    });
    Ok(out)
}

/// Mean silhouette over all objects (see [`silhouette_samples`]).
pub fn silhouette<D: Dissimilarity>(d: &D, labels: &[usize]) -> Result<f64> {
    Ok(mean(&silhouette_samples(d, labels)?))
}

/// Per-object medoid silhouette (L. Lenssen, E. Schubert, *Clustering by Direct
/// Optimization of the Medoid Silhouette*, SISAP 2022, doi:10.1007/978-3-031-17849-8_15):
/// `s(i) = 1 − d₁(i) / d₂(i)` with `d₁ ≤ d₂` the distances to the nearest and
/// second-nearest medoid (0 when both are 0). O(nk).
///
/// Fails with fewer than 2 medoids, or a medoid index out of range.
pub fn medoid_silhouette_samples<D: Dissimilarity>(d: &D, medoids: &[usize]) -> Result<Vec<f64>> {
    match crate::dissimilarity::unit_exponent(d) {
        Some(e) => medoid_samples_of(&crate::dissimilarity::Scaled::new(d, e), medoids),
        None => medoid_samples_of(d, medoids),
    }
}

fn medoid_samples_of<D: Dissimilarity>(d: &D, medoids: &[usize]) -> Result<Vec<f64>> {
    let n = d.n();
    if medoids.len() < 2 {
        return Err(Error::data("medoid silhouette needs at least 2 medoids"));
    }
    if let Some(&m) = medoids.iter().find(|&&m| m >= n) {
        return Err(Error::data(format!(
            "medoid {m} out of range for {n} objects"
        )));
    }
    let mut out = vec![0.0f64; n];
    for_each_chunk_mut(&mut out, 1, |range, slice| {
        for (i, s) in range.zip(slice.iter_mut()) {
            let (mut d1, mut d2) = (f64::INFINITY, f64::INFINITY);
            for &m in medoids {
                let v = d.get(i, m).as_f64();
                if v < d1 {
                    d2 = d1;
                    d1 = v;
                } else if v < d2 {
                    d2 = v;
                }
            }
            *s = if d2 > 0.0 { 1.0 - d1 / d2 } else { 0.0 };
        }
    });
    Ok(out)
}

/// Mean medoid silhouette (see [`medoid_silhouette_samples`]).
pub fn medoid_silhouette<D: Dissimilarity>(d: &D, medoids: &[usize]) -> Result<f64> {
    Ok(mean(&medoid_silhouette_samples(d, medoids)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissimilarity::{Metric, MetricDissimilarity};
    use crate::matrix::Mat;

    #[test]
    fn extreme_magnitudes_give_the_same_silhouettes() {
        let rows = [
            [0.0f64, 0.0],
            [0.0, 1.0],
            [5.0, 0.0],
            [5.0, 1.0],
            [2.0, 2.0],
        ];
        let labels = [0, 0, 1, 1, 0];
        let base_d = MetricDissimilarity::new(
            crate::matrix::Mat::from_rows(&rows).view(),
            Metric::SqEuclidean,
        )
        .map(|d| {
            (
                silhouette(&d, &labels).unwrap(),
                medoid_silhouette(&d, &[0, 2]).unwrap(),
            )
        })
        .unwrap();
        for s in [1e-200, 1e200] {
            let x = crate::matrix::Mat::from_rows(&rows.map(|r| [r[0] * s, r[1] * s]));
            let d = MetricDissimilarity::new(x.view(), Metric::SqEuclidean).unwrap();
            let a = silhouette(&d, &labels).unwrap();
            let b = medoid_silhouette(&d, &[0, 2]).unwrap();
            assert!((a - base_d.0).abs() < 1e-12, "{s:e}: {a} vs {}", base_d.0);
            assert!((b - base_d.1).abs() < 1e-12, "{s:e}: {b} vs {}", base_d.1);
        }
    }

    #[test]
    fn silhouette_known_value() {
        // 1-D points 0, 1 | 4, 6 (hand-computed)
        let x = Mat::from_rows(&[[0.0f64], [1.0], [4.0], [6.0]]);
        let d = MetricDissimilarity::new(x.view(), Metric::Euclidean).unwrap();
        let s = silhouette_samples(&d, &[0, 0, 1, 1]).unwrap();
        // point 0: a = 1, b = (4+6)/2 = 5; point 1: a = 1, b = (3+5)/2 = 4;
        // point 4: a = 2, b = (4+3)/2 = 3.5; point 6: a = 2, b = (6+5)/2 = 5.5
        let expect = [4.0 / 5.0, 3.0 / 4.0, 1.5 / 3.5, 3.5 / 5.5];
        for (a, b) in s.iter().zip(expect) {
            assert!((a - b).abs() < 1e-15, "{s:?}");
        }
        let m = silhouette(&d, &[0, 0, 1, 1]).unwrap();
        assert!((m - expect.iter().sum::<f64>() / 4.0).abs() < 1e-15);
        // singleton cluster scores 0
        let s = silhouette_samples(&d, &[0, 0, 0, 1]).unwrap();
        assert_eq!(s[3], 0.0);
        assert!(silhouette(&d, &[0, 0, 0, 0]).is_err());
        assert!(silhouette(&d, &[0, 0, 1]).is_err());
    }

    #[test]
    fn thread_count_invariance() {
        let mut rng = crate::rng::Rng::new(1);
        let n = 5000; // 2 chunks
        let data: Vec<f64> = (0..n * 2).map(|_| rng.next_f64()).collect();
        let x = crate::matrix::MatRef::new(&data, n, 2).unwrap();
        let d = MetricDissimilarity::new(x, Metric::Euclidean).unwrap();
        let labels: Vec<usize> = (0..n).map(|i| (data[2 * i] * 3.0) as usize).collect();
        let run = |t: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap();
            pool.install(|| {
                (
                    medoid_silhouette(&d, &[0, 1, 2]).unwrap(),
                    silhouette(&d, &labels[..]).unwrap(),
                )
            })
        };
        let (a, b) = (run(1), run(2));
        assert_eq!(a.0.to_bits(), b.0.to_bits());
        assert_eq!(a.1.to_bits(), b.1.to_bits());
        assert!(a.1 > 0.1, "{}", a.1); // three strips of uniform data: a positive score
    }

    #[test]
    fn medoid_silhouette_known_value() {
        let x = Mat::from_rows(&[[0.0f64], [1.0], [4.0], [6.0]]);
        let d = MetricDissimilarity::new(x.view(), Metric::Euclidean).unwrap();
        // medoids 1 and 2 (points 1.0 and 4.0)
        let s = medoid_silhouette_samples(&d, &[1, 2]).unwrap();
        let expect = [1.0 - 1.0 / 4.0, 1.0, 1.0, 1.0 - 2.0 / 5.0];
        for (a, b) in s.iter().zip(expect) {
            assert!((a - b).abs() < 1e-15, "{s:?}");
        }
        assert!(medoid_silhouette(&d, &[1]).is_err());
        assert!(medoid_silhouette(&d, &[1, 9]).is_err());
    }
}
