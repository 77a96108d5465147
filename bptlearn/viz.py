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
from sklearn.preprocessing import StandardScaler

from .metrics._common import _check_binary, _check_positive
from .metrics._events import _spans
from .metrics._names import metric_label, metric_range
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


def _colours(groups: list[Any], palette: Any) -> dict[Any, Any]:
    """One colour per group: a list or dict of colours, or a colormap name."""
    n = len(groups)
    if isinstance(palette, dict):
        missing = [g for g in groups if g not in palette]
        if missing:
            raise ValueError(f"palette has no colour for the label(s) {missing[:5]}; give one "
                             f"per label ({groups[:10]}).")
        return {g: palette[g] for g in groups}
    if isinstance(palette, (list, tuple)):
        if len(palette) < n:
            raise ValueError(f"palette holds {len(palette)} colours for {n} labels; give at "
                             f"least {n}, or a colormap name.")
        return dict(zip(groups, palette, strict=False))
    _validate_type(palette, ("str", None), "palette")
    name = palette or ("tab10" if n <= 10 else "tab20" if n <= 20 else "turbo")
    cmap = plt.get_cmap(name)
    if getattr(cmap, "N", 256) >= 256:  # a continuous map: spread the groups over it
        return {g: cmap(i / max(n - 1, 1)) for i, g in enumerate(groups)}
    return {g: cmap(i % cmap.N) for i, g in enumerate(groups)}


