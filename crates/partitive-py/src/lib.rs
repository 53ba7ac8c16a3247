//! # partitive-py — the extension module behind the Python package `partitive`
//!
//! A thin layer: each function takes NumPy arrays (C-contiguous `float32`/`float64`,
//! borrowed without a copy), runs one `partitive` engine with the GIL released, and
//! returns a `dict` of NumPy arrays and numbers. The scikit-learn estimators
//! (`partitive.KMeans`, …) live in the pure-Python package (`python/partitive`), which
//! validates arguments and calls these functions.
//!
//! Errors: a `partitive::Error` becomes `ValueError` with the library's message; an
//! array of the wrong type, dtype, rank or layout becomes `TypeError`. A panic becomes
//! PyO3's `PanicException`; none of them ends the interpreter.

mod convert;
mod gmm;
mod hdbscan;
mod kmeans;
mod kmedoids;
mod ppp;

use pyo3::prelude::*;

/// The native module `partitive._partitive`.
#[pymodule]
fn _partitive(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(kmeans::kmeans_fit, m)?)?;
    m.add_function(wrap_pyfunction!(kmeans::kmeans_predict, m)?)?;
    m.add_function(wrap_pyfunction!(gmm::gmm_fit, m)?)?;
    m.add_function(wrap_pyfunction!(gmm::gmm_eval, m)?)?;
    m.add_function(wrap_pyfunction!(kmedoids::kmedoids_fit, m)?)?;
    m.add_function(wrap_pyfunction!(kmedoids::clara_fit, m)?)?;
    m.add_function(wrap_pyfunction!(kmedoids::medoids_predict, m)?)?;
    m.add_function(wrap_pyfunction!(ppp::ppp_fit, m)?)?;
    m.add_function(wrap_pyfunction!(hdbscan::hdbscan_fit, m)?)?;
    m.add_class::<hdbscan::HdbscanHandle>()?;
    m.add_class::<ppp::PppHandle>()?;
    m.add_function(wrap_pyfunction!(convert::data_address, m)?)?;
    Ok(())
}
