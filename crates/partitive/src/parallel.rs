//! The one driver for chunked kernels: chunk → partial statistics → merge.
//!
//! A kernel is a pure function of a row range that returns partial statistics. The
//! range `0..n` is cut into chunks of a fixed [`CHUNK_ROWS`] rows — independent of the
//! number of threads — and partials are merged strictly in chunk order. Floating-point
//! sums therefore happen in the same order whatever the thread count, and results are
//! bitwise identical for 1, 2 or 64 threads. The same kernels serve streamed files (one
//! chunk at a time) and MPI ranks (ranks own contiguous whole chunks).

use rayon::prelude::*;
use std::ops::Range;

/// Rows per chunk. A constant: changing it changes floating-point results (slightly),
/// changing the thread count does not.
pub const CHUNK_ROWS: usize = 4096;

/// The most worker threads a driver starts, per CPU this process may run on: more only add
/// start-up time, memory and contention, never a different result.
pub const MAX_THREADS_PER_CORE: usize = 4;

/// The CPUs this process may run on (its affinity mask; 1 if unknown).
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The most worker threads a driver starts: [`MAX_THREADS_PER_CORE`] × [`available_cores`].
pub fn thread_cap() -> usize {
    available_cores() * MAX_THREADS_PER_CORE
}

/// The chunk ranges covering `0..n`, each `chunk` rows but the last.
pub fn chunk_ranges(n: usize, chunk: usize) -> impl ExactSizeIterator<Item = Range<usize>> + Clone {
    let chunk = chunk.max(1);
    let count = n.div_ceil(chunk);
    (0..count).map(move |c| c * chunk..((c + 1) * chunk).min(n))
}

/// Runs `kernel` over the chunks of `0..n` in parallel (current rayon pool) and folds
/// the partials with `merge` in chunk order, starting from `init`.
///
/// Deterministic: the result does not depend on the number of threads.
pub fn map_reduce_chunks<P, K, M>(n: usize, init: P, kernel: K, mut merge: M) -> P
where
    P: Send,
    K: Fn(Range<usize>) -> P + Sync,
    M: FnMut(&mut P, P),
{
    map_reduce_chunks_sized(n, CHUNK_ROWS, init, kernel, &mut merge)
}

/// [`map_reduce_chunks`] with an explicit chunk size (for kernels whose cost per row
/// differs a lot from k-means').
pub fn map_reduce_chunks_sized<P, K, M>(
    n: usize,
    chunk: usize,
    init: P,
    kernel: K,
    mut merge: M,
) -> P
where
    P: Send,
    K: Fn(Range<usize>) -> P + Sync,
    M: FnMut(&mut P, P),
{
    let ranges: Vec<Range<usize>> = chunk_ranges(n, chunk).collect();
    let mut acc = init;
    if ranges.len() <= 1 || rayon::current_num_threads() == 1 {
        for r in ranges {
            let p = kernel(r);
            merge(&mut acc, p);
        }
        return acc;
    }
    // Bounded batches keep memory for partials small while preserving merge order.
    let batch = (rayon::current_num_threads() * 8).max(16);
    for group in ranges.chunks(batch) {
        let partials: Vec<P> = group.par_iter().cloned().map(&kernel).collect();
        for p in partials {
            merge(&mut acc, p);
        }
    }
    acc
}

/// Runs `kernel(acc, range)` over the chunks of `0..n` in parallel, each worker folding
/// its chunks into its own accumulator (made by `init`), then merges the accumulators
/// with `merge`.
///
/// Only for statistics whose accumulation and merge are *exact* — integer sums, counts,
/// maxima — so that the result does not depend on which chunks a worker took nor on the
/// merge order, hence not on the thread count. Unlike [`map_reduce_chunks`] there is no
/// barrier between batches of chunks and no stored partials, which saves measurable time
/// in a k-means step (`bench/kmeans/README.md`).
pub fn fold_chunks<P, I, K, M>(n: usize, init: I, kernel: K, merge: M) -> P
where
    P: Send,
    I: Fn() -> P + Sync + Send,
    K: Fn(&mut P, Range<usize>) + Sync + Send,
    M: Fn(&mut P, P) + Sync + Send,
{
    let items = vec![(); n.div_ceil(CHUNK_ROWS)];
    fold_chunks_with(n, items, init, |acc, r, ()| kernel(acc, r), merge)
}

