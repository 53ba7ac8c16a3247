//! The outputs every clustering command writes the same way, from its labels: labels for
//! every input row (−1 for a row dropped by `--missing drop`), the joinable `--output`
//! (ID or row number, `cluster`, `confidence`), the model file, the summary's record and
//! cluster profiles.

use crate::cli::FitOutArgs;
use crate::data::Loaded;
use crate::model::{Dtype, Model, ModelFile};
use crate::outputs::{Holds, OutputPlan, PlanBuilder};
use crate::profile::{self, Profile};
use crate::record;
use anyhow::Result;
use partitive::Float;
use partitive_io::{Column, Frame, Values};
use serde_json::Value;

/// Adds `--model-out`, `--output` and `--report` to a plan.
pub fn plan_outputs<'a>(b: PlanBuilder<'a>, out: &'a FitOutArgs) -> PlanBuilder<'a> {
    b.output("--model-out", out.model_out.as_deref(), Holds::Json)
        .output("--output", out.output.as_deref(), Holds::Table)
        .output("--report", out.report.as_deref(), Holds::Html)
}

/// `values` (one per kept row) spread over the file's rows, `fill` where a row was dropped.
pub fn expand<V: Copy>(values: &[V], kept: &[usize], n_file_rows: usize, fill: V) -> Vec<V> {
    let mut out = vec![fill; n_file_rows];
    for (&r, &v) in kept.iter().zip(values) {
        out[r] = v;
    }
    out
}

/// The labels of a fit with the data they label.
pub struct Fitted<'a, T: Float> {
    pub data: &'a Loaded<T>,
    /// The cluster of every kept row.
    pub labels: &'a [usize],
    /// Number of clusters.
    pub k: usize,
    /// The probability of every kept row's cluster, where the method has one.
    pub confidence: Option<&'a [f64]>,
}

impl<T: Float> Fitted<'_, T> {
    /// One label per file row, −1 for a dropped row.
    pub fn file_labels(&self) -> Vec<i64> {
        let v: Vec<i64> = self.labels.iter().map(|&l| l as i64).collect();
        expand(
            &v,
            &self.data.kept_rows(),
            self.data.info.n_file_rows.max(v.len()),
            -1,
        )
    }

    /// Stages `--labels-out`-like output `flag`.
    pub fn write_labels(&self, plan: &mut OutputPlan, flag: &str) -> Result<()> {
        if plan.wants(flag) {
            plan.label_values(flag, &self.file_labels(), "cluster", Some(-1))?;
        }
        Ok(())
    }

    /// Stages `--output`: the ID column (or `row`, the 0-based file row), `cluster` (empty
    /// / null / −1 for a dropped row) and `confidence` where the method has one.
    pub fn write_output(&self, plan: &mut OutputPlan) -> Result<()> {
        if !plan.wants("--output") {
            return Ok(());
        }
        let labels = self.file_labels();
        let n = labels.len();
        let rows: Vec<i64> = (0..n as i64).collect();
        let conf = self
            .confidence
            .map(|c| expand(c, &self.data.kept_rows(), n, f64::NAN));
        write_frame(
            plan,
            self.data.info.ids.as_ref(),
            &rows,
            &labels,
            Some(-1),
            conf.as_deref(),
        )
    }

    /// Per-cluster profiles in the original units (the last entry: all rows).
    pub fn profiles(&self) -> Vec<Profile> {
        profile::profiles(self.data.raw.view(), self.labels, self.k)
    }

    /// The model file for `model`.
    pub fn model_file(&self, command: &str, model: Model, sha256: Option<&str>) -> ModelFile {
        let d = self.data;
        ModelFile {
            format: crate::model::FORMAT.into(),
            version: crate::model::VERSION,
            partitive_version: record::VERSION.into(),
            command: command.into(),
            dtype: Dtype::of::<T>(),
            columns: d.named.then(|| d.columns.clone()),
            n_features: d.columns.len(),
            id_column: d.info.ids.as_ref().map(|i| i.name.clone()),
            scaler: d.scaler.clone(),
            k: self.k,
            model,
            input: String::new(),
            input_sha256: sha256.map(str::to_string),
        }
    }
}

