//! Helpers shared by the unit tests of several engines (compiled for tests only).

use crate::error::Error;
use crate::matrix::MatRef;

/// The consumer of a pass's row chunks.
pub(crate) type Rows<'s, T> = dyn FnMut(MatRef<'_, T>) + 's;

/// A pass over the rows of `x` in chunks of `chunk` rows, as a streaming reader hands
/// them over; every call counts one pass in `passes`.
pub(crate) fn chunked<'a, T: Copy>(
    x: MatRef<'a, T>,
    chunk: usize,
    passes: &'a mut usize,
) -> impl FnMut(&mut Rows<'_, T>) -> Result<(), Error> + 'a {
    move |f| {
        *passes += 1;
        let n = x.n_rows();
        for s in (0..n).step_by(chunk) {
            f(x.rows(s, (s + chunk).min(n)));
        }
        Ok(())
    }
}

/// The labels of the rows of `x`, asked of `labels` chunk by chunk (`chunk` rows each).
pub(crate) fn labels_by_chunk<T: Copy>(
    x: MatRef<'_, T>,
    chunk: usize,
    labels: impl Fn(MatRef<'_, T>) -> Result<Vec<usize>, Error>,
) -> Result<Vec<usize>, Error> {
    let n = x.n_rows();
    let mut out = Vec::with_capacity(n);
    for s in (0..n).step_by(chunk) {
        out.extend(labels(x.rows(s, (s + chunk).min(n)))?);
    }
    Ok(out)
}

/// A rayon pool of `threads` threads.
pub(crate) fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}
