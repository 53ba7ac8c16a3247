//! k-means on data read as a stream of row chunks (files larger than memory).
//!
//! The driver of [`super::run::run_once`] over passes of a stream: every pass hands the
//! rows over in consecutive chunks, and each chunk is cut into the fixed
//! [`CHUNK_ROWS`](crate::parallel::CHUNK_ROWS)-row chunks of [`crate::parallel`] — the same chunks, aligned to the row
//! index, as in memory — on which the in-memory fit's chunk kernels run (the Lloyd step,
//! the seeding's distance and potential kernels, the inertia). Every floating-point
//! reduction continues from the running total of the chunks before, in chunk order,
//! exactly as [`crate::parallel::map_reduce_chunks`] folds them in memory; the cluster
//! sums are exact integers ([`super::sums`]). So the centers, inertia and iteration
//! count are bitwise those of the in-memory fit (which gives Hamerly and Yinyang the
//! same labels and centers as Lloyd, iteration by iteration), and the labels — the
//! nearest final center of each row ([`super::assign`]) — are identical.
//!
//! Passes: one for the row statistics (and the column sums of the tolerance), one for
//! the column variances when `tol > 0`; seeding: k-means++ one pass to fetch the first
//! row, then two per further center (one locating the drawn candidates, one for their
//! potentials, which also yields the next distances); farthest-first two, then one per
//! center; then one per Lloyd iteration. Distances to the chosen centers are recomputed
//! per pass rather than kept per row (their minimum is exact, so the values are those
//! kept in memory): memory does not grow with the number of rows.
//!
//! Restrictions: every chunk but the last must hold a multiple of [`CHUNK_ROWS`](crate::parallel::CHUNK_ROWS) rows;
//! there are no sample weights; data of a magnitude the kernels cannot take unscaled
//! (see the module docs of [`super`]) are refused rather than rescaled.

use super::data::{add_into, column_squares, sq_norm, Data};
use super::fit::resolve_init;
use super::init::{
    chunk_rows, locate_chunk, merge_sums, nearest_to, potentials, update_chunk, walk_chunk,
    weighted_sums, ChunkInfo,
};
use super::kernel::Packed;
use super::lloyd::Update;
use super::lloyd::{
    farthest_chunk, insert_top, lloyd_step, reassigned_inertia, update_with, Donor,
};
use super::params::{Algorithm, Init, KMeansParams};
use super::result::{IterationInfo, KMeansDiagnostics, Seeding};
use super::run::{run_once, RunCore, Steps};
use super::scalable::{draw_chunk, recluster, weights_chunk, Round, SETTINGS};
use super::source::{Ranks, Scan, Source, Streamed};
use super::sums::StepStats;
use crate::distributed::Exchange;
use crate::error::Error;
use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use crate::ppp::Pass;
use crate::rng::Rng;
use std::ops::Range;

/// The outcome of a streamed k-means fit: everything but the labels, which a further
/// pass gives ([`KMeansStreamed::labels`]).
#[derive(Debug, Clone)]
pub struct KMeansStreamed<T> {
    /// Cluster centers, `k × d`.
    pub centers: Mat<T>,
    /// Σ ‖x − c_label‖² (`f64`), as [`super::KMeansResult::inertia`].
    pub inertia: f64,
    /// Iterations of the best restart.
    pub n_iter: usize,
    /// Whether the best restart converged.
    pub converged: bool,
    /// Rows streamed.
    pub n_rows: usize,
    /// As in memory; [`KMeansDiagnostics::algorithm`] is [`Algorithm::Lloyd`] (the
    /// streamed driver keeps no per-row bounds; all variants give Lloyd's labels).
    pub diagnostics: KMeansDiagnostics,
}

impl<T: Float> KMeansStreamed<T> {
    /// The labels of a chunk of rows: the nearest center (lowest index on ties), as the
    /// in-memory fit labels them. No rows (a rank holding none): no labels.
    pub fn labels(&self, x: MatRef<'_, T>) -> crate::error::Result<Vec<usize>> {
        if x.n_rows() == 0 && x.n_cols() == self.centers.n_cols() {
            return Ok(Vec::new());
        }
        Ok(super::assign(x, self.centers.view())?.labels)
    }
}

