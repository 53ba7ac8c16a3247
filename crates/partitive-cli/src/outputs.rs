//! [`OutputPlan`]: every output of a run, checked before any work and put in place together
//! at the end.
//!
//! Every subcommand uses it the same way:
//!
//! ```text
//! let mut plan = outputs::plan(&args.input, &args.run)          // the data file, --summary-out
//!     .input("--init-centers", args.init_centers.as_deref())     // any other file read
//!     .output("--labels-out", args.labels_out.as_deref(), Holds::Labels)
//!     .output("--centers-out", args.centers_out.as_deref(), Holds::Matrix)
//!     .build()?;                                                 // BEFORE reading the data
//! … read, compute …
//! plan.labels("--labels-out", &labels)?;                         // staged, not yet visible
//! plan.matrix("--centers-out", centers.view())?;
//! plan.json("--summary-out", &summary)?;
//! plan.commit()?;                                                // all outputs appear now
//! plan.say(&result_line);
//! ```
//!
//! [`PlanBuilder::build`] refuses, with one line naming the flags: an output that is a
//! directory or a block device, in a missing folder or one that cannot be written (the
//! temporary file is created there and then), with an extension its content cannot be
//! written as; an output that is an input under another spelling (canonical path, or
//! device and inode: `./in.csv`, `sub/../in.csv`, an absolute path, a symbolic or hard
//! link); two outputs on one file (the null device excepted). The staged files are removed
//! when the plan is dropped (any error) and on `SIGINT`/`SIGTERM` (see
//! [`partitive_io::remove_temp_files_on_signal`]); [`OutputPlan::commit`] puts them all in
//! place only at the end, so a failed run changes no file.

use anyhow::{anyhow, bail, Context, Result};
use partitive::{Float, MatRef};
use partitive_io::{AtomicFile, FileKey, OutputKind, OutputTarget};
use std::io::Write;
use std::path::Path;

use crate::cli::{InputArgs, RunArgs};

/// What an output holds, which decides the extensions it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// One value per line (labels, scores); any file name.
    Labels,
    /// A matrix: `.npy`, or delimited text (`.csv`, `.tsv`, `.txt`, `.dat`, `.data`,
    /// optionally `.gz`); comma-separated text for a stream or special file.
    Matrix,
    /// JSON; any file name.
    Json,
    /// A plot: `.svg` or `.png`; SVG for a stream or special file.
    Plot,
    /// Named columns (IDs, clusters, confidences): `.csv`, `.tsv`, `.txt`, `.dat`,
    /// `.data` (optionally `.gz`), `.npy`, `.parquet`; CSV for a stream or special file.
    Table,
    /// An HTML page: `.html` or `.htm`; any special file or stream.
    Html,
}

/// The format of a plot output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotFormat {
    Svg,
    Png,
}

/// Collects the inputs and outputs of a run; [`PlanBuilder::build`] checks them.
#[derive(Default)]
pub struct PlanBuilder<'a> {
    inputs: Vec<(&'static str, &'a Path)>,
    outputs: Vec<(&'static str, &'a Path, Holds)>,
}

/// A plan for a command reading `input.input` and writing `--summary-out`.
pub fn plan<'a>(input: &'a InputArgs, run: &'a RunArgs) -> PlanBuilder<'a> {
    PlanBuilder::default()
        .input("the input file", input.input.as_path())
        .output("--summary-out", run.summary_out.as_deref(), Holds::Json)
}

impl<'a> PlanBuilder<'a> {
    /// A file the run reads (`None`: the flag was not given). `what` names it in messages:
    /// its flag, or "the input file".
    pub fn input(mut self, what: &'static str, path: impl Into<Option<&'a Path>>) -> Self {
        if let Some(p) = path.into() {
            self.inputs.push((what, p));
        }
        self
    }

    /// An output `flag` (`None`: not given) holding `holds`.
    pub fn output(mut self, flag: &'static str, path: Option<&'a Path>, holds: Holds) -> Self {
        if let Some(p) = path {
            self.outputs.push((flag, p, holds));
        }
        self
    }

