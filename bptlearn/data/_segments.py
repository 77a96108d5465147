"""Which stretches of a Raw become windows: BAD_* annotations out, event trials in."""

from __future__ import annotations

import warnings

import numpy as np

from ..exceptions import BPTWarning
from ..utils._check import _validate_type

_TOL = 1e-9  # seconds


def bad_spans(raw) -> tuple[np.ndarray, list[str]]:
    """``(n, 2)`` start and end seconds of the Raw's annotations whose description starts
    with ``'bad'`` (any case, as MNE's ``reject_by_annotation``), on the clock of
    :attr:`Windows.onsets`, and their descriptions."""
    ann = raw.annotations
    keep = [i for i, d in enumerate(ann.description) if d.upper().startswith("BAD")]
    # onsets of a Raw's annotations count from meas_date like first_time (raw._first_time)
    spans = np.column_stack([ann.onset[keep], ann.onset[keep] + ann.duration[keep]])
    return spans.reshape(-1, 2), sorted({str(ann.description[i]) for i in keep})


def overlaps_bad(onsets: np.ndarray, duration: float, spans: np.ndarray) -> np.ndarray:
    """Which windows ``[onset, onset + duration)`` overlap a bad span. A span of zero
    duration (MNE's ``'BAD boundary'`` between concatenated recordings) rejects the
    windows that straddle it, not the window that starts at it."""
    if not len(spans) or not len(onsets):
        return np.zeros(len(onsets), dtype=bool)
    lo, hi = onsets[:, None], onsets[:, None] + duration
    start, end = spans[None, :, 0], spans[None, :, 1]
    hit = np.where(end > start, (start < hi - _TOL) & (end > lo + _TOL),
                   (start > lo + _TOL) & (start < hi - _TOL))
    return hit.any(axis=1)


def warn_rejected(n_rejected: int, n_total: int, descriptions: list[str]) -> None:
    if n_rejected:
        warnings.warn(
            f"reject_by_annotation=True dropped {n_rejected} of {n_total} window(s) overlapping "
            f"the annotations {descriptions[:5]} (see the result's n_rejected). Pass "
            f"reject_by_annotation=False to keep them.", BPTWarning, stacklevel=3)


def event_trials(raw, events, trial_start_offset: float, trial_stop_offset: float | None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trials ``(start_sample, stop_sample)`` relative to the Raw's first sample, and
    their targets, from an MNE events array or :class:`mne.Annotations`.

    An events array ``(n, 3)`` (``mne.find_events``, ``mne.events_from_annotations``;
    sample numbers include ``first_samp``) gives trials from ``onset +
    trial_start_offset`` to ``onset + trial_stop_offset`` seconds, targets its event ids;
    annotations give ``onset + trial_start_offset`` to ``onset + duration +
    trial_stop_offset``, targets their descriptions, as braindecode's
    ``create_windows_from_events`` does.
    """
    import mne

    fs = raw.info["sfreq"]
    _validate_type(trial_start_offset, "numeric", "trial_start_offset")
    if isinstance(events, mne.Annotations):
        onset = raw.time_as_index(events.onset, use_rounding=True,
                                  origin=events.orig_time)
        stop = onset + np.round(events.duration * fs).astype(int)
        targets = np.asarray(events.description, dtype=object)
        stop_offset = 0.0 if trial_stop_offset is None else trial_stop_offset
    else:
        events = np.asarray(events)
        if events.ndim != 2 or events.shape[1] != 3 or not np.issubdtype(events.dtype,
                                                                         np.integer):
            raise ValueError(
                f"events must be an MNE events array of shape (n_events, 3) holding integers "
                f"(sample, previous value, event id), or mne.Annotations; got "
                f"{events.dtype} of shape {events.shape} instead.")
        if trial_stop_offset is None:
            raise ValueError(
                "trial_stop_offset is None, but events arrays carry no duration: pass the "
                "trial's end in seconds after each event (e.g. trial_stop_offset=30.0), or "
                "pass mne.Annotations, whose durations end the trials.")
        onset = stop = events[:, 0] - raw.first_samp
        targets, stop_offset = events[:, 2], trial_stop_offset
    _validate_type(stop_offset, "numeric", "trial_stop_offset")
    starts = onset + int(round(trial_start_offset * fs))
    stops = stop + int(round(stop_offset * fs))
    if (starts < 0).any() or (stops > raw.n_times).any() or (stops <= starts).any():
        bad = int(np.flatnonzero((starts < 0) | (stops > raw.n_times) | (stops <= starts))[0])
        raise ValueError(
            f"Trial {bad} spans samples {starts[bad]} to {stops[bad]}, outside the recording "
            f"(0 to {raw.n_times}) or empty. Check the events and the trial offsets "
            f"(trial_start_offset={trial_start_offset}, trial_stop_offset={trial_stop_offset}).")
    return starts, stops, targets


def _by_length(segments) -> list[tuple[int, list[int]]]:
    """Segment indices grouped by length, in order of first appearance."""
    groups: dict[int, list[int]] = {}
    for e, (_, n_in, _) in enumerate(segments):
        groups.setdefault(n_in, []).append(e)
    return list(groups.items())


def _stacked(getters, n_chans: int):
    """One getter over the rows ``(segment, channel)`` of equally long segments."""
    def get(block: slice, o0: int, o1: int) -> np.ndarray:
        r0, r1, _ = block.indices(len(getters) * n_chans)
        return np.concatenate([
            getters[e](slice(max(r0 - e * n_chans, 0), min(r1 - e * n_chans, n_chans)), o0, o1)
            for e in range(r0 // n_chans, (r1 - 1) // n_chans + 1)])
    return get
