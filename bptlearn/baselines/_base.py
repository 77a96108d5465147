"""Input checks and tags shared by the baseline estimators (3-D windows in, NumPy out),
the evenly spaced subset of windows their checks and fits use, and one BLAS thread for
their loops of small solves."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.validation import FLOAT_DTYPES
from threadpoolctl import threadpool_limits

from ..exceptions import ChannelMismatchError


def _check_windows(estimator: Any, X: Any, *, reset: bool, match_chans: bool = True,
                   allow_nan: bool = False, min_times: int = 1, name: str = "X") -> np.ndarray:
    """Return ``X`` as a float array of shape (n_windows, n_chans, n_times).

    With ``reset`` the channel count is recorded as ``n_chans_in_``; otherwise it is
    compared with it when ``match_chans``. Nothing is set before every check passed,
    and ``X`` is never modified (a copy is made only when its dtype changes).
    """
    cls = type(estimator).__name__
    X = check_array(X, ensure_2d=False, allow_nd=True, dtype=FLOAT_DTYPES, input_name=name,
                    ensure_all_finite="allow-nan" if allow_nan else True, estimator=estimator)
    if X.ndim != 3:
        raise ValueError(
            f"{name} must have shape (n_windows, n_chans, n_times), got a {X.ndim}-D array of "
            f"shape {X.shape}. For one window of shape (n_chans, n_times) pass {name}[np.newaxis]."
        )
    if X.shape[-1] < min_times:
        raise ValueError(
            f"{name} has {X.shape[-1]} samples per window, but {cls} needs at least {min_times} "
            f"with its parameters; pass longer windows."
        )
    if reset:
        estimator.n_chans_in_ = X.shape[1]
    elif match_chans and X.shape[1] != estimator.n_chans_in_:
        raise ChannelMismatchError(
            f"{name} has {X.shape[1]} channels, but this {cls} was fitted on "
            f"{estimator.n_chans_in_}. Its parameters are per channel, so channels must match in "
            f"number and order; pick the fitted channels or refit."
        )
    return X


def evenly_spaced(n: int, max_rows: int) -> np.ndarray:
    """Indices of up to ``max_rows`` of ``n`` rows, evenly spaced, first and last kept."""
    return np.unique(np.linspace(0, n - 1, min(n, max_rows)).astype(int))


def one_blas_thread() -> threadpool_limits:
    """BLAS and LAPACK on one thread inside the block, for loops of many small solves:
    threads only cost there, and beside other busy processes (``pytest -n 2``, a second
    job) threads that wait for a core make each call 10 to 40 times slower (measured:
    the AR interpolation of 12 windows, 0.37 s on one thread, 13.9 s on two)."""
    return threadpool_limits(limits=1, user_api="blas")
