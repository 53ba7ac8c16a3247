//! Fuzz target: NumPy `.npy` files, memory-mapped (zero-copy when the dtype matches) or converted.
//! Input: two config bytes (see `partitive_fuzz::Config`), then the file's bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    partitive_fuzz::exercise("f.npy", data);
});
