//! The fitting entry points of [`KMeansParams`] (and, through the
//! [estimator contract](crate::estimator), of [`KMeansValidParams`]): in memory
//! ([`super::fit`]), over passes of a stream and across the ranks of a job
//! ([`super::stream`]). Kept apart from [`super::params`] so that the
//! parameters depend on no driver (the drivers read the parameters).

use super::params::KMeansParams;
#[cfg(doc)]
use super::params::KMeansValidParams;
use super::result::{IterationInfo, KMeansResult};
use super::stream::KMeansStreamed;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::MatRef;

impl<T: Float> KMeansParams<T> {
    crate::estimator::params_methods!();

    /// Checks parameters and data, then fits with optional sample weights (`n` finite
    /// non-negative weights, not all zero), calling `observer` after every iteration
    /// (progress bars); [`fit`](Self::fit) is this without an observer.
    pub fn fit_observed(
        &self,
        x: MatRef<'_, T>,
        weights: Option<&[T]>,
        observer: &mut dyn FnMut(&IterationInfo),
    ) -> Result<KMeansResult<T>> {
        self.check_ref()?;
        super::fit::fit(self, x, weights, observer)
    }

    /// Fits rows read as a stream of chunks (files larger than memory): `pass` is called
    /// once per pass over the rows and hands every row over, in order, in chunks of a
    /// multiple of [`crate::parallel::CHUNK_ROWS`] rows (the last may be shorter). The
    /// centers, inertia and iteration count are bitwise those of [`Self::fit`] on the
    /// same rows (without weights), and [`KMeansStreamed::labels`] gives its labels;
    /// memory does not grow with the number of rows. See `kmeans::stream` (module docs)
    /// for the passes made and the restrictions.
    ///
    /// # Errors
    /// As [`Self::fit`]; a pass that gives other rows than the first, misaligned chunks,
    /// or data that would need rescaling, are errors; errors of `pass` are returned as is.
    pub fn fit_passes<E: From<Error>>(
        &self,
        pass: &mut crate::ppp::Pass<'_, T, E>,
        observer: &mut dyn FnMut(&IterationInfo),
    ) -> std::result::Result<KMeansStreamed<T>, E> {
        super::stream::fit_passes(self, pass, observer)
    }

    /// Fits over rows spread across the ranks of a job ([`crate::distributed`]): this
    /// rank holds the rows `x`, which are rows `first_row..first_row + x.n_rows()` of the
    /// whole. The ranks' rows must tile the whole in rank order, each rank's starting at
    /// a multiple of [`crate::parallel::CHUNK_ROWS`] (a rank may hold none). Every rank
    /// calls this with the same parameters and gets the same result, bitwise the
    /// streamed fit of the whole ([`Self::fit_passes`]) — hence the in-memory fit's
    /// centers, inertia and iterations — for any number of ranks and threads. The
    /// labels of a rank's rows: [`KMeansStreamed::labels`].
    ///
    /// # Errors
    /// As [`Self::fit_passes`]; every rank returns the same error (the checks see
    /// gathered values), and misplaced rows are [`crate::ErrorKind::InvalidParameter`]
    /// errors of `rows`.
    pub fn fit_distributed<X: crate::distributed::Exchange + ?Sized>(
        &self,
        x: MatRef<'_, T>,
        first_row: usize,
        exchange: &X,
        observer: &mut dyn FnMut(&IterationInfo),
    ) -> Result<KMeansStreamed<T>> {
        super::stream::fit_distributed(self, x, first_row, exchange, observer)
    }
}
