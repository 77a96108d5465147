"""Turn what users pass (arrays, MNE Epochs, lists of either) into model-ready windows.

Everything here checks before it converts, and converts into new arrays: the caller's
data are never modified.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import mne
import numpy as np

from ..data import Windows, resample, resample_ratio
from ..exceptions import BPTWarning, ChannelMismatchError


@dataclass(frozen=True)
class Signals:
    """Validated input: one 3-D array per part (a list input has several parts)."""

    parts: tuple[np.ndarray, ...]  # each (n_windows, n_chans, n_times), real floating point
    sfreq: float
    ch_names: tuple[str, ...] | None  # from MNE input, when every part agrees
    ragged: bool  # parts differ in channel count

    @property
    def n_windows(self) -> int:
        return sum(len(p) for p in self.parts)

    @property
    def n_chans(self) -> int:
        return self.parts[0].shape[1]

    def subset(self, rows: np.ndarray) -> Signals:
        """The windows ``rows`` (sorted indices across the parts, or a bool mask over them),
        in order; each part keeps its own array (ragged input stays ragged)."""
        keep = np.zeros(self.n_windows, dtype=bool)
        keep[rows] = True
        if keep.all():
            return self
        bounds = np.cumsum([0] + [len(p) for p in self.parts])
        parts = (p[keep[a:b]] for p, a, b in zip(self.parts, bounds[:-1], bounds[1:],
                                                 strict=True))
        return replace(self, parts=tuple(p for p in parts if len(p)))


def _describe(X: object) -> str:
    if isinstance(X, np.ndarray):
        return f"a NumPy array of shape {X.shape}"
    return f"a {type(X).__name__}"


def _from_epochs(epochs: mne.BaseEpochs) -> tuple[np.ndarray, float, list[str]]:
    """Epochs' good channels in µV: channels in ``info['bads']`` are dropped, with a
    warning, as :func:`bptlearn.data.to_windows` drops them."""
    bads = [n for n in epochs.ch_names if n in epochs.info["bads"]]
    names = [n for n in epochs.ch_names if n not in bads]
    if not names:
        raise ValueError(f"Every channel of the Epochs is in info['bads'] ({bads}); nothing is "
                         "left to embed. Clear info['bads'] for the channels to use.")
    if bads:
        warnings.warn(f"Dropped {len(bads)} bad channel(s) listed in info['bads']: {bads}. "
                      "Clear info['bads'] to keep them.", BPTWarning, stacklevel=5)
    # a units dict: MNE refuses units="uV" when several voltage types are picked
    units = {kind: "uV" for kind in set(epochs.get_channel_types(picks=names))}
    return epochs.get_data(picks=names, units=units), float(epochs.info["sfreq"]), names


def _as_array(X: object, owner: str, allow_nan: bool) -> tuple[np.ndarray, float | None, list]:
    """One part as a float array (copy-free when possible), its sfreq and ch_names if MNE."""
    if isinstance(X, mne.BaseEpochs):
        return _from_epochs(X)
    if isinstance(X, Windows):
        return _as_array(X.X, owner, allow_nan)[0], float(X.sfreq), list(X.ch_names)
    if isinstance(X, mne.io.BaseRaw):
        raise TypeError(
            f"{owner} takes windows, but X is a continuous mne.io.Raw. Cut it into windows with "
            "bptlearn.data.to_windows(raw) (or mne.make_fixed_length_epochs), or embed the whole "
            "recording with BPTEncoder.transform_recording(raw)."
        )
    arr = np.asarray(X)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"X must hold real numbers, got dtype {arr.dtype} ({_describe(X)}).")
    if np.iscomplexobj(arr):
        raise TypeError(
            f"X holds complex numbers ({_describe(arr)}); pass the real signal (np.real(X)) "
            "or its magnitude, in the signal's units."
        )
    if arr.ndim != 3:
        raise ValueError(
            f"X must have 3 dimensions (n_windows, n_chans, n_times), got {_describe(arr)}. "
            + ("Add a window axis with X[np.newaxis] for one window." if arr.ndim == 2 else "")
        )
    if arr.size == 0:
        raise ValueError(f"X is empty ({_describe(arr)}); pass at least one window of one channel.")
    if not np.issubdtype(arr.dtype, np.floating) or arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    if not allow_nan and not np.isfinite(arr).all():
        n_bad = int((~np.isfinite(arr)).sum())
        raise ValueError(
            f"X holds {n_bad} NaN or infinite sample(s); {owner} needs finite signals. Interpolate "
            "them (BPTImputer fills NaNs), or drop the affected windows or channels."
        )
    if allow_nan and np.isinf(arr).any():
        raise ValueError(f"X holds infinite samples; {owner} fills NaNs only. Replace inf by NaN.")
    return arr, None, []


def check_signals(X: object, sfreq: float, owner: str, *, allow_nan: bool = False) -> Signals:
    """Validate X: an array or Epochs, or a list of them with possibly different channels."""
    items = list(X) if isinstance(X, (list, tuple)) else [X]
    if not items:
        raise ValueError(f"X is an empty list; pass windows to {owner}.")
    parts, rates, names = [], set(), []
    for item in items:
        arr, item_sfreq, item_names = _as_array(item, owner, allow_nan)
        parts.append(arr)
        rates.add(sfreq if item_sfreq is None else item_sfreq)
        names.append(tuple(item_names) or None)
    if len(rates) > 1:
        raise ValueError(
            f"The parts of X have different sampling rates {sorted(rates)} Hz; resample them to "
            "one rate first (epochs.resample(...)) so that windows have one length."
        )
    n_times = {p.shape[2] for p in parts}
    if len(n_times) > 1:
        raise ValueError(f"The parts of X have windows of different lengths {sorted(n_times)}; "
                         "cut every part into windows of the same duration.")
    ragged = len({p.shape[1] for p in parts}) > 1
    ch_names = names[0] if len(set(names)) == 1 else None
    return Signals(tuple(parts), rates.pop(), ch_names, ragged)


def n_patches_of(n_times: int, sfreq: float, target_sfreq: float, patch_len: int,
                 max_patches: int, owner: str) -> int:
    """Number of patches a window of ``n_times`` samples at ``sfreq`` makes at the model's rate.

    The window is resampled with :func:`bptlearn.data.resample` (``ceil(n_times * up /
    down)`` samples). At a rate that is no whole number of samples per patch (173.61 Hz,
    399.6097561 Hz) a window of whole patches is rounded to whole input samples, so a
    window is accepted when it is within one input sample of whole patches; the output
    samples past the patches are cut off (:func:`to_patches`).
    """
    up, down = resample_ratio(sfreq, target_sfreq)
    L = -(-n_times * up // down) // patch_len
    seconds = n_times / sfreq
    if abs(n_times - Fraction(L * patch_len * down, up)) >= 1 or not 1 <= L <= max_patches:
        patch_s = patch_len / target_sfreq
        raise ValueError(
            f"Windows of {n_times} samples at {sfreq:g} Hz last {seconds:g} s, but {owner} needs "
            f"1 to {max_patches} whole patches of {patch_s:g} s ({patch_len} samples at "
            f"{target_sfreq:g} Hz), i.e. windows of {patch_s:g}, {2 * patch_s:g}, ... "
            f"{max_patches * patch_s:g} s. Cut windows with bptlearn.data.to_windows, or pass the "
            "right sfreq if the data are not at that rate."
        )
    return int(L)


def match_channels(signals: Signals, ch_names_in: tuple[str, ...] | None,
                   owner: str) -> Signals:
    """X's channels put in the fitted order by name, as MNE matches channels.

    Named input (Epochs, :class:`~bptlearn.data.Windows`) holding the fitted channels in
    another order is reordered; a bare array, after a fit on named channels, is taken to
    be in the fitted order, with a warning. Other mismatches are left to
    :func:`check_channels`.
    """
    if ch_names_in is None:
        return signals
    fitted = [str(c) for c in ch_names_in]
    if signals.ch_names is None:
        warnings.warn(
            f"X carries no channel names, but this {owner} was fitted on named channels "
            f"(ch_names_in_: {fitted[:5]}{'...' if len(fitted) > 5 else ''}); its channels "
            "are taken to be in that order. Pass Epochs or bptlearn.data.Windows to have them "
            "matched by name.", BPTWarning, stacklevel=4)
        return signals
    names = list(signals.ch_names)
    if names == fitted or sorted(names) != sorted(fitted):
        return signals
    order = np.asarray([names.index(c) for c in fitted])
    return replace(signals, parts=tuple(p[:, order] for p in signals.parts),
                   ch_names=tuple(fitted))


def check_channels(signals: Signals, n_chans_in: int, ch_names_in: tuple[str, ...] | None,
                   owner: str, why: str) -> None:
    """Raise ChannelMismatchError when X's channels differ from those seen in fit."""
    counts = sorted({p.shape[1] for p in signals.parts})
    if counts != [n_chans_in]:
        got = counts[0] if len(counts) == 1 else f"{counts} (ragged)"
        raise ChannelMismatchError(
            f"X has {got} channels, but this {owner} was fitted on {n_chans_in} (see "
            f"n_chans_in_). {why} Pick the fitted channels, refit, or use a setting that "
            "works with any channel count (pooling='mean', scaling='global')."
        )
    if ch_names_in is not None and signals.ch_names is not None and \
            tuple(signals.ch_names) != tuple(ch_names_in):
        missing = [c for c in ch_names_in if c not in signals.ch_names]
        raise ChannelMismatchError(
            f"X's channels differ from those seen in fit (ch_names_in_): missing {missing[:5]}, "
            f"order {list(signals.ch_names[:5])}... vs {list(ch_names_in[:5])}.... {why} Pick "
            "them in the fitted order with epochs.pick(est.ch_names_in_)."
        )


