"""Forecasting metrics over (n_windows, n_chans, horizon_samples) arrays, and phase/frequency."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.signal import hilbert, periodogram
from sklearn.metrics import (
    mean_absolute_error,
    mean_squared_error,
    root_mean_squared_error,
)

from ..utils._check import _check_sfreq, _validate_type
from ._common import _check_pair, _check_positive

_EPS = float(np.finfo(np.float64).eps)


def mae(y_true: Any, y_pred: Any) -> float:
    """Mean absolute error over every value of two arrays of one shape.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_windows, n_chans, horizon_samples)
        True and forecast signals (any shape, the same for both).

    Returns
    -------
    error : float
        ``mean(|y_pred - y_true|)``.

    Examples
    --------
    >>> from bptlearn.metrics import mae
    >>> mae([[[1.0, 2.0]]], [[[2.0, 4.0]]])
    1.5
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    return float(mean_absolute_error(y_true.ravel(), y_pred.ravel()))


def mse(y_true: Any, y_pred: Any) -> float:
    """Mean squared error over every value of two arrays of one shape.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_windows, n_chans, horizon_samples)
        True and forecast signals (any shape, the same for both).

    Returns
    -------
    error : float
        ``mean((y_pred - y_true) ** 2)``.

    Examples
    --------
    >>> from bptlearn.metrics import mse
    >>> mse([[[1.0, 2.0]]], [[[2.0, 4.0]]])
    2.5
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    return float(mean_squared_error(y_true.ravel(), y_pred.ravel()))


def rmse(y_true: Any, y_pred: Any) -> float:
    """Root mean squared error over every value of two arrays of one shape.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_windows, n_chans, horizon_samples)
        True and forecast signals (any shape, the same for both).

    Returns
    -------
    error : float
        ``sqrt(mse(y_true, y_pred))``.

    Examples
    --------
    >>> from bptlearn.metrics import rmse
    >>> rmse([[[0.0, 0.0]]], [[[2.0, -2.0]]])
    2.0
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    return float(root_mean_squared_error(y_true.ravel(), y_pred.ravel()))


def mape(y_true: Any, y_pred: Any, *, epsilon: float = _EPS) -> float:
    """Mean absolute percentage error, guarded against zeros in ``y_true``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_windows, n_chans, horizon_samples)
        True and forecast signals (any shape, the same for both).
    epsilon : float, default=np.finfo(np.float64).eps
        Floor of the denominator: each error is divided by ``max(|y_true|, epsilon)``,
        so a zero true value gives a large but finite term (scikit-learn's guard and
        default). Signals that cross zero, such as z-scored SEEG, make MAPE dominated by
        near-zero samples; raise ``epsilon`` to the signal's noise level to temper that.

    Returns
    -------
    error : float
        A fraction, not a percentage (multiply by 100 for percent).

    Examples
    --------
    >>> from bptlearn.metrics import mape
    >>> mape([[[1.0, 4.0]]], [[[2.0, 3.0]]])  # (1/1 + 1/4) / 2
    0.625
    >>> mape([0.0], [1.0], epsilon=0.5)
    2.0
    """
    epsilon = _check_positive(epsilon, "epsilon")
    y_true, y_pred = _check_pair(y_true, y_pred)
    y_true, y_pred = y_true.astype(float), y_pred.astype(float)
    return float(np.mean(np.abs(y_pred - y_true) / np.maximum(np.abs(y_true), epsilon)))


def _check_signal(x: Any, name: str = "x") -> np.ndarray:
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {x.dtype}.")
    if x.ndim < 1 or x.shape[-1] < 2:
        raise ValueError(
            f"{name} must have shape (..., n_times) with at least 2 samples in time, "
            f"got shape {x.shape}."
        )
    if not np.isfinite(x).all():
        raise ValueError(f"{name} holds NaN or infinite values; impute or drop them first.")
    return x.astype(float, copy=False)


