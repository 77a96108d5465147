"""Low-label learning curves."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..metrics._names import metric_label, metric_range
from ..utils._check import _check_option, _validate_type
from ._common import _get_ax


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
