"""Mixed tables for ``KMedoids(metric="gower")``: columns read from a pandas DataFrame
(or a 2-D array, object arrays included), categorical columns coded as numbers.

Gower's coefficient (J. C. Gower, *A General Coefficient of Similarity and Some of Its
Properties*, Biometrics 27(4), 1971, doi:10.2307/2528823) averages per-column
dissimilarities: ``|a - b| / range`` for a numeric column (the range of the training
data), 0 or 1 (equal or not) for a categorical one. The coefficient itself is the
library's (``partitive::dissimilarity::Gower``); this module only prepares the table.

Categorical values are compared as text (``str(value)``); their levels are the sorted
distinct texts of the training data. A category unseen in training is coded ``-1`` at
prediction time: it differs from every medoid's category.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

# A categorical column with a distinct value on at least 90% of at least this many rows is
# called an identifier (a warning).
_ID_MIN_ROWS = 20


def _is_frame(X):
    return hasattr(X, "columns") and hasattr(X, "iloc") and hasattr(X, "dtypes")


def _columns(X):
    """``(names or None, [1-D object or numeric arrays])`` of a DataFrame or 2-D array."""
    if _is_frame(X):
        names = [str(c) for c in X.columns]
        cols = [X.iloc[:, j].to_numpy() for j in range(X.shape[1])]
        return names, cols
    if hasattr(X, "tocsr") and hasattr(X, "nnz"):
        raise TypeError("KMedoids(metric='gower') does not accept sparse input")
    a = np.asarray(X)
    if a.ndim != 2:
        raise ValueError(
            f"Expected a 2D array, got an array with {a.ndim} dimension(s); "
            "reshape your data (X.reshape(-1, 1) for one feature)."
        )
    return None, [a[:, j] for j in range(a.shape[1])]


def _label(names, j):
    return f"column '{names[j]}'" if names is not None else f"column {j}"


def _numeric_kind(col):
    """Whether a column holds numbers only (booleans count as categories)."""
    if col.dtype.kind in "iuf":
        return True
    if col.dtype.kind != "O":
        return False
    return all(
        isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) for v in col
    )


def _is_missing(v):
    if v is None:
        return True
    try:
        return bool(v != v)  # NaN, pandas.NA raises or is NA
    except (TypeError, ValueError):
        return True


def _resolve_categorical(categorical, names, cols):
    """The categorical flag of every column: ``categorical=None`` marks the columns not
    holding numbers only; a list names them (column names for a DataFrame, else 0-based
    indices; a DataFrame also accepts indices)."""
    d = len(cols)
    if categorical is None:
        return [not _numeric_kind(c) for c in cols]
    if isinstance(categorical, (str, bytes)) or not hasattr(categorical, "__iter__"):
        raise ValueError(
            f"categorical must be None or a list of column names or indices, got {categorical!r}"
        )
    flags = [False] * d
    for c in categorical:
        if isinstance(c, (numbers.Integral, np.integer)) and not isinstance(c, bool):
            if not 0 <= int(c) < d:
                raise ValueError(f"categorical: column index {c} is out of range for {d} columns")
            flags[int(c)] = True
        elif names is not None and str(c) in names:
            flags[names.index(str(c))] = True
        else:
            known = f" (columns: {', '.join(names)})" if names is not None else ""
            raise ValueError(f"categorical: no column named {c!r}{known}")
    for j, col in enumerate(cols):
        if not flags[j] and not _numeric_kind(col):
            bad = next(
                (v for v in col if not isinstance(v, numbers.Real) or isinstance(v, bool)), None
            )
            raise ValueError(
                f"{_label(names, j)} holds the non-numeric value {bad!r} but is not in "
                "categorical=; list it there (or leave categorical=None to detect text columns)"
            )
    return flags


def _check_no_missing(names, cols):
    for j, col in enumerate(cols):
        if col.dtype.kind == "f":
            bad = np.flatnonzero(~np.isfinite(col))
        elif col.dtype.kind == "O":
            bad = [i for i, v in enumerate(col) if _is_missing(v)]
        else:
            bad = []
        if len(bad):
            raise ValueError(
                f"Gower: {_label(names, j)} has a missing or non-finite value in row "
                f"{int(bad[0])}; drop or impute such rows first"
            )


def encode_fit(X, categorical):
    """The table as ``float64`` codes, with what prediction needs:
    ``(codes, flags, levels, names)`` — ``levels[j]`` the sorted category texts of a
    categorical column (``None`` for numeric ones)."""
    names, cols = _columns(X)
    if not cols or len(cols[0]) == 0:
        raise ValueError(f"Found array with no samples or no features (shape={np.shape(X)}).")
    _check_no_missing(names, cols)
    flags = _resolve_categorical(categorical, names, cols)
    n, d = len(cols[0]), len(cols)
    codes = np.empty((n, d), dtype=np.float64)
    levels = []
    for j, col in enumerate(cols):
        if flags[j]:
            text = np.array([str(v) for v in col], dtype=object)
            lv, inv = np.unique(text, return_inverse=True)
            codes[:, j] = inv
            levels.append(lv)
            if n >= _ID_MIN_ROWS and 10 * len(lv) >= 9 * n:
                warnings.warn(
                    f"Gower: categorical {_label(names, j)} has {len(lv)} distinct values in "
                    f"{n} rows: an identifier? As a category it adds the same distance to "
                    "every pair; drop it before fitting",
                    UserWarning,
                    stacklevel=3,
                )
        else:
            codes[:, j] = col.astype(np.float64)
            levels.append(None)
    return codes, flags, levels, names


def encode_new(X, flags, levels, names):
    """New rows coded with the training levels (unseen categories: ``-1``); columns of a
    DataFrame are taken by name."""
    if names is not None and _is_frame(X):
        have = [str(c) for c in X.columns]
        missing = [c for c in names if c not in have]
        if missing:
            raise ValueError(
                f"X has no column named {missing[0]!r} (the fit's columns: {', '.join(names)})"
            )
        X = X[[X.columns[have.index(c)] for c in names]]
    _, cols = _columns(X)
    if len(cols) != len(flags):
        raise ValueError(f"X has {len(cols)} features, but KMedoids is expecting {len(flags)} features as input.")
    _check_no_missing(names, cols)
    n = len(cols[0]) if cols else 0
    codes = np.empty((n, len(cols)), dtype=np.float64)
    for j, col in enumerate(cols):
        if flags[j]:
            text = np.array([str(v) for v in col], dtype=object)
            lv = levels[j]
            pos = np.searchsorted(lv, text)
            pos = np.minimum(pos, len(lv) - 1)
            codes[:, j] = np.where(lv[pos] == text, pos, -1)
        else:
            if not _numeric_kind(col):
                raise ValueError(f"{_label(names, j)} must hold numbers (it did in the fit)")
            codes[:, j] = col.astype(np.float64)
    return codes
