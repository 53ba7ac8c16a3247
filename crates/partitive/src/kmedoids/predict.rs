//! Labelling new rows with fitted medoids: each row goes to its nearest medoid (lowest
//! index on ties), with the dissimilarity computed exactly as the fit computed it — so the
//! training rows get the fit's labels back.

use super::result::KMedoidsResult;
use crate::dissimilarity::{Gower, Metric};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use crate::parallel::par_vec;

/// A k-medoids fit on rows ([`Fit`](crate::estimator::Fit) of
/// [`KMedoidsParams`](super::KMedoidsParams) or [`ClaraParams`](super::ClaraParams) on a
/// [`MatRef`]): the result with the medoids' rows and the metric, so that new rows can be
/// labelled ([`predict`](Self::predict): the training rows get the fit's labels back).
#[derive(Debug, Clone, PartialEq)]
pub struct KMedoidsModel<T> {
    /// The fit (medoid indices, labels, loss, diagnostics).
    pub result: KMedoidsResult,
    /// The medoids' rows, `k × d`, in slot order.
    pub medoid_rows: Mat<T>,
    /// The metric of the fit.
    pub metric: Metric,
}

impl<T: Float> KMedoidsModel<T> {
    /// The model of `result`, fitted on the rows `x` under `metric`.
    pub(crate) fn new(result: KMedoidsResult, x: MatRef<'_, T>, metric: Metric) -> Result<Self> {
        let rows: Vec<T> = result
            .medoids
            .iter()
            .flat_map(|&m| x.row(m).to_vec())
            .collect();
        let medoid_rows = Mat::from_vec(rows, result.medoids.len(), x.n_cols())?;
        Ok(KMedoidsModel {
            result,
            medoid_rows,
            metric,
        })
    }

    crate::estimator::inherent_predict!();
}

/// The nearest of the `medoids` rows for every row of `x` under `metric`; distances are
/// rounded to `T` as [`MetricDissimilarity`](crate::dissimilarity::MetricDissimilarity)
/// rounds them, ties go to the lowest medoid index.
///
/// # Errors
/// No medoid; a column count that differs; non-finite values.
pub fn assign_to_medoids<T: Float>(
    x: MatRef<'_, T>,
    medoids: MatRef<'_, T>,
    metric: Metric,
) -> Result<Vec<usize>> {
    check(x.n_cols(), medoids)?;
    x.check_finite()?;
    Ok(par_vec(x.n_rows(), |i| {
        let row = x.row(i);
        argmin((0..medoids.n_rows()).map(|m| T::of_f64(metric.distance(row, medoids.row(m)))))
    }))
}

/// The nearest of the `medoids` rows for every row of `x` under Gower's dissimilarity
/// with the training `categorical` flags and numeric `ranges` (categorical cells hold
/// category codes; a code no medoid has, such as −1 for a category unseen in training,
/// differs from every medoid).
///
/// # Errors
/// No medoid; lengths that differ; non-finite values; a negative range.
pub fn assign_to_medoids_gower(
    x: MatRef<'_, f64>,
    medoids: MatRef<'_, f64>,
    categorical: &[bool],
    ranges: &[f64],
) -> Result<Vec<usize>> {
    check(x.n_cols(), medoids)?;
    x.check_finite()?;
    let g = Gower::new(medoids, categorical, Some(ranges))?;
    Ok(par_vec(x.n_rows(), |i| {
        let row = x.row(i);
        argmin((0..medoids.n_rows()).map(|m| g.between(row, medoids.row(m))))
    }))
}

fn check<T: Float>(d: usize, medoids: MatRef<'_, T>) -> Result<()> {
    if medoids.n_rows() == 0 {
        return Err(Error::param("medoids", "no medoid given"));
    }
    if medoids.n_cols() != d {
        return Err(Error::shape("medoids (columns = d)", d, medoids.n_cols()));
    }
    medoids
        .check_finite()
        .map_err(|e| Error::param("medoids", e.to_string()))
}

/// Index of the smallest value; the lowest index wins ties.
fn argmin<T: PartialOrd + Copy>(mut v: impl Iterator<Item = T>) -> usize {
    let Some(mut best) = v.next() else { return 0 };
    let mut at = 0;
    for (i, x) in v.enumerate() {
        if x < best {
            best = x;
            at = i + 1;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissimilarity::MetricDissimilarity;
    use crate::kmedoids::KMedoids;
    use crate::matrix::Mat;

    #[test]
    fn training_rows_get_the_fit_labels() {
        let rows: Vec<[f32; 2]> = (0..200)
            .map(|i| {
                let t = i as f32 * 0.37;
                [
                    (t.sin() * 3.0) + (i % 3) as f32 * 5.0,
                    t.cos() + (i % 5) as f32,
                ]
            })
            .collect();
        let x = Mat::from_rows(&rows);
        for metric in [
            Metric::Euclidean,
            Metric::Manhattan,
            Metric::Cosine,
            Metric::Chebyshev,
        ] {
            let d = MetricDissimilarity::new(x.view(), metric).unwrap();
            let r = KMedoids::params(4).fit(&d).unwrap();
            let med: Vec<f32> = r.medoids.iter().flat_map(|&m| x.row(m).to_vec()).collect();
            let med = MatRef::new(&med, 4, 2).unwrap();
            assert_eq!(
                assign_to_medoids(x.view(), med, metric).unwrap(),
                r.labels,
                "{metric:?}"
            );
        }
        assert!(assign_to_medoids(
            x.view(),
            MatRef::new(&[0.0f32; 3], 1, 3).unwrap(),
            Metric::Euclidean
        )
        .is_err());
    }

    #[test]
    fn gower_ties_and_unseen_codes() {
        let medoids = Mat::from_rows(&[[0.0, 0.0], [10.0, 1.0]]);
        let x = Mat::from_rows(&[[5.0, 0.0], [5.0, -1.0], [9.0, 1.0]]);
        let l = assign_to_medoids_gower(x.view(), medoids.view(), &[false, true], &[10.0, 0.0])
            .unwrap();
        assert_eq!(
            l,
            [0, 0, 1],
            "a tie goes to the first medoid; -1 matches none"
        );
    }
}