    /// Checks every output (see the module docs) and creates its staging file.
    pub fn build(self) -> Result<OutputPlan> {
        let resolved = self.resolve()?;
        let mut outputs = Vec::with_capacity(resolved.len());
        for (flag, target, holds) in resolved {
            let file = AtomicFile::for_target(target).with_context(|| flag.to_string())?;
            outputs.push(Planned {
                flag,
                holds,
                file,
                written: false,
            });
        }
        let stdout_taken = outputs
            .iter()
            .any(|o| o.file.target().kind() == OutputKind::Stdout);
        Ok(OutputPlan {
            outputs,
            stdout_taken,
        })
    }

    /// The checks of [`build`](Self::build) that only look at the file system (paths,
    /// extensions, identity with inputs and each other); creates no file. Used by
    /// [`crate::check_args`].
    pub fn check(self) -> Result<()> {
        self.resolve().map(|_| ())
    }

    fn resolve(&self) -> Result<Vec<(&'static str, OutputTarget, Holds)>> {
        let mut resolved: Vec<(&'static str, OutputTarget, Holds)> = Vec::new();
        for &(flag, path, holds) in &self.outputs {
            let target = OutputTarget::resolve(path).with_context(|| flag.to_string())?;
            check_holds(flag, &target, holds)?;
            for (other, t, _) in &resolved {
                if t.key().same_file(target.key())
                    && !(t.is_null_device() && target.is_null_device())
                {
                    bail!(
                        "{other} {} and {flag} {} are the same file (give each output its own path)",
                        t.given().display(),
                        path.display()
                    );
                }
            }
            for &(what, input) in &self.inputs {
                if FileKey::of_input(input).same_file(target.key()) {
                    bail!(
                        "{flag} {} is the same file as {what} {} (an output must not overwrite an input)",
                        path.display(),
                        input.display()
                    );
                }
            }
            resolved.push((flag, target, holds));
        }
        Ok(resolved)
    }
}

/// Refuses an extension the content cannot be written as.
fn check_holds(flag: &str, target: &OutputTarget, holds: Holds) -> Result<()> {
    match holds {
        Holds::Json => Ok(()),
        Holds::Labels => {
            partitive_io::check_labels_output(target).with_context(|| flag.to_string())
        }
        Holds::Table => partitive_io::check_frame_output(target).with_context(|| flag.to_string()),
        Holds::Html => {
            let ext = target
                .given()
                .extension()
                .and_then(|e| e.to_str())
                .map(|e| e.to_ascii_lowercase());
            if matches!(ext.as_deref(), Some("html" | "htm")) || target.kind() != OutputKind::File {
                Ok(())
            } else {
                bail!(
                    "{flag} {}: a report is an HTML page (name it .html)",
                    target.given().display()
                )
            }
        }
        Holds::Matrix => {
            partitive_io::check_matrix_output(target).with_context(|| flag.to_string())
        }
        Holds::Plot => plot_format(target).map(|_| ()).ok_or_else(|| {
            anyhow!(
                "{flag} {}: unknown plot format (use .svg or .png)",
                target.given().display()
            )
        }),
    }
}

/// `.svg` or `.png` by extension; SVG for a stream or special file without one.
fn plot_format(target: &OutputTarget) -> Option<PlotFormat> {
    let ext = target
        .given()
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("svg") => Some(PlotFormat::Svg),
        Some("png") => Some(PlotFormat::Png),
        _ if target.kind() != OutputKind::File => Some(PlotFormat::Svg),
        _ => None,
    }
}

struct Planned {
    flag: &'static str,
    holds: Holds,
    file: AtomicFile,
    written: bool,
}

/// The outputs of a run, staged; see the module docs.
pub struct OutputPlan {
    outputs: Vec<Planned>,
    stdout_taken: bool,
}

impl OutputPlan {
    /// `true` when `flag` was given (to skip computing an output nobody asked for).
    pub fn wants(&self, flag: &str) -> bool {
        self.outputs.iter().any(|o| o.flag == flag)
    }

    /// The staged file of `flag`, checked to hold `holds` and to be written once; `None`
    /// when the flag was not given.
    fn slot(&mut self, flag: &str, holds: Holds) -> Result<Option<&mut AtomicFile>> {
        let Some(o) = self.outputs.iter_mut().find(|o| o.flag == flag) else {
            return Ok(None);
        };
        if o.holds != holds || o.written {
            bail!("internal error: {flag} written twice or as the wrong kind of output");
        }
        o.written = true;
        Ok(Some(&mut o.file))
    }

