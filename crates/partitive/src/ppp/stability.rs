//! How stable the partition is: the structure search (steps 1–4) run again on two
//! deterministic halves of the fit sample — its rows at even and at odd positions in hash
//! order, so the halves do not depend on the row order — and the three models compared on
//! the rows of the whole fit sample.
//!
//! A partition that the data determine comes back from either half: the same k and labels
//! that agree with the whole's (adjusted Rand index near 1). Where the data admit several
//! partitions of similar likelihood (overlapping classes such as handwritten digits), the
//! halves choose differently and the agreement drops, even when every point's posterior
//! confidence under the one selected mixture is high. This is the subsampling view of
//! cluster validation (Lange, Roth, Braun & Buhmann, *Stability-based validation of
//! clustering solutions*, Neural Computation 16(6), 2004, doi:10.1162/089976604773717621;
//! Ben-Hur, Elisseeff & Guyon, *A stability based method for discovering structure in
//! clustered data*, PSB 2002), with halves fixed by the content hash instead of drawn at
//! random, so that the score has no seed.

use super::fit::{structure, Structure};
use super::params::PppParams;
use super::result::{PppModel, PppStability};
use super::sample::FitSample;
use crate::error::Result;
use crate::matrix::Mat;

/// Half `h` of the fit sample `x` (0: the rows at even positions in hash order, 1: at
/// odd ones), restricted to the rows `keep` accepts: their indices and a copy of them.
pub(super) fn half(x: &Mat<f64>, h: usize, keep: impl Fn(usize) -> bool) -> (Vec<usize>, Mat<f64>) {
    let rows: Vec<usize> = (h..x.n_rows()).step_by(2).filter(|&i| keep(i)).collect();
    let mut v = Vec::with_capacity(rows.len() * x.n_cols());
    for &i in &rows {
        v.extend_from_slice(x.row(i));
    }
    let n = rows.len();
    (rows, Mat::from_vec(v, n, x.n_cols()).expect("whole rows"))
}

/// The stability of `model`, fitted on the fit sample `sample` (rows of the kept columns
/// `cols` of `d`, in hash order, in the data's units) of `n` rows. `None` when the sample
/// has fewer than 4 rows (no halves to fit).
pub(crate) fn stability(
    p: &PppParams,
    n: usize,
    d: usize,
    cols: &[usize],
    sample: &Mat<f64>,
    model: &PppModel,
) -> Result<Option<PppStability>> {
    let m = sample.n_rows();
    if m < 4 || model.mixture.is_none() {
        return Ok(None);
    }
    // The sample's rows with every input column (the dropped constant columns are not
    // read by the models): what `assign_chunk` takes.
    let mut whole = Mat::filled(m, d, 0.0);
    for i in 0..m {
        let (src, dst) = (sample.row(i), whole.row_mut(i));
        for (jj, &j) in cols.iter().enumerate() {
            dst[j] = src[jj];
        }
    }
    let reference = model.assign_chunk(whole.view())?.labels;
    let mut half_k = [0; 2];
    let mut agreement = 0.0;
    for (h, k_out) in half_k.iter_mut().enumerate() {
        let (_, half) = half(sample, h, |_| true);
        let mh = half.n_rows();
        // Each half is searched as data of `mh` rows whose fit sample holds them all (so
        // it cannot grow, and the many-cluster search runs on it where the sweep presses
        // against its cap); a minimum cluster size keeps its share of the rows.
        let min_size = p
            .min_cluster_size
            .map(|s| ((s as f64 * mh as f64 / n as f64).ceil() as usize).max(1));
        let half_params = p.clone().stability(false).min_cluster_size(min_size);
        let again = half.clone();
        let st: Structure = structure(
            &half_params,
            mh,
            d,
            cols.to_vec(),
            Some(FitSample { x: half }),
            &mut |_| Ok(FitSample { x: again.clone() }),
            &mut |_| {},
        )?;
        *k_out = st.model.n_clusters;
        let labels = st.model.assign_chunk(whole.view())?.labels;
        agreement += crate::metrics::adjusted_rand_index(&reference, &labels)? / 2.0;
    }
    Ok(Some(PppStability { half_k, agreement }))
}

#[cfg(test)]
pub(super) mod tests {
    use crate::matrix::Mat;
    use crate::ppp::Ppp;
    use crate::rng::Rng;

    /// Three unit Gaussians 12 apart in 2-D, 400 points each.
    pub(in crate::ppp) fn blobs() -> Mat<f64> {
        let mut rng = Rng::new(31);
        let mut v = Vec::new();
        for c in [(0.0, 0.0), (12.0, 0.0), (0.0, 12.0)] {
            for _ in 0..400 {
                v.extend([c.0 + rng.normal(), c.1 + rng.normal()]);
            }
        }
        Mat::from_vec(v, 1200, 2).unwrap()
    }

    #[test]
    fn separated_clusters_are_stable_and_off_by_default() {
        let x = blobs();
        assert!(Ppp::params().fit(x.view()).unwrap().stability.is_none());
        let r = Ppp::params().stability(true).fit(x.view()).unwrap();
        let s = r.stability.unwrap();
        assert_eq!(r.k, 3);
        assert_eq!(s.half_k, [3, 3]);
        assert!(s.agreement > 0.99, "{}", s.agreement);
        // The labels do not change when stability is measured.
        assert_eq!(r.labels, Ppp::params().fit(x.view()).unwrap().labels);
    }

    #[test]
    fn a_uniform_cube_is_unstable_whatever_the_row_order() {
        // No cluster structure: mixtures cut the cube differently on each half.
        let (n, d) = (3000, 4);
        let mut rng = Rng::new(32);
        let v: Vec<f64> = (0..n * d).map(|_| rng.next_f64()).collect();
        let x = Mat::from_vec(v, n, d).unwrap();
        let r = Ppp::params().stability(true).fit(x.view()).unwrap();
        let s = r.stability.unwrap();
        assert!(s.agreement < 0.8, "{s:?} with k = {}", r.k);
        let mut perm: Vec<usize> = (0..n).collect();
        Rng::new(33).shuffle(&mut perm);
        let mut w = Vec::new();
        for &i in &perm {
            w.extend_from_slice(x.row(i));
        }
        let y = Mat::from_vec(w, n, d).unwrap();
        let b = Ppp::params().stability(true).fit(y.view()).unwrap();
        assert_eq!(b.stability, r.stability);
    }
}
