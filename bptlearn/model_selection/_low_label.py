"""Learning curves at few labels, split by patient."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.metrics import check_scoring
from sklearn.model_selection import GroupKFold, check_cv
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import _num_samples
from tqdm.auto import tqdm

from ..metrics._names import scoring_name
from ..utils._check import _validate_type

COLUMNS = ["fraction", "repeat", "fold", "n_train", "n_test", "score"]


def _allocate(counts: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` draws over strata proportionally to ``counts`` (largest remainder)."""
    ideal = total * counts / counts.sum()
    take = np.floor(ideal).astype(int)
    rest = np.argsort(-(ideal - take), kind="stable")[: total - take.sum()]
    take[rest] += 1
    return take


def _subsample(train: np.ndarray, fraction: float, groups: np.ndarray, labels: np.ndarray | None,
               rng: np.random.RandomState) -> np.ndarray:
    """Draw ``fraction`` of ``train`` proportionally per patient, one window of each class kept."""
    n = train.size
    n_target = max(1, round(fraction * n))
    if labels is not None:
        n_target = max(n_target, np.unique(labels).size)
    if n_target >= n:
        return train
    chosen = np.zeros(n, dtype=bool)
    if labels is not None:  # one window of each class first, so a classifier sees both
        for c in np.unique(labels):
            chosen[rng.choice(np.flatnonzero(labels == c))] = True
    pool_groups, pool_inv = np.unique(groups[~chosen], return_inverse=True)
    pool = np.flatnonzero(~chosen)
    take = _allocate(np.bincount(pool_inv, minlength=pool_groups.size), n_target - chosen.sum())
    for g, k in enumerate(take):
        if k:
            chosen[rng.choice(pool[pool_inv == g], size=k, replace=False)] = True
    return train[chosen]


def _fit_and_score(estimator: Any, X: Any, y: Any, train: np.ndarray, test: np.ndarray,
                   scorer: Any, fit_params: dict[str, Any], n: int) -> float:
    params = {k: _safe_indexing(v, train) if _is_per_sample(v, n) else v
              for k, v in fit_params.items()}
    estimator.fit(_safe_indexing(X, train), _safe_indexing(y, train), **params)
    return float(scorer(estimator, _safe_indexing(X, test), _safe_indexing(y, test)))


def _is_per_sample(value: Any, n: int) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, str) and len(value) == n


def _check_fractions(fractions: Any) -> tuple[float, ...]:
    _validate_type(fractions, (Sequence, np.ndarray), "fractions")
    out = tuple(fractions)
    if not out or not all(isinstance(f, numbers.Real) and 0 < f <= 1 for f in out):
        raise ValueError(
            f"fractions must be a non-empty sequence of numbers in (0, 1], the share of each "
            f"training fold that keeps its labels, got {fractions!r}."
        )
    return tuple(float(f) for f in out)