/// [`KMeansParams::fit_passes`].
pub(crate) fn fit_passes<T: Float, E: From<Error>>(
    p: &KMeansParams<T>,
    pass: &mut Pass<'_, T, E>,
    observer: &mut dyn FnMut(&IterationInfo),
) -> Result<KMeansStreamed<T>, E> {
    p.check_ref()?;
    let (mut src, sc) = Streamed::scan(pass)?;
    fit_source(p, &mut src, sc, observer)
}

/// [`KMeansParams::fit_distributed`].
pub(crate) fn fit_distributed<T: Float, X: Exchange + ?Sized>(
    p: &KMeansParams<T>,
    x: MatRef<'_, T>,
    first_row: usize,
    exchange: &X,
    observer: &mut dyn FnMut(&IterationInfo),
) -> Result<KMeansStreamed<T>, Error> {
    p.check_ref()?;
    let (mut src, sc) = Ranks::scan(x, first_row, exchange)?;
    fit_source(p, &mut src, sc, observer)
}

/// The fit over the rows of `src`, whose first pass gave `sc`.
fn fit_source<T: Float, S: Source<T>>(
    p: &KMeansParams<T>,
    stream: &mut S,
    sc: Scan<T>,
    observer: &mut dyn FnMut(&IterationInfo),
) -> Result<KMeansStreamed<T>, S::Err> {
    let (n, d, k) = (sc.n, sc.d, p.k);
    // The checks (and messages) of the in-memory fit, in its order.
    if n == 0 {
        return Err(Error::data("the data have no rows").into());
    }
    if d == 0 {
        return Err(Error::data("the data have no columns").into());
    }
    if k > n {
        let reason = format!("k = {k} exceeds the number of rows ({n})");
        return Err(Error::param("k", reason).into());
    }
    if let Init::Centers(c) = &p.init {
        if c.n_cols() != d {
            return Err(Error::shape("initial centers (columns = d)", d, c.n_cols()).into());
        }
    }
    let (lo, hi) = crate::scale::kernel_range::<T>();
    let amax = match &p.init {
        Init::Centers(c) => sc.stats.amax.max(crate::scale::max_abs(c.as_slice())),
        _ => sc.stats.amax,
    };
    if crate::scale::exponent_outside(amax, lo, hi).is_some() {
        return Err(Error::data(format!(
            "values of magnitude {amax:e} need rescaling, which a streamed fit does not do \
             (fit them in memory)"
        ))
        .into());
    }
    let mut summary = Data::part(MatRef::new(&sc.first, 1, d)?, &sc.stats, n);
    summary.stop = p.interrupt.clone();
    let tol_abs = if p.tol > 0.0 {
        let mean: Vec<f64> = sc.sums.iter().map(|s| s / n as f64).collect();
        let ss = stream.fold(
            vec![0.0; d],
            &|part: &Data<'_, T>, r, _| column_squares(part.x, r, &mean),
            &mut add_into,
        )?;
        p.tol * (ss.iter().sum::<f64>() / (n as f64 * d as f64))
    } else {
        0.0
    };
    let seeding = resolve_init(&p.init, n, k);
    let n_restarts = match seeding {
        Seeding::KMeansPlusPlus | Seeding::KMeansParallel => p.n_init,
        _ => 1,
    };
    let mut best: Option<(usize, RunCore<T>)> = None;
    let (mut reseeded, mut evals) = (0, 0);
    for restart in 0..n_restarts {
        let mut rng = Rng::with_stream(p.seed, restart as u64);
        let init = match (&p.init, seeding) {
            (Init::Centers(c), _) => c.clone(),
            (_, Seeding::KMeansParallel) => parallel(stream, d, &summary, k, &mut rng)?,
            (_, Seeding::Deterministic) => farthest(stream, &sc, &summary, k)?,
            _ => plus_plus(stream, d, &summary, k, &mut rng)?,
        };
        p.interrupt.check()?;
        let mut steps = Passes {
            summary: &summary,
            stream: &mut *stream,
        };
        let run = run_once(
            &mut steps,
            init,
            p.max_iter,
            tol_abs,
            &mut |it, inertia, shift| {
                observer(&IterationInfo {
                    restart,
                    n_restarts,
                    iter: it,
                    max_iter: p.max_iter,
                    inertia,
                    shift,
                })
            },
        )?;
        p.interrupt.check()?;
        reseeded += run.reseeded;
        evals += run.evals;
        if best.as_ref().is_none_or(|(_, b)| run.inertia < b.inertia) {
            best = Some((restart, run));
        }
    }
    let (best_restart, run) = best.expect("n_init >= 1");
    Ok(KMeansStreamed {
        centers: run.centers,
        inertia: run.inertia,
        n_iter: run.n_iter,
        converged: run.converged,
        n_rows: n,
        diagnostics: KMeansDiagnostics {
            empty_clusters_reseeded: reseeded,
            best_restart,
            algorithm: Algorithm::Lloyd,
            distance_evaluations: evals,
            n_restarts,
            seeding,
        },
    })
}

