"""Signals over time: forecasts beside their baseline, seizure timelines."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from ..metrics._common import _check_binary, _check_positive
from ..metrics._events import _spans
from ..utils._check import _check_sfreq, _validate_type
from ._common import _as_numeric, _get_ax


def _one_window(x: Any, name: str, channel: int) -> np.ndarray:
    x = _as_numeric(x, name, (1, 2))
    if x.ndim == 1:
        return x
    if not -x.shape[0] <= channel < x.shape[0]:
        raise ValueError(f"channel={channel} is out of range for {name} with {x.shape[0]} "
                         "channels.")
    return x[channel]


def plot_forecast(history: Any, true: Any, pred: Any, sfreq: float, *, channel: int = 0,
                  ax: Axes | None = None, baseline: Any = None, label: str = "forecast",
                  baseline_label: str = "baseline", units: str = "µV",
                  ch_names: Any = None) -> Axes:
    """Plot one channel's history, its true future, the forecast and its baseline.

    Time 0 is the cut between history and future. Draw the simple forecast the model
    must beat beside it (``baseline``, e.g. ``BPTForecaster.predict_baseline(X)[i]``):
    a forecast that cannot be told apart from its baseline has learned nothing.

    Parameters
    ----------
    history : array-like of shape (n_chans, n_times) or (n_times,)
        The input window (one window: index a batch first, ``X[i]``).
    true, pred : array-like of shape (n_chans, horizon_samples) or (horizon_samples,)
        True and forecast futures of the same window.
    sfreq : float
        Sampling rate in Hz.
    channel : int, default=0
        Channel to draw, for 2-D input.
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; a new figure when ``None``.
    baseline : array-like of the shape of ``pred`` or None, default=None
        A baseline forecast of the same window, drawn dotted.
    label, baseline_label : str, default='forecast', 'baseline'
        Legend entries of ``pred`` and ``baseline`` (e.g. the names of the models).
    units : str, default='µV'
        Units of the signals, for the y-axis label.
    ch_names : list of str or None, default=None
        Channel names; the title names the drawn channel.

    Returns
    -------
    ax : matplotlib.axes.Axes
        Lines: history, true future, forecast, the baseline when given, and the
        vertical line at time 0.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.viz import plot_forecast
    >>> ax = plot_forecast(np.zeros((2, 500)), np.ones((2, 250)), np.ones((2, 250)), 250.0)
    >>> len(ax.lines), float(ax.lines[0].get_xdata()[0])  # history starts 2 s before the cut
    (4, -2.0)
    >>> ax = plot_forecast(np.zeros((2, 500)), np.ones((2, 250)), np.ones((2, 250)), 250.0,
    ...                    baseline=np.zeros((2, 250)), ch_names=["A1", "A2"], channel=1)
    >>> ax.get_title(), ax.get_ylabel(), ax.lines[3].get_label()
    ('A2', 'Amplitude (µV)', 'baseline')
    """
    sfreq = _check_sfreq(sfreq)
    _validate_type(channel, "int-like", "channel")
    hist = _one_window(history, "history", channel)
    fut_true, fut_pred = _one_window(true, "true", channel), _one_window(pred, "pred", channel)
    fut_base = None if baseline is None else _one_window(baseline, "baseline", channel)
    for name, arr, raw in (("pred", fut_pred, pred), ("baseline", fut_base, baseline)):
        if arr is not None and arr.shape != fut_true.shape:
            raise ValueError(f"true and {name} must have the same shape, got {np.shape(true)} "
                             f"and {np.shape(raw)}.")
    title = f"Channel {channel}"
    if ch_names is not None:
        names = list(ch_names)
        if len(names) <= channel or np.ndim(history) == 2 and len(names) != np.shape(history)[0]:
            raise ValueError(f"ch_names has {len(names)} names, but history has "
                             f"{np.shape(history)[0] if np.ndim(history) == 2 else 1} channel(s);"
                             " pass one name per channel.")
        title = str(names[channel])
    ax = _get_ax(ax)
    t_hist = (np.arange(hist.size) - hist.size) / sfreq
    t_fut = np.arange(fut_true.size) / sfreq
    ax.plot(t_hist, hist, color="0.3", lw=0.8, label="history")
    ax.plot(t_fut, fut_true, color="C0", lw=0.8, label="true")
    ax.plot(t_fut, fut_pred, color="C1", lw=1.0, ls="--", label=label)
    if fut_base is not None:
        ax.plot(t_fut, fut_base, color="C2", lw=1.0, ls=":", label=baseline_label)
    ax.axvline(0.0, color="k", lw=0.8, ls=":")
    ax.set(xlabel="Time (s)", ylabel=f"Amplitude ({units})", title=title)
    ax.legend(loc="upper left")
    return ax


def plot_seizure_timeline(proba: Any, y_true: Any = None, *, window_s: float = 6.0,
                          ch_names: Any = None, ax: Axes | None = None,
                          threshold: float | None = None, onsets: Any = None) -> Axes:
    """Plot seizure probability over time per channel, with true events and detections.

    Parameters
    ----------
    proba : array-like of shape (n_windows,) or (n_windows, n_chans)
        Seizure probability of each time-ordered window (per channel). For token
        probabilities ``p`` of shape (n_windows, n_chans, n_patches), pass
        ``p.transpose(0, 2, 1).reshape(-1, n_chans)`` with ``window_s=6.0``.
    y_true : array-like of shape (n_windows,) or (n_windows, n_chans) or None, default=None
        True binary labels; each run of positive windows (on any channel) is shaded.
    window_s : float, default=6.0
        Duration of each window in seconds; window ``i`` is drawn at its centre.
    ch_names : list of str or None, default=None
        Channel names for the legend.
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; a new figure when ``None``.
    threshold : float or None, default=None
        Decision threshold: drawn as a dashed line, and every window whose probability
        (on any channel) reaches it is marked with a triangle at the top.
    onsets : array-like of shape (n_windows,) or None, default=None
        Start of each window in seconds (``Windows.onsets``), for windows with gaps;
        ``None``: contiguous windows, ``i * window_s``.

    Returns
    -------
    ax : matplotlib.axes.Axes
        One line per channel, one shaded span per true event (a gap in ``onsets`` ends
        an event), then the threshold line and the detection marks.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.viz import plot_seizure_timeline
    >>> proba = np.array([[0.1, 0.2], [0.9, 0.7], [0.2, 0.1]])
    >>> ax = plot_seizure_timeline(proba, [0, 1, 0], ch_names=["LA1", "LA2"], threshold=0.5)
    >>> len(ax.lines), len(ax.patches)  # 2 channels, the threshold, the detection marks
    (4, 1)
    >>> ax.lines[3].get_xdata().tolist()  # the window at 6-12 s reaches 0.5
    [9.0]
    """
    proba = _as_numeric(proba, "proba", (1, 2))
    if proba.min() < 0 or proba.max() > 1:
        raise ValueError(f"proba must hold probabilities in [0, 1], got values in "
                         f"[{proba.min():.3g}, {proba.max():.3g}]; use predict_proba, not "
                         "decision_function.")
    window_s = _check_sfreq(window_s, name="window_s")
    proba = proba.reshape(proba.shape[0], -1)
    n, n_chans = proba.shape
    if ch_names is not None:
        ch_names = [str(c) for c in ch_names]
        if len(ch_names) != n_chans:
            raise ValueError(f"ch_names has {len(ch_names)} names but proba has {n_chans} "
                             "channels.")
    events = None
    if y_true is not None:
        y = _as_numeric(y_true, "y_true", (1, 2))
        if y.shape[0] != n or (y.ndim == 2 and y.shape != proba.shape):
            raise ValueError(f"y_true must have shape ({n},) or {proba.shape}, like proba, got "
                             f"{y.shape}.")
    start = np.arange(n) * window_s if onsets is None else _as_numeric(onsets, "onsets", (1,))
    if start.shape != (n,) or np.any(np.diff(start) <= 0):
        raise ValueError(f"onsets must hold {n} increasing start times in seconds, one per "
                         f"window of proba, got shape {start.shape}.")
    if y_true is not None:
        events = _spans(_check_binary(y, "y_true").reshape(n, -1).any(axis=1), start,
                        start + window_s)
    if threshold is not None:
        threshold = _check_positive(threshold, "threshold", allow_zero=True)
    ax = _get_ax(ax)
    t = start + window_s / 2
    for c in range(n_chans):
        ax.plot(t, proba[:, c], lw=1.0, label=None if ch_names is None else ch_names[c])
    if events is not None:
        for i, (a, b) in enumerate(zip(*events, strict=True)):
            ax.axvspan(a, b, color="red", alpha=0.15, lw=0, label="seizure" if i == 0 else None)
    if threshold is not None:
        ax.axhline(threshold, color="k", lw=0.8, ls="--", label=f"threshold {threshold:g}")
        hit = proba.max(axis=1) >= threshold
        ax.plot(t[hit], np.full(int(hit.sum()), 1.0), ls="none", marker="v", color="k",
                ms=5, label="detection")
    ax.set(xlabel="Time (s)", ylabel="Seizure probability", ylim=(-0.02, 1.06),
           xlim=(start[0], start[-1] + window_s))
    if ch_names is not None or threshold is not None or (events is not None
                                                         and events[0].size):
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                  fontsize="small")
    return ax
