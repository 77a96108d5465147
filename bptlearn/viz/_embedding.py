"""2-D maps of embeddings (t-SNE, PCA), coloured by label."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.preprocessing import StandardScaler

from ..utils._check import _check_option, _validate_type
from ._common import _as_numeric, _colours, _get_ax


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