/// [`Steps`] over a [`Source`]: plain Lloyd steps, no per-row state.
struct Passes<'s, 'a, T, S> {
    summary: &'s Data<'a, T>,
    stream: &'s mut S,
}

impl<'a, T: Float, S: Source<T>> Steps<'a, T> for Passes<'_, 'a, T, S> {
    type Err = S::Err;

    fn data(&self) -> &Data<'a, T> {
        self.summary
    }

    fn step(&mut self, centers: &Mat<T>) -> Result<StepStats, S::Err> {
        let packed = Packed::new(centers.view());
        let mut lab = Vec::new();
        let mut acc = self.stream.fold_parts(
            StepStats::zeros(self.summary, centers.n_rows()),
            &mut |part, _| {
                lab.resize(part.n(), 0u32);
                lloyd_step(part, &packed, &mut lab)
            },
            &mut |a, b| a.merge(b),
        )?;
        acc.changed = 0; // (no labels are kept to compare with)
        Ok(acc)
    }

    fn incremental(&self) -> bool {
        false
    }

    fn update(&mut self, old: &Mat<T>, totals: &mut StepStats) -> Result<Update<T>, S::Err> {
        let k = old.n_rows();
        let empties = totals.members.iter().filter(|&&m| m == 0).count();
        let donors = if empties > 0 {
            self.donors(old, (empties + k).min(self.stream.n()))?
        } else {
            Vec::new()
        };
        Ok(update_with(self.summary, old, totals, |_| donors))
    }

    fn direct_inertia(&mut self, centers: &Mat<T>) -> Result<f64, S::Err> {
        let packed = Packed::new(centers.view());
        self.stream.fold(
            0.0,
            &|part: &Data<'_, T>, r, _| reassigned_inertia(part, &packed, centers, r),
            &mut |a, b| *a += b,
        )
    }
}

/// A row as a candidate of a fold: its distance, index (in the whole) and values.
type Ranked<X> = (f64, usize, X);

impl<T: Float, S: Source<T>> Passes<'_, '_, T, S> {
    /// The `m` rows farthest from their nearest center in `centers` (the labels of the
    /// step just made), ranked as in memory.
    fn donors(&mut self, centers: &Mat<T>, m: usize) -> Result<Vec<Donor<T>>, S::Err> {
        let packed = Packed::new(centers.view());
        let top = self.stream.fold(
            Vec::new(),
            &|part: &Data<'_, T>, r: Range<usize>, off| {
                let chunk = part.window(r.clone());
                let x = chunk.x;
                let mut lab = vec![0u32; chunk.n()];
                lloyd_step(&chunk, &packed, &mut lab);
                farthest_chunk(&chunk, centers, &lab, 0..chunk.n(), m)
                    .into_iter()
                    .map(|(dist, i, ())| (dist, off + r.start + i, (lab[i], x.row(i).to_vec())))
                    .collect::<Vec<_>>()
            },
            &mut |acc: &mut Vec<Ranked<(u32, Vec<T>)>>, p| {
                p.into_iter().for_each(|c| insert_top(acc, c, m))
            },
        )?;
        Ok(top
            .into_iter()
            .map(|(_, index, (label, row))| Donor {
                index,
                label,
                row,
                weight: None,
            })
            .collect())
    }
}

