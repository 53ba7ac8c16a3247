//! This rank's rows of the input: `.npy` by row offset (memory-mapped), each rank
//! reading only its whole-chunk range ([`crate::rows_of`]).

use crate::exchange::Mpi;
use crate::{agree, rows_of};
use partitive::distributed::Exchange;
use partitive::{Float, Mat};
use partitive_io::NpyRows;
use std::path::Path;

/// The width in bytes of the input's float type when it has one (float32: 4, fitted in
/// f32; anything else in f64), the same on every rank.
pub fn width(path: &Path, ex: &Mpi) -> Result<Option<usize>, String> {
    let is_npy = path.extension().is_some_and(|e| e == "npy");
    agree(
        ex,
        match is_npy {
            true => partitive_io::native_float_width(path).map_err(|e| e.to_string()),
            false => Err(format!(
                "{}: partitive-mpi reads .npy input only (convert other formats with numpy)",
                path.display()
            )),
        },
    )
}

/// This rank's first row and rows (or every rank's first error).
pub fn read<T: Float>(path: &Path, ex: &Mpi) -> Result<(usize, Mat<T>), String> {
    let read = NpyRows::open(path).and_then(|f| {
        let (start, end) = rows_of(f.n_rows(), ex.rank(), ex.size());
        Ok((start, f.read::<T>(start, end)?))
    });
    agree(ex, read.map_err(|e| e.to_string()))
}
