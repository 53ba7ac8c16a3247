//! `partitive kmedoids --metric gower` on CSV files with text categories: runs on the
//! built binary, loss checked against Gower's coefficient computed here from the cells
//! (J. C. Gower, "A General Coefficient of Similarity and Some of Its Properties",
//! Biometrics 27(4), 1971, doi:10.2307/2528823), and every bad case.

mod common;
use common::*;
use std::io::Write;
use std::path::PathBuf;

/// A small mixed table: two numeric columns, two text categories (one quoted cell).
const SMALL: &str = "\
age,income,colour,city
23,1.10,red,Paris
25,1.30,red,Paris
22,0.90,red,Lyon
61,5.00,blue,Nice
64,5.60,blue,Nice
58,4.70,green,\"Nice\"
41,3.00,yellow,Brest
43,2.80,yellow,Brest
39,3.30,yellow,Lyon
24,1.20,blue,Paris
";

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/mixed.csv")
}

fn read_labels(p: &std::path::Path) -> Vec<usize> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect()
}

fn summary(p: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// Gower distances between the rows of `SMALL`, from the definition.
fn reference() -> Vec<Vec<f64>> {
    let rows: Vec<Vec<String>> = SMALL
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .map(|c| c.trim_matches('"').to_string())
                .collect()
        })
        .collect();
    let num = |i: usize, c: usize| rows[i][c].parse::<f64>().unwrap();
    let n = rows.len();
    let range = |c: usize| {
        let v: Vec<f64> = (0..n).map(|i| num(i, c)).collect();
        v.iter().cloned().fold(f64::MIN, f64::max) - v.iter().cloned().fold(f64::MAX, f64::min)
    };
    let (r0, r1) = (range(0), range(1));
    let mut d = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..n {
            let s = (num(i, 0) - num(j, 0)).abs() / r0
                + (num(i, 1) - num(j, 1)).abs() / r1
                + (rows[i][2] != rows[j][2]) as u8 as f64
                + (rows[i][3] != rows[j][3]) as u8 as f64;
            d[i][j] = s / 4.0;
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

#[test]
fn shipped_example_runs_with_labels_for_every_row() {
    let s = Scratch::new();
    let (labels, sum) = (s.path("labels.txt"), s.path("summary.json"));
    let out = run(&[
        "kmedoids",
        p(&example()),
        "-k",
        "3",
        "--metric",
        "gower",
        "--labels-out",
        p(&labels),
        "--summary-out",
        p(&sum),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("categorical: colour (3 levels), city (4 levels), plan (3 levels)"),
        "{stdout}"
    );
    let rows = std::fs::read_to_string(example()).unwrap().lines().count() - 1;
    let l = read_labels(&labels);
    assert_eq!(l.len(), rows);
    assert!(l.iter().all(|&x| x < 3));
    let js = summary(&sum);
    assert_eq!(js["dissimilarity"], "gower");
    let cats = js["categorical_columns"].as_array().unwrap();
    let names: Vec<&str> = cats.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["colour", "city", "plan"]);
    assert_eq!(cats[0]["levels"], 3);
    assert_eq!(cats[0]["categories"][0], "red");
    let nums = js["numeric_columns"].as_array().unwrap();
    assert_eq!(nums.len(), 2);
    assert!(nums[0]["range"].as_f64().unwrap() > 0.0);
}

#[test]
fn loss_matches_reference_and_is_thread_and_gzip_independent() {
    let s = Scratch::new();
    let csv = s.write("small.csv", SMALL.as_bytes());
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(SMALL.as_bytes()).unwrap();
    let gz = s.write("small.csv.gz", &enc.finish().unwrap());
    let d = reference();
    for k in ["2", "3"] {
        let mut first: Option<(Vec<usize>, Vec<usize>)> = None;
        for (input, threads, cat) in [
            (&csv, "1", None),
            (&csv, "2", Some("colour,3")),
            (&gz, "2", None),
        ] {
            let (labels, medoids, sum) = (s.path("l.txt"), s.path("m.txt"), s.path("s.json"));
            let mut args = vec![
                "kmedoids",
                p(input),
                "-k",
                k,
                "--metric",
                "gower",
                "--algorithm",
                "pam",
                "--threads",
                threads,
                "--labels-out",
                p(&labels),
                "--medoids-out",
                p(&medoids),
                "--summary-out",
                p(&sum),
                "--quiet",
            ];
            if let Some(c) = cat {
                args.extend(["--categorical", c]);
            }
            let out = run(&args);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let (l, m) = (read_labels(&labels), read_labels(&medoids));
            assert_eq!(l.len(), 10);
            let loss = summary(&sum)["loss"].as_f64().unwrap();
            let want = loss_of(&d, &m);
            assert!((loss - want).abs() < 1e-12, "k={k}: {loss} vs {want}");
            match &first {
                None => first = Some((l, m)),
                Some(f) => assert_eq!(f, &(l, m), "k={k} threads={threads} {cat:?}"),
            }
        }
    }
}

/// Runs a kmedoids command that must fail: one line holding every needle, exit code 2,
/// no output file left.
fn gower_fails(s: &Scratch, args: &[&str], needles: &[&str]) {
    let labels = s.path("labels.txt");
    let before = s.listing();
    let mut all = vec!["kmedoids"];
    all.extend(args);
    all.extend(["-k", "2", "--labels-out", p(&labels), "--quiet"]);
    assert_user_error(&run(&all), needles);
    assert!(!labels.exists());
    assert_eq!(before, s.listing(), "a failed run left files behind");
}

#[test]
fn bad_inputs_are_one_line_errors() {
    let s = Scratch::new();
    let csv = s.write("small.csv", SMALL.as_bytes());
    let f = p(&csv);
    // unknown column name
    gower_fails(
        &s,
        &[f, "--metric", "gower", "--categorical", "colour,town"],
        &["small.csv", "categorical", "no column named 'town'"],
    );
    // index out of range
    gower_fails(
        &s,
        &[f, "--metric", "gower", "--categorical", "9"],
        &["small.csv", "column index 9 is out of range"],
    );
    // a text column asked for with a non-Gower metric: named, with a cell and its line
    gower_fails(
        &s,
        &[f, "--metric", "manhattan", "--columns", "age,colour"],
        &["--columns", "not numeric: 'colour' ('red' on line 2)"],
    );
    // text in a column not listed in --categorical
    gower_fails(
        &s,
        &[f, "--metric", "gower", "--categorical", "colour"],
        &[
            "small.csv:2:4",
            "'Paris'",
            "column 'city' is not among the categorical columns",
        ],
    );
    // empty category cell and an NA marker
    let empty = s.write("empty.csv", b"age,colour\n20,red\n30,\n40,blue\n");
    gower_fails(
        &s,
        &[p(&empty), "--metric", "gower"],
        &["empty.csv:3:2", "empty cell"],
    );
    let na = s.write("na.csv", b"age,colour\n20,red\nNA,blue\n40,blue\n");
    gower_fails(
        &s,
        &[p(&na), "--metric", "gower"],
        &["na.csv:3:1", "missing value 'NA'"],
    );
}

#[test]
fn help_shows_the_gower_example() {
    let out = run(&["kmedoids", "--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("partitive kmedoids examples/mixed.csv -k 3 --metric gower"),
        "{text}"
    );
    assert!(text.contains("--categorical"), "{text}");
}

#[test]
fn an_identifier_column_is_named_in_a_warning() {
    let s = Scratch::new();
    let mut t = String::from("customer,plan,spend\n");
    for i in 0..40 {
        t.push_str(&format!("C{i:03},{},{}\n", ["a", "b"][i % 2], i % 7));
    }
    let csv = s.write("c.csv", t.as_bytes());
    let out = run(&["kmedoids", p(&csv), "-k", "2", "--metric", "gower"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: categorical column 'customer' has 40 distinct values in 40 rows")
            && err.contains("--id-column 'customer'"),
        "{err}"
    );
    assert!(!err.contains("column 'plan' has"), "{err}");
    // With the ID set aside: no warning, and the ID is carried to --output.
    let o = s.path("o.csv");
    let out = run(&[
        "kmedoids",
        p(&csv),
        "-k",
        "2",
        "--metric",
        "gower",
        "--id-column",
        "customer",
        "--output",
        p(&o),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("distinct values"));
    let text = std::fs::read_to_string(&o).unwrap();
    assert!(text.starts_with("customer,cluster\nC000,"), "{text}");
}
