//! The library enums the flag enums stand for, built with `From` (one place, no mirror
//! copies in the commands). k-medoids' `--metric` and `--algorithm`, which name things
//! outside one library enum (Gower, CLARA), resolve in `commands::kmedoids::plan`.

use super::{
    CovarianceFlag, CriterionFlag, HdbscanMetricFlag, KmeansAlgorithmFlag, KmeansInitFlag,
    SelectionFlag,
};
use partitive::gmm::{CovarianceType, Criterion};
use partitive::hdbscan::{ClusterSelection, HdbscanMetric};
use partitive::kmeans::{Algorithm, Init};

impl<T> From<KmeansInitFlag> for Init<T> {
    fn from(f: KmeansInitFlag) -> Self {
        match f {
            KmeansInitFlag::Auto => Init::Auto,
            KmeansInitFlag::KmeansPlusPlus => Init::KMeansPlusPlus,
            KmeansInitFlag::KmeansParallel => Init::KMeansParallel,
            KmeansInitFlag::Deterministic => Init::Deterministic,
        }
    }
}

impl From<KmeansAlgorithmFlag> for Algorithm {
    fn from(f: KmeansAlgorithmFlag) -> Self {
        match f {
            KmeansAlgorithmFlag::Auto => Algorithm::Auto,
            KmeansAlgorithmFlag::Lloyd => Algorithm::Lloyd,
            KmeansAlgorithmFlag::Hamerly => Algorithm::Hamerly,
            KmeansAlgorithmFlag::Yinyang => Algorithm::Yinyang,
        }
    }
}

impl From<CovarianceFlag> for CovarianceType {
    fn from(f: CovarianceFlag) -> Self {
        match f {
            CovarianceFlag::Full => CovarianceType::Full,
            CovarianceFlag::Diag => CovarianceType::Diag,
            CovarianceFlag::Spherical => CovarianceType::Spherical,
            CovarianceFlag::Tied => CovarianceType::Tied,
        }
    }
}

impl From<CriterionFlag> for Criterion {
    fn from(f: CriterionFlag) -> Self {
        match f {
            CriterionFlag::Bic => Criterion::Bic,
            CriterionFlag::Icl => Criterion::Icl,
        }
    }
}

impl From<HdbscanMetricFlag> for HdbscanMetric {
    fn from(f: HdbscanMetricFlag) -> Self {
        match f {
            HdbscanMetricFlag::Euclidean => HdbscanMetric::Euclidean,
            HdbscanMetricFlag::Manhattan => HdbscanMetric::Manhattan,
            HdbscanMetricFlag::Chebyshev => HdbscanMetric::Chebyshev,
            HdbscanMetricFlag::Cosine => HdbscanMetric::Cosine,
            HdbscanMetricFlag::Precomputed => HdbscanMetric::Precomputed,
        }
    }
}

impl From<SelectionFlag> for ClusterSelection {
    fn from(f: SelectionFlag) -> Self {
        match f {
            SelectionFlag::Eom => ClusterSelection::Eom,
            SelectionFlag::Leaf => ClusterSelection::Leaf,
        }
    }
}
