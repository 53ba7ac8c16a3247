//! Fits whose rows are spread over several processes (MPI ranks), without any MPI here.
//!
//! A distributed driver runs the same chunk kernels as the in-memory, threaded and
//! streamed drivers ([`crate::parallel`]): every process (a *rank*) owns a contiguous
//! range of rows that starts at a multiple of [`crate::parallel::CHUNK_ROWS`], so its
//! chunks are exactly the fixed chunks of a single process. A floating-point reduction
//! gathers the per-chunk partials of every rank to every rank ([`Exchange::all_gather`])
//! and folds them in global chunk order, so the result is bitwise that of one process;
//! exact statistics (the fixed-point cluster sums of k-means) are folded per rank and
//! merged in rank order. Partials travel as bytes ([`Wire`]).
//!
//! The transport is the caller's: [`Exchange`] is implemented over MPI by the
//! `partitive-mpi` crate, and over threads in this crate's tests. The library itself
//! depends on no communication library.
//!
//! Entry points: [`crate::kmeans::KMeansParams::fit_distributed`],
//! [`crate::gmm::GmmParams::fit_distributed`],
//! [`crate::kmedoids::ClaraParams::fit_distributed`],
//! [`crate::ppp::PppParams::fit_distributed`].

use crate::error::Error;
use crate::parallel::CHUNK_ROWS;

/// The one collective a distributed fit needs.
///
/// Every rank must call [`Exchange::all_gather`] the same number of times, in the same
/// order (the drivers do: their control flow depends only on gathered values).
pub trait Exchange {
    /// This process's rank, `0..size`.
    fn rank(&self) -> usize;
    /// Number of ranks.
    fn size(&self) -> usize;
    /// Every rank's `local` bytes, in rank order (an all-gather of variable length).
    fn all_gather(&self, local: &[u8]) -> Vec<Vec<u8>>;
}

/// A value that travels between ranks as bytes (native endianness: the ranks of one job
/// run one binary on one architecture).
///
/// Decoding bytes that [`Wire::put`] did not write is a contract violation (it panics):
/// the bytes only ever come from the same program on another rank.
pub trait Wire: Sized {
    /// Appends the encoding of `self` to `out`.
    fn put(&self, out: &mut Vec<u8>);
    /// Decodes one value from the front of `input`, advancing it.
    fn take(input: &mut &[u8]) -> Self;
}

/// `value` as bytes.
pub fn encode<W: Wire>(value: &W) -> Vec<u8> {
    let mut out = Vec::new();
    value.put(&mut out);
    out
}

/// The value encoded in `bytes` (all of them).
///
/// # Panics
/// If `bytes` is not one whole encoding of a `W` (see [`Wire`]).
pub fn decode<W: Wire>(bytes: &[u8]) -> W {
    let mut input = bytes;
    let v = W::take(&mut input);
    assert!(input.is_empty(), "trailing bytes after a Wire value");
    v
}

fn split<const N: usize>(input: &mut &[u8]) -> [u8; N] {
    let (head, rest) = input.split_at(N);
    *input = rest;
    head.try_into().expect("N bytes")
}

macro_rules! wire_int {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_ne_bytes());
            }
            fn take(input: &mut &[u8]) -> Self {
                <$t>::from_ne_bytes(split(input))
            }
        }
    )*};
}
wire_int!(u32, u64, i64, f32, f64);

impl Wire for usize {
    fn put(&self, out: &mut Vec<u8>) {
        (*self as u64).put(out);
    }
    fn take(input: &mut &[u8]) -> Self {
        u64::take(input) as usize
    }
}

impl Wire for bool {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn take(input: &mut &[u8]) -> Self {
        split::<1>(input)[0] != 0
    }
}

impl Wire for () {
    fn put(&self, _: &mut Vec<u8>) {}
    fn take(_: &mut &[u8]) -> Self {}
}

impl<W: Wire> Wire for Vec<W> {
    fn put(&self, out: &mut Vec<u8>) {
        self.len().put(out);
        self.iter().for_each(|v| v.put(out));
    }
    fn take(input: &mut &[u8]) -> Self {
        let n = usize::take(input);
        (0..n).map(|_| W::take(input)).collect()
    }
}

impl<W: Wire> Wire for Option<W> {
    fn put(&self, out: &mut Vec<u8>) {
        self.is_some().put(out);
        if let Some(v) = self {
            v.put(out);
        }
    }
    fn take(input: &mut &[u8]) -> Self {
        bool::take(input).then(|| W::take(input))
    }
}

