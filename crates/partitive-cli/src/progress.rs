//! A progress bar on stderr for long runs — only when stderr is a terminal and
//! `--quiet` was not given.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// A progress reporter that is silent when not wanted.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar of `len` steps labelled `what`, shown only on a terminal and when not quiet.
    pub fn new(quiet: bool, len: u64, what: &str) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr_with_hz(10));
        let style = ProgressStyle::with_template(
            "{spinner} {prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar: Some(bar) }
    }

    /// Sets the position and a short message.
    pub fn update(&self, pos: u64, len: u64, msg: impl FnOnce() -> String) {
        if let Some(b) = &self.bar {
            b.set_length(len);
            b.set_position(pos);
            b.set_message(msg());
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