/// The disjoint slices of `buf` (`width` entries per row, `n` rows) for the chunks of
/// `0..n`, in chunk order: the per-chunk outputs (labels, bounds) of a kernel run by
/// [`map_reduce_chunks_with`] or [`fold_chunks_with`].
///
/// # Panics
/// When `buf` does not hold `n × width` entries (an internal contract).
#[track_caller]
pub fn chunk_slices<X>(buf: &mut [X], n: usize, width: usize) -> Vec<&mut [X]> {
    let width = width.max(1);
    assert_eq!(buf.len(), n * width, "a buffer of {width} entries per row");
    buf.chunks_mut(CHUNK_ROWS * width).collect()
}

/// [`map_reduce_chunks`] whose kernel also takes the item of its chunk (`items[c]` for
/// chunk `c`, e.g. from [`chunk_slices`]): `kernel(range, item)`.
///
/// # Panics
/// When there is not one item per chunk (an internal contract).
#[track_caller]
pub fn map_reduce_chunks_with<I, P, K, M>(
    n: usize,
    items: Vec<I>,
    init: P,
    kernel: K,
    mut merge: M,
) -> P
where
    I: Send,
    P: Send,
    K: Fn(Range<usize>, I) -> P + Sync,
    M: FnMut(&mut P, P),
{
    assert_eq!(items.len(), n.div_ceil(CHUNK_ROWS), "one item per chunk");
    let range = |c: usize| c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(n);
    let mut acc = init;
    if items.len() <= 1 || rayon::current_num_threads() == 1 {
        for (c, item) in items.into_iter().enumerate() {
            let p = kernel(range(c), item);
            merge(&mut acc, p);
        }
        return acc;
    }
    // Bounded batches keep memory for partials small while preserving merge order.
    let batch = (rayon::current_num_threads() * 8).max(16);
    let mut items = items.into_iter().enumerate();
    loop {
        let group: Vec<(usize, I)> = items.by_ref().take(batch).collect();
        if group.is_empty() {
            return acc;
        }
        let partials: Vec<P> = group
            .into_par_iter()
            .map(|(c, item)| kernel(range(c), item))
            .collect();
        for p in partials {
            merge(&mut acc, p);
        }
    }
}

/// [`fold_chunks`] whose kernel also takes the item of its chunk (`items[c]` for chunk
/// `c`, e.g. from [`chunk_slices`]): `kernel(acc, range, item)`. The same rule: only for
/// exact statistics.
///
/// # Panics
/// When there is not one item per chunk (an internal contract).
#[track_caller]
pub fn fold_chunks_with<I, P, In, K, M>(n: usize, items: Vec<I>, init: In, kernel: K, merge: M) -> P
where
    I: Send,
    P: Send,
    In: Fn() -> P + Sync + Send,
    K: Fn(&mut P, Range<usize>, I) + Sync + Send,
    M: Fn(&mut P, P) + Sync + Send,
{
    let count = n.div_ceil(CHUNK_ROWS);
    assert_eq!(items.len(), count, "one item per chunk");
    let range = |c: usize| c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(n);
    if count <= 1 || rayon::current_num_threads() == 1 {
        let mut acc = init();
        for (c, item) in items.into_iter().enumerate() {
            kernel(&mut acc, range(c), item);
        }
        return acc;
    }
    items
        .into_par_iter()
        .enumerate()
        .fold(&init, |mut acc, (c, item)| {
            kernel(&mut acc, range(c), item);
            acc
        })
        .reduce(&init, |mut a, b| {
            merge(&mut a, b);
            a
        })
}

