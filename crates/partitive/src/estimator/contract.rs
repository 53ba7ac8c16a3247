//! The traits of the contract and the two small types around them.

use crate::error::Result;
use crate::matrix::MatRef;

/// Hyperparameters of an engine (a builder, consumed by value).
pub trait Params: Clone {
    /// The data-independent checks: `Err` names the first bad parameter.
    fn validate(&self) -> Result<()>;

    /// The parameters, once [`validate`](Self::validate) passes.
    fn check(&self) -> Result<Checked<Self>> {
        self.validate()?;
        Ok(Checked(self.clone()))
    }
}

/// Parameters that passed [`Params::check`]. Read them through `Deref`; fit them with
/// [`Fit`] like the unchecked ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked<P>(P);

impl<P> Checked<P> {
    /// The checked parameters.
    pub fn params(&self) -> &P {
        &self.0
    }

    /// The parameters, unwrapped.
    pub fn into_inner(self) -> P {
        self.0
    }
}

impl<P> std::ops::Deref for Checked<P> {
    type Target = P;
    fn deref(&self) -> &P {
        &self.0
    }
}

/// Fitting parameters to data.
pub trait Fit<D>: Params {
    /// What the fit returns.
    type Model;

    /// Validates the parameters, then the data, then fits.
    fn fit(&self, data: D) -> Result<Self::Model>;
}

impl<P: Params> Params for Checked<P> {
    fn validate(&self) -> Result<()> {
        self.0.validate()
    }
}

impl<D, P: Fit<D>> Fit<D> for Checked<P> {
    type Model = P::Model;
    fn fit(&self, data: D) -> Result<P::Model> {
        self.0.fit(data)
    }
}

/// Labelling new data with a fitted model.
pub trait Predict<D> {
    /// One label per row (`Option` where an engine can call a row noise).
    type Labels;

    /// Labels the rows of `data` (checked: columns, finite values).
    fn predict(&self, data: D) -> Result<Self::Labels>;
}

/// Rows with optional sample weights (`n` finite, non-negative, not all zero): the data of
/// the engines that take weights. `weights: None` fits as the plain rows do.
#[derive(Debug, Clone, Copy)]
pub struct Weighted<'a, T> {
    /// The `n × d` rows.
    pub x: MatRef<'a, T>,
    /// One weight per row, or `None` for unit weights.
    pub weights: Option<&'a [T]>,
}

impl<'a, T> Weighted<'a, T> {
    /// Rows `x` with `weights` (`None`: unit weights).
    pub fn new(x: MatRef<'a, T>, weights: Option<&'a [T]>) -> Self {
        Weighted { x, weights }
    }
}

/// The inherent `check` and `fit` of a parameter type: [`Params::check`] and [`Fit::fit`]
/// without importing the traits.
macro_rules! params_methods {
    () => {
        /// The parameters, once the data-independent checks pass:
        /// [`Params::check`](crate::estimator::Params::check).
        pub fn check(&self) -> crate::error::Result<crate::estimator::Checked<Self>> {
            crate::estimator::Params::check(self)
        }

        /// Validates the parameters, then the data, then fits:
        /// [`Fit::fit`](crate::estimator::Fit::fit) (the data types accepted are listed in
        /// [`crate::estimator`]).
        pub fn fit<D>(
            &self,
            data: D,
        ) -> crate::error::Result<<Self as crate::estimator::Fit<D>>::Model>
        where
            Self: crate::estimator::Fit<D>,
        {
            crate::estimator::Fit::fit(self, data)
        }
    };
}
pub(crate) use params_methods;

/// The inherent `predict` of a model: [`Predict::predict`] without importing the trait.
macro_rules! inherent_predict {
    () => {
        /// Labels new rows: [`Predict::predict`](crate::estimator::Predict::predict) (the
        /// data types accepted are listed in [`crate::estimator`]).
        pub fn predict<D>(
            &self,
            data: D,
        ) -> crate::error::Result<<Self as crate::estimator::Predict<D>>::Labels>
        where
            Self: crate::estimator::Predict<D>,
        {
            crate::estimator::Predict::predict(self, data)
        }
    };
}
pub(crate) use inherent_predict;