/// Squared distances of the rows `r` of `part` to their nearest center of `chosen`
/// (the in-memory seeding's running minimum, recomputed) and the chunk's summary.
fn distances<T: Float>(
    part: &Data<'_, T>,
    r: Range<usize>,
    chosen: &[Vec<T>],
) -> (Vec<f64>, ChunkInfo) {
    let mut d2 = vec![f64::INFINITY; r.len()];
    let mut info = None;
    for c in chosen {
        info = Some(update_chunk(part, &mut d2, r.clone(), c));
    }
    (d2, info.expect("at least one center chosen"))
}

/// The merge of per-chunk lists.
fn extend<X>(a: &mut Vec<X>, b: Vec<X>) {
    a.extend(b)
}

/// Greedy k-means++ ([`super::init::kmeans_plus_plus`]) over a source.
fn plus_plus<T: Float, S: Source<T>>(
    s: &mut S,
    d: usize,
    summary: &Data<'_, T>,
    k: usize,
    rng: &mut Rng,
) -> Result<Mat<T>, S::Err> {
    let n = s.n();
    let first = rng.below(n);
    let mut chosen = fetch(s, &[first])?;
    // The chunks' summaries against the first center.
    let mut chunks: Vec<ChunkInfo> = s.fold(
        Vec::new(),
        &|part: &Data<'_, T>, r, _| vec![distances(part, r, &chosen).1],
        &mut extend,
    )?;
    let trials = 2 + (k as f64).ln().floor() as usize;
    while chosen.len() < k && !summary.stop.is_triggered() {
        let total: f64 = chunks.iter().map(|c| c.mass).sum();
        // Each candidate: a row drawn outright, or a walk inside one chunk.
        let draws: Vec<Draw> = (0..trials)
            .map(|_| {
                if total > 0.0 {
                    let u = rng.next_f64() * total;
                    let (c, cum) = locate_chunk(&chunks, u);
                    Draw::Walk { chunk: c, cum, u }
                } else {
                    Draw::Row(rng.below(n))
                }
            })
            .collect();
        let cands = locate_rows(s, &chosen, &draws)?;
        let cand_rows = Mat::from_vec(cands.concat(), trials, d)?;
        let packed = Packed::new(cand_rows.view());
        // Their potentials, and each one's chunk summaries were it chosen.
        type Acc = (Vec<f64>, Vec<Vec<ChunkInfo>>);
        let (pots, mut infos) = s.fold(
            (vec![0.0; trials], vec![Vec::new(); trials]),
            &|part: &Data<'_, T>, r: Range<usize>, _| {
                let (d2, _) = distances(part, r.clone(), &chosen);
                let xn: Vec<f64> = r.clone().map(|i| sq_norm(part.x.row(i))).collect();
                let pots = potentials(part, &xn, &d2, r.clone(), &packed, trials);
                let infos = (0..trials)
                    .map(|t| {
                        vec![update_chunk(
                            part,
                            &mut d2.clone(),
                            r.clone(),
                            cand_rows.row(t),
                        )]
                    })
                    .collect::<Vec<_>>();
                (pots, infos)
            },
            &mut |a: &mut Acc, b: Acc| {
                a.0.iter_mut().zip(b.0).for_each(|(a, b)| *a += b);
                a.1.iter_mut().zip(b.1).for_each(|(a, b)| a.extend(b));
            },
        )?;
        let mut best = 0;
        for t in 1..trials {
            if pots[t] < pots[best] {
                best = t;
            }
        }
        chosen.push(cand_rows.row(best).to_vec());
        chunks = std::mem::take(&mut infos[best]);
    }
    Ok(Mat::from_vec(chosen.concat(), chosen.len(), d)?)
}

/// A k-means++ candidate to find: a row index, or a walk of [`walk_chunk`].
#[derive(Clone, Copy)]
enum Draw {
    Row(usize),
    Walk { chunk: usize, cum: f64, u: f64 },
}

/// Rows found by a fold: `(slot, values)`.
type Found<T> = Vec<(usize, Vec<T>)>;

/// `found` in slot order (`slots` of them).
fn slotted<T: Float, E: From<Error>>(found: Found<T>, slots: usize) -> Result<Vec<Vec<T>>, E> {
    let mut out: Vec<Option<Vec<T>>> = vec![None; slots];
    for (slot, row) in found {
        out[slot] = Some(row);
    }
    // (Every index lies in 0..n, in exactly one chunk.)
    out.into_iter()
        .map(|v| v.ok_or_else(|| Error::data("a k-means++ candidate was not found").into()))
        .collect()
}

