"""Seizure-detection metrics: F2 on window or token labels, and event-level scores."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import fbeta_score

from ._common import _check_pair
from ._events import _score_events, _summary


def f2_score(
    y_true: Any,
    y_pred: Any,
    *,
    pos_label: int = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: str | float = "warn",
) -> float | np.ndarray:
    """F2 score (recall weighted above precision), the metric the Brant paper reports.

    A thin layer over :func:`sklearn.metrics.fbeta_score` with ``beta=2`` that also
    takes channel × patch token labels: arrays of more than one dimension are
    flattened, so every token counts once.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_windows,) or (n_windows, n_chans, n_patches)
        True and predicted labels, of the same shape.
    pos_label : int, default=1
        The seizure class, used when ``average='binary'``.
    average : {'binary', 'micro', 'macro', 'weighted'} or None, default='binary'
        As in :func:`sklearn.metrics.fbeta_score`.
    sample_weight : array-like of shape (n_windows,) or y_true's shape, default=None
        Weights; one weight per window is repeated over that window's tokens.
    zero_division : {'warn', 0.0, 1.0, nan}, default='warn'
        Value returned when precision or recall is undefined, as in scikit-learn.

    Returns
    -------
    score : float or ndarray
        F2 score; one per class when ``average=None``.

    See Also
    --------
    f2_scorer : The same score for ``cross_val_score(..., scoring=f2_scorer)``.

    Examples
    --------
    >>> from bptlearn.metrics import f2_score
    >>> round(f2_score([0, 1, 1, 0], [0, 1, 0, 1]), 4)  # precision 0.5, recall 0.5
    0.5
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=float)
        if sample_weight.shape == y_true.shape[:1] and y_true.ndim > 1:
            sample_weight = np.repeat(sample_weight, y_true[0].size)
        elif sample_weight.shape != y_true.shape:
            raise ValueError(
                f"sample_weight must have shape {y_true.shape[:1]} (one weight per window) or "
                f"{y_true.shape} (one per label), got {sample_weight.shape}."
            )
        sample_weight = sample_weight.ravel()
    score = fbeta_score(
        y_true.ravel(), y_pred.ravel(), beta=2.0, pos_label=pos_label, average=average,
        sample_weight=sample_weight, zero_division=zero_division,
    )
    return float(score) if np.ndim(score) == 0 else score


