//! `kmeans_fit` and `kmeans_predict`: [`partitive::kmeans`] over NumPy arrays.

use crate::convert::{
    borrow1_opt, borrow2, labels_to_py, mat_to_py, matref, slice1, value_error, with_dtype,
};
use crate::run::interruptible;
use numpy::Element;
use partitive::kmeans::{self, Algorithm, Init, KMeans};
use partitive::Float;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::time::Instant;

/// The scalar options of a fit, parsed from their Python spelling.
struct Options {
    k: usize,
    init: InitKind,
    n_init: usize,
    max_iter: usize,
    tol: f64,
    seed: u64,
    algorithm: Algorithm,
    threads: Option<usize>,
}

/// The initialisation named by the `init` string.
#[derive(Clone, Copy)]
enum InitKind {
    Auto,
    PlusPlus,
    Parallel,
    Deterministic,
    Centers,
}

fn parse_init(s: &str) -> PyResult<InitKind> {
    match s {
        "auto" => Ok(InitKind::Auto),
        "k-means++" => Ok(InitKind::PlusPlus),
        "k-means||" => Ok(InitKind::Parallel),
        "deterministic" => Ok(InitKind::Deterministic),
        "centers" => Ok(InitKind::Centers),
        _ => Err(PyValueError::new_err(format!(
            "init must be 'auto', 'k-means++', 'k-means||', 'deterministic' or an array of \
             initial centers, got '{s}'"
        ))),
    }
}

fn parse_algorithm(s: &str) -> PyResult<Algorithm> {
    match s {
        "auto" => Ok(Algorithm::Auto),
        "lloyd" => Ok(Algorithm::Lloyd),
        "hamerly" => Ok(Algorithm::Hamerly),
        "yinyang" => Ok(Algorithm::Yinyang),
        _ => Err(PyValueError::new_err(format!(
            "algorithm must be 'auto', 'lloyd', 'hamerly' or 'yinyang', got '{s}'"
        ))),
    }
}

fn algorithm_name(a: Algorithm) -> &'static str {
    match a {
        Algorithm::Lloyd => "lloyd",
        Algorithm::Hamerly => "hamerly",
        Algorithm::Yinyang => "yinyang",
        _ => "auto",
    }
}

/// Fits k-means to `x` (`n × d`, C-contiguous float32/float64, not copied) with the GIL
/// released. `sample_weight` and `init_centers` must have the dtype of `x`.
///
/// Returns a dict: `cluster_centers` (`k × d`, dtype of `x`), `labels` (int64),
/// `inertia` (sum of weighted squared distances), `n_iter`, `converged`,
/// `empty_clusters_reseeded`, `algorithm` (the one that ran), `n_restarts`, `seeding`
/// (the one that ran: `'k-means++'`, `'k-means||'`, `'deterministic'` or `'centers'`),
/// `rust_seconds` (wall time of the engine call alone).
#[pyfunction]
#[pyo3(signature = (x, n_clusters, *, sample_weight=None, init="auto", init_centers=None,
                    n_init=1, max_iter=300, tol=1e-4, seed=0, algorithm="auto",
                    n_threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn kmeans_fit<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    n_clusters: usize,
    sample_weight: Option<&Bound<'py, PyAny>>,
    init: &str,
    init_centers: Option<&Bound<'py, PyAny>>,
    n_init: usize,
    max_iter: usize,
    tol: f64,
    seed: u64,
    algorithm: &str,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = Options {
        k: n_clusters,
        init: parse_init(init)?,
        n_init,
        max_iter,
        tol,
        seed,
        algorithm: parse_algorithm(algorithm)?,
        threads: n_threads,
    };
    with_dtype!(x, |Real| {
        fit_t::<Real>(py, x, sample_weight, init_centers, &opts)
    })
}

fn fit_t<'py, T: Float + Element>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    sample_weight: Option<&Bound<'py, PyAny>>,
    init_centers: Option<&Bound<'py, PyAny>>,
    o: &Options,
) -> PyResult<Bound<'py, PyDict>> {
    let xa = borrow2::<T>("X", x)?;
    let xv = matref("X", &xa)?;
    let wa = borrow1_opt::<T>("sample_weight", sample_weight)?;
    let w = wa
        .as_ref()
        .map(|a| slice1("sample_weight", a))
        .transpose()?;
    let init = match o.init {
        InitKind::Auto => Init::Auto,
        InitKind::PlusPlus => Init::KMeansPlusPlus,
        InitKind::Parallel => Init::KMeansParallel,
        InitKind::Deterministic => Init::Deterministic,
        InitKind::Centers => {
            let c = init_centers
                .ok_or_else(|| PyValueError::new_err("init='centers' needs init_centers"))?;
            let ca = borrow2::<T>("init", c)?;
            Init::Centers(matref("init", &ca)?.to_owned())
        }
    };
    let params = KMeans::params::<T>(o.k)
        .init(init)
        .n_init(o.n_init)
        .max_iter(o.max_iter)
        .tol(o.tol)
        .seed(o.seed)
        .algorithm(o.algorithm);
    let (res, secs) = interruptible(py, o.threads, |stop| {
        let t = Instant::now();
        let r = params.interrupt(stop).fit(partitive::Weighted::new(xv, w));
        (r, t.elapsed().as_secs_f64())
    })?;
    let r = res.map_err(value_error)?;
    let d = PyDict::new(py);
    d.set_item("labels", labels_to_py(py, r.labels))?;
    d.set_item("cluster_centers", mat_to_py(py, r.centers))?;
    d.set_item("inertia", r.inertia)?;
    d.set_item("n_iter", r.n_iter)?;
    d.set_item("converged", r.converged)?;
    d.set_item(
        "empty_clusters_reseeded",
        r.diagnostics.empty_clusters_reseeded,
    )?;
    d.set_item("algorithm", algorithm_name(r.diagnostics.algorithm))?;
    d.set_item("n_restarts", r.diagnostics.n_restarts)?;
    d.set_item(
        "seeding",
        match r.diagnostics.seeding {
            kmeans::Seeding::KMeansPlusPlus => "k-means++",
            kmeans::Seeding::KMeansParallel => "k-means||",
            kmeans::Seeding::Deterministic => "deterministic",
            kmeans::Seeding::Given => "centers",
        },
    )?;
    d.set_item("rust_seconds", secs)?;
    Ok(d)
}

/// Assigns each row of `x` to its nearest center (lowest index on ties), GIL released.
/// `centers` must have the dtype of `x`. Returns a dict: `labels` (int64) and `inertia`.
#[pyfunction]
#[pyo3(signature = (x, centers, *, n_threads=None))]
pub(crate) fn kmeans_predict<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    centers: &Bound<'py, PyAny>,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    with_dtype!(x, |Real| { predict_t::<Real>(py, x, centers, n_threads) })
}

fn predict_t<'py, T: Float + Element>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    centers: &Bound<'py, PyAny>,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let xa = borrow2::<T>("X", x)?;
    let xv = matref("X", &xa)?;
    let ca = borrow2::<T>("centers", centers)?;
    let cv = matref("centers", &ca)?;
    let r = interruptible(py, n_threads, |_| kmeans::assign(xv, cv))?.map_err(value_error)?;
    let d = PyDict::new(py);
    d.set_item("labels", labels_to_py(py, r.labels))?;
    d.set_item("inertia", r.inertia)?;
    Ok(d)
}