/// The values of the candidates `draws` (one pass).
fn locate_rows<T: Float, S: Source<T>>(
    s: &mut S,
    chosen: &[Vec<T>],
    draws: &[Draw],
) -> Result<Vec<Vec<T>>, S::Err> {
    let n = s.n();
    let found = s.fold(
        Vec::new(),
        &|part: &Data<'_, T>, r: Range<usize>, off| {
            let g = off + r.start..off + r.end;
            let mut out = Vec::new();
            for (slot, draw) in draws.iter().enumerate() {
                let i = match *draw {
                    Draw::Row(i) if g.contains(&i) => i - off,
                    Draw::Walk { chunk, cum, u } if chunk_rows(chunk, n) == g => {
                        let (d2, _) = distances(part, r.clone(), chosen);
                        walk_chunk(part, &d2, r.clone(), cum, u)
                    }
                    _ => continue,
                };
                out.push((slot, part.x.row(i).to_vec()));
            }
            out
        },
        &mut extend,
    )?;
    slotted(found, draws.len())
}

/// The values of the rows `rows` (one pass), in that order.
fn fetch<T: Float, S: Source<T>>(s: &mut S, rows: &[usize]) -> Result<Vec<Vec<T>>, S::Err> {
    let found = s.fold(
        Vec::new(),
        &|part: &Data<'_, T>, r: Range<usize>, off| {
            let g = off + r.start..off + r.end;
            (rows.iter().enumerate())
                .filter(|(_, i)| g.contains(i))
                .map(|(slot, &i)| (slot, part.x.row(i - off).to_vec()))
                .collect()
        },
        &mut extend,
    )?;
    slotted(found, rows.len())
}

/// Farthest-first ([`super::init::farthest_first`]) over a source.
fn farthest<T: Float, S: Source<T>>(
    s: &mut S,
    sc: &Scan<T>,
    summary: &Data<'_, T>,
    k: usize,
) -> Result<Mat<T>, S::Err> {
    let (n, d) = (s.n(), sc.d);
    let sums = s.fold(
        (vec![0.0; d], 0.0),
        &|part: &Data<'_, T>, r, _| weighted_sums(part, r),
        &mut merge_sums,
    )?;
    let mean: Vec<f64> = sums.0.iter().map(|s| s / sums.1).collect();
    // The nearest row: strictly nearer wins, so the fold keeps the lowest index on ties.
    let near = s.fold(
        (f64::INFINITY, usize::MAX, Vec::new()),
        &|part: &Data<'_, T>, r, off| {
            let (dist, i) = nearest_to(part, r, &mean);
            match i < part.n() {
                true => (dist, off + i, part.x.row(i).to_vec()),
                false => (f64::INFINITY, usize::MAX, Vec::new()),
            }
        },
        &mut |a: &mut Ranked<Vec<T>>, b| {
            if b.0 < a.0 {
                *a = b; // (as `keep_nearer`)
            }
        },
    )?;
    // (No weights: the fallback of the in-memory seeding is row 0.)
    let mut chosen = vec![if near.1 < n { near.2 } else { sc.first.clone() }];
    while chosen.len() < k && !summary.stop.is_triggered() {
        let best = s.fold(
            (-1.0, usize::MAX, Vec::new()),
            &|part: &Data<'_, T>, r, off| {
                let c = distances(part, r, &chosen).1;
                match c.argmax < part.n() {
                    true => (c.max, off + c.argmax, part.x.row(c.argmax).to_vec()),
                    false => (c.max, usize::MAX, Vec::new()),
                }
            },
            &mut |a: &mut Ranked<Vec<T>>, b| {
                if b.0 > a.0 {
                    *a = b;
                }
            },
        )?;
        chosen.push(if best.1 >= n {
            sc.first.clone()
        } else {
            best.2
        });
    }
    Ok(Mat::from_vec(chosen.concat(), chosen.len(), d)?)
}