def event_metrics(
    y_true: Any,
    y_pred: Any,
    *,
    onsets: Any = None,
    recording: Any = None,
    window_s: float = 6.0,
    tolerance_s: float | tuple[float, float] = (30.0, 60.0),
    merge_gap_s: float = 90.0,
) -> dict[str, float]:
    """Event-level seizure detection scores, on the recordings' real timelines.

    Clinicians count seizures and false alarms, not windows. Runs of adjacent
    positive windows of ``y_true`` are the true events; runs of positive windows of
    ``y_pred`` are detections, and detections separated by at most ``merge_gap_s``
    are merged into one. A gap in ``onsets`` (a dropped window, a pause in the
    recording) ends a run, and a new recording starts a new clock. A detection hits an
    event when their time spans overlap, the event's span being widened by
    ``tolerance_s`` (before onset, after offset).
    One detection may hit several events (all count as detected, none as a false
    alarm), and several detections may hit one event (it is counted once).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_windows,)
        Binary labels (0/1) of the windows. Window ``i`` spans
        ``[onsets[i], onsets[i] + window_s)``. For channel × patch token labels ``y`` of
        shape (n_windows, n_chans, n_patches) of contiguous windows, pass
        ``y.max(axis=1).ravel()`` with ``window_s`` the patch duration (6.0).
    onsets : array-like of shape (n_windows,) or None, default=None
        Start of each window in seconds on its recording's clock (``Windows.onsets`` from
        :func:`bptlearn.data.to_windows`); need not be sorted. ``None``: consecutive,
        non-overlapping windows in time order, ``onsets[i] = i * window_s``.
    recording : array-like of shape (n_windows,) or None, default=None
        Recording id of each window: events never span two recordings, and the hours of
        all recordings are summed. ``None``: one recording.
    window_s : float, default=6.0
        Duration of one window in seconds (also its step when ``onsets`` is ``None``).
    tolerance_s : float or (float, float), default=(30.0, 60.0)
        How far before an event's onset and after its offset a detection still
        counts as a hit, in seconds; one number is used for both sides.
    merge_gap_s : float, default=90.0
        Detections separated by gaps of at most this many seconds are merged;
        ``0`` merges only adjacent positive windows. The defaults follow the SzCORE
        event-scoring convention (Dan et al., 2024).

    Returns
    -------
    scores : dict
        ``sensitivity`` (fraction of events hit; NaN when there is no event),
        ``false_alarms_per_hour`` (detections hitting no event, per hour of recording),
        ``mean_latency_s`` (mean over hit events of the time from event onset to the
        start of the first detection hitting it, clipped below at ``-before``:
        negative means detected early; NaN when no event is hit), ``n_events``,
        ``n_detected_events``, ``n_detections`` (after merging), ``n_false_alarms``,
        ``n_recordings`` and ``duration_h`` (hours covered by windows: gaps do not count).

    See Also
    --------
    event_table : The same events one row each, per recording.
    f2_score : Window- or token-level F2.

    References
    ----------
    .. [1] Dan et al., "SzCORE: Seizure Community Open-Source Research Evaluation
       framework for the validation of EEG-based automated seizure detection
       algorithms", Epilepsia, 2024.

    Examples
    --------
    >>> from bptlearn.metrics import event_metrics
    >>> y_true = [0, 0, 1, 1, 0, 0, 0, 0, 0, 0]
    >>> y_pred = [0, 0, 0, 1, 1, 0, 0, 0, 0, 1]
    >>> s = event_metrics(y_true, y_pred, window_s=6.0, tolerance_s=0.0, merge_gap_s=0.0)
    >>> s["sensitivity"], s["n_false_alarms"], s["mean_latency_s"]
    (1.0, 1, 6.0)
    >>> round(s["false_alarms_per_hour"])  # 1 alarm in 60 s
    60

    With a gap: windows 2 and 3 are 10 minutes apart, so they are two events.

    >>> s = event_metrics([0, 1, 1, 0], [0, 1, 0, 0], onsets=[0, 6, 612, 618])
    >>> s["n_events"], s["sensitivity"], round(s["duration_h"] * 3600)
    (2, 0.5, 24)
    """
    recs = _score_events(y_true, y_pred, onsets=onsets, recording=recording,
                         window_s=window_s, tolerance_s=tolerance_s, merge_gap_s=merge_gap_s)
    return _summary(recs)


def event_sensitivity(y_true: Any, y_pred: Any, **kwargs: Any) -> float:
    """Fraction of seizure events hit: ``event_metrics(...)['sensitivity']``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_windows,)
        Binary labels of time-ordered windows, as in :func:`event_metrics`.
    **kwargs
        ``onsets``, ``recording``, ``window_s``, ``tolerance_s``, ``merge_gap_s`` of
        :func:`event_metrics`.

    Returns
    -------
    sensitivity : float
        NaN when ``y_true`` holds no event.

    Examples
    --------
    >>> from bptlearn.metrics import event_sensitivity
    >>> event_sensitivity([0, 1, 0, 0, 1], [0, 1, 0, 0, 0], tolerance_s=0.0, merge_gap_s=0.0)
    0.5
    """
    return event_metrics(y_true, y_pred, **kwargs)["sensitivity"]


def false_alarms_per_hour(y_true: Any, y_pred: Any, **kwargs: Any) -> float:
    """Detections that hit no seizure, per hour: ``event_metrics(...)['false_alarms_per_hour']``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_windows,)
        Binary labels of time-ordered windows, as in :func:`event_metrics`.
    **kwargs
        ``onsets``, ``recording``, ``window_s``, ``tolerance_s``, ``merge_gap_s`` of
        :func:`event_metrics`.

    Returns
    -------
    rate : float
        False alarms per hour of recording.

    Examples
    --------
    >>> from bptlearn.metrics import false_alarms_per_hour
    >>> false_alarms_per_hour([0] * 600, [1] + [0] * 599, window_s=6.0)  # 1 h, 1 alarm
    1.0
    """
    return event_metrics(y_true, y_pred, **kwargs)["false_alarms_per_hour"]
