//! `gmm_fit` and `gmm_eval`: [`partitive::gmm`] over NumPy arrays.
//!
//! A fitted mixture crosses the boundary as plain arrays (the scikit-learn attributes
//! `weights_`, `means_`, `covariances_`, `precisions_cholesky_` plus the data mean the
//! engine centres rows on), so the Python estimator pickles like any other; `gmm_eval`
//! rebuilds the [`GmmModel`] from them to predict.

use crate::convert::{borrow1_opt, borrow2, labels_to_py, matref, slice1, value_error, with_dtype};
use numpy::ndarray::{Array1, Array2, Array3};
use numpy::{IntoPyArray, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use partitive::gmm::{
    CovarianceType, Covariances, GaussianMixture, GmmDiagnostics, GmmInit, GmmModel, GmmParameters,
    PrecisionCholesky,
};
use partitive::Mat;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::time::Instant;

fn parse_covariance(s: &str) -> PyResult<CovarianceType> {
    CovarianceType::from_name(s).ok_or_else(|| {
        PyValueError::new_err(format!(
            "covariance_type must be 'full', 'diag', 'spherical' or 'tied', got '{s}'"
        ))
    })
}

/// The per-type blocks of covariances or precision factors, in one layout:
/// full `(k, d, d)`, diag `(k, d)`, spherical `(k,)`, tied `(d, d)`.
enum Blocks {
    List(Vec<Mat<f64>>),
    Matrix(Mat<f64>),
    Vector(Vec<f64>),
}

fn blocks_to_py<'py>(py: Python<'py>, b: Blocks, d: usize) -> Bound<'py, PyAny> {
    match b {
        Blocks::List(ms) => {
            let k = ms.len();
            let v: Vec<f64> = ms.into_iter().flat_map(Mat::into_vec).collect();
            Array3::from_shape_vec((k, d, d), v)
                .expect("k square blocks")
                .into_pyarray(py)
                .into_any()
        }
        Blocks::Matrix(m) => {
            let (r, c) = (m.n_rows(), m.n_cols());
            Array2::from_shape_vec((r, c), m.into_vec())
                .expect("matrix shape")
                .into_pyarray(py)
                .into_any()
        }
        Blocks::Vector(v) => Array1::from_vec(v).into_pyarray(py).into_any(),
    }
}

/// Reads blocks of the layout of `kind` from a float64 array, checking its shape.
fn blocks_from_py(
    name: &str,
    obj: &Bound<'_, PyAny>,
    kind: CovarianceType,
    k: usize,
    d: usize,
) -> PyResult<Blocks> {
    let a = obj.extract::<PyReadonlyArrayDyn<'_, f64>>().map_err(|_| {
        PyTypeError::new_err(format!("{name} must be a C-contiguous float64 numpy array"))
    })?;
    let expected: Vec<usize> = match kind {
        CovarianceType::Full => vec![k, d, d],
        CovarianceType::Diag => vec![k, d],
        CovarianceType::Spherical => vec![k],
        CovarianceType::Tied => vec![d, d],
    };
    if a.shape() != expected.as_slice() || !a.is_c_contiguous() {
        return Err(PyValueError::new_err(format!(
            "{name} must be a C-contiguous array of shape {expected:?} for covariance_type='{}', got shape {:?}",
            kind.name(),
            a.shape()
        )));
    }
    let s = a
        .as_slice()
        .map_err(|_| PyValueError::new_err(format!("{name} is not contiguous")))?;
    let mat = |v: &[f64], r, c| Mat::from_vec(v.to_vec(), r, c).map_err(value_error);
    Ok(match kind {
        CovarianceType::Full => Blocks::List(
            s.chunks(d * d)
                .map(|c| mat(c, d, d))
                .collect::<PyResult<Vec<_>>>()?,
        ),
        CovarianceType::Diag => Blocks::Matrix(mat(s, k, d)?),
        CovarianceType::Tied => Blocks::Matrix(mat(s, d, d)?),
        CovarianceType::Spherical => Blocks::Vector(s.to_vec()),
    })
}

fn covariances(b: Blocks, kind: CovarianceType) -> Covariances {
    match (b, kind) {
        (Blocks::List(v), _) => Covariances::Full(v),
        (Blocks::Matrix(m), CovarianceType::Tied) => Covariances::Tied(m),
        (Blocks::Matrix(m), _) => Covariances::Diag(m),
        (Blocks::Vector(v), _) => Covariances::Spherical(v),
    }
}

fn precisions(b: Blocks, kind: CovarianceType) -> PrecisionCholesky {
    match (b, kind) {
        (Blocks::List(v), _) => PrecisionCholesky::Full(v),
        (Blocks::Matrix(m), CovarianceType::Tied) => PrecisionCholesky::Tied(m),
        (Blocks::Matrix(m), _) => PrecisionCholesky::Diag(m),
        (Blocks::Vector(v), _) => PrecisionCholesky::Spherical(v),
    }
}

