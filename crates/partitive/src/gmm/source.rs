//! Where the rows of a mixture fit without the whole matrix come from: a stream of
//! chunks read pass after pass ([`Stream`]), or the rows of this rank of a distributed
//! job ([`Ranks`]). The driver ([`super::stream`]) sees only [`Rows`]: folds of the
//! in-memory fit's chunk kernels over the fixed chunks of the whole, in global chunk
//! order, so every reduction is bitwise [`crate::parallel::map_reduce_chunks`] over the
//! whole matrix.

use super::data::Moments;
use super::fit::Evaluation;
use super::mstep::Stats;
use crate::distributed::{decode, encode, tiling, Exchange, Wire};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::kmeans::{KMeansParams, KMeansStreamed};
use crate::matrix::MatRef;
use crate::parallel::map_reduce_chunks;
use crate::passes::Stream;
use std::ops::Range;

/// A chunk kernel: `(what the part's preparation gave, rows of the part, chunk)`.
pub(super) type ChunkFn<'k, T, S, P> = dyn Fn(&S, MatRef<'_, T>, Range<usize>) -> P + Sync + 'k;

/// The preparation of a part: `(index of its first row, its rows)`.
pub(super) type PrepFn<'k, T, S> = dyn FnMut(usize, MatRef<'_, T>) -> Result<S> + 'k;

/// The rows of a fit, seen through folds of chunk kernels.
///
/// A *part* is a run of rows held at once (a chunk of a stream, the rows of a rank); it
/// starts at a multiple of [`crate::parallel::CHUNK_ROWS`], so its fixed chunks are
/// those of the whole.
pub(super) trait Rows<T: Float> {
    type Err: From<Error>;
    /// Rows of the whole fit.
    fn n(&self) -> usize;
    /// Folds `kernel` over every fixed chunk of the whole, in chunk order, from `init`
    /// with `merge`; `prep` runs once per part before the kernels of its chunks.
    fn fold<S: Sync, P: Wire + Send>(
        &mut self,
        init: P,
        prep: &mut PrepFn<'_, T, S>,
        kernel: &ChunkFn<'_, T, S, P>,
        merge: &mut dyn FnMut(&mut P, P),
    ) -> std::result::Result<P, Self::Err>;
    /// The k-means fit `p` of the rows (streamed or distributed: the in-memory one's
    /// centers, bitwise).
    fn kmeans(&mut self, p: &KMeansParams<T>) -> std::result::Result<KMeansStreamed<T>, Self::Err>;
}

impl<T: Float, E: From<Error>> Rows<T> for Stream<'_, '_, T, E> {
    type Err = E;

    fn n(&self) -> usize {
        self.n
    }

    fn fold<S: Sync, P: Wire + Send>(
        &mut self,
        init: P,
        prep: &mut PrepFn<'_, T, S>,
        kernel: &ChunkFn<'_, T, S, P>,
        merge: &mut dyn FnMut(&mut P, P),
    ) -> std::result::Result<P, E> {
        let mut acc = Some(init);
        self.try_each(|off, x| {
            let s = prep(off, x)?;
            let a = acc.take().expect("folded");
            acc = Some(map_reduce_chunks(
                x.n_rows(),
                a,
                |r| kernel(&s, x, r),
                &mut *merge,
            ));
            Ok(())
        })?;
        Ok(acc.expect("folded"))
    }

    fn kmeans(&mut self, p: &KMeansParams<T>) -> std::result::Result<KMeansStreamed<T>, E> {
        p.fit_passes(&mut *self.pass, &mut |_| {})
    }
}

/// The rows `x` of this rank, rows `off..off + x.n_rows()` of the whole, and the
/// exchange with the other ranks.
pub(super) struct Ranks<'x, 'e, T, X: ?Sized> {
    x: MatRef<'x, T>,
    off: usize,
    n: usize,
    ex: &'e X,
}