/// Stages `--output` from per-file-row values; a label equal to `missing` is written as
/// a missing value where the format has one.
pub fn write_frame(
    plan: &mut OutputPlan,
    ids: Option<&partitive_io::Ids>,
    rows: &[i64],
    labels: &[i64],
    missing: Option<i64>,
    confidence: Option<&[f64]>,
) -> Result<()> {
    let id_name = ids.map(|i| {
        if i.name.is_empty() || i.name == "cluster" || i.name == "confidence" {
            "id".to_string()
        } else {
            i.name.clone()
        }
    });
    let mut frame = Frame::default();
    match (ids, &id_name) {
        (Some(i), Some(name)) if i.values.len() == labels.len() => frame.columns.push(Column {
            name,
            values: Values::Text(&i.values),
        }),
        _ => frame.columns.push(Column {
            name: "row",
            values: Values::Int {
                values: rows,
                missing: None,
            },
        }),
    }
    frame.columns.push(Column {
        name: "cluster",
        values: Values::Int {
            values: labels,
            missing,
        },
    });
    if let Some(c) = confidence {
        frame.columns.push(Column {
            name: "confidence",
            values: Values::Float(c),
        });
    }
    plan.frame("--output", &frame)
}

/// The summary's `clusters` (profiles by column name).
pub fn clusters_json(p: &[Profile], columns: &[String]) -> Value {
    profile::to_json(p, columns)
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn expand_fills_dropped_rows() {
        assert_eq!(expand(&[5, 6], &[0, 2], 4, -1), [5, -1, 6, -1]);
    }
}

/// What a command adds to its report beyond the shared sections.
#[derive(Default)]
pub struct ReportExtras {
    pub curves: Vec<crate::chart::LineChart>,
    pub components: Vec<crate::report::Component>,
    /// `auto`: the most probable mixture component of every row.
    pub component_rows: Option<Vec<usize>>,
    pub silhouette: Option<crate::report::Silhouette>,
}

impl<T: Float> Fitted<'_, T> {
    /// Stages `--report` (when asked for): the projected data, profiles, `extras`, the
    /// record and the result line.
    #[allow(clippy::too_many_arguments)]
    pub fn write_report(
        &self,
        plan: &mut OutputPlan,
        command: &str,
        input: &std::path::Path,
        profiles: &[Profile],
        record: &serde_json::Map<String, Value>,
        extras: ReportExtras,
        line: &str,
    ) -> Result<()> {
        if !plan.wants("--report") {
            return Ok(());
        }
        let points = crate::plot::project_2d_named(self.data.x(), &self.data.columns);
        let mut lines = vec![line.to_string()];
        lines.extend(crate::data::notes(
            &input.display().to_string(),
            &self.data.info,
            &self.data.columns,
            self.data.named,
        ));
        let page = crate::report::Report {
            command,
            input: input.display().to_string(),
            k: self.k,
            labels: self.labels,
            points: Some(points),
            columns: &self.data.columns,
            profiles: Some(profiles),
            curves: extras.curves,
            components: extras.components,
            component_rows: extras.component_rows,
            silhouette: extras.silhouette,
            record,
            lines,
        }
        .render();
        plan.html("--report", &page)
    }

    /// Silhouettes of a sample under the Euclidean distance of the clustering space,
    /// when a report is asked for.
    pub fn euclidean_silhouette(
        &self,
        plan: &OutputPlan,
    ) -> Result<Option<crate::report::Silhouette>> {
        if !plan.wants("--report") {
            return Ok(None);
        }
        let d = partitive::dissimilarity::MetricDissimilarity::new(
            self.data.x(),
            partitive::dissimilarity::Metric::Euclidean,
        )?;
        crate::report::silhouette_sample(&d, self.labels)
    }
}