def dominant_frequency(x: Any, sfreq: float) -> np.ndarray:
    """Frequency of the largest periodogram peak along the last axis, in Hz.

    The mean is removed first (:func:`scipy.signal.periodogram` with its constant
    detrend), so the DC bin never wins unless the signal is flat (then 0 Hz).
    The resolution is ``sfreq / n_times``.

    Parameters
    ----------
    x : array-like of shape (..., n_times)
        Signals, e.g. (n_windows, n_chans, horizon_samples).
    sfreq : float
        Sampling rate in Hz.

    Returns
    -------
    freqs : ndarray of shape x.shape[:-1]
        Dominant frequency of each signal, in Hz.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.metrics import dominant_frequency
    >>> t = np.arange(1500) / 250.0
    >>> dominant_frequency(np.sin(2 * np.pi * 10.0 * t), sfreq=250.0)
    array(10.)
    """
    sfreq = _check_sfreq(sfreq)
    x = _check_signal(x)
    freqs, power = periodogram(x, fs=sfreq, axis=-1)
    return np.asarray(freqs[np.argmax(power, axis=-1)])


def dominant_frequency_error(y_true: Any, y_pred: Any, *, sfreq: float = 250.0) -> float:
    """Mean absolute difference of the dominant frequencies of true and forecast signals.

    The frequency-phase task of the Brant paper scores the dominant FFT frequency
    of each channel's future segment. When a model outputs the frequencies
    themselves, score them with :func:`mae` instead.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_windows, n_chans, horizon_samples)
        True and forecast signals, of the same shape.
    sfreq : float, default=250.0
        Sampling rate in Hz.

    Returns
    -------
    error : float
        Mean absolute frequency error, in Hz.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.metrics import dominant_frequency_error
    >>> t = np.arange(1500) / 250.0
    >>> true, pred = np.sin(2 * np.pi * 10 * t), np.sin(2 * np.pi * 12 * t)
    >>> dominant_frequency_error(true[None, None], pred[None, None], sfreq=250.0)
    2.0
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    diff = dominant_frequency(y_true, sfreq) - dominant_frequency(y_pred, sfreq)
    return float(np.mean(np.abs(diff)))


def instantaneous_phase(x: Any) -> np.ndarray:
    """Instantaneous phase (radians) of real signals from the Hilbert analytic signal.

    Parameters
    ----------
    x : array-like of shape (..., n_times)
        Real signals; the transform runs along the last axis.

    Returns
    -------
    phase : ndarray of x's shape
        ``angle(hilbert(x))`` in ``(-pi, pi]``, the phase targets of the paper's
        frequency-phase forecasting task.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.metrics import instantaneous_phase
    >>> t = np.arange(1000) / 250.0
    >>> phase = instantaneous_phase(np.cos(2 * np.pi * 5.0 * t))
    >>> round(float(np.cos(phase[500])), 6)  # cos at a whole number of cycles: phase 0
    1.0
    """
    return np.angle(hilbert(_check_signal(x), axis=-1))


def phase_locking_value(phase_true: Any, phase_pred: Any, *, axis: int | None = -1) -> float:
    """Phase-locking value ``|mean(exp(i (phase_true - phase_pred)))|`` between two phases.

    1 when the phase difference is constant, near 0 when it is random.

    Parameters
    ----------
    phase_true, phase_pred : array-like of shape (n_windows, n_chans, horizon_samples)
        Phases in radians (e.g. from :func:`instantaneous_phase`), of the same shape.
    axis : int or None, default=-1
        Axis the mean runs over: by default along time, giving one PLV per
        window and channel, which are then averaged. ``None`` pools every value
        into one PLV.

    Returns
    -------
    plv : float
        In ``[0, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.metrics import phase_locking_value
    >>> phase = np.linspace(0, 20, 500)
    >>> round(phase_locking_value(phase, phase + 0.3), 6)  # constant lag
    1.0
    >>> round(phase_locking_value([0.0, np.pi], [0.0, 0.0]), 6)  # opposite differences cancel
    0.0
    """
    if axis is not None:
        _validate_type(axis, ("int-like", None), "axis")
    a, b = _check_pair(phase_true, phase_pred, names=("phase_true", "phase_pred"))
    if axis is not None and not -a.ndim <= axis < a.ndim:
        raise ValueError(
            f"axis={axis} is out of range for phases of shape {a.shape}; use an axis in "
            f"[{-a.ndim}, {a.ndim - 1}] or None to pool every value."
        )
    return float(np.mean(_plv(a.astype(float), b.astype(float), axis)))


def _plv(phase_true: np.ndarray, phase_pred: np.ndarray, axis: int | None = -1) -> np.ndarray:
    """Phase-locking values along ``axis``, not averaged (unchecked arrays)."""
    return np.abs(np.mean(np.exp(1j * (phase_true - phase_pred)), axis=axis))
