//! Mixture parameters and their precision Cholesky factors, with the regularisation
//! that keeps every factor finite.
//!
//! Convention (as in scikit-learn): for a covariance `Σ = L Lᵀ` (lower Cholesky factor)
//! the *precision Cholesky factor* is the upper-triangular `U = L⁻ᵀ`, so that
//! `Σ⁻¹ = U Uᵀ` and the squared Mahalanobis distance is `‖(x − μ)ᵀ U‖²`.

use crate::matrix::Mat;

/// The shape of the component covariances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum CovarianceType {
    /// One full `d × d` covariance per component.
    Full,
    /// One diagonal covariance (`d` variances) per component.
    Diag,
    /// One variance per component (`σ²·I`).
    Spherical,
    /// One full `d × d` covariance shared by all components.
    Tied,
}

impl CovarianceType {
    /// All four types, in the order full, diag, spherical, tied.
    pub const ALL: [CovarianceType; 4] = [
        CovarianceType::Full,
        CovarianceType::Diag,
        CovarianceType::Spherical,
        CovarianceType::Tied,
    ];

    /// The name scikit-learn uses (`"full"`, `"diag"`, `"spherical"`, `"tied"`).
    pub fn name(self) -> &'static str {
        match self {
            CovarianceType::Full => "full",
            CovarianceType::Diag => "diag",
            CovarianceType::Spherical => "spherical",
            CovarianceType::Tied => "tied",
        }
    }

    /// Parses a name as written by [`CovarianceType::name`]; `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        CovarianceType::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Free parameters of a `k`-component mixture in `d` dimensions (weights, means and
    /// covariances), as counted for BIC/AIC.
    pub fn n_parameters(self, k: usize, d: usize) -> usize {
        let cov = match self {
            CovarianceType::Full => k * d * (d + 1) / 2,
            CovarianceType::Diag => k * d,
            CovarianceType::Spherical => k,
            CovarianceType::Tied => d * (d + 1) / 2,
        };
        cov + k * d + k - 1
    }
}

impl std::fmt::Display for CovarianceType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Component covariances, one variant per [`CovarianceType`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Covariances {
    /// `k` full `d × d` matrices.
    Full(Vec<Mat<f64>>),
    /// `k × d` variances (row `k` = diagonal of component `k`).
    Diag(Mat<f64>),
    /// `k` variances.
    Spherical(Vec<f64>),
    /// One shared `d × d` matrix.
    Tied(Mat<f64>),
}

impl Covariances {
    /// The covariance type of these covariances.
    pub fn covariance_type(&self) -> CovarianceType {
        match self {
            Covariances::Full(_) => CovarianceType::Full,
            Covariances::Diag(_) => CovarianceType::Diag,
            Covariances::Spherical(_) => CovarianceType::Spherical,
            Covariances::Tied(_) => CovarianceType::Tied,
        }
    }
}

/// Precision Cholesky factors `U` (upper triangular, `Σ⁻¹ = U Uᵀ`), shaped like
/// [`Covariances`]; for diagonal and spherical types they are `1/σ`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum PrecisionCholesky {
    /// `k` upper-triangular `d × d` factors.
    Full(Vec<Mat<f64>>),
    /// `k × d` values `1/σ_kj`.
    Diag(Mat<f64>),
    /// `k` values `1/σ_k`.
    Spherical(Vec<f64>),
    /// One shared upper-triangular `d × d` factor.
    Tied(Mat<f64>),
}

/// The parameters of a Gaussian mixture: weights, means and covariances.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GmmParameters {
    /// Mixing weights (`k`, summing to one).
    pub weights: Vec<f64>,
    /// Component means (`k × d`).
    pub means: Mat<f64>,
    /// Component covariances.
    pub covariances: Covariances,
}

/// A covariance that had to be made positive definite beyond `reg_covar`.
#[derive(Debug, Clone, PartialEq)]
pub struct RegularizationEvent {
    /// EM iteration (0 = initial parameters).
    pub iteration: usize,
    /// The component (`None` for the tied covariance).
    pub component: Option<usize>,
    /// The amount added to the diagonal (variances floored at this value for the
    /// diagonal and spherical types).
    pub added: f64,
}

/// Factors of all components plus what had to be regularised.
#[derive(Debug, Clone)]
pub(crate) struct Factored {
    pub chol: PrecisionCholesky,
    /// `Σ_j ln U_jj` per component (= −½ ln det Σ); one entry for the tied type.
    pub log_det: Vec<f64>,
    /// `(component, added)` for each covariance that needed extra regularisation.
    pub fixes: Vec<(Option<usize>, f64)>,
}

