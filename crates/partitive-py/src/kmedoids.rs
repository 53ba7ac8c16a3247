//! `kmedoids_fit`, `clara_fit` and `medoids_predict`: [`partitive::kmedoids`] over NumPy
//! arrays, with a metric on the rows or a precomputed dissimilarity matrix.

use crate::convert::{borrow2, labels_to_py, matref, value_error, with_dtype};
use crate::run::interruptible;
use numpy::{Element, IntoPyArray, PyArray1};
use partitive::dissimilarity::{
    materialize, unit_exponent, DenseMatrix, Dissimilarity, Metric, MetricDissimilarity,
};
use partitive::interrupt::Interrupt;
use partitive::kmedoids::{Algorithm, Clara, Init, KMedoids, KMedoidsResult};
use partitive::{Float, MatRef};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::time::Instant;

/// Largest `n × n` matrix (bytes) computed once up front for the swap algorithms, which
/// read every distance many times; above it distances are computed on the fly.
pub(crate) const MATERIALIZE_LIMIT_BYTES: usize = 1 << 30;

/// A metric name, or `None` for `"precomputed"`.
fn parse_metric(s: &str) -> PyResult<Option<Metric>> {
    Ok(Some(match s {
        "euclidean" => Metric::Euclidean,
        "sqeuclidean" => Metric::SqEuclidean,
        "manhattan" | "cityblock" | "l1" => Metric::Manhattan,
        "chebyshev" => Metric::Chebyshev,
        "cosine" => Metric::Cosine,
        "hamming" => Metric::Hamming,
        "jaccard" => Metric::Jaccard,
        "precomputed" => return Ok(None),
        _ => {
            return Err(PyValueError::new_err(format!(
                "metric must be 'euclidean', 'sqeuclidean', 'manhattan', 'chebyshev', \
                 'cosine', 'hamming', 'jaccard' or 'precomputed', got '{s}'"
            )))
        }
    }))
}

pub(crate) fn parse_method(
    s: &str,
    num_local: usize,
    max_neighbor: Option<usize>,
) -> PyResult<Algorithm> {
    Ok(match s {
        "fasterpam" => Algorithm::FasterPam,
        "fastpam1" => Algorithm::FastPam1,
        "pam" => Algorithm::Pam,
        "alternate" => Algorithm::Alternating,
        "fastclarans" => Algorithm::FastClarans {
            num_local,
            max_neighbor,
        },
        _ => {
            return Err(PyValueError::new_err(format!(
                "method must be 'fasterpam', 'fastpam1', 'pam', 'alternate' or 'fastclarans', got '{s}'"
            )))
        }
    })
}

pub(crate) fn parse_init(s: &str, given: Option<Vec<usize>>) -> PyResult<Init> {
    Ok(match (s, given) {
        (_, Some(m)) => Init::Given(m),
        ("build", None) => Init::Build,
        ("random", None) => Init::Random,
        ("k-medoids++", None) => Init::KMedoidsPlusPlus,
        ("lab", None) => Init::Lab,
        _ => {
            return Err(PyValueError::new_err(format!(
                "init must be 'build', 'random', 'k-medoids++', 'lab' or an array of medoid indices, got '{s}'"
            )))
        }
    })
}

/// The fit a binding runs on a source, with the interrupt token of the call.
type FitFn<'a> =
    dyn Fn(&dyn DynSource, &Interrupt) -> partitive::error::Result<KMedoidsResult> + Sync + 'a;

/// Runs `fit` on the dissimilarity source `x` describes (rows under `metric`, or a
/// precomputed square matrix, checked by [`DenseMatrix::new`]), on `threads` threads
/// with Ctrl-C honoured ([`interruptible`]). `dense_rows` materialises on-the-fly
/// distances first when the matrix fits in [`MATERIALIZE_LIMIT_BYTES`] (and its values
/// do: data of extreme magnitude keep the on-the-fly source, which k-medoids rescales).
fn with_source<T: Float + Element>(
    py: Python<'_>,
    xv: MatRef<'_, T>,
    metric: Option<Metric>,
    dense_rows: bool,
    threads: Option<usize>,
    fit: &FitFn<'_>,
) -> PyResult<(KMedoidsResult, f64)> {
    let (res, secs) = interruptible(py, threads, |stop| {
        let t = Instant::now();
        let r = (|| match metric {
            None => fit(&Source(DenseMatrix::new(xv)?), stop),
            Some(m) => {
                let d = MetricDissimilarity::new(xv, m)?;
                let n = xv.n_rows();
                let fits = n
                    .checked_mul(n)
                    .and_then(|v| v.checked_mul(std::mem::size_of::<T>()))
                    .is_some_and(|b| b <= MATERIALIZE_LIMIT_BYTES);
                if dense_rows && fits && unit_exponent(&d).is_none() {
                    let full = materialize(&d)?;
                    fit(&Source(DenseMatrix::new(full.view())?), stop)
                } else {
                    fit(&Source(d), stop)
                }
            }
        })();
        (r, t.elapsed().as_secs_f64())
    })?;
    Ok((res.map_err(value_error)?, secs))
}

/// A dissimilarity source behind a trait object, so that one `fit` closure serves every
/// source type (`Dissimilarity` itself has an associated type and is not object safe).
trait DynSource: Sync {
    fn kmedoids(
        &self,
        p: &partitive::kmedoids::KMedoidsParams,
    ) -> partitive::error::Result<KMedoidsResult>;
    fn clara(
        &self,
        p: &partitive::kmedoids::ClaraParams,
    ) -> partitive::error::Result<KMedoidsResult>;
}

