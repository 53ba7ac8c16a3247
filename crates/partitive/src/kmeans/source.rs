//! Where the rows of a fit without the whole matrix come from: a stream of chunks read
//! pass after pass ([`Streamed`]), or the rows of this rank of a distributed job
//! ([`Ranks`]). The driver ([`super::stream`]) sees only [`Source`]: folds of chunk
//! kernels, in global chunk order for floating-point partials ([`Source::fold`]), per part
//! for exact ones ([`Source::fold_parts`]).

use super::data::{add_into, column_sums, Data, RowStats};
use super::init::ChunkInfo;
use super::sums::StepStats;
use crate::distributed::{all_gather, decode, encode, Exchange, Wire};
use crate::error::Error;
use crate::float::Float;
use crate::matrix::MatRef;
use crate::parallel::{map_reduce_chunks, CHUNK_ROWS};
use crate::passes::Stream;
use crate::ppp::Pass;
use std::ops::Range;

/// A chunk kernel: `(part, rows of the part, index of the part's first row)`.
pub(super) type ChunkFn<'k, T, P> = dyn Fn(&Data<'_, T>, Range<usize>, usize) -> P + Sync + 'k;

/// The rows of a fit, seen through folds of chunk kernels.
///
/// A *part* is a run of rows held at once (a chunk of a stream, the rows of a rank); it
/// starts at a multiple of [`CHUNK_ROWS`], so its fixed chunks are those of the whole.
pub(super) trait Source<T: Float> {
    type Err: From<Error>;
    /// Rows of the whole fit.
    fn n(&self) -> usize;
    /// Folds `kernel` over every fixed chunk of the whole, in chunk order, from `init`
    /// with `merge` — bitwise [`map_reduce_chunks`] over the whole matrix.
    fn fold<P: Wire + Send>(
        &mut self,
        init: P,
        kernel: &ChunkFn<'_, T, P>,
        merge: &mut dyn FnMut(&mut P, P),
    ) -> Result<P, Self::Err>;
    /// Folds `kernel(part, first row)` over the parts, from `init` with `merge`, which
    /// must be exact (order-independent): the parts of other ranks are merged in rank order.
    fn fold_parts<P: Wire>(
        &mut self,
        init: P,
        kernel: &mut dyn FnMut(&Data<'_, T>, usize) -> P,
        merge: &mut dyn FnMut(&mut P, P),
    ) -> Result<P, Self::Err>;
}

/// The statistics of the first pass.
pub(super) struct Scan<T> {
    pub(super) n: usize,
    pub(super) d: usize,
    pub(super) stats: RowStats,
    pub(super) sums: Vec<f64>,
    pub(super) first: Vec<T>,
}

/// A stream ([`Stream`]) with the row statistics of its first pass.
pub(super) struct Streamed<'p, 'q, T, E> {
    stream: Stream<'p, 'q, T, E>,
    stats: RowStats,
}

impl<'p, 'q, T: Float, E: From<Error>> Streamed<'p, 'q, T, E> {
    /// The first pass: shape, finiteness, row statistics, column sums.
    pub(super) fn scan(pass: &'p mut Pass<'q, T, E>) -> Result<(Self, Scan<T>), E> {
        let (mut stats, mut sums, mut first) = (RowStats::default(), Vec::new(), Vec::new());
        let stream = Stream::open(pass, |off, x| {
            if off == 0 {
                sums = vec![0.0; x.n_cols()];
                first = x.rows(0, x.n_rows().min(1)).as_slice().to_vec();
            }
            let st = map_reduce_chunks(
                x.n_rows(),
                stats,
                |r| RowStats::of(x, None, r, &mut []),
                RowStats::merge,
            );
            if !st.finite {
                if let Some(p) = x.as_slice().iter().position(|v| !v.is_finite()) {
                    let d = x.n_cols().max(1);
                    return Err(Error::data(format!(
                        "non-finite value {} at row {}, column {}",
                        x.as_slice()[p],
                        off + p / d,
                        p % d
                    )));
                }
            }
            stats = st;
            let acc = std::mem::take(&mut sums);
            sums = map_reduce_chunks(x.n_rows(), acc, |r| column_sums(x, r), add_into);
            Ok(())
        })?;
        let scan = Scan {
            n: stream.n,
            d: stream.d,
            stats,
            sums,
            first,
        };
        Ok((Streamed { stream, stats }, scan))
    }

    /// One pass: `f(offset, chunk)` for each chunk ([`Stream::each`]).
    fn each(&mut self, f: impl FnMut(usize, MatRef<'_, T>)) -> Result<(), E> {
        self.stream.each(f)
    }
}

impl<T: Float, E: From<Error>> Source<T> for Streamed<'_, '_, T, E> {
    type Err = E;

    fn n(&self) -> usize {
        self.stream.n
    }

    fn fold<P: Wire + Send>(
        &mut self,
        init: P,
        kernel: &ChunkFn<'_, T, P>,
        merge: &mut dyn FnMut(&mut P, P),
    ) -> Result<P, E> {
        let (stats, n) = (self.stats, self.stream.n);
        let mut acc = Some(init);
        self.each(|off, x| {
            let part = Data::part(x, &stats, n);
            let a = acc.take().expect("folded");
            acc = Some(map_reduce_chunks(
                part.n(),
                a,
                |r| kernel(&part, r, off),
                &mut *merge,
            ));
        })?;
        Ok(acc.expect("folded"))
    }

