//! # partitive-py — the extension module behind the Python package `partitive`
//!
//! A thin layer: each function takes NumPy arrays (C-contiguous `float32`/`float64`,
//! borrowed without a copy), runs one `partitive` engine with the GIL released, and
//! returns a `dict` of NumPy arrays and numbers. The scikit-learn estimators
//! (`partitive.KMeans`, …) live in the pure-Python package (`python/partitive`), which
//! validates arguments and calls these functions.
//!
//! Errors: a `partitive::Error` becomes `ValueError` with the library's message; an
//! array of the wrong type, dtype, rank or layout becomes `TypeError`; Ctrl-C during a
//! fit raises `KeyboardInterrupt` within a step of the engine (module `run`). The engines
//! never panic on user input; a panic (a bug) would become PyO3's `PanicException`.
//!
//! Threads: every fit takes `n_threads` (`None`: the global pool, all cores); more
//! than `run::thread_cap` are not started.

mod convert;
mod gmm;
mod gower;
mod hdbscan;
mod kmeans;
mod kmedoids;
mod ppp;
mod run;

use pyo3::prelude::*;

/// `(logical CPUs, most threads a fit starts)`: the Python layer caps `n_jobs` at the
/// second (and warns).
#[pyfunction]
fn thread_limits() -> (usize, usize) {
    let cap = run::thread_cap();
    (cap / 4, cap)
}

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
    m.add_function(wrap_pyfunction!(gower::kmedoids_gower_fit, m)?)?;
    m.add_function(wrap_pyfunction!(gower::gower_predict, m)?)?;
    m.add_function(wrap_pyfunction!(ppp::ppp_fit, m)?)?;
    m.add_function(wrap_pyfunction!(hdbscan::hdbscan_fit, m)?)?;
    m.add_class::<hdbscan::HdbscanHandle>()?;
    m.add_class::<ppp::PppHandle>()?;
    m.add_function(wrap_pyfunction!(convert::data_address, m)?)?;
    m.add_function(wrap_pyfunction!(thread_limits, m)?)?;
    Ok(())
}
