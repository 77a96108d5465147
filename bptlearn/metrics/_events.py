"""Seizure events on real timelines: window onsets, gaps, several recordings.

:func:`event_metrics` and :func:`event_table` share one engine, :func:`_score_events`,
that places every window on its recording's clock (``onsets`` in seconds), so that gaps
and windows dropped upstream (``nan_policy='omit'``, ``BAD_*`` spans) never shift the
timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..utils._arrays import _runs
from ._common import _check_binary, _check_pair, _check_positive

_TOL = 1e-6  # seconds: windows closer than this are adjacent


@dataclass
class _Recording:
    """Events, detections and hits of one recording (times in seconds)."""

    ev_start: np.ndarray
    ev_stop: np.ndarray
    det_start: np.ndarray
    det_stop: np.ndarray
    hit: np.ndarray  # (n_detections, n_events)
    latency: np.ndarray  # per event; NaN when missed
    duration_h: float


def _check_tolerance(tolerance_s: Any) -> tuple[float, float]:
    if isinstance(tolerance_s, tuple | list) and len(tolerance_s) == 2:
        before, after = tolerance_s
    elif isinstance(tolerance_s, tuple | list):
        raise ValueError(
            f"tolerance_s must be one number or a (before_s, after_s) pair, got {len(tolerance_s)} "
            f"values: {tolerance_s!r}."
        )
    else:
        before = after = tolerance_s
    return (_check_positive(before, "tolerance_s", allow_zero=True),
            _check_positive(after, "tolerance_s", allow_zero=True))


def _spans(mask: np.ndarray, start: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Time spans of the runs of ``mask`` over time-ordered windows, split at gaps."""
    first, last = _runs(mask)
    out_start, out_stop = [], []
    for a, b in zip(first, last, strict=True):
        breaks = np.flatnonzero(start[a + 1:b] > stop[a:b - 1] + _TOL) + a + 1
        bounds = np.concatenate(([a], breaks, [b]))
        out_start += [start[i] for i in bounds[:-1]]
        out_stop += [stop[j - 1] for j in bounds[1:]]
    return np.asarray(out_start, dtype=float), np.asarray(out_stop, dtype=float)


def _covered_h(start: np.ndarray, stop: np.ndarray) -> float:
    """Hours covered by the union of time-ordered spans."""
    total, end = 0.0, -np.inf
    for a, b in zip(start, stop, strict=True):
        total += max(0.0, b - max(a, end))
        end = max(end, b)
    return total / 3600.0


def _one_recording(truth: np.ndarray, pred: np.ndarray, start: np.ndarray, stop: np.ndarray,
                   before: float, after: float, merge_gap_s: float) -> _Recording:
    ev_start, ev_stop = _spans(truth, start, stop)
    det_start, det_stop = _spans(pred, start, stop)
    if det_start.size:  # merge detections separated by short gaps
        new = np.concatenate(([True], det_start[1:] - det_stop[:-1] > merge_gap_s))
        det_start, det_stop = det_start[new], det_stop[np.concatenate((new[1:], [True]))]
    # hit[i, j]: detection i overlaps event j widened by the tolerance
    lo, hi = ev_start - before, ev_stop + after
    hit = (det_start[:, None] < hi[None, :]) & (det_stop[:, None] > lo[None, :])
    latency = np.full(ev_start.size, np.nan)
    for j in np.flatnonzero(hit.any(axis=0)):
        latency[j] = max(det_start[hit[:, j]].min(), lo[j]) - ev_start[j]
    return _Recording(ev_start, ev_stop, det_start, det_stop, hit, latency,
                      _covered_h(start, stop))


def _score_events(y_true: Any, y_pred: Any, *, onsets: Any, recording: Any, window_s: float,
                  tolerance_s: Any, merge_gap_s: float) -> dict[Any, _Recording]:
    """Check the inputs and score each recording; keys are the recording ids, sorted."""
    window_s = _check_positive(window_s, "window_s")
    before, after = _check_tolerance(tolerance_s)
    merge_gap_s = _check_positive(merge_gap_s, "merge_gap_s", allow_zero=True)
    y_true, y_pred = _check_pair(y_true, y_pred)
    if y_true.ndim != 1:
        raise ValueError(
            f"y_true must be 1-D labels of time-ordered windows (n_windows,), got shape "
            f"{y_true.shape}. Reduce token labels with y.max(axis=1).ravel() and window_s=6.0."
        )
    truth, pred = _check_binary(y_true, "y_true"), _check_binary(y_pred, "y_pred")
    n = truth.size
    if onsets is None:
        onsets = np.arange(n) * window_s
    onsets = np.asarray(onsets, dtype=float)
    recording = np.zeros(n, dtype=int) if recording is None else np.asarray(recording)
    for name, arr in (("onsets", onsets), ("recording", recording)):
        if arr.shape != (n,):
            raise ValueError(f"{name} must have shape ({n},), one value per window, got "
                             f"{arr.shape}.")
    if not np.isfinite(onsets).all():
        raise ValueError("onsets holds NaN or infinite values; pass each window's start in "
                         "seconds (Windows.onsets).")
    out = {}
    for rec in np.unique(recording):
        idx = np.flatnonzero(recording == rec)
        idx = idx[np.argsort(onsets[idx], kind="stable")]
        start = onsets[idx]
        if np.any(np.diff(start) <= 0):
            raise ValueError(
                f"onsets repeats a start time within recording {rec!r}; windows of several "
                "recordings need their recording ids (recording=...), so that their clocks "
                "are kept apart.")
        out[rec] = _one_recording(truth[idx], pred[idx], start, start + window_s, before, after,
                                  merge_gap_s)
    return out


