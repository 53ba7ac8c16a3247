//! Issue 17 (fuzzing the Parquet reader), findings 4 and 5: `partitive kmeans` on two
//! fuzz inputs of a few kilobytes. On the first the `parquet` crate reserved and filled a
//! page's claimed 1.4 GB (1.37 GB resident); on the second its Thrift skipping looped for
//! 14–20 s over a map claiming 44.5 million entries. Both are now refused by the page-header walk before any page is decoded: one
//! line, exit 2, small peak memory (read with `getrusage` over this test process's
//! children: this file holds one test).

mod common;

use common::{assert_user_error, children_peak_mb, p, run, Scratch};

#[test]
#[cfg(unix)]
fn parquet_page_claims_refused_in_bounded_memory() {
    let s = Scratch::new();
    for (name, needles) in [
        (
            "parquet-page-claims-large-uncompressed-size",
            &["malformed file", "column 'y'", "45077802 elements"][..],
        ),
        (
            "parquet-slow-page-header",
            &["malformed file", "column 'y'", "44529023 elements"][..],
        ),
    ] {
        let raw = std::fs::read(format!(
            "{}/../../fuzz/regressions/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        // The fuzz input: two config bytes, then the file.
        let f = s.write(&format!("{name}.parquet"), &raw[2..]);
        let out = run(&["kmeans", "-k", "2", p(&f)]);
        assert_user_error(&out, needles);
    }
    let peak = children_peak_mb();
    assert!(peak < 200.0, "peak resident memory {peak:.0} MB");
}
