//! `kmedoids_gower_fit` and `gower_predict`: k-medoids under Gower's dissimilarity
//! ([`partitive::dissimilarity::Gower`]) for mixed numeric and categorical columns. The
//! Python layer codes categories as numbers (only equality is used) and passes which
//! columns are categorical.

use crate::convert::{borrow2, labels_to_py, matref, value_error};
use crate::kmedoids::{parse_init, parse_method, result_to_py, MATERIALIZE_LIMIT_BYTES};
use crate::run::interruptible;
use numpy::{IntoPyArray, PyArray1};
use partitive::dissimilarity::{gower_ranges, materialize, DenseMatrix, Gower};
use partitive::kmedoids::KMedoids;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::time::Instant;

fn check_flags(categorical: &[bool], d: usize) -> PyResult<()> {
    if categorical.len() != d {
        return Err(PyValueError::new_err(format!(
            "categorical has {} flags for {d} columns",
            categorical.len()
        )));
    }
    Ok(())
}

/// k-medoids on the rows of `x` (float64; categorical columns hold category codes)
/// under Gower's dissimilarity, GIL released. The `n × n` matrix is computed once when
/// it fits in 1 GiB, else on the fly. Returns the dict of `kmedoids_fit` plus `ranges`
/// (the numeric ranges Gower divided by; 0 for categorical columns).
#[pyfunction]
#[pyo3(signature = (x, n_clusters, categorical, *, method="fasterpam", init="build",
                    medoids_init=None, max_iter=100, seed=0, shuffle=false, num_local=2,
                    max_neighbor=None, n_threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn kmedoids_gower_fit<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    n_clusters: usize,
    categorical: Vec<bool>,
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
    let params = KMedoids::params(n_clusters)
        .algorithm(parse_method(method, num_local, max_neighbor)?)
        .init(parse_init(init, medoids_init)?)
        .max_iter(max_iter)
        .seed(seed)
        .shuffle(shuffle);
    let a = borrow2::<f64>("X", x)?;
    let xv = matref("X", &a)?;
    check_flags(&categorical, xv.n_cols())?;
    let (res, secs) = interruptible(py, n_threads, |stop| {
        let t = Instant::now();
        let p = params.clone().interrupt(stop);
        let r = (|| {
            let g = Gower::new(xv, &categorical, None)?;
            let n = xv.n_rows();
            let fits = n
                .checked_mul(n)
                .and_then(|v| v.checked_mul(8))
                .is_some_and(|b| b <= MATERIALIZE_LIMIT_BYTES);
            if fits {
                let full = materialize(&g)?;
                p.fit(&DenseMatrix::new(full.view())?)
            } else {
                p.fit(&g)
            }
        })();
        (r, t.elapsed().as_secs_f64())
    })?;
    let r = res.map_err(value_error)?;
    let d = result_to_py(py, r, secs)?;
    d.set_item("ranges", gower_ranges(xv, &categorical).into_pyarray(py))?;
    Ok(d)
}

/// The nearest of the `medoids` rows (codes as in the fit) for each row of `x` under
/// Gower's dissimilarity with the training `categorical` flags and numeric `ranges`
/// (lowest index on ties; a code no medoid has, e.g. −1 for an unseen category, differs
/// from every medoid). Returns int64 labels.
#[pyfunction]
pub(crate) fn gower_predict<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    medoids: &Bound<'py, PyAny>,
    categorical: Vec<bool>,
    ranges: Vec<f64>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let xa = borrow2::<f64>("X", x)?;
    let xv = matref("X", &xa)?;
    let ma = borrow2::<f64>("medoids", medoids)?;
    let mv = matref("medoids", &ma)?;
    check_flags(&categorical, xv.n_cols())?;
    let labels = py
        .detach(|| partitive::kmedoids::assign_to_medoids_gower(xv, mv, &categorical, &ranges))
        .map_err(value_error)?;
    Ok(labels_to_py(py, labels))
}
