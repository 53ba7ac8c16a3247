//! Fuzz target: delimited text (CSV, TSV, whitespace; gzip detected by its magic bytes).
//! Input: two config bytes (see `partitive_fuzz::Config`), then the file's bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    partitive_fuzz::exercise("f.csv", data);
});