def _summary(recs: dict[Any, _Recording]) -> dict[str, float]:
    """Pool the recordings' events into :func:`event_metrics`'s dict."""
    detected = np.concatenate([r.hit.any(axis=0) for r in recs.values()])
    latency = np.concatenate([r.latency for r in recs.values()])
    n_false = int(sum((~r.hit.any(axis=1)).sum() for r in recs.values()))
    duration_h = float(sum(r.duration_h for r in recs.values()))
    return {
        "sensitivity": float(detected.mean()) if detected.size else float("nan"),
        "false_alarms_per_hour": n_false / duration_h,
        "mean_latency_s": float(np.nanmean(latency)) if detected.any() else float("nan"),
        "n_events": int(detected.size),
        "n_detected_events": int(detected.sum()),
        "n_detections": int(sum(r.det_start.size for r in recs.values())),
        "n_false_alarms": n_false,
        "n_recordings": len(recs),
        "duration_h": duration_h,
    }


def _binarize(y_pred: Any, threshold: float | None) -> Any:
    """Labels from predictions, or from probabilities (n,) or (n, 2) with a threshold."""
    if threshold is None:
        return y_pred
    threshold = _check_positive(threshold, "threshold", allow_zero=True)
    proba = np.asarray(y_pred, dtype=float)
    if proba.ndim == 2 and proba.shape[1] == 2:
        proba = proba[:, 1]
    if proba.ndim != 1:
        raise ValueError(f"With threshold={threshold}, y_pred must be seizure probabilities of "
                         f"shape (n_windows,) or (n_windows, 2) (predict_proba), got shape "
                         f"{np.shape(y_pred)}.")
    return (proba >= threshold).astype(int)


def event_table(
    y_true: Any,
    y_pred: Any,
    *,
    onsets: Any = None,
    recording: Any = None,
    threshold: float | None = None,
    window_s: float = 6.0,
    tolerance_s: float | tuple[float, float] = (30.0, 60.0),
    merge_gap_s: float = 90.0,
) -> pd.DataFrame:
    """Seizure events and false alarms, one row each, per recording.

    Turns window predictions (e.g. from
    :func:`~sklearn.model_selection.cross_val_predict`) into the table a clinician reads:
    every true seizure with its onset, offset, whether it was detected and how late, and
    every false alarm, on each recording's own clock. Events are scored as in
    :func:`event_metrics`.

    Parameters
    ----------
    y_true : array-like of shape (n_windows,)
        True binary labels (0/1) of the windows.
    y_pred : array-like of shape (n_windows,) or (n_windows, 2)
        Predicted labels, or probabilities when ``threshold`` is given (the output of
        ``cross_val_predict(..., method='predict_proba')``).
    onsets : array-like of shape (n_windows,) or None, default=None
        Start of each window in seconds on its recording's clock (``Windows.onsets``);
        ``None`` takes contiguous windows, ``i * window_s``. Windows need not be sorted.
    recording : array-like of shape (n_windows,) or None, default=None
        Recording id of each window; ``None`` when all come from one recording.
    threshold : float or None, default=None
        Probability at or above which a window counts as a detection.
    window_s : float, default=6.0
        Duration of one window in seconds (its step too when ``onsets`` is ``None``).
    tolerance_s : float or (float, float), default=(30.0, 60.0)
        As in :func:`event_metrics`.
    merge_gap_s : float, default=90.0
        As in :func:`event_metrics`.

    Returns
    -------
    table : pandas.DataFrame
        One row per true event (``kind='seizure'``) and per false alarm
        (``kind='false_alarm'``), sorted by recording and onset. Columns ``recording``,
        ``kind``, ``onset``, ``offset`` (seconds), ``detected`` (bool; ``False`` for false
        alarms), ``latency_s`` (NaN unless detected), and the recording's
        ``false_alarms_per_hour`` and ``duration_h``.

    See Also
    --------
    event_metrics : The same events pooled into sensitivity and false-alarm rate.

    Examples
    --------
    >>> from bptlearn.metrics import event_table
    >>> y_true = [0, 1, 1, 0, 0, 0]
    >>> y_pred = [0, 0, 1, 0, 0, 1]
    >>> onsets = [0, 6, 12, 18, 600, 606]  # a gap after the fourth window
    >>> t = event_table(y_true, y_pred, onsets=onsets, tolerance_s=0.0, merge_gap_s=0.0)
    >>> t.kind.tolist(), t.onset.tolist(), t.detected.tolist(), t.latency_s.tolist()
    (['seizure', 'false_alarm'], [6.0, 606.0], [True, False], [6.0, nan])
    """
    recs = _score_events(y_true, _binarize(y_pred, threshold), onsets=onsets,
                         recording=recording, window_s=window_s, tolerance_s=tolerance_s,
                         merge_gap_s=merge_gap_s)
    frames = []
    for rec, r in recs.items():
        false = ~r.hit.any(axis=1)
        rate = int(false.sum()) / r.duration_h
        frames.append(pd.DataFrame({
            "recording": rec,
            "kind": ["seizure"] * r.ev_start.size + ["false_alarm"] * int(false.sum()),
            "onset": np.concatenate((r.ev_start, r.det_start[false])),
            "offset": np.concatenate((r.ev_stop, r.det_stop[false])),
            "detected": np.concatenate((r.hit.any(axis=0), np.zeros(false.sum(), bool))),
            "latency_s": np.concatenate((r.latency, np.full(false.sum(), np.nan))),
            "false_alarms_per_hour": rate,
            "duration_h": r.duration_h,
        }))
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(["recording", "onset"], ignore_index=True, kind="stable")
