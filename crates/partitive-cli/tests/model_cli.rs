//! Saved models: fit → `--model-out` → `partitive predict` gives the fit's labels back,
//! for every engine (scaled fits, float32 and Gower included); predict refuses models that
//! do not match the input or come from a newer partitive.

mod common;
use common::*;
use std::path::Path;

/// Three blobs in 3 columns of very different scales, with a text ID column.
fn table(s: &Scratch, name: &str, n_per: usize) -> std::path::PathBuf {
    let mut t = String::from("id,a,b,c\n");
    let mut state = 99u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    for i in 0..n_per {
        for (c, (x, y, z)) in [(0.0, 0.0, 0.0), (4.0, 1.0, 300.0), (0.0, 3.0, 900.0)]
            .iter()
            .enumerate()
        {
            t.push_str(&format!(
                "R{:04},{},{},{}\n",
                3 * i + c,
                x + next(),
                y + next(),
                z + 200.0 * next()
            ));
        }
    }
    s.write(name, t.as_bytes())
}

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

fn lines(p: &Path) -> Vec<String> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Fits with `fit` (+ the input), saves the model, predicts the same input: same labels.
fn round_trip(s: &Scratch, input: &Path, tag: &str, fit: &[&str]) {
    let (model, fit_labels, pred_labels) = (
        s.path(&format!("{tag}.model.json")),
        s.path(&format!("{tag}.fit.txt")),
        s.path(&format!("{tag}.pred.txt")),
    );
    let mut args = fit.to_vec();
    args.extend([
        p(input),
        "--model-out",
        p(&model),
        "--labels-out",
        p(&fit_labels),
        "--quiet",
    ]);
    ok(&args);
    ok(&[
        "predict",
        p(&model),
        p(input),
        "--labels-out",
        p(&pred_labels),
        "--quiet",
    ]);
    let (a, b) = (lines(&fit_labels), lines(&pred_labels));
    assert!(a.len() > 10);
    assert_eq!(a, b, "{tag}: predict differs from the fit");
    let distinct: std::collections::BTreeSet<&String> = a.iter().collect();
    assert!(distinct.len() > 1, "{tag}: a single cluster proves little");
}

#[test]
fn every_engine_predicts_its_own_labels() {
    let s = Scratch::new();
    let input = table(&s, "t.csv", 70);
    let f = |v: &[&'static str]| v.to_vec();
    for (tag, args) in [
        ("kmeans", f(&["kmeans", "-k", "3", "--id-column", "id"])),
        (
            "kmeans-std",
            f(&[
                "kmeans",
                "-k",
                "3",
                "--id-column",
                "id",
                "--scale",
                "standard",
            ]),
        ),
        (
            "kmeans-yinyang",
            f(&[
                "kmeans",
                "-k",
                "4",
                "--id-column",
                "id",
                "--scale",
                "robust",
                "--algorithm",
                "yinyang",
            ]),
        ),
        (
            "gmm",
            f(&["gmm", "-k", "3", "--id-column", "id", "--scale", "standard"]),
        ),
        (
            "gmm-diag",
            f(&[
                "gmm",
                "--k-range",
                "2..4",
                "--covariance",
                "diag,spherical",
                "--id-column",
                "id",
                "--scale",
                "minmax",
            ]),
        ),
        (
            "kmedoids",
            f(&[
                "kmedoids",
                "-k",
                "3",
                "--id-column",
                "id",
                "--scale",
                "standard",
            ]),
        ),
        (
            "kmedoids-l1",
            f(&[
                "kmedoids",
                "-k",
                "3",
                "--id-column",
                "id",
                "--metric",
                "manhattan",
                "--scale",
                "robust",
            ]),
        ),
        (
            "kmedoids-cos",
            f(&[
                "kmedoids",
                "-k",
                "3",
                "--id-column",
                "id",
                "--metric",
                "cosine",
            ]),
        ),
        (
            "clara",
            f(&[
                "kmedoids",
                "-k",
                "3",
                "--id-column",
                "id",
                "--algorithm",
                "clara",
                "--scale",
                "standard",
            ]),
        ),
        ("auto", f(&["auto", "--id-column", "id"])),
        (
            "hdbscan",
            f(&[
                "hdbscan",
                "--min-cluster-size",
                "10",
                "--id-column",
                "id",
                "--scale",
                "standard",
            ]),
        ),
        (
            "auto-std",
            f(&["auto", "--id-column", "id", "--scale", "standard"]),
        ),
    ] {
        round_trip(&s, &input, tag, &args);
    }
}

#[test]
fn float32_and_gower_models_predict_their_own_labels() {
    let s = Scratch::new();
    // float32 .npy: the model keeps float32 centres, exactly.
    let mut vals = Vec::new();
    for i in 0..300 {
        let c = (i % 3) as f64;
        vals.push(c * 5.0 + (i as f64 * 0.37).sin());
        vals.push(c * 2.0 + (i as f64 * 0.11).cos());
    }
    let npy = s.write("x.npy", &npy_f32_bytes((300, 2), &vals));
    round_trip(
        &s,
        &npy,
        "k32",
        &["kmeans", "-k", "3", "--scale", "standard"],
    );
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path("k32.model.json")).unwrap()).unwrap();
    assert_eq!(model["dtype"], "float32");
    assert_eq!(model["model"]["centers"]["dtype"], "float32");
    round_trip(&s, &npy, "a32", &["auto"]);
    // Gower on text categories.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mixed.csv");
    let mixed = s.write("mixed.csv", &std::fs::read(root).unwrap());
    round_trip(
        &s,
        &mixed,
        "gower",
        &["kmedoids", "-k", "3", "--metric", "gower"],
    );
}