fn covariance_blocks(c: Covariances) -> Blocks {
    match c {
        Covariances::Full(v) => Blocks::List(v),
        Covariances::Diag(m) | Covariances::Tied(m) => Blocks::Matrix(m),
        Covariances::Spherical(v) => Blocks::Vector(v),
    }
}

fn precision_blocks(c: PrecisionCholesky) -> Blocks {
    match c {
        PrecisionCholesky::Full(v) => Blocks::List(v),
        PrecisionCholesky::Diag(m) | PrecisionCholesky::Tied(m) => Blocks::Matrix(m),
        PrecisionCholesky::Spherical(v) => Blocks::Vector(v),
    }
}

/// A 1-D float64 array as a `Vec` of length `len`.
fn vec_from_py(name: &str, obj: &Bound<'_, PyAny>, len: Option<usize>) -> PyResult<Vec<f64>> {
    let a = borrow1_opt::<f64>(name, Some(obj))?.expect("not None");
    let s = slice1(name, &a)?;
    if let Some(n) = len {
        if s.len() != n {
            return Err(PyValueError::new_err(format!(
                "{name} must have length {n}, got {}",
                s.len()
            )));
        }
    }
    Ok(s.to_vec())
}

/// A 2-D float64 array as a [`Mat`].
fn mat_from_py(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<Mat<f64>> {
    let a = borrow2::<f64>(name, obj)?;
    Ok(matref(name, &a)?.to_owned())
}

/// Fits a Gaussian mixture by EM to `x` (`n × d`, C-contiguous float32/float64, not
/// copied) with the GIL released. `sample_weight` has the dtype of `x`. Initial
/// parameters (`weights_init`, `means_init`, `covariances_init`, float64, all three or
/// none) replace the k-means start.
///
/// Returns a dict: `weights`, `means`, `covariances`, `precisions_cholesky` (layout of
/// the covariance type), `data_mean`, `labels` (int64), `lower_bound`,
/// `log_likelihood`, `bic`, `aic`, `icl`, `n_parameters`, `n_iter`, `converged`,
/// `diagnostics` (a dict) and `rust_seconds`.
#[pyfunction]
#[pyo3(signature = (x, n_components, *, covariance_type="full", sample_weight=None, tol=1e-3,
                    reg_covar=1e-6, max_iter=100, n_init=1, seed=0, weights_init=None,
                    means_init=None, covariances_init=None, n_threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn gmm_fit<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    n_components: usize,
    covariance_type: &str,
    sample_weight: Option<&Bound<'py, PyAny>>,
    tol: f64,
    reg_covar: f64,
    max_iter: usize,
    n_init: usize,
    seed: u64,
    weights_init: Option<&Bound<'py, PyAny>>,
    means_init: Option<&Bound<'py, PyAny>>,
    covariances_init: Option<&Bound<'py, PyAny>>,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let kind = parse_covariance(covariance_type)?;
    let init = match (weights_init, means_init, covariances_init) {
        (None, None, None) => GmmInit::KMeans,
        (Some(w), Some(m), Some(c)) => {
            let means = mat_from_py("means_init", m)?;
            let d = means.n_cols();
            GmmInit::Parameters(GmmParameters {
                weights: vec_from_py("weights_init", w, None)?,
                covariances: covariances(
                    blocks_from_py("covariances_init", c, kind, means.n_rows(), d)?,
                    kind,
                ),
                means,
            })
        }
        _ => {
            return Err(PyValueError::new_err(
                "weights_init, means_init and covariances_init must be given together",
            ))
        }
    };
    let (res, secs) = with_dtype!(x, |Real| {
        let xa = borrow2::<Real>("X", x)?;
        let xv = matref("X", &xa)?;
        let wa = borrow1_opt::<Real>("sample_weight", sample_weight)?;
        let w = wa
            .as_ref()
            .map(|a| slice1("sample_weight", a))
            .transpose()?;
        let params = GaussianMixture::params::<Real>(n_components)
            .covariance(kind)
            .tol(tol)
            .reg_covar(reg_covar)
            .max_iter(max_iter)
            .n_init(n_init)
            .seed(seed)
            .init(init);
        crate::run::interruptible(py, n_threads, |stop| {
            let t = Instant::now();
            let r = params.interrupt(stop).fit(partitive::Weighted::new(xv, w));
            (r, t.elapsed().as_secs_f64())
        })?
    });
    let m = res.map_err(value_error)?;
    model_to_py(py, m, secs)
}

