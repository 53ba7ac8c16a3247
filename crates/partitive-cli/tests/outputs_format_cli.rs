//! Outputs follow their extension (`.npy`, `.parquet`, `.csv`/`.tsv` with a header, `.gz`
//! compressed), `--output` joins back to the input by ID or row number, and reading
//! notes/warnings name the columns (skipped text columns, pandas index, dominating column,
//! missing values, decimal commas).

mod common;
use common::*;
use std::io::Read;

fn ok(args: &[&str]) -> std::process::Output {
    let out = run(args);
    assert!(
        out.status.success(),
        "partitive {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn blobs(s: &Scratch) -> std::path::PathBuf {
    s.write(
        "b.csv",
        blobs_csv(20, &[(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)]).as_bytes(),
    )
}

#[test]
fn labels_follow_the_extension() {
    let s = Scratch::new();
    let input = blobs(&s);
    let names = [
        "l.txt",
        "l.csv",
        "l.tsv.gz",
        "l.txt.gz",
        "l.npy",
        "l.parquet",
    ];
    let mut args = vec!["kmeans", p(&input), "-k", "3", "--quiet"];
    let paths: Vec<String> = names
        .iter()
        .map(|n| s.path(n).display().to_string())
        .collect();
    // one run per file (each flag once)
    let plain: Vec<i64> = std::fs::read_to_string({
        args.extend(["--labels-out", &paths[0]]);
        ok(&args);
        &paths[0]
    })
    .unwrap()
    .lines()
    .map(|l| l.parse().unwrap())
    .collect();
    assert_eq!(plain.len(), 60);
    for (name, path) in names.iter().zip(&paths).skip(1) {
        ok(&[
            "kmeans",
            p(&input),
            "-k",
            "3",
            "--quiet",
            "--labels-out",
            path,
        ]);
        let bytes = std::fs::read(path).unwrap();
        let got: Vec<i64> = match *name {
            "l.csv" => {
                let t = String::from_utf8(bytes).unwrap();
                assert!(t.starts_with("cluster\n"), "a header");
                t.lines().skip(1).map(|l| l.parse().unwrap()).collect()
            }
            "l.tsv.gz" | "l.txt.gz" => {
                assert_eq!(&bytes[..2], &[0x1f, 0x8b], "{name} is gzip");
                let mut t = String::new();
                flate2::read::GzDecoder::new(&bytes[..])
                    .read_to_string(&mut t)
                    .unwrap();
                let skip = usize::from(*name == "l.tsv.gz");
                t.lines().skip(skip).map(|l| l.parse().unwrap()).collect()
            }
            "l.npy" => {
                let (dict, data) = read_npy(std::path::Path::new(path));
                assert!(
                    dict.contains("'descr': '<i8'") && dict.contains("'shape': (60,)"),
                    "{dict}"
                );
                data.chunks(8)
                    .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
                    .collect()
            }
            _ => {
                assert_eq!(&bytes[..4], b"PAR1");
                let t = partitive_io::read_table::<f64>(
                    std::path::Path::new(path),
                    &Default::default(),
                )
                .unwrap();
                assert_eq!(t.data.column_names().unwrap(), ["cluster"]);
                t.data.view().as_slice().iter().map(|&v| v as i64).collect()
            }
        };
        assert_eq!(got, plain, "{name}");
    }
}

#[test]
fn output_joins_by_id_or_row() {
    let s = Scratch::new();
    let csv = s.write(
        "c.csv",
        b"customer_id,age,plan,income\nIR00000,30,gold,1.5\nIR00001,31,gold,1.6\nIR00002,60,basic,9.5\nIR00003,61,basic,9.7\nIR00004,33,gold,NA\n",
    );
    let out = s.path("o.csv");
    let r = ok(&[
        "auto",
        p(&csv),
        "--id-column",
        "customer_id",
        "--missing",
        "drop",
        "--output",
        p(&out),
    ]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("skipped non-numeric column 'plan' ('gold' on line 2)"),
        "{err}"
    );
    assert!(
        err.contains("dropped 1 of 5 rows with a missing value (first at"),
        "{err}"
    );
    let t = std::fs::read_to_string(&out).unwrap();
    let l: Vec<&str> = t.lines().collect();
    assert_eq!(l[0], "customer_id,cluster,confidence");
    assert_eq!(l.len(), 6);
    assert!(l[1].starts_with("IR00000,"));
    assert_eq!(l[5], "IR00004,,", "the dropped row is listed, unlabelled");
    // npy: a structured array; parquet: named columns
    for name in ["o.npy", "o.parquet"] {
        let f = s.path(name);
        ok(&[
            "kmeans",
            p(&csv),
            "-k",
            "2",
            "--id-column",
            "customer_id",
            "--missing",
            "drop",
            "--output",
            p(&f),
            "--quiet",
        ]);
        if name == "o.npy" {
            let (dict, data) = read_npy(&f);
            assert!(
                dict.contains("[('customer_id', '<U7'), ('cluster', '<i8')]"),
                "{dict}"
            );
            assert_eq!(data.len(), 5 * (7 * 4 + 8));
            let last = i64::from_le_bytes(data[4 * 36 + 28..5 * 36].try_into().unwrap());
            assert_eq!(last, -1);
        } else {
            let opts = partitive_io::ReadOptions {
                id_column: Some("customer_id".into()),
                missing: partitive_io::MissingPolicy::Drop,
                ..Default::default()
            };
            let t = partitive_io::read_table::<f64>(&f, &opts).unwrap();
            assert_eq!(t.info.ids.unwrap().values[2], "IR00002");
            assert_eq!(
                t.info.dropped.len(),
                1,
                "a null cluster for the dropped row"
            );
        }
    }
    // Without an ID column: the 0-based row number.
    let b = blobs(&s);
    let o2 = s.path("o2.tsv");
    ok(&["gmm", p(&b), "-k", "3", "--output", p(&o2), "--quiet"]);
    let t = std::fs::read_to_string(&o2).unwrap();
    assert!(t.starts_with("row\tcluster\tconfidence\n0\t"), "{t}");
}

#[test]
fn reading_notes_and_warnings() {
    let s = Scratch::new();
    // pandas index + a dominating column
    let mut t = String::from(",small,big\n");
    for i in 0..30 {
        t.push_str(&format!(
            "{i},{},{}\n",
            (i % 3) as f64 * 0.1,
            (i % 7) as f64 * 1000.0
        ));
    }
    let f = s.write("pd.csv", t.as_bytes());
    let r = ok(&["kmeans", p(&f), "-k", "2"]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("has no name, holding 0..n-1: a pandas index?"),
        "{err}"
    );
    assert!(
        err.contains("column 'big' holds 100.0% of the total variance"),
        "{err}"
    );
    assert!(err.contains("--scale standard"), "{err}");
    let r = ok(&["kmeans", p(&f), "-k", "2", "--scale", "standard"]);
    assert!(!String::from_utf8_lossy(&r.stderr).contains("variance"));
    // a numeric row number used as a feature
    let f = s.write("rn.csv", b"n,x\n1,0.5\n2,0.7\n3,0.1\n4,0.9\n");
    let r = ok(&["kmeans", p(&f), "-k", "2"]);
    assert!(String::from_utf8_lossy(&r.stderr).contains("column 'n' holds the row numbers 1..4"));
    // decimal comma: a hint, then read with --decimal ,
    let f = s.write("dc.csv", b"a;b\n1,5;2,5\n3,5;4,5\n5,5;1,0\n");
    assert_user_error(
        &run(&["kmeans", p(&f), "-k", "2"]),
        &["dc.csv:2:1", "'1,5'", "--decimal ,"],
    );
    let sum = s.path("s.json");
    ok(&[
        "kmeans",
        p(&f),
        "-k",
        "2",
        "--decimal",
        ",",
        "--summary-out",
        p(&sum),
        "--quiet",
    ]);
    let js: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sum).unwrap()).unwrap();
    assert_eq!(js["columns"], serde_json::json!(["a", "b"]));
    // missing values: file:line:column and the word
    let f = s.write("na.csv", b"a,b\n1,2\n3,N/A\n");
    assert_user_error(
        &run(&["kmeans", p(&f), "-k", "1"]),
        &["na.csv:3:2", "missing value 'N/A'"],
    );
}