impl<'x, 'e, T: Float, X: Exchange + ?Sized> Ranks<'x, 'e, T, X> {
    /// Checks that the ranks' rows tile the whole and are finite; the rows, columns and
    /// moments of the whole (the same on every rank, or the same error).
    pub(super) fn open(x: MatRef<'x, T>, off: usize, ex: &'e X) -> Result<(Self, usize, Moments)> {
        let (n, d) = tiling(ex, off, x.n_rows(), x.n_cols())?;
        let mut me = Ranks { x, off, n, ex };
        type Part = (Moments, Option<(usize, f64)>);
        let (m, bad) = me.fold(
            (Moments::zero(d), None),
            &mut |off, _| Ok(off),
            &|&off: &usize, x: MatRef<'_, T>, r: Range<usize>| {
                let s = x.rows(r.start, r.end).as_slice();
                let bad = s
                    .iter()
                    .position(|v| !v.is_finite())
                    .map(|p| ((off + r.start) * d + p, s[p].as_f64()));
                (Moments::of(x, None, r), bad)
            },
            &mut |a: &mut Part, b: Part| {
                a.0.merge(b.0);
                a.1 = a.1.or(b.1);
            },
        )?;
        if let Some((p, v)) = bad {
            return Err(Error::data(format!(
                "non-finite value {v} at row {}, column {}",
                p / d,
                p % d
            )));
        }
        Ok((me, d, m))
    }
}

impl<T: Float, X: Exchange + ?Sized> Rows<T> for Ranks<'_, '_, T, X> {
    type Err = Error;

    fn n(&self) -> usize {
        self.n
    }

    fn fold<S: Sync, P: Wire + Send>(
        &mut self,
        init: P,
        prep: &mut PrepFn<'_, T, S>,
        kernel: &ChunkFn<'_, T, S, P>,
        merge: &mut dyn FnMut(&mut P, P),
    ) -> Result<P> {
        let x = self.x;
        let local: (Option<String>, Vec<P>) = match prep(self.off, x) {
            Err(e) => (Some(e.to_string()), Vec::new()),
            Ok(s) => (
                None,
                map_reduce_chunks(
                    x.n_rows(),
                    Vec::new(),
                    |r| vec![kernel(&s, x, r)],
                    |a: &mut Vec<P>, b| a.extend(b),
                ),
            ),
        };
        // Every rank's partials, folded in rank order (the ranks' rows are in order):
        // the chunk order of the whole.
        let all: Vec<(Option<String>, Vec<P>)> = self
            .ex
            .all_gather(&encode(&local))
            .iter()
            .map(|b| decode(b))
            .collect();
        if let Some(e) = all.iter().find_map(|(e, _)| e.clone()) {
            return Err(Error::data(e));
        }
        let mut acc = init;
        for (_, parts) in all {
            for p in parts {
                merge(&mut acc, p);
            }
        }
        Ok(acc)
    }

    fn kmeans(&mut self, p: &KMeansParams<T>) -> Result<KMeansStreamed<T>> {
        p.fit_distributed(self.x, self.off, self.ex, &mut |_| {})
    }
}

impl Wire for Stats {
    fn put(&self, out: &mut Vec<u8>) {
        self.nk.put(out);
        self.s1.put(out);
        self.s2.put(out);
        (self.loglik, self.underflow).put(out);
    }
    fn take(input: &mut &[u8]) -> Self {
        let (nk, s1, s2) = Wire::take(input);
        let (loglik, underflow) = Wire::take(input);
        Stats {
            nk,
            s1,
            s2,
            loglik,
            underflow,
        }
    }
}

impl Wire for Evaluation {
    fn put(&self, out: &mut Vec<u8>) {
        (self.loglik, self.entropy).put(out);
        self.labels.put(out);
        self.nk.put(out);
        self.underflow.put(out);
    }
    fn take(input: &mut &[u8]) -> Self {
        let (loglik, entropy) = Wire::take(input);
        let (labels, nk, underflow) = Wire::take(input);
        Evaluation {
            loglik,
            entropy,
            labels,
            nk,
            underflow,
        }
    }
}
