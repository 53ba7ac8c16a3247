//! Outputs (issue 17, cases 1, 2, 7, 8): special files written in place, symbolic links
//! written through, inputs never overwritten under another spelling, two outputs never on
//! one file, every output checked before any work. Signals: `signals_cli.rs`.

mod common;
use common::*;
use std::os::unix::fs::FileTypeExt;

const DATA: &[u8] = b"x,y\n0,0\n0.1,0\n10,10\n10.1,10\n20,0\n20.1,0.1\n";

#[test]
fn fifo_output_is_written_in_place() {
    let s = Scratch::new();
    let input = s.write("in.csv", DATA);
    let fifo = s.path("labels.fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(&fifo).unwrap())
    };
    let out = run(&[
        "kmeans",
        p(&input),
        "-k",
        "3",
        "--labels-out",
        p(&fifo),
        "-q",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Checked before joining: a reader of a replaced FIFO would wait forever.
    assert!(is_fifo(&fifo), "the FIFO was replaced");
    let got = reader.join().unwrap();
    assert_eq!(got.lines().count(), 6, "{got}");
    assert_eq!(s.listing(), vec!["in.csv", "labels.fifo"]);
}

#[test]
fn device_node_output_is_written_in_place() {
    let s = Scratch::new();
    let input = s.write("in.csv", DATA);
    let null = s.path("null");
    if !mknod_null(&null) {
        eprintln!("skipped: mknod needs root");
        return;
    }
    let out = run(&[
        "kmeans",
        p(&input),
        "-k",
        "3",
        "--labels-out",
        p(&null),
        "-q",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = std::fs::symlink_metadata(&null).unwrap();
    assert!(
        m.file_type().is_char_device(),
        "the device node was replaced"
    );
    // Every output on the null device: allowed (the one file several outputs may share).
    let out = run(&[
        "kmeans",
        p(&input),
        "-k",
        "3",
        "--labels-out",
        p(&null),
        "--centers-out",
        p(&null),
        "--summary-out",
        p(&null),
        "-q",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = std::fs::symlink_metadata(&null).unwrap();
    assert!(
        m.file_type().is_char_device(),
        "the device node was replaced"
    );
    assert_eq!(s.listing(), vec!["in.csv", "null"]);
}

#[test]
fn stdout_by_dash_and_by_descriptor_link() {
    let s = Scratch::new();
    let input = s.write("in.csv", DATA);
    // What /dev/stdout is: a link to this process's descriptor 1 (made here, so that a
    // broken build replaces a scratch link, never the system's /dev/stdout).
    let link = s.path("stdout-link");
    std::os::unix::fs::symlink("/proc/self/fd/1", &link).unwrap();
    for target in ["-", p(&link)] {
        // In the scratch folder: a build that took `-` for a file name leaves it there.
        let out = run_in(
            s.dir.path(),
            &["kmeans", p(&input), "-k", "3", "--labels-out", target],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let labels: Vec<usize> = stdout.lines().map(|l| l.parse().unwrap()).collect();
        assert_eq!(
            labels.len(),
            6,
            "{target}: stdout holds only the labels: {stdout}"
        );
        assert_eq!(labels[0], labels[1]);
        // The result line moved to stderr, out of the data stream.
        assert!(String::from_utf8_lossy(&out.stderr).contains("k-means: n=6"));
    }
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(s.listing(), vec!["in.csv", "stdout-link"]);
    // A matrix without an extension on stdout is CSV, with the input's column names.
    let out = run_in(
        s.dir.path(),
        &["kmeans", p(&input), "-k", "3", "--centers-out", "-", "-q"],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 4);
    assert_eq!(text.lines().next(), Some("x,y"), "{text}");
    assert!(text.lines().all(|l| l.split(',').count() == 2), "{text}");
}

#[test]
fn symlinked_output_is_written_through() {
    let s = Scratch::new();
    let input = s.write("in.csv", DATA);
    std::fs::create_dir(s.path("results")).unwrap();
    let real = s.write("results/labels.txt", b"old\n");
    let link = s.path("labels.txt");
    std::os::unix::fs::symlink("results/labels.txt", &link).unwrap();
    let out = run(&[
        "kmeans",
        p(&input),
        "-k",
        "3",
        "--labels-out",
        p(&link),
        "-q",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&real).unwrap().lines().count(), 6);
    assert!(tmp_files(&s.path("results")).is_empty());
    assert_eq!(s.listing(), vec!["in.csv", "labels.txt", "results"]);
}

/// Runs `args` in the scratch folder and checks the refusal: exit 2, one line naming
/// `needles`, and no file created, removed or changed.
fn refused_in(s: &Scratch, args: &[&str], needles: &[&str]) {
    let before: Vec<(String, Vec<u8>)> = s
        .listing()
        .into_iter()
        .map(|n| {
            let b = std::fs::read(s.path(&n)).unwrap_or_default();
            (n, b)
        })
        .collect();
    let out = run_in(s.dir.path(), args);
    assert_user_error(&out, needles);
    let after: Vec<(String, Vec<u8>)> = s
        .listing()
        .into_iter()
        .map(|n| {
            let b = std::fs::read(s.path(&n)).unwrap_or_default();
            (n, b)
        })
        .collect();
    assert_eq!(before, after, "{args:?} changed the folder");
}

#[test]
fn output_that_is_an_input_by_another_spelling_is_refused() {
    let s = Scratch::new();
    s.write("in.csv", DATA);
    std::fs::create_dir(s.path("sub")).unwrap();
    std::fs::hard_link(s.path("in.csv"), s.path("hard.csv")).unwrap();
    std::os::unix::fs::symlink("in.csv", s.path("soft.csv")).unwrap();
    let abs = s.path("in.csv");
    for spelling in [
        "./in.csv",
        "sub/../in.csv",
        p(&abs),
        "hard.csv",
        "soft.csv",
        "in.csv",
    ] {
        refused_in(
            &s,
            &["kmeans", "in.csv", "-k", "2", "--labels-out", spelling],
            &["--labels-out", "the input file", "same file"],
        );
        refused_in(
            &s,
            &["kmeans", "soft.csv", "-k", "2", "--summary-out", spelling],
            &["--summary-out", "the input file"],
        );
    }
    // Other input flags: --init-centers, --init-medoids.
    s.write("c.csv", b"0,0\n10,10\n");
    refused_in(
        &s,
        &[
            "kmeans",
            "in.csv",
            "-k",
            "2",
            "--init-centers",
            "c.csv",
            "--centers-out",
            "./c.csv",
        ],
        &["--centers-out", "--init-centers"],
    );
    s.write("m.txt", b"0\n2\n");
    refused_in(
        &s,
        &[
            "kmedoids",
            "in.csv",
            "-k",
            "2",
            "--init-medoids",
            "m.txt",
            "--medoids-out",
            "sub/../m.txt",
        ],
        &["--medoids-out", "--init-medoids"],
    );
    // --precomputed reads the data file as the matrix: same rule.
    s.write("d.csv", b"0,1,2\n1,0,1\n2,1,0\n");
    refused_in(
        &s,
        &[
            "kmedoids",
            "d.csv",
            "--precomputed",
            "-k",
            "2",
            "--labels-out",
            "./d.csv",
        ],
        &["--labels-out", "the input file"],
    );
}

#[test]
fn two_outputs_on_one_file_are_refused() {
    let s = Scratch::new();
    s.write("in.csv", DATA);
    std::fs::create_dir(s.path("sub")).unwrap();
    s.write("old.txt", b"old\n");
    std::os::unix::fs::symlink("old.txt", s.path("alias.txt")).unwrap();
    let cases: Vec<(Vec<&str>, [&str; 2])> = vec![
        (
            vec![
                "kmeans",
                "in.csv",
                "-k",
                "2",
                "--labels-out",
                "o.csv",
                "--centers-out",
                "./o.csv",
            ],
            ["--labels-out", "--centers-out"],
        ),
        (
            vec![
                "kmeans",
                "in.csv",
                "-k",
                "2",
                "--labels-out",
                "old.txt",
                "--summary-out",
                "alias.txt",
            ],
            ["--labels-out", "--summary-out"],
        ),
        (
            vec![
                "gmm",
                "in.csv",
                "-k",
                "2",
                "--labels-out",
                "o.txt",
                "--proba-out",
                "sub/../o.txt",
            ],
            ["--labels-out", "--proba-out"],
        ),
        (
            vec![
                "kmedoids",
                "in.csv",
                "-k",
                "2",
                "--labels-out",
                "o.txt",
                "--medoids-out",
                "o.txt",
            ],
            ["--labels-out", "--medoids-out"],
        ),
        (
            vec![
                "auto",
                "in.csv",
                "--tree-out",
                "t.json",
                "--summary-out",
                "./t.json",
            ],
            ["--summary-out", "--tree-out"],
        ),
        (
            vec![
                "auto",
                "in.csv",
                "--confidence-out",
                "c.csv",
                "--labels-out",
                "c.csv",
            ],
            ["--labels-out", "--confidence-out"],
        ),
        (
            vec![
                "kmeans",
                "in.csv",
                "-k",
                "2",
                "--labels-out",
                "-",
                "--centers-out",
                "-",
            ],
            ["--labels-out", "--centers-out"],
        ),
    ];
    for (args, flags) in cases {
        refused_in(&s, &args, &[flags[0], flags[1], "same file"]);
    }
}

#[test]
fn outputs_are_checked_before_the_data_are_read() {
    let s = Scratch::new();
    // Bad data: a run that got as far as reading would report line 3.
    s.write("bad.csv", b"x,y\n1,2\n3,oops\n");
    s.write("labels.txt", b"old\n");
    s.write("file", b"");
    for (args, needles) in [
        (
            vec![
                "kmeans",
                "bad.csv",
                "-k",
                "1",
                "--labels-out",
                "labels.txt",
                "--centers-out",
                "c.parquet.gz",
            ],
            vec!["--centers-out", "gzip"],
        ),
        (
            vec![
                "kmeans",
                "bad.csv",
                "-k",
                "1",
                "--labels-out",
                "labels.txt",
                "--centers-out",
                "c.xlsx",
            ],
            vec!["--centers-out", "c.xlsx", "extension"],
        ),
        (
            vec![
                "auto",
                "bad.csv",
                "--labels-out",
                "labels.txt",
                "--plot-out",
                "p.jpg",
            ],
            vec!["--plot-out", "plot format"],
        ),
        (
            vec![
                "gmm",
                "bad.csv",
                "-k",
                "1",
                "--labels-out",
                "labels.txt",
                "--proba-out",
                "nope/p.csv",
            ],
            vec!["--proba-out", "nope", "does not exist"],
        ),
        (
            vec![
                "kmeans",
                "bad.csv",
                "-k",
                "1",
                "--labels-out",
                "labels.txt",
                "--summary-out",
                "file/s.json",
            ],
            vec!["--summary-out", "not a folder"],
        ),
        (
            vec!["kmeans", "bad.csv", "-k", "1", "--labels-out", "."],
            vec!["--labels-out", "is a directory"],
        ),
    ] {
        refused_in(&s, &args, &needles);
    }
    // And a run that fails on the data leaves the pre-existing output alone.
    refused_in(
        &s,
        &["kmeans", "bad.csv", "-k", "1", "--labels-out", "labels.txt"],
        &["bad.csv:3:2"],
    );
    assert_eq!(std::fs::read(s.path("labels.txt")).unwrap(), b"old\n");
}
