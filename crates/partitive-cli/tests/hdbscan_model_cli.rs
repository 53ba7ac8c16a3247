//! HDBSCAN* models: `partitive hdbscan --model-out` → `partitive predict`. Training rows
//! get the fit's labels and membership probabilities; other rows are placed by
//! approximate_predict (noise −1); columns are read by name; precomputed fits, edited
//! models and missing columns are refused.

mod common;
use common::*;
use std::path::{Path, PathBuf};

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

fn floats(p: &Path) -> Vec<f64> {
    lines(p).iter().map(|v| v.parse().unwrap()).collect()
}

/// `id,x,y` (y in thousands: scaling matters): three blobs of 40 and two far rows.
fn train(s: &Scratch) -> PathBuf {
    let mut t = String::from("id,x,y\n");
    let mut st = 5u64;
    let mut u = || {
        st = st
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (st >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    for i in 0..120 {
        let (cx, cy) = [(0.0, 0.0), (6.0, 0.0), (0.0, 6.0)][i % 3];
        t.push_str(&format!("P{i},{},{}\n", cx + u(), 1000.0 * (cy + u())));
    }
    t.push_str("F0,30,30000\nF1,-20,40000\n");
    s.write("train.csv", t.as_bytes())
}

#[test]
fn training_rows_get_the_fit_and_new_rows_are_placed() {
    let s = Scratch::new();
    let x = train(&s);
    let (model, fl, fp, fo) = (
        s.path("m.json"),
        s.path("fl.txt"),
        s.path("fp.txt"),
        s.path("fo.csv"),
    );
    ok(&[
        "hdbscan",
        p(&x),
        "--min-cluster-size",
        "8",
        "--id-column",
        "id",
        "--scale",
        "standard",
        "--model-out",
        p(&model),
        "--labels-out",
        p(&fl),
        "--probabilities-out",
        p(&fp),
        "--output",
        p(&fo),
        "--quiet",
    ]);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(m["format"], "partitive-model");
    assert_eq!(m["command"], "hdbscan");
    assert_eq!(m["model"]["kind"], "hdbscan");
    assert_eq!(m["columns"], serde_json::json!(["x", "y"]));
    assert_eq!(m["scaler"]["kind"], "standard");
    assert_eq!(m["k"], 3);
    assert_eq!(m["model"]["training"]["shape"], serde_json::json!([122, 2]));
    let fit_labels: Vec<i64> = lines(&fl).iter().map(|v| v.parse().unwrap()).collect();
    assert_eq!(&fit_labels[120..], [-1, -1]);
    let fo = lines(&fo);
    assert_eq!(fo[0], "id,cluster,confidence");
    assert_eq!(fo[121], "F0,-1,0.0");

    // The training file itself: the fit's labels and probabilities, exactly.
    let (pl, pp) = (s.path("pl.txt"), s.path("pp.txt"));
    let out = ok(&[
        "predict",
        p(&model),
        p(&x),
        "--labels-out",
        p(&pl),
        "--proba-out",
        p(&pp),
    ]);
    assert_eq!(lines(&pl), lines(&fl));
    let (a, b) = (floats(&fp), floats(&pp));
    assert_eq!(a.len(), b.len());
    assert!(a.iter().zip(&b).all(|(u, v)| u.to_bits() == v.to_bits()));
    assert!(String::from_utf8_lossy(&out.stdout).contains("noise=2"));

    // New rows, columns reordered and an extra one: near each blob, a copy of training
    // row P7 and a far row.
    let new = s.write(
        "new.csv",
        format!(
            "y,note,id,x\n10,a,N0,0.05\n-20,b,N1,6.1\n5990,c,N2,0.02\n{},d,N3,{}\n-50000,e,N4,90\n",
            lines(&x)[8].split(',').nth(2).unwrap(),
            lines(&x)[8].split(',').nth(1).unwrap()
        )
        .as_bytes(),
    );
    let (nl, np, no) = (s.path("nl.txt"), s.path("np.csv"), s.path("no.csv"));
    ok(&[
        "predict",
        p(&model),
        p(&new),
        "--labels-out",
        p(&nl),
        "--proba-out",
        p(&np),
        "--output",
        p(&no),
        "--quiet",
    ]);
    let nl: Vec<i64> = lines(&nl).iter().map(|v| v.parse().unwrap()).collect();
    let blob = |i: usize| fit_labels[i];
    assert_eq!(nl, [blob(0), blob(1), blob(2), blob(7), -1]);
    let np = lines(&np);
    assert_eq!(np[0], "probability");
    let np: Vec<f64> = np[1..].iter().map(|v| v.parse().unwrap()).collect();
    assert!(np[..3].iter().all(|&v| v > 0.0 && v <= 1.0), "{np:?}");
    assert_eq!(np[3].to_bits(), a[7].to_bits());
    assert_eq!(np[4], 0.0);
    let no = lines(&no);
    assert_eq!(no[0], "id,cluster,confidence");
    assert_eq!(no[5], "N4,-1,0.0");
}

#[test]
fn refusals() {
    let s = Scratch::new();
    let x = train(&s);
    let model = s.path("m.json");
    ok(&[
        "hdbscan",
        p(&x),
        "--min-cluster-size",
        "8",
        "--id-column",
        "id",
        "--model-out",
        p(&model),
        "--quiet",
    ]);
    // A column the model needs is missing: named; nothing written.
    let bad = s.write("bad.csv", b"x,z\n1,2\n");
    let l = s.path("l.txt");
    assert_user_error(
        &run(&["predict", p(&model), p(&bad), "--labels-out", p(&l)]),
        &["bad.csv does not match the model", "no column named 'y'"],
    );
    assert!(!l.exists());
    // An edited label: new rows need the refit, which no longer matches.
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let first = v["model"]["labels"][0].as_i64().unwrap();
    v["model"]["labels"][0] = serde_json::json!((first + 1) % 3);
    let edited = s.write("edited.json", v.to_string().as_bytes());
    let new = s.write("new.csv", b"x,y\n0.1,20\n");
    assert_user_error(
        &run(&["predict", p(&edited), p(&new), "--labels-out", p(&l)]),
        &["does not give the labels and probabilities it stores"],
    );
    v["model"]["labels"][0] = serde_json::json!(7);
    let broken = s.write("broken.json", v.to_string().as_bytes());
    assert_user_error(
        &run(&["predict", p(&broken), p(&new)]),
        &["invalid model file", "label is out of range"],
    );
    assert!(!l.exists());
    // A precomputed fit has no coordinates to place new rows with.
    let d = s.write("d.csv", b"0,1,2\n1,0,1\n2,1,0\n");
    let mo = s.path("pm.json");
    assert_user_error(
        &run(&[
            "hdbscan",
            p(&d),
            "--min-cluster-size",
            "2",
            "--metric",
            "precomputed",
            "--model-out",
            p(&mo),
        ]),
        &["--model-out", "precomputed"],
    );
    assert!(!mo.exists());
}

#[test]
fn dropped_rows_and_scaling_on_the_fit() {
    let s = Scratch::new();
    let x = train(&s);
    let mut text = std::fs::read_to_string(&x).unwrap();
    text = text.replacen("P3,", "P3,NA,", 1);
    let fields: Vec<&str> = text.lines().nth(4).unwrap().split(',').collect();
    let fixed = format!("{},{},{}", fields[0], fields[1], fields[3]);
    let text = text.replacen(&text.lines().nth(4).unwrap().to_string(), &fixed, 1);
    let x = s.write("na.csv", text.as_bytes());
    let (l, pr, sm) = (s.path("l.txt"), s.path("p.txt"), s.path("s.json"));
    assert_user_error(
        &run(&[
            "hdbscan",
            p(&x),
            "--min-cluster-size",
            "8",
            "--id-column",
            "id",
        ]),
        &["missing value", "--missing drop"],
    );
    ok(&[
        "hdbscan",
        p(&x),
        "--min-cluster-size",
        "8",
        "--id-column",
        "id",
        "--missing",
        "drop",
        "--scale",
        "robust",
        "--labels-out",
        p(&l),
        "--probabilities-out",
        p(&pr),
        "--summary-out",
        p(&sm),
        "--quiet",
    ]);
    let l = lines(&l);
    assert_eq!(l.len(), 122);
    assert_eq!(l[3], "-1");
    assert!(
        lines(&pr)[3].eq_ignore_ascii_case("nan"),
        "{}",
        lines(&pr)[3]
    );
    let sm: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sm).unwrap()).unwrap();
    assert_eq!(sm["scale"], "robust");
    assert_eq!(sm["rows"]["dropped_missing"], 1);
    assert_eq!(sm["columns"], serde_json::json!(["x", "y"]));
    assert!(sm["input_sha256"].as_str().unwrap().len() == 64);
}