impl Factored {
    /// Factors already computed (`d` = dimension); recomputes the log-determinants.
    pub fn from_chol(chol: &PrecisionCholesky, d: usize) -> Self {
        let tri = |u: &Mat<f64>| (0..d).map(|j| u.row(j)[j].ln()).sum::<f64>();
        let log_det = match chol {
            PrecisionCholesky::Full(us) => us.iter().map(tri).collect(),
            PrecisionCholesky::Tied(u) => vec![tri(u)],
            PrecisionCholesky::Diag(p) => (0..p.n_rows())
                .map(|c| p.row(c).iter().map(|v| v.ln()).sum())
                .collect(),
            PrecisionCholesky::Spherical(p) => p.iter().map(|v| d as f64 * v.ln()).collect(),
        };
        Factored {
            chol: chol.clone(),
            log_det,
            fixes: Vec::new(),
        }
    }
}

/// Smallest variance a factor may rest on: a tiny fraction of the data scale.
fn floor_for(scale: f64) -> f64 {
    (scale * 1e-12).max(1e-300)
}

/// Factors a symmetric `d × d` covariance in place (row-major), adding a growing
/// multiple of the identity until it is positive definite. Returns the upper factor
/// `U = L⁻ᵀ`, `Σ ln U_jj` and the amount added (0 when none was needed).
fn factor_full(cov: &mut Mat<f64>, scale: f64) -> (Mat<f64>, f64, f64) {
    let d = cov.n_rows();
    let mut added = 0.0;
    if cov.as_slice().iter().any(|v| !v.is_finite()) {
        // Cannot happen with finite data; keep the promise of finite outputs anyway.
        let v = scale.max(floor_for(scale));
        *cov = Mat::filled(d, d, 0.0);
        for j in 0..d {
            cov.row_mut(j)[j] = v;
        }
        added = v;
    }
    let mean_diag = (0..d).map(|j| cov.row(j)[j].abs()).sum::<f64>() / d as f64;
    let mut jitter = (mean_diag * 1e-10).max(floor_for(scale));
    // Bounded: the jitter grows tenfold per attempt, so 40 attempts reach 10³⁰ × the mean
    // variance; a matrix still not factored (only possible with overflowing entries)
    // is replaced by an isotropic one rather than looping on.
    for _ in 0..40 {
        if !jitter.is_finite() {
            break;
        }
        let a = faer::MatRef::from_row_major_slice(cov.as_slice(), d, d);
        if let Ok(llt) = a.llt(faer::Side::Lower) {
            let l = llt.L();
            // A pivot below the variance floor counts as singular, as for diagonals.
            let floor = floor_for(scale);
            let ok = (0..d).all(|j| l[(j, j)].is_finite() && l[(j, j)] * l[(j, j)] >= floor);
            if ok {
                let mut linv = faer::Mat::<f64>::zeros(d, d);
                faer::linalg::triangular_inverse::invert_lower_triangular(
                    linv.as_mut(),
                    l,
                    faer::Par::Seq,
                );
                // U = L⁻ᵀ, stored row-major.
                let mut u = Mat::filled(d, d, 0.0);
                for i in 0..d {
                    for j in i..d {
                        u.row_mut(i)[j] = linv[(j, i)];
                    }
                }
                let log_det = (0..d).map(|j| u.row(j)[j].ln()).sum();
                if u.as_slice().iter().all(|v| v.is_finite()) {
                    return (u, log_det, added);
                }
            }
        }
        for j in 0..d {
            cov.row_mut(j)[j] += jitter;
        }
        added += jitter;
        jitter *= 10.0;
    }
    let v = [mean_diag, scale, 1.0]
        .into_iter()
        .find(|v| v.is_finite() && *v >= floor_for(scale))
        .unwrap_or(1.0);
    *cov = Mat::filled(d, d, 0.0);
    let mut u = Mat::filled(d, d, 0.0);
    for j in 0..d {
        cov.row_mut(j)[j] = v;
        u.row_mut(j)[j] = 1.0 / v.sqrt();
    }
    let log_det = d as f64 * (1.0 / v.sqrt()).ln();
    (u, log_det, if added.is_finite() { added.max(v) } else { v })
}

/// Floors variances at `floor_for(scale)`; returns the largest amount a variance moved.
fn floor_variance(v: &mut f64, scale: f64) -> f64 {
    let f = floor_for(scale);
    if !(v.is_finite() && *v >= f) {
        let old = if v.is_finite() { *v } else { 0.0 };
        *v = f;
        (f - old).abs()
    } else {
        0.0
    }
}