    /// Stages signed labels for `flag` as a column `name` (`missing` written empty / null
    /// where the format allows; see [`partitive_io::write_label_values_into`]).
    pub fn label_values(
        &mut self,
        flag: &str,
        values: &[i64],
        name: &str,
        missing: Option<i64>,
    ) -> Result<()> {
        if let Some(f) = self.slot(flag, Holds::Labels)? {
            partitive_io::write_label_values_into(f, values, name, missing)?;
        }
        Ok(())
    }

    /// Stages one float per row for `flag` as a column `name`, in the format of the
    /// extension (see [`partitive_io::write_float_values_into`]).
    pub fn float_values(&mut self, flag: &str, values: &[f64], name: &str) -> Result<()> {
        if let Some(f) = self.slot(flag, Holds::Labels)? {
            partitive_io::write_float_values_into(f, values, name)?;
        }
        Ok(())
    }

    /// Stages labels for `flag` written piece by piece by `write` (a streamed run's
    /// labels pass); no-op when the flag was not given.
    pub fn labels_with(
        &mut self,
        flag: &str,
        write: impl FnOnce(&mut AtomicFile) -> Result<()>,
    ) -> Result<()> {
        match self.slot(flag, Holds::Labels)? {
            Some(f) => write(f),
            None => Ok(()),
        }
    }

    /// Stages named columns for `flag`.
    pub fn frame(&mut self, flag: &str, frame: &partitive_io::Frame<'_>) -> Result<()> {
        if let Some(f) = self.slot(flag, Holds::Table)? {
            partitive_io::write_frame_into(f, frame)?;
        }
        Ok(())
    }

    /// Stages an HTML page for `flag`.
    pub fn html(&mut self, flag: &str, page: &str) -> Result<()> {
        if let Some(f) = self.slot(flag, Holds::Html)? {
            f.write_all(page.as_bytes())
                .with_context(|| format!("{}", f.path().display()))?;
        }
        Ok(())
    }

    /// Stages a matrix for `flag`, with optional column names for text.
    pub fn matrix<T: Float>(
        &mut self,
        flag: &str,
        m: MatRef<'_, T>,
        names: Option<&[String]>,
    ) -> Result<()> {
        if let Some(f) = self.slot(flag, Holds::Matrix)? {
            partitive_io::write_matrix_into(f, m, names)?;
        }
        Ok(())
    }

    /// Stages JSON for `flag`.
    pub fn json(&mut self, flag: &str, value: &serde_json::Value) -> Result<()> {
        if let Some(f) = self.slot(flag, Holds::Json)? {
            partitive_io::write_json_into(f, value)?;
        }
        Ok(())
    }

    /// The format `flag`'s plot must be rendered in (`None` when not given).
    pub fn plot_format(&self, flag: &str) -> Option<PlotFormat> {
        let o = self.outputs.iter().find(|o| o.flag == flag)?;
        plot_format(o.file.target())
    }

    /// Stages a rendered plot for `flag`.
    pub fn plot(&mut self, flag: &str, bytes: &[u8]) -> Result<()> {
        if let Some(f) = self.slot(flag, Holds::Plot)? {
            f.write_all(bytes)
                .with_context(|| format!("{}", f.path().display()))?;
        }
        Ok(())
    }

    /// Puts every output in place together (see [`partitive_io::commit_all`]). An output
    /// left unwritten is an internal error, and nothing is committed.
    pub fn commit(&mut self) -> Result<()> {
        if let Some(o) = self.outputs.iter().find(|o| !o.written) {
            bail!("internal error: {} was planned but not written", o.flag);
        }
        let files = std::mem::take(&mut self.outputs);
        partitive_io::commit_all(files.into_iter().map(|o| o.file).collect())?;
        Ok(())
    }

    /// Prints the run's one-line result: on stdout, or on stderr when an output took
    /// stdout. A closed stdout (`| head -0`) is not an error.
    pub fn say(&self, line: &str) {
        if self.stdout_taken {
            eprintln!("{line}");
        } else {
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        }
    }
}
