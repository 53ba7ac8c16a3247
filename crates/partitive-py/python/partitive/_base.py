"""Shared machinery of the estimators: the scikit-learn base classes (or a small
fallback when scikit-learn is not installed), input validation and parameter checks.

Inputs reach the Rust engines without a copy when they already are C-contiguous
``float32`` or ``float64`` arrays; anything else is converted once (to ``float64``
unless it is ``float32``). Finiteness is checked by the engine itself (one pass it
makes anyway), whose message names the first bad row and column.
"""

from __future__ import annotations

import inspect
import numbers
import warnings

import numpy as np

try:  # scikit-learn is optional: estimators subclass its bases when it is there.
    from sklearn.base import BaseEstimator, ClusterMixin, DensityMixin
    from sklearn.exceptions import ConvergenceWarning as _SkConvergenceWarning
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted as _sk_check_is_fitted
    from sklearn.utils.validation import validate_data as _sk_validate_data

    HAVE_SKLEARN = True
except ImportError:  # pragma: no cover - exercised in a numpy-only environment
    HAVE_SKLEARN = False
    _SkConvergenceWarning = UserWarning

    class NotFittedError(ValueError, AttributeError):
        """Raised when a method needs a fitted estimator."""

    class BaseEstimator:
        """Minimal stand-in for :class:`sklearn.base.BaseEstimator`.

        Parameters are the keyword arguments of ``__init__``, stored unchanged.
        """

        @classmethod
        def _get_param_names(cls):
            sig = inspect.signature(cls.__init__)
            return sorted(
                p.name
                for p in sig.parameters.values()
                if p.name != "self" and p.kind != p.VAR_KEYWORD
            )

        def get_params(self, deep=True):
            """Parameters of this estimator, as a dict."""
            return {name: getattr(self, name) for name in self._get_param_names()}

        def set_params(self, **params):
            """Sets parameters; returns self."""
            valid = self._get_param_names()
            for key, value in params.items():
                if key not in valid:
                    raise ValueError(
                        f"Invalid parameter {key!r} for estimator {self!r}. "
                        f"Valid parameters are: {valid!r}."
                    )
                setattr(self, key, value)
            return self

        def __repr__(self):
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
            return f"{type(self).__name__}({args})"

    class ClusterMixin:
        """Minimal stand-in for :class:`sklearn.base.ClusterMixin`."""

        _estimator_type = "clusterer"

        def fit_predict(self, X, y=None, **kwargs):
            """Fits and returns ``labels_``."""
            self.fit(X, **kwargs)
            return self.labels_

    class DensityMixin:
        """Minimal stand-in for :class:`sklearn.base.DensityMixin`."""

        _estimator_type = "DensityEstimator"


class ConvergenceWarning(_SkConvergenceWarning):
    """A fit stopped at its iteration limit before converging."""


_FLOATS = (np.float64, np.float32)


def _is_sparse(X):
    return hasattr(X, "tocsr") and hasattr(X, "nnz")


def _validate_numpy(estimator, X, reset):
    """The numpy-only validation used without scikit-learn (same rules, same messages
    where it matters)."""
    if _is_sparse(X):
        raise TypeError(
            f"{type(estimator).__name__} does not accept sparse input; "
            "convert it with X.toarray()."
        )
    X = np.asarray(X)
    if np.iscomplexobj(X):
        raise ValueError("Complex data not supported")
    if X.dtype not in _FLOATS:
        X = X.astype(np.float64)
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2D array, got an array with {X.ndim} dimension(s); "
            "reshape your data (X.reshape(-1, 1) for one feature)."
        )
    X = np.ascontiguousarray(X)
    if X.shape[0] == 0:
        raise ValueError(f"Found array with 0 sample(s) (shape={X.shape}).")
    if X.shape[1] == 0:
        raise ValueError(f"Found array with 0 feature(s) (shape={X.shape}).")
    if reset:
        estimator.n_features_in_ = X.shape[1]
    elif X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} "
            f"is expecting {estimator.n_features_in_} features as input."
        )
    return X


