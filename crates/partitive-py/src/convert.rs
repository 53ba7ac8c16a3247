//! Conversions at the Python boundary: borrowed NumPy inputs as [`MatRef`] views (no
//! copy), owned results as NumPy arrays (no copy either: the `Vec` is handed over), and
//! library errors as Python exceptions.

use numpy::ndarray::Array2;
use numpy::{
    Element, IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2,
    PyUntypedArrayMethods,
};
use partitive::{Float, Mat, MatRef};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

/// A library error as `ValueError`, keeping its message.
pub(crate) fn value_error(e: partitive::Error) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// A short description of an object that is not the array we wanted.
fn describe(obj: &Bound<'_, PyAny>) -> String {
    let ty = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    match (obj.getattr("dtype"), obj.getattr("ndim")) {
        (Ok(dt), Ok(nd)) => format!("{ty} of dtype {dt} with {nd} dimension(s)"),
        _ => ty,
    }
}

/// The `TypeError` for an argument that is not a C-contiguous float array of `ndim`
/// dimensions and dtype `dtype`.
pub(crate) fn array_type_error(
    name: &str,
    ndim: usize,
    dtype: &str,
    obj: &Bound<'_, PyAny>,
) -> PyErr {
    PyTypeError::new_err(format!(
        "{name} must be a {ndim}-D C-contiguous numpy array of {dtype}, got {}",
        describe(obj)
    ))
}

/// Whether `obj` is a 2-D `float64` NumPy array (else it is tried as `float32`).
pub(crate) fn is_f64_matrix(obj: &Bound<'_, PyAny>) -> bool {
    obj.cast::<PyArray2<f64>>().is_ok()
}

/// Evaluates `$body` once with the type `$real` set to the float type of the data matrix
/// `$x` (`f64` for a float64 array, else `f32`): the one generic path behind every entry
/// point that takes `X`, written once instead of an `f64` and an `f32` copy.
macro_rules! with_dtype {
    ($x:expr, |$real:ident| $body:block) => {
        if $crate::convert::is_f64_matrix($x) {
            #[allow(dead_code)]
            type $real = f64;
            $body
        } else {
            #[allow(dead_code)]
            type $real = f32;
            $body
        }
    };
}
pub(crate) use with_dtype;

/// Borrows a 2-D array of `T` (exact dtype, no conversion). The data matrix (the one
/// whose dtype chose `T`) is named `X` and may be either float type; any other matrix
/// must have the dtype of `X`.
pub(crate) fn borrow2<'py, T: Element + Float>(
    name: &str,
    obj: &Bound<'py, PyAny>,
) -> PyResult<PyReadonlyArray2<'py, T>> {
    let expected = if name == "X" {
        "float32 or float64"
    } else {
        T::DTYPE
    };
    obj.extract::<PyReadonlyArray2<'py, T>>()
        .map_err(|_| array_type_error(name, 2, expected, obj))
}

/// Borrows an optional 1-D array of `T`.
pub(crate) fn borrow1_opt<'py, T: Element + Float>(
    name: &str,
    obj: Option<&Bound<'py, PyAny>>,
) -> PyResult<Option<PyReadonlyArray1<'py, T>>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => o
            .extract::<PyReadonlyArray1<'py, T>>()
            .map(Some)
            .map_err(|_| array_type_error(name, 1, T::DTYPE, o)),
    }
}

/// The contiguous buffer of a borrowed array, or a `TypeError` naming `name`.
pub(crate) fn slice1<'a, T: Element + Float>(
    name: &str,
    a: &'a PyReadonlyArray1<'_, T>,
) -> PyResult<&'a [T]> {
    a.as_slice()
        .map_err(|_| PyTypeError::new_err(format!("{name} must be a contiguous array")))
}

/// A [`MatRef`] over a borrowed C-contiguous 2-D array — the data are not copied.
pub(crate) fn matref<'a, T: Element + Float>(
    name: &str,
    a: &'a PyReadonlyArray2<'_, T>,
) -> PyResult<MatRef<'a, T>> {
    let shape = a.shape();
    let (n, d) = (shape[0], shape[1]);
    // `as_slice` fails unless the array is contiguous; C order is checked explicitly so
    // that a Fortran-ordered array is not read transposed.
    let s = a
        .as_slice()
        .ok()
        .filter(|_| a.is_c_contiguous())
        .ok_or_else(|| {
            PyTypeError::new_err(format!(
                "{name} must be C-contiguous (use numpy.ascontiguousarray)"
            ))
        })?;
    MatRef::new(s, n, d).map_err(value_error)
}

/// An owned matrix as a new 2-D NumPy array (the buffer is moved, not copied).
pub(crate) fn mat_to_py<'py, T: Element + Float>(
    py: Python<'py>,
    m: Mat<T>,
) -> Bound<'py, PyArray2<T>> {
    let (r, c) = (m.n_rows(), m.n_cols());
    Array2::from_shape_vec((r, c), m.into_vec())
        .expect("Mat buffer matches its shape")
        .into_pyarray(py)
}

/// Labels as an `int64` NumPy array (`usize` → `i64` collects in place: no new buffer).
pub(crate) fn labels_to_py(py: Python<'_>, labels: Vec<usize>) -> Bound<'_, PyArray1<i64>> {
    PyArray1::from_vec(py, labels.into_iter().map(|l| l as i64).collect())
}

/// The address of the buffer the extension reads for a 2-D float array (tests use it
/// to prove that inputs are not copied).
#[pyfunction]
pub(crate) fn data_address(x: &Bound<'_, PyAny>) -> PyResult<usize> {
    with_dtype!(x, |Real| {
        let a = borrow2::<Real>("X", x)?;
        Ok(matref("X", &a)?.as_slice().as_ptr() as usize)
    })
}
