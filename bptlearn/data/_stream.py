"""Streaming: batches of windows from recordings too long to hold in memory."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ..exceptions import BPTWarning
from ..utils._check import _validate_type
from ._preprocess import (
    _cut,
    _flag_flat,
    _make_plan,
    _nonfinite_windows,
    _positive_int,
    _process,
    _too_short,
    _window_starts,
)
from ._readers import _NpyFile, read_recording
from ._segments import bad_spans, overlaps_bad, warn_rejected
from ._windows import Windows, _source


def _open(source, sfreq):
    """A lazily read Raw, a row-reader of a .npy file, or an array."""
    import mne

    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.suffix.lower() == ".npy":
            if not path.is_file():
                raise FileNotFoundError(f"No recording at {str(path)!r}; check the path.")
            if sfreq is None:
                raise ValueError(
                    f"{path.name!r} is a .npy array, which does not store its sampling rate. "
                    f"Pass sfreq in Hz, e.g. iter_windows({path.name!r}, sfreq=1000.0).")
            return _NpyFile(path)
        return read_recording(path, sfreq)
    if isinstance(source, mne.BaseEpochs):
        raise TypeError(
            "iter_windows streams continuous recordings; Epochs are already in memory. Use "
            "to_windows(epochs) instead.")
    _validate_type(source, ("path-like", mne.io.BaseRaw, np.ndarray), "source")
    if isinstance(source, np.ndarray) and source.ndim != 2:
        raise ValueError(
            f"Array input to iter_windows must have shape (n_chans, n_times), got shape "
            f"{source.shape}. Use to_windows for epoched (3-D) arrays.")
    return source


def iter_windows(source, sfreq: float | None = None, *, batch_size: int = 16,
                 picks: str | Sequence[str] = ("seeg", "ecog", "dbs"),
                 ch_names: Sequence[str] | None = None, channels: Sequence[str] | None = None,
                 n_patches: int = 15, stride: float | None = None,
                 l_freq: float | None = None, h_freq: float | None = None,
                 notch: float | Sequence[float] | None = None, patch_len: int = 1500,
                 target_sfreq: float = 250.0, nan_policy: str = "raise",
                 reject_by_annotation: bool = True) -> Iterator[Windows]:
    """Yield batches of model windows from a long recording, one stretch at a time.

    Only the input samples of the current batch (plus a few seconds of context) are
    read: a file is opened with ``preload=False`` and read with ``raw.get_data(start=,
    stop=)``; a ``.npy`` file with plain reads of the current stretch of each row (no
    memory map, whose pages would count as resident memory). Each stretch is processed
    exactly as :func:`to_windows` processes the whole recording, with enough context on
    both sides that every filter sees the same samples, so the windows equal those of
    ``to_windows`` up to float32 rounding. Memory stays bounded by ``batch_size``.

    Parameters
    ----------
    source : path-like, mne.io.Raw or ndarray
        A file (as :func:`read_recording` reads, or ``.npy`` of shape ``(n_chans,
        n_times)`` in µV, read stretch by stretch), a Raw (preloaded or not), or a 2-D
        array (e.g. a memory map).
    sfreq : float or None, default=None
        Sampling rate in Hz of ``.npy`` or array input.
    batch_size : int, default=16
        Windows per yielded batch (the last one may be smaller).
    picks, ch_names, channels, n_patches, stride, l_freq, h_freq, notch, patch_len, \
target_sfreq, nan_policy, reject_by_annotation
        As in :func:`to_windows` (windows overlapping ``BAD*`` annotations are dropped
        before anything is read, with one warning). Normalisation is not offered here: it
        needs the whole recording; the estimators learn their scaling in ``fit``.

    Yields
    ------
    windows : Windows
        A batch: ``X`` of shape ``(n, n_chans, n_patches * patch_len)`` and the
        ``onsets`` of its windows on the recording's clock.

    See Also
    --------
    to_windows : The whole recording at once.

    Examples
    --------
    >>> from bptlearn.data import iter_windows, make_seeg
    >>> raw = make_seeg(n_patients=1, n_chans=4, duration=120.0, random_state=0)[0].to_raw()
    >>> [len(b) for b in iter_windows(raw, batch_size=4, n_patches=2)]
    [4, 4, 2]
    """
    import mne

    batch_size = _positive_int(batch_size, "batch_size")
    _validate_type(reject_by_annotation, bool, "reject_by_annotation")
    inst = _open(source, sfreq)
    src = _source(inst, sfreq, picks, ch_names, channels)
    plan = _make_plan(src.sfreq, target_sfreq=target_sfreq, n_patches=n_patches,
                      patch_len=patch_len, stride=stride, l_freq=l_freq, h_freq=h_freq,
                      notch=notch, nan_policy=nan_policy)
    (get, n_in, t0), = src.segments
    starts = _window_starts(n_in, plan)
    if not len(starts):
        raise _too_short(n_in, plan)
    n_rejected = 0
    if reject_by_annotation and isinstance(inst, mne.io.BaseRaw):
        bad, names = bad_spans(inst)
        rejected = overlaps_bad(t0 + starts / plan.out_sfreq, plan.win / plan.out_sfreq, bad)
        n_rejected = int(rejected.sum())
        warn_rejected(n_rejected, len(starts), names)
        starts = starts[~rejected]
    return _batches(get, n_in, t0, starts, src, plan, batch_size, n_rejected)


def _batches(get, n_in, t0, starts, src, plan, batch_size, n_rejected) -> Iterator[Windows]:
    """The generator behind :func:`iter_windows` (checks ran before the first batch)."""
    context, up, down = plan.context, plan.up, plan.down
    flagged: set[str] = set()
    for b in range(0, len(starts), batch_size):
        st = starts[b:b + batch_size]
        lo = st[0] * down // up - context
        o0 = max(0, lo // down * down)  # a multiple of down keeps the output grid aligned
        o1 = min(n_in, -(-(st[-1] + plan.win) * down // up) + context)
        out, nonfinite, ptp = _process(get, src.ch_names, o0, o1, plan)
        keep = ~_nonfinite_windows(st, nonfinite[0], o0, plan)
        if not keep.all():
            warnings.warn(f"nan_policy='omit' dropped {int((~keep).sum())} window(s) of this "
                          f"batch holding NaN or infinite samples.", BPTWarning, stacklevel=2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            flat = _flag_flat(ptp, src.ch_names)
        if set(flat) - flagged:  # warn once per newly flat channel, not every batch
            for w in caught:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            flagged |= set(flat)
        X = _cut(out, st[keep] - o0 * up // down, plan)
        groups = None if src.subject is None else np.full(len(X), src.subject, dtype=object)
        yield Windows(X, list(src.ch_names), t0 + st[keep] / plan.out_sfreq, plan.out_sfreq,
                      plan.n_patches, plan.patch_len, src.bads, flat, groups, None, n_rejected)