def validate_X(estimator, X, *, reset):
    """``X`` as a C-contiguous ``float32``/``float64`` 2-D array (no copy when it
    already is one). ``reset=True`` records ``n_features_in_`` (and
    ``feature_names_in_`` with scikit-learn); ``reset=False`` checks them."""
    if HAVE_SKLEARN:
        return _sk_validate_data(
            estimator,
            X,
            reset=reset,
            dtype=list(_FLOATS),
            order="C",
            ensure_all_finite=False,  # the engine checks (and names the cell)
            accept_sparse=False,
        )
    return _validate_numpy(estimator, X, reset)


def validate_sample_weight(sample_weight, X):
    """``sample_weight`` as a 1-D array of ``X``'s dtype and length, or ``None``.
    Negative or non-finite weights are rejected by the engine."""
    if sample_weight is None:
        return None
    n = X.shape[0]
    if isinstance(sample_weight, numbers.Number):
        return np.full(n, sample_weight, dtype=X.dtype)
    w = np.asarray(sample_weight)
    if np.iscomplexobj(w):
        raise ValueError("Complex data not supported")
    w = np.ascontiguousarray(w, dtype=X.dtype)
    if w.ndim != 1:
        raise ValueError(f"Sample weights must be 1D array or scalar, got shape {w.shape}")
    if w.shape[0] != n:
        raise ValueError(
            f"sample_weight.shape == {w.shape}, expected {(n,)}!"
        )
    return w


def check_is_fitted(estimator, attribute):
    """Raises :class:`NotFittedError` unless ``fit`` has run."""
    if HAVE_SKLEARN:
        _sk_check_is_fitted(estimator, attribute)
    elif not hasattr(estimator, attribute):
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet. "
            "Call 'fit' with appropriate arguments before using this estimator."
        )


def check_int(name, value, minimum, maximum=None):
    """``value`` as an ``int`` within ``[minimum, maximum]``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r}")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        hi = "" if maximum is None else f" and <= {maximum}"
        raise ValueError(f"{name} must be >= {minimum}{hi}, got {value}")
    return value


def check_float(name, value, minimum=0.0):
    """``value`` as a finite ``float`` ≥ ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not (np.isfinite(value) and value >= minimum):
        raise ValueError(f"{name} must be finite and >= {minimum}, got {value}")
    return value


def check_choice(name, value, choices):
    """``value`` if it is one of ``choices`` (strings)."""
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def seed_of(random_state):
    """A 63-bit seed from ``random_state``: an int ≥ 0 is used as is; ``None`` draws one
    from NumPy's global generator; a ``RandomState``/``Generator`` draws one from it."""
    if random_state is None:
        return int(np.random.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    return check_int("random_state", random_state, 0, 2**64 - 1)


def threads_of(n_jobs):
    """The worker threads a fit asks the engine for: ``None`` (all logical CPUs), or
    ``n_jobs`` when positive, or ``cpus + 1 + n_jobs`` when negative (``-1``: all
    CPUs, as in scikit-learn and joblib). More than four threads per logical CPU are
    not started: such an ``n_jobs`` is capped, with a warning."""
    from . import _partitive

    if n_jobs is None:
        return None
    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"n_jobs must be an int or None, got {n_jobs!r}")
    n = int(n_jobs)
    cpus, cap = _partitive.thread_limits()
    if n == 0:
        raise ValueError("n_jobs must not be 0 (None or -1: all CPUs)")
    if n < 0:
        n = cpus + 1 + n
        if n < 1:
            raise ValueError(f"n_jobs={n_jobs} leaves no thread on {cpus} CPUs")
    if n > cap:
        warnings.warn(
            f"n_jobs={n_jobs} is more than 4 threads per logical CPU ({cpus} CPUs); "
            f"using {cap} threads",
            UserWarning,
            stacklevel=3,
        )
        n = cap
    return n


def warn_fewer_distinct(estimator, found, k):
    """Warns that a fit found fewer distinct clusters than asked for (duplicate rows)."""
    warnings.warn(
        f"Number of distinct clusters ({found}) found smaller than n_clusters ({k}) in "
        f"{type(estimator).__name__}. Possibly due to duplicate points in X.",
        ConvergenceWarning,
        stacklevel=3,
    )


def warn_not_converged(estimator, n_iter):
    """Warns that a fit reached ``max_iter`` before converging."""
    warnings.warn(
        f"{type(estimator).__name__} did not converge within max_iter={n_iter} "
        "iterations; increase max_iter or tol.",
        ConvergenceWarning,
        stacklevel=3,
    )