/// The D², owners and chunk summary of the rows `r` of `part` (`off`: the index of its
/// first row) after the first center `first` and the sampling rounds `rounds`: the
/// in-memory k-means|| state of those rows, recomputed (each step is exact or the same
/// kernel on the same rows, so the values are those kept in memory).
fn replay<T: Float>(
    part: &Data<'_, T>,
    r: Range<usize>,
    off: usize,
    first: &[T],
    rounds: &[Round<T>],
) -> (Vec<f64>, Vec<u32>, ChunkInfo) {
    let mut d2 = vec![f64::INFINITY; r.len()];
    let mut own = vec![0u32; r.len()];
    let mut info = update_chunk(part, &mut d2, r.clone(), first);
    for round in rounds {
        info = round.nearest_chunk(part, &mut d2, &mut own, r.clone(), off);
    }
    (d2, own, info)
}

/// k-means|| ([`super::scalable::kmeans_parallel`]) over a source: the same draws (each
/// row's uniform is a counter of its index), rounds and reclustering. Passes: one to
/// fetch the first row and one for its chunk summaries, then per round one drawing the
/// candidates and (but after the last) one for the next summaries, then one for the
/// candidates' weights; no per-row state is kept.
fn parallel<T: Float, S: Source<T>>(
    s: &mut S,
    d: usize,
    summary: &Data<'_, T>,
    k: usize,
    rng: &mut Rng,
) -> Result<Mat<T>, S::Err> {
    let (n, set) = (s.n(), SETTINGS);
    let first_index = rng.below(n);
    let mut rows = fetch(s, &[first_index])?;
    let first = rows[0].clone();
    let mut rounds: Vec<Round<T>> = Vec::new();
    let mut chunks = summaries(s, &first, &rounds)?;
    let mut sample = None;
    let done = |rows: &[Vec<T>]| Mat::from_vec(rows.concat(), rows.len(), d);
    for (round, &factor) in set.oversampling.iter().enumerate() {
        if summary.stop.is_triggered() {
            return Ok(done(&rows)?);
        }
        let ell = factor * k as f64;
        let phi: f64 = chunks.iter().map(|c| c.mass).sum();
        let key = rng.next_u64();
        if !(phi > 0.0 && phi.is_finite()) {
            break;
        }
        let drawn: Vec<Vec<T>> = s.fold(
            Vec::new(),
            &|part: &Data<'_, T>, r: Range<usize>, off| {
                let (d2, _, _) = replay(part, r.clone(), off, &first, &rounds);
                (draw_chunk(part, &d2, r, off, ell / phi, key).into_iter())
                    .map(|i| part.x.row(i).to_vec())
                    .collect()
            },
            &mut extend,
        )?;
        if drawn.is_empty() || rows.len() + drawn.len() > u32::MAX as usize {
            continue;
        }
        let base = rows.len() as u32;
        if round + 1 == set.oversampling.len() && set.weight_sample < 1.0 {
            sample = Some((rng.next_u64(), set.weight_sample));
        }
        let cands = Mat::from_vec(drawn.concat(), drawn.len(), d)?;
        rows.extend(drawn);
        rounds.push(Round::new(cands, base, sample));
        if round + 1 < set.oversampling.len() {
            chunks = summaries(s, &first, &rounds)?;
        }
    }
    if summary.stop.is_triggered() {
        return Ok(done(&rows)?);
    }
    let m = rows.len();
    let weights = s.fold(
        vec![0.0; m],
        &|part: &Data<'_, T>, r: Range<usize>, off| {
            let (_, own, _) = replay(part, r.clone(), off, &first, &rounds);
            weights_chunk(part, &own, r, off, m, sample)
        },
        &mut add_into,
    )?;
    match recluster(n, done(&rows)?, &weights, k, rng, set) {
        Some(c) => Ok(c),
        None => plus_plus(s, d, summary, k, rng),
    }
}

/// The chunk summaries after the first center and `rounds` (one pass).
fn summaries<T: Float, S: Source<T>>(
    s: &mut S,
    first: &[T],
    rounds: &[Round<T>],
) -> Result<Vec<ChunkInfo>, S::Err> {
    s.fold(
        Vec::new(),
        &|part: &Data<'_, T>, r, off| vec![replay(part, r, off, first, rounds).2],
        &mut extend,
    )
}
