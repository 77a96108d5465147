"""Figures for the Brant tasks: embeddings, low-label curves, forecasts, seizure timelines.

Every function draws on ``ax`` (a new figure when ``None``) and returns the
:class:`matplotlib.axes.Axes`, so plots compose into the caller's layout.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from .metrics._common import _check_binary
from .utils._arrays import _runs
from .utils._check import _check_option, _check_sfreq, _validate_type


def _get_ax(ax: Any) -> Axes:
    _validate_type(ax, (Axes, None), "ax")
    return plt.subplots()[1] if ax is None else ax


def _as_numeric(x: Any, name: str, ndims: tuple[int, ...]) -> np.ndarray:
    x = np.asarray(x)
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise TypeError(f"{name} must hold numbers, got an array of dtype {x.dtype} instead.")
    if x.ndim not in ndims or x.size == 0:
        shapes = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be a non-empty {shapes} array, got shape {x.shape}.")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} holds NaN or infinite values; drop or impute them first.")
    return x


def plot_embedding(emb: Any, labels: Any = None, *, method: str = "tsne", ax: Axes | None = None,
                   random_state: Any = None, perplexity: float | None = None) -> Axes:
    """Scatter embeddings in 2-D (t-SNE or PCA), one colour per label.

    Parameters
    ----------
    emb : array-like of shape (n_samples, n_features)
        Embeddings, e.g. ``BPTEncoder(pooling='mean').transform(X)``. Pool 4-D
        embeddings (n, C, L, d) first, e.g. ``emb.mean(axis=(1, 2))``.
    labels : array-like of shape (n_samples,) or None, default=None
        Class of each point (e.g. 'seizure' / 'normal'); shown in the legend.
    method : {'tsne', 'pca'}, default='tsne'
        :class:`sklearn.manifold.TSNE` or :class:`sklearn.decomposition.PCA`.
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; a new figure when ``None``.
    random_state : int or None, default=None
        Seed of t-SNE (and of randomised PCA solvers).
    perplexity : float or None, default=None
        t-SNE perplexity; ``None`` uses ``min(30, (n_samples - 1) / 3)``.

    Returns
    -------
    ax : matplotlib.axes.Axes
        One scatter collection per label.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.viz import plot_embedding
    >>> emb = np.random.default_rng(0).normal(size=(20, 8))
    >>> ax = plot_embedding(emb, ["normal"] * 10 + ["seizure"] * 10, method="pca")
    >>> len(ax.collections), [t.get_text() for t in ax.get_legend().get_texts()]
    (2, ['normal', 'seizure'])
    """
    _check_option("method", method, ("tsne", "pca"))
    emb = _as_numeric(emb, "emb", (2,))
    n = emb.shape[0]
    if n < 3 or emb.shape[1] < 2:
        raise ValueError(
            f"emb must have at least 3 samples and 2 features to be projected to 2-D, got shape "
            f"{emb.shape}."
        )
    labels = np.zeros(n, dtype=int) if labels is None else np.asarray(labels)
    if labels.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), one per row of emb, got {labels.shape}.")
    if perplexity is not None:
        _validate_type(perplexity, "numeric", "perplexity")
        if not 0 < perplexity < n:
            raise ValueError(f"perplexity must be in (0, {n}) for {n} samples, got {perplexity}.")
    ax = _get_ax(ax)
    if method == "tsne":
        perp = min(30.0, (n - 1) / 3) if perplexity is None else float(perplexity)
        xy = TSNE(2, perplexity=perp, init="pca", random_state=random_state).fit_transform(emb)
        name = "t-SNE"
    else:
        xy = PCA(2, random_state=random_state).fit_transform(emb)
        name = "PCA"
    for value in np.unique(labels):
        sel = labels == value
        ax.scatter(xy[sel, 0], xy[sel, 1], s=12, alpha=0.8, label=str(value))
    if np.unique(labels).size > 1:
        ax.legend(title="label")
    ax.set(xlabel=f"{name} 1", ylabel=f"{name} 2")
    return ax


def plot_low_label_curve(df: pd.DataFrame, *, ax: Axes | None = None, hue: str | None = None,
                         label: str | None = None) -> Axes:
    """Plot score against the fraction of training labels, mean ± std over folds and repeats.

    Parameters
    ----------
    df : pandas.DataFrame
        The output of :func:`bptlearn.model_selection.low_label_curve` (columns
        ``fraction`` and ``score``), possibly several concatenated with a column
        naming the model.
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; a new figure when ``None``.
    hue : str or None, default=None
        Column whose values get one curve each (e.g. ``'model'``: pretrained, scratch,
        baseline).
    label : str or None, default=None
        Legend label of the single curve drawn when ``hue`` is ``None``.

    Returns
    -------
    ax : matplotlib.axes.Axes
        One line per curve, with a shaded ± std band; logarithmic fraction axis.

    Examples
    --------
    >>> import pandas as pd
    >>> from bptlearn.viz import plot_low_label_curve
    >>> df = pd.DataFrame({"fraction": [0.1, 0.1, 1.0, 1.0], "score": [0.5, 0.7, 0.8, 0.9]})
    >>> ax = plot_low_label_curve(df, label="baseline")
    >>> [round(float(v), 3) for v in ax.lines[0].get_ydata()]
    [0.6, 0.85]
    """
    _validate_type(df, pd.DataFrame, "df")
    needed = ["fraction", "score"] + ([] if hue is None else [hue])
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(
            f"df lacks the column(s) {missing}; it has {list(df.columns)}. Pass the DataFrame "
            "returned by bptlearn.model_selection.low_label_curve (and an existing hue column)."
        )
    if df.empty:
        raise ValueError("df is empty; there is no curve to plot.")
    ax = _get_ax(ax)
    curves = [(label, df)] if hue is None else list(df.groupby(hue, sort=True))
    for name, part in curves:
        stats = part.groupby("fraction")["score"].agg(["mean", "std"]).fillna(0.0)
        x = stats.index.to_numpy(float)
        mean, std = stats["mean"].to_numpy(), stats["std"].to_numpy()
        line, = ax.plot(x, mean, marker="o", label=None if name is None else str(name))
        ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.2)
    ax.set_xscale("log")
    ax.set(xlabel="Fraction of training labels", ylabel="Score")
    if hue is not None or label is not None:
        ax.legend()
    return ax


def _one_window(x: Any, name: str, channel: int) -> np.ndarray:
    x = _as_numeric(x, name, (1, 2))
    if x.ndim == 1:
        return x
    if not -x.shape[0] <= channel < x.shape[0]:
        raise ValueError(f"channel={channel} is out of range for {name} with {x.shape[0]} "
                         "channels.")
    return x[channel]


def plot_forecast(history: Any, true: Any, pred: Any, sfreq: float, *, channel: int = 0,
                  ax: Axes | None = None) -> Axes:
    """Plot one channel's history, its true future and the forecast, with time 0 at the cut.

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

    Returns
    -------
    ax : matplotlib.axes.Axes
        Lines: history, true future, forecast, and the vertical line at time 0.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.viz import plot_forecast
    >>> ax = plot_forecast(np.zeros((2, 500)), np.ones((2, 250)), np.ones((2, 250)), 250.0)
    >>> len(ax.lines), float(ax.lines[0].get_xdata()[0])  # history starts 2 s before the cut
    (4, -2.0)
    """
    sfreq = _check_sfreq(sfreq)
    _validate_type(channel, "int-like", "channel")
    hist = _one_window(history, "history", channel)
    fut_true, fut_pred = _one_window(true, "true", channel), _one_window(pred, "pred", channel)
    if fut_true.shape != fut_pred.shape:
        raise ValueError(f"true and pred must have the same shape, got {np.shape(true)} and "
                         f"{np.shape(pred)}.")
    ax = _get_ax(ax)
    t_hist = (np.arange(hist.size) - hist.size) / sfreq
    t_fut = np.arange(fut_true.size) / sfreq
    ax.plot(t_hist, hist, color="0.3", lw=0.8, label="history")
    ax.plot(t_fut, fut_true, color="C0", lw=0.8, label="true")
    ax.plot(t_fut, fut_pred, color="C1", lw=1.0, ls="--", label="forecast")
    ax.axvline(0.0, color="k", lw=0.8, ls=":")
    ax.set(xlabel="Time (s)", ylabel="Amplitude", title=f"Channel {channel}")
    ax.legend(loc="upper left")
    return ax


def plot_seizure_timeline(proba: Any, y_true: Any = None, *, window_s: float = 6.0,
                          ch_names: Any = None, ax: Axes | None = None) -> Axes:
    """Plot seizure probability over time per channel, with the true events shaded.

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

    Returns
    -------
    ax : matplotlib.axes.Axes
        One line per channel and one shaded span per true event.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.viz import plot_seizure_timeline
    >>> proba = np.array([[0.1, 0.2], [0.9, 0.7], [0.2, 0.1]])
    >>> ax = plot_seizure_timeline(proba, [0, 1, 0], ch_names=["LA1", "LA2"])
    >>> len(ax.lines), len(ax.patches)
    (2, 1)
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
        events = _runs(_check_binary(y, "y_true").reshape(n, -1).any(axis=1))
    ax = _get_ax(ax)
    t = (np.arange(n) + 0.5) * window_s
    for c in range(n_chans):
        ax.plot(t, proba[:, c], lw=1.0, label=None if ch_names is None else ch_names[c])
    if events is not None:
        for i, (start, stop) in enumerate(zip(*events, strict=True)):
            ax.axvspan(start * window_s, stop * window_s, color="red", alpha=0.15, lw=0,
                       label="seizure" if i == 0 else None)
    ax.set(xlabel="Time (s)", ylabel="Seizure probability", ylim=(-0.02, 1.02),
           xlim=(0, n * window_s))
    if ch_names is not None or (events is not None and events[0].size):
        ax.legend(loc="upper right", fontsize="small")
    return ax
