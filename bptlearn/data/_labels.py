"""Seizure labels for windows and channel x patch tokens from MNE annotations."""

from __future__ import annotations

import logging
import re
import warnings

import numpy as np

from ..exceptions import BPTWarning
from ..utils._check import _validate_type
from ._windows import Windows

logger = logging.getLogger(__name__)

#: Default description pattern: any description containing "seiz" (any case).
SEIZURE_REGEX = r"(?i)seiz"

_TOL = 1e-9  # seconds: float rounding of onsets must never flip a label


def _merge(intervals: list[tuple[float, float]]) -> np.ndarray:
    """Union of half-open intervals as a sorted ``(n, 2)`` array of disjoint ones."""
    if not intervals:
        return np.empty((0, 2))
    iv = np.asarray(sorted(intervals), dtype=float)
    merged = [iv[0].copy()]
    for lo, hi in iv[1:]:
        if lo <= merged[-1][1] + _TOL:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append(np.array([lo, hi]))
    return np.asarray(merged)


def _covered(starts: np.ndarray, length: float, events: np.ndarray) -> np.ndarray:
    """Seconds of each ``[start, start + length)`` inside the union ``events``."""
    if not len(events):
        return np.zeros(starts.shape)
    out = np.zeros(starts.shape)
    flat = starts.ravel()
    acc = out.reshape(-1)
    for k in range(0, flat.size, 4096):  # bounded memory for day-long recordings
        s = flat[k:k + 4096, None]
        inter = np.minimum(s + length, events[None, :, 1]) - np.maximum(s, events[None, :, 0])
        acc[k:k + 4096] = np.clip(inter, 0.0, None).sum(axis=1)
    return out


def _check_fraction(value, name: str) -> float:
    _validate_type(value, "numeric", name)
    if not 0.0 <= value <= 1.0:
        raise ValueError(
            f"{name} must be a fraction in [0, 1] (0: any overlap; 1: the whole span inside an "
            f"event), got {value!r} instead.")
    return float(value)


