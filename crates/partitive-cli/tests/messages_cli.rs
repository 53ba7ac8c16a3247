//! Messages and argument checks (issue 17, cases 6, 10, 11): one line with the program's
//! prefix and exit code 2 for every argument error, flags named, control characters
//! escaped, the same rules in every command.

mod common;
use common::*;

const DATA: &[u8] = b"x,y\n0,0\n0.1,0\n10,10\n10.1,10\n20,0\n20.1,0.1\n";

/// The single stderr line of a user error, checked to carry the program's prefix.
#[track_caller]
fn error_line(out: &std::process::Output, needles: &[&str]) -> String {
    assert_user_error(out, needles);
    let line = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert!(line.starts_with("partitive: error: "), "{line}");
    line
}

#[test]
fn parser_errors_are_one_prefixed_line() {
    let s = Scratch::new();
    let f = s.write("in.csv", DATA);
    let f = p(&f);
    for (args, needles) in [
        (
            vec!["kmeans", f, "-k", "-3"],
            vec!["-k", "-3", "at least 1"],
        ),
        (vec!["kmedoids", f, "-k", "-1"], vec!["-k", "at least 1"]),
        (vec!["gmm", f, "-k", "-2"], vec!["-k", "at least 1"]),
        (
            vec!["gmm", f, "--k-range", "-3..5"],
            vec!["--k-range", "-3..5"],
        ),
        (vec!["kmeans", f, "-k", "two"], vec!["-k", "two"]),
        (vec!["kmeans", f], vec!["required", "--k"]),
        (vec!["kmeans", f, "-k", "2", "--nope"], vec!["--nope"]),
        (
            vec!["kmeans", f, "-k", "2", "--init", "magic"],
            vec!["--init", "magic"],
        ),
        (
            vec!["kmeans", f, "-k", "2", "--threads", "-1"],
            vec!["--threads", "-1"],
        ),
        (
            vec!["kmeans", f, "-k", "2", "--seed", "-1"],
            vec!["--seed", "-1"],
        ),
        (vec!["frobnicate"], vec!["frobnicate"]),
        (vec![], vec!["no command", "kmeans"]),
    ] {
        error_line(&run(&args), &needles);
    }
    // Help and version are not errors.
    let out = run(&["kmeans", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage:"));
    assert_eq!(run(&["--version"]).status.code(), Some(0));
}

#[test]
fn max_iter_must_be_positive_in_every_command() {
    let s = Scratch::new();
    let f = s.write("in.csv", DATA);
    for cmd in [
        vec!["kmeans", p(&f), "-k", "2"],
        vec!["gmm", p(&f), "-k", "2"],
        vec!["kmedoids", p(&f), "-k", "2"],
    ] {
        let mut args = cmd.clone();
        args.extend(["--max-iter", "0"]);
        error_line(&run(&args), &["--max-iter", "at least 1"]);
        args.pop();
        args.push("-5");
        error_line(&run(&args), &["--max-iter", "at least 1"]);
    }
}

#[test]
fn os_errors_are_not_repeated() {
    let s = Scratch::new();
    std::fs::create_dir(s.path("d.csv")).unwrap();
    let line = error_line(
        &run(&["kmeans", p(&s.path("d.csv")), "-k", "1"]),
        &["d.csv"],
    );
    let lower = line.to_lowercase();
    assert_eq!(lower.matches("is a directory").count(), 1, "{line}");
}

#[test]
fn control_characters_in_input_are_escaped() {
    let s = Scratch::new();
    let f = s.write("nul.csv", b"1,2\n3,a\x00b\x1b[31m\n5,6\n");
    let out = run(&["kmeans", p(&f), "-k", "1"]);
    let line = error_line(&out, &["nul.csv:2:2", "a\\0b\\u{1b}[31m"]);
    assert!(!out.stderr.contains(&0), "raw NUL in {line:?}");
    assert!(!out.stderr.contains(&0x1b), "raw ESC in {line:?}");
}

#[test]
fn float32_overflow_is_named_as_such() {
    let s = Scratch::new();
    let f = s.write("big.csv", b"1,2\n3,1e200\n5,6\n");
    let line = error_line(
        &run(&["kmeans", p(&f), "-k", "1", "--dtype", "f32"]),
        &[
            "big.csv:2:2",
            "1e200",
            "out of range for float32",
            "--dtype f64",
        ],
    );
    assert!(!line.contains("non-finite"), "{line}");
    // A value that is infinite as written is still called non-finite.
    let f = s.write("inf.csv", b"1,2\n3,-inf\n5,6\n");
    error_line(
        &run(&["kmeans", p(&f), "-k", "1"]),
        &["inf.csv:2:2", "non-finite"],
    );
}

#[test]
fn a_data_row_with_missing_values_is_not_taken_for_a_header() {
    let s = Scratch::new();
    // `NA,1` used to be detected as a header and dropped: now it is data, and its NA an
    // error naming line 1.
    let f = s.write("na.csv", b"NA,1\n2,3\n4,5\n6,7\n");
    error_line(&run(&["kmeans", p(&f), "-k", "1"]), &["na.csv:1:1", "NA"]);
    // A real header is still detected, and --header no still reads every line.
    let f = s.write("h.csv", b"a,b\n2,3\n4,5\n6,7\n");
    let summary = s.path("s.json");
    let out = run(&[
        "kmeans",
        p(&f),
        "-k",
        "1",
        "-q",
        "--summary-out",
        p(&summary),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(std::fs::read_to_string(&summary)
        .unwrap()
        .contains("\"n\": 3"));
}

#[test]
fn duplicate_columns_are_refused() {
    let s = Scratch::new();
    let f = s.write("in.csv", b"x,y,z\n1,2,3\n4,5,6\n7,8,9\n");
    let f = p(&f);
    error_line(
        &run(&["kmeans", f, "-k", "1", "--columns", "x,x"]),
        &["--columns", "'x' is listed twice"],
    );
    error_line(
        &run(&["kmeans", f, "-k", "1", "--columns", "y,1"]),
        &["--columns", "'y' and '1' are the same column"],
    );
    error_line(
        &run(&["kmeans", f, "-k", "1", "--columns", "2,2"]),
        &["--columns", "listed twice"],
    );
    // A name two header columns share is ambiguous: refused, and usable by index.
    let g = s.write("dup.csv", b"x,y,x\n1,2,3\n4,5,6\n7,8,9\n");
    error_line(
        &run(&["kmeans", p(&g), "-k", "1", "--columns", "x,y"]),
        &["--columns", "columns 0 and 2", "by index"],
    );
    let out = run(&["kmeans", p(&g), "-k", "1", "-q", "--columns", "2,1"]);
    assert_eq!(out.status.code(), Some(0));
    // Gower's --categorical follows the same rule.
    let m = s.write("m.csv", b"a,c\n1,red\n2,blue\n3,red\n");
    error_line(
        &run(&[
            "kmedoids",
            p(&m),
            "-k",
            "2",
            "--metric",
            "gower",
            "--categorical",
            "c,1",
        ]),
        &["categorical", "same column"],
    );
}

#[test]
fn threads_are_capped_and_zero_means_all_cores() {
    let s = Scratch::new();
    let f = s.write("in.csv", DATA);
    let summary = s.path("s.json");
    let threads_used = |extra: &[&str]| {
        let mut args = vec!["kmeans", p(&f), "-k", "2", "--summary-out", p(&summary)];
        args.extend(extra);
        let out = run(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
        (
            v["threads"].as_u64().unwrap() as usize,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let cores = std::thread::available_parallelism().unwrap().get();
    let (t, err) = threads_used(&["--threads", "100000"]);
    assert_eq!(t, 4 * cores);
    assert!(err.contains("--threads 100000 capped at"), "{err}");
    let (t, err) = threads_used(&["--threads", "100000", "-q"]);
    assert_eq!(t, 4 * cores);
    assert!(err.is_empty(), "{err}");
    assert_eq!(threads_used(&["--threads", "0"]).0, cores);
    assert_eq!(threads_used(&[]).0, cores);
    assert_eq!(threads_used(&["--threads", "1"]).0, 1);
}

#[test]
fn gmm_k_range_is_capped_at_n() {
    let s = Scratch::new();
    let f = s.write("in.csv", DATA);
    let summary = s.path("s.json");
    let out = run(&[
        "gmm",
        p(&f),
        "--k-range",
        "1..100",
        "--covariance",
        "spherical",
        "--summary-out",
        p(&summary),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("--k-range 1..100 lowered to 1..6"), "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let ks: Vec<u64> = v["selection"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["k"].as_u64().unwrap())
        .collect();
    assert_eq!(ks.iter().max(), Some(&6), "{ks:?}");
    // A range starting above n is still an error naming the flag.
    error_line(
        &run(&["gmm", p(&f), "--k-range", "7..9"]),
        &["--k-range", "6 rows"],
    );
}