def plot_embedding(emb: Any, labels: Any = None, *, method: str = "tsne", ax: Axes | None = None,
                   random_state: Any = None, perplexity: float | None = None,
                   label_names: dict | None = None, palette: Any = None,
                   standardize: bool = False, legend_title: str | None = None,
                   title: str | None = None) -> Axes:
    """Scatter embeddings in 2-D (t-SNE or PCA), one colour per label.

    Parameters
    ----------
    emb : array-like of shape (n_samples, n_features)
        Embeddings, e.g. ``BPTEncoder(pooling='mean').transform(X)``. Pool 4-D
        embeddings (n, C, L, d) first, e.g. ``emb.mean(axis=(1, 2))``.
    labels : array-like of shape (n_samples,) or None, default=None
        Class (or patient) of each point; shown in the legend.
    method : {'tsne', 'pca'}, default='tsne'
        :class:`sklearn.manifold.TSNE` or :class:`sklearn.decomposition.PCA`.
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; a new figure when ``None``.
    random_state : int or None, default=None
        Seed of t-SNE (and of randomised PCA solvers).
    perplexity : float or None, default=None
        t-SNE perplexity; ``None`` uses ``min(30, (n_samples - 1) / 3)``.
    label_names : dict or None, default=None
        Legend text of each label value, e.g. ``{0: 'interictal', 1: 'ictal'}``; values
        not in it keep their own text.
    palette : str, list, dict or None, default=None
        A colormap name, a list of colours (one per label, in sorted label order), or a
        dict label -> colour. ``None``: ``'tab10'`` up to 10 labels, ``'tab20'`` up to 20,
        then evenly spaced ``'turbo'`` colours, so that no two labels share a colour.
    standardize : bool, default=False
        Scale every feature to zero mean and unit variance before projecting
        (:class:`~sklearn.preprocessing.StandardScaler`), so that no feature with a large
        range (e.g. band power next to embeddings) dominates.
    legend_title : str or None, default=None
        Title of the legend.
    title : str or None, default=None
        Title of the axes.

    Returns
    -------
    ax : matplotlib.axes.Axes
        One scatter collection per label; the legend sits outside the axes, on the right.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.viz import plot_embedding
    >>> emb = np.random.default_rng(0).normal(size=(20, 8))
    >>> ax = plot_embedding(emb, [0] * 10 + [1] * 10, method="pca",
    ...                     label_names={0: "interictal", 1: "ictal"})
    >>> len(ax.collections), [t.get_text() for t in ax.get_legend().get_texts()]
    (2, ['interictal', 'ictal'])
    """
    _check_option("method", method, ("tsne", "pca"))
    _validate_type(standardize, bool, "standardize")
    _validate_type(label_names, (dict, None), "label_names")
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
    groups = np.unique(labels).tolist()
    colours = _colours(groups, palette)
    ax = _get_ax(ax)
    if standardize:
        emb = StandardScaler().fit_transform(emb)
    if method == "tsne":
        perp = min(30.0, (n - 1) / 3) if perplexity is None else float(perplexity)
        xy = TSNE(2, perplexity=perp, init="pca", random_state=random_state).fit_transform(emb)
        name = "t-SNE"
    else:
        xy = PCA(2, random_state=random_state).fit_transform(emb)
        name = "PCA"
    names = label_names or {}
    for value in groups:
        sel = labels == value
        ax.scatter(xy[sel, 0], xy[sel, 1], s=12, alpha=0.8, color=colours[value],
                   label=str(names.get(value, value)))
    if len(groups) > 1:
        ax.legend(title=legend_title, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0.0, fontsize="small", markerscale=1.5,
                  ncols=1 + len(groups) // 25)
    ax.set(xlabel=f"{name} 1", ylabel=f"{name} 2", title=title or "")
    return ax


def plot_low_label_curve(df: pd.DataFrame, *, ax: Axes | None = None, hue: str | None = None,
                         label: str | None = None, metric: str | None = None,
                         x: str = "fraction", score_range: Any = "auto",
                         title: str | None = "auto") -> Axes:
    """Plot score against the training labels kept, mean ± std over folds and repeats.

    Parameters
    ----------
    df : pandas.DataFrame
        The output of :func:`bptlearn.model_selection.low_label_curve` (columns
        ``fraction``, ``n_train`` and ``score``), possibly several concatenated with a
        column naming the model.
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; a new figure when ``None``.
    hue : str or None, default=None
        Column whose values get one curve each (e.g. ``'model'``: pretrained, scratch,
        baseline).
    label : str or None, default=None
        Legend label of the single curve drawn when ``hue`` is ``None``.
    metric : str or None, default=None
        Scoring name, for the y label and the range of the bands (``'balanced_accuracy'``
        reads "Balanced accuracy", within [0, 1]). ``None`` takes ``df.attrs['scoring']``,
        which :func:`~bptlearn.model_selection.low_label_curve` sets.
    x : {'fraction', 'n_train'}, default='fraction'
        The x axis: the share of the training labels (ticks as percentages) or the
        number of labelled training windows (mean over folds).
    score_range : 'auto', (float, float) or None, default='auto'
        Where the ± std bands are clipped: ``'auto'`` uses the metric's range (none when
        the metric is unknown), ``None`` does not clip.
    title : str or None, default='auto'
        Title; ``'auto'`` names the metric, ``None`` leaves it out.

    Returns
    -------
    ax : matplotlib.axes.Axes
        One line per curve, with a shaded ± std band; logarithmic x axis with a tick at
        each value measured.

    Examples
    --------
    >>> import pandas as pd
    >>> from bptlearn.viz import plot_low_label_curve
    >>> df = pd.DataFrame({"fraction": [0.1, 0.1, 1.0, 1.0], "score": [0.5, 0.7, 0.8, 0.9]})
    >>> ax = plot_low_label_curve(df, label="baseline", metric="balanced_accuracy")
    >>> [round(float(v), 3) for v in ax.lines[0].get_ydata()], ax.get_ylabel()
    ([0.6, 0.85], 'Balanced accuracy')
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['10%', '100%']
    """
    _validate_type(df, pd.DataFrame, "df")
    _check_option("x", x, ("fraction", "n_train"))
    needed = list(dict.fromkeys([x, "fraction", "score"] + ([] if hue is None else [hue])))
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(
            f"df lacks the column(s) {missing}; it has {list(df.columns)}. Pass the DataFrame "
            "returned by bptlearn.model_selection.low_label_curve (and an existing hue column)."
        )
    if df.empty:
        raise ValueError("df is empty; there is no curve to plot.")
    metric = df.attrs.get("scoring") if metric is None else metric
    _validate_type(metric, ("str", None), "metric")
    lo, hi = (metric_range(metric) if isinstance(score_range, str) and score_range == "auto"
              else (-np.inf, np.inf) if score_range is None else score_range)
    ax = _get_ax(ax)
    curves = [(label, df)] if hue is None else list(df.groupby(hue, sort=True))
    ticks = set()
    for name, part in curves:
        stats = part.groupby("fraction").agg(mean=("score", "mean"), std=("score", "std"),
                                             at=(x, "mean")).fillna({"std": 0.0})
        xs = stats["at"].to_numpy(float)
        mean, std = stats["mean"].to_numpy(), stats["std"].to_numpy()
        line, = ax.plot(xs, mean, marker="o", label=None if name is None else str(name))
        ax.fill_between(xs, np.clip(mean - std, lo, hi), np.clip(mean + std, lo, hi),
                        color=line.get_color(), alpha=0.2)
        ticks.update(xs.tolist())
    ax.set_xscale("log")
    ticks = sorted(ticks)
    ax.set_xticks(ticks, [f"{t:.0%}" if t >= 0.01 else f"{t:.1%}" for t in ticks]
                  if x == "fraction" else [f"{t:.0f}" for t in ticks])
    ax.minorticks_off()
    ylabel = metric_label(metric)
    ax.set(xlabel="Training labels kept" if x == "fraction" else "Labelled training windows",
           ylabel=ylabel)
    if title is not None:
        ax.set_title(f"{ylabel} with few labels" if title == "auto" else title)
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
