//! Gaussian mixture EM on data read as a stream of row chunks (files larger than memory).
//!
//! The driver of the in-memory EM ([`super::fit`]) over passes of a stream ([`Pass`]):
//! every pass hands the rows over in consecutive chunks, each cut into the fixed
//! [`crate::parallel::CHUNK_ROWS`]-row chunks on which the in-memory fit's chunk kernels
//! run — the moments and spread of the data summary, the one-hot statistics of the
//! initial partition, the E-step + M-step statistics, the final evaluation — and every
//! reduction continues from the running total of the chunks before, in chunk order,
//! exactly as [`crate::parallel::map_reduce_chunks`] folds them in memory. The k-means
//! initialisation is the streamed k-means ([`crate::kmeans::KMeansParams::fit_passes`]),
//! whose centers and labels are bitwise the in-memory ones. So the weights, means,
//! covariances, lower bound, iteration count and criteria are bitwise those of
//! [`GmmParams::fit`] on the same rows, and [`GmmStreamed::labels`] gives its labels.
//!
//! Passes: two for the data summary (moments, then variances or the tied scatter);
//! per run, those of the streamed k-means and one for the statistics of its partition
//! (the k-means labels are recomputed per chunk, not kept); one per EM iteration; one
//! for the final evaluation. Memory: one chunk, the parameters and the statistics
//! (`O(k·d²)`), independent of the number of rows (a given [`GmmInit::Partition`] holds
//! its labels, as given).
//!
//! Distributed ([`GmmParams::fit_distributed`]): the same driver over the rows of the
//! ranks of a job ([`super::source::Ranks`]), each rank holding a contiguous run of rows
//! that starts at a multiple of `CHUNK_ROWS`; the per-chunk partials of every fold are
//! gathered to every rank and folded in global chunk order (the k-means start is
//! [`crate::kmeans::KMeansParams::fit_distributed`]), so every rank gets the streamed
//! fit's model, bitwise, for any number of ranks and threads.
//!
//! Restrictions: every chunk but the last must hold a multiple of `CHUNK_ROWS` rows;
//! there are no sample weights; data that the in-memory fit rescales (largest magnitude
//! outside `[2^−200, 2^200]`), or whose k-means initialisation it rescales (see
//! [`crate::kmeans`]), are refused.

use super::covariance::{CovarianceType, Factored, GmmParameters};
use super::data::{add_spread, finish as summary_of, spread, Moments, Summary};
use super::estep::Evaluator;
use super::fit::{
    check_shape, em, em_chunk_stats, eval_chunk_of, evaluate, finish, keep_better, mstep_input,
    needs_rescale, EmIterationInfo, Evaluation, Run, UNDERFLOW_LOGLIK,
};
use super::init::{from_parameters, from_stats, kmeans_params, partition_stats};
use super::model::GmmModel;
use super::mstep::{MStepInput, Stats};
use super::params::{GmmInit, GmmParams};
use super::source::{PrepFn, Ranks, Rows};
use crate::distributed::Exchange;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::MatRef;
use crate::parallel::map_reduce_chunks;
use crate::passes::Stream;
use crate::ppp::Pass;

/// The outcome of a streamed mixture fit: the model, whose labels a further pass gives
/// ([`GmmStreamed::labels`]).
#[derive(Debug, Clone)]
pub struct GmmStreamed {
    /// The fitted mixture, as [`GmmParams::fit`] returns it but for
    /// [`GmmModel::labels`], which is empty.
    pub model: GmmModel,
    /// Rows streamed.
    pub n_rows: usize,
    /// The factors the final evaluation used (for the labels).
    factored: Factored,
}

impl GmmStreamed {
    /// The labels of a chunk of rows (the most probable component, lowest index on
    /// ties), computed by the kernel of the in-memory fit's final evaluation: the
    /// in-memory labels when the chunks are those of the fit (every one but the last a
    /// multiple of [`crate::parallel::CHUNK_ROWS`] rows).
    pub fn labels<T: Float>(&self, x: MatRef<'_, T>) -> Result<Vec<usize>> {
        let d = self.model.n_features();
        if x.n_cols() != d {
            return Err(Error::shape("columns", d, x.n_cols()));
        }
        x.check_finite()?;
        let ev = Evaluator::new(&self.model.params, &self.factored, &self.model.data_mean);
        Ok(evaluate(x, None, &ev).labels)
    }
}

/// The first pass of a stream: shape, finiteness and the moments of the data.
fn open<'p, 'q, T: Float, E: From<Error>>(
    pass: &'p mut Pass<'q, T, E>,
) -> std::result::Result<(Stream<'p, 'q, T, E>, Option<Moments>), E> {
    let mut m: Option<Moments> = None;
    let stream = Stream::open(pass, |off, x| {
        if let Some(p) = x.as_slice().iter().position(|v| !v.is_finite()) {
            let d = x.n_cols().max(1);
            return Err(Error::data(format!(
                "non-finite value {} at row {}, column {}",
                x.as_slice()[p],
                off + p / d,
                p % d
            )));
        }
        let acc = m.take().unwrap_or_else(|| Moments::zero(x.n_cols()));
        m = Some(map_reduce_chunks(
            x.n_rows(),
            acc,
            |r| Moments::of(x, None, r),
            Moments::merge,
        ));
        Ok(())
    })?;
    Ok((stream, m))
}

