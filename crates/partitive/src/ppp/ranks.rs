//! PPP-auto over rows spread across the ranks of a job ([`crate::distributed`]).
//!
//! The steps of the in-memory fit ([`super::fit`]), each rank working on its rows:
//!
//! 0. column ranges: every rank's per-column minimum and maximum, gathered and combined
//!    (exact), with the first non-finite value of the whole;
//! 1. the fit sample: every rank selects its own first `m` rows in (content hash, values,
//!    row index) order with the in-memory selection ([`sample_keys`]); their hashes are
//!    gathered to find the `m`-th smallest hash of the whole, every rank sends its
//!    candidates up to it, and every rank sorts the union and keeps the first `m` —
//!    exactly the in-memory sample, since that order is total (a grown sample: the same
//!    with a larger `m`);
//! 2. to 4. every rank runs the same deterministic structure search on that sample;
//! 5. assignment: every rank runs the assignment scan of the in-memory fit
//!    ([`AssignScan`]) on its rows, keeping the per-cluster sums of each block of
//!    [`crate::parallel::CHUNK_ROWS`] rows apart (a rank's rows start at a block
//!    boundary, so its blocks are blocks of the whole); the blocks are gathered and added
//!    in global block order, the labels and confidences gathered in row order.
//!
//! So every rank's result is bitwise [`PppParams::fit`]'s on the whole matrix, for any
//! number of ranks and threads.

use super::fit::{finish, structure, Assigned};
use super::params::PppParams;
use super::result::{PppProgress, PppResult, PppStage};
use super::sample::{column_ranges, sample_keys, varying, FitSample};
use super::stream::{add_block, sample_of, AssignScan, Block, Entry};
use crate::distributed::{all_gather, tiling, Exchange};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::MatRef;

/// [`PppParams::fit_distributed`].
pub(crate) fn fit_distributed<T: Float, X: Exchange + ?Sized>(
    p: &PppParams,
    x: MatRef<'_, T>,
    first_row: usize,
    ex: &X,
    obs: &mut dyn FnMut(&PppProgress),
) -> Result<PppResult> {
    p.validate()?;
    let (n, d) = tiling(ex, first_row, x.n_rows(), x.n_cols())?;
    if n == 0 {
        return Err(Error::data("no rows"));
    }
    if d == 0 {
        return Err(Error::data("no columns"));
    }
    // Step 0 with the in-memory fit's finiteness check (the first bad value of the whole).
    let s = x.as_slice();
    let bad = s
        .iter()
        .position(|v| !v.is_finite())
        .map(|q| (first_row * d + q, s[q].as_f64()));
    let (lo, hi) = column_ranges(x);
    let all = all_gather(ex, &(bad, lo, hi));
    if let Some((q, v)) = all.iter().find_map(|a| a.0) {
        return Err(Error::data(format!(
            "non-finite value {v} at row {}, column {}",
            q / d,
            q % d
        )));
    }
    let (mut lo, mut hi) = (vec![f64::INFINITY; d], vec![f64::NEG_INFINITY; d]);
    for (_, l, h) in &all {
        for j in 0..d {
            lo[j] = lo[j].min(l[j]);
            hi[j] = hi[j].max(h[j]);
        }
    }
    obs(&PppProgress {
        stage: PppStage::Sample,
        k: 0,
        best_k: 0,
        rows_done: 0,
    });
    let cols = varying(&lo, &hi);
    let select = |m: usize| gather_sample(x, first_row, &cols, m.min(n), ex);
    let sample = (!cols.is_empty()).then(|| select(p.sample_max));
    let mut grow = |m: usize| Ok(select(m));
    let st = structure(p, n, d, cols.clone(), sample, &mut grow, obs)?;
    let k = st.selected.k_proposal;
    obs(&PppProgress {
        stage: PppStage::Assign,
        k,
        best_k: k,
        rows_done: 0,
    });
    let mut scan = AssignScan::keeping_blocks(&st.model, x.n_rows());
    scan.push(x);
    type Part = (Option<String>, Vec<u32>, Vec<f64>, Vec<Block>);
    let local: Part = match scan.finish_blocks() {
        Ok((labels, confidence, blocks)) => (
            None,
            labels.iter().map(|&l| l as u32).collect(),
            confidence,
            blocks,
        ),
        Err(e) => (Some(e.to_string()), Vec::new(), Vec::new(), Vec::new()),
    };
    let all = all_gather(ex, &local);
    if let Some(e) = all.iter().find_map(|a| a.0.clone()) {
        return Err(Error::data(e));
    }
    let kc = st.model.n_clusters;
    let mut assigned = Assigned {
        labels: Vec::with_capacity(n),
        confidence: Vec::with_capacity(n),
        sizes: vec![0; kc],
        sums: vec![0.0; kc * d],
    };
    for (_, labels, confidence, blocks) in all {
        assigned.labels.extend(labels.iter().map(|&l| l as usize));
        assigned.confidence.extend(confidence);
        for (bs, bv) in &blocks {
            add_block(&mut assigned.sizes, &mut assigned.sums, (bs, bv));
        }
    }
    finish(p, st, assigned, obs)
}

