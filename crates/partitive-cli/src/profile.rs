//! Per-cluster profiles: size, and per feature the mean, median and standard deviation
//! (population, `ddof = 0`) of the cluster's rows, in the original units — the summary's
//! `clusters` and the report's profile table and heat map.

use partitive::parallel::par_vec;
use partitive::{Float, MatRef};
use serde_json::{json, Map, Value};

/// The profile of one cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Rows in the cluster.
    pub size: usize,
    /// Per feature.
    pub mean: Vec<f64>,
    pub median: Vec<f64>,
    pub std: Vec<f64>,
}

/// The profiles of clusters `0..k` of the rows of `x` labelled `labels`, plus the profile
/// of all rows (the last entry). A cluster without rows has NaN statistics.
pub fn profiles<T: Float>(x: MatRef<'_, T>, labels: &[usize], k: usize) -> Vec<Profile> {
    let d = x.n_cols();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k + 1];
    for (i, &l) in labels.iter().enumerate() {
        members[l.min(k)].push(i);
    }
    members[k] = (0..x.n_rows()).collect();
    par_vec(k + 1, |c| {
        let rows = &members[c];
        let mut p = Profile {
            size: rows.len(),
            mean: Vec::with_capacity(d),
            median: Vec::with_capacity(d),
            std: Vec::with_capacity(d),
        };
        let mut v = Vec::with_capacity(rows.len());
        for j in 0..d {
            v.clear();
            v.extend(rows.iter().map(|&i| x.row(i)[j].as_f64()));
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let var = v.iter().map(|a| (a - mean) * (a - mean)).sum::<f64>() / n;
            v.sort_unstable_by(f64::total_cmp);
            let median = match v.len() {
                0 => f64::NAN,
                m if m % 2 == 1 => v[m / 2],
                m => 0.5 * (v[m / 2 - 1] + v[m / 2]),
            };
            p.mean.push(mean);
            p.median.push(median);
            p.std.push(var.sqrt());
        }
        p
    })
}

/// `(cluster mean − overall mean) / overall std` per cluster and feature (0 for a
/// constant feature): the heat map's values.
pub fn standardised_means(p: &[Profile]) -> Vec<Vec<f64>> {
    let all = p.last().expect("the overall profile");
    p[..p.len() - 1]
        .iter()
        .map(|c| {
            c.mean
                .iter()
                .zip(&all.mean)
                .zip(&all.std)
                .map(|((m, a), s)| if *s > 0.0 { (m - a) / s } else { 0.0 })
                .collect()
        })
        .collect()
}

fn num(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

/// The summary's `clusters`: one object per cluster with its `size` and, per feature name,
/// `{mean, median, std}`.
pub fn to_json(p: &[Profile], columns: &[String]) -> Value {
    Value::Array(
        p[..p.len() - 1]
            .iter()
            .enumerate()
            .map(|(c, prof)| {
                let mut features = Map::new();
                for (j, name) in columns.iter().enumerate() {
                    features.insert(
                        name.clone(),
                        json!({"mean": num(prof.mean[j]), "median": num(prof.median[j]), "std": num(prof.std[j])}),
                    );
                }
                json!({"cluster": c, "size": prof.size, "features": features})
            })
            .collect(),
    )
}

/// A matrix's rows as objects keyed by column name (centres, medoid rows).
pub fn named_rows(rows: &[Vec<f64>], columns: &[String]) -> Value {
    Value::Array(
        rows.iter()
            .map(|r| {
                Value::Object(
                    columns
                        .iter()
                        .zip(r)
                        .map(|(n, &v)| (n.clone(), num(v)))
                        .collect(),
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use partitive::Mat;

    #[test]
    fn sizes_means_medians() {
        let x = Mat::from_rows(&[[1.0f64, 10.0], [3.0, 10.0], [5.0, 20.0], [100.0, 0.0]]);
        let p = profiles(x.view(), &[0, 0, 0, 1], 3);
        assert_eq!(p.len(), 4);
        assert_eq!((p[0].size, p[1].size, p[2].size, p[3].size), (3, 1, 0, 4));
        assert_eq!(p[0].mean, [3.0, 40.0 / 3.0]);
        assert_eq!(p[0].median, [3.0, 10.0]);
        assert_eq!(p[3].median, [4.0, 10.0]);
        assert!((p[0].std[0] - (8.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert!(p[2].mean[0].is_nan());
        let z = standardised_means(&p);
        assert_eq!(z.len(), 3);
        assert!(z[1][0] > 1.5, "the outlier cluster stands out: {}", z[1][0]);
        let names = vec!["a".to_string(), "b".to_string()];
        let j = to_json(&p, &names);
        assert_eq!(j[0]["features"]["b"]["median"], json!(10.0));
        assert_eq!(j[2]["features"]["a"]["mean"], Value::Null);
        assert_eq!(named_rows(&[vec![1.0, 2.0]], &names)[0]["b"], json!(2.0));
    }
}