fn model_to_py<'py>(py: Python<'py>, m: GmmModel, secs: f64) -> PyResult<Bound<'py, PyDict>> {
    let d = m.n_features();
    let n_parameters = m.n_parameters();
    let out = PyDict::new(py);
    out.set_item(
        "weights",
        Array1::from_vec(m.params.weights).into_pyarray(py),
    )?;
    out.set_item("means", crate::convert::mat_to_py(py, m.params.means))?;
    out.set_item(
        "covariances",
        blocks_to_py(py, covariance_blocks(m.params.covariances), d),
    )?;
    out.set_item(
        "precisions_cholesky",
        blocks_to_py(py, precision_blocks(m.precision_cholesky), d),
    )?;
    out.set_item("data_mean", Array1::from_vec(m.data_mean).into_pyarray(py))?;
    out.set_item("labels", labels_to_py(py, m.labels))?;
    out.set_item("lower_bound", m.lower_bound)?;
    out.set_item("log_likelihood", m.log_likelihood)?;
    out.set_item("bic", m.bic)?;
    out.set_item("aic", m.aic)?;
    out.set_item("icl", m.icl)?;
    out.set_item("n_parameters", n_parameters)?;
    out.set_item("n_iter", m.n_iter)?;
    out.set_item("converged", m.converged)?;
    out.set_item("diagnostics", diagnostics_to_py(py, &m.diagnostics)?)?;
    out.set_item("rust_seconds", secs)?;
    Ok(out)
}

fn diagnostics_to_py<'py>(py: Python<'py>, g: &GmmDiagnostics) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    let events: Vec<(usize, Option<usize>, f64)> = g
        .regularized
        .iter()
        .map(|e| (e.iteration, e.component, e.added))
        .collect();
    out.set_item("regularized", events)?;
    out.set_item(
        "empty_initial_components",
        g.empty_initial_components.clone(),
    )?;
    out.set_item("collapsed_components", g.collapsed_components.clone())?;
    out.set_item(
        "underpopulated_components",
        g.underpopulated_components.clone(),
    )?;
    out.set_item("constant_columns", g.constant_columns.clone())?;
    out.set_item("underflow_rows", g.underflow_rows)?;
    Ok(out)
}

/// Evaluates a fitted mixture (given as the arrays `gmm_fit` returned) on `x`, GIL
/// released. `what` is `"predict"` (int64 labels), `"predict_proba"` (`n × k`
/// responsibilities) or `"score_samples"` (per-row log-likelihoods).
#[pyfunction]
#[pyo3(signature = (x, what, *, covariance_type, weights, means, covariances, precisions_cholesky, data_mean))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn gmm_eval<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    what: &str,
    covariance_type: &str,
    weights: &Bound<'py, PyAny>,
    means: &Bound<'py, PyAny>,
    covariances: &Bound<'py, PyAny>,
    precisions_cholesky: &Bound<'py, PyAny>,
    data_mean: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let kind = parse_covariance(covariance_type)?;
    let means = mat_from_py("means", means)?;
    let (k, d) = (means.n_rows(), means.n_cols());
    let model = GmmModel {
        covariance_type: kind,
        params: GmmParameters {
            weights: vec_from_py("weights", weights, Some(k))?,
            covariances: self::covariances(
                blocks_from_py("covariances", covariances, kind, k, d)?,
                kind,
            ),
            means,
        },
        precision_cholesky: precisions(
            blocks_from_py("precisions_cholesky", precisions_cholesky, kind, k, d)?,
            kind,
        ),
        data_mean: vec_from_py("data_mean", data_mean, Some(d))?,
        // Fit statistics are not needed to evaluate densities.
        lower_bound: f64::NAN,
        log_likelihood: f64::NAN,
        mean_log_likelihood: f64::NAN,
        bic: f64::NAN,
        aic: f64::NAN,
        icl: f64::NAN,
        n_iter: 0,
        converged: true,
        labels: Vec::new(),
        n_samples: 0.0,
        diagnostics: GmmDiagnostics::default(),
    };
    with_dtype!(x, |Real| {
        let xa = borrow2::<Real>("X", x)?;
        let xv = matref("X", &xa)?;
        match what {
            "predict" => {
                let l = py.detach(|| model.predict(xv)).map_err(value_error)?;
                Ok(labels_to_py(py, l).into_any())
            }
            "predict_proba" => {
                let p = py.detach(|| model.predict_proba(xv)).map_err(value_error)?;
                Ok(crate::convert::mat_to_py(py, p).into_any())
            }
            "score_samples" => {
                let s = py.detach(|| model.score_samples(xv)).map_err(value_error)?;
                Ok(Array1::from_vec(s).into_pyarray(py).into_any())
            }
            _ => Err(PyValueError::new_err(format!(
                "what must be 'predict', 'predict_proba' or 'score_samples', got '{what}'"
            ))),
        }
    })
}