#[test]
fn outputs_follow_their_extension_and_the_summary_profiles_clusters() {
    let s = Scratch::new();
    let x = train(&s);
    let (l, pr, o, sm) = (
        s.path("l.npy"),
        s.path("p.csv"),
        s.path("o.txt.gz"),
        s.path("s.json"),
    );
    ok(&[
        "hdbscan",
        p(&x),
        "--min-cluster-size",
        "8",
        "--id-column",
        "id",
        "--scale",
        "standard",
        "--labels-out",
        p(&l),
        "--probabilities-out",
        p(&pr),
        "--outlier-scores-out",
        p(&o),
        "--summary-out",
        p(&sm),
        "--quiet",
    ]);
    let (header, body) = read_npy(&l);
    assert!(
        header.contains("'descr': '<i8'") && header.contains("(122,)"),
        "{header}"
    );
    let labels: Vec<i64> = body
        .chunks(8)
        .map(|b| i64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(&labels[120..], [-1, -1]);
    let pr = lines(&pr);
    assert_eq!(pr[0], "probability");
    assert_eq!(pr.len(), 123);
    let mut text = String::new();
    use std::io::Read;
    flate2::read::GzDecoder::new(std::fs::File::open(&o).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text.lines().count(), 122);
    let sm: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sm).unwrap()).unwrap();
    let clusters = sm["clusters"].as_array().unwrap();
    // Three clusters; the two noise rows in none.
    assert_eq!(clusters.len(), 3, "{}", sm["clusters"]);
    let sizes: Vec<u64> = clusters
        .iter()
        .map(|c| c["size"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes.iter().sum::<u64>(), 120);
    assert!(sm["clusters"].to_string().contains("\"x\""));
}
