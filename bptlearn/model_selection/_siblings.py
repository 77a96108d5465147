"""Groups of windows that are copies of one another in time: cut at the same moment from
neighbouring contacts, or overlapping, or duplicated."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..utils._check import _validate_type


def correlated_groups(X: Any, threshold: float = 0.5, block_size: int = 1024) -> np.ndarray:
    """Group windows whose samples correlate at zero lag, to pass as ``groups`` to a splitter.

    Public sets often cut several segments at the same moment from neighbouring contacts
    of one recording (or from overlapping stretches of it). A random split then puts
    such siblings on both sides, and a classifier recognises the moment, not the brain
    state: any feature that keys on the samples themselves (the samples, a linear
    projection of each patch, embeddings read before the Transformer layers) matches a
    test window to its siblings in training. Two windows are siblings when the Pearson
    correlation of their samples at zero lag (over every channel and sample, sign
    ignored) exceeds ``threshold``; the groups are the connected components of that
    relation, so a sibling of a sibling shares the group. Independent stretches of
    signal correlate near zero (about ``1 / sqrt(n_chans * n_times)``).

    On the Bonn intracranial set (sets C and D, 100 single-channel segments each), the
    200 segments form 69 groups at 0.5, 38 of them of 2 to 18 segments. With folds by
    these groups instead of by segment, logistic regression on the raw samples falls from
    AUC 0.91 to 0.47 on D vs C, and on 8 log band powers from 0.73 to 0.68
    (``benchmarks/real_bonn.py``).

    Parameters
    ----------
    X : array-like of shape (n_windows, n_times) or (n_windows, n_chans, n_times)
        Windows of one layout: the same channels in the same order, one rate.
    threshold : float in (0, 1), default=0.5
        Absolute zero-lag correlation above which two windows are siblings.
    block_size : int, default=1024
        Windows correlated with all others at a time (memory: ``block_size x n_windows``
        floats).

    Returns
    -------
    groups : ndarray of int of shape (n_windows,)
        Group ids from 0, in order of first appearance.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.model_selection import correlated_groups
    >>> rng = np.random.default_rng(0)
    >>> moment = rng.normal(size=1500)  # two contacts see one moment, a third another
    >>> X = np.stack([moment, 0.8 * moment + 0.3 * rng.normal(size=1500),
    ...               rng.normal(size=1500)])
    >>> correlated_groups(X)
    array([0, 0, 1])
    """
    X = np.asarray(X)
    if X.ndim not in (2, 3) or X.shape[0] < 1 or X[0].size < 2:
        raise ValueError(f"X must hold windows of shape (n_windows, n_times) or (n_windows, "
                         f"n_chans, n_times) with at least 2 samples each, got shape {X.shape}.")
    if not np.isfinite(X).all():
        raise ValueError("X holds NaN or infinite samples; correlated_groups compares "
                         "complete windows (fill or drop the incomplete ones first).")
    _validate_type(threshold, "numeric", "threshold")
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must lie in (0, 1), got {threshold!r}.")
    if not isinstance(block_size, numbers.Integral) or block_size < 1:
        raise ValueError(f"block_size must be a positive integer, got {block_size!r}.")
    z = X.reshape(len(X), -1).astype(np.promote_types(X.dtype, np.float32))  # float32 kept
    z = z - z.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(z, axis=1, keepdims=True)
    z = np.divide(z, norm, out=np.zeros_like(z), where=norm > 0)  # a flat window: no sibling
    rows, cols = [], []
    for start in range(0, len(z), block_size):
        corr = np.abs(z[start:start + block_size] @ z.T)  # (block, n_windows)
        i, j = np.nonzero(corr > threshold)
        rows.append(i + start)
        cols.append(j)
    i, j = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(i)), (i, j)), shape=(len(z), len(z)))
    _, labels = connected_components(graph, directed=False)
    _, first = np.unique(labels, return_index=True)  # renumber in order of first appearance
    order = np.empty(len(first), dtype=int)
    order[np.argsort(first)] = np.arange(len(first))
    return order[labels]
