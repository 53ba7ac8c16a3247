//! `partitive` — the command-line front of the partitive clustering engine.
//!
//! Parsing happens in two stages (as in ripgrep): clap validates what was typed
//! (`partitive_cli::cli`), then each command builds the real parameter objects and runs. Every
//! error — bad flag, bad file, bad data — ends as one line on stderr
//! (`partitive: error: …`, control characters escaped) and exit code 2. Outputs go
//! through an output plan (`outputs.rs`): checked first, committed together at the end, their
//! temporary files removed on `SIGINT`/`SIGTERM` (exit code 130/143).

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match partitive_cli::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return parse_error(e),
    };
    if let Err(e) = partitive_io::remove_temp_files_on_signal() {
        fail(&format!("cannot install the signal handler: {e}"));
        return ExitCode::from(2);
    }
    match partitive_cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            fail(&chain(&e));
            ExitCode::from(2)
        }
    }
}

/// Prints `partitive: error: MSG` on one line.
fn fail(msg: &str) {
    eprintln!("partitive: error: {}", escape(msg));
}

/// The error and its causes joined by `: `, leaving out a cause whose text the message
/// already ends with (an OS error a wrapper already quoted).
fn chain(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if msg.ends_with(&text) {
            continue;
        }
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        msg.push_str(&text);
    }
    msg
}

/// `s` on one line: line breaks, NUL and other control characters escaped.
fn escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Help and version go to stdout (exit 0); every other parse error is one line with the
/// program's prefix and exit code 2.
fn parse_error(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            let names: Vec<String> = partitive_cli::cli::Cli::command()
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            fail(&format!(
                "no command given: use one of {} (see 'partitive --help')",
                names.join(", ")
            ));
            ExitCode::from(2)
        }
        _ => {
            fail(&clap_one_line(&e.render().to_string()));
            ExitCode::from(2)
        }
    }
}

/// clap's message (the paragraph before the usage block, without its `error:` prefix and
/// tips) on one line.
fn clap_one_line(rendered: &str) -> String {
    let mut parts = Vec::new();
    for line in rendered.lines() {
        let t = line.trim();
        if t.is_empty() {
            if parts.is_empty() {
                continue;
            }
            break;
        }
        if t.starts_with("tip:") || t.starts_with("Usage:") {
            break;
        }
        parts.push(t.strip_prefix("error: ").unwrap_or(t));
    }
    if parts.is_empty() {
        return "invalid arguments (see 'partitive --help')".into();
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_messages_fold_to_one_line() {
        let r = "error: the following required arguments were not provided:\n  --k <K>\n\nUsage: partitive kmeans --k <K> <INPUT>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            clap_one_line(r),
            "the following required arguments were not provided: --k <K>"
        );
        let r = "error: unexpected argument '-x' found\n\n  tip: to pass '-x' as a value, use '-- -x'\n\nUsage: …\n";
        assert_eq!(clap_one_line(r), "unexpected argument '-x' found");
    }

    #[test]
    fn causes_are_not_repeated() {
        let io = std::io::Error::from_raw_os_error(21);
        let text = io.to_string();
        let e = anyhow::Error::new(io).context(format!("d.csv: {text}"));
        assert_eq!(chain(&e), format!("d.csv: {text}"));
        let e = anyhow::anyhow!("inner").context("outer");
        assert_eq!(chain(&e), "outer: inner");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape("a\0b\nc\u{1b}é"), "a\\0b\\nc\\u{1b}é");
    }
}