struct Source<D>(D);

impl<D: Dissimilarity> DynSource for Source<D> {
    fn kmedoids(
        &self,
        p: &partitive::kmedoids::KMedoidsParams,
    ) -> partitive::error::Result<KMedoidsResult> {
        p.fit(&self.0)
    }
    fn clara(
        &self,
        p: &partitive::kmedoids::ClaraParams,
    ) -> partitive::error::Result<KMedoidsResult> {
        p.fit(&self.0)
    }
}

pub(crate) fn result_to_py<'py>(
    py: Python<'py>,
    r: KMedoidsResult,
    secs: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let medoids: Vec<i64> = r.medoids.iter().map(|&m| m as i64).collect();
    d.set_item("medoids", PyArray1::from_vec(py, medoids))?;
    d.set_item("labels", labels_to_py(py, r.labels))?;
    d.set_item("loss", r.loss)?;
    d.set_item("n_iter", r.n_iter)?;
    d.set_item("n_swaps", r.n_swaps)?;
    d.set_item("converged", r.diagnostics.converged)?;
    d.set_item("initial_loss", r.diagnostics.initial_loss)?;
    d.set_item("run_losses", r.diagnostics.run_losses.into_pyarray(py))?;
    d.set_item("best_run", r.diagnostics.best_run)?;
    d.set_item("coincident_medoids", r.diagnostics.coincident_medoids)?;
    d.set_item("rust_seconds", secs)?;
    Ok(d)
}

/// k-medoids on `x`: rows under `metric`, or a square dissimilarity matrix when
/// `metric="precomputed"` (float32/float64, C-contiguous, not copied), GIL released.
///
/// Returns a dict: `medoids` (int64 row indices), `labels` (int64 positions in
/// `medoids`), `loss` (sum of dissimilarities to the nearest medoid), `n_iter`,
/// `n_swaps`, `converged`, `initial_loss`, `run_losses`, `best_run`, `rust_seconds`.
#[pyfunction]
#[pyo3(signature = (x, n_clusters, *, metric="euclidean", method="fasterpam", init="build",
                    medoids_init=None, max_iter=100, seed=0, shuffle=false, num_local=2,
                    max_neighbor=None, n_threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn kmedoids_fit<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    n_clusters: usize,
    metric: &str,
    method: &str,
    init: &str,
    medoids_init: Option<Vec<usize>>,
    max_iter: usize,
    seed: u64,
    shuffle: bool,
    num_local: usize,
    max_neighbor: Option<usize>,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let metric = parse_metric(metric)?;
    let params = KMedoids::params(n_clusters)
        .algorithm(parse_method(method, num_local, max_neighbor)?)
        .init(parse_init(init, medoids_init)?)
        .max_iter(max_iter)
        .seed(seed)
        .shuffle(shuffle);
    let fit = |s: &dyn DynSource, stop: &Interrupt| s.kmedoids(&params.clone().interrupt(stop));
    let (r, secs) = with_dtype!(x, |Real| {
        let a = borrow2::<Real>("X", x)?;
        with_source(py, matref("X", &a)?, metric, true, n_threads, &fit)?
    });
    result_to_py(py, r, secs)
}

/// FastCLARA on `x` (rows under `metric`, or a precomputed square matrix), GIL
/// released: `n_samples` samples of `sample_size` objects (default `80 + 4k`), each
/// clustered by BUILD + FasterPAM; the medoids with the lowest loss over all objects
/// win. Returns the dict of [`kmedoids_fit`].
#[pyfunction]
#[pyo3(signature = (x, n_clusters, *, metric="euclidean", n_samples=5, sample_size=None,
                    max_iter=100, seed=0, n_threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn clara_fit<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    n_clusters: usize,
    metric: &str,
    n_samples: usize,
    sample_size: Option<usize>,
    max_iter: usize,
    seed: u64,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let metric = parse_metric(metric)?;
    let mut params = Clara::params(n_clusters)
        .n_samples(n_samples)
        .max_iter(max_iter)
        .seed(seed);
    if let Some(s) = sample_size {
        params = params.sample_size(s);
    }
    let fit = |s: &dyn DynSource, stop: &Interrupt| s.clara(&params.clone().interrupt(stop));
    let (r, secs) = with_dtype!(x, |Real| {
        let a = borrow2::<Real>("X", x)?;
        with_source(py, matref("X", &a)?, metric, false, n_threads, &fit)?
    });
    result_to_py(py, r, secs)
}

/// The nearest of the `k` rows of `centers` (dtype of `x`) for each row of `x` under
/// `metric` (lowest index on ties), GIL released. Returns int64 labels.
#[pyfunction]
pub(crate) fn medoids_predict<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    centers: &Bound<'py, PyAny>,
    metric: &str,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let metric = parse_metric(metric)?.ok_or_else(|| {
        PyValueError::new_err(
            "with metric='precomputed', labels are the argmin over the medoid columns",
        )
    })?;
    let labels = with_dtype!(x, |Real| { predict_t::<Real>(py, x, centers, metric)? });
    Ok(labels_to_py(py, labels))
}

fn predict_t<T: Float + Element>(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    centers: &Bound<'_, PyAny>,
    metric: Metric,
) -> PyResult<Vec<usize>> {
    let xa = borrow2::<T>("X", x)?;
    let xv = matref("X", &xa)?;
    let ca = borrow2::<T>("centers", centers)?;
    let cv = matref("centers", &ca)?;
    py.detach(|| metric.nearest(xv, cv)).map_err(value_error)
}