/// A vector of `f(i)` for `i` in `0..n`, written by the workers in chunks of
/// [`CHUNK_ROWS`], so that they, not one thread, take its first-touch page faults (which
/// halved the fill time of a k-means fit's per-row state: `bench/kmeans/README.md`).
pub fn par_vec<T, F>(n: usize, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize) -> T + Sync,
{
    let mut out: Vec<T> = Vec::with_capacity(n);
    out.spare_capacity_mut()[..n]
        .par_chunks_mut(CHUNK_ROWS)
        .enumerate()
        .for_each(|(c, slots)| {
            for (t, slot) in slots.iter_mut().enumerate() {
                slot.write(f(c * CHUNK_ROWS + t));
            }
        });
    // SAFETY: the `n` first slots were all written above (the chunks cover `0..n`).
    unsafe { out.set_len(n) };
    out
}

/// Runs `kernel` on disjoint mutable chunks of `out` (e.g. labels), `CHUNK_ROWS * stride`
/// elements each, in parallel. `kernel(range_of_rows, out_chunk)`.
pub fn for_each_chunk_mut<T, K>(out: &mut [T], stride: usize, kernel: K)
where
    T: Send,
    K: Fn(Range<usize>, &mut [T]) + Sync,
{
    let stride = stride.max(1);
    out.par_chunks_mut(CHUNK_ROWS * stride)
        .enumerate()
        .for_each(|(c, slice)| {
            let start = c * CHUNK_ROWS;
            kernel(start..start + slice.len() / stride, slice)
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum_with(threads: usize, xs: &[f32]) -> f32 {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            map_reduce_chunks(
                xs.len(),
                0.0f32,
                |r| xs[r].iter().sum::<f32>(),
                |a, p| *a += p,
            )
        })
    }

    #[test]
    fn fold_chunks_is_exact_and_complete() {
        // Integer sums and maxima over every row, whatever the thread count; the chunks
        // seen are exactly the fixed ones.
        let n = 3 * CHUNK_ROWS + 17;
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                fold_chunks(
                    n,
                    || (0u64, 0usize, Vec::new()),
                    |acc, r| {
                        acc.0 += r.clone().map(|i| (i * i) as u64).sum::<u64>();
                        acc.1 = acc.1.max(r.end);
                        acc.2.push(r);
                    },
                    |a, b| {
                        a.0 += b.0;
                        a.1 = a.1.max(b.1);
                        a.2.extend(b.2);
                    },
                )
            })
        };
        for threads in [1, 2, 4] {
            let (sum, max, mut seen) = run(threads);
            assert_eq!(sum, (0..n).map(|i| (i * i) as u64).sum::<u64>());
            assert_eq!(max, n);
            seen.sort_by_key(|r| r.start);
            assert_eq!(seen, chunk_ranges(n, CHUNK_ROWS).collect::<Vec<_>>());
        }
    }

    #[test]
    fn par_vec_fills_every_slot() {
        for n in [0, 1, CHUNK_ROWS, 5 * CHUNK_ROWS + 3, 1 << 21] {
            let v = par_vec(n, |i| (i as u64) * 3);
            assert_eq!(v.len(), n);
            assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64 * 3));
        }
    }

    #[test]
    fn ranges_cover() {
        let r: Vec<_> = chunk_ranges(10, 4).collect();
        assert_eq!(r, vec![0..4, 4..8, 8..10]);
        assert_eq!(chunk_ranges(0, 4).count(), 0);
    }

    #[test]
    fn bitwise_identical_across_threads() {
        let xs: Vec<f32> = (0..200_000)
            .map(|i| ((i * 7919) % 1000) as f32 * 1e-3 + 1e-7 * i as f32)
            .collect();
        let a = sum_with(1, &xs);
        let b = sum_with(2, &xs);
        let c = sum_with(4, &xs);
        assert_eq!(a.to_bits(), b.to_bits());
        assert_eq!(a.to_bits(), c.to_bits());
    }
}