#[test]
fn summaries_carry_the_record_and_profiles() {
    let s = Scratch::new();
    let input = blobs(&s);
    let sum = s.path("s.json");
    ok(&[
        "kmeans",
        p(&input),
        "-k",
        "3",
        "--seed",
        "5",
        "--scale",
        "robust",
        "--summary-out",
        p(&sum),
        "--quiet",
    ]);
    let js: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sum).unwrap()).unwrap();
    assert_eq!(js["partitive_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(js["columns"], serde_json::json!(["x", "y"]));
    assert_eq!(js["parameters"]["seed"], 5);
    assert_eq!(js["parameters"]["out"]["scale"], "robust");
    assert_eq!(js["parameters"]["max_iter"], 300);
    let sha = js["input_sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    if let Ok(o) = std::process::Command::new("sha256sum").arg(&input).output() {
        assert!(String::from_utf8_lossy(&o.stdout).starts_with(sha));
    }
    let clusters = js["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 3);
    let total: u64 = clusters.iter().map(|c| c["size"].as_u64().unwrap()).sum();
    assert_eq!(total, 60);
    for key in ["mean", "median", "std"] {
        assert!(clusters[0]["features"]["x"][key].is_f64(), "{key}");
    }
    // centres in the original units, by name: each near a blob centre
    for c in js["centers"].as_array().unwrap() {
        let (x, y) = (c["x"].as_f64().unwrap(), c["y"].as_f64().unwrap());
        assert!(
            [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)]
                .iter()
                .any(|(a, b)| (x - a).abs() < 1.0 && (y - b).abs() < 1.0),
            "{x},{y}"
        );
    }
    // k-medoids: the medoid rows by column name
    ok(&[
        "kmedoids",
        p(&input),
        "-k",
        "3",
        "--summary-out",
        p(&sum),
        "--quiet",
    ]);
    let js: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sum).unwrap()).unwrap();
    let rows = js["medoid_rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows[0]["x"].is_f64() && rows[0]["y"].is_f64());
}