/// The data summary ([`super::data::summarize`]) from the moments `m` of the `d`-column
/// rows of `src` (none: no rows), with the checks (and messages) of the in-memory
/// summary, in its order; the second pass gives the variances or the tied scatter.
fn summarize<T: Float, R: Rows<T>>(
    src: &mut R,
    d: usize,
    m: Option<Moments>,
    kind: CovarianceType,
) -> std::result::Result<Summary, R::Err> {
    let n = src.n();
    if n == 0 {
        return Err(Error::data("no rows").into());
    }
    if d == 0 {
        return Err(Error::data("no columns").into());
    }
    check_shape(kind, n, d)?;
    let m = m.expect("a chunk with rows was seen");
    let (shift, constant_columns) = m.shift()?;
    let tied = kind == CovarianceType::Tied;
    let acc = src.fold(
        vec![0.0; if tied { d * d } else { d }],
        &mut |_, _| Ok(()),
        &|_, x, r| spread(x, None, r, &shift, tied),
        &mut |a, p| add_spread(a, p),
    )?;
    Ok(summary_of(&m, shift, constant_columns, acc, tied))
}

/// [`GmmParams::fit_passes`].
pub(crate) fn fit_passes<T: Float, E: From<Error>>(
    p: &GmmParams<T>,
    pass: &mut Pass<'_, T, E>,
    observer: &mut dyn FnMut(&EmIterationInfo),
) -> std::result::Result<GmmStreamed, E> {
    p.validate()?;
    let (mut stream, m) = open(pass)?;
    let d = stream.d;
    fit_rows(p, &mut stream, d, m, observer)
}

/// [`GmmParams::fit_distributed`].
pub(crate) fn fit_distributed<T: Float, X: Exchange + ?Sized>(
    p: &GmmParams<T>,
    x: MatRef<'_, T>,
    first_row: usize,
    exchange: &X,
    observer: &mut dyn FnMut(&EmIterationInfo),
) -> Result<GmmStreamed> {
    p.validate()?;
    let (mut ranks, d, m) = Ranks::open(x, first_row, exchange)?;
    let m = (ranks.n() > 0).then_some(m);
    fit_rows(p, &mut ranks, d, m, observer)
}

/// The fit over the rows of `src` (`d` columns, moments `m`): the in-memory fit's runs
/// and final evaluation, every pass a fold of its chunk kernels.
fn fit_rows<T: Float, R: Rows<T>>(
    p: &GmmParams<T>,
    src: &mut R,
    d: usize,
    m: Option<Moments>,
    observer: &mut dyn FnMut(&EmIterationInfo),
) -> std::result::Result<GmmStreamed, R::Err> {
    let summary = summarize(src, d, m, p.covariance)?;
    let (n, k) = (src.n(), p.k);
    if n < k {
        return Err(Error::data(format!("{k} components need at least {k} rows, got {n}")).into());
    }
    if needs_rescale(summary.amax) {
        return Err(Error::data(format!(
            "values of magnitude {:e} need rescaling, which a streamed or distributed fit \
             does not do (fit them in memory)",
            summary.amax
        ))
        .into());
    }
    let inp = mstep_input(p, &summary);
    let mut best: Option<Run> = None;
    for run in 0..p.n_init {
        let start = match &p.init {
            GmmInit::KMeans => {
                let km = src.kmeans(&kmeans_params::<T>(k, p.seed, run as u64, &p.interrupt))?;
                partition(src, &inp, k, &mut |_, x| km.labels(x))?
            }
            GmmInit::Partition(labels) => {
                check_partition(labels, n, k)?;
                partition(src, &inp, k, &mut |off, x| {
                    Ok(labels[off..off + x.n_rows()].to_vec())
                })?
            }
            GmmInit::Parameters(q) => (from_parameters(q, k, d, p.covariance)?, Vec::new()),
        };
        let r = em(p, start, &summary, &inp, run, observer, |ev| {
            src.fold(
                Stats::zeros(ev.kind, ev.k, ev.d),
                &mut |_, _| Ok(()),
                &|_, x, r| em_chunk_stats(x, None, ev, r, UNDERFLOW_LOGLIK),
                &mut |a, p| a.merge(p),
            )
        })?;
        keep_better(&mut best, r);
    }
    let best = best.expect("n_init >= 1 is checked");
    let factored = best.factored.clone();
    let ev = Evaluator::new(&best.params, &best.factored, &summary.shift);
    let e = src.fold(
        Evaluation::zero(k),
        &mut |_, _| Ok(()),
        &|_, x, r| Evaluation {
            labels: Vec::new(),
            ..eval_chunk_of(x, None, &ev, r)
        },
        &mut |a, p| a.merge(p),
    )?;
    Ok(GmmStreamed {
        model: finish(p, best, summary, e),
        n_rows: n,
        factored,
    })
}

/// The checks of a given partition ([`super::init::from_partition`]).
fn check_partition(labels: &[usize], n: usize, k: usize) -> Result<()> {
    if labels.len() != n {
        return Err(Error::shape("initial partition", n, labels.len()));
    }
    if let Some(i) = labels.iter().position(|&l| l >= k) {
        return Err(Error::param(
            "init",
            format!(
                "partition label {} at row {i} is not below k = {k}",
                labels[i]
            ),
        ));
    }
    Ok(())
}

/// The parameters of the partition whose labels `labels(first row, part)` gives (one
/// pass), as [`super::init::from_partition`].
fn partition<T: Float, R: Rows<T>>(
    src: &mut R,
    inp: &MStepInput<'_>,
    k: usize,
    labels: &mut PrepFn<'_, T, Vec<usize>>,
) -> std::result::Result<(GmmParameters, Vec<usize>), R::Err> {
    let acc = src.fold(
        Stats::zeros(inp.kind, k, inp.d),
        labels,
        &|l, x, r| partition_stats(x, None, l, r, k, inp),
        &mut |a, p| a.merge(p),
    )?;
    Ok(from_stats(&acc, inp))
}
