//! `hdbscan_fit` and `HdbscanHandle`: [`partitive::hdbscan`] over NumPy arrays.

use crate::convert::{borrow2, is_f64_matrix, mat_to_py, matref, value_error, with_dtype};
use crate::run::interruptible;
use numpy::{Element, IntoPyArray, PyArray1};
use partitive::hdbscan::{ClusterSelection, Hdbscan, HdbscanMetric, HdbscanModel};
use partitive::Float;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::time::Instant;

/// A fitted HDBSCAN* model, kept on the Rust side for predictions. Not picklable: the
/// Python estimator refits from its data (the fit is deterministic) after unpickling.
#[pyclass(module = "partitive._partitive", frozen)]
pub(crate) struct HdbscanHandle {
    model: HdbscanModel,
}

fn labels_i64<'py>(py: Python<'py>, labels: &[Option<usize>]) -> Bound<'py, PyArray1<i64>> {
    partitive::hdbscan::labels_to_i64(labels).into_pyarray(py)
}

#[pymethods]
impl HdbscanHandle {
    /// Labels (-1 = noise) and probabilities of new rows (or, for a precomputed fit,
    /// of new objects given their distances to every training object). Returns a dict.
    fn approximate_predict<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        with_dtype!(x, |Real| { self.predict_t::<Real>(py, x) })
    }

    /// Soft membership vectors of new rows (same input as `approximate_predict`).
    fn predict_membership<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        with_dtype!(x, |Real| { self.membership_t::<Real>(py, x) })
    }

    /// Soft membership vectors of the training rows; for a precomputed fit `x` is the
    /// training matrix, else `None`.
    #[pyo3(signature = (x=None))]
    fn membership_vectors<'py>(
        &self,
        py: Python<'py>,
        x: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let m = match x {
            None => py.detach(|| self.model.membership_vectors()),
            Some(x) if is_f64_matrix(x) => {
                let xa = borrow2::<f64>("X", x)?;
                let xv = matref("X", &xa)?;
                py.detach(|| self.model.membership_vectors_precomputed(xv))
            }
            Some(x) => {
                let xa = borrow2::<f32>("X", x)?;
                let xv = matref("X", &xa)?;
                py.detach(|| self.model.membership_vectors_precomputed(xv))
            }
        }
        .map_err(value_error)?;
        Ok(mat_to_py(py, m).into_any())
    }
}

impl HdbscanHandle {
    fn predict_t<'py, T: Float + Element>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let xa = borrow2::<T>("X", x)?;
        let xv = matref("X", &xa)?;
        let r = py
            .detach(|| self.model.approximate_predict(xv))
            .map_err(value_error)?;
        let d = PyDict::new(py);
        d.set_item("labels", labels_i64(py, &r.labels))?;
        d.set_item("probabilities", r.probabilities.into_pyarray(py))?;
        Ok(d)
    }

    fn membership_t<'py, T: Float + Element>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let xa = borrow2::<T>("X", x)?;
        let xv = matref("X", &xa)?;
        let m = py
            .detach(|| self.model.predict_membership(xv))
            .map_err(value_error)?;
        Ok(mat_to_py(py, m).into_any())
    }
}

/// Clusters `x` (C-contiguous float32/float64, not copied; the square dissimilarity
/// matrix for `metric="precomputed"`) with HDBSCAN*, the GIL released (Ctrl-C stops the fit). Returns a dict:
/// `labels` (int64, -1 = noise), `probabilities`, `outlier_scores`, `core_distances`,
/// `n_clusters`, `cluster_stabilities`, `min_samples` (resolved), `condensed_tree` (dict of
/// arrays `parent`, `child`, `lambda_val`, `child_size` in the hdbscan library's
/// numbering), `single_linkage_tree` ((n-1) x 4), `exemplars` (list of int64 arrays),
/// `model` (an `HdbscanHandle`), `rust_seconds`.
#[pyfunction]
#[pyo3(signature = (x, *, min_cluster_size, min_samples=None, metric="euclidean",
    cluster_selection_epsilon=0.0, cluster_selection_method="eom", allow_single_cluster=false,
    max_cluster_size=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn hdbscan_fit<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    min_cluster_size: usize,
    min_samples: Option<usize>,
    metric: &str,
    cluster_selection_epsilon: f64,
    cluster_selection_method: &str,
    allow_single_cluster: bool,
    max_cluster_size: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let params = Hdbscan::params(min_cluster_size)
        .min_samples(min_samples)
        .metric(metric.parse::<HdbscanMetric>().map_err(value_error)?)
        .cluster_selection_epsilon(cluster_selection_epsilon)
        .cluster_selection_method(
            cluster_selection_method
                .parse::<ClusterSelection>()
                .map_err(value_error)?,
        )
        .allow_single_cluster(allow_single_cluster)
        .max_cluster_size(max_cluster_size);
    let (res, secs) = with_dtype!(x, |Real| {
        let xa = borrow2::<Real>("X", x)?;
        let xv = matref("X", &xa)?;
        interruptible(py, None, |stop| {
            let t = Instant::now();
            (
                params.clone().interrupt(stop).fit(xv),
                t.elapsed().as_secs_f64(),
            )
        })?
    });
    let m = res.map_err(value_error)?;
    let d = PyDict::new(py);
    d.set_item("labels", labels_i64(py, &m.labels))?;
    d.set_item("probabilities", m.probabilities.clone().into_pyarray(py))?;
    d.set_item("outlier_scores", m.outlier_scores.clone().into_pyarray(py))?;
    d.set_item("core_distances", m.core_distances.clone().into_pyarray(py))?;
    d.set_item("n_clusters", m.n_clusters)?;
    d.set_item(
        "cluster_stabilities",
        m.cluster_stabilities.clone().into_pyarray(py),
    )?;
    d.set_item("min_samples", m.min_samples)?;
    let rows = m.condensed_tree.to_rows();
    let ct = PyDict::new(py);
    ct.set_item(
        "parent",
        rows.iter()
            .map(|r| r.0 as i64)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    ct.set_item(
        "child",
        rows.iter()
            .map(|r| r.1 as i64)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    ct.set_item(
        "lambda_val",
        rows.iter()
            .map(|r| r.2)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    ct.set_item(
        "child_size",
        rows.iter()
            .map(|r| r.3 as i64)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    d.set_item("condensed_tree", ct)?;
    let merges = &m.single_linkage_tree.merges;
    let mut sl = Vec::with_capacity(merges.len() * 4);
    for g in merges {
        sl.extend_from_slice(&[g.left as f64, g.right as f64, g.distance, g.size as f64]);
    }
    let sl = partitive::Mat::from_vec(sl, merges.len(), 4).map_err(value_error)?;
    d.set_item("single_linkage_tree", mat_to_py(py, sl))?;
    let ex = PyList::empty(py);
    for e in m.exemplars() {
        ex.append(
            e.iter()
                .map(|&r| r as i64)
                .collect::<Vec<_>>()
                .into_pyarray(py),
        )?;
    }
    d.set_item("exemplars", ex)?;
    d.set_item("model", Py::new(py, HdbscanHandle { model: m })?)?;
    d.set_item("rust_seconds", secs)?;
    Ok(d)
}
