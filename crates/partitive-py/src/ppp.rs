//! `ppp_fit` and `PppHandle`: [`partitive::ppp`] (automatic k) over NumPy arrays.

use crate::convert::{borrow2, labels_to_py, mat_to_py, matref, value_error, with_dtype};
use numpy::{Element, IntoPyArray};
use partitive::ppp::{Ppp, PppModel};
use partitive::Float;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::time::Instant;

/// A fitted PPP model, kept on the Rust side so that new rows can be assigned.
#[pyclass(module = "partitive._partitive", frozen)]
pub(crate) struct PppHandle {
    model: PppModel,
}

#[pymethods]
impl PppHandle {
    /// Rebuilds a model from the JSON state `__reduce__` wrote (for pickle).
    #[staticmethod]
    fn _from_state(state: &str) -> PyResult<Self> {
        let model: PppModel = serde_json::from_str(state)
            .map_err(|e| PyValueError::new_err(format!("invalid PPP model state: {e}")))?;
        model.validate().map_err(value_error)?;
        Ok(PppHandle { model })
    }

    /// Pickle support: the model travels as its JSON state.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let state = serde_json::to_string(&self.model)
            .map_err(|e| PyValueError::new_err(format!("cannot serialise the PPP model: {e}")))?;
        Ok((py.get_type::<PppHandle>().getattr("_from_state")?, (state,)))
    }

    /// Labels and confidences of the rows of `x` (float32/float64, not copied), GIL
    /// released. Returns a dict: `labels` (int64), `confidence` (float64).
    fn assign<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
        with_dtype!(x, |Real| { self.assign_t::<Real>(py, x) })
    }

    /// `P(cluster | row)` for the rows of `x` (float32/float64, not copied): an
    /// `n × n_clusters` float64 array whose rows sum to 1, GIL released.
    fn proba<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let m = with_dtype!(x, |Real| {
            let xa = borrow2::<Real>("X", x)?;
            let xv = matref("X", &xa)?;
            py.detach(|| self.model.predict_proba(xv))
        })
        .map_err(value_error)?;
        Ok(mat_to_py(py, m).into_any())
    }
}

impl PppHandle {
    fn assign_t<'py, T: Float + Element>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let xa = borrow2::<T>("X", x)?;
        let xv = matref("X", &xa)?;
        let r = py
            .detach(|| self.model.assign_chunk(xv))
            .map_err(value_error)?;
        let d = PyDict::new(py);
        d.set_item("labels", labels_to_py(py, r.labels))?;
        d.set_item("confidence", r.confidence.into_pyarray(py))?;
        Ok(d)
    }
}

/// Clusters `x` (`n × d`, C-contiguous float32/float64, not copied) with PPP-auto, the
/// GIL released. Returns a dict: `labels` (int64), `confidence`, `n_clusters`,
/// `cluster_sizes`, `cluster_reproducibility`, `centroids`, `clusterability`,
/// `n_separable`, `mean_confidence`,
/// `tau`, `n_components`, `bic_path` (list of dicts), `merge_forest` (list of dicts),
/// `model` (a `PppHandle`), `rust_seconds`; with `stability`, also `stability` (a dict:
/// `half_sample_k`, `agreement`), else `None`.
#[pyfunction]
#[pyo3(signature = (x, *, min_cluster_size=None, tau=0.9, stability=false, n_threads=None))]
pub(crate) fn ppp_fit<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    min_cluster_size: Option<usize>,
    tau: f64,
    stability: bool,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    with_dtype!(x, |Real| {
        fit_t::<Real>(py, x, min_cluster_size, tau, stability, n_threads)
    })
}

fn fit_t<'py, T: Float + Element>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    min_cluster_size: Option<usize>,
    tau: f64,
    stability: bool,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let xa = borrow2::<T>("X", x)?;
    let xv = matref("X", &xa)?;
    let params = Ppp::params()
        .min_cluster_size(min_cluster_size)
        .tau(tau)
        .stability(stability);
    let (res, secs) = crate::run::interruptible(py, n_threads, |stop| {
        let t = Instant::now();
        let params = params.interrupt(stop);
        let r = params.check().and_then(|_| params.fit(xv));
        (r, t.elapsed().as_secs_f64())
    })?;
    let r = res.map_err(value_error)?;
    let d = PyDict::new(py);
    d.set_item("n_clusters", r.k)?;
    d.set_item("cluster_sizes", r.cluster_sizes.clone())?;
    d.set_item("cluster_reproducibility", r.cluster_reproducibility.clone())?;
    d.set_item("clusterability", r.clusterability)?;
    d.set_item("n_separable", r.n_separable)?;
    d.set_item("mean_confidence", r.mean_confidence)?;
    d.set_item("tau", r.tau)?;
    d.set_item("n_components", r.selected.n_components)?;
    match r.stability {
        Some(s) => {
            let st = PyDict::new(py);
            st.set_item("half_sample_k", s.half_k.to_vec())?;
            st.set_item("agreement", s.agreement)?;
            d.set_item("stability", st)?;
        }
        None => d.set_item("stability", py.None())?,
    }
    let path = PyList::empty(py);
    for e in &r.bic_path {
        let row = PyDict::new(py);
        row.set_item("k", e.k)?;
        row.set_item("covariance_type", e.covariance_type.name())?;
        row.set_item("n_components", e.n_components)?;
        row.set_item("bic", e.bic)?;
        row.set_item("log_likelihood", e.log_likelihood)?;
        path.append(row)?;
    }
    d.set_item("bic_path", path)?;
    let forest = PyList::empty(py);
    for n in &r.merge_forest {
        let row = PyDict::new(py);
        row.set_item("component", n.component)?;
        row.set_item("parent", n.parent)?;
        row.set_item("cluster", n.cluster)?;
        row.set_item("weight", n.weight)?;
        row.set_item("reason", n.decision.reason(r.merge_rho))?;
        forest.append(row)?;
    }
    d.set_item("merge_forest", forest)?;
    d.set_item("centroids", mat_to_py(py, r.centroids))?;
    d.set_item("confidence", r.confidence.into_pyarray(py))?;
    d.set_item("labels", labels_to_py(py, r.labels))?;
    d.set_item("model", Py::new(py, PppHandle { model: r.model })?)?;
    d.set_item("rust_seconds", secs)?;
    Ok(d)
}