def check_future(y: Any, signals: Signals, horizon: int, config: Any) -> np.ndarray:
    """Check forecasting targets ``y`` against the windows ``signals`` and bring them to
    the model's rate: float32 (n, C, horizon * patch_len)."""
    y = np.asarray(y)
    n, C = signals.n_windows, signals.n_chans
    want = horizon * config.patch_len * signals.sfreq / config.sfreq
    if y.ndim != 3 or y.shape[:2] != (n, C) or y.shape[2] != want:
        raise ValueError(
            f"y has shape {y.shape}, but with horizon={horizon} patches it must hold the "
            f"{want:g} samples at {signals.sfreq:g} Hz that follow each window: shape "
            f"({n}, {C}, {want:g})."
        )
    if not np.isfinite(y).all():
        raise ValueError("y holds NaN or infinite samples; forecasting targets must be finite.")
    return np.asarray(resample_windows(y, signals.sfreq, config.sfreq), dtype=np.float32)


def resample_windows(windows: np.ndarray, sfreq: float, target_sfreq: float) -> np.ndarray:
    """Windows (..., T) at ``sfreq`` resampled to ``target_sfreq`` by
    :func:`bptlearn.data.resample` (float64 when resampled; the input itself when the
    rates agree)."""
    return resample(windows, sfreq, target_sfreq)


def to_patches(windows: np.ndarray, sfreq: float, target_sfreq: float,
               patch_len: int) -> np.ndarray:
    """(n, C, T) windows at ``sfreq`` -> float32 (n, C, L, P) at ``target_sfreq`` (a new array).

    Resampling is scipy's polyphase filter (as :func:`bptlearn.data.to_windows` uses).
    """
    windows = resample_windows(windows, sfreq, target_sfreq)
    n, C, T = windows.shape
    T -= T % patch_len  # less than one input sample past whole patches (see n_patches_of)
    return np.array(windows[..., :T], dtype=np.float32).reshape(n, C, T // patch_len,
                                                                 patch_len)
