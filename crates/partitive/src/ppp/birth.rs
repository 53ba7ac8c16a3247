//! Births: dense cores the k-means path never proposed.
//!
//! The nested k-means path splits along the directions of largest spread, so a small core
//! far denser than its surroundings — the sharp centre of a spiked cluster in many
//! dimensions, where a few percent of the rows lie within a fraction of the spread of the
//! rest — is never given a centre of its own: its rows are a negligible share of any
//! cluster's SSE. The selected mixture then has no component near it, or a wide one, and
//! no merge can recover a mode that no component models (two spikes in 64–128-D: one
//! cluster, bench/ppp/README.md, session 25).
//!
//! After the selection (above [`GRAPH_MAX_DIM`](super::merge::GRAPH_MAX_DIM) columns, on
//! the first sample's search), the modes of the fit sample's own k-nearest-neighbour
//! density — rows whose [`BIRTH_K`]-th neighbour is nearer than every neighbour's, in the
//! pooled-covariance whitened coordinates of [`super::graph::whiten`] — are tried as new
//! components, densest first: the row and its neighbours become a component of the
//! selected mixture's hard partition, and EM runs from there. A birth is kept when
//!
//! - its BIC is lower by more than [`BIRTH_MARGIN`] than both the mixture it extends and
//!   EM restarted from the same partition without it (a restart that merely lands in a
//!   better optimum is not credited to the core), and
//! - the born component towers over what the mixture said at its seed: the log density
//!   there rises by more than `SPAN × d`, twice the rise by which [`super::halo`] calls a
//!   peak a core on top of its halo. Spike cores the proposals missed rise by 0.3–0.7 · d
//!   (d = 4…128); a birth that only splits the core of a heavy-tailed cluster in two
//!   (Student t in 128-D) rises by 0.09 · d, and one that sharpens the dense corner of a
//!   log-normal cluster in 8-D by 0.2 · d — kept at half the bound, that corner became a
//!   cluster and stranded two arm tips (bench/ppp/README.md, session 25).
//!
//! The first birth that fails ends the search; a mode whose row the mixture already gives
//! to a born component is skipped; at most [`BIRTH_MAX`] are kept. This is the birth move
//! of split-and-merge EM (N. Ueda, R. Nakano, Z. Ghahramani, G. E. Hinton, *SMEM algorithm
//! for mixture models*, Neural Computation 12(9), 2000, doi:10.1162/089976600300015088),
//! seeded at density modes rather than by splitting a component; the mixture's BIC stays
//! the judge, as everywhere in PPP. Deterministic: the fit sample is in hash order, ties
//! go to the lower row, and nothing depends on the thread count.

use super::graph::whiten;
use super::knn::{knn, sq_dist};
use super::merge::log_density;
use super::reproduce::components;
use super::select::{fit_mixture, EmFit, FitData};
use super::tail::SPAN;
use super::PppParams;
use crate::matrix::Mat;

/// Neighbours that define a row's density and seed a born component (the row and its
/// `BIRTH_K` nearest rows).
pub const BIRTH_K: usize = 10;

/// At most this many births are kept.
pub const BIRTH_MAX: usize = 8;

/// Rows of the fit sample whose neighbours are searched (the first rows, in hash order;
/// `O(m² d)`).
pub const BIRTH_ROWS: usize = 4_000;

/// A birth must lower the BIC by more than this (against the mixture it extends and
/// against the restart without it): "very strong" evidence on the scale of R. E. Kass,
/// A. E. Raftery, *Bayes factors*, JASA 90(430), 1995, doi:10.1080/01621459.1995.10476572
/// (twice the log Bayes factor above 10).
pub const BIRTH_MARGIN: f64 = 10.0;

/// The outcome of the birth search.
pub(crate) struct Births {
    pub fit: EmFit,
    pub bic: f64,
    /// Components born (and kept).
    pub born: usize,
}

/// The modes of the kNN density among the first `BIRTH_ROWS` rows, densest first: each
/// with its `BIRTH_K` neighbours.
fn modes(fit: &EmFit, x: &Mat<f64>) -> Vec<(usize, Vec<usize>)> {
    let m0 = x.n_rows().min(BIRTH_ROWS);
    if m0 <= 2 * BIRTH_K {
        return Vec::new();
    }
    let head = Mat::from_vec(x.as_slice()[..m0 * x.n_cols()].to_vec(), m0, x.n_cols())
        .expect("sizes match");
    let (z, _) = whiten(&fit.mixture, &head);
    let nn = knn(&z, BIRTH_K);
    let r2: Vec<f64> = (0..m0)
        .map(|i| sq_dist(z.row(i), z.row(nn.of(i)[nn.k - 1])))
        .collect();
    let mut out: Vec<(usize, Vec<usize>)> = (0..m0)
        .filter(|&i| nn.of(i).iter().all(|&j| (r2[i], i) < (r2[j], j)))
        .map(|i| (i, nn.of(i).to_vec()))
        .collect();
    out.sort_by(|a, b| r2[a.0].total_cmp(&r2[b.0]).then(a.0.cmp(&b.0)));
    out
}

/// Tries births on the selected mixture `best` (BIC `best_bic`); `None` when none pays.
pub(crate) fn births(
    fd: &FitData<'_>,
    p: &PppParams,
    best: &EmFit,
    best_bic: f64,
) -> crate::error::Result<Option<Births>> {
    let (m, d) = (fd.x.n_rows(), fd.shift.len());
    let kind = best.mixture.covariance_type;
    let seeds = modes(best, fd.x);
    let mut cur: Option<Births> = None;
    let mut born_comps: Vec<usize> = Vec::new();
    for (seed, nbrs) in seeds {
        p.interrupt.check()?;
        if cur.as_ref().is_some_and(|c| c.born >= BIRTH_MAX) {
            break;
        }
        let (fit, bic) = cur.as_ref().map_or((best, best_bic), |c| (&c.fit, c.bic));
        let top = components(&fit.mixture, fd.x, None);
        if top[seed].is_some_and(|c| born_comps.contains(&c)) {
            continue;
        }
        let k = fit.mixture.params.weights.len();
        // Rows whose density underflows go to component 0 (as EM would weigh them).
        let mut labels: Vec<usize> = top.into_iter().map(|c| c.unwrap_or(0)).collect();
        let control = fit_mixture(fd, &labels, k, kind, p).map(|f| f.bic(m));
        for &i in std::iter::once(&seed).chain(&nbrs) {
            labels[i] = k;
        }
        let Some(trial) = fit_mixture(fd, &labels, k + 1, kind, p) else {
            break;
        };
        let tb = trial.bic(m);
        // The born component must tower over what the mixture said at its seed (module
        // doc): its log density there rises by more than `SPAN × d`.
        let one = Mat::from_vec(fd.x.row(seed).to_vec(), 1, d).expect("one row");
        let gain = log_density(&trial.mixture, &one)[0] - log_density(&fit.mixture, &one)[0];
        let pays = tb + BIRTH_MARGIN < bic && control.is_none_or(|c| tb + BIRTH_MARGIN < c);
        if !(gain > SPAN * d as f64 && pays) {
            break;
        }
        if trial.mixture.params.weights.len() != k + 1 {
            break; // a component was dropped: not a birth
        }
        born_comps.push(k);
        let born = cur.as_ref().map_or(0, |c| c.born) + 1;
        cur = Some(Births {
            fit: trial,
            bic: tb,
            born,
        });
    }
    Ok(cur)
}
