//! FastCLARA ([`super::clara`]) over rows spread across the ranks of a job
//! ([`crate::distributed`]).
//!
//! The samples are drawn as in one process (the same seeded streams, over the global
//! row indices); the rows of a sample are gathered from the ranks that hold them, so
//! every rank clusters the same `s × s` dissimilarities with BUILD + FasterPAM. A
//! sample's score — the loss over all objects — is the same per-chunk kernel as in
//! memory, each rank computing the chunks of its rows against the gathered medoid rows,
//! the chunk sums gathered and added in global chunk order. So medoids, losses and
//! labels are bitwise those of [`ClaraParams::fit_data`] for any number of ranks and
//! threads.

use super::clara::{chunk_loss, nearest, ClaraParams, Objects};
use super::result::{finish_losses, KMedoidsResult};
use crate::dissimilarity::{materialize, unit_exponent_of, Metric, MetricDissimilarity, Scaled};
use crate::distributed::{all_gather, tiling, Exchange};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use crate::parallel::{for_each_chunk_mut, map_reduce_chunks};

impl ClaraParams {
    /// FastCLARA on rows spread across the ranks of a job: this rank holds the rows
    /// `x`, rows `first_row..first_row + x.n_rows()` of the whole. The ranks' rows must
    /// tile the whole in rank order, each rank's starting at a multiple of
    /// [`crate::parallel::CHUNK_ROWS`] (a rank may hold none). Every rank calls this
    /// with the same parameters and gets the same medoids (global row indices), loss
    /// and diagnostics, bitwise those of [`Self::fit_data`] on the whole, for any
    /// number of ranks and threads; [`KMedoidsResult::labels`] holds the labels of
    /// **this rank's rows** only.
    ///
    /// # Errors
    /// As [`Self::fit_data`], the same on every rank; misplaced rows are
    /// [`crate::ErrorKind::InvalidParameter`] errors of `rows`.
    pub fn fit_distributed<T: Float, X: Exchange + ?Sized>(
        &self,
        x: MatRef<'_, T>,
        first_row: usize,
        metric: Metric,
        exchange: &X,
    ) -> Result<KMedoidsResult> {
        let (n, d) = tiling(exchange, first_row, x.n_rows(), x.n_cols())?;
        if n == 0 || d == 0 {
            return Err(Error::data("data matrix is empty"));
        }
        // The checks of `MetricDissimilarity::new` and `ClaraParams::fit`, in order.
        let s = x.as_slice();
        let bad = s
            .iter()
            .position(|v| !v.is_finite())
            .map(|p| (first_row * d + p, s[p].as_f64()));
        let amax = crate::scale::max_abs(s);
        let all = all_gather(exchange, &(bad, amax));
        if let Some((p, v)) = all.iter().find_map(|a| a.0) {
            return Err(Error::data(format!(
                "non-finite value {v} at row {}, column {}",
                p / d,
                p % d
            )));
        }
        let amax = all.iter().fold(0.0f64, |a, b| a.max(b.1));
        self.validate()?;
        let k = self.n_medoids();
        if k > n {
            return Err(Error::param(
                "k",
                format!("k = {k} exceeds the number of objects {n}"),
            ));
        }
        let e = unit_exponent_of::<T>(Some(metric.bound_log2(amax, d)), n).unwrap_or(0);
        let mut objects = Ranks {
            x,
            off: first_row,
            n,
            metric,
            e,
            ex: exchange,
        };
        let mut r = self.run(&mut objects)?;
        let medoids = r.medoids.clone();
        let rows = objects.fetch(&medoids);
        let dist = objects.distance(&medoids, &rows);
        let mut labels = vec![0usize; x.n_rows()];
        for_each_chunk_mut(&mut labels, 1, |range, out| {
            for (o, l) in range.zip(out.iter_mut()) {
                *l = nearest(k, |s| dist(o, s)).0;
            }
        });
        for (s, &m) in medoids.iter().enumerate() {
            if (first_row..first_row + x.n_rows()).contains(&m) {
                labels[m - first_row] = s;
            }
        }
        r.labels = labels;
        let zero = T::zero();
        Ok(finish_losses(r, e, |s, t| {
            metric.value_scaled(rows.row(s), rows.row(t), e) == zero
        }))
    }
}

/// This rank's rows `x` (rows `off..` of the `n`), and how dissimilarities are computed
/// (`metric`, times `2^e`).
struct Ranks<'x, 'e, T, X: ?Sized> {
    x: MatRef<'x, T>,
    off: usize,
    n: usize,
    metric: Metric,
    e: i32,
    ex: &'e X,
}

impl<T: Float, X: Exchange + ?Sized> Ranks<'_, '_, T, X> {
    /// The rows `ids` (global indices), gathered from the ranks that hold them, in the
    /// order of `ids` (exact: `f32` and `f64` travel as `f64`).
    fn fetch(&self, ids: &[usize]) -> Mat<T> {
        let d = self.x.n_cols();
        let mine = self.off..self.off + self.x.n_rows();
        let local: Vec<(usize, Vec<f64>)> = ids
            .iter()
            .enumerate()
            .filter(|(_, i)| mine.contains(i))
            .map(|(p, &i)| {
                let row = self.x.row(i - self.off).iter().map(|v| v.as_f64());
                (p, row.collect())
            })
            .collect();
        let mut out = vec![T::zero(); ids.len() * d];
        for (p, row) in all_gather(self.ex, &local).into_iter().flatten() {
            for (o, v) in out[p * d..(p + 1) * d].iter_mut().zip(row) {
                *o = T::of_f64(v);
            }
        }
        Mat::from_vec(out, ids.len(), d).expect("ids × d values")
    }

    /// The dissimilarity of this rank's row `o` to medoid `s` (of rows `rows`), as the
    /// in-memory source gives it (0 for the medoid itself).
    fn distance<'a>(
        &'a self,
        medoids: &'a [usize],
        rows: &'a Mat<T>,
    ) -> impl Fn(usize, usize) -> T + Sync + 'a {
        let (x, off, metric, e) = (self.x, self.off, self.metric, self.e);
        move |o, s| {
            if off + o == medoids[s] {
                T::zero()
            } else {
                metric.value_scaled(x.row(o), rows.row(s), e)
            }
        }
    }
}

impl<T: Float, X: Exchange + ?Sized> Objects for Ranks<'_, '_, T, X> {
    type Value = T;

    fn n(&self) -> usize {
        self.n
    }

    fn sample(&mut self, ids: &[usize]) -> Result<Mat<T>> {
        let rows = self.fetch(ids);
        let md = MetricDissimilarity::new(rows.view(), self.metric)?;
        match self.e {
            0 => materialize(&md),
            e => materialize(&Scaled::new(&md, e)),
        }
    }

    fn loss(&mut self, medoids: &[usize]) -> Result<f64> {
        let rows = self.fetch(medoids);
        let dist = self.distance(medoids, &rows);
        let local = map_reduce_chunks(
            self.x.n_rows(),
            Vec::new(),
            |r| vec![chunk_loss(r, medoids.len(), &dist)],
            |a: &mut Vec<f64>, b| a.extend(b),
        );
        let mut acc = 0.0f64;
        for p in all_gather(self.ex, &local).into_iter().flatten() {
            acc += p;
        }
        Ok(acc)
    }
}
