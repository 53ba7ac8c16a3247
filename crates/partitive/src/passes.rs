//! Passes over a stream of row chunks (files larger than memory), shared by the
//! streamed drivers (`kmeans::stream`, `gmm::stream`).
//!
//! A [`Pass`] hands the rows over in consecutive chunks; every chunk but the last must
//! hold a multiple of [`CHUNK_ROWS`] rows, so that the fixed chunks of
//! [`crate::parallel`] — on which the in-memory kernels run and whose partials are merged
//! in order — lie inside one chunk of the stream, aligned to the row index as in memory.
//! A driver that continues every reduction from the running total of the chunks before
//! then folds exactly as [`crate::parallel::map_reduce_chunks`] folds in memory.

use crate::error::Error;
use crate::float::Float;
use crate::matrix::MatRef;
use crate::parallel::CHUNK_ROWS;
use crate::ppp::Pass;

/// A stream with the shape of its first pass: each later pass must give the same rows.
pub(crate) struct Stream<'p, 'q, T, E> {
    pub pass: &'p mut Pass<'q, T, E>,
    pub n: usize,
    pub d: usize,
}

/// The chunks of a pass must keep the fixed chunks aligned.
pub(crate) fn misaligned(at: usize) -> Error {
    Error::param(
        "chunk",
        format!(
            "a chunk of a stream ends at row {at}, not a multiple of {CHUNK_ROWS} (only the \
             last chunk may)"
        ),
    )
}

impl<'p, 'q, T: Float, E: From<Error>> Stream<'p, 'q, T, E> {
    /// The first pass, which learns the shape: `f(offset, chunk)` for each chunk (its
    /// error ends the pass), with checks of shape and alignment.
    pub fn open(
        pass: &'p mut Pass<'q, T, E>,
        mut f: impl FnMut(usize, MatRef<'_, T>) -> Result<(), Error>,
    ) -> Result<Self, E> {
        let (mut n, mut d, mut bad) = (0usize, None, None);
        pass(&mut |x| {
            if bad.is_some() {
                return;
            }
            match d {
                None => d = Some(x.n_cols()),
                Some(d) if x.n_cols() != d => {
                    bad = Some(Error::shape("columns", d, x.n_cols()));
                    return;
                }
                Some(_) => {}
            }
            if n % CHUNK_ROWS != 0 {
                bad = Some(misaligned(n));
                return;
            }
            if let Err(e) = f(n, x) {
                bad = Some(e);
                return;
            }
            n += x.n_rows();
        })?;
        if let Some(e) = bad {
            return Err(e.into());
        }
        Ok(Stream {
            pass,
            n,
            d: d.unwrap_or(0),
        })
    }

    /// One pass: `f(offset, chunk)` for each chunk, with checks of shape and alignment.
    pub fn each(&mut self, mut f: impl FnMut(usize, MatRef<'_, T>)) -> Result<(), E> {
        self.try_each(|off, x| {
            f(off, x);
            Ok(())
        })
    }

    /// [`Stream::each`] with a fallible `f` (its first error ends the pass).
    pub fn try_each(
        &mut self,
        mut f: impl FnMut(usize, MatRef<'_, T>) -> Result<(), Error>,
    ) -> Result<(), E> {
        let (d, mut off, mut bad) = (self.d, 0usize, None);
        (self.pass)(&mut |x| {
            if bad.is_some() {
                return;
            }
            if x.n_cols() != d {
                bad = Some(Error::shape("columns", d, x.n_cols()));
                return;
            }
            if off % CHUNK_ROWS != 0 {
                bad = Some(misaligned(off));
                return;
            }
            if let Err(e) = f(off, x) {
                bad = Some(e);
                return;
            }
            off += x.n_rows();
        })?;
        if let Some(e) = bad {
            return Err(e.into());
        }
        if off != self.n {
            return Err(Error::data(format!(
                "the input changed between passes ({} rows, then {off})",
                self.n
            ))
            .into());
        }
        Ok(())
    }
}