impl Wire for String {
    fn put(&self, out: &mut Vec<u8>) {
        self.len().put(out);
        out.extend_from_slice(self.as_bytes());
    }
    fn take(input: &mut &[u8]) -> Self {
        let n = usize::take(input);
        let (head, rest) = input.split_at(n);
        *input = rest;
        String::from_utf8_lossy(head).into_owned()
    }
}

macro_rules! wire_tuple {
    ($($n:ident),*) => {
        impl<$($n: Wire),*> Wire for ($($n,)*) {
            #[allow(non_snake_case)]
            fn put(&self, out: &mut Vec<u8>) {
                let ($($n,)*) = self;
                $($n.put(out);)*
            }
            fn take(input: &mut &[u8]) -> Self {
                ($($n::take(input),)*)
            }
        }
    };
}
wire_tuple!(A, B);
wire_tuple!(A, B, C);
wire_tuple!(A, B, C, D);

/// One process as a job of one rank (the gather returns the local bytes).
#[derive(Debug, Clone, Copy, Default)]
pub struct SingleRank;

impl Exchange for SingleRank {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn all_gather(&self, local: &[u8]) -> Vec<Vec<u8>> {
        vec![local.to_vec()]
    }
}

/// Every rank's `value`, in rank order.
pub fn all_gather<W: Wire, X: Exchange + ?Sized>(ex: &X, value: &W) -> Vec<W> {
    ex.all_gather(&encode(value))
        .iter()
        .map(|b| decode(b))
        .collect()
}

/// Checks that the ranks' rows tile the whole in rank order, each rank's (of `rows`
/// rows in `cols` columns, from row `first_row`) starting at a multiple of
/// [`CHUNK_ROWS`] (a rank may hold none): the rows and columns of the whole, or the same
/// error on every rank.
pub(crate) fn tiling<X: Exchange + ?Sized>(
    ex: &X,
    first_row: usize,
    rows: usize,
    cols: usize,
) -> Result<(usize, usize), Error> {
    let shapes = all_gather(ex, &(first_row, rows, cols));
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
    Ok((at, d))
}

/// Ranks as threads of one process, for the tests of the distributed drivers.
#[cfg(test)]
pub(crate) mod threads {
    use super::Exchange;
    use crate::parallel::CHUNK_ROWS;
    use std::sync::{Barrier, Mutex};

    /// One rank: a gather is two barriers around a shared table.
    pub(crate) struct Threads<'a> {
        rank: usize,
        slots: &'a Mutex<Vec<Vec<u8>>>,
        barrier: &'a Barrier,
    }

    impl Exchange for Threads<'_> {
        fn rank(&self) -> usize {
            self.rank
        }
        fn size(&self) -> usize {
            self.slots.lock().unwrap().len()
        }
        fn all_gather(&self, local: &[u8]) -> Vec<Vec<u8>> {
            self.slots.lock().unwrap()[self.rank] = local.to_vec();
            self.barrier.wait();
            let all = self.slots.lock().unwrap().clone();
            self.barrier.wait();
            all
        }
    }

    /// `f(rank's exchange, rank)` on `ranks` threads, the outcomes in rank order.
    pub(crate) fn on_ranks<R: Send>(
        ranks: usize,
        f: impl Fn(&Threads<'_>, usize) -> R + Sync,
    ) -> Vec<R> {
        let slots = Mutex::new(vec![Vec::new(); ranks]);
        let barrier = Barrier::new(ranks);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..ranks)
                .map(|rank| {
                    let ex = Threads {
                        rank,
                        slots: &slots,
                        barrier: &barrier,
                    };
                    let f = &f;
                    s.spawn(move || f(&ex, rank))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    }

    /// The first row of each of `ranks` ranks (and the end): whole chunks, split as
    /// evenly as they go.
    pub(crate) fn starts(n: usize, ranks: usize) -> Vec<usize> {
        let chunks = n.div_ceil(CHUNK_ROWS);
        (0..=ranks)
            .map(|r| (r * chunks / ranks * CHUNK_ROWS).min(n))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value mixing every wire type.
    type Mixed = (Vec<f64>, Option<(usize, Vec<f32>)>, String, bool);

    #[test]
    fn round_trips() {
        let v: Mixed = (
            vec![1.5, -0.0, f64::INFINITY],
            Some((7, vec![f32::MIN_POSITIVE, 3.25])),
            "rank 2: bad".into(),
            true,
        );
        let back: Mixed = decode(&encode(&v));
        assert_eq!(back.0[1].to_bits(), (-0.0f64).to_bits());
        assert_eq!(back, v);
        let none: Option<u32> = decode(&encode(&None::<u32>));
        assert_eq!(none, None);
        assert_eq!(all_gather(&SingleRank, &(3u64, -4i64)), vec![(3, -4)]);
    }
}