#[test]
fn predict_reads_columns_by_name_and_maps_rows_back() {
    let s = Scratch::new();
    let input = table(&s, "t.csv", 30);
    let model = s.path("m.json");
    ok(&[
        "gmm",
        p(&input),
        "-k",
        "3",
        "--id-column",
        "id",
        "--scale",
        "standard",
        "--model-out",
        p(&model),
        "--quiet",
    ]);
    // New rows, columns reordered, an extra column, a missing value.
    let text = std::fs::read_to_string(&input).unwrap();
    let mut new = String::from("c,extra,a,id,b\n");
    for (i, l) in text.lines().skip(1).take(12).enumerate() {
        let f: Vec<&str> = l.split(',').collect();
        let c = if i == 4 { "NA" } else { f[3] };
        new.push_str(&format!("{c},x{i},{},{},{}\n", f[1], f[0], f[2]));
    }
    let newf = s.write("new.csv", new.as_bytes());
    let out = s.path("out.csv");
    let proba = s.path("proba.csv");
    let r = run(&[
        "predict",
        p(&model),
        p(&newf),
        "--output",
        p(&out),
        "--quiet",
    ]);
    assert_user_error(&r, &["new.csv:6:1", "missing value 'NA'", "--missing drop"]);
    ok(&[
        "predict",
        p(&model),
        p(&newf),
        "--output",
        p(&out),
        "--proba-out",
        p(&proba),
        "--missing",
        "drop",
        "--quiet",
    ]);
    let o = lines(&out);
    assert_eq!(o[0], "id,cluster,confidence");
    assert_eq!(o.len(), 13);
    assert!(o[5].starts_with("R0004,,"), "{}", o[5]);
    assert!(o[1].starts_with("R0000,"));
    let pr = lines(&proba);
    assert_eq!(pr[0], "p0,p1,p2");
    // A column the model needs is missing: named.
    let bad = s.write("bad.csv", b"a,b,id\n1,2,x\n");
    let r = run(&[
        "predict",
        p(&model),
        p(&bad),
        "--labels-out",
        p(&s.path("l.txt")),
    ]);
    assert_user_error(
        &r,
        &["bad.csv does not match the model", "no column named 'c'"],
    );
    assert!(!s.path("l.txt").exists());
}

#[test]
fn predict_refuses_foreign_and_newer_models() {
    let s = Scratch::new();
    let input = table(&s, "t.csv", 20);
    let model = s.path("m.json");
    ok(&[
        "kmeans",
        p(&input),
        "-k",
        "2",
        "--id-column",
        "id",
        "--model-out",
        p(&model),
        "--quiet",
    ]);
    let text = std::fs::read_to_string(&model).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let r = run(&[
        "predict",
        p(&model),
        p(&input),
        "--proba-out",
        p(&s.path("p.csv")),
    ]);
    assert_user_error(
        &r,
        &["--proba-out", "kmeans model has no cluster probabilities"],
    );
    v["version"] = serde_json::json!(2);
    let newer = s.write("newer.json", v.to_string().as_bytes());
    let r = run(&["predict", p(&newer), p(&input)]);
    assert_user_error(
        &r,
        &["newer.json", "model format version 2", "upgrade partitive"],
    );
    v["version"] = serde_json::json!(1);
    v["model"]["kind"] = serde_json::json!("spectral");
    let unknown = s.write("unknown.json", v.to_string().as_bytes());
    let r = run(&["predict", p(&unknown), p(&input)]);
    assert_user_error(&r, &["unknown model kind 'spectral'", "newer partitive"]);
    let junk = s.write("junk.json", b"{\"format\": \"other\"}");
    assert_user_error(
        &run(&["predict", p(&junk), p(&input)]),
        &["not a partitive model file"],
    );
    v["model"]["kind"] = serde_json::json!("kmeans");
    v["model"]["centers"]["shape"] = serde_json::json!([5, 3]);
    let broken = s.write("broken.json", v.to_string().as_bytes());
    assert_user_error(
        &run(&["predict", p(&broken), p(&input)]),
        &["invalid model file"],
    );
}

#[test]
fn model_floats_are_exact() {
    let s = Scratch::new();
    let input = table(&s, "t.csv", 20);
    let (model, summary) = (s.path("m.json"), s.path("s.json"));
    ok(&[
        "kmeans",
        p(&input),
        "-k",
        "3",
        "--id-column",
        "id",
        "--scale",
        "standard",
        "--model-out",
        p(&model),
        "--summary-out",
        p(&summary),
        "--quiet",
    ]);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(m["format"], "partitive-model");
    assert_eq!(m["version"], 1);
    assert_eq!(m["columns"], serde_json::json!(["a", "b", "c"]));
    assert_eq!(m["id_column"], "id");
    assert_eq!(m["scaler"]["kind"], "standard");
    // The shortest round-trip form: no value printed with 17 digits when fewer suffice.
    for v in m["scaler"]["scale"].as_array().unwrap() {
        let f = v.as_f64().unwrap();
        assert_eq!(format!("{f:?}").parse::<f64>().unwrap(), f);
    }
}
