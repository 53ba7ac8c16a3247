//! Gower k-medoids on a mixed CSV with text categories, checked against a brute-force
//! reference computed here from the raw cells (J. C. Gower, "A General Coefficient of
//! Similarity and Some of Its Properties", Biometrics 27(4), 1971, doi:10.2307/2528823):
//! numeric |a − b| / range, categorical 0 when the texts are equal and 1 otherwise,
//! averaged over the columns.

use partitive::dissimilarity::Gower;
use partitive::kmedoids::{Algorithm, KMedoids};
use partitive_io::{read_mixed, CategoricalColumns, ReadOptions};

const CSV: &str = "\
age,income,colour,city
23,1.10,red,Paris
25,1.30,red,Paris
22,0.90,red,Lyon
61,5.00,blue,Nice
64,5.60,blue,Nice
58,4.70,\"green\",\"Nice\"
41,3.00,yellow,Brest
43,2.80,yellow,Brest
39,3.30,yellow,Lyon
24,1.20,blue,Paris
";

/// The table as text cells, split independently of the reader.
fn cells() -> Vec<Vec<String>> {
    CSV.lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .map(|c| c.trim_matches('"').to_string())
                .collect()
        })
        .collect()
}

/// Gower's coefficient from its definition, on the text cells.
fn reference(rows: &[Vec<String>], numeric: &[bool]) -> Vec<Vec<f64>> {
    let p = numeric.len();
    let ranges: Vec<f64> = (0..p)
        .map(|c| {
            if !numeric[c] {
                return 0.0;
            }
            let v: Vec<f64> = rows.iter().map(|r| r[c].parse().unwrap()).collect();
            v.iter().cloned().fold(f64::MIN, f64::max) - v.iter().cloned().fold(f64::MAX, f64::min)
        })
        .collect();
    let n = rows.len();
    let mut d = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..n {
            let mut s = 0.0;
            for c in 0..p {
                s += if numeric[c] {
                    let (a, b): (f64, f64) =
                        (rows[i][c].parse().unwrap(), rows[j][c].parse().unwrap());
                    (a - b).abs() / ranges[c]
                } else if rows[i][c] == rows[j][c] {
                    0.0
                } else {
                    1.0
                };
            }
            d[i][j] = s / p as f64;
        }
    }
    d
}

fn loss_of(d: &[Vec<f64>], medoids: &[usize]) -> f64 {
    (0..d.len())
        .map(|i| {
            medoids
                .iter()
                .map(|&m| d[i][m])
                .fold(f64::INFINITY, f64::min)
        })
        .sum()
}

/// The best loss over every set of `k` medoids.
fn exhaustive(d: &[Vec<f64>], k: usize) -> f64 {
    fn go(d: &[Vec<f64>], k: usize, start: usize, set: &mut Vec<usize>, best: &mut f64) {
        if set.len() == k {
            *best = best.min(loss_of(d, set));
            return;
        }
        for m in start..d.len() {
            set.push(m);
            go(d, k, m + 1, set, best);
            set.pop();
        }
    }
    let mut best = f64::INFINITY;
    go(d, k, 0, &mut Vec::new(), &mut best);
    best
}

#[test]
fn gower_loss_matches_brute_force_on_text_categories() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.csv");
    std::fs::write(&path, CSV).unwrap();
    let rows = cells();
    let refd = reference(&rows, &[true, true, false, false]);
    for spec in [
        CategoricalColumns::Auto,
        CategoricalColumns::Exactly(vec!["colour".into(), "3".into()]),
    ] {
        let t = read_mixed(&path, &ReadOptions::default(), &spec).unwrap();
        assert_eq!(t.n_rows(), rows.len());
        assert_eq!(t.categorical_flags(), [false, false, true, true]);
        assert_eq!(t.levels(2).unwrap(), ["red", "blue", "green", "yellow"]);
        let g = Gower::new(t.view(), &t.categorical_flags(), None).unwrap();
        for k in 1..=4 {
            for algorithm in [Algorithm::Pam, Algorithm::FasterPam] {
                let r = KMedoids::params(k)
                    .algorithm(algorithm.clone())
                    .fit(&g)
                    .unwrap();
                let at_medoids = loss_of(&refd, &r.medoids);
                assert!(
                    (r.loss - at_medoids).abs() < 1e-12,
                    "k={k} {algorithm:?}: loss {} vs reference {at_medoids}",
                    r.loss
                );
                // every row is labelled with its nearest medoid (reference distances)
                for (i, &l) in r.labels.iter().enumerate() {
                    let mine = refd[i][r.medoids[l]];
                    let best = r
                        .medoids
                        .iter()
                        .map(|&m| refd[i][m])
                        .fold(f64::MAX, f64::min);
                    assert!((mine - best).abs() < 1e-12, "row {i}");
                }
                if algorithm == Algorithm::Pam {
                    let best = exhaustive(&refd, k);
                    assert!(
                        (r.loss - best).abs() < 1e-12,
                        "k={k}: PAM {} vs exhaustive {best}",
                        r.loss
                    );
                }
            }
        }
    }
}
