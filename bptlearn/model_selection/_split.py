"""Leakage-safe splitters: chronological folds with an embargo, and skorch's validation split."""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np
from sklearn.model_selection import (
    BaseCrossValidator,
    GroupKFold,
    GroupShuffleSplit,
    StratifiedGroupKFold,
)
from sklearn.model_selection._split import GroupsConsumerMixin
from sklearn.utils.validation import _num_samples
from skorch.dataset import ValidSplit, get_len

from ..utils._check import _validate_type


def _merge_intervals(starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of half-open intervals as sorted, disjoint ``(starts, stops)``."""
    order = np.argsort(starts, kind="stable")
    starts, stops = starts[order], stops[order]
    reach = np.maximum.accumulate(stops)
    new = np.concatenate(([True], starts[1:] > reach[:-1]))
    last = np.concatenate((new[1:], [True]))
    return starts[new], reach[last]


def _overlaps_any(q_start: np.ndarray, q_stop: np.ndarray, starts: np.ndarray,
                  stops: np.ndarray) -> np.ndarray:
    """Whether each query interval overlaps any interval ``[starts, stops)``."""
    m_start, m_stop = _merge_intervals(starts, stops)
    j = np.searchsorted(m_start, q_stop, side="left") - 1  # last merged interval starting before
    return (j >= 0) & (m_stop[np.maximum(j, 0)] > q_start)


class PatientTimeSplit(GroupsConsumerMixin, BaseCrossValidator):
    """Chronological K-fold within each patient, with a temporal embargo.

    Each patient's windows are sorted by onset and cut into ``n_splits`` contiguous
    blocks of time; fold ``k`` tests on block ``k`` of every patient. A window is
    kept out of training when its time span ``[onset, onset + window_s)`` overlaps,
    or comes within ``embargo_s`` of, a test window of the same patient, so
    overlapping windows (and slow drifts such as a seizure's aftermath) never leak
    from the test set into training.

    Use it for patient-specific evaluation, where every patient is seen in
    training. To test on unseen patients, split by patient with
    :class:`sklearn.model_selection.GroupKFold` or
    :class:`~sklearn.model_selection.LeaveOneGroupOut` (``groups`` = patient ids):
    no window of a test patient can train then, so no embargo is needed.

    Parameters
    ----------
    onsets : array-like of shape (n_windows,)
        Start time of each window in seconds, relative to its recording (e.g. the
        ``onsets`` of :func:`bptlearn.data.to_windows`), aligned with ``X``.
    window_s : float
        Duration of each window in seconds (``n_patches * 6.0`` at 250 Hz).
    n_splits : int, default=5
        Number of folds (blocks of time per patient), at least 2.
    embargo_s : float, default=0.0
        Gap in seconds kept free around the test windows. ``0`` removes only
        training windows that overlap a test window.

    See Also
    --------
    GroupValidSplit : Patient-wise validation split for skorch early stopping.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.model_selection import PatientTimeSplit
    >>> onsets = np.arange(6) * 3.0  # 6-s windows every 3 s: neighbours overlap
    >>> cv = PatientTimeSplit(onsets, window_s=6.0, n_splits=3)
    >>> for train, test in cv.split(onsets, groups=np.zeros(6)):
    ...     print(train, test)
    [3 4 5] [0 1]
    [0 5] [2 3]
    [0 1 2] [4 5]
    """

    def __init__(self, onsets: Any, window_s: float, *, n_splits: int = 5,
                 embargo_s: float = 0.0) -> None:
        self.onsets = onsets
        self.window_s = window_s
        self.n_splits = n_splits
        self.embargo_s = embargo_s

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Number of folds, ``n_splits``."""
        return self.n_splits

    def _check_params(self, n: int, groups: Any) -> tuple[np.ndarray, np.ndarray]:
        _validate_type(self.n_splits, "int-like", "n_splits")
        if self.n_splits < 2:
            raise ValueError(f"n_splits must be at least 2, got {self.n_splits}.")
        for name in ("window_s", "embargo_s"):
            value = _validate_type(getattr(self, name), "numeric", name)
            if not np.isfinite(value) or value < 0 or (name == "window_s" and value == 0):
                raise ValueError(f"{name} must be a finite number of seconds > 0 (embargo_s >= 0),"
                                 f" got {value!r}.")
        if groups is None:
            raise ValueError(
                "PatientTimeSplit needs groups: one patient (or recording) id per window, because "
                "onsets are only comparable within a recording. Pass groups=... to split (or to "
                "cross_val_score)."
            )
        onsets, groups = np.asarray(self.onsets, dtype=float), np.asarray(groups)
        for name, arr in (("onsets", onsets), ("groups", groups)):
            if arr.shape != (n,):
                raise ValueError(
                    f"{name} must have shape ({n},), one value per window of X, got {arr.shape}. "
                    "Build the splitter with the onsets of the same windows you pass as X."
                )
        if not np.isfinite(onsets).all():
            raise ValueError("onsets holds NaN or infinite values; pass start times in seconds.")
        return onsets, groups

    def split(self, X: Any, y: Any = None, groups: Any = None
              ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train, test)`` index arrays, one pair per fold.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            The windows; only their number is used.
        y : None
            Ignored.
        groups : array-like of shape (n_windows,)
            Patient (or recording) id of each window.

        Yields
        ------
        train, test : ndarray of int
            Sorted indices of the training and test windows.
        """
        onsets, groups = self._check_params(_num_samples(X), groups)
        blocks = {}
        for g in np.unique(groups):
            idx = np.flatnonzero(groups == g)
            if idx.size < self.n_splits:
                raise ValueError(
                    f"Patient {g.item()!r} has {idx.size} windows, fewer than "
                    f"n_splits={self.n_splits}; lower n_splits or drop that patient."
                )
            blocks[g] = np.array_split(idx[np.argsort(onsets[idx], kind="stable")], self.n_splits)
        w, gap = float(self.window_s), float(self.embargo_s)
        for k in range(self.n_splits):
            train, test = [], []
            for parts in blocks.values():
                tst = parts[k]
                cand = np.concatenate([p for i, p in enumerate(parts) if i != k])
                bad = _overlaps_any(onsets[cand], onsets[cand] + w,
                                    onsets[tst] - gap, onsets[tst] + w + gap)
                train.append(cand[~bad])
                test.append(tst)
            train, test = np.sort(np.concatenate(train)), np.sort(np.concatenate(test))
            if train.size == 0:
                raise ValueError(
                    f"Fold {k} has no training window left after the embargo of {gap} s; "
                    "lower embargo_s or raise n_splits."
                )
            yield train, test


class GroupValidSplit(ValidSplit):
    """skorch ``train_split`` that holds out whole patients for validation.

    skorch's default :class:`skorch.dataset.ValidSplit` draws validation windows at
    random, so windows of one patient (and overlapping windows) land on both sides
    and early stopping is judged on leaked data. This split keeps each patient in
    one side only. Use it as ``train_split=GroupValidSplit(0.2)`` and pass the
    patient ids to ``fit``: skorch hands every extra ``fit`` argument to
    ``train_split``, so ``net.fit(X, y, groups=groups)`` works, and inside
    :func:`~sklearn.model_selection.cross_val_score` pass
    ``params={"groups": groups}`` (the ids are subset to each training fold).
    skorch also passes extra ``fit`` arguments to the module's ``forward``, so a
    plain skorch module must accept (and ignore) ``groups``; bptlearn's estimators do.

    Parameters
    ----------
    cv : float, int, cross-validation generator or iterable, default=0.2
        A float in (0, 1) is the fraction of patients held out
        (:class:`~sklearn.model_selection.GroupShuffleSplit`); an int ``k`` holds
        out the first fold of :class:`~sklearn.model_selection.GroupKFold` (or
        :class:`~sklearn.model_selection.StratifiedGroupKFold` when ``stratified``);
        a splitter object is used as given (it should be group-aware).
    stratified : bool, default=False
        Keep the class balance (needs 1-D window labels ``y``).
    random_state : int or None, default=None
        Seed of the patient draw when ``cv`` is a float.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.model_selection import GroupValidSplit
    >>> X, groups = np.zeros((8, 2, 10)), np.repeat(["p1", "p2", "p3", "p4"], 2)
    >>> train, valid = GroupValidSplit(0.25, random_state=0)(X, groups=groups)
    >>> len(train), len(valid), set(groups[valid.indices]) & set(groups[train.indices])
    (6, 2, set())
    """

    def __init__(self, cv: Any = 0.2, stratified: bool = False, random_state: Any = None) -> None:
        super().__init__(cv=cv, stratified=stratified, random_state=random_state)

    def _is_stratified(self, cv: Any) -> bool:
        return isinstance(cv, StratifiedGroupKFold) or super()._is_stratified(cv)

    def _check_cv_float(self) -> Any:
        if self.stratified:
            n_splits = max(2, round(1.0 / self.cv))
            return StratifiedGroupKFold(n_splits, shuffle=True, random_state=self.random_state)
        return GroupShuffleSplit(n_splits=1, test_size=self.cv, random_state=self.random_state)

    def _check_cv_non_float(self, y: Any) -> Any:
        if isinstance(self.cv, numbers.Integral):
            return (StratifiedGroupKFold if self.stratified else GroupKFold)(n_splits=self.cv)
        return super()._check_cv_non_float(y)

    def __call__(self, dataset: Any, y: Any = None, groups: Any = None) -> Any:
        """Split ``dataset`` into a training and a validation ``Subset`` by group."""
        if groups is None:
            raise ValueError(
                "GroupValidSplit needs the patient id of each window: call "
                "net.fit(X, y, groups=groups) (inside cross_val_score pass "
                "params={'groups': groups}). Without groups use skorch's ValidSplit, which "
                "mixes patients between training and validation."
            )
        groups = np.asarray(groups)
        if groups.shape != (get_len(dataset),):
            raise ValueError(
                f"groups must have shape ({get_len(dataset)},), one id per window, got "
                f"{groups.shape}."
            )
        if np.unique(groups).size < 2:
            raise ValueError(
                "groups holds a single patient, so no patient can be held out for validation; "
                "pass train_split=None or data from at least 2 patients."
            )
        return super().__call__(dataset, y, groups=groups)
