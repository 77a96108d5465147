"""Robust per-channel scaling statistics, shared by pretraining and the estimators, and
the per-recording scaling built on them."""

from __future__ import annotations

import logging
import warnings

import numpy as np

from ..exceptions import BPTWarning

logger = logging.getLogger(__name__)

#: Scales at or below this (in the data's units, e.g. µV) mark a channel as flat.
FLAT_SCALE = 1e-12

_MAD_TO_STD = 1.4826


def robust_channel_stats(X, axis: int = -1, *, return_flat: bool = False):
    """Per-channel median and robust spread (1.4826 x median absolute deviation).

    For 2-D ``X`` of shape ``(n_chans, n_times)`` the statistics are taken over the time
    axis; for 3-D ``X`` of shape ``(n_windows, n_chans, n_times)`` over windows and time
    together, so every window of a channel is scaled the same way (a per-window z-score
    would erase the amplitude that tells ictal from interictal windows). The maths runs
    in float64, one channel at a time, and ``X`` is never modified.

    Parameters
    ----------
    X : array-like of shape (n_chans, n_times) or (n_windows, n_chans, n_times)
        Signal, finite values only.
    axis : int, default=-1
        The time axis. For 3-D input, axis 0 is always the window axis, and the channel
        axis is the remaining one.
    return_flat : bool, default=False
        Also return the boolean mask of flat channels.

    Returns
    -------
    center : ndarray of shape (n_chans,)
        Median of each channel.
    scale : ndarray of shape (n_chans,)
        ``1.4826 * MAD`` of each channel: the standard deviation for Gaussian data,
        insensitive to seizures and artefacts. Where the MAD is zero but the channel
        varies (e.g. mostly constant with rare spikes), the standard deviation is used
        instead. A channel whose spread is still at or below ``FLAT_SCALE`` (1e-12) is
        flat: its scale is set to 1.0 (so ``(X - center) / scale`` stays finite and zero)
        and a :class:`~bptlearn.exceptions.BPTWarning` names it.
    flat : ndarray of shape (n_chans,)
        Boolean mask of flat channels; only when ``return_flat=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.data import robust_channel_stats
    >>> X = np.random.default_rng(0).normal(5.0, 20.0, size=(10, 3, 2000))
    >>> center, scale = robust_channel_stats(X)
    >>> center.shape, bool(np.allclose(scale, 20.0, rtol=0.05))
    ((3,), True)
    """
    X = np.asarray(X)
    if X.ndim not in (2, 3):
        raise ValueError(
            f"X must have shape (n_chans, n_times) or (n_windows, n_chans, n_times), got an "
            f"array with {X.ndim} dimension(s) of shape {X.shape} instead.")
    if not isinstance(axis, (int, np.integer)) or not -X.ndim <= axis < X.ndim:
        raise ValueError(f"axis must be an int in [{-X.ndim}, {X.ndim - 1}], got {axis!r}.")
    axis = int(axis) % X.ndim
    if X.ndim == 3 and axis == 0:
        raise ValueError(
            "axis=0 is the window axis of 3-D X; pass the time axis (usually axis=-1).")
    if X.size == 0 or X.shape[axis] == 0:
        raise ValueError(f"X is empty (shape {X.shape}); pass at least one sample per channel.")
    ch_axis = ({0, 1} - {axis}).pop() if X.ndim == 2 else ({1, 2} - {axis}).pop()
    n_chans = X.shape[ch_axis]
    center = np.empty(n_chans)
    scale = np.empty(n_chans)
    for c in range(n_chans):
        x = np.take(X, c, axis=ch_axis).astype(np.float64).ravel()
        if not np.isfinite(x).all():
            raise ValueError(
                f"X holds NaN or infinite values in channel {c}. Remove or interpolate them "
                f"first (e.g. bptlearn.data.to_windows(..., nan_policy='omit') drops the "
                f"windows that hold them).")
        center[c] = np.median(x)
        scale[c] = _MAD_TO_STD * np.median(np.abs(x - center[c]))
        if scale[c] <= FLAT_SCALE:
            scale[c] = x.std()
    flat = scale <= FLAT_SCALE
    if flat.any():
        warnings.warn(
            f"{int(flat.sum())} flat channel(s) at index {np.flatnonzero(flat).tolist()}: their "
            f"spread is <= {FLAT_SCALE:g}, so their scale is set to 1.0 and they stay zero "
            f"after scaling. Drop them (e.g. raw.info['bads']) if they carry no signal.",
            BPTWarning, stacklevel=2)
        scale[flat] = 1.0
    logger.debug("robust_channel_stats: %d channels, %d flat", n_chans, int(flat.sum()))
    return (center, scale, flat) if return_flat else (center, scale)


def scale_by_recording(X, groups=None) -> np.ndarray:
    """Scale windows by the robust statistics of the recording each came from.

    Each recording's windows are centred on each channel's median and divided by its
    robust spread (:func:`robust_channel_stats` over that recording's windows), as
    ``to_windows(raw, normalize='robust')`` does to one recording and as pretraining does
    to every training patient. With windows from several patients and few labels, this
    lets a classifier's threshold learned on some patients carry over to the others (see
    the user guide, input scaling). The result is in scaled units; ``X`` is not modified.

    Parameters
    ----------
    X : array-like of shape (n_windows, n_chans, n_times)
        Windows, finite values only.
    groups : array-like of shape (n_windows,) or None, default=None
        The recording (or patient) of each window; ``None`` scales all windows as one
        recording.

    Returns
    -------
    X_scaled : ndarray of shape (n_windows, n_chans, n_times), float32
        The windows in the order given.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.data import scale_by_recording
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(4, 2, 1000)) * np.array([1.0, 1.0, 50.0, 50.0])[:, None, None]
    >>> X_scaled = scale_by_recording(X, groups=[0, 0, 1, 1])
    >>> bool(np.allclose(X_scaled[:2].std(), X_scaled[2:].std(), rtol=0.05))
    True
    """
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(
            f"X must have shape (n_windows, n_chans, n_times), got an array of shape "
            f"{X.shape}; cut recordings into windows first (bptlearn.data.to_windows).")
    groups = np.zeros(len(X), dtype=int) if groups is None else np.asarray(groups)
    if groups.shape != (len(X),):
        raise ValueError(
            f"groups must hold one recording id per window, shape ({len(X)},), got shape "
            f"{groups.shape}.")
    out = np.empty(X.shape, dtype=np.float32)
    for g in np.unique(groups):
        rows = groups == g
        center, scale = robust_channel_stats(X[rows])
        out[rows] = (X[rows] - center[:, None]) / scale[:, None]
    return out
