//! The estimator contract every engine follows: **parameters → checked → fit → model →
//! predict** ([`Params`], [`Checked`], [`Fit`], [`Predict`]).
//!
//! - [`Params`]: a builder of hyperparameters. [`Params::validate`] runs the
//!   data-independent checks (one [`ErrorKind::InvalidParameter`](crate::ErrorKind) per
//!   bad value, named after the parameter); [`Params::check`] returns the parameters as
//!   [`Checked`] once they pass.
//! - [`Fit`]: `params.fit(data) -> Result<Model>`. Fitting **always validates**: the
//!   parameters first (the same error as `check`), then the data. `data` is what the
//!   engine clusters: a [`MatRef`](crate::MatRef) of rows for every engine, [`Weighted`]
//!   rows for the engines that take sample weights (k-means, GMM), and any
//!   [`Dissimilarity`](crate::dissimilarity::Dissimilarity) source (by reference) for the
//!   k-medoids family.
//! - [`Predict`]: `model.predict(data) -> Result<Labels>` labels new rows the way the fit
//!   labelled its own: the training rows get the fit's labels back.
//!
//! Every parameter type and model also has inherent `check`, `fit` / `predict` methods that
//! delegate to the traits, so the traits need not be imported; [`prelude`] imports them
//! all at once for generic code.
//!
//! **Iteration limits.** One rule for every engine: `max_iter` (and PPP's
//! `em_max_iter`, `lloyd_max_iter`) must be at least 1; `0` is an
//! [`ErrorKind::InvalidParameter`](crate::ErrorKind) error of that parameter, never "return
//! the start".
//!
//! | engine | parameters | data | model | labels |
//! |---|---|---|---|---|
//! | k-means | [`KMeansParams`](crate::kmeans::KMeansParams) | rows, [`Weighted`] | [`KMeansResult`](crate::kmeans::KMeansResult) | `Vec<usize>` |
//! | GMM | [`GmmParams`](crate::gmm::GmmParams) | rows, [`Weighted`] | [`GmmModel`](crate::gmm::GmmModel) | `Vec<usize>` |
//! | k-medoids, CLARA | [`KMedoidsParams`](crate::kmedoids::KMedoidsParams), [`ClaraParams`](crate::kmedoids::ClaraParams) | rows (under the parameters' metric) | [`KMedoidsModel`](crate::kmedoids::KMedoidsModel) | `Vec<usize>` |
//! | k-medoids, CLARA | the same | `&impl Dissimilarity` | [`KMedoidsResult`](crate::kmedoids::KMedoidsResult) (predicts from the distances of new rows to the training objects) | `Vec<usize>` |
//! | PPP auto | [`PppParams`](crate::ppp::PppParams) | rows | [`PppResult`](crate::ppp::PppResult) | `Vec<usize>` |
//! | HDBSCAN* | [`HdbscanParams`](crate::hdbscan::HdbscanParams) | rows (or a precomputed matrix) | [`HdbscanModel`](crate::hdbscan::HdbscanModel) | `Vec<Option<usize>>` (`None`: noise) |

mod contract;
mod engines;
#[cfg(test)]
mod tests;

pub(crate) use contract::{inherent_predict, params_methods};
pub use contract::{Checked, Fit, Params, Predict, Weighted};

/// The traits of the contract, to import at once: `use partitive::prelude::*;`.
pub mod prelude {
    pub use super::{Checked, Fit, Params, Predict, Weighted};
}