    fn fold_parts<P: Wire>(
        &mut self,
        init: P,
        kernel: &mut dyn FnMut(&Data<'_, T>, usize) -> P,
        merge: &mut dyn FnMut(&mut P, P),
    ) -> Result<P, E> {
        let (stats, n) = (self.stats, self.stream.n);
        let mut acc = init;
        self.each(|off, x| merge(&mut acc, kernel(&Data::part(x, &stats, n), off)))?;
        Ok(acc)
    }
}

/// The rows `x` of this rank, starting at row `off` of the whole, and the exchange with
/// the other ranks.
pub(super) struct Ranks<'x, 'e, T, X: ?Sized> {
    x: MatRef<'x, T>,
    off: usize,
    n: usize,
    stats: RowStats,
    ex: &'e X,
}

impl<'x, 'e, T: Float, X: Exchange + ?Sized> Ranks<'x, 'e, T, X> {
    /// Checks that the ranks' rows tile the whole in rank order, at chunk boundaries,
    /// and scans them (every rank gets the same [`Scan`] or the same error).
    pub(super) fn scan(x: MatRef<'x, T>, off: usize, ex: &'e X) -> Result<(Self, Scan<T>), Error> {
        let shapes = all_gather(ex, &(off, x.n_rows(), x.n_cols()));
        let d = shapes[0].2;
        let mut at = 0;
        for (rank, &(o, len, cols)) in shapes.iter().enumerate() {
            if cols != d {
                return Err(Error::shape("columns", d, cols));
            }
            if o != at || (len > 0 && o % CHUNK_ROWS != 0) {
                return Err(Error::param(
                    "rows",
                    format!(
                        "rank {rank} holds rows from {o}, expected {at} at a multiple of \
                         {CHUNK_ROWS}"
                    ),
                ));
            }
            at += len;
        }
        let mut me = Ranks {
            x,
            off,
            n: at,
            stats: RowStats::default(),
            ex,
        };
        type Part = (RowStats, Vec<f64>, Option<(usize, f64)>);
        let (stats, sums, bad) = me.fold(
            (RowStats::default(), vec![0.0; d], None),
            &|part: &Data<'_, T>, r: Range<usize>, off| {
                let x = part.x;
                let st = RowStats::of(x, None, r.clone(), &mut []);
                let bad = (!st.finite).then(|| {
                    let s = x.rows(r.start, r.end).as_slice();
                    let p = s.iter().position(|v| !v.is_finite()).expect("non-finite");
                    ((off + r.start) * d + p, s[p].as_f64())
                });
                (st, column_sums(x, r), bad)
            },
            &mut |a: &mut Part, b: Part| {
                RowStats::merge(&mut a.0, b.0);
                add_into(&mut a.1, b.1);
                a.2 = a.2.or(b.2);
            },
        )?;
        if let Some((p, v)) = bad {
            let d = d.max(1);
            return Err(Error::data(format!(
                "non-finite value {v} at row {}, column {}",
                p / d,
                p % d
            )));
        }
        me.stats = stats;
        let first = all_gather(ex, &x.rows(0, x.n_rows().min(1)).as_slice().to_vec())
            .into_iter()
            .find(|r| !r.is_empty())
            .unwrap_or_default();
        let n = me.n;
        Ok((
            me,
            Scan {
                n,
                d,
                stats,
                sums,
                first,
            },
        ))
    }
}

impl<T: Float, X: Exchange + ?Sized> Source<T> for Ranks<'_, '_, T, X> {
    type Err = Error;

    fn n(&self) -> usize {
        self.n
    }

    fn fold<P: Wire + Send>(
        &mut self,
        init: P,
        kernel: &ChunkFn<'_, T, P>,
        merge: &mut dyn FnMut(&mut P, P),
    ) -> Result<P, Error> {
        let part = Data::part(self.x, &self.stats, self.n);
        let off = self.off;
        let local = map_reduce_chunks(
            part.n(),
            Vec::new(),
            |r| vec![kernel(&part, r, off)],
            |a: &mut Vec<P>, b| a.extend(b),
        );
        let mut acc = init;
        for bytes in self.ex.all_gather(&encode(&local)) {
            for p in decode::<Vec<P>>(&bytes) {
                merge(&mut acc, p);
            }
        }
        Ok(acc)
    }

    fn fold_parts<P: Wire>(
        &mut self,
        init: P,
        kernel: &mut dyn FnMut(&Data<'_, T>, usize) -> P,
        merge: &mut dyn FnMut(&mut P, P),
    ) -> Result<P, Error> {
        let part = Data::part(self.x, &self.stats, self.n);
        let local = (part.n() > 0).then(|| kernel(&part, self.off));
        let mut acc = init;
        for p in all_gather(self.ex, &local).into_iter().flatten() {
            merge(&mut acc, p);
        }
        Ok(acc)
    }
}

impl Wire for RowStats {
    fn put(&self, out: &mut Vec<u8>) {
        (self.wxnorm, self.amax, self.xmax2, self.finite).put(out);
    }
    fn take(input: &mut &[u8]) -> Self {
        let (wxnorm, amax, xmax2, finite) = Wire::take(input);
        RowStats {
            wxnorm,
            amax,
            xmax2,
            finite,
        }
    }
}

impl Wire for ChunkInfo {
    fn put(&self, out: &mut Vec<u8>) {
        (self.mass, self.max, self.argmax).put(out);
    }
    fn take(input: &mut &[u8]) -> Self {
        let (mass, max, argmax) = Wire::take(input);
        ChunkInfo { mass, max, argmax }
    }
}

impl Wire for StepStats {
    fn put(&self, out: &mut Vec<u8>) {
        self.sums.put(out);
        self.wsums.put(out);
        self.members.put(out);
        (self.changed, self.evals).put(out);
    }
    fn take(input: &mut &[u8]) -> Self {
        let (sums, wsums, members) = Wire::take(input);
        let (changed, evals) = Wire::take(input);
        StepStats {
            sums,
            wsums,
            members,
            changed,
            evals,
        }
    }
}