/// Precision Cholesky factors of `cov` (modified in place when it must be
/// regularised). `scale` is a typical data variance (for the regularisation floor).
pub(crate) fn factor(cov: &mut Covariances, d: usize, scale: f64) -> Factored {
    let mut fixes = Vec::new();
    match cov {
        Covariances::Full(covs) => {
            let mut us = Vec::with_capacity(covs.len());
            let mut log_det = Vec::with_capacity(covs.len());
            for (k, c) in covs.iter_mut().enumerate() {
                let (u, ld, added) = factor_full(c, scale);
                if added > 0.0 {
                    fixes.push((Some(k), added));
                }
                us.push(u);
                log_det.push(ld);
            }
            Factored {
                chol: PrecisionCholesky::Full(us),
                log_det,
                fixes,
            }
        }
        Covariances::Tied(c) => {
            let (u, ld, added) = factor_full(c, scale);
            if added > 0.0 {
                fixes.push((None, added));
            }
            Factored {
                chol: PrecisionCholesky::Tied(u),
                log_det: vec![ld],
                fixes,
            }
        }
        Covariances::Diag(v) => {
            let (k, d) = (v.n_rows(), v.n_cols());
            let mut p = Mat::filled(k, d, 0.0);
            let mut log_det = vec![0.0; k];
            for c in 0..k {
                let mut worst = 0.0f64;
                for j in 0..d {
                    let var = &mut v.row_mut(c)[j];
                    worst = worst.max(floor_variance(var, scale));
                    let pj = 1.0 / var.sqrt();
                    p.row_mut(c)[j] = pj;
                    log_det[c] += pj.ln();
                }
                if worst > 0.0 {
                    fixes.push((Some(c), worst));
                }
            }
            Factored {
                chol: PrecisionCholesky::Diag(p),
                log_det,
                fixes,
            }
        }
        Covariances::Spherical(v) => {
            let mut p = Vec::with_capacity(v.len());
            for (c, var) in v.iter_mut().enumerate() {
                let moved = floor_variance(var, scale);
                if moved > 0.0 {
                    fixes.push((Some(c), moved));
                }
                p.push(1.0 / var.sqrt());
            }
            let log_det = p.iter().map(|x| d as f64 * x.ln()).collect();
            Factored {
                chol: PrecisionCholesky::Spherical(p),
                log_det,
                fixes,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_factor_inverts_covariance() {
        let mut c = Covariances::Full(vec![Mat::from_rows(&[[4.0, 2.0], [2.0, 3.0]])]);
        let f = factor(&mut c, 2, 1.0);
        assert!(f.fixes.is_empty());
        let PrecisionCholesky::Full(us) = &f.chol else {
            panic!()
        };
        let u = &us[0];
        // U Uᵀ Σ = I
        let s = [[4.0, 2.0], [2.0, 3.0]];
        for i in 0..2 {
            for j in 0..2 {
                let mut v = 0.0;
                for m in 0..2 {
                    let p_im: f64 = (0..2).map(|t| u.row(i)[t] * u.row(m)[t]).sum();
                    v += p_im * s[m][j];
                }
                assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        // log det: −½ ln det Σ = −½ ln 8
        assert!((f.log_det[0] + 0.5 * 8f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn singular_covariance_is_regularised() {
        let mut c = Covariances::Tied(Mat::from_rows(&[[1.0, 1.0], [1.0, 1.0]]));
        let f = factor(&mut c, 2, 1.0);
        assert_eq!(f.fixes.len(), 1);
        assert!(f.log_det[0].is_finite());
        let mut c = Covariances::Diag(Mat::from_rows(&[[0.0, f64::NAN]]));
        let f = factor(&mut c, 2, 1.0);
        assert_eq!(f.fixes.len(), 1);
        assert!(f.log_det[0].is_finite());
    }

    #[test]
    fn parameter_counts() {
        assert_eq!(CovarianceType::Full.n_parameters(3, 2), 9 + 6 + 2);
        assert_eq!(CovarianceType::Diag.n_parameters(3, 2), 6 + 6 + 2);
        assert_eq!(CovarianceType::Spherical.n_parameters(3, 2), 3 + 6 + 2);
        assert_eq!(CovarianceType::Tied.n_parameters(3, 2), 3 + 6 + 2);
        assert_eq!(
            CovarianceType::from_name("tied"),
            Some(CovarianceType::Tied)
        );
        assert_eq!(CovarianceType::from_name("x"), None);
    }
}
