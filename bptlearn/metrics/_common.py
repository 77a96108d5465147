"""Input checks shared by the metrics (and by :mod:`bptlearn.viz`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..utils._check import _validate_type


def _check_pair(
    y_true: Any, y_pred: Any, *, names: tuple[str, str] = ("y_true", "y_pred"), finite: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Return both inputs as arrays of one shape, raising a clear error otherwise.

    The caller's arrays are never modified: ``np.asarray`` only views them.
    """
    a, b = np.asarray(y_true), np.asarray(y_pred)
    if a.shape != b.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same shape, got {a.shape} and {b.shape}. "
            f"Pass one prediction per value of {names[0]}, in the same order."
        )
    for name, arr in zip(names, (a, b), strict=True):
        if arr.size == 0:
            raise ValueError(f"{name} is empty (shape {arr.shape}); pass at least one value.")
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise TypeError(f"{name} must hold numbers, got an array of dtype {arr.dtype} instead.")
        if finite and not np.isfinite(arr).all():
            raise ValueError(
                f"{name} holds NaN or infinite values ({int((~np.isfinite(arr)).sum())} of "
                f"{arr.size}); drop or impute them before scoring."
            )
    return a, b


def _check_binary(y: np.ndarray, name: str) -> np.ndarray:
    """Return ``y`` as a bool array after checking it holds only 0 and 1."""
    if not np.isin(y, (0, 1)).all():
        bad = y[~np.isin(y, (0, 1))].flat[0].item()
        raise ValueError(
            f"{name} must hold binary labels 0/1, got the value {bad!r}. Threshold probabilities "
            f"first, e.g. (proba >= 0.5).astype(int)."
        )
    return y.astype(bool)


def _check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Return a float after checking it is a finite number > 0 (or >= 0)."""
    _validate_type(value, "numeric", name)
    ok = value >= 0 if allow_zero else value > 0
    if not (np.isfinite(value) and ok):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a {kind}, finite number, got {value!r} instead.")
    return float(value)