def annotations_to_labels(annotations, windows: Windows, *, regex: str = SEIZURE_REGEX,
                          min_overlap: float = 0.5, token_min_overlap: float | None = None,
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Label windows and channel x patch tokens from (seizure) annotations.

    A window is labelled 1 when at least ``min_overlap`` of its duration lies inside the
    union of the matching events (on any channel); a token (channel x patch) when at least
    ``token_min_overlap`` of the patch lies inside the matching events that concern its
    channel. Annotations without ``ch_names`` concern every channel; annotations with MNE
    ``ch_names`` only those channels (an event on a dropped channel still counts for the
    window label). Overlaps are compared with a 1-ns tolerance, so a window or patch fully
    inside an event is always labelled 1, whatever ``min_overlap``.

    Parameters
    ----------
    annotations : mne.Annotations, mne.io.Raw or mne.Epochs
        Events, with onsets on the clock of ``windows.onsets`` (what :func:`to_windows`
        gives for the same Raw or Epochs).
    windows : Windows
        Windows from :func:`to_windows` or :func:`iter_windows`.
    regex : str, default='(?i)seiz'
        Descriptions matching it (:func:`re.search`) count as events.
    min_overlap : float, default=0.5
        Fraction of a window that must lie inside events; 0 means any overlap at all.
    token_min_overlap : float or None, default=None
        The same for tokens (fraction of a patch); ``None`` uses ``min_overlap``.

    Returns
    -------
    y : ndarray of shape (n_windows,)
        Window labels (int64).
    y_tokens : ndarray of shape (n_windows, n_chans, n_patches)
        Token labels (int64), in the format of ``BPTSeizureClassifier``.

    Notes
    -----
    An event shorter than ``min_overlap`` times the window labels no window: with 90-s
    windows and ``min_overlap=0.5``, a 20-s seizure is missed. A warning names such
    events; lower ``min_overlap`` (or use shorter windows) to keep them.

    Examples
    --------
    >>> import mne, numpy as np
    >>> from bptlearn.data import annotations_to_labels, to_windows
    >>> x = np.random.default_rng(0).normal(size=(2, 7500))  # 30 s at 250 Hz, in µV
    >>> w = to_windows(x, sfreq=250.0, n_patches=1, ch_names=["A1", "A2"])  # 6-s windows
    >>> ann = mne.Annotations([3.0, 13.0], [9.0, 4.0], ["seizure", "seizure"],
    ...                       ch_names=[[], ["A2"]])  # 3-12 s everywhere, 13-17 s on A2
    >>> y, y_tokens = annotations_to_labels(ann, w, min_overlap=0.5)
    >>> y.tolist()
    [1, 1, 1, 0, 0]
    >>> y_tokens[:, :, 0].tolist()
    [[1, 1], [1, 1], [0, 1], [0, 0], [0, 0]]
    """
    import mne

    if isinstance(annotations, (mne.io.BaseRaw, mne.BaseEpochs)):
        annotations = annotations.annotations
    _validate_type(annotations, mne.Annotations, "annotations")
    _validate_type(windows, Windows, "windows")
    _validate_type(regex, "str", "regex")
    min_overlap = _check_fraction(min_overlap, "min_overlap")
    token_min_overlap = min_overlap if token_min_overlap is None else _check_fraction(
        token_min_overlap, "token_min_overlap")
    try:
        pattern = re.compile(regex)
    except re.error as err:
        raise ValueError(f"regex={regex!r} is not a valid regular expression ({err}).") from None
    chans = {name: i for i, name in enumerate(windows.ch_names)}
    every: list[tuple[float, float]] = []
    per_chan: list[list[tuple[float, float]]] = [[] for _ in windows.ch_names]
    for ann in annotations:
        if not pattern.search(ann["description"]):
            continue
        span = (float(ann["onset"]), float(ann["onset"] + ann["duration"]))
        every.append(span)
        targets = ann.get("ch_names") or ()
        for c in ([chans[n] for n in targets if n in chans] if targets else range(len(chans))):
            per_chan[c].append(span)
    if not every:  # an interictal recording, or a regex that misses: say so, quietly
        logger.info(
            "No annotation description matches regex=%r (descriptions present: %s), so every "
            "label is 0. Fine for an interictal recording; otherwise pass a regex that "
            "matches your seizure annotations.", regex, sorted(set(annotations.description))[:10])
    onsets = np.asarray(windows.onsets, dtype=float)
    win, patch = windows.duration, windows.patch_len / windows.sfreq
    union = _merge(every)
    cover = _covered(onsets, win, union)
    y = (cover >= min_overlap * win - _TOL) & (cover > _TOL)
    patch_starts = onsets[:, None] + patch * np.arange(windows.n_patches)[None, :]
    y_tokens = np.zeros((len(onsets), len(chans), windows.n_patches), dtype=np.int64)
    for c, spans in enumerate(per_chan):
        if spans:
            cov = _covered(patch_starts, patch, _merge(spans))
            y_tokens[:, c] = (cov >= token_min_overlap * patch - _TOL) & (cov > _TOL)
    hits = (onsets[None, :] < union[:, 1:] - _TOL) & (onsets[None, :] + win > union[:, :1] + _TOL)
    missed = union[hits.any(axis=1) & ~(hits & y[None, :]).any(axis=1)]
    instant = missed[:, 1] - missed[:, 0] <= _TOL  # zero length: no overlap, whatever rule
    if instant.any():
        warnings.warn(
            f"{int(instant.sum())} event(s) have zero duration and label no window: a window "
            f"is labelled by the time it shares with an event, and a zero-length event shares "
            f"none, even with min_overlap=0 ({[f'{a:g} s' for a, _ in missed[instant][:5]]}). "
            f"Give these events a duration (e.g. annotations.duration[...] = 1.0).",
            BPTWarning, stacklevel=2)
    if (~instant).any():
        warnings.warn(
            f"{int((~instant).sum())} event(s) overlap windows but label none of them, covering "
            f"less than min_overlap={min_overlap} of a {win:g}-s window: "
            f"{[f'{a:g}-{b:g} s' for a, b in missed[~instant][:5]]}. Lower min_overlap or use "
            f"shorter windows to keep them.", BPTWarning, stacklevel=2)
    return y.astype(np.int64), y_tokens