/// The fit sample of `m` rows of the whole (`m` ≤ its rows), this rank holding `x`,
/// rows `off..` of the whole (see the module docs).
fn gather_sample<T: Float, X: Exchange + ?Sized>(
    x: MatRef<'_, T>,
    off: usize,
    cols: &[usize],
    m: usize,
    ex: &X,
) -> FitSample {
    let keys = sample_keys(x, cols, m);
    let hashes: Vec<u64> = keys.iter().map(|k| k.0).collect();
    let mut every: Vec<u64> = all_gather(ex, &hashes).into_iter().flatten().collect();
    // The `m`-th smallest hash of the whole: the first `m` rows have hashes up to it,
    // and a rank's rows among them are among its own first `m`.
    let m = m.min(every.len());
    let limit = match m {
        0 => 0,
        _ => *every.select_nth_unstable(m - 1).1,
    };
    let mine: Vec<&(u64, usize)> = keys.iter().filter(|k| m > 0 && k.0 <= limit).collect();
    let local = (
        mine.iter().map(|k| k.0).collect::<Vec<u64>>(),
        mine.iter().map(|k| off + k.1).collect::<Vec<usize>>(),
        mine.iter()
            .flat_map(|k| cols.iter().map(|&j| x.row(k.1)[j].as_f64()))
            .collect::<Vec<f64>>(),
    );
    let dc = cols.len();
    let mut rows: Vec<Entry> = Vec::new();
    for (h, idx, values) in all_gather(ex, &local) {
        for (i, (hash, index)) in h.into_iter().zip(idx).enumerate() {
            rows.push(Entry {
                hash,
                values: values[i * dc..(i + 1) * dc].to_vec(),
                index,
            });
        }
    }
    rows.sort_unstable();
    rows.truncate(m);
    sample_of(rows, dc)
}

#[cfg(test)]
mod tests {
    use super::super::Ppp;
    use super::*;
    use crate::distributed::threads::{on_ranks, starts};
    use crate::matrix::Mat;
    use crate::parallel::CHUNK_ROWS;
    use crate::rng::Rng;

    /// `k` unit Gaussians on a 2-D grid `gap` apart, `per` points each (a constant third
    /// column, dropped by step 0).
    fn grid(k: usize, per: usize, gap: f64, seed: u64) -> Mat<f64> {
        let mut rng = Rng::new(seed);
        let side = (k as f64).sqrt().ceil() as usize;
        let mut v = Vec::new();
        for c in 0..k {
            let (cx, cy) = (gap * (c % side) as f64, gap * (c / side) as f64);
            for _ in 0..per {
                v.extend([cx + rng.normal(), cy + rng.normal(), 3.0]);
            }
        }
        let n = v.len() / 3;
        Mat::from_vec(v, n, 3).unwrap()
    }

    /// The fit of `x` on `ranks` ranks (rows split as `starts` splits them) with
    /// `threads` threads each: every rank's result, or error line.
    fn on(p: &PppParams, x: &Mat<f64>, ranks: usize, threads: usize) -> Vec<Result<PppResult>> {
        let at = starts(x.n_rows(), ranks);
        on_ranks(ranks, |ex, r| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    p.fit_distributed(x.view().rows(at[r], at[r + 1]), at[r], ex, &mut |_| {})
                })
        })
    }

    /// Every rank's result is the in-memory one (Debug prints every float exactly, so
    /// equal texts are equal bits), for 1–3 ranks and 1–2 threads.
    fn same_as_in_memory(p: &PppParams, x: &Mat<f64>) -> PppResult {
        let whole = p.fit(x.view()).unwrap();
        let want = format!("{whole:?}");
        for ranks in 1..=3 {
            for threads in 1..=2 {
                for (r, got) in on(p, x, ranks, threads).into_iter().enumerate() {
                    let got = format!("{:?}", got.unwrap());
                    assert!(got == want, "rank {r} of {ranks}, {threads} threads");
                }
            }
        }
        whole
    }

    #[test]
    fn equals_the_in_memory_fit_bitwise() {
        // Three chunks and a part: 3 ranks hold a chunk each, the last one more.
        let x = grid(5, (3 * CHUNK_ROWS + 700) / 5, 10.0, 1);
        let r = same_as_in_memory(&Ppp::params(), &x);
        assert_eq!(r.k, 5);
        assert_eq!(r.model.kept_columns, vec![0, 1]);
    }

    #[test]
    fn grown_sample_and_an_empty_rank_equal_the_in_memory_fit() {
        // 4,400 rows in two chunks: on 3 ranks the first holds none. A first sample of
        // 400 rows caps k at 20 of the 40 clusters, so the sample grows.
        let x = grid(40, 110, 12.0, 8);
        assert_eq!(starts(x.n_rows(), 3)[..2], [0, 0]);
        let r = same_as_in_memory(&Ppp::params().sample_max(400), &x);
        assert!(r.diagnostics.fit_sample_sizes.len() > 1);
        assert_eq!(r.diagnostics.fit_sample_sizes[0], 400);
    }

    #[test]
    fn bad_input_is_the_same_error_on_every_rank() {
        let mut x = grid(3, 3000, 10.0, 2);
        let bad = 2 * CHUNK_ROWS + 17;
        x.row_mut(bad)[1] = f64::NAN;
        let want = Ppp::params().fit(x.view()).unwrap_err().to_string();
        assert!(want.contains(&format!("row {bad}, column 1")), "{want}");
        for got in on(&Ppp::params(), &x, 3, 1) {
            assert_eq!(got.unwrap_err().to_string(), want);
        }
        // Misplaced rows: a rank starting inside a chunk.
        let x = grid(3, 3000, 10.0, 3);
        let errs = on_ranks(2, |ex, r| {
            let at = [0, 100, x.n_rows()];
            Ppp::params()
                .fit_distributed(x.view().rows(at[r], at[r + 1]), at[r], ex, &mut |_| {})
                .unwrap_err()
                .to_string()
        });
        assert!(
            errs[0].contains("rank 1 holds rows from 100"),
            "{}",
            errs[0]
        );
        assert_eq!(errs[0], errs[1]);
    }
}
