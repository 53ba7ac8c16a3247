//! Fuzz target: the argument layer — clap's parsing of the command line, then the CLI's
//! own data-independent checks (`partitive_cli::check_args`). Nothing is read, fitted or
//! written.
//!
//! Input: the arguments after the program name, separated by NUL bytes (any bytes, not
//! only UTF-8).
#![no_main]

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use clap::Parser;
use libfuzzer_sys::fuzz_target;
use partitive_cli::cli::Cli;

fuzz_target!(|data: &[u8]| {
    let args = std::iter::once(OsString::from("partitive"))
        .chain(data.split(|&b| b == 0).map(|a| OsString::from_vec(a.to_vec())));
    match Cli::try_parse_from(args) {
        Ok(cli) => {
            if let Err(e) = partitive_cli::check_args(&cli) {
                let msg = format!("{e:#}");
                assert!(!msg.trim().is_empty(), "empty error message");
            }
        }
        Err(e) => {
            // Rendering the message (help and version included) must not panic either.
            let msg = e.render().to_string();
            assert!(!msg.trim().is_empty(), "empty clap message for {:?}", e.kind());
        }
    }
});