def low_label_curve(
    estimator: Any,
    X: Any,
    y: Any,
    groups: Any,
    *,
    fractions: Sequence[float] = (0.01, 0.05, 0.1, 0.5, 1.0),
    cv: Any = None,
    n_repeats: int = 3,
    scoring: Any = None,
    random_state: Any = None,
    n_jobs: int | None = None,
    fit_params: dict[str, Any] | None = None,
    verbose: int = 0,
) -> pd.DataFrame:
    """Score an estimator trained on shrinking shares of the labels, patient-wise.

    The paper's low-label experiment, done so that it can be trusted: for each
    patient-wise fold, each fraction and each repeat, a random ``fraction`` of the
    training windows is drawn (stratified by patient: each patient contributes in
    proportion to its windows; for a classifier at least one window of each class
    is kept), a :func:`~sklearn.base.clone` of ``estimator`` is fitted on it and
    scored on the whole test fold. All draws are made up front from
    ``random_state``, so the result does not depend on ``n_jobs``.

    Parameters
    ----------
    estimator : estimator object
        Any scikit-learn compatible estimator (bptlearn's or a baseline).
    X : array-like of shape (n_windows, n_chans, n_times)
        Windows; indexed along the first axis.
    y : array-like of shape (n_windows,) or (n_windows, ...)
        Targets (window labels, token labels, or future signals). For a
        classifier with token labels, a window counts as positive when any token is.
    groups : array-like of shape (n_windows,)
        Patient id of each window.
    fractions : sequence of float, default=(0.01, 0.05, 0.1, 0.5, 1.0)
        Shares of each training fold that keep their labels, in (0, 1]. At least one
        window is drawn; ``1.0`` uses the whole fold (its repeats differ only by the
        estimator's own randomness).
    cv : int, cross-validation generator or None, default=None
        ``None`` is :class:`~sklearn.model_selection.GroupKFold` with
        ``min(5, n_patients)`` folds; an int ``k`` is ``GroupKFold(k)``; a splitter
        receives ``groups`` in its ``split``.
    n_repeats : int, default=3
        Independent draws per fold and fraction.
    scoring : str, callable or None, default=None
        As in :func:`~sklearn.model_selection.cross_val_score`, e.g.
        :data:`bptlearn.metrics.f2_scorer`; ``None`` uses ``estimator.score``.
    random_state : int, RandomState instance or None, default=None
        Seed of the label draws.
    n_jobs : int or None, default=None
        Fits run in parallel with joblib; ``-1`` uses every core.
    fit_params : dict or None, default=None
        Extra ``fit`` arguments; those with one value per window (e.g. ``groups``
        for :class:`GroupValidSplit`) are subset to the drawn windows.
    verbose : int, default=0
        ``1`` or more shows a progress bar of the fits (with the time left).

    Returns
    -------
    curve : pandas.DataFrame
        One row per fit, columns ``fraction``, ``repeat``, ``fold``, ``n_train``,
        ``n_test``, ``score``; ``curve.attrs['scoring']`` names the score (for the axis
        label of :func:`bptlearn.viz.plot_low_label_curve`).

    Notes
    -----
    Every fit re-embeds its windows. To embed each window once per curve, give the
    encoder a cache and scaling statistics that do not depend on the drawn windows:
    ``BPTEncoder(scaling='window', memory='cache_dir')`` (window scaling scored as well
    as channel scaling in the readout study of :class:`~bptlearn.BPTEncoder`). With
    the default channel scaling, learnt from each draw, only identical draws (the
    repeats at ``fraction=1.0``, or a second run with the same ``random_state``) hit
    the cache.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyRegressor
    >>> from bptlearn.model_selection import low_label_curve
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(40, 2, 8)), rng.normal(size=40)
    >>> groups = np.repeat([0, 1, 2, 3], 10)
    >>> curve = low_label_curve(DummyRegressor(), X, y, groups, fractions=(0.1, 1.0),
    ...                         n_repeats=2, random_state=0)
    >>> curve.shape, curve.groupby("fraction")["n_train"].max().tolist()
    ((16, 6), [3, 30])
    """
    fractions = _check_fractions(fractions)
    _validate_type(n_repeats, "int-like", "n_repeats")
    _validate_type(verbose, "int-like", "verbose")
    if n_repeats < 1:
        raise ValueError(f"n_repeats must be at least 1, got {n_repeats}.")
    if fit_params is not None:
        _validate_type(fit_params, dict, "fit_params")
    n = _num_samples(X)
    if groups is None:
        raise ValueError(
            "low_label_curve needs groups, the patient id of each window, to split patient-wise "
            "and to stratify the draws by patient."
        )
    groups, y_arr = np.asarray(groups), np.asarray(y)
    for name, arr in (("y", y_arr), ("groups", groups)):
        if arr.ndim < 1 or arr.shape[0] != n:
            raise ValueError(f"{name} has {arr.shape[0] if arr.ndim else 0} entries but X has {n} "
                             "windows; pass one per window.")
    n_groups = np.unique(groups).size
    if cv is None or isinstance(cv, numbers.Integral):
        if n_groups < 2:
            raise ValueError(f"groups holds {n_groups} patient; patient-wise folds need 2 or more.")
        cv = GroupKFold(n_splits=min(5, n_groups) if cv is None else cv)
    cv = check_cv(cv, classifier=False)
    scorer = check_scoring(estimator, scoring=scoring)
    labels = None
    if is_classifier(estimator):
        labels = y_arr if y_arr.ndim == 1 else y_arr.reshape(n, -1).max(axis=1)

    rng = check_random_state(random_state)
    jobs = []
    for fold, (train, test) in enumerate(cv.split(X, y_arr, groups)):
        for fraction in fractions:
            for repeat in range(n_repeats):
                sub = _subsample(train, fraction, groups[train],
                                 None if labels is None else labels[train], rng)
                jobs.append((fraction, repeat, fold, sub, test))
    scores = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_and_score)(clone(estimator), X, y, sub, test, scorer, fit_params or {}, n)
        for _, _, _, sub, test in jobs
    )
    scores = list(tqdm(scores, total=len(jobs), disable=verbose < 1, unit="fit",
                       desc="low_label_curve"))
    rows = [(f, r, k, sub.size, test.size, s) for (f, r, k, sub, test), s in zip(jobs, scores,
                                                                                   strict=True)]
    curve = pd.DataFrame(rows, columns=COLUMNS)
    curve = curve.sort_values(["fraction", "repeat", "fold"], ignore_index=True)
    curve.attrs["scoring"] = scoring_name(scoring) or (
        "accuracy" if is_classifier(estimator) else "r2" if is_regressor(estimator) else None)
    return curve
