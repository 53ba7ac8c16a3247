//! Fuzz target: the argument layer — clap's parsing of the command line, then the CLI's
//! own data-independent checks (`partitive_cli::check_args`). Nothing is read, fitted or
//! written.
//!
//! Input: the arguments after the program name, separated by NUL bytes (any bytes, not
//! only UTF-8).
#![no_main]

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use std::sync::{Mutex, OnceLock};

use clap::{Command, CommandFactory, FromArgMatches};
use libfuzzer_sys::fuzz_target;
use partitive_cli::cli::Cli;

/// The grammar, built once (`Cli::try_parse_from` would rebuild it for every input);
/// parsing then takes the path `Cli::parse` takes: matches, then `Cli::from_arg_matches`.
fn grammar() -> &'static Mutex<Command> {
    static G: OnceLock<Mutex<Command>> = OnceLock::new();
    G.get_or_init(|| Mutex::new(Cli::command()))
}

fn parse(args: impl Iterator<Item = OsString>) -> Result<Cli, clap::Error> {
    let mut g = grammar().lock().unwrap_or_else(|e| e.into_inner());
    let m = g.try_get_matches_from_mut(args)?;
    Cli::from_arg_matches(&m).map_err(|e| e.format(&mut g))
}

fuzz_target!(|data: &[u8]| {
    let args = std::iter::once(OsString::from("partitive")).chain(
        data.split(|&b| b == 0)
            .map(|a| OsString::from_vec(a.to_vec())),
    );
    match parse(args) {
        Ok(cli) => {
            if let Err(e) = partitive_cli::check_args(&cli) {
                let msg = format!("{e:#}");
                assert!(!msg.trim().is_empty(), "empty error message");
            }
        }
        Err(e) => {
            // Rendering the message (help and version included) must not panic either.
            let msg = e.render().to_string();
            assert!(
                !msg.trim().is_empty(),
                "empty clap message for {:?}",
                e.kind()
            );
        }
    }
});
